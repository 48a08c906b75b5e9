//! `harness up <spec> [--json]`: run a network in the foreground until Ctrl-C or SIGTERM.

use std::path::PathBuf;

use anyhow::Context;
use harness::{
    backend::{Network, registry},
    devnet::DevnetOptions,
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
    /// Follow this L1 over JSON-RPC (e.g. anvil) instead of running an embedded one.
    #[arg(long)]
    l1_rpc: Option<String>,
    /// Serve the L2 RPC on this loopback port instead of one the OS picks.
    #[arg(long)]
    rpc_port: Option<u16>,
    /// Start the L2 from this op-geth genesis.json (e.g. a real chain's) instead of building one.
    #[arg(long)]
    l2_genesis: Option<PathBuf>,
    /// When ready, write the endpoints as `HARNESS_*=value` lines to this file (atomically),
    /// the form nextest's `$NEXTEST_ENV` and shell `source` read.
    #[arg(long)]
    ready_file: Option<PathBuf>,
    /// Stop when the process with this PID exits (a nextest setup script passes nextest's, since
    /// nextest has no teardown scripts).
    #[arg(long)]
    exit_with_parent: Option<u32>,
}

/// Bound on an op-geth genesis.json: a real chain's can carry a large allocation.
const MAX_GENESIS_BYTES: u64 = 1 << 30;

fn read_genesis(path: &std::path::Path) -> anyhow::Result<alloy::genesis::Genesis> {
    let bytes = harness::fsx::read_bounded(path, MAX_GENESIS_BYTES).with_context(|| format!("reading {}", path.display()))?;
    harness::genesis::parse_op_geth(&bytes).with_context(|| format!("{} is not an op-geth genesis.json", path.display()))
}

/// The environment lines that point the suites at this network.
fn env_lines(network: &Network, spec: &std::path::Path) -> String {
    format!(
        "HARNESS_L1_RPC={}\nHARNESS_L2_RPC={}\nHARNESS_SPEC={}\n",
        network.l1_rpc(),
        network.l2_rpc(),
        std::path::absolute(spec).unwrap_or_else(|_| spec.to_path_buf()).display()
    )
}

fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

/// Resolves when process `pid` is gone, checking four times a second.
async fn parent_exit(pid: u32) {
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    while proc_dir.exists() {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// What the async runtime may still be running (an RPC call mid-flight) once the network has
/// stopped: it gets this long, then the process exits regardless.
const RUNTIME_DRAIN: std::time::Duration = std::time::Duration::from_millis(250);

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let shutdown = super::signals::Shutdown::install().context("installing signal handlers")?;
    let spec = NetworkSpec::load(&args.spec)?;
    let options = DevnetOptions {
        clock: args.clock.unwrap_or(spec.embedded.clock),
        genesis_time: args.genesis_time,
        fault: None,
        l1_fault: None,
        l1_rpc: args.l1_rpc.clone(),
        rpc_port: args.rpc_port,
        l2_genesis: args.l2_genesis.as_deref().map(read_genesis).transpose()?.map(std::sync::Arc::new),
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let outcome = runtime.block_on(serve(&args, &spec, options, shutdown));
    runtime.shutdown_timeout(RUNTIME_DRAIN);
    outcome
}

/// Brings the network up, announces it and keeps it until a signal (or the watched parent's
/// exit). A signal during start-up ends the start-up too.
async fn serve(args: &Args, spec: &NetworkSpec, options: DevnetOptions, mut shutdown: super::signals::Shutdown) -> anyhow::Result<Outcome> {
    let backend: BackendKind = args.backend.unwrap_or(spec.backend);
    let run = registry::new_run_id();
    let network = tokio::select! {
        network = Network::start(backend, spec, &args.spec, options, &run) => network.context("starting the network")?,
        () = shutdown.wait() => {
            eprintln!("stopped while starting; `harness clean --run {run}` removes anything left behind");
            return Ok(Outcome::Success);
        }
    };
    let mut ready = network.ready_line(spec).await?;
    ready["run"] = run.clone().into();
    if let Some(path) = &args.ready_file {
        write_atomically(path, &env_lines(&network, &args.spec)).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        println!("{ready}");
    } else {
        eprintln!("network `{}` is up on the {} backend:\n{}", spec.name, backend.name(), serde_json::to_string_pretty(&ready)?);
        eprintln!("Ctrl-C stops it; `harness clean --run {run}` removes it if this process is killed.");
    }
    match args.exit_with_parent {
        Some(pid) => tokio::select! {
            () = shutdown.wait() => {}
            () = parent_exit(pid) => {}
        },
        None => shutdown.wait().await,
    }
    network.stop().await?;
    Ok(Outcome::Success)
}
