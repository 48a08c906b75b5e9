//! The L1 half of an upgrade: the L1 boundary suite ([`boundary`]), the L1 twin of the
//! activation suite, and withdrawals end to end ([`withdrawals`]).
//!
//! Expectations come from outside the harness: each release's implementations and versions as
//! the superchain registry publishes them ([`releases`]), the contracts' own getters over
//! RPC, and kona's deposit decoding. The one thing taken from the harness is the list of the
//! owner's transactions (the spec's file, or the release's path the harness writes): that is the
//! upgrade as planned, which the suite checks the L1 ran as planned, in its block, and to the
//! effect the registry says.

pub mod boundary;
mod chain;
pub mod releases;
pub mod withdrawals;

use std::path::PathBuf;

use alloy::{eips::BlockNumberOrTag, primitives::Address, providers::Provider, rpc::types::Header};
use anyhow::{Context, bail};
use harness::{
    contracts::upgrade::OwnerTx,
    forks::ContractsRelease,
    spec::{Mode, NetworkSpec},
};

pub use chain::ChainContracts;

use crate::{
    TestNet,
    contracts::{L1_BLOCK, L1Block, call_abi},
    env,
};

/// The spec a fresh network for the L1 features of `release` is built from: the shipped
/// L1-only Alphanet (the L1 starts on the release) or Betanet (it upgrades to it live).
pub fn spec_for(mode: Mode, release: ContractsRelease) -> anyhow::Result<NetworkSpec> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../networks/{}-l1.toml", mode.name()));
    let spec = NetworkSpec::load(&file)?;
    let target = spec.l1.upgrade.as_ref().map(|u| u.to);
    anyhow::ensure!(target == Some(release), "{} upgrades the L1 to {target:?}, not {release}", file.display());
    Ok(spec)
}

/// The spec of a fresh network for `release`'s L1 features: the one the environment names
/// (`HARNESS_SPEC`, e.g. the combined Betanet), else the shipped one of the profile's mode.
fn fresh_spec(release: ContractsRelease) -> anyhow::Result<NetworkSpec> {
    match std::env::var(env::SPEC) {
        Ok(path) => Ok(NetworkSpec::load(&path)?),
        Err(_) => spec_for(env::mode(), release),
    }
}

/// The network for a test of `release`'s L1 features: the environment's, or a fresh one.
pub async fn network(release: ContractsRelease) -> TestNet {
    TestNet::for_spec(|| fresh_spec(release)).await
}

/// A fresh embedded network for one test of `release`'s L1 features, even when the environment
/// names a shared one. Withdrawals take one: they initiate before the network's boundaries,
/// which a shared network has long passed, and they move the L1's clock days ahead, which its
/// other tests cannot follow (the L2 adopts an L1 block only once its own time reaches it).
pub async fn own_network(release: ContractsRelease) -> TestNet {
    let start = async { TestNet::embedded(fresh_spec(release)?, None).await };
    start.await.unwrap_or_else(|e| panic!("{} the network failed to start: {e:#}", harness::verdict::INFRA_MARKER))
}

/// The tests of one L1 feature of a release: one test per check of the module `$checks`, each on
/// the network `$network` gives the release ([`network`] or [`own_network`]), named after its
/// check so that its path is `<release module>::<feature>::<check>`, the path verdicts map back
/// to the feature. Also `faults_are_caught`, the feature's fault matrix over the same checks
/// ([`crate::matrix`]) on fresh networks of the release's spec, which only the `faults` nextest
/// profile runs; the feature is the one that path names.
#[macro_export]
macro_rules! l1_feature_tests {
    ($release:expr, $network:path, $checks:ident: $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                let net = $network($release).await;
                $crate::pass($checks::$check(&net, $release).await);
            }
        )+

        $crate::faults_are_caught!(
            format!("{}.{}", $release.suite_module(), module_path!().rsplit("::").next().unwrap_or_default()),
            net => [$($check: $checks::$check(net, $release)),+]
        );
    };
}

/// What the suite knows of the network's L1 upgrade.
pub struct L1Upgrade {
    pub from: ContractsRelease,
    pub to: ContractsRelease,
    /// Seconds after the L1's genesis it is scheduled at; `None` where the L1 started on `to`.
    offset: Option<u64>,
    /// The owner's transactions as planned, with the account each is sent from.
    pub planned: Vec<(OwnerTx, Address)>,
}

