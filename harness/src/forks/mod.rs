//! The fork catalog: every OP Stack fork in activation order, what each one changes, how it is
//! upgraded and which acceptance suites prove it.
//!
//! Everything downstream (spec validation, the genesis builder, the sequencer, the suites and the
//! verdicts) asks this module rather than hard-coding fork names, so adding a fork is one edit here.

mod bundle;
mod features;
mod nuts;
mod release;

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

pub use bundle::{BUILTIN_ORIGIN, BundleError, Expectation, IMPLEMENTATION_SLOT, UPGRADE_TO_SELECTOR, UpgradeBundle, UpgradeTx, recovered_deposit};
pub use features::{Coverage, FEATURES, Feature, Layer, feature};
pub use nuts::{LOCK_FILE, NutDir, NutError};
pub use release::{ContractsRelease, UnknownRelease};

/// An OP Stack network upgrade, ordered by activation: a later fork implies every earlier one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fork {
    /// The OP Stack base; always active at genesis.
    Bedrock,
    Regolith,
    Canyon,
    Delta,
    Ecotone,
    Fjord,
    Granite,
    Holocene,
    Isthmus,
    Jovian,
    Karst,
    /// The interop fork, named Interop until 2026 (op-node keys it `lagoon_time` since); specs
    /// may still say `interop`.
    #[serde(alias = "interop")]
    Lagoon,
}

/// How a fork's network upgrade transactions reach the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpgradeSource {
    /// The fork only changes execution or consensus rules; its activation block carries no
    /// upgrade transactions.
    RulesOnly,
    /// The upgrade transactions ship in `kona-hardforks`.
    BuiltIn,
    /// The fork deploys contracts no registry package ships: a NUT bundle JSON must supply them.
    BundleRequired,
}

/// How op-node derives the source hashes of a fork's upgrade deposits:
/// `keccak256(uint256(2) ++ keccak256(text))`, where the text is one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceHashRule {
    /// The intent as written, `"Jovian: L1 Block Deployment"`: forks before NUT bundles.
    BareIntent,
    /// `"<Label> <index>: <intent>"`, from Karst on; the label is [`Fork::bundle_label`]
    /// capitalised.
    Qualified,
}

/// Calldata layout of the L1-attributes deposit, which changes with some forks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum L1InfoFormat {
    /// `setL1BlockValues(...)`, ABI-encoded.
    Bedrock,
    /// `setL1BlockValuesEcotone()`, packed, 164 bytes.
    Ecotone,
    /// `setL1BlockValuesIsthmus()`, packed, 176 bytes.
    Isthmus,
    /// `setL1BlockValuesJovian()`, packed, 178 bytes.
    Jovian,
}

impl L1InfoFormat {
    /// The 4-byte selector the format's calldata starts with.
    pub const fn selector(self) -> [u8; 4] {
        match self {
            Self::Bedrock => [0x01, 0x5d, 0x8e, 0xb9],
            Self::Ecotone => [0x44, 0x0a, 0x5e, 0x20],
            Self::Isthmus => [0x09, 0x89, 0x99, 0xbe],
            Self::Jovian => [0x3d, 0xb6, 0xbe, 0x2b],
        }
    }
}

impl Fork {
    /// Every fork, in activation order.
    pub const ALL: [Self; 12] = [
        Self::Bedrock,
        Self::Regolith,
        Self::Canyon,
        Self::Delta,
        Self::Ecotone,
        Self::Fjord,
        Self::Granite,
        Self::Holocene,
        Self::Isthmus,
        Self::Jovian,
        Self::Karst,
        Self::Lagoon,
    ];

