//! Train files that cannot be used are refused with file, line, field and fix, and nothing is
//! written; the Betanet assembly keeps the naming rule for sets the catalog cannot express yet.

mod train_support;
mod verdict_support;

use std::path::{Path, PathBuf};

use harness::{
    forks::{Fork, Layer},
    spec::NetworkSpec,
    train::{Member, Problem, betanet::{AssemblyError, Plan, assemble}},
};
use train_support::line_of;
use verdict_support::scratch;

fn bad(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../networks/bad-train").join(name)
}

#[test]
fn corrupt_or_contradictory_train_files_exit_2_naming_file_line_and_fix() {
    // (file, the text the error must point at, what it must say, the fix it must give)
    let cases = [
        ("unknown-feature.toml", "isthmus.eip7703", "`isthmus.eip7703` is not a feature in the catalog", "fix: use a feature id from the catalog"),
        ("removed-in-set.toml", "features = [", "`isthmus.eip7702` is both removed and in the Betanet set", "fix: take `isthmus.eip7702` out of betanet.features"),
        ("unknown-audit-state.toml", "\"cleared\"", "unknown variant `cleared`, expected one of `not_needed`, `pending`, `passed`, `needs_fix`, `high_risk`", "fix: use one of the values listed above"),
        ("not-a-candidate.toml", "features = [", "`isthmus.headers` is in the Betanet set but is no candidate", "fix: add a [[feature]] entry for `isthmus.headers`"),
        ("bundle-not-on-alphanet.toml", "bundle = ", "does not apply it", "fix: add `[[bundle]]`"),
        ("malformed.toml", "spec = \"../alphanet.toml", "invalid basic string", "fix: correct the value"),
        ("set-without-number.toml", "features = [", "the Betanet set has no upgrade number", "fix: set betanet.upgrade_number"),
    ];
    let history = scratch("bad-train-history");
    for (name, at, says, fix) in cases {
        let file = bad(name);
        let out = scratch(&format!("bad-train-{name}"));
        let done = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
            .arg("train")
            .arg("--file")
            .arg(&file)
            .arg("--history")
            .arg(&history)
            .args(["status", "--out"])
            .arg(out.join("pages"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(2), "{name}: {stderr}");
        let place = format!("{}:{}: ", file.display(), line_of(&file, at));
        assert!(stderr.contains(&place) && stderr.contains(says) && stderr.contains(fix), "{name}: expected {place}…{says}…{fix}\n{stderr}");
        assert!(!out.join("pages").exists(), "{name}: nothing was written");
    }
}

/// The shipped Alphanet (its `[data]` paths resolve from the repository's networks folder).
fn alphanet() -> NetworkSpec {
    NetworkSpec::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("../networks/alphanet.toml")).unwrap()
}

fn plan<'a>(alphanet: &'a NetworkSpec, set: &'a [Member<'a>], name: Option<&'a str>, out: &'a Path) -> Plan<'a> {
    Plan { alphanet, set, left_out: Vec::new(), upgrade_number: 16, hardfork_name: name, deployment: 1, out }
}

/// No L1 feature is in the catalog yet, so the set is built here with the layer it would have.
#[test]
fn an_l1_only_set_gets_an_upgrade_number_and_no_hardfork_name() {
    let alphanet = alphanet();
    let out = alphanet.folder().join("betanet-l1-only.toml");
    let l1_only = [Member { id: "isthmus.operator_fee", fork: Fork::Isthmus, layer: Layer::L1, bundle: None }];

    let assembled = assemble(&plan(&alphanet, &l1_only, None, &out)).expect("an unnamed L1-only set assembles");
    assert_eq!(assembled.spec.upgrade_number, Some(16));
    assert_eq!(assembled.spec.hardfork_name, None);
    assert!(!assembled.text.contains("hardfork_name"), "{}", assembled.text);

    let named = assemble(&plan(&alphanet, &l1_only, Some("Isthmus"), &out)).err().expect("a named L1-only set is refused");
    assert!(matches!(named, AssemblyError::Naming(Problem::NameForL1Only { .. })), "{named}");
    assert!(named.to_string().contains("changes only L1 contracts (isthmus.operator_fee), so it takes an upgrade number and no hardfork name"), "{named}");

    let mixed = [l1_only[0].clone(), Member { id: "isthmus.eip7702", fork: Fork::Isthmus, layer: Layer::L2, bundle: None }];
    assert!(assemble(&plan(&alphanet, &mixed, Some("Isthmus"), &out)).is_ok());
    assert!(matches!(assemble(&plan(&alphanet, &mixed, None, &out)), Err(AssemblyError::Naming(Problem::NoNameForL2 { .. }))));
    assert!(!out.exists(), "assembling writes nothing");
}

#[test]
fn the_shipped_train_files_validate() {
    let networks = Path::new(env!("CARGO_MANIFEST_DIR")).join("../networks");
    for file in [networks.join("train.toml"), networks.join("examples/train-example.toml")] {
        let done = std::process::Command::new(env!("CARGO_BIN_EXE_harness")).arg("train").arg("--file").arg(&file).arg("validate").output().unwrap();
        let stdout = String::from_utf8_lossy(&done.stdout);
        assert!(done.status.success() && stdout.starts_with("ok "), "{}: {stdout}{}", file.display(), String::from_utf8_lossy(&done.stderr));
    }
}
