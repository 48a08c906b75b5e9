//! Where every candidate stands on the release flowchart, from the train file and the run
//! history: its stage, its latest verdict and evidence on each network, what blocks it and the
//! next step. It answers the question asked every time a train leaves: which features ship.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use super::{Audit, Candidate, Removal, Train};
use crate::{
    forks::{Fork, Layer},
    history::RunRecord,
    report::RunSummary,
    spec::{Mode, StabilityPolicy},
    verdict::{self, FeatureVerdict, Recommendation, Stability},
};

/// Version of the train status JSON layout.
pub const STATUS_SCHEMA_VERSION: u32 = 1;

/// A feature's place on the flowchart, in the order features move through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    AlphanetScoping,
    AlphanetDeployment,
    AlphanetAcceptance,
    BetanetScoping,
    BetanetDeployment,
    BetanetAudit,
    BetanetAcceptance,
    ReadyForTestnet,
    Removed,
}

impl Stage {
    pub const fn label(self) -> &'static str {
        match self {
            Self::AlphanetScoping => "Alphanet scoping",
            Self::AlphanetDeployment => "Alphanet deployment",
            Self::AlphanetAcceptance => "Alphanet acceptance",
            Self::BetanetScoping => "Betanet scoping",
            Self::BetanetDeployment => "Betanet deployment",
            Self::BetanetAudit => "Betanet audit",
            Self::BetanetAcceptance => "Betanet acceptance",
            Self::ReadyForTestnet => "Ready for Testnet",
            Self::Removed => "Removed",
        }
    }
}

/// What this train does with the feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Stable on the Betanet, audits complete.
    ToTestnet,
    /// Stable on the Alphanet, not yet in the Betanet set.
    ToBetanet,
    /// Still proving itself where it is.
    Holds,
    /// Failed where it is, or its audit asks for a fix: back to the team.
    GoesBack,
    Removed,
}

impl Decision {
    pub const ALL: [Self; 5] = [Self::ToTestnet, Self::ToBetanet, Self::Holds, Self::GoesBack, Self::Removed];

    pub const fn label(self) -> &'static str {
        match self {
            Self::ToTestnet => "Moves on to Testnet",
            Self::ToBetanet => "Moves on to the Betanet",
            Self::Holds => "Still running",
            Self::GoesBack => "Goes back",
            Self::Removed => "Removed",
        }
    }
}

/// One candidate's row.
#[derive(Clone, Debug, Serialize)]
pub struct FeatureStatus {
    pub id: &'static str,
    pub fork: Fork,
    pub layer: Layer,
    pub description: &'static str,
    pub stage: Stage,
    pub decision: Decision,
    pub code_complete: bool,
    pub audit: Audit,
    pub in_set: bool,
    pub removed: Option<Removal>,
    /// Its verdict over the Alphanet's history.
    pub alphanet: FeatureVerdict,
    /// Its verdict over the current Betanet deployment's history, when it is in the set.
    pub betanet: Option<FeatureVerdict>,
    pub blockers: Vec<String>,
    pub next_step: String,
}

/// One network of the train as the history saw it.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    pub spec_name: String,
    /// The command that adds runs to it.
    pub run_command: String,
    /// Its judged runs, oldest first.
    pub runs: Vec<RunSummary>,
    /// Features by verdict label.
    pub counts: BTreeMap<&'static str, usize>,
    pub policy: StabilityPolicy,
}

/// The train at a glance: the JSON of `harness train status`, and what its pages render.
#[derive(Clone, Debug, Serialize)]
pub struct TrainStatus {
    pub schema_version: u32,
    pub harness_version: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    pub train_file: String,
    pub upgrade_number: Option<u32>,
    pub hardfork_name: Option<String>,
    pub deployment: u32,
    pub alphanet: Side,
    /// The current Betanet deployment, once one was assembled.
    pub betanet: Option<Side>,
    /// Feature ids by decision.
    pub decision: BTreeMap<Decision, Vec<&'static str>>,
    pub features: Vec<FeatureStatus>,
}

/// The runs the status is judged from.
pub struct Evidence<'a> {
    /// The Alphanet's runs, oldest first.
    pub alphanet: &'a [RunRecord],
    /// The current Betanet deployment's runs and policy.
    pub betanet: &'a [RunRecord],
    pub betanet_policy: &'a StabilityPolicy,
}

