//! The OP predeploys at genesis.
//!
//! A chain starting on Isthmus or later is built the way op-deployer builds one today: its base
//! is op-deployer's L2 allocation for a chain with Isthmus at genesis (predeploy proxies, their
//! implementations, the preinstalls), read from `[data] deployments`. A chain starting before
//! Isthmus needs implementations op-deployer no longer ships; its base is a real Bedrock-era
//! superchain genesis from the `kona-registry` crate (staged by `build.rs`).
//!
//! Forks after the base's get there the way a live chain did: their real upgrade transactions
//! run on the base in a block before block 0, through the same executor as live blocks. So an
//! Alphanet's genesis holds the predeploy code a Betanet reaches after its live upgrade, and
//! op-deployer's allocation for a later release (Jovian at genesis) is an independent check of
//! the replayed state.

use std::{io::Read, sync::OnceLock};

use alloy::{
    consensus::{Header, transaction::Recovered},
    genesis::{Genesis, GenesisAccount},
    primitives::{Address, B256},
};
use op_alloy::consensus::OpTxEnvelope;

use super::{
    GenesisError,
    deployments::{Side, alloc_file, load_alloc},
};
use crate::{
    forks::{BUILTIN_ORIGIN, ContractsRelease, Fork, UpgradeTx},
    node::{
        l2::{execute::{OpFactory, execute}, rules::ChainRules},
        state::WorldState,
    },
    spec::{L2Spec, NetworkSpec},
};

static COMPRESSED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/predeploys.json.zst"));
static DICTIONARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/predeploys.dictionary"));

/// The registry's genesis of Base mainnet (a Bedrock-era OP chain), decoded once per process:
/// the source of the predeploys, and a real chain whose genesis hash the harness reproduces.
pub fn registry_genesis() -> Result<&'static Genesis, GenesisError> {
    static GENESIS: OnceLock<Result<Genesis, String>> = OnceLock::new();
    let decoded = GENESIS.get_or_init(|| {
        let mut json = Vec::new();
        zstd::stream::read::Decoder::with_dictionary(COMPRESSED, DICTIONARY)
            .and_then(|mut d| d.read_to_end(&mut json))
            .map_err(|e| format!("decompressing the registry genesis: {e}"))?;
        super::parse_op_geth(&json).map_err(|e| format!("parsing the registry genesis: {e}"))
    });
    decoded.as_ref().map_err(|e| GenesisError::Registry(e.clone()))
}

/// The release whose op-deployer L2 allocation is the base of chains starting on Isthmus or
/// later: the newest allocation op-deployer built before Jovian, so Jovian and later forks are
/// reached by replaying their upgrade transactions.
pub const OP_DEPLOYER_BASE: ContractsRelease = ContractsRelease::V4_1_0;

/// The newest fork the state a chain's genesis is built on already has: op-deployer's state
/// for chains starting on Isthmus or later, a Bedrock-era genesis before.
fn base_fork(spec: &NetworkSpec) -> Fork {
    let modern = OP_DEPLOYER_BASE.l2_genesis_fork();
    if spec.schedule().genesis_fork() < modern { Fork::Bedrock } else { modern }
}

/// The forks active at genesis whose upgrade transactions genesis replays; the others active at
/// genesis came with the base state, so their contracts are that state's, not their upgrade's.
pub fn replayed_at_genesis(spec: &NetworkSpec) -> Vec<Fork> {
    let (schedule, base) = (spec.schedule(), base_fork(spec));
    Fork::ALL.into_iter().filter(|f| *f > base && schedule.offset(*f) == Some(0) && f.has_upgrade_transactions()).collect()
}

/// The state a chain's genesis is built on, and the newest fork that state already has.
fn base_state(spec: &NetworkSpec) -> Result<(WorldState, Fork), GenesisError> {
    let base_fork = base_fork(spec);
    if base_fork == Fork::Bedrock {
        return Ok((WorldState::from_alloc(&registry_genesis()?.alloc), Fork::Bedrock));
    }
    let dir = spec.data.deployments_dir(spec.folder()).ok_or(GenesisError::NoDeployments)?;
    let alloc = load_alloc(&alloc_file(&dir, OP_DEPLOYER_BASE, Side::L2))?;
    Ok((WorldState::from_alloc(alloc.iter()), base_fork))
}

/// The upgrade transactions genesis replays, in fork order: every bundle of a fork the base
/// lacks, and for forks the base already has, the team bundles a spec attaches to them (no
/// official state holds those).
fn genesis_upgrades(spec: &NetworkSpec) -> Result<Vec<Recovered<OpTxEnvelope>>, GenesisError> {
    let (schedule, replayed) = (spec.schedule(), replayed_at_genesis(spec));
    let mut txs = Vec::new();
    for fork in Fork::ALL.into_iter().filter(|f| schedule.offset(*f) == Some(0)) {
        let bundles = spec.upgrade_bundles(fork)?;
        let wanted = bundles.iter().filter(|b| replayed.contains(&fork) || b.origin != BUILTIN_ORIGIN);
        txs.extend(wanted.flat_map(|b| b.transactions.iter().map(UpgradeTx::recovered)));
    }
    Ok(txs)
}

/// The predeploy accounts of an L2 starting at `genesis_time` on the spec's genesis fork.
pub fn predeploys(spec: &NetworkSpec, l2: &L2Spec, genesis_time: u64) -> Result<Vec<(Address, GenesisAccount)>, GenesisError> {
    let (base, base_fork) = base_state(spec)?;
    let upgrades = genesis_upgrades(spec)?;
    if upgrades.is_empty() && base_fork != Fork::Bedrock {
        return Ok(base.to_alloc());
    }
    let rules = ChainRules { schedule: spec.schedule(), genesis_time, block_time: 1 };
    let factory = OpFactory::new(Default::default(), rules.op_hardforks(), Default::default());
    let ecotone = rules.is_active(Fork::Ecotone, genesis_time);
    // The block before block 0: the genesis forks activate in it, so the executor runs their
    // transition work (Canyon's Create2Deployer) and their upgrade transactions. As a block 0 it
    // makes no EIP-4788 or EIP-2935 system calls.
    let header = Header {
        timestamp: genesis_time,
        gas_limit: 1_000_000_000,
        base_fee_per_gas: Some(0),
        parent_beacon_block_root: ecotone.then_some(B256::ZERO),
        ..Default::default()
    };
    let upgraded = execute(&factory, l2.chain_id, &base, header, upgrades, [])
        .map_err(|e| GenesisError::Upgrade(e.to_string()))?;
    if let Some(index) = upgraded.receipts.iter().position(|r| !r.status()) {
        return Err(GenesisError::Upgrade(format!("upgrade transaction {index} reverted while building genesis")));
    }
    Ok(upgraded.state.to_alloc())
}
