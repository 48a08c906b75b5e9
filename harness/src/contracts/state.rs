//! An op-deployer state file: the L1 state it deployed (superchain contracts, every
//! implementation, OPContractsManager and its blueprints, one chain's contracts) and the L2
//! allocation it built for that chain, both gzipped and base64-encoded inside the JSON.

use std::{
    collections::{BTreeMap, HashMap},
    io::Read,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, OnceLock},
};

use alloy::{
    genesis::GenesisAccount,
    primitives::{Address, B256, Bytes, U256},
};
use base64::Engine;
use serde::Deserialize;

use super::ContractsError;
use crate::{forks::ContractsRelease, node::state::WorldState};

/// A genesis allocation, shared between the chains of a process.
pub type Alloc = Arc<BTreeMap<Address, GenesisAccount>>;

/// Largest state file read (the official ones are about 0.5 MB).
const MAX_STATE_BYTES: u64 = 64 << 20;

/// What the harness uses of one op-deployer state file.
#[derive(Debug)]
pub struct DeployerState {
    /// The file it was read from, for messages.
    pub file: PathBuf,
    /// The L1 state op-deployer left: everything it deployed, one chain included.
    l1_alloc: LazyAlloc,
    /// The L2 genesis allocation op-deployer built for that chain.
    l2_alloc: LazyAlloc,
    /// op-deployer's CREATE2 salt, which it hands OPContractsManager as the salt mixer.
    pub create2_salt: String,
    /// The OPContractsManager implementation.
    pub opcm: Address,
    /// Every address of the one chain's own contracts (proxies, admin, games).
    pub chain_contracts: Vec<Address>,
    /// That chain's PermissionedDisputeGame, whose parameters new chains take over.
    pub permissioned_game: Address,
    /// That chain's AnchorStateRegistry proxy, whose starting anchor new chains take over.
    pub anchor_state_registry: Address,
    /// That chain's SystemConfig proxy, whose roles new chains take over.
    pub system_config: Address,
    /// The superchain's contracts, which every chain of the L1 shares.
    pub superchain: SuperchainContracts,
    /// The release's implementations, by op-deployer's names (`SystemConfigImpl`, ...).
    pub implementations: BTreeMap<String, Address>,
}

/// An allocation as the state file holds it (gzipped, base64), decoded on first use: a network
/// reads the L1 state of one release and the L2 allocation of another, and decoding the two
/// it does not read was a quarter of a network's start.
#[derive(Debug)]
struct LazyAlloc {
    /// Where it sits in the file, for messages.
    field: &'static str,
    encoded: String,
    decoded: OnceLock<Result<Alloc, String>>,
    /// The allocation as a world state with its trie hashed, built on first use. Every network
    /// of the process starts from a clone, which shares the hashed nodes: a chain re-hashes
    /// only what it changes.
    state: OnceLock<WorldState>,
}

impl LazyAlloc {
    fn new(field: &'static str, encoded: String) -> Self {
        Self { field, encoded, decoded: OnceLock::new(), state: OnceLock::new() }
    }

    fn get(&self, file: &Path) -> Result<&Alloc, ContractsError> {
        let decoded = self.decoded.get_or_init(|| decode_alloc(&self.encoded).map(Arc::new));
        decoded.as_ref().map_err(|e| ContractsError::Corrupt { file: file.to_path_buf(), reason: format!("{}: {e}", self.field) })
    }

    fn state(&self, file: &Path) -> Result<&WorldState, ContractsError> {
        let alloc = self.get(file)?;
        Ok(self.state.get_or_init(|| WorldState::hashed_from_alloc(alloc.iter())))
    }
}

impl DeployerState {
    /// The L1 state op-deployer left: everything it deployed, one chain included.
    pub fn l1_alloc(&self) -> Result<&Alloc, ContractsError> {
        self.l1_alloc.get(&self.file)
    }

    /// [`Self::l1_alloc`] as a world state, hashed; clone it to change it.
    pub fn l1_state(&self) -> Result<&WorldState, ContractsError> {
        self.l1_alloc.state(&self.file)
    }

    /// The L2 genesis allocation op-deployer built for that chain.
    pub fn l2_alloc(&self) -> Result<&Alloc, ContractsError> {
        self.l2_alloc.get(&self.file)
    }

