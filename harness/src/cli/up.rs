//! `harness up <spec> [--json]`: run a network in the foreground until Ctrl-C or SIGTERM.

use std::path::PathBuf;

use anyhow::Context;
use harness::{
    devnet::{Devnet, DevnetOptions},
    spec::{BackendKind, ClockMode, NetworkSpec},
};

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    spec: PathBuf,
    /// Print one JSON line with the endpoints when ready (for scripts).
    #[arg(long)]
    json: bool,
    /// Where the nodes run; overrides the spec's `backend`.
    #[arg(long, value_enum)]
    backend: Option<BackendKind>,
    /// Block production clock; overrides the spec's `[embedded] clock`.
    #[arg(long, value_enum)]
    clock: Option<ClockMode>,
    /// Genesis timestamp; defaults to now.
    #[arg(long)]
    genesis_time: Option<u64>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let spec = NetworkSpec::load(&args.spec)?;
    let backend = args.backend.unwrap_or(spec.backend);
    anyhow::ensure!(backend == BackendKind::Embedded, "backend `{}` is not available yet; use --backend embedded", backend.name());
    let options = DevnetOptions {
        clock: args.clock.unwrap_or(spec.embedded.clock),
        genesis_time: args.genesis_time,
        fault: None,
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let devnet = Devnet::start(&spec, options).await.context("starting the network")?;
        if args.json {
            println!("{}", devnet.ready_line());
        } else {
            eprintln!("network `{}` is up:\n{}", spec.name, serde_json::to_string_pretty(&devnet.ready_line())?);
            eprintln!("Ctrl-C stops it.");
        }
        super::signals::shutdown().await;
        drop(devnet);
        Ok(Outcome::Success)
    })
}
