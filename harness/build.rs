//! Stages the official predeploy allocation for the genesis builder.
//!
//! The OP predeploys come from a real superchain genesis that the `kona-registry` crate ships
//! (Base mainnet: a Bedrock-era genesis whose predeploys are the deployed official contracts,
//! immutables applied). Nothing of it is committed here: cargo fetches the crate, and this script
//! finds the crate's folder (see `kona_registry_dir`) and copies the compressed allocation and its
//! zstd dictionary into `OUT_DIR`, where `include_bytes!` picks them up.

use std::{env, fs, path::PathBuf, process::Command};

const ALLOC: &str = "superchain-registry/superchain/extra/genesis/mainnet/base.json.zst";
const DICTIONARY: &str = "superchain-registry/superchain/extra/dictionary";

fn main() {
    let registry = kona_registry_dir();
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (source, target) in [(ALLOC, "predeploys.json.zst"), (DICTIONARY, "predeploys.dictionary")] {
        let from = registry.join(source);
        fs::copy(&from, out.join(target)).unwrap_or_else(|e| panic!("copying {}: {e}", from.display()));
        println!("cargo::rerun-if-changed={}", from.display());
    }
    println!("cargo::rerun-if-changed=build.rs");
}

/// The folder of the `kona-registry` package this build resolved: found from the lock file in
/// cargo's registry sources (no nested cargo, which can race the outer build), else from
/// `cargo metadata` (vendored or otherwise relocated sources).
fn kona_registry_dir() -> PathBuf {
    from_registry_sources().unwrap_or_else(from_cargo_metadata)
}

/// `$CARGO_HOME/registry/src/<index>/kona-registry-<locked version>`, if it exists.
fn from_registry_sources() -> Option<PathBuf> {
    let workspace = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR")?).join("..");
    let lock = fs::read_to_string(workspace.join("Cargo.lock")).ok()?;
    println!("cargo::rerun-if-changed={}", workspace.join("Cargo.lock").display());
    let mut lines = lock.lines();
    lines.find(|l| *l == r#"name = "kona-registry""#)?;
    let version = lines.next()?.strip_prefix("version = \"")?.strip_suffix('"')?.to_owned();
    let home = env::var_os("CARGO_HOME").map(PathBuf::from).or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    fs::read_dir(home.join("registry/src"))
        .ok()?
        .flatten()
        .map(|index| index.path().join(format!("kona-registry-{version}")))
        .find(|dir| dir.join(ALLOC).exists())
}

fn from_cargo_metadata() -> PathBuf {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("Cargo.toml");
    // Only this target's dependencies: cargo has fetched exactly those, so --offline holds
    // (the full graph names crates for other platforms that were never downloaded).
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--filter-platform", &target, "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let package = metadata["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["name"] == "kona-registry"))
        .expect("kona-registry is a dependency");
    let manifest_path = package["manifest_path"].as_str().expect("a manifest path");
    PathBuf::from(manifest_path).parent().expect("a folder").to_path_buf()
}