    /// [`Self::l2_alloc`] as a world state, hashed; clone it to change it.
    pub fn l2_state(&self) -> Result<&WorldState, ContractsError> {
        self.l2_alloc.state(&self.file)
    }
}

/// The superchain's contracts as op-deployer's state names them.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SuperchainContracts {
    /// Admin of the SuperchainConfig and ProtocolVersions proxies.
    #[serde(rename = "SuperchainProxyAdminImpl")]
    pub proxy_admin: Address,
    pub superchain_config_proxy: Address,
    pub superchain_config_impl: Address,
    pub protocol_versions_proxy: Address,
    pub protocol_versions_impl: Address,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateFile {
    create2_salt: String,
    l1_state_dump: String,
    implementations_deployment: BTreeMap<String, Address>,
    superchain_contracts: SuperchainContracts,
    op_chain_deployments: Vec<ChainDeployment>,
}

#[derive(Deserialize)]
struct ChainDeployment {
    allocs: String,
    #[serde(rename = "PermissionedDisputeGameImpl")]
    permissioned_game: Address,
    #[serde(rename = "AnchorStateRegistryProxy")]
    anchor_state_registry: Address,
    #[serde(rename = "SystemConfigProxy")]
    system_config: Address,
    #[serde(flatten)]
    rest: BTreeMap<String, serde_json::Value>,
}

/// The state file of `release` in `dir`: the one file named `*state*.op-contracts-<version>.json`.
pub fn state_file(dir: &Path, release: ContractsRelease) -> Result<PathBuf, ContractsError> {
    let suffix = format!(".{}.json", release.file_tag());
    let entries = std::fs::read_dir(dir).map_err(|e| ContractsError::Dir { dir: dir.to_path_buf(), reason: e.to_string() })?;
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains("state") && n.ends_with(&suffix)))
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        _ => Err(ContractsError::StateFile { dir: dir.to_path_buf(), release, found }),
    }
}

/// The state of `release` in `dir`, read and parsed once per process; its allocations are
/// decoded when first asked for.
pub fn load(dir: &Path, release: ContractsRelease) -> Result<Arc<DeployerState>, ContractsError> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<DeployerState>>>> = OnceLock::new();
    let file = state_file(dir, release)?;
    let cache = CACHE.get_or_init(Default::default);
    if let Some(state) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&file) {
        return Ok(state.clone());
    }
    let state = Arc::new(parse(&file)?);
    cache.lock().unwrap_or_else(|p| p.into_inner()).insert(file, state.clone());
    Ok(state)
}

fn parse(file: &Path) -> Result<DeployerState, ContractsError> {
    let fail = |reason: String| ContractsError::Corrupt { file: file.to_path_buf(), reason };
    let bytes = crate::fsx::read_bounded(file, MAX_STATE_BYTES).map_err(|e| fail(e.to_string()))?;
    let state: StateFile = serde_json::from_slice(&bytes).map_err(|e| fail(format!("not an op-deployer state file: {e}")))?;
    let [chain]: [ChainDeployment; 1] = state.op_chain_deployments.try_into().map_err(|d: Vec<_>| fail(format!("it deploys {} chains; the harness reads one", d.len())))?;
    let chain_contracts = chain
        .rest
        .values()
        .filter_map(|v| serde_json::from_value::<Address>(v.clone()).ok())
        .chain([chain.permissioned_game, chain.anchor_state_registry, chain.system_config])
        .filter(|a| !a.is_zero())
        .collect();
    Ok(DeployerState {
        file: file.to_path_buf(),
        l1_alloc: LazyAlloc::new("l1StateDump", state.l1_state_dump),
        l2_alloc: LazyAlloc::new("opChainDeployments[0].allocs", chain.allocs),
        create2_salt: state.create2_salt,
        opcm: state.implementations_deployment.get("OpcmImpl").copied().ok_or_else(|| fail("implementationsDeployment has no OpcmImpl".into()))?,
        chain_contracts,
        permissioned_game: chain.permissioned_game,
        anchor_state_registry: chain.anchor_state_registry,
        system_config: chain.system_config,
        superchain: state.superchain_contracts,
        implementations: state.implementations_deployment,
    })
}

