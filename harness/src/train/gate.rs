//! The Testnet gate: only a Betanet that concluded without incident, with every feature of its
//! set stable and every audit complete, moves on. Each condition is a check that lists what is
//! missing, so a red gate says exactly what to do.

use serde::Serialize;

use super::status::{Side, TrainStatus};
use crate::{
    history::{RunRecord, TestOutcome},
    spec::NetworkSpec,
    verdict::{RunOutcome, Stability, feature_outcome},
};

/// One condition of the gate.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub label: String,
    pub missing: Vec<String>,
}

impl Check {
    pub fn passed(&self) -> bool {
        self.missing.is_empty()
    }
}

/// The gate's answer.
#[derive(Clone, Debug, Serialize)]
pub struct Gate {
    pub title: String,
    pub checks: Vec<Check>,
    /// What the process asks for once the gate is open.
    pub checklist: Vec<String>,
}

impl Gate {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(Check::passed)
    }

    /// The gate as a person reads it in a terminal or a job summary.
    pub fn to_text(&self) -> String {
        let verdict = if self.passed() { "OPEN: the Betanet may move on to Testnet" } else { "CLOSED: the Betanet may not move on yet" };
        let mut text = format!("Testnet gate for {}: {verdict}\n", self.title);
        for check in &self.checks {
            text.push_str(&format!("  [{}] {}\n", if check.passed() { "x" } else { " " }, check.label));
            for missing in &check.missing {
                text.push_str(&format!("        missing: {missing}\n"));
            }
        }
        text.push_str("\nTestnet checklist:\n");
        for (i, step) in self.checklist.iter().enumerate() {
            text.push_str(&format!("  {}. {step}\n", i + 1));
        }
        text
    }
}

/// Judges the gate from the train's status, the current deployment's runs and the Betanet spec
/// on disk (`None` when it cannot be loaded).
pub fn testnet(status: &TrainStatus, betanet_runs: &[RunRecord], spec_on_disk: Option<&NetworkSpec>) -> Gate {
    let set: Vec<_> = status.features.iter().filter(|f| f.in_set).collect();
    let assembled = match (&status.betanet, spec_on_disk) {
        (None, _) => vec!["no Betanet was assembled: `harness train betanet`".to_owned()],
        (Some(side), None) => vec![format!("the spec of `{}` cannot be loaded: `harness train betanet` rewrites it", side.spec_name)],
        (Some(side), Some(spec)) if spec.name != side.spec_name => {
            vec![format!("{} is `{}`, not the current deployment `{}`: `harness train betanet` rewrites it", spec.path.display(), spec.name, side.spec_name)]
        }
        _ => Vec::new(),
    };
    let unstable = set
        .iter()
        .filter_map(|f| match &f.betanet {
            Some(v) if v.stability == Stability::Stable => None,
            Some(v) => Some(format!("{}: {} ({})", f.id, v.stability.label(), v.reasons.join("; "))),
            None => Some(format!("{}: not judged on the Betanet", f.id)),
        })
        .collect();
    let audits = set.iter().filter(|f| !f.audit.clears()).map(|f| format!("{}: audit {}", f.id, f.audit.name())).collect();
    let ids: Vec<&str> = set.iter().map(|f| f.id).collect();
    Gate {
        title: status.title(),
        checks: vec![
            Check { label: "a Betanet was assembled and its spec is the current deployment's".into(), missing: assembled },
            Check { label: format!("every feature in the set is STABLE on the Betanet ({} in the set)", set.len()), missing: unstable },
            Check { label: "no audit is pending or failed".into(), missing: audits },
            Check { label: format!("no INFRA-judged incident in the Betanet's {} judged runs", betanet_runs.len()), missing: incidents(betanet_runs, &ids) },
        ],
        checklist: checklist(status, status.betanet.as_ref(), &ids),
    }
}

/// Runs where the network failed: a check of the network itself, or a feature's test through
/// the network.
fn incidents(runs: &[RunRecord], set: &[&str]) -> Vec<String> {
    runs.iter()
        .filter_map(|run| {
            let checks: Vec<&str> = run.tests.iter().filter(|t| t.features.is_empty() && t.outcome == TestOutcome::Infra).map(|t| t.name.as_str()).collect();
            let features: Vec<&str> = set.iter().copied().filter(|id| feature_outcome(run, id) == RunOutcome::Infra).collect();
            let what = [(checks, "network checks failed"), (features, "features failed through the network")]
                .into_iter()
                .filter(|(names, _)| !names.is_empty())
                .map(|(names, label)| format!("{label}: {}", names.join(", ")))
                .collect::<Vec<_>>();
            (!what.is_empty()).then(|| format!("run {}: {}", run.run_id, what.join("; ")))
        })
        .collect()
}

fn checklist(status: &TrainStatus, betanet: Option<&Side>, set: &[&str]) -> Vec<String> {
    let upgrade = status.upgrade_number.map_or_else(|| "the upgrade".to_owned(), |n| format!("upgrade {n}"));
    let spec = betanet.map_or_else(|| "the Betanet".to_owned(), |b| format!("`{}`", b.spec_name));
    vec![
        format!("Cut the release 2–3 weeks before the Testnet activation, from the commits {spec} ran ({} judged runs).", betanet.map_or(0, |b| b.runs.len())),
        format!("Open the governance proposal for {upgrade} in parallel with the release, not after it."),
        format!("Activate on Testnet exactly the set that passed: {}.", if set.is_empty() { "none".to_owned() } else { set.join(", ") }),
        "Keep the Betanet's reports (train status, report.html, verdict.json) with the release notes.".into(),
    ]
}
