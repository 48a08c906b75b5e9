//! The train file (`networks/train.toml`): the next Alphanet's candidate features, where each
//! stands outside the run history (code-complete, audit), and the Betanet the harness assembled
//! from them. Format: `harness/docs/train.md`. Loading validates it completely, against the
//! catalog and the Alphanet spec, so nothing downstream meets a contradiction.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{
    Member,
    error::{At, Problem, TrainError, field_at, line_of},
    naming_rule,
};
use crate::{
    forks::{Feature, UpgradeBundle, feature},
    spec::{Mode, NetworkSpec},
};

/// The train file when no `--file` is given.
pub const DEFAULT_TRAIN_FILE: &str = "networks/train.toml";
/// Largest train file read.
const MAX_TRAIN_BYTES: u64 = 1 << 20;

/// Where a feature's security audit stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audit {
    /// The feature needs no audit.
    NotNeeded,
    Pending,
    Passed,
    /// The audit asked for a fix: the feature goes back to the team.
    NeedsFix,
    /// The audit found a high risk: the feature leaves the set.
    HighRisk,
}

impl Audit {
    pub const fn name(self) -> &'static str {
        match self {
            Self::NotNeeded => "not needed",
            Self::Pending => "pending",
            Self::Passed => "passed",
            Self::NeedsFix => "needs fix",
            Self::HighRisk => "high risk",
        }
    }

    /// Whether the audit lets the feature ship.
    pub const fn clears(self) -> bool {
        matches!(self, Self::NotNeeded | Self::Passed)
    }

    /// Whether the audit sent the feature back to its team.
    pub const fn sends_back(self) -> bool {
        matches!(self, Self::NeedsFix | Self::HighRisk)
    }
}

/// Why and when a feature left the train.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    pub reason: String,
    /// `YYYY-MM-DD`, the day `harness train remove` recorded it.
    pub date: String,
}

/// One candidate feature of the train.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub feature: &'static Feature,
    pub code_complete: bool,
    pub audit: Audit,
    /// The NUT bundle the feature owns, resolved against the train file's folder.
    pub bundle: Option<PathBuf>,
    pub removed: Option<Removal>,
}

impl Candidate {
    pub fn member(&self) -> Member<'static> {
        Member { id: self.feature.id, fork: self.feature.fork, layer: self.feature.layer, bundle: self.bundle.clone() }
    }
}

/// The Betanet the train assembled, and the numbers it carries.
#[derive(Clone, Debug)]
pub struct BetanetPlan {
    /// Where `harness train betanet` writes its spec.
    pub spec: PathBuf,
    pub upgrade_number: Option<u32>,
    pub hardfork_name: Option<String>,
    /// Bumped on every redeploy; 0 before the first. Names the spec, and so its history.
    pub deployment: u32,
    /// The set: feature ids now on the Betanet.
    pub features: Vec<String>,
}

impl BetanetPlan {
    /// The spec name of deployment `deployment` of upgrade `upgrade`: `betanet-21-d2`.
    pub fn spec_name(upgrade: u32, deployment: u32) -> String {
        format!("betanet-{upgrade}-d{deployment}")
    }

    /// The current deployment's spec name, once a set was assembled.
    pub fn current_name(&self) -> Option<String> {
        (self.deployment > 0).then_some(()).and(self.upgrade_number).map(|n| Self::spec_name(n, self.deployment))
    }
}