impl TrainStatus {
    pub fn new(train: &Train, evidence: &Evidence<'_>, generated_at: OffsetDateTime) -> Self {
        let scope: Vec<_> = train.candidates.iter().map(|c| c.feature).collect();
        let alpha = verdict::judge(Mode::Alphanet, evidence.alphanet, &scope, &train.alphanet.stability);
        let set: Vec<_> = train.set().iter().map(|c| c.feature).collect();
        let beta = train.betanet.current_name().map(|_| verdict::judge(Mode::Betanet, evidence.betanet, &set, evidence.betanet_policy));
        let commands = Commands::of(train);
        let features: Vec<FeatureStatus> = train
            .candidates
            .iter()
            .zip(alpha.features)
            .map(|(candidate, alphanet)| {
                let betanet = beta.as_ref().and_then(|b| b.features.iter().find(|f| f.id == candidate.feature.id).cloned());
                place(candidate, alphanet, betanet, train, &commands)
            })
            .collect();
        let mut decision: BTreeMap<Decision, Vec<&'static str>> = Decision::ALL.into_iter().map(|d| (d, Vec::new())).collect();
        for feature in &features {
            decision.entry(feature.decision).or_default().push(feature.id);
        }
        let alphanet = side(&train.alphanet.name, commands.alphanet.clone(), evidence.alphanet, features.iter().map(|f| &f.alphanet), &train.alphanet.stability);
        let betanet = train.betanet.current_name().map(|name| {
            side(&name, commands.betanet.clone(), evidence.betanet, features.iter().filter_map(|f| f.betanet.as_ref()), evidence.betanet_policy)
        });
        Self {
            schema_version: STATUS_SCHEMA_VERSION,
            harness_version: env!("CARGO_PKG_VERSION"),
            generated_at,
            train_file: train.path.display().to_string(),
            upgrade_number: train.betanet.upgrade_number,
            hardfork_name: train.betanet.hardfork_name.clone(),
            deployment: train.betanet.deployment,
            alphanet,
            betanet,
            decision,
            features,
        }
    }

    /// Ids with `decision`.
    pub fn ids(&self, decision: Decision) -> &[&'static str] {
        self.decision.get(&decision).map_or(&[], Vec::as_slice)
    }

    /// `Upgrade 21 (Mudstone), Betanet deployment 2` or `No Betanet yet`.
    pub fn title(&self) -> String {
        let upgrade = self.upgrade_number.map(|n| format!("Upgrade {n}")).unwrap_or_else(|| "Next upgrade (no number yet)".into());
        let name = self.hardfork_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        let betanet = if self.betanet.is_some() { format!(", Betanet deployment {}", self.deployment) } else { ", no Betanet yet".into() };
        format!("{upgrade}{name}{betanet}")
    }
}

fn side<'a>(
    spec_name: &str,
    run_command: String,
    runs: &[RunRecord],
    verdicts: impl Iterator<Item = &'a FeatureVerdict>,
    policy: &StabilityPolicy,
) -> Side {
    Side {
        spec_name: spec_name.to_owned(),
        run_command,
        runs: runs.iter().map(RunSummary::of).collect(),
        counts: verdict::tally(verdicts.map(|v| v.stability)),
        policy: policy.clone(),
    }
}

/// The commands the next steps name.
struct Commands {
    alphanet: String,
    betanet: String,
}

impl Commands {
    fn of(train: &Train) -> Self {
        Self {
            alphanet: format!("harness run {} --runs {}", train.alphanet.path.display(), train.alphanet.stability.min_runs),
            betanet: format!("harness run {} --runs {}", train.betanet.spec.display(), train.alphanet.stability.min_runs),
        }
    }
}

fn place(candidate: &Candidate, alphanet: FeatureVerdict, betanet: Option<FeatureVerdict>, train: &Train, commands: &Commands) -> FeatureStatus {
    let feature = candidate.feature;
    let in_set = train.betanet.features.iter().any(|id| id == feature.id);
    let (stage, decision, blockers, next_step) = match (&candidate.removed, &betanet) {
        (Some(removal), _) => (Stage::Removed, Decision::Removed, vec![format!("removed on {}: {}", removal.date, removal.reason)], "none in this train".to_owned()),
        (None, Some(beta)) => on_betanet(candidate, beta, commands),
        (None, None) => on_alphanet(candidate, &alphanet, train, commands),
    };
    FeatureStatus {
        id: feature.id,
        fork: feature.fork,
        layer: feature.layer,
        description: feature.description,
        stage,
        decision,
        code_complete: candidate.code_complete,
        audit: candidate.audit,
        in_set,
        removed: candidate.removed.clone(),
        alphanet,
        betanet,
        blockers,
        next_step,
    }
}

