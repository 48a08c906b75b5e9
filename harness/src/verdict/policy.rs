//! The stability policy applied to one feature's history.
//!
//! Only conclusive runs count (the feature's tests ran and the network held up). The verdict,
//! first match wins:
//! - `INFRA`: the latest run that tested the feature failed through the network;
//! - `INSUFFICIENT_DATA`: fewer than `min_runs` runs, or no failure yet too few green runs for
//!   the streak or the pass-rate bound;
//! - `UNSTABLE`: the newest `consecutive_passes` runs are not all green, or the Wilson lower
//!   bound of the pass rate is below `min_pass_rate`;
//! - `FLAKY`: more than `max_flake_rate` of the runs passed only on a retry;
//! - `STABLE`: every condition holds.

use serde::Serialize;

use super::{RunOutcome, Stability, stats::wilson};
use crate::spec::StabilityPolicy;

/// The numbers a feature's verdict rests on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// Conclusive runs: the feature's tests ran and the network held up.
    pub runs: usize,
    /// Conclusive runs whose tests all passed, on the first try or a retry.
    pub passes: usize,
    /// Of those, the runs where some test passed only on a retry.
    pub flaky: usize,
    pub failures: usize,
    /// Runs where the network failed under the feature's tests; not counted above.
    pub infra: usize,
    /// Green conclusive runs since the newest failure.
    pub streak: usize,
    pub pass_rate: f64,
    pub pass_rate_lower_bound: f64,
    pub pass_rate_upper_bound: f64,
    pub flake_rate: f64,
    /// The run of the newest failure.
    pub last_failure: Option<String>,
}

/// A verdict with its reasons.
pub struct Judgement {
    pub stability: Stability,
    pub reasons: Vec<String>,
    pub stats: Stats,
}

#[derive(Clone, Copy, PartialEq)]
enum Check {
    Runs,
    Streak,
    PassRate,
    FlakeRate,
}

/// Judges one feature's `(run id, outcome)` history, oldest first.
pub fn judge(history: &[(&str, RunOutcome)], policy: &StabilityPolicy) -> Judgement {
    let stats = Stats::of(history, policy.confidence);
    let latest = history.iter().rev().find(|(_, o)| *o != RunOutcome::Absent);
    if let Some((run, RunOutcome::Infra)) = latest {
        let reason = format!("the network failed under its tests in the latest run, {run}; rerun once it holds up");
        return Judgement { stability: Stability::Infra, reasons: vec![reason], stats };
    }
    let unmet = unmet(&stats, policy);
    let has = |check| unmet.iter().any(|(c, _)| *c == check);
    let failure_driven = has(Check::Streak) || has(Check::PassRate);
    let stability = if has(Check::Runs) || (failure_driven && stats.failures == 0) {
        Stability::InsufficientData
    } else if failure_driven {
        Stability::Unstable
    } else if has(Check::FlakeRate) {
        Stability::Flaky
    } else {
        Stability::Stable
    };
    let reasons = if unmet.is_empty() { vec![all_met(&stats, policy)] } else { unmet.into_iter().map(|(_, r)| r).collect() };
    Judgement { stability, reasons, stats }
}

impl Stats {
    fn of(history: &[(&str, RunOutcome)], confidence: f64) -> Self {
        let conclusive: Vec<_> = history.iter().filter(|(_, o)| o.is_conclusive()).collect();
        let count = |outcome| conclusive.iter().filter(|(_, o)| *o == outcome).count();
        let runs = conclusive.len();
        let passes = conclusive.iter().filter(|(_, o)| o.is_green()).count();
        let (lower, upper) = wilson(passes, runs, confidence);
        Self {
            runs,
            passes,
            flaky: count(RunOutcome::Flaky),
            failures: count(RunOutcome::Fail),
            infra: history.iter().filter(|(_, o)| *o == RunOutcome::Infra).count(),
            streak: conclusive.iter().rev().take_while(|(_, o)| o.is_green()).count(),
            pass_rate: ratio(passes, runs),
            pass_rate_lower_bound: lower,
            pass_rate_upper_bound: upper,
            flake_rate: ratio(count(RunOutcome::Flaky), runs),
            last_failure: conclusive.iter().rev().find(|(_, o)| *o == RunOutcome::Fail).map(|(run, _)| (*run).to_owned()),
        }
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

fn unmet(stats: &Stats, policy: &StabilityPolicy) -> Vec<(Check, String)> {
    let mut unmet = Vec::new();
    if stats.runs < policy.min_runs as usize {
        unmet.push((Check::Runs, format!("{} of the {} needed", count(stats.runs, "run"), policy.min_runs)));
    }
    if stats.streak < policy.consecutive_passes as usize {
        let since = stats.last_failure.as_ref().map(|run| format!(" since the failure in {run}")).unwrap_or_default();
        unmet.push((Check::Streak, format!("a green streak of {}{since}, {} needed", count(stats.streak, "run"), policy.consecutive_passes)));
    }
    if stats.pass_rate_lower_bound < policy.min_pass_rate {
        unmet.push((Check::PassRate, pass_rate_shortfall(stats, policy)));
    }
    if stats.flake_rate > policy.max_flake_rate {
        let (rate, max) = (percent(stats.flake_rate), percent(policy.max_flake_rate));
        unmet.push((Check::FlakeRate, format!("{} of {} passed only on a retry ({rate} > {max})", stats.flaky, count(stats.runs, "run"))));
    }
    unmet
}

fn pass_rate_shortfall(stats: &Stats, policy: &StabilityPolicy) -> String {
    let text = format!(
        "pass rate {}/{}: lower bound {:.2} at {} confidence is below {:.2}",
        stats.passes,
        stats.runs,
        stats.pass_rate_lower_bound,
        percent(policy.confidence),
        policy.min_pass_rate
    );
    if stats.failures > 0 {
        return text;
    }
    match green_runs_needed(stats.runs, policy) {
        Some(more) => format!("{text}; it takes {}", count(more, "more green run")),
        None => format!("{text}; no number of runs reaches it, lower min_pass_rate"),
    }
}

/// How many more green runs lift a spotless record's lower bound to `min_pass_rate`.
fn green_runs_needed(runs: usize, policy: &StabilityPolicy) -> Option<usize> {
    (1..=10_000).find(|more| wilson(runs + more, runs + more, policy.confidence).0 >= policy.min_pass_rate)
}

fn all_met(stats: &Stats, policy: &StabilityPolicy) -> String {
    format!(
        "{}, the last {} green; pass-rate lower bound {:.2} >= {:.2}; flake rate {} <= {}",
        count(stats.runs, "run"),
        stats.streak,
        stats.pass_rate_lower_bound,
        policy.min_pass_rate,
        percent(stats.flake_rate),
        percent(policy.max_flake_rate)
    )
}

/// `1 run`, `3 runs`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

fn percent(rate: f64) -> String {
    format!("{:.0}%", rate * 100.0)
}