impl L1Upgrade {
    /// The upgrade of `net`'s spec, which must schedule one to `release`.
    pub async fn of(net: &TestNet, release: ContractsRelease) -> anyhow::Result<Self> {
        let spec = net.spec.as_ref().with_context(|| format!("precondition failed: the spec of {} is unknown (set HARNESS_SPEC), so its L1 upgrade is too", net.origin))?;
        let Some(upgrade) = &spec.l1.upgrade else { bail!("precondition failed: {} schedules no L1 upgrade ([l1.upgrade])", spec.path.display()) };
        anyhow::ensure!(upgrade.to == release, "precondition failed: {} upgrades the L1 to {}, not {release}", spec.path.display(), upgrade.to);
        let deployment = harness::genesis::l1_deployment(spec, 0).context("rebuilding the spec's L1 deployment for its upgrade plan")?;
        let planned = deployment.upgrade.iter().flat_map(|p| &p.transactions).map(|t| (t.tx.clone(), t.sender.address())).collect();
        let offset = spec.l1.live_upgrade().map(|(_, offset)| offset);
        Ok(Self { from: spec.l1.contracts, to: upgrade.to, offset, planned })
    }

    /// The L1 block the upgrade ran in (the first at or after its time, waiting for the L2 to
    /// take the L1 there); `None` where the L1 started on `to`.
    pub async fn block(&self, net: &TestNet) -> anyhow::Result<Option<u64>> {
        match self.offset {
            Some(offset) => Ok(Some(first_block_at(net, offset).await?)),
            None => Ok(None),
        }
    }

    /// The block the upgrade ran in, waiting until the L2 has derived the block after it; for an
    /// L1 that started on the new release, records that `part` does not apply.
    pub async fn live_block(&self, net: &TestNet, part: &str) -> anyhow::Result<Option<u64>> {
        match self.block(net).await? {
            Some(block) => {
                wait_for_origin(net, block + 1).await?;
                Ok(Some(block))
            }
            None => {
                net.not_applicable(part, format!("the L1 of {} starts on {}: no upgrade runs", net.origin, self.to));
                Ok(None)
            }
        }
    }
}

/// The first L1 block whose timestamp is at least `offset` seconds after the L1's genesis,
/// waiting for the L2 to take the L1 there.
async fn first_block_at(net: &TestNet, offset: u64) -> anyhow::Result<u64> {
    let genesis = l1_header(net, 0).await?.timestamp;
    let estimate = offset.div_ceil(net.l1_block_time());
    wait_for_origin(net, estimate).await?;
    let mut number = estimate;
    while number > 1 && l1_header(net, number - 1).await?.timestamp >= genesis + offset {
        number -= 1;
    }
    while l1_header(net, number).await?.timestamp < genesis + offset {
        number += 1;
    }
    Ok(number)
}

/// The header of L1 block `number`.
pub async fn l1_header(net: &TestNet, number: u64) -> anyhow::Result<Header> {
    let block = net.l1.get_block_by_number(BlockNumberOrTag::Number(number)).await?;
    Ok(block.with_context(|| format!("L1 block {number} does not exist (yet)"))?.header)
}

/// Waits until the L2 has a block whose L1 origin is at least `l1_block`, and returns it. The
/// deadline follows from the block times: the L2 blocks until that L1 block's time, twice over.
pub async fn wait_for_origin(net: &TestNet, l1_block: u64) -> anyhow::Result<u64> {
    const ROUNDS: u64 = 8;
    let step = net.l1_block_time().div_ceil(net.schedule.block_time);
    let mut target = l1_block * step;
    for _ in 0..ROUNDS {
        net.wait_for_block(target).await?;
        let origin = call_abi(net, L1_BLOCK, L1Block::numberCall {}, target).await?;
        if origin >= l1_block {
            return Ok(target);
        }
        target += (l1_block - origin) * step;
    }
    bail!("the L2 of {} did not take L1 block {l1_block} as its origin by L2 block {target}", net.origin)
}
