//! Which feature a test is evidence for, by where it lives in the suites.
//!
//! The rule, first match wins:
//! 1. under `infra::` or `harness::`: a check of the network or the harness itself;
//! 2. claimed by catalog features ([`Feature::claims`]: `<fork>::<feature>::` anywhere in the
//!    path, so `combined::isthmus::eip7702::x` counts for `isthmus.eip7702`), all of them;
//! 3. under `boundary::<fork>::` or `combined::<fork>::`: that fork's `<fork>.activation`.
//!
//! Anything else is an error, so a misplaced test never silently stops counting.

use std::{fmt::Write, path::PathBuf};

use crate::forks::{FEATURES, Feature, feature};

/// What a test is evidence for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    Features(Vec<&'static Feature>),
    /// A check of the network or harness: its failure is no feature's fault.
    Infrastructure,
}

/// Top-level suite modules that hold checks of the network or the harness itself.
const INFRASTRUCTURE_MODULES: [&str; 2] = ["infra", "harness"];

/// Top-level suite modules whose `<fork>::` tests prove that fork's activation.
const ACTIVATION_MODULES: [&str; 2] = ["boundary", "combined"];

/// Who `test` (`isthmus::eip7702::x`, optionally prefixed `binary$`) is evidence for, if anyone.
pub fn claim(test: &str) -> Option<Claim> {
    let path = test.rsplit_once('$').map_or(test, |(_, path)| path);
    let segments: Vec<&str> = path.split("::").collect();
    if INFRASTRUCTURE_MODULES.contains(&segments[0]) {
        return Some(Claim::Infrastructure);
    }
    let claimed: Vec<_> = FEATURES.iter().filter(|f| f.claims(path)).collect();
    if !claimed.is_empty() {
        return Some(Claim::Features(claimed));
    }
    match segments.as_slice() {
        [module, fork, _, ..] if ACTIVATION_MODULES.contains(module) => {
            feature(&format!("{fork}.activation")).map(|f| Claim::Features(vec![f]))
        }
        _ => None,
    }
}

/// Tests that no feature claims, by the JUnit file that reported them.
#[derive(Debug, thiserror::Error)]
#[error("{}", describe(.tests))]
pub struct UnclaimedTests {
    pub tests: Vec<(PathBuf, String)>,
}

fn describe(tests: &[(PathBuf, String)]) -> String {
    let mut text = format!("{} test(s) belong to no feature in the catalog:", tests.len());
    for (file, test) in tests {
        let _ = write!(text, "\n  {}: {test}", file.display());
    }
    text.push_str(
        "\n  fix: move each test under its feature's module `<fork>::<feature>::` (`harness features` lists them), \
         under `boundary::<fork>::` or `combined::<fork>::` for a fork's activation, \
         or under `infra::` for checks of the network itself",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(test: &str) -> Option<Vec<&'static str>> {
        match claim(test)? {
            Claim::Features(features) => Some(features.iter().map(|f| f.id).collect()),
            Claim::Infrastructure => Some(vec!["<infra>"]),
        }
    }

    #[test]
    fn tests_map_to_features_by_module_path() {
        assert_eq!(ids("isthmus::eip7702::delegated_call"), Some(vec!["isthmus.eip7702"]));
        assert_eq!(ids("op-suites::betanet$fjord::p256verify::valid"), Some(vec!["fjord.p256verify"]));
        assert_eq!(ids("combined::isthmus::eip7702::with_operator_fee"), Some(vec!["isthmus.eip7702"]));
        assert_eq!(
            ids("combined::isthmus::eip7702::isthmus::operator_fee::both"),
            Some(vec!["isthmus.eip7702", "isthmus.operator_fee"])
        );
    }

    #[test]
    fn boundary_tests_prove_their_forks_activation() {
        assert_eq!(ids("boundary::isthmus::first_block_runs_upgrade_txs"), Some(vec!["isthmus.activation"]));
        assert_eq!(ids("boundary::canyon::first_block"), None, "canyon has no activation feature");
    }

    #[test]
    fn infrastructure_checks_and_strays() {
        assert_eq!(ids("infra::network_starts"), Some(vec!["<infra>"]));
        assert_eq!(ids("harness::rpc::client_retries"), Some(vec!["<infra>"]));
        assert_eq!(ids("isthmus::eip7702x::delegated_call"), None);
        assert_eq!(ids("smoke_test"), None);
    }
}
