//! `harness run <spec>`: the main job. Brings the spec's network up, runs the suites of the
//! features in scope against it under the nextest profile of its mode (nextest shows progress),
//! then judges the run with the history and writes the reports.

use std::path::{Path, PathBuf};

use anyhow::Context;
use harness::{
    backend::{Network, registry},
    devnet::DevnetOptions,
    forks::Feature,
    spec::{ClockMode, NetworkSpec},
};

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    spec: PathBuf,
    /// Run history folder the verdict appends to and judges from.
    #[arg(long, default_value = "reports/history")]
    history: PathBuf,
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
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let junit = runtime.block_on(run_suites(&spec, &args.spec))?;
    super::verdict::run(super::verdict::Args::for_run(junit, args.history, args.spec, args.out))
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
async fn run_suites(spec: &NetworkSpec, spec_path: &Path) -> anyhow::Result<PathBuf> {
    ensure_nextest().await?;
    let mut shutdown = super::signals::Shutdown::install().context("installing signal handlers")?;
    let options = DevnetOptions { clock: ClockMode::Fast, ..Default::default() };
    let run = registry::new_run_id();
    let network = Network::start(spec.backend, spec, spec_path, options, &run).await.context("starting the network")?;
    let profile = spec.mode.name();
    eprintln!(
        "network `{}` is up on the {} backend ({profile} mode); running the suites of {} features",
        spec.name,
        spec.backend.name(),
        spec.features_in_scope().len()
    );
    let mut nextest = tokio::process::Command::new(cargo())
        .current_dir(workspace())
        .args(["nextest", "run", "--no-fail-fast", "-p", "op-suites", "--profile", profile, "-E"])
        .arg(filter(&spec.features_in_scope()))
        .env("HARNESS_L1_RPC", network.l1_rpc())
        .env("HARNESS_L2_RPC", network.l2_rpc())
        .env("HARNESS_SPEC", std::path::absolute(spec_path)?)
        .env("HARNESS_MODE", profile)
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
            anyhow::bail!("interrupted: the suites were stopped and the network removed");
        }
    };
    network.stop().await?;
    let junit = workspace().join("target/nextest").join(profile).join("junit.xml");
    anyhow::ensure!(junit.exists(), "nextest wrote no JUnit at {} (exit status {status})", junit.display());
    Ok(junit)
}