/// A gzipped, base64-encoded genesis allocation, as op-deployer stores them.
fn decode_alloc(encoded: &str) -> Result<BTreeMap<Address, GenesisAccount>, String> {
    let gzipped = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|e| format!("not base64: {e}"))?;
    let mut json = Vec::with_capacity(gzip_size_hint(&gzipped));
    flate2::read::GzDecoder::new(gzipped.as_slice()).read_to_end(&mut json).map_err(|e| format!("not gzip: {e}"))?;
    let accounts: BTreeMap<Address, AllocAccount<'_>> = serde_json::from_slice(&json).map_err(|e| format!("not a genesis allocation: {e}"))?;
    let mut codes: alloy::primitives::map::HashMap<&str, Bytes> = Default::default();
    let mut alloc = BTreeMap::new();
    for (address, account) in accounts {
        let code = match account.code {
            Some(hex) => Some(match codes.get(hex) {
                Some(code) => code.clone(),
                None => {
                    let code = Bytes::from(alloy::hex::decode(hex.as_bytes()).map_err(|e| format!("{address}: code is not hex: {e}"))?);
                    codes.insert(hex, code.clone());
                    code
                }
            }),
            None => None,
        };
        alloc.insert(address, GenesisAccount { nonce: account.nonce, balance: account.balance, code, storage: account.storage, ..Default::default() });
    }
    Ok(alloc)
}

/// The decompressed size a gzip stream records in its trailer (modulo 4 GiB), as a capacity:
/// reading into a buffer of the right size from the start saves growing a 9 MB one by copies.
/// Capped, since the trailer is only what the file claims.
fn gzip_size_hint(gzipped: &[u8]) -> usize {
    const MAX_HINT: usize = 256 << 20;
    gzipped.last_chunk::<4>().map_or(0, |size| (u32::from_le_bytes(*size) as usize).min(MAX_HINT))
}

/// One account of an allocation as its JSON holds it, with the code left as text: an L2
/// allocation holds one proxy's code some 2,000 times (8.4 of its 9.3 MB), so each distinct code
/// is decoded and stored once and the accounts share it. The fields and their forms are
/// `GenesisAccount`'s, read through alloy's own helpers.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllocAccount<'a> {
    #[serde(default, with = "alloy::serde::quantity::opt")]
    nonce: Option<u64>,
    balance: U256,
    #[serde(default, borrow)]
    code: Option<&'a str>,
    #[serde(default, deserialize_with = "alloy::serde::storage::deserialize_storage_map")]
    storage: Option<BTreeMap<B256, B256>>,
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn shared_deployments() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/deployments")
    }

    /// The L2 allocation decodes to what alloy's own `GenesisAccount` reads from the copy the
    /// data's provenance records as the same field decoded byte for byte, and accounts with the
    /// same code share one buffer.
    #[test]
    fn an_l2_allocation_decodes_as_alloy_reads_it_with_each_code_stored_once() {
        for release in [ContractsRelease::V4_1_0, ContractsRelease::V5_0_0] {
            let state = load(&shared_deployments(), release).expect("../shared/deployments is beside the checkout");
            let plain = std::fs::read(shared_deployments().join(format!("l2-allocs.{}.json", release.file_tag()))).unwrap();
            let expected: BTreeMap<Address, GenesisAccount> = serde_json::from_slice(&plain).unwrap();
            let decoded = state.l2_alloc().unwrap();
            assert!(**decoded == expected, "{release}: the decoded allocation differs from alloy's reading");
            let codes: Vec<&Bytes> = decoded.values().filter_map(|a| a.code.as_ref()).collect();
            let buffers: HashSet<*const u8> = codes.iter().map(|c| c.as_ptr()).collect();
            let distinct: HashSet<&Bytes> = codes.iter().copied().collect();
            assert!(codes.len() > 2000, "{release}: {} accounts with code", codes.len());
            assert_eq!(buffers.len(), distinct.len(), "{release}: one buffer per distinct code");
        }
    }

    #[test]
    fn the_gzip_trailer_is_a_bounded_capacity() {
        assert_eq!(gzip_size_hint(&[]), 0);
        assert_eq!(gzip_size_hint(&[1, 2, 0x10, 0x27, 0, 0]), 10_000);
        assert_eq!(gzip_size_hint(&[0xff; 8]), 256 << 20);
    }
}
