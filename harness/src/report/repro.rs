//! One-line commands that rerun what failed, with the nextest profile of the run's mode.

use crate::{forks::Feature, spec::Mode};

/// Reruns one test.
pub fn for_test(mode: Mode, test: &str) -> String {
    command(mode, &format!("test(={test})"))
}

/// Reruns the tests behind `features`: each feature's own module by regex, plus by name the
/// tests that prove it from elsewhere (`boundary::`, `combined::`). `None` with no tests.
pub fn for_features(mode: Mode, features: &[(&Feature, &[String])]) -> Option<String> {
    let filters: Vec<String> = features.iter().flat_map(|(feature, tests)| filters(feature, tests)).collect();
    (!filters.is_empty()).then(|| command(mode, &filters.join(" | ")))
}

fn filters(feature: &Feature, tests: &[String]) -> Vec<String> {
    let module = format!("{}::", feature.suite_path());
    let (own, elsewhere): (Vec<&String>, Vec<&String>) = tests.iter().partition(|t| t.starts_with(&module));
    let own = (!own.is_empty()).then(|| format!("test(/^{module}/)"));
    own.into_iter().chain(elsewhere.into_iter().map(|t| format!("test(={t})"))).collect()
}

fn command(mode: Mode, filter: &str) -> String {
    format!("cargo nextest run --profile {} -E '{filter}'", mode.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forks::feature;

    #[test]
    fn features_rerun_by_module_and_strays_by_name() {
        let eip7702 = feature("isthmus.eip7702").unwrap();
        let activation = feature("isthmus.activation").unwrap();
        let own = ["isthmus::eip7702::a".to_owned(), "isthmus::eip7702::b".to_owned()];
        let stray = ["boundary::isthmus::first_block".to_owned()];
        assert_eq!(
            for_features(Mode::Betanet, &[(eip7702, &own), (activation, &stray)]).unwrap(),
            "cargo nextest run --profile betanet -E 'test(/^isthmus::eip7702::/) | test(=boundary::isthmus::first_block)'"
        );
        assert_eq!(for_features(Mode::Alphanet, &[(eip7702, &[])]), None);
        assert_eq!(for_test(Mode::Alphanet, "a::b"), "cargo nextest run --profile alphanet -E 'test(=a::b)'");
    }
}
