//! Train-file errors: each names the file, the line, the field and the fix, like spec errors.

use std::{fmt, ops::Range, path::PathBuf};

use crate::{forks::Fork, spec::SpecError};

/// A train file that cannot be used.
#[derive(Debug)]
pub struct TrainError {
    pub file: PathBuf,
    /// 1-based line, when the problem sits at one place in the file.
    pub line: Option<usize>,
    /// Dotted field path, `feature[2].audit`.
    pub field: String,
    pub problem: Box<Problem>,
}

impl std::error::Error for TrainError {}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": `{}`: {}\n  fix: {}", self.field, self.problem, self.problem.fix())
    }
}

/// What is wrong with a train file.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("cannot read the train file: {0}")]
    Read(std::io::Error),
    #[error("{0}")]
    Syntax(String),
    #[error("`{id}` is not a feature in the catalog")]
    UnknownFeature { id: String },
    #[error("`{id}` is listed twice")]
    Duplicate { id: String },
    #[error("`{id}` is in the Betanet set but is no candidate of the train")]
    NotCandidate { id: String },
    #[error("`{id}` is both removed and in the Betanet set")]
    RemovedInSet { id: String },
    #[error("`{id}` is in the Betanet set but not code-complete")]
    NotCodeComplete { id: String },
    #[error("the Betanet set changes only L1 contracts ({}), so it takes an upgrade number and no hardfork name, but it is named `{name}`", .set.join(", "))]
    NameForL1Only { name: String, set: Vec<String> },
    #[error("the Betanet set changes L2 ({}), so it needs a hardfork name", .l2.join(", "))]
    NoNameForL2 { l2: Vec<String> },
    #[error("the Betanet set has no upgrade number")]
    NoUpgradeNumber,
    #[error("the Betanet set has no deployment number")]
    NoDeployment,
    #[error("the removal of `{id}` gives no reason")]
    NoReason { id: String },
    #[error("the hardfork name is empty")]
    EmptyName,
    #[error("the Alphanet spec is invalid: {0}")]
    Alphanet(Box<SpecError>),
    #[error("{path} is a {mode} spec, not an Alphanet")]
    NotAnAlphanet { path: String, mode: &'static str },
    #[error("the Betanet spec would be written to {betanet}, outside the Alphanet spec's folder {alphanet}, where its relative paths would break")]
    SpecFolder { alphanet: String, betanet: String },
    #[error("`{id}`'s bundle {path} cannot be read as a NUT bundle for {fork}: {reason}")]
    Bundle { id: &'static str, path: String, fork: Fork, reason: String },
    #[error("`{id}` owns the bundle {path}, but the Alphanet spec {alphanet} does not apply it")]
    BundleNotOnAlphanet { id: &'static str, path: String, alphanet: String },
}

impl Problem {
    /// What to change so the train file validates.
    pub fn fix(&self) -> String {
        match self {
            Self::Read(_) => "pass the train file's path with --file (default networks/train.toml)".into(),
            Self::Syntax(message) if message.contains("unknown variant") => "use one of the values listed above".into(),
            Self::Syntax(message) if message.contains("unknown field") => "remove the key or correct its spelling; harness/docs/train.md lists the keys".into(),
            Self::Syntax(_) => "correct the value to the type the key takes (harness/docs/train.md)".into(),
            Self::UnknownFeature { .. } => "use a feature id from the catalog (`harness features` lists them)".into(),
            Self::Duplicate { id } => format!("keep one entry for `{id}`"),
            Self::NotCandidate { id } => format!("add a [[feature]] entry for `{id}`, or take it out of betanet.features"),
            Self::RemovedInSet { id } => {
                format!("take `{id}` out of betanet.features and run `harness train betanet --redeploy`, or delete its `removed` entry to bring it back")
            }
            Self::NotCodeComplete { id } => format!("set `code_complete = true` for `{id}` or take it out of betanet.features"),
            Self::NameForL1Only { .. } => "delete betanet.hardfork_name: a hardfork name is assigned only when the set changes L2".into(),
            Self::NoNameForL2 { .. } => "assign a hardfork name: betanet.hardfork_name, or `harness train betanet --hardfork-name NAME`".into(),
            Self::NoUpgradeNumber => "set betanet.upgrade_number to the governance proposal's number, or pass `--upgrade-number N`".into(),
            Self::NoDeployment => "let `harness train betanet` write the set; it numbers the deployment".into(),
            Self::NoReason { id } => format!("say why `{id}` was removed: `removed = {{ reason = \"…\", date = \"YYYY-MM-DD\" }}`"),
            Self::EmptyName => "write the assigned name, or delete the key until one is assigned".into(),
            Self::Alphanet(err) => err.fix.clone(),
            Self::NotAnAlphanet { .. } => "point alphanet.spec at a spec with `mode = \"alphanet\"`".into(),
            Self::SpecFolder { .. } => "write the Betanet spec next to the Alphanet spec (same folder)".into(),
            Self::Bundle { .. } => "point `bundle` at the feature's NUT bundle JSON, relative to the train file".into(),
            Self::BundleNotOnAlphanet { path, .. } => {
                format!("add `[[bundle]]` with the feature's fork and `file = \"{path}\"` to the Alphanet spec, or drop `bundle` here")
            }
        }
    }
}

/// Where in the file a problem sits.
pub(super) struct At {
    pub span: Option<Range<usize>>,
    pub field: String,
}

impl At {
    pub fn new(span: Range<usize>, field: impl Into<String>) -> Self {
        Self { span: Some(span), field: field.into() }
    }

    pub fn field(field: impl Into<String>) -> Self {
        Self { span: None, field: field.into() }
    }
}

/// 1-based line of byte `offset`.
pub(super) fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

/// The field a syntax error at `offset` sits in, read from the file's shape: the key on its
/// line, under the nearest `[table]` or `[[array]]` header (counted, so `feature[2].audit`).
pub(super) fn field_at(source: &str, offset: usize) -> String {
    let before = &source[..offset.min(source.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = source[line_start..].lines().next().unwrap_or_default();
    let key = line.split_once('=').map(|(k, _)| k.trim()).filter(|k| !k.is_empty() && !k.starts_with('['));
    let header = before.lines().rev().map(str::trim).find(|l| l.starts_with('['));
    let table = header.map(|h| {
        let name = h.trim_matches(|c| c == '[' || c == ']');
        if h.starts_with("[[") {
            let index = before.lines().filter(|l| l.trim() == h).count().saturating_sub(1);
            format!("{name}[{index}]")
        } else {
            name.to_owned()
        }
    });
    match (table, key) {
        (Some(table), Some(key)) => format!("{table}.{key}"),
        (Some(table), None) => table,
        (None, Some(key)) => key.to_owned(),
        (None, None) => "(document)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_are_placed_in_their_table() {
        let source = "[alphanet]\nspec = \"a\"\n\n[[feature]]\nid = \"x\"\n\n[[feature]]\nid = \"y\"\naudit = \"cleared\"\n";
        assert_eq!(field_at(source, source.find("cleared").unwrap()), "feature[1].audit");
        assert_eq!(field_at(source, source.find("\"a\"").unwrap()), "alphanet.spec");
        assert_eq!(field_at("x = 1", 2), "x");
        assert_eq!(line_of(source, source.find("cleared").unwrap()), 9);
    }
}