type Placement = (Stage, Decision, Vec<String>, String);

/// Placement of a feature outside the set (a set member always has a Betanet verdict).
fn on_alphanet(candidate: &Candidate, verdict: &FeatureVerdict, train: &Train, commands: &Commands) -> Placement {
    let feature = candidate.feature;
    if !candidate.code_complete {
        return (Stage::AlphanetScoping, Decision::Holds, vec!["not code-complete".into()], "finish it, then set `code_complete = true` in the train file".into());
    }
    if train.alphanet.schedule().offset(feature.fork).is_none() {
        let blocker = format!("its fork {} is not on the Alphanet", feature.fork);
        return (Stage::AlphanetScoping, Decision::Holds, vec![blocker], format!("schedule {} at genesis in {}", feature.fork, train.alphanet.path.display()));
    }
    if verdict.stats.runs == 0 && verdict.stats.infra == 0 {
        // With runs of the network but none of the feature, the verdict says why (no test).
        let blockers = if verdict.outcomes.is_empty() { vec!["no run on the Alphanet yet".to_owned()] } else { verdict.reasons.clone() };
        return (Stage::AlphanetDeployment, Decision::Holds, blockers, format!("`{}`", commands.alphanet));
    }
    match verdict.stability {
        Stability::Stable => (Stage::BetanetScoping, Decision::ToBetanet, Vec::new(), "`harness train betanet` puts it in the Betanet set".into()),
        Stability::Unstable => (Stage::AlphanetScoping, Decision::GoesBack, verdict.reasons.clone(), "back to scoping: fix what failed (the Alphanet's report.html), then rerun".into()),
        _ => (Stage::AlphanetAcceptance, Decision::Holds, verdict.reasons.clone(), format!("keep running it: `{}`", commands.alphanet)),
    }
}

fn on_betanet(candidate: &Candidate, verdict: &FeatureVerdict, commands: &Commands) -> Placement {
    let id = candidate.feature.id;
    let audit = match candidate.audit {
        Audit::Pending => Some((Decision::Holds, "audit pending", "finish the audit, then record `audit = \"passed\"`".to_owned())),
        Audit::NeedsFix => Some((Decision::GoesBack, "the audit asked for a fix", "fix it, re-audit, and redeploy the Betanet (`harness train betanet --redeploy`)".to_owned())),
        Audit::HighRisk => Some((Decision::GoesBack, "the audit found a high risk", format!("`harness train remove {id} --reason \"…\"` takes it out and redeploys the Betanet"))),
        Audit::NotNeeded | Audit::Passed => None,
    };
    if verdict.stats.runs == 0 && verdict.stats.infra == 0 {
        let mut blockers = if verdict.outcomes.is_empty() { vec!["no run on this Betanet deployment yet".to_owned()] } else { verdict.reasons.clone() };
        blockers.extend(audit.as_ref().map(|(_, why, _)| (*why).to_owned()));
        return (Stage::BetanetDeployment, Decision::Holds, blockers, format!("`{}`", commands.betanet));
    }
    let unstable = verdict.stability != Stability::Stable;
    let mut blockers: Vec<String> = audit.as_ref().map(|(_, why, _)| (*why).to_owned()).into_iter().collect();
    if unstable {
        blockers.extend(verdict.reasons.iter().cloned());
    }
    if let Some((decision, _, step)) = audit {
        return (Stage::BetanetAudit, decision, blockers, step);
    }
    match verdict.stability {
        Stability::Stable => (Stage::ReadyForTestnet, Decision::ToTestnet, blockers, "`harness train gate testnet`, then cut the release".into()),
        Stability::Unstable if verdict.recommendation == Recommendation::Remove => {
            (Stage::BetanetAcceptance, Decision::GoesBack, blockers, format!("`harness train remove {id} --reason \"…\"`, then back to scoping"))
        }
        Stability::Unstable => (Stage::BetanetAcceptance, Decision::GoesBack, blockers, "fix what failed, then redeploy the Betanet (`harness train betanet --redeploy`)".into()),
        _ => (Stage::BetanetAcceptance, Decision::Holds, blockers, format!("keep running it: `{}`", commands.betanet)),
    }
}
