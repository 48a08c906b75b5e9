//! Stability verdicts from crafted JUnit runs and histories: one test per verdict and the
//! situations the release process asks about.

mod verdict_support;

use harness::{
    history::TestOutcome,
    spec::{Mode, StabilityPolicy},
    verdict::{FeatureVerdict, NetworkVerdict, Recommendation, RunOutcome, Stability, Status, judge},
};
use verdict_support::{nights, repeat, scope};

fn verdict(fixtures: &[&str], policy: &StabilityPolicy) -> NetworkVerdict {
    judge(Mode::Alphanet, &nights(fixtures), &scope(), policy)
}

fn of<'a>(verdict: &'a NetworkVerdict, id: &str) -> &'a FeatureVerdict {
    verdict.features.iter().find(|f| f.id == id).unwrap()
}

fn reasons(feature: &FeatureVerdict) -> String {
    feature.reasons.join("; ")
}

#[test]
fn ten_green_nights_are_stable_and_move_on() {
    let v = verdict(&repeat("green.xml", 10), &StabilityPolicy::default());
    for f in &v.features {
        assert_eq!(f.stability, Stability::Stable, "{}: {}", f.id, reasons(f));
        assert_eq!(f.recommendation, Recommendation::Advance);
    }
    assert_eq!(v.status(), Status::Stable);
    assert_eq!(v.next_stage, "Betanet");
    let eip7702 = of(&v, "isthmus.eip7702");
    assert_eq!(eip7702.tests, ["isthmus::eip7702::delegated_call", "isthmus::eip7702::set_code_authorization"]);
    assert_eq!(of(&v, "isthmus.activation").tests, ["boundary::isthmus::activation_block_runs_upgrade_txs"]);
    assert!(eip7702.stats.pass_rate_lower_bound > 0.72, "{:?}", eip7702.stats);
}

#[test]
fn too_few_runs_is_insufficient_data_even_when_green() {
    let v = verdict(&repeat("green.xml", 4), &StabilityPolicy::default());
    let f = of(&v, "isthmus.eip7702");
    assert_eq!(f.stability, Stability::InsufficientData);
    assert!(reasons(f).contains("4 runs of the 10 needed"), "{}", reasons(f));
    assert_eq!(f.recommendation, Recommendation::Hold);
    assert_eq!(v.status(), Status::NotStable);
}

#[test]
fn a_spotless_record_short_of_the_bound_says_how_many_runs_remain() {
    let policy = StabilityPolicy { min_runs: 3, consecutive_passes: 3, ..StabilityPolicy::default() };
    let f = of(&verdict(&repeat("green.xml", 3), &policy), "fjord.p256verify").clone();
    assert_eq!(f.stability, Stability::InsufficientData, "{}", reasons(&f));
    // 1 / (1 + z^2 / n) >= 0.7 first holds at n = 9.
    assert!(reasons(&f).contains("it takes 6 more green runs"), "{}", reasons(&f));
}

#[test]
fn one_red_night_in_a_green_streak_is_unstable() {
    let mut fixtures = repeat("green.xml", 9);
    fixtures.push("red.xml");
    fixtures.extend(repeat("green.xml", 2));
    let runs = nights(&fixtures);
    let v = judge(Mode::Alphanet, &runs, &scope(), &StabilityPolicy::default());
    let f = of(&v, "isthmus.eip7702");
    assert_eq!(f.stability, Stability::Unstable, "{}", reasons(f));
    let red_run = &runs[9].run_id;
    assert!(reasons(f).contains(&format!("a green streak of 2 runs since the failure in {red_run}, 5 needed")), "{}", reasons(f));
    assert_eq!(f.stats.last_failure.as_ref(), Some(red_run));
    assert_eq!(f.outcomes[9], RunOutcome::Fail);
    assert_eq!(f.recommendation, Recommendation::Rescope);
    assert_eq!(of(&v, "fjord.p256verify").stability, Stability::Stable, "only the red feature suffers");
    assert_eq!(v.status(), Status::NotStable);
}

#[test]
fn an_old_red_night_heals_once_streak_and_pass_rate_recover() {
    let mut fixtures = repeat("green.xml", 2);
    fixtures.push("red.xml");
    fixtures.extend(repeat("green.xml", 27));
    let f = of(&verdict(&fixtures, &StabilityPolicy::default()), "isthmus.eip7702").clone();
    assert_eq!(f.stability, Stability::Stable, "{}", reasons(&f));
    assert_eq!((f.stats.runs, f.stats.failures, f.stats.streak), (30, 1, 27));
}

