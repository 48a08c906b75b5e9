//! `harness bench`: the harness's L2 and anvil measured in the same run on this machine, several
//! times over, harness and anvil taking turns to go first: start to first block (in-process and
//! as a process; anvil both from its own genesis and from the L2 genesis the harness builds,
//! the like-for-like start), empty blocks per second early and late in a long chain, transfers per second,
//! peak memory. A benchmark, not a test: it prints medians, spreads and ratios; `scripts/bench`
//! runs it from a release build.

mod nodes;
mod summary;
mod worker;

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::Context;
use harness::{
    backend::{container::ContainerNetwork, launch, process::anvil_binary, registry},
    spec::{ClockMode, NetworkSpec},
};
use summary::Measure;

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// The network the harness runs.
    #[arg(default_value = "networks/alphanet.toml")]
    spec: PathBuf,
    /// How many times every measure is taken; the table shows their median and spread.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Empty blocks each node makes per run, after its first.
    #[arg(long, default_value_t = 5000)]
    blocks: u64,
    /// Empty blocks are timed in segments of this many (the first and last segments' rates
    /// show whether the cost per block grows with the chain).
    #[arg(long, default_value_t = 500)]
    segment: u64,
    /// Transfers to send for the transfers-per-second figure.
    #[arg(long, default_value_t = 1000)]
    transfers: u64,
    /// Also time the container backend's start (needs scripts/setup).
    #[arg(long)]
    containers: bool,
    /// Internal: take the in-process measures in this process and print them as JSON.
    #[arg(long, hide = true)]
    worker: bool,
}

/// One node's samples from one run.
struct Side {
    process_start: f64,
    /// As a process, from the state the harness's L2 starts on: the harness builds it, anvil is
    /// handed it as the `genesis.json` the harness wrote.
    same_genesis_start: f64,
    in_process_start: Option<f64>,
    /// Seconds per segment of empty blocks.
    segments: Vec<f64>,
    transfers: nodes::Transfers,
    peak_memory: f64,
}

async fn harness_side(args: &Args, run: &str) -> anyhow::Result<Side> {
    let report = worker::in_fresh_process(&args.spec, args.blocks / args.segment, args.segment, run).await?;
    let node = nodes::start_harness(&args.spec, run).await?;
    let transfers = nodes::send_transfers(&node.client, args.transfers).await?;
    let process_start = node.first_block;
    node.stop(run).await?;
    let same_genesis_start = process_start;
    Ok(Side { process_start, same_genesis_start, in_process_start: Some(report.first_block), segments: report.segments, transfers, peak_memory: report.peak_memory })
}

async fn anvil_side(args: &Args, spec: &NetworkSpec, l2_genesis: &Path, run: &str) -> anyhow::Result<Side> {
    let node = nodes::start_anvil(spec, None, run).await?;
    let transfers = nodes::send_transfers(&node.client, args.transfers).await?;
    let process_start = node.first_block;
    node.stop(run).await?;
    let node = nodes::start_anvil(spec, Some(l2_genesis), run).await?;
    let same_genesis_start = node.first_block;
    node.stop(run).await?;
    let node = nodes::start_anvil(spec, None, run).await?;
    let segments = nodes::anvil_segments(&node.client, args.blocks / args.segment, args.segment).await?;
    let peak_memory = node.peak_memory()?;
    node.stop(run).await?;
    Ok(Side { process_start, same_genesis_start, in_process_start: None, segments, transfers, peak_memory })
}

/// The table's rows, filled run by run.
struct Measures {
    segment: u64,
    rows: Vec<Measure>,
}

impl Measures {
    fn new(args: &Args) -> Self {
        let (segment, blocks) = (args.segment, args.blocks);
        let rows = vec![
            Measure::new("start to first block, as a process (anvil: its own genesis)".into(), "s", false),
            Measure::new("start to first block, as a process, from the L2's genesis (anvil: `--init` the harness's genesis.json)".into(), "s", false),
            Measure::new("start to first L2 block, in-process".into(), "s", false),
            Measure::new(format!("empty blocks per second, blocks 0–{segment}"), "per s", true),
            Measure::new(format!("empty blocks per second, blocks {}–{blocks}", blocks - segment), "per s", true),
            Measure::new(format!("empty blocks per second, all {blocks}"), "per s", true),
            Measure::new(format!("late / early block rate (blocks {}–{blocks} / 0–{segment})", blocks - segment), "ratio", true).alone(),
            Measure::new("transfers per second, over RPC until every receipt".into(), "per s", true),
            Measure::new("transfers per block".into(), "count", true).alone(),
            Measure::new(format!("peak resident memory after {blocks} blocks"), "MiB", false),
        ];
        Self { segment, rows }
    }

