//! Reading nextest JUnit: retries, shards, and every way the input can be unusable.

mod verdict_support;

use std::fs;

use harness::{
    junit::{self, JunitProblem, Status},
    spec::Mode,
    verdict::evidence,
};
use verdict_support::{fixture, read_fixture};

#[test]
fn retries_and_their_output_are_read() {
    let report = read_fixture("red.xml");
    let (binary, red) = report.cases().find(|(_, c)| c.name == "isthmus::eip7702::delegated_call").unwrap();
    assert_eq!(binary, "op-suites::alphanet");
    assert_eq!((red.status, red.attempts(), red.duration_secs), (Status::Failed, 2, 1.802));
    assert!(red.failures[0].stdout.lines().count() > 100, "the first attempt carries the test case's output");
    assert!(red.failures[1].stdout.ends_with("sealed block number=12"), "a retry carries its own output");
    assert!(red.failures[0].description.contains("assertion `left == right` failed"));

    let flaky = read_fixture("flaky.xml");
    let retried = flaky.cases().map(|(_, c)| c).find(|c| c.status == Status::Flaky).unwrap();
    assert_eq!((retried.name.as_str(), retried.attempts()), ("isthmus::eip7702::set_code_authorization", 2));
    assert!(retried.failures[0].stderr.contains("Connection refused"));
}

#[test]
fn shards_merge_and_a_shard_passed_twice_is_refused() {
    let shards = [fixture("shard-1-of-2.xml"), fixture("shard-2-of-2.xml")];
    let merged = junit::read_all(&shards).unwrap();
    assert_eq!(merged.iter().flat_map(|r| r.cases()).count(), 5);

    let err = junit::read_all(&[shards[0].clone(), shards[0].clone()]).unwrap_err();
    assert!(matches!(err.problem, JunitProblem::Duplicate { .. }), "{err}");
    assert!(err.to_string().contains("shard-1-of-2.xml") && err.to_string().contains("fix: pass each shard's junit.xml once"), "{err}");
}

#[test]
fn truncated_and_malformed_files_are_named_with_the_fix() {
    for name in ["truncated.xml", "malformed.xml"] {
        let err = junit::read_all(&[fixture("green.xml"), fixture(name)]).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err.problem, JunitProblem::Malformed(_)), "{name}: {text}");
        assert!(text.starts_with(&fixture(name).display().to_string()), "{text}");
        assert!(text.contains("fix: the file is damaged or was cut short"), "{text}");
    }
    let missing = junit::read_all(&[fixture("absent.xml")]).unwrap_err();
    assert!(matches!(missing.problem, JunitProblem::Read(_)), "{missing}");
}

#[test]
fn tests_no_feature_claims_are_listed_with_their_file_and_the_fix() {
    let err = evidence::test_records(&[read_fixture("unclaimed.xml")], Mode::Alphanet).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.tests.len(), 2, "{text}");
    let file = fixture("unclaimed.xml").display().to_string();
    assert!(text.contains(&format!("{file}: op-suites::alphanet smoke::it_works")), "{text}");
    assert!(text.contains(&format!("{file}: op-suites::alphanet isthmus::eip7702x::typo_in_module")), "{text}");
    assert!(text.contains("fix: move each test under its feature's module `<fork>::<feature>::`"), "{text}");
}

#[test]
fn the_mode_is_inferred_only_when_binaries_agree() {
    assert_eq!(evidence::infer_mode(&[read_fixture("green.xml")]).unwrap(), Mode::Alphanet);
    let merged = junit::read_all(&[fixture("shard-1-of-2.xml"), fixture("shard-2-of-2.xml")]).unwrap();
    assert_eq!(evidence::infer_mode(&merged).unwrap(), Mode::Betanet);
    let err = evidence::infer_mode(&[read_fixture("two-modes.xml")]).unwrap_err().to_string();
    assert!(err.contains("several modes (alphanet, betanet)") && err.contains("fix: pass --mode alphanet|betanet"), "{err}");

    // Nextest writes target/nextest/<profile>/junit.xml; the suites' binaries need not name a mode.
    let dir = verdict_support::scratch("profile-folder");
    let acceptance = fs::read_to_string(fixture("green.xml")).unwrap().replace("op-suites::alphanet", "op-suites::acceptance");
    for profile in ["betanet", "nightly"] {
        fs::create_dir_all(dir.join(profile)).unwrap();
        fs::write(dir.join(profile).join("junit.xml"), &acceptance).unwrap();
    }
    let read = |profile: &str| junit::JunitReport::read(&dir.join(profile).join("junit.xml")).unwrap();
    assert_eq!(evidence::infer_mode(&[read("betanet")]).unwrap(), Mode::Betanet);
    let err = evidence::infer_mode(&[read("nightly")]).unwrap_err().to_string();
    assert!(err.contains("neither its folder"), "a profile that is no mode's name is not guessed: {err}");
}
