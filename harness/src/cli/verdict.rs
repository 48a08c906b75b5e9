//! `harness verdict --junit FILE... [--history LOCATION] [--spec SPEC] [--mode MODE] [--out DIR]`
//!
//! Everything that can reject the input (spec, JUnit, mode, unclaimed tests, history) is checked
//! before the run is appended, so a rejected run leaves the history as it was.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::Context;
use harness::{
    history::{Appended, History, Location, RunRecord},
    junit::{self, JunitReport},
    report::Report,
    spec::{Mode, NetworkSpec},
    verdict::{self, Status, batch::RunContext, evidence},
};
use time::OffsetDateTime;

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Nextest JUnit files of one run; pass every shard's file to merge them.
    #[arg(long, required = true, num_args = 1..)]
    junit: Vec<PathBuf>,
    /// Run history: a folder, or a postgres:// URL many machines share. The run is appended,
    /// then every run of this network (same mode and spec name) is judged. Without it (and
    /// without $HARNESS_HISTORY) the run is judged alone.
    #[arg(long)]
    history: Option<String>,
    /// The network's spec: its mode, fork schedule, features in scope and stability policy.
    /// Without it the policy is the default and the scope is whatever the tests prove.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// The network's mode, when there is no spec and the test binaries do not name one.
    #[arg(long, value_parser = parse_mode)]
    mode: Option<Mode>,
    /// Folder for verdict.json, report.md and report.html.
    #[arg(long, default_value = "reports/latest")]
    out: PathBuf,
    /// Commit the suites ran at; defaults to $GITHUB_SHA, then `git rev-parse HEAD`.
    #[arg(long)]
    commit: Option<String>,
    /// A node's software version as `role=version` (e.g. `op-geth=v1.101503.2`); repeatable.
    #[arg(long = "node-version", value_parser = parse_node_version)]
    node_versions: Vec<(String, String)>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let spec = args.spec.as_deref().map(NetworkSpec::load).transpose()?;
    let junit = junit::read_all(&args.junit)?;
    let mode = resolve_mode(args.mode, spec.as_ref(), &junit)?;
    for binary in evidence::other_mode_binaries(&junit, mode) {
        eprintln!("note: leaving out test binary {binary}: it tests another mode's network");
    }
    let context = RunContext {
        spec,
        mode,
        commit: args.commit.clone().or_else(git_commit),
        node_versions: args.node_versions.iter().cloned().collect(),
    };
    let current = context.record(&junit)?;
    let runs = match Location::named(args.history.as_deref()) {
        Some(location) => with_history(&mut History::open(&location)?, current)?,
        None => vec![current],
    };
    conclude(&context, &runs, &junit, &args.out)
}

/// Judges `runs` (one network's, oldest first, the reported run last), writes the reports and
/// maps the verdict to an outcome: shared by `verdict` and `run`.
pub fn conclude(context: &RunContext, runs: &[RunRecord], junit: &[JunitReport], out: &Path) -> anyhow::Result<Outcome> {
    let policy = context.spec.as_ref().map(|s| s.stability.clone()).unwrap_or_default();
    let verdict = verdict::judge(context.mode, runs, &context.scope(runs), &policy);
    let report = Report::new(verdict, runs, junit, &policy, OffsetDateTime::now_utc());
    publish(&report, out)?;
    match report.status {
        Status::Stable => Ok(Outcome::Success),
        Status::NotStable => Ok(Outcome::Failed),
        Status::Infra => anyhow::bail!(
            "the network failed in this run, so it says nothing about the affected features\n  fix: read the failures in {}, repair the network and rerun the suites",
            out.join("report.html").display()
        ),
    }
}

/// Writes the three reports, prints the summary and adds it to the GitHub job's summary.
fn publish(report: &Report, out: &Path) -> anyhow::Result<()> {
    let written = report.write(out).with_context(|| format!("writing the reports into {}", out.display()))?;
    for path in written {
        eprintln!("wrote {}", path.display());
    }
    let markdown = report.to_markdown();
    print!("{markdown}");
    append_step_summary(&markdown)
}

fn parse_mode(name: &str) -> Result<Mode, String> {
    evidence::mode_named(name).ok_or_else(|| format!("`{name}` is not a mode; use alphanet or betanet"))
}

fn parse_node_version(pair: &str) -> Result<(String, String), String> {
    match pair.split_once('=') {
        Some((role, version)) if !role.is_empty() && !version.is_empty() => Ok((role.to_owned(), version.to_owned())),
        _ => Err(format!("`{pair}` is not role=version, e.g. op-geth=v1.101503.2")),
    }
}

/// `--mode`, else the spec's mode, else the one the test binaries name.
fn resolve_mode(flag: Option<Mode>, spec: Option<&NetworkSpec>, junit: &[JunitReport]) -> anyhow::Result<Mode> {
    match (flag, spec) {
        (Some(flag), Some(spec)) if flag != spec.mode => anyhow::bail!(
            "--mode {} contradicts {}, whose mode is {}\n  fix: drop --mode; the spec decides",
            flag.name(),
            spec.path.display(),
            spec.mode.name()
        ),
        (Some(mode), _) => Ok(mode),
        (None, Some(spec)) => Ok(spec.mode),
        (None, None) => Ok(evidence::infer_mode(junit)?),
    }
}

/// The commit the suites ran at: `$GITHUB_SHA`, else the checkout's HEAD.
pub fn git_commit() -> Option<String> {
    if let Some(sha) = std::env::var("GITHUB_SHA").ok().filter(|s| !s.is_empty()) {
        return Some(sha);
    }
    let out = Command::new("git").args(["rev-parse", "HEAD"]).output().ok().filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned()).filter(|s| !s.is_empty())
}

/// Reads the network's earlier runs, then appends this one; it is judged as the newest.
fn with_history(history: &mut History, current: RunRecord) -> anyhow::Result<Vec<RunRecord>> {
    let mut runs = history.network(current.spec_name.as_deref(), current.mode)?;
    if history.append(&current)? == Appended::Recorded {
        eprintln!("recorded run {} in {history}", current.run_id);
    }
    runs.retain(|r| r.run_id != current.run_id);
    runs.push(current);
    Ok(runs)
}

/// GitHub Actions shows whatever a step appends to this file on the run's page.
fn append_step_summary(markdown: &str) -> anyhow::Result<()> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let path = PathBuf::from(path);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening $GITHUB_STEP_SUMMARY ({})", path.display()))?;
    writeln!(file, "{markdown}").with_context(|| format!("appending to $GITHUB_STEP_SUMMARY ({})", path.display()))
}
