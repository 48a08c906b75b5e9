//! `[l1.upgrade]`: an upgrade of the L1's OP contracts, from the release `[l1] contracts` names
//! to the release `to` names. At genesis (an Alphanet) the L1 simply starts on the new release;
//! at an offset (a Betanet) the L1 starts on the old release, with the new release's
//! implementations deployed but not adopted, and the owner's upgrade transactions are mined in
//! the first L1 block at or after that time (see [`crate::contracts::upgrade`]).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Activation, BackendKind, Mode, NetworkSpec, NodeKind, SpecErrorKind};
use crate::forks::ContractsRelease;

/// `[l1.upgrade]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L1UpgradeSpec {
    /// The release after the upgrade.
    pub to: ContractsRelease,
    /// `"genesis"`, or `{ offset = N }`: seconds after genesis; the upgrade is mined in the first
    /// L1 block at or after that time.
    pub at: Activation,
    /// A JSON file of owner transactions to run instead of the release's own upgrade path,
    /// relative to the spec's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

impl super::L1Spec {
    /// The release the L1's genesis holds: the upgrade's target when it happens at genesis.
    pub fn genesis_release(&self) -> ContractsRelease {
        match &self.upgrade {
            Some(upgrade) if upgrade.at == Activation::Genesis => upgrade.to,
            _ => self.contracts,
        }
    }

    /// The upgrade mined live, with its offset after genesis.
    pub fn live_upgrade(&self) -> Option<(&L1UpgradeSpec, u64)> {
        self.upgrade.as_ref().and_then(|u| match u.at {
            Activation::Offset(offset) => Some((u, offset)),
            Activation::Genesis => None,
        })
    }

    /// The L1 block the live upgrade is mined in: the first whose timestamp reaches its time.
    pub fn upgrade_block(&self) -> Option<u64> {
        self.live_upgrade().map(|(_, offset)| offset.div_ceil(self.block_time))
    }

    /// Whether the L1 upgrade brings `release`: a release after the one the L1 starts on, up to
    /// the upgrade's target. What puts that release's L1 features in scope.
    pub fn reaches(&self, release: ContractsRelease) -> bool {
        self.upgrade.as_ref().is_some_and(|u| self.contracts < release && release <= u.to)
    }
}

/// The first L1 block a live upgrade may use: block 1 holds the deposits made before it, so the
/// boundary has a block on each side after genesis.
pub const FIRST_UPGRADE_BLOCK: u64 = 2;

/// Checks `[l1.upgrade]` against the rest of the spec.
pub(super) fn validate(spec: &NetworkSpec) -> Result<(), SpecErrorKind> {
    let Some(upgrade) = &spec.l1.upgrade else { return Ok(()) };
    let from = spec.l1.contracts;
    if upgrade.to <= from {
        return Err(SpecErrorKind::L1UpgradeBackwards { from, to: upgrade.to });
    }
    if let Some(reason) = l2_only(spec) {
        return Err(SpecErrorKind::L1UpgradeWithoutL1 { reason });
    }
    match upgrade.at {
        Activation::Genesis if upgrade.file.is_some() => Err(SpecErrorKind::L1UpgradeFileAtGenesis),
        Activation::Genesis => Ok(()),
        Activation::Offset(offset) => live(spec, upgrade, offset),
    }
}

fn live(spec: &NetworkSpec, upgrade: &L1UpgradeSpec, offset: u64) -> Result<(), SpecErrorKind> {
    if spec.mode == Mode::Alphanet {
        return Err(SpecErrorKind::AlphanetLiveL1Upgrade { offset });
    }
    if offset > super::validate::MAX_FORK_OFFSET {
        return Err(SpecErrorKind::ForkTooLate { field: "l1.upgrade.at".into(), offset });
    }
    let block = offset.div_ceil(spec.l1.block_time);
    if block < FIRST_UPGRADE_BLOCK {
        return Err(SpecErrorKind::L1UpgradeTooEarly { offset, block, block_time: spec.l1.block_time });
    }
    match &upgrade.file {
        Some(file) => {
            let path = spec.resolve_path(file);
            crate::contracts::upgrade::OwnerTxFile::read(&path).map(|_| ()).map_err(|e| SpecErrorKind::L1UpgradeFile { path: path.display().to_string(), reason: e.to_string() })
        }
        None if crate::contracts::upgrade::has_path(spec.l1.contracts, upgrade.to) => Ok(()),
        None => Err(SpecErrorKind::L1UpgradeNoPath { from: spec.l1.contracts, to: upgrade.to }),
    }
}

/// Why the harness does not run this network's L1, if it does not: then it can neither build
/// the L1's genesis on another release nor mine the owner's transactions in a scheduled block.
fn l2_only(spec: &NetworkSpec) -> Option<String> {
    let live = spec.l1.live_upgrade().is_some();
    match (spec.backend, spec.l1.node) {
        (BackendKind::External, _) => Some("the external backend attaches to an L1 someone else runs".into()),
        (_, NodeKind::Custom) => Some("`l1.node = \"custom\"` runs an L1 the harness does not build".into()),
        (BackendKind::Process | BackendKind::Container, _) | (_, NodeKind::Anvil) if live => {
            Some(format!("the {} backend runs anvil as the L1; the harness mines scheduled owner transactions only in its own embedded L1", spec.backend.name()))
        }
        _ => None,
    }
}

/// A Betanet is named only when it changes the L2: a live L1 upgrade alone gets an upgrade
/// number and no hardfork name.
pub(super) fn naming(spec: &NetworkSpec) -> Result<(), SpecErrorKind> {
    let l2_live = spec.schedule().live_forks().next().is_some();
    match (&spec.hardfork_name, spec.mode) {
        (Some(name), Mode::Betanet) if !l2_live => Err(SpecErrorKind::BetanetNamedWithoutL2Change { name: name.clone() }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l1(text: &str) -> super::super::L1Spec {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn the_genesis_release_is_the_target_only_at_genesis() {
        let live = l1("chain_id = 1\ncontracts = \"v4.1.0\"\n[upgrade]\nto = \"v5.0.0\"\nat = { offset = 25 }");
        assert_eq!(live.genesis_release(), ContractsRelease::V4_1_0);
        assert_eq!(live.upgrade_block(), Some(3), "the first 12-second block at or after +25 s");
        assert!(live.reaches(ContractsRelease::V5_0_0));
        assert!(!live.reaches(ContractsRelease::V4_1_0), "the release it starts on is no upgrade");
        let at_genesis = l1("chain_id = 1\ncontracts = \"v4.1.0\"\n[upgrade]\nto = \"v5.0.0\"\nat = \"genesis\"");
        assert_eq!(at_genesis.genesis_release(), ContractsRelease::V5_0_0);
        assert_eq!(at_genesis.upgrade_block(), None);
        let none = l1("chain_id = 1");
        assert!(!none.reaches(ContractsRelease::V5_0_0), "no upgrade, no L1 feature");
    }
}
