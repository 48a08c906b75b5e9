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

use std::{
    collections::BTreeMap,
    convert::Infallible,
    io::Read,
    sync::{Arc, OnceLock},
};

use alloy::{
    consensus::{Header, constants::KECCAK_EMPTY, transaction::Recovered},
    genesis::{Genesis, GenesisAccount},
    primitives::{Address, B256, U256, address},
};
use op_alloy::consensus::OpTxEnvelope;
use revm::{
    DatabaseRef,
    bytecode::Bytecode,
    database::BundleState,
    state::AccountInfo,
};

use super::GenesisError;
use crate::{
    contracts::{DeployerState, L1Contracts, load_state},
    forks::{BUILTIN_ORIGIN, ContractsRelease, Fork, UpgradeTx},
    node::{
        exec::changes,
        l2::{
            execute::{OpFactory, Ran, run},
            rules::ChainRules,
        },
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
pub fn base_fork(spec: &NetworkSpec) -> Fork {
    let modern = OP_DEPLOYER_BASE.l2_genesis_fork();
    if spec.schedule().genesis_fork() < modern { Fork::Bedrock } else { modern }
}

/// The forks active at genesis whose upgrade transactions genesis replays; the others active at
/// genesis came with the base state, so their contracts are that state's, not their upgrade's.
pub fn replayed_at_genesis(spec: &NetworkSpec) -> Vec<Fork> {
    let (schedule, base) = (spec.schedule(), base_fork(spec));
    Fork::ALL.into_iter().filter(|f| *f > base && schedule.offset(*f) == Some(0) && f.has_upgrade_transactions()).collect()
}

/// Builds and hashes the state [`predeploys`] will build on, into the process's caches. Network
/// start runs it beside the L1's deployment, which it does not depend on; an error is left for
/// `predeploys` to report.
pub fn prepare(spec: &NetworkSpec) {
    if base_fork(spec) == Fork::Bedrock {
        let _ = registry_state();
    } else if let Some(dir) = spec.data.deployments_dir(spec.folder()) {
        let _ = load_state(&dir, OP_DEPLOYER_BASE).map(|state| state.l2_state().map(drop));
    }
}

/// [`registry_genesis`] as a world state, hashed once per process.
fn registry_state() -> Result<&'static WorldState, GenesisError> {
    static STATE: OnceLock<WorldState> = OnceLock::new();
    let genesis = registry_genesis()?;
    Ok(STATE.get_or_init(|| WorldState::hashed_from_alloc(&genesis.alloc)))
}

/// The hashed state a chain's genesis is built on (built once per process), cloned.
fn base_state(spec: &NetworkSpec) -> Result<WorldState, GenesisError> {
    if base_fork(spec) == Fork::Bedrock {
        return Ok(registry_state()?.clone());
    }
    Ok(base_deployer_state(spec)?.l2_state()?.clone())
}

fn base_deployer_state(spec: &NetworkSpec) -> Result<Arc<DeployerState>, GenesisError> {
    let dir = spec.data.deployments_dir(spec.folder()).ok_or(GenesisError::NoDeployments)?;
    Ok(load_state(&dir, OP_DEPLOYER_BASE)?)
}

/// The accounts of op-deployer's base allocation that hold the chain's own L1 addresses, given
/// those of `contracts`, where op-deployer's L2 genesis writes them.
fn links(state: &DeployerState, contracts: &L1Contracts) -> Result<Vec<(Address, GenesisAccount)>, GenesisError> {
    let mut linked = Vec::new();
    for ((proxy, slot), value) in L1_LINKS.iter().zip(l1_link_values(contracts)) {
        let mut account = state.l2_alloc()?.get(proxy).cloned().unwrap_or_default();
        let storage = account.storage.get_or_insert_default();
        let key = B256::from(U256::from(*slot));
        let stored = storage.get(&key).map(|v| Address::from_word(*v)).unwrap_or_default();
        if !state.chain_contracts.contains(&stored) {
            return Err(GenesisError::Upgrade(format!("{}: predeploy {proxy} slot {slot:#x} holds {stored}, not an L1 address of its chain", state.file.display())));
        }
        storage.insert(key, value.into_word());
        linked.push((*proxy, account));
    }
    Ok(linked)
}

/// The predeploy storage slots op-deployer's L2 genesis fills with the chain's L1 addresses:
/// L2CrossDomainMessenger's `otherMessenger`, L2StandardBridge's and L2ERC721Bridge's
/// `otherBridge`. The other predeploys hold no L1 address.
const L1_LINKS: [(Address, u64); 3] = [
    (address!("4200000000000000000000000000000000000007"), 0xcf),
    (address!("4200000000000000000000000000000000000010"), 4),
    (address!("4200000000000000000000000000000000000014"), 2),
];

/// The L1 addresses `L1_LINKS` point at, for an L2 whose L1 contracts are `contracts`.
fn l1_link_values(contracts: &L1Contracts) -> [Address; 3] {
    [contracts.l1_cross_domain_messenger, contracts.l1_standard_bridge, contracts.l1_erc721_bridge]
}

/// The upgrade transactions genesis replays, in fork order: every bundle of a fork the base
/// lacks, and for forks the base already has, the team bundles a spec attaches to them (no
/// official state holds those). Every L2 of a network replays the same ones.
pub fn genesis_upgrades(spec: &NetworkSpec) -> Result<Vec<Recovered<OpTxEnvelope>>, GenesisError> {
    let (schedule, replayed) = (spec.schedule(), replayed_at_genesis(spec));
    let mut txs = Vec::new();
    for fork in Fork::ALL.into_iter().filter(|f| schedule.offset(*f) == Some(0)) {
        let bundles = spec.upgrade_bundles(fork)?;
        let wanted = bundles.iter().filter(|b| replayed.contains(&fork) || b.origin != BUILTIN_ORIGIN);
        txs.extend(wanted.flat_map(|b| b.transactions.iter().map(UpgradeTx::recovered)));
    }
    Ok(txs)
}

/// An L2's genesis forks replayed on its base allocation: the base's accounts that point at the
/// L2's L1, and what the upgrades changed. [`predeploys`] applies both to the hashed base.
#[derive(Debug)]
pub struct Replayed {
    links: Vec<(Address, GenesisAccount)>,
    changes: Option<BundleState>,
}

/// Replays `upgrades` (from [`genesis_upgrades`]) for an L2 starting at `genesis_time` on the
/// spec's genesis fork, its bridges pointing at `contracts`. It runs on the decoded allocation
/// (its accounts read as the EVM asks for them), not on the hashed state: network start builds
/// that on another thread meanwhile.
pub fn replay(spec: &NetworkSpec, l2: &L2Spec, contracts: &L1Contracts, genesis_time: u64, upgrades: &[Recovered<OpTxEnvelope>]) -> Result<Replayed, GenesisError> {
    let base_fork = base_fork(spec);
    let deployer = (base_fork != Fork::Bedrock).then(|| base_deployer_state(spec)).transpose()?;
    let (alloc, links) = match &deployer {
        Some(state) => (&**state.l2_alloc()?, links(state, contracts)?),
        None => (&registry_genesis()?.alloc, Vec::new()),
    };
    if upgrades.is_empty() && base_fork != Fork::Bedrock {
        return Ok(Replayed { links, changes: None });
    }
    let (factory, header) = replay_block(spec, genesis_time);
    let view = AllocView { alloc, links: &links };
    let Ran { mut state, result, .. } = run(&factory, l2.chain_id, &view, &header, upgrades.to_vec(), [])
        .map_err(|e| GenesisError::Upgrade(e.to_string()))?;
    if let Some(index) = result.receipts.iter().position(|r| !r.status()) {
        return Err(GenesisError::Upgrade(format!("upgrade transaction {index} reverted while building genesis")));
    }
    let bundle = changes(&mut state);
    Ok(Replayed { links, changes: Some(bundle) })
}

/// The executor and header of the block the replay runs in: the block before block 0. The
/// genesis forks activate in it, so the executor runs their transition work (Canyon's
/// Create2Deployer) and their upgrade transactions; as a block 0 it makes no EIP-4788 or
/// EIP-2935 system calls.
fn replay_block(spec: &NetworkSpec, genesis_time: u64) -> (OpFactory, Header) {
    let rules = ChainRules { schedule: spec.schedule(), genesis_time, block_time: 1, fault: None };
    let factory = OpFactory::new(Default::default(), rules.op_hardforks(), Default::default());
    let header = Header {
        timestamp: genesis_time,
        gas_limit: 1_000_000_000,
        base_fee_per_gas: Some(0),
        parent_beacon_block_root: rules.is_active(Fork::Ecotone, genesis_time).then_some(B256::ZERO),
        ..Default::default()
    };
    (factory, header)
}

/// The predeploy state of an L2: the hashed base, its links and the replay's changes applied.
pub fn predeploys(spec: &NetworkSpec, replayed: Replayed) -> Result<WorldState, GenesisError> {
    let mut state = base_state(spec)?;
    state.insert_alloc(replayed.links.iter().map(|(a, account)| (a, account)));
    if let Some(changes) = replayed.changes {
        state.apply(changes);
    }
    Ok(state)
}

/// A base allocation with an L2's links over it, as the EVM reads accounts: what
/// [`WorldState`]'s reads give for the same allocation, without building or hashing a trie.
#[derive(Debug)]
struct AllocView<'a> {
    alloc: &'a BTreeMap<Address, GenesisAccount>,
    links: &'a [(Address, GenesisAccount)],
}

