//! The configuration files real nodes read: op-node's `rollup.json` and op-geth's
//! `genesis.json`, one pair per L2, plus the L1's `genesis.json`.

mod rollup;

use std::path::{Path, PathBuf};

pub use rollup::{BlockRef, ChainOpConfig, RollupConfig, RollupGenesis, SystemConfigJson};

use crate::{
    genesis::{self, ChainGenesis},
    spec::NetworkSpec,
};

/// The files of one L2.
#[derive(Clone, Debug)]
pub struct L2Files {
    pub name: String,
    pub rollup: RollupConfig,
    pub genesis: ChainGenesis,
}

impl L2Files {
    /// Builds the rollup config for an L2 whose genesis is known.
    pub fn new(spec: &NetworkSpec, index: usize, l1: &ChainGenesis, genesis: ChainGenesis) -> Self {
        let l2 = &spec.l2[index];
        let l1_ref = BlockRef { number: 0, hash: l1.header.hash() };
        let l2_ref = BlockRef { number: 0, hash: genesis.header.hash() };
        let rollup = RollupConfig::new(spec, l2, l1_ref, l2_ref, genesis.genesis.timestamp);
        Self { name: l2.name.clone(), rollup, genesis }
    }
}

/// Builds every chain's genesis and rollup config for a network starting at `genesis_time`.
pub fn for_network(spec: &NetworkSpec, genesis_time: u64) -> Result<(ChainGenesis, Vec<L2Files>), crate::genesis::GenesisError> {
    let l1 = genesis::l1_genesis(spec, genesis_time);
    let l2s = (0..spec.l2.len())
        .map(|i| {
            let alloc = genesis::predeploys(spec, &spec.l2[i], genesis_time)?;
            Ok(L2Files::new(spec, i, &l1, genesis::l2_genesis(spec, &spec.l2[i], genesis_time, alloc)))
        })
        .collect::<Result<_, crate::genesis::GenesisError>>()?;
    Ok((l1, l2s))
}

/// Writes `l1-genesis.json` and, per L2, `rollup.json` and `genesis.json`: directly into `dir`
/// for a single L2, into `dir/<name>/` for several.
pub fn write(dir: &Path, l1: &ChainGenesis, l2s: &[L2Files]) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = vec![write_json(&dir.join("l1-genesis.json"), &l1.genesis)?];
    for l2 in l2s {
        let folder = if l2s.len() == 1 { dir.to_path_buf() } else { dir.join(&l2.name) };
        std::fs::create_dir_all(&folder)?;
        written.push(write_json(&folder.join("rollup.json"), &l2.rollup)?);
        written.push(write_json(&folder.join("genesis.json"), &l2.genesis.genesis)?);
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
