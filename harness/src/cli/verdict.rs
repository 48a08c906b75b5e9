//! `harness verdict --junit FILE... [--history DIR] [--spec SPEC] [--mode MODE] [--out DIR]`
//!
//! Everything that can reject the input (spec, JUnit, mode, unclaimed tests, history) is checked
//! before the run is appended, so a rejected run leaves the history as it was.

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::Context;
use harness::{
    forks::{FEATURES, Feature},
    history::{self, HistoryStore, RunRecord, TestRecord},
    junit::{self, JunitReport},
    report::Report,
    spec::{Mode, NetworkSpec},
    verdict::{self, Status, evidence},
};
use time::OffsetDateTime;

use super::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Nextest JUnit files of one run; pass every shard's file to merge them.
    #[arg(long, required = true, num_args = 1..)]
    junit: Vec<PathBuf>,
    /// Run history folder: the run is appended, then every run of this network (same mode and
    /// spec name) is judged. Without it the run is judged alone.
    #[arg(long)]
    history: Option<PathBuf>,
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

impl Args {
    /// The verdict `harness run` asks for: one JUnit file, judged with the spec and history.
    pub fn for_run(junit: PathBuf, history: PathBuf, spec: PathBuf, out: PathBuf) -> Self {
        Self { junit: vec![junit], history: Some(history), spec: Some(spec), mode: None, out, commit: None, node_versions: Vec::new() }
    }
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let report = judge(&args)?;
    publish(&report, &args.out)?;
    match report.status {
        Status::Stable => Ok(Outcome::Success),
        Status::NotStable => Ok(Outcome::Failed),
        Status::Infra => anyhow::bail!(
            "the network failed in this run, so it says nothing about the affected features\n  fix: read the failures in {}, repair the network and rerun the suites",
            args.out.join("report.html").display()
        ),
    }
}

/// Checks every input, records the run in the history and judges it with the earlier runs.
fn judge(args: &Args) -> anyhow::Result<Report> {
    let spec = args.spec.as_deref().map(NetworkSpec::load).transpose()?;
    let junit = junit::read_all(&args.junit)?;
    let mode = resolve_mode(args.mode, spec.as_ref(), &junit)?;
    for binary in evidence::other_mode_binaries(&junit, mode) {
        eprintln!("note: leaving out test binary {binary}: it tests another mode's network");
    }
    let tests = evidence::test_records(&junit, mode)?;
    anyhow::ensure!(
        !tests.is_empty(),
        "{}: no test ran against the {} network\n  fix: pass the JUnit of a run of this network, or the matching --mode or --spec",
        args.junit.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        mode.name()
    );
    let current = record(args, spec.as_ref(), mode, &junit, tests);
    let scope = match &spec {
        Some(spec) => spec.features_in_scope(),
        None => proven_features(&current.tests),
    };
    let runs = match &args.history {
        Some(dir) => with_history(dir, current)?,
        None => vec![current],
    };
    let policy = spec.map(|s| s.stability).unwrap_or_default();
    let verdict = verdict::judge(mode, &runs, &scope, &policy);
    Ok(Report::new(verdict, &runs, &junit, &policy, OffsetDateTime::now_utc()))
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

fn record(args: &Args, spec: Option<&NetworkSpec>, mode: Mode, junit: &[JunitReport], tests: Vec<TestRecord>) -> RunRecord {
    let now = OffsetDateTime::now_utc();
    let time = junit.iter().filter_map(|r| r.started).min().unwrap_or(now);
    let entropy = format!("{} {} {:?}", now.unix_timestamp_nanos(), std::process::id(), args.junit);
    let mut node_versions = BTreeMap::from([("harness".to_owned(), env!("CARGO_PKG_VERSION").to_owned())]);
    node_versions.extend(args.node_versions.iter().cloned());
    RunRecord {
        schema_version: history::SCHEMA_VERSION,
        run_id: history::run_id(time, entropy.as_bytes()),
        time,
        git_commit: args.commit.clone().or_else(git_commit),
        spec_name: spec.map(|s| s.name.clone()),
        spec_hash: spec.map(history::spec_hash),
        mode,
        fork_schedule: spec.map(|s| s.schedule().scheduled().collect()),
        node_versions,
        tests,
    }
}

fn git_commit() -> Option<String> {
    if let Some(sha) = std::env::var("GITHUB_SHA").ok().filter(|s| !s.is_empty()) {
        return Some(sha);
    }
    let out = Command::new("git").args(["rev-parse", "HEAD"]).output().ok().filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned()).filter(|s| !s.is_empty())
}

/// Without a spec, the features in scope are the ones this run's tests prove, in catalog order.
fn proven_features(tests: &[TestRecord]) -> Vec<&'static Feature> {
    FEATURES.iter().filter(|f| tests.iter().any(|t| t.features.iter().any(|id| id == f.id))).collect()
}

/// Reads the network's earlier runs, then appends this one; it is judged as the newest.
fn with_history(dir: &Path, current: RunRecord) -> anyhow::Result<Vec<RunRecord>> {
    let store = HistoryStore::new(dir);
    let mut runs: Vec<RunRecord> = store.load()?.into_iter().filter(|r| r.same_network(&current)).collect();
    let file = store.append(&current)?;
    eprintln!("recorded run {} in {}", current.run_id, file.display());
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
