//! The configuration files real nodes read: op-node's `rollup.json` and op-geth's
//! `genesis.json`, one pair per L2, plus the L1's `genesis.json`.

mod rollup;

use std::path::{Path, PathBuf};

use alloy::genesis::Genesis;

pub use rollup::{BlockRef, ChainOpConfig, RollupConfig, RollupGenesis, SystemConfigJson};

use crate::{
    contracts::{L1Contracts, L1Deployment},
    genesis::{self, ChainGenesis},
    spec::NetworkSpec,
};

/// The files of one L2.
#[derive(Clone, Debug)]
pub struct L2Files {
    pub name: String,
    pub rollup: RollupConfig,
    pub genesis: ChainGenesis,
    /// Its L1 contracts, which the rollup config names in part.
    pub contracts: L1Contracts,
}

impl L2Files {
    /// Builds the rollup config for an L2 whose genesis and L1 deployment are known.
    pub fn new(spec: &NetworkSpec, index: usize, l1: &ChainGenesis, deployment: &L1Deployment, genesis: ChainGenesis) -> Self {
        let l2 = &spec.l2[index];
        let l1_ref = BlockRef { number: 0, hash: l1.header.hash() };
        let l2_ref = BlockRef { number: 0, hash: genesis.header.hash() };
        let contracts = deployment.contracts[index];
        let rollup = RollupConfig::new(spec, l2, l1_ref, l2_ref, genesis.timestamp(), &contracts, &deployment.system_configs[index]);
        Self { name: l2.name.clone(), rollup, genesis, contracts }
    }
}

/// Everything a network starts from: the L1's genesis with its OP deployment, and each L2's
/// files.
#[derive(Debug)]
pub struct NetworkFiles {
    pub l1: ChainGenesis,
    pub deployment: L1Deployment,
    pub l2: Vec<L2Files>,
}

/// Builds every chain's genesis and rollup config for a network starting at `genesis_time`.
/// `given_l2` replaces the first L2's built genesis (`harness up --l2-genesis`); its state is
/// then not built at all.
pub fn for_network(spec: &NetworkSpec, genesis_time: u64, given_l2: Option<&Genesis>) -> Result<NetworkFiles, crate::genesis::GenesisError> {
    // The L2s' base state, the longest part, is built and hashed on another thread while this
    // one deploys the L1's contracts and then replays the L2s' genesis upgrades on the decoded
    // base allocation: two threads, one per core of a small machine. The replay's changes are
    // applied to the hashed base after.
    let built = |i: &usize| given_l2.is_none() || *i > 0;
    let builds_an_l2 = (0..spec.l2.len()).any(|i| built(&i));
    let (deployment, replayed) = std::thread::scope(|scope| {
        if builds_an_l2 {
            scope.spawn(|| genesis::prepare(spec));
        }
        let deployment = genesis::l1_deployment(spec, genesis_time)?;
        let upgrades = if builds_an_l2 { genesis::genesis_upgrades(spec)? } else { Vec::new() };
        let replayed: Vec<_> = (0..spec.l2.len())
            .filter(built)
            .map(|i| genesis::replay(spec, &spec.l2[i], &deployment.contracts[i], genesis_time, &upgrades))
            .collect::<Result<_, _>>()?;
        Ok::<_, crate::genesis::GenesisError>((deployment, replayed))
    })?;
    let l1 = genesis::l1_chain(spec, genesis_time, &deployment);
    let mut replayed = replayed.into_iter();
    let l2 = (0..spec.l2.len())
        .map(|i| {
            let genesis = match given_l2.filter(|_| !built(&i)) {
                Some(given) => ChainGenesis::new(given.clone()),
                None => {
                    let predeploys = genesis::predeploys(spec, replayed.next().expect("one replay per built L2"))?;
                    genesis::l2_genesis(spec, &spec.l2[i], genesis_time, predeploys)
                }
            };
            Ok(L2Files::new(spec, i, &l1, &deployment, genesis))
        })
        .collect::<Result<_, crate::genesis::GenesisError>>()?;
    Ok(NetworkFiles { l1, deployment, l2 })
}

/// The L1 genesis file [`write`] writes, which anvil initialises from.
pub const L1_GENESIS_FILE: &str = "l1-genesis.json";

/// Writes `l1-genesis.json` and, per L2, `rollup.json` and `genesis.json`: directly into `dir`
/// for a single L2, into `dir/<name>/` for several.
pub fn write(dir: &Path, files: &NetworkFiles) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = vec![write_json(&dir.join(L1_GENESIS_FILE), &files.l1.to_file())?];
    for l2 in &files.l2 {
        let folder = if files.l2.len() == 1 { dir.to_path_buf() } else { dir.join(&l2.name) };
        std::fs::create_dir_all(&folder)?;
        written.push(write_json(&folder.join("rollup.json"), &l2.rollup)?);
        written.push(write_json(&folder.join("genesis.json"), &l2.genesis.to_file())?);
    }
    Ok(written)
}

fn write_json(path: &Path, value: &impl serde::Serialize) -> std::io::Result<PathBuf> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text + "\n")?;
    std::fs::rename(&tmp, path)?;
    Ok(path.to_path_buf())
}
