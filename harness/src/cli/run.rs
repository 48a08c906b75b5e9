//! `harness run <spec> [--runs N]`: the main job. Brings the spec's network up, runs the suites
//! of the features in scope against it under the nextest profile of its mode (nextest shows
//! progress), records the run, and after N runs (each on a fresh network) judges the spec's
//! whole history and writes the reports.

use std::path::{Path, PathBuf};

use anyhow::Context;
use harness::{
    backend::{Network, registry},
    devnet::DevnetOptions,
    forks::Feature,
    history::{History, Location},
    junit::JunitReport,
    spec::{ClockMode, NetworkSpec},
    verdict::batch::{self, RunContext, Runner},
};

use super::{Outcome, signals::Shutdown};

#[derive(clap::Args)]
pub struct Args {
    spec: PathBuf,
    /// Run the suites this many times, each on a fresh network, then judge them all.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    runs: u32,
    /// Run history: a folder or a postgres:// URL; default $HARNESS_HISTORY, else reports/history.
    #[arg(long)]
    history: Option<String>,
    /// Folder for verdict.json, report.md and report.html.
    #[arg(long, default_value = "reports/latest")]
    out: PathBuf,
}

/// The workspace this harness was built in: where the suites and their nextest profiles live.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A nextest filter selecting the suites of `features` and the shared network's own checks.
pub fn filter(features: &[&Feature]) -> String {
    let modules: Vec<String> = features.iter().map(|f| regex_escape(&f.suite_path())).collect();
    format!("(binary(acceptance) & test(/^({})::/)) | (binary(combined) & test(/^infra::/))", modules.join("|"))
}

fn regex_escape(path: &str) -> String {
    path.replace('.', "\\.")
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let spec = NetworkSpec::load(&args.spec)?;
    let mut history = History::open(&Location::resolve(args.history.as_deref()))?;
    let context = RunContext { mode: spec.mode, commit: super::verdict::git_commit(), node_versions: Default::default(), spec: Some(spec.clone()) };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let shutdown = runtime.block_on(async { Shutdown::install() }).context("installing signal handlers")?;
    let mut runner = Suites { spec: &spec, path: &args.spec, runtime: &runtime, shutdown };
    let total = args.runs as usize;
    let batch = batch::run_batch(total, &mut runner, &context, &mut history, |done| eprintln!("{}", done.line()))?;
    eprintln!("recorded {total} run(s) of `{}` in {history}; judging its whole history", spec.name);
    let runs = history.network(Some(&spec.name), spec.mode)?;
    super::verdict::conclude(&context, &runs, &batch.last_junit, &args.out)
}

/// The real runner: a fresh network of the spec per run, the suites under nextest.
struct Suites<'a> {
    spec: &'a NetworkSpec,
    path: &'a Path,
    runtime: &'a tokio::runtime::Runtime,
    shutdown: Shutdown,
}

impl Runner for Suites<'_> {
    type Error = anyhow::Error;

    fn run(&mut self, index: usize) -> anyhow::Result<Vec<JunitReport>> {
        let junit = self.runtime.block_on(run_suites(self.spec, self.path, &mut self.shutdown)).with_context(|| format!("run {index}"))?;
        Ok(vec![JunitReport::read(&junit)?])
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Installs cargo-nextest when this machine has none, so the main job needs nothing but cargo.
async fn ensure_nextest() -> anyhow::Result<()> {
    let present = tokio::process::Command::new(cargo()).args(["nextest", "--version"]).output().await.is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    eprintln!("cargo-nextest is not installed; installing it (once)");
    let status = tokio::process::Command::new(cargo()).args(["install", "--locked", "cargo-nextest"]).status().await?;
    anyhow::ensure!(status.success(), "installing cargo-nextest failed ({status})\n  fix: cargo install --locked cargo-nextest");
    Ok(())
}

/// Starts the network, runs nextest against it and returns the JUnit path.
async fn run_suites(spec: &NetworkSpec, spec_path: &Path, shutdown: &mut Shutdown) -> anyhow::Result<PathBuf> {
    ensure_nextest().await?;
    let options = DevnetOptions { clock: ClockMode::Fast, ..Default::default() };
    let run = registry::new_run_id();
    let network = Network::start(spec.backend, spec, spec_path, options, &run).await.context("starting the network")?;
    let profile = spec.mode.name();
    let scope = spec.features_in_scope();
    eprintln!(
        "network `{}` is up on the {} backend ({profile} mode); running the suites of {}",
        spec.name,
        spec.backend.name(),
        harness::verdict::count(scope.len(), "feature")
    );
    let junit = workspace().join("target/nextest").join(profile).join("junit.xml");
    // A JUnit left by an earlier run must never pass for this one's.
    let _ = std::fs::remove_file(&junit);
    let mut nextest = tokio::process::Command::new(cargo())
        .current_dir(workspace())
        .args(["nextest", "run", "--no-fail-fast", "--workspace", "--profile", profile, "-E"])
        .arg(filter(&scope))
        .env("HARNESS_L1_RPC", network.l1_rpc())
        .env("HARNESS_L2_RPC", network.l2_rpc())
        .env("HARNESS_SPEC", std::path::absolute(spec_path)?)
        .env("HARNESS_MODE", profile)
        // Cargo hands `OUT_DIR` to what it runs (this binary under `cargo run` or a test); build
        // scripts that track it (cc's) would then rebuild half the tree for the nested cargo.
        .env_remove("OUT_DIR")
        // A group of its own, so that a stop reaches nextest and its test processes, not only cargo.
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .context("running cargo nextest (install it with `cargo install cargo-nextest`)")?;
    let status = tokio::select! {
        status = nextest.wait() => status?,
        () = shutdown.wait() => {
            if let Some(group) = nextest.id() {
                // SAFETY: kill has no memory-safety preconditions; the group is our child's.
                unsafe { libc::kill(-(group as libc::pid_t), libc::SIGTERM) };
            }
            network.stop().await?;
            anyhow::bail!("interrupted: the suites were stopped and the network removed; the runs before this one are recorded");
        }
    };
    network.stop().await?;
    anyhow::ensure!(junit.exists(), "nextest wrote no JUnit at {} (exit status {status})", junit.display());
    Ok(junit)
}
