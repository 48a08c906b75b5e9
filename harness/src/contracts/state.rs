//! An op-deployer state file: the L1 state it deployed (superchain contracts, every
//! implementation, OPContractsManager and its blueprints, one chain's contracts) and the L2
//! allocation it built for that chain, both gzipped and base64-encoded inside the JSON.

use std::{
    collections::{BTreeMap, HashMap},
    io::Read,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, OnceLock},
};

use alloy::{genesis::GenesisAccount, primitives::Address};
use base64::Engine;
use serde::Deserialize;

use super::ContractsError;
use crate::forks::ContractsRelease;

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
}

impl LazyAlloc {
    fn new(field: &'static str, encoded: String) -> Self {
        Self { field, encoded, decoded: OnceLock::new() }
    }

    fn get(&self, file: &Path) -> Result<&Alloc, ContractsError> {
        let decoded = self.decoded.get_or_init(|| decode_alloc(&self.encoded).map(Arc::new));
        decoded.as_ref().map_err(|e| ContractsError::Corrupt { file: file.to_path_buf(), reason: format!("{}: {e}", self.field) })
    }
}

impl DeployerState {
    /// The L1 state op-deployer left: everything it deployed, one chain included.
    pub fn l1_alloc(&self) -> Result<&Alloc, ContractsError> {
        self.l1_alloc.get(&self.file)
    }

    /// The L2 genesis allocation op-deployer built for that chain.
    pub fn l2_alloc(&self) -> Result<&Alloc, ContractsError> {
        self.l2_alloc.get(&self.file)
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
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gzipped.as_slice()).read_to_end(&mut json).map_err(|e| format!("not gzip: {e}"))?;
    serde_json::from_slice(&json).map_err(|e| format!("not a genesis allocation: {e}"))
}