impl AllocView<'_> {
    fn account(&self, address: &Address) -> Option<&GenesisAccount> {
        self.links.iter().find(|(a, _)| a == address).map(|(_, account)| account).or_else(|| self.alloc.get(address))
    }
}

impl DatabaseRef for AllocView<'_> {
    type Error = Infallible;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.account(&address).map(|account| {
            let code = account.code.as_ref().filter(|c| !c.is_empty()).map(|c| Bytecode::new_raw(c.clone()));
            AccountInfo {
                balance: account.balance,
                nonce: account.nonce.unwrap_or_default(),
                code_hash: code.as_ref().map_or(KECCAK_EMPTY, Bytecode::hash_slow),
                code,
                ..Default::default()
            }
        }))
    }

    /// Never asked: every account's code comes with it from `basic_ref`.
    fn code_by_hash_ref(&self, _code_hash: B256) -> Result<Bytecode, Self::Error> {
        Ok(Bytecode::default())
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        let value = self.account(&address).and_then(|a| a.storage.as_ref()?.get(&B256::from(index)).copied());
        Ok(value.map_or(U256::ZERO, |v| U256::from_be_bytes(v.0)))
    }

    /// The block before block 0 has no ancestors.
    fn block_hash_ref(&self, _number: u64) -> Result<B256, Self::Error> {
        Ok(B256::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::l2::execute::execute;

    /// The replay on the allocation's reads reaches the state the same block reaches when it
    /// executes on the hashed base state (the node's own execution path): for op-deployer's base
    /// with Jovian, Karst and Lagoon replayed, and for the Bedrock-era registry base with Canyon
    /// to Holocene replayed.
    #[test]
    fn the_replay_on_the_allocation_reaches_the_state_of_a_block_on_the_base_state() {
        for name in ["alphanet", "examples/betanet-isthmus"] {
            let spec = NetworkSpec::load(format!("{}/../networks/{name}.toml", env!("CARGO_MANIFEST_DIR"))).unwrap();
            let genesis_time = 1_700_000_000;
            let contracts = super::super::l1_deployment(&spec, genesis_time).unwrap().contracts[0];
            let upgrades = genesis_upgrades(&spec).unwrap();
            assert!(!upgrades.is_empty(), "{name} replays upgrades");
            let replayed = replay(&spec, &spec.l2[0], &contracts, genesis_time, &upgrades).unwrap();

            let mut base = base_state(&spec).unwrap();
            let links = match base_fork(&spec) {
                Fork::Bedrock => Vec::new(),
                _ => links(&base_deployer_state(&spec).unwrap(), &contracts).unwrap(),
            };
            base.insert_alloc(links.iter().map(|(a, account)| (a, account)));
            let (factory, header) = replay_block(&spec, genesis_time);
            let executed = execute(&factory, spec.l2[0].chain_id, &base, header, upgrades, []).unwrap();
            assert!(executed.receipts.iter().all(|r| r.status()), "{name}: every upgrade succeeds");
            assert_eq!(predeploys(&spec, replayed).unwrap().state_root(), executed.state.state_root(), "{name}");
        }
    }
}