    /// Lower-case name, as used in specs, feature ids and test paths.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Bedrock => "bedrock",
            Self::Regolith => "regolith",
            Self::Canyon => "canyon",
            Self::Delta => "delta",
            Self::Ecotone => "ecotone",
            Self::Fjord => "fjord",
            Self::Granite => "granite",
            Self::Holocene => "holocene",
            Self::Isthmus => "isthmus",
            Self::Jovian => "jovian",
            Self::Karst => "karst",
            Self::Lagoon => "lagoon",
        }
    }

    /// The label op-node hashes into a NUT bundle's source hashes. Lagoon kept the interop
    /// fork's label, so its source hashes did not change with the name.
    pub const fn bundle_label(self) -> &'static str {
        match self {
            Self::Lagoon => "interop",
            other => other.name(),
        }
    }

    /// How op-node derives the source hashes of this fork's upgrade deposits.
    pub const fn source_hash_rule(self) -> SourceHashRule {
        match self {
            Self::Karst | Self::Lagoon => SourceHashRule::Qualified,
            _ => SourceHashRule::BareIntent,
        }
    }

    /// Gas op-node adds to the activation block's gas limit for the upgrade deposits, given the
    /// bundles' own total: none before Karst, the total from Karst on, and for Lagoon also the
    /// 150,000 its two interop wrapper deposits may take (op-node reserves it for every Lagoon
    /// activation since `UpgradeGas`).
    pub const fn upgrade_gas(self, bundle_gas: u64) -> u64 {
        match self {
            Self::Karst => bundle_gas,
            Self::Lagoon => bundle_gas + LAGOON_WRAPPER_GAS,
            _ => 0,
        }
    }

    /// The fork's key in op-node's `rollup.json`; Bedrock has none (it is the genesis rules).
    pub fn rollup_time_key(self) -> Option<String> {
        (self != Self::Bedrock).then(|| format!("{}_time", self.name()))
    }

    /// The fork's key in op-geth's `genesis.json` chain config; Delta changes only the
    /// consensus layer and has none.
    pub fn genesis_time_key(self) -> Option<String> {
        (!matches!(self, Self::Bedrock | Self::Delta)).then(|| format!("{}Time", self.name()))
    }

    /// The fork right before this one.
    pub fn previous(self) -> Option<Self> {
        let index = Self::ALL.iter().position(|f| *f == self)?;
        index.checked_sub(1).map(|i| Self::ALL[i])
    }

    /// Where the fork's upgrade transactions come from.
    pub const fn upgrade_source(self) -> UpgradeSource {
        match self {
            Self::Ecotone | Self::Fjord | Self::Isthmus => UpgradeSource::BuiltIn,
            Self::Jovian | Self::Karst | Self::Lagoon => UpgradeSource::BundleRequired,
            _ => UpgradeSource::RulesOnly,
        }
    }

    /// Whether the fork's activation block carries upgrade transactions.
    pub const fn has_upgrade_transactions(self) -> bool {
        !matches!(self.upgrade_source(), UpgradeSource::RulesOnly)
    }

    /// The L1-attributes format of blocks after this fork's activation block.
    pub const fn l1_info_format(self) -> L1InfoFormat {
        match self {
            Self::Bedrock | Self::Regolith | Self::Canyon | Self::Delta => L1InfoFormat::Bedrock,
            Self::Ecotone | Self::Fjord | Self::Granite | Self::Holocene => L1InfoFormat::Ecotone,
            Self::Isthmus => L1InfoFormat::Isthmus,
            Self::Jovian | Self::Karst | Self::Lagoon => L1InfoFormat::Jovian,
        }
    }
}

/// Gas of Lagoon's `setFeature(INTEROP)` (100,000) and `ETHLiquidity` funding (50,000) deposits.
pub const LAGOON_WRAPPER_GAS: u64 = 150_000;

impl fmt::Display for Fork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not an OP Stack fork.
#[derive(Debug, thiserror::Error)]
#[error("unknown fork `{0}`; known forks: {known}", known = known_forks())]
pub struct UnknownFork(pub String);

fn known_forks() -> String {
    Fork::ALL.map(Fork::name).join(", ")
}

impl FromStr for Fork {
    type Err = UnknownFork;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|f| f.name() == lower || f.bundle_label() == lower)
            .ok_or_else(|| UnknownFork(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forks_are_ordered_and_named_uniquely() {
        for pair in Fork::ALL.windows(2) {
            assert!(pair[0] < pair[1]);
            assert_eq!(pair[1].previous(), Some(pair[0]));
        }
        for fork in Fork::ALL {
            assert_eq!(fork.name().parse::<Fork>().unwrap(), fork);
        }
        assert!("shanghai".parse::<Fork>().is_err());
    }

    #[test]
    fn config_keys_follow_op_node_and_op_geth() {
        assert_eq!(Fork::Isthmus.rollup_time_key().as_deref(), Some("isthmus_time"));
        assert_eq!(Fork::Isthmus.genesis_time_key().as_deref(), Some("isthmusTime"));
        assert_eq!(Fork::Delta.genesis_time_key(), None);
        assert_eq!(Fork::Bedrock.rollup_time_key(), None);
    }

    #[test]
    fn only_forks_with_contracts_need_bundles() {
        let needing: Vec<_> = Fork::ALL.into_iter().filter(|f| f.has_upgrade_transactions()).collect();
        assert_eq!(
            needing,
            [Fork::Ecotone, Fork::Fjord, Fork::Isthmus, Fork::Jovian, Fork::Karst, Fork::Lagoon]
        );
    }
}
