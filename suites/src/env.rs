//! How a test learns which network to use: nextest's profile and run id, and the variables a
//! setup script or a user sets to point the suites at a running network.

use harness::spec::Mode;

/// L2 JSON-RPC URL of a running network; when set, tests use it instead of starting their own.
pub const L2_RPC: &str = "HARNESS_L2_RPC";
/// L1 JSON-RPC URL of that network.
pub const L1_RPC: &str = "HARNESS_L1_RPC";
/// Private key (hex) of a funded account on that network; defaults to the standard dev keys.
pub const FAUCET_KEY: &str = "HARNESS_FAUCET_KEY";
/// Path of the spec of that network (for its bundles and name).
pub const SPEC: &str = "HARNESS_SPEC";
/// `alphanet` or `betanet`; overrides what the nextest profile implies.
pub const MODE: &str = "HARNESS_MODE";

/// The mode tests run in: `HARNESS_MODE`, else the nextest profile's name, else Betanet (the
/// stricter mode: it also checks every feature is absent before its fork).
pub fn mode() -> Mode {
    let named = std::env::var(MODE).or_else(|_| std::env::var("NEXTEST_PROFILE")).unwrap_or_default();
    if named == "alphanet" { Mode::Alphanet } else { Mode::Betanet }
}

/// A value unique to this run, test binary and test, so that tests sharing a network never
/// share accounts (the acceptance and combined binaries hold tests of the same name).
pub fn salt() -> String {
    let run = std::env::var("NEXTEST_RUN_ID").unwrap_or_else(|_| std::process::id().to_string());
    let binary = std::env::current_exe().ok().and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned())).unwrap_or_default();
    let test = std::thread::current().name().unwrap_or("main").to_owned();
    format!("{run}/{binary}/{test}")
}

/// The URL of a network the environment names, if any.
pub fn external_l2() -> Option<String> {
    std::env::var(L2_RPC).ok().filter(|v| !v.is_empty())
}
