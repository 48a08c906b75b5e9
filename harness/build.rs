//! Stages the official predeploy allocation for the genesis builder.
//!
//! The OP predeploys come from a real superchain genesis that the `kona-registry` crate ships
//! (Base mainnet: a Bedrock-era genesis whose predeploys are the deployed official contracts,
//! immutables applied). Nothing of it is committed here: cargo fetches the crate, and this script
//! finds its files through `cargo metadata` and copies the compressed allocation and its
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

/// The folder of the `kona-registry` package this build resolved.
fn kona_registry_dir() -> PathBuf {
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
