//! Shared by the `train_*` tests: a networks folder of its own per test, histories of crafted
//! runs, and the harness binary.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use harness::{
    forks::feature,
    history::{FileHistory, RunRecord, SCHEMA_VERSION, TestOutcome, TestRecord, run_id},
    spec::Mode,
};
use time::{Duration, OffsetDateTime};

use crate::verdict_support::{anywhere, scratch};

/// A test's own copy of the networks folder: the shipped Alphanet, its bundles, and a train
/// file written by the test.
pub struct Train {
    pub root: PathBuf,
}

impl Train {
    /// `networks/` holding `alphanet` as `alphanet.toml`, the harness's bundle under
    /// `bundles/`, and `train` as `train.toml`.
    pub fn new(name: &str, alphanet: &str, train: &str) -> Self {
        let root = scratch(name);
        let networks = root.join("networks");
        fs::create_dir_all(networks.join("bundles")).unwrap();
        fs::write(networks.join("alphanet.toml"), alphanet).unwrap();
        fs::copy(shipped_dir().join("bundles/harness-version.json"), networks.join("bundles/harness-version.json")).unwrap();
        fs::write(networks.join("train.toml"), train).unwrap();
        Self { root }
    }

    pub fn networks(&self) -> PathBuf {
        self.root.join("networks")
    }

    pub fn file(&self) -> PathBuf {
        self.networks().join("train.toml")
    }

    pub fn history(&self) -> FileHistory {
        FileHistory::new(self.root.join("history"))
    }

    pub fn betanet_spec(&self) -> PathBuf {
        self.networks().join("betanet-train.toml")
    }

    /// `harness train --file <train.toml> --history <history> <args>`, run in the test's root.
    pub fn run(&self, args: &[&str]) -> Done {
        let output = Command::new(env!("CARGO_BIN_EXE_harness"))
            .current_dir(&self.root)
            .arg("train")
            .arg("--file")
            .arg(self.file())
            .arg("--history")
            .arg(self.root.join("history"))
            .args(args)
            .env_remove("HARNESS_HISTORY")
            .output()
            .expect("the harness binary runs");
        Done(output)
    }

    /// Appends `count` runs of `spec_name` in `mode` where every test of `features` ends as
    /// `outcome`, one a day from `first_day`.
    pub fn record(&self, spec_name: &str, mode: Mode, features: &[&str], outcome: TestOutcome, first_day: i64, count: i64) {
        let history = self.history();
        for day in first_day..first_day + count {
            history.append(&run(spec_name, mode, features, outcome, day)).unwrap();
        }
    }
}

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../networks")
}

/// A shipped spec's text, loadable from a test's own networks folder: `[data]` paths absolute,
/// bundle paths relative to that folder.
pub fn shipped(spec: &str) -> String {
    anywhere(&fs::read_to_string(shipped_dir().join(spec)).unwrap()).replace("\"../bundles/", "\"bundles/")
}

/// A finished command.
pub struct Done(pub Output);

impl Done {
    pub fn code(&self) -> Option<i32> {
        self.0.status.code()
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Both streams, for assertion messages.
    pub fn all(&self) -> String {
        format!("exit {:?}\n--- stdout\n{}--- stderr\n{}", self.code(), self.stdout(), self.stderr())
    }
}

/// One run of `spec_name` where each feature's one test ends as `outcome`, plus a passing
/// network check; `day` days after 1 March 2025.
pub fn run(spec_name: &str, mode: Mode, features: &[&str], outcome: TestOutcome, day: i64) -> RunRecord {
    let time = OffsetDateTime::from_unix_timestamp(1_740_794_400).unwrap() + Duration::days(day);
    let mut tests: Vec<TestRecord> = features
        .iter()
        .map(|id| {
            let path = feature(id).unwrap_or_else(|| panic!("{id} is in the catalog")).suite_path();
            test(&format!("{path}::check"), vec![(*id).to_owned()], outcome)
        })
        .collect();
    tests.push(test("infra::network_starts", Vec::new(), TestOutcome::Passed));
    RunRecord {
        schema_version: SCHEMA_VERSION,
        run_id: run_id(time, format!("{spec_name} {day} {features:?}").as_bytes()),
        time,
        git_commit: Some(format!("{day:040x}")),
        spec_name: Some(spec_name.to_owned()),
        spec_hash: None,
        mode,
        fork_schedule: None,
        node_versions: [("harness".to_owned(), "0.1.0".to_owned())].into(),
        tests,
    }
}

fn test(name: &str, features: Vec<String>, outcome: TestOutcome) -> TestRecord {
    TestRecord { binary: "op-suites::acceptance".into(), name: name.into(), features, outcome, attempts: 1, duration_secs: 0.5, not_applicable: Vec::new() }
}

/// The 1-based line of the first line of `path` containing `needle`: where an error about that
/// text must point.
pub fn line_of(path: &Path, needle: &str) -> usize {
    let text = fs::read_to_string(path).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} not in {}", path.display())) + 1
}
