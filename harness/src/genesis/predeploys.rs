//! The OP predeploys at genesis.
//!
//! The base is a real Bedrock-era superchain genesis shipped by the `kona-registry` crate (staged
//! by `build.rs`): Proxy code across the predeploy range with admin and implementation slots set,
//! and the official implementations with their immutables. A chain that starts on a later fork
//! gets there the way a live chain did: the fork's real upgrade transactions run on that base in
//! a block before block 0, through the same executor as live blocks. So an Alphanet's genesis
//! holds the same predeploy code as a Betanet after its live upgrade.

use std::{io::Read, sync::OnceLock};

use alloy::{
    consensus::{Header, transaction::Recovered},
    genesis::{Genesis, GenesisAccount},
    primitives::{Address, B256},
};
use op_alloy::consensus::OpTxEnvelope;

use super::GenesisError;
use crate::{
    forks::{Fork, UpgradeTx},
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

/// The upgrade transactions of every fork active at genesis, in fork order.
fn genesis_upgrades(spec: &NetworkSpec) -> Result<Vec<Recovered<OpTxEnvelope>>, GenesisError> {
    let schedule = spec.schedule();
    let mut txs = Vec::new();
    for fork in Fork::ALL.into_iter().filter(|f| schedule.offset(*f) == Some(0) && f.has_upgrade_transactions()) {
        for bundle in spec.upgrade_bundles(fork).map_err(GenesisError::Bundle)? {
            txs.extend(bundle.transactions.iter().map(UpgradeTx::recovered));
        }
    }
    Ok(txs)
}

/// The predeploy accounts of an L2 starting at `genesis_time` on the spec's genesis fork.
pub fn predeploys(spec: &NetworkSpec, l2: &L2Spec, genesis_time: u64) -> Result<Vec<(Address, GenesisAccount)>, GenesisError> {
    let base = WorldState::from_alloc(&registry_genesis()?.alloc);
    let rules = ChainRules { schedule: spec.schedule(), genesis_time, block_time: 1 };
    let factory = OpFactory::new(Default::default(), rules.op_hardforks(), Default::default());
    let ecotone = rules.is_active(Fork::Ecotone, genesis_time);
    // The block before block 0: the genesis forks activate in it, so the executor runs their
    // transition work (Canyon's Create2Deployer) and their upgrade transactions.
    let header = Header {
        timestamp: genesis_time,
        gas_limit: 1_000_000_000,
        base_fee_per_gas: Some(0),
        parent_beacon_block_root: ecotone.then_some(B256::ZERO),
        ..Default::default()
    };
    let upgrades = genesis_upgrades(spec)?;
    let upgraded = execute(&factory, l2.chain_id, &base, header, upgrades, [])
        .map_err(|e| GenesisError::Upgrade(e.to_string()))?;
    if let Some(index) = upgraded.receipts.iter().position(|r| !r.status()) {
        return Err(GenesisError::Upgrade(format!("upgrade transaction {index} reverted while building genesis")));
    }
    Ok(upgraded.state.to_alloc())
}
