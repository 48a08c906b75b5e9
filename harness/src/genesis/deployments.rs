//! op-deployer's state for the OP contracts releases, read from `[data] deployments`: the L1
//! allocation each release deploys and the L2 allocation op-deployer builds for a new chain
//! (predeploy proxies and implementations, preinstalls). The harness builds new chains from it
//! rather than from a hand-assembled set of contracts.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    sync::{Arc, Mutex, OnceLock},
};

use alloy::{genesis::GenesisAccount, primitives::Address};

use super::GenesisError;
use crate::forks::ContractsRelease;

/// A genesis allocation, shared between the chains of a process.
pub type Alloc = Arc<BTreeMap<Address, GenesisAccount>>;

/// Largest state file read (the official ones are about 10 MB).
const MAX_STATE_BYTES: u64 = 256 << 20;

/// Which half of the deployment a state file holds.
#[derive(Clone, Copy, Debug)]
pub enum Side {
    L1,
    L2,
}

/// The file holding `release`'s allocation for `side`: `l2-allocs.op-contracts-v4.1.0.json`.
pub fn alloc_file(dir: &Path, release: ContractsRelease, side: Side) -> PathBuf {
    let prefix = match side {
        Side::L1 => "l1-allocs",
        Side::L2 => "l2-allocs",
    };
    dir.join(format!("{prefix}.{}.json", release.file_tag()))
}

/// The allocation in `file`, parsed once per process.
pub fn load_alloc(file: &Path) -> Result<Alloc, GenesisError> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Alloc>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(alloc) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(file) {
        return Ok(alloc.clone());
    }
    let fail = |reason: String| GenesisError::Deployment { file: file.to_path_buf(), reason };
    let bytes = crate::fsx::read_bounded(file, MAX_STATE_BYTES).map_err(|e| fail(e.to_string()))?;
    let alloc: BTreeMap<Address, GenesisAccount> = serde_json::from_slice(&bytes).map_err(|e| fail(format!("not a genesis allocation: {e}")))?;
    let alloc = Arc::new(alloc);
    cache.lock().unwrap_or_else(|p| p.into_inner()).insert(file.to_path_buf(), alloc.clone());
    Ok(alloc)
}
