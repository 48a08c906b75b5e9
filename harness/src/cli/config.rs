//! `harness config <spec> --out DIR [--genesis-time UNIX]`

use std::path::PathBuf;

use anyhow::Context;
use harness::{config, spec::NetworkSpec};

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    spec: PathBuf,
    /// Folder to write into.
    #[arg(long)]
    out: PathBuf,
    /// Genesis timestamp; defaults to now.
    #[arg(long)]
    genesis_time: Option<u64>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let spec = NetworkSpec::load(&args.spec)?;
    let genesis_time = args.genesis_time.unwrap_or_else(unix_now);
    let files = config::for_network(&spec, genesis_time, None).context("building the genesis state")?;
    let written = config::write(&args.out, &files)
        .with_context(|| format!("writing configs into {}", args.out.display()))?;
    for path in written {
        println!("wrote {}", path.display());
    }
    Ok(Outcome::Success)
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