    fn record(&mut self, side: &Side, pick: fn(&mut Measure) -> &mut Vec<f64>, transfers: u64) {
        let rate = |seconds: f64| self.segment as f64 / seconds;
        let (first, last) = (rate(side.segments[0]), rate(side.segments[side.segments.len() - 1]));
        let all = (self.segment * side.segments.len() as u64) as f64 / side.segments.iter().sum::<f64>();
        let values = [
            Some(side.process_start),
            Some(side.same_genesis_start),
            side.in_process_start,
            Some(first),
            Some(last),
            Some(all),
            Some(last / first),
            Some(side.transfers.per_second),
            Some(transfers as f64 / side.transfers.blocks.max(1) as f64),
            Some(side.peak_memory),
        ];
        for (row, value) in self.rows.iter_mut().zip(values) {
            pick(row).extend(value);
        }
    }
}

/// One line per run on stderr, so a long bench shows progress and every sample.
fn progress(run: usize, runs: usize, who: &str, side: &Side, segment: u64) {
    let rates: Vec<String> = side.segments.iter().map(|s| format!("{:.0}", segment as f64 / s)).collect();
    eprintln!(
        "run {run}/{runs} {who:<7}: first block {:.3} s as a process{}; blocks/s per {segment}: {}; {:.0} transfers/s in {} blocks; peak {:.0} MiB",
        side.process_start,
        side.in_process_start.map(|s| format!(", {s:.3} s in-process")).unwrap_or_default(),
        rates.join(" "),
        side.transfers.per_second,
        side.transfers.blocks,
        side.peak_memory,
    );
}

fn anvil_version(spec: &NetworkSpec) -> anyhow::Result<String> {
    let output = std::process::Command::new(anvil_binary(spec)).arg("--version").output().context("running anvil --version")?;
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text.lines().next().map_or("anvil".to_owned(), |l| l.replace("Version: ", "")))
}

/// The L2's `genesis.json` as the harness writes it for real clients, in the run's folder.
fn l2_genesis_file(spec: &NetworkSpec, run: &str) -> anyhow::Result<PathBuf> {
    anyhow::ensure!(spec.l2.len() == 1, "the bench measures one L2; {} has {}", spec.name, spec.l2.len());
    let dir = launch::logs_dir(run)?;
    launch::write_configs(spec, &dir)?;
    Ok(dir.join("genesis.json"))
}

async fn container_start(spec: &NetworkSpec, spec_path: &Path, run: &str) -> anyhow::Result<f64> {
    let started = Instant::now();
    let network = ContainerNetwork::start(spec, spec_path, ClockMode::Fast, run).await?;
    let seconds = started.elapsed().as_secs_f64();
    network.stop().await?;
    Ok(seconds)
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let spec = NetworkSpec::load(&args.spec)?;
    anyhow::ensure!(args.segment > 0 && args.blocks >= args.segment, "--blocks must be at least --segment, which must be above 0");
    let runtime = tokio::runtime::Runtime::new()?;
    if args.worker {
        let report = runtime.block_on(worker::measure(&spec, args.blocks / args.segment, args.segment))?;
        println!("{}", serde_json::to_string(&report)?);
        return Ok(Outcome::Success);
    }
    let run = registry::new_run_id();
    let l2_genesis = l2_genesis_file(&spec, &run)?;
    let mut measures = Measures::new(&args);
    let mut containers = Measure::new("container network start to ready (anvil + harness node)".into(), "s", false);
    runtime.block_on(async {
        for index in 1..=args.runs {
            // Taking turns to go first spreads the machine's drifts over both nodes.
            let (ours, theirs) = if index % 2 == 1 {
                let ours = harness_side(&args, &run).await?;
                (ours, anvil_side(&args, &spec, &l2_genesis, &run).await?)
            } else {
                let theirs = anvil_side(&args, &spec, &l2_genesis, &run).await?;
                (harness_side(&args, &run).await?, theirs)
            };
            progress(index, args.runs, "harness", &ours, args.segment);
            progress(index, args.runs, "anvil", &theirs, args.segment);
            measures.record(&ours, |m| &mut m.harness, args.transfers);
            measures.record(&theirs, |m| &mut m.anvil, args.transfers);
            if args.containers {
                containers.harness.push(container_start(&spec, &args.spec, &run).await?);
            }
        }
        anyhow::Ok(())
    })?;
    let mut rows = measures.rows;
    rows.extend(args.containers.then_some(containers));
    print!("{}", summary::table(&rows, args.runs, &anvil_version(&spec)?));
    Ok(Outcome::Success)
}