/// A validated train file.
#[derive(Clone, Debug)]
pub struct Train {
    pub path: PathBuf,
    /// The text it was read from, for edits that keep its comments.
    pub source: String,
    pub alphanet: NetworkSpec,
    pub betanet: BetanetPlan,
    pub candidates: Vec<Candidate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrain {
    alphanet: RawAlphanet,
    betanet: RawBetanet,
    #[serde(default, rename = "feature")]
    features: Vec<RawFeature>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlphanet {
    spec: Spanned<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBetanet {
    spec: Spanned<PathBuf>,
    upgrade_number: Option<Spanned<u32>>,
    hardfork_name: Option<Spanned<String>>,
    #[serde(default)]
    deployment: Option<Spanned<u32>>,
    #[serde(default)]
    features: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeature {
    id: Spanned<String>,
    code_complete: bool,
    audit: Audit,
    bundle: Option<Spanned<PathBuf>>,
    removed: Option<Spanned<Removal>>,
}

impl Train {
    /// Reads and validates a train file.
    pub fn load(path: &Path) -> Result<Self, TrainError> {
        let bytes = crate::fsx::read_bounded(path, MAX_TRAIN_BYTES)
            .map_err(|e| TrainError { file: path.to_path_buf(), line: None, field: "(file)".into(), problem: Box::new(Problem::Read(e)) })?;
        let source = String::from_utf8_lossy(&bytes).into_owned();
        Self::parse(path, &source)
    }

    /// Parses and validates train-file text; `path` names it and anchors its relative paths.
    pub fn parse(path: &Path, source: &str) -> Result<Self, TrainError> {
        let fail = |at: At, problem: Problem| TrainError {
            file: path.to_path_buf(),
            line: at.span.map(|s| line_of(source, s.start)),
            field: at.field,
            problem: Box::new(problem),
        };
        let raw: RawTrain = toml::from_str(source).map_err(|e| {
            let at = e.span().map_or_else(|| At::field("(document)"), |s| At::new(s.clone(), field_at(source, s.start)));
            fail(at, Problem::Syntax(e.message().to_owned()))
        })?;
        let folder = path.parent().unwrap_or(Path::new("."));
        Validator { folder }.train(path, source, raw).map_err(|(at, problem)| fail(at, problem))
    }

    /// The candidate for feature `id`.
    pub fn candidate(&self, id: &str) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.feature.id == id)
    }

    /// The Betanet set, in catalog order of the candidates.
    pub fn set(&self) -> Vec<&Candidate> {
        self.candidates.iter().filter(|c| self.betanet.features.iter().any(|id| id == c.feature.id)).collect()
    }
}

type Invalid = (At, Problem);

struct Validator<'a> {
    folder: &'a Path,
}

impl Validator<'_> {
    fn train(&self, path: &Path, source: &str, raw: RawTrain) -> Result<Train, Invalid> {
        let alphanet = self.alphanet(&raw.alphanet.spec)?;
        let candidates = raw.features.iter().enumerate().map(|(i, f)| self.candidate(i, f, &alphanet)).collect::<Result<Vec<_>, _>>()?;
        duplicates(raw.features.iter().enumerate().map(|(i, f)| (&f.id, format!("feature[{i}].id"))))?;
        let betanet = self.betanet(&raw.betanet, &alphanet, &candidates)?;
        Ok(Train { path: path.to_path_buf(), source: source.to_owned(), alphanet, betanet, candidates })
    }

    fn alphanet(&self, spec: &Spanned<PathBuf>) -> Result<NetworkSpec, Invalid> {
        let at = || At::new(spec.span(), "alphanet.spec");
        let loaded = NetworkSpec::load(self.folder.join(spec.get_ref())).map_err(|e| (at(), Problem::Alphanet(Box::new(e))))?;
        if loaded.mode != Mode::Alphanet {
            return Err((at(), Problem::NotAnAlphanet { path: loaded.path.display().to_string(), mode: loaded.mode.name() }));
        }
        Ok(loaded)
    }

    fn candidate(&self, index: usize, raw: &RawFeature, alphanet: &NetworkSpec) -> Result<Candidate, Invalid> {
        let id = raw.id.get_ref();
        let feature = feature(id).ok_or_else(|| (At::new(raw.id.span(), format!("feature[{index}].id")), Problem::UnknownFeature { id: id.clone() }))?;
        if let Some(removed) = &raw.removed
            && removed.get_ref().reason.trim().is_empty()
        {
            return Err((At::new(removed.span(), format!("feature[{index}].removed")), Problem::NoReason { id: id.clone() }));
        }
        let bundle = raw.bundle.as_ref().map(|b| self.bundle(index, feature, b, alphanet)).transpose()?;
        Ok(Candidate { feature, code_complete: raw.code_complete, audit: raw.audit, bundle, removed: raw.removed.as_ref().map(|r| r.get_ref().clone()) })
    }