#[test]
fn passing_only_on_retry_is_flaky() {
    let mut fixtures = repeat("green.xml", 8);
    fixtures.insert(2, "flaky.xml");
    fixtures.insert(6, "flaky.xml");
    let runs = nights(&fixtures);
    let retried = runs[2].tests.iter().find(|t| t.name == "isthmus::eip7702::set_code_authorization").unwrap();
    assert_eq!((retried.outcome, retried.attempts), (TestOutcome::Flaky, 2));

    let v = judge(Mode::Alphanet, &runs, &scope(), &StabilityPolicy::default());
    let f = of(&v, "isthmus.eip7702");
    assert_eq!(f.stability, Stability::Flaky, "{}", reasons(f));
    assert!(reasons(f).contains("2 of 10 runs passed only on a retry (20% > 2%)"), "{}", reasons(f));
    assert_eq!(f.recommendation, Recommendation::Hold);
    assert_eq!(of(&v, "fjord.p256verify").stability, Stability::Stable);
}

#[test]
fn a_single_run_can_be_judged_flaky_under_a_lenient_policy() {
    let lenient = StabilityPolicy { min_runs: 1, consecutive_passes: 1, min_pass_rate: 0.0, ..StabilityPolicy::default() };
    let v = verdict(&["flaky.xml"], &lenient);
    assert_eq!(of(&v, "isthmus.eip7702").stability, Stability::Flaky);
    assert_eq!(of(&v, "fjord.p256verify").stability, Stability::Stable);
}

#[test]
fn a_network_that_failed_to_start_is_infra_not_the_features_fault() {
    let mut fixtures = repeat("green.xml", 10);
    fixtures.push("infra.xml");
    let v = verdict(&fixtures, &StabilityPolicy::default());
    for f in &v.features {
        assert_eq!(f.stability, Stability::Infra, "{}: {}", f.id, reasons(f));
        assert_eq!((f.stats.runs, f.stats.infra, f.stats.failures), (10, 1, 0), "infra runs are not counted");
    }
    assert_eq!(v.infra_failures, ["infra::network_starts"]);
    assert_eq!(v.status(), Status::Infra);
}

#[test]
fn a_node_dying_under_a_test_blames_the_network() {
    let v = verdict(&["node-died.xml"], &StabilityPolicy::default());
    let f = of(&v, "isthmus.eip7702");
    assert_eq!(f.outcomes, [RunOutcome::Infra], "the refused connection follows the node's death");
    assert_eq!(f.stability, Stability::Infra);
    assert_eq!(v.infra_failures, ["infra::node_stays_alive"]);
}

#[test]
fn infra_nights_do_not_break_a_streak() {
    let fixtures = ["green.xml", "green.xml", "infra.xml", "green.xml", "green.xml", "green.xml", "green.xml", "green.xml", "green.xml", "green.xml", "green.xml", "green.xml"];
    let f = of(&verdict(&fixtures, &StabilityPolicy::default()), "isthmus.eip7702").clone();
    assert_eq!(f.stability, Stability::Stable, "{}", reasons(&f));
    assert_eq!((f.stats.runs, f.stats.streak, f.stats.infra), (11, 11, 1));
}

#[test]
fn a_feature_that_always_fails_should_be_removed() {
    let v = verdict(&repeat("red.xml", 10), &StabilityPolicy::default());
    let f = of(&v, "isthmus.eip7702");
    assert_eq!(f.stability, Stability::Unstable);
    assert_eq!(f.recommendation, Recommendation::Remove);
    assert!(reasons(f).contains("pass rate 0/10"), "{}", reasons(f));
}

#[test]
fn a_feature_in_scope_without_tests_lacks_data() {
    let mut scope = scope();
    scope.push(harness::forks::feature("isthmus.eip2935").unwrap());
    let v = judge(Mode::Alphanet, &nights(&repeat("green.xml", 12)), &scope, &StabilityPolicy::default());
    let f = of(&v, "isthmus.eip2935");
    assert_eq!(f.stability, Stability::InsufficientData);
    assert!(reasons(f).contains("add tests under `isthmus::eip2935::`"), "{}", reasons(f));
    assert_eq!(v.status(), Status::NotStable);
}
