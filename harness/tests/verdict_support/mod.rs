//! Shared by the `verdict_*` tests: fixtures, scratch folders and crafted run histories.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};

use harness::{
    forks::{Feature, feature},
    history::{RunRecord, SCHEMA_VERSION, run_id},
    junit::JunitReport,
    spec::Mode,
    verdict::evidence,
};
use time::{Duration, OffsetDateTime};

/// The features the fixtures prove.
pub const FIXTURE_FEATURES: [&str; 3] = ["isthmus.eip7702", "fjord.p256verify", "isthmus.activation"];

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit").join(name)
}

pub fn read_fixture(name: &str) -> JunitReport {
    JunitReport::read(&fixture(name)).unwrap()
}

/// An empty folder of its own for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("verdict-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn scope() -> Vec<&'static Feature> {
    FIXTURE_FEATURES.iter().map(|id| feature(id).unwrap()).collect()
}

/// The run a fixture describes, started `night` days after 1 March 2025.
pub fn night(fixture_name: &str, night: i64) -> RunRecord {
    let time = OffsetDateTime::from_unix_timestamp(1_740_794_400).unwrap() + Duration::days(night);
    RunRecord {
        schema_version: SCHEMA_VERSION,
        run_id: run_id(time, fixture_name.as_bytes()),
        time,
        git_commit: Some(format!("{night:040x}")),
        spec_name: Some("alphanet".into()),
        spec_hash: None,
        mode: Mode::Alphanet,
        fork_schedule: None,
        node_versions: [("harness".to_owned(), "0.1.0".to_owned())].into(),
        tests: evidence::test_records(&[read_fixture(fixture_name)], Mode::Alphanet).unwrap(),
    }
}

/// One run per fixture name, a night apart, oldest first.
pub fn nights(fixtures: &[&str]) -> Vec<RunRecord> {
    fixtures.iter().zip(0..).map(|(name, i)| night(name, i)).collect()
}

/// `count` copies of `name`.
pub fn repeat(name: &'static str, count: usize) -> Vec<&'static str> {
    vec![name; count]
}

/// Every file in `dir` with its bytes, sorted: proof that nothing in a history changed.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

/// A shipped spec's text made loadable from any folder: its `[data]` paths, relative to
/// `networks/`, become absolute.
pub fn anywhere(spec: &str) -> String {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/");
    // From networks/examples/ first: its prefix contains networks/'s.
    spec.replace("\"../../../shared/", &format!("\"{}", shared.display())).replace("\"../../shared/", &format!("\"{}", shared.display()))
}