    /// A feature's own bundle must load, and the Alphanet must apply it: the train only moves
    /// bundles between networks, it never brings in one that was not proven on the Alphanet.
    fn bundle(&self, index: usize, feature: &'static Feature, bundle: &Spanned<PathBuf>, alphanet: &NetworkSpec) -> Result<PathBuf, Invalid> {
        let at = || At::new(bundle.span(), format!("feature[{index}].bundle"));
        let path = self.folder.join(bundle.get_ref());
        let shown = bundle.get_ref().display().to_string();
        UpgradeBundle::from_nut_file(feature.fork, &path).map_err(|e| {
            (at(), Problem::Bundle { id: feature.id, path: shown.clone(), fork: feature.fork, reason: e.to_string() })
        })?;
        let applied = alphanet.bundles.iter().any(|b| b.fork == feature.fork && b.file.as_ref().is_some_and(|f| same_file(&alphanet.resolve_path(f), &path)));
        if !applied {
            return Err((at(), Problem::BundleNotOnAlphanet { id: feature.id, path: shown, alphanet: alphanet.path.display().to_string() }));
        }
        Ok(path)
    }

    fn betanet(&self, raw: &RawBetanet, alphanet: &NetworkSpec, candidates: &[Candidate]) -> Result<BetanetPlan, Invalid> {
        let spec = self.folder.join(raw.spec.get_ref());
        if !same_file(spec.parent().unwrap_or(Path::new(".")), alphanet.folder()) {
            let problem = Problem::SpecFolder { alphanet: alphanet.folder().display().to_string(), betanet: spec.display().to_string() };
            return Err((At::new(raw.spec.span(), "betanet.spec"), problem));
        }
        if let Some(name) = raw.hardfork_name.as_ref().filter(|n| n.get_ref().trim().is_empty()) {
            return Err((At::new(name.span(), "betanet.hardfork_name"), Problem::EmptyName));
        }
        let listed: Vec<&Spanned<String>> = raw.features.as_ref().map(|f| f.get_ref().iter().collect()).unwrap_or_default();
        duplicates(listed.iter().enumerate().map(|(i, id)| (*id, format!("betanet.features[{i}]"))))?;
        let members = listed.iter().enumerate().map(|(i, id)| set_member(i, id, candidates)).collect::<Result<Vec<_>, _>>()?;
        if let Some(features) = raw.features.as_ref().filter(|_| !members.is_empty()) {
            let at = || At::new(features.span(), "betanet.features");
            raw.upgrade_number.as_ref().ok_or_else(|| (at(), Problem::NoUpgradeNumber))?;
            raw.deployment.as_ref().filter(|d| *d.get_ref() > 0).ok_or_else(|| (at(), Problem::NoDeployment))?;
            let name = raw.hardfork_name.as_ref();
            naming_rule(&members, name.map(|n| n.get_ref().as_str()))
                .map_err(|p| (name.map_or_else(at, |n| At::new(n.span(), "betanet.hardfork_name")), p))?;
        }
        Ok(BetanetPlan {
            spec,
            upgrade_number: raw.upgrade_number.as_ref().map(|n| *n.get_ref()),
            hardfork_name: raw.hardfork_name.as_ref().map(|n| n.get_ref().clone()),
            deployment: raw.deployment.as_ref().map_or(0, |d| *d.get_ref()),
            features: listed.iter().map(|id| id.get_ref().clone()).collect(),
        })
    }
}

/// A Betanet set entry must be a live, code-complete candidate.
fn set_member(index: usize, id: &Spanned<String>, candidates: &[Candidate]) -> Result<Member<'static>, Invalid> {
    let at = || At::new(id.span(), format!("betanet.features[{index}]"));
    let name = id.get_ref();
    let candidate = candidates.iter().find(|c| c.feature.id == name).ok_or_else(|| {
        let problem = if feature(name).is_some() { Problem::NotCandidate { id: name.clone() } } else { Problem::UnknownFeature { id: name.clone() } };
        (at(), problem)
    })?;
    if candidate.removed.is_some() {
        return Err((at(), Problem::RemovedInSet { id: name.clone() }));
    }
    if !candidate.code_complete {
        return Err((at(), Problem::NotCodeComplete { id: name.clone() }));
    }
    Ok(candidate.member())
}

fn duplicates<'a>(ids: impl Iterator<Item = (&'a Spanned<String>, String)>) -> Result<(), Invalid> {
    let mut seen = HashSet::new();
    for (id, field) in ids {
        if !seen.insert(id.get_ref().as_str()) {
            return Err((At::new(id.span(), field), Problem::Duplicate { id: id.get_ref().clone() }));
        }
    }
    Ok(())
}

/// Whether two paths name the same file or folder, however they are spelled.
pub(super) fn same_file(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok().or_else(|| std::path::absolute(p).ok());
    canonical(a) == canonical(b)
}

