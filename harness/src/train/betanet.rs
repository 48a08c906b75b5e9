//! The Betanet spec, written from the Alphanet's: the fork before the set's first upgrade at
//! genesis, each fork of the upgrade live in its own slot after it, the set in scope, the
//! upgrade number, and a hardfork name only when the set changes L2. Bundles owned by features
//! outside the set are left out with them. The Alphanet's text is edited rather than rebuilt, so
//! its chains, data folders and stability policy carry over as written; the result must load
//! with the ordinary spec loader before it is written.

use std::path::{Path, PathBuf};

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, value};

use super::{Member, Problem, Train, file::same_file, naming_rule};
use crate::{
    forks::Fork,
    spec::{NetworkSpec, SpecError},
};

/// L2 blocks between one live fork and the next: blocks before the first upgrade to see each
/// feature absent, and a block of its own for every fork's upgrade transactions.
pub const LIVE_BLOCKS: u64 = 4;

/// Largest Alphanet spec read.
const MAX_SPEC_BYTES: u64 = 1 << 20;

/// What the Betanet is made of.
pub struct Plan<'a> {
    pub alphanet: &'a NetworkSpec,
    /// The set, at least one feature.
    pub set: &'a [Member<'a>],
    /// Bundles owned by candidates outside the set: never on this Betanet.
    pub left_out: Vec<PathBuf>,
    pub upgrade_number: u32,
    pub hardfork_name: Option<&'a str>,
    pub deployment: u32,
    /// Where the spec will be written.
    pub out: &'a Path,
}

impl<'a> Plan<'a> {
    /// The Betanet of `set`, drawn from `train`'s Alphanet and written where the train says.
    pub fn new(train: &'a Train, set: &'a [Member<'a>], upgrade_number: u32, hardfork_name: Option<&'a str>, deployment: u32) -> Self {
        let outside = train.candidates.iter().filter(|c| !set.iter().any(|m| m.id == c.feature.id));
        Self {
            alphanet: &train.alphanet,
            set,
            left_out: outside.filter_map(|c| c.bundle.clone()).collect(),
            upgrade_number,
            hardfork_name,
            deployment,
            out: &train.betanet.spec,
        }
    }
}

/// A Betanet spec, checked by the spec loader.
pub struct Assembled {
    pub text: String,
    pub spec: NetworkSpec,
}

#[derive(Debug, thiserror::Error)]
pub enum AssemblyError {
    #[error("the Betanet set is empty")]
    Empty,
    #[error(transparent)]
    Naming(#[from] Problem),
    #[error("{}: cannot read the Alphanet spec: {source}", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the Betanet spec this set makes does not validate:\n{0}\n  (the set's forks cannot share one Betanet as the spec rules stand; assemble fewer features)")]
    Invalid(Box<SpecError>),
}

/// Writes the Betanet spec's text from the Alphanet's and checks it loads.
pub fn assemble(plan: &Plan<'_>) -> Result<Assembled, AssemblyError> {
    let (Some(first), Some(last)) = (plan.set.iter().map(|m| m.fork).min(), plan.set.iter().map(|m| m.fork).max()) else {
        return Err(AssemblyError::Empty);
    };
    naming_rule(plan.set, plan.hardfork_name)?;
    let path = &plan.alphanet.path;
    let bytes = crate::fsx::read_bounded(path, MAX_SPEC_BYTES).map_err(|source| AssemblyError::Read { path: path.clone(), source })?;
    let mut doc: DocumentMut = String::from_utf8_lossy(&bytes)
        .parse()
        .expect("the Alphanet spec parsed as TOML when it was loaded");
    header(&mut doc, plan);
    schedule(&mut doc, first.max(Fork::Regolith), last, live_gap(plan.alphanet));
    bundles(&mut doc, plan, last);
    let text = doc.to_string();
    let spec = NetworkSpec::parse(plan.out, &text).map_err(|e| AssemblyError::Invalid(Box::new(e)))?;
    Ok(Assembled { text, spec })
}

/// Seconds between live forks: [`LIVE_BLOCKS`] blocks of the slowest L2.
fn live_gap(alphanet: &NetworkSpec) -> u64 {
    LIVE_BLOCKS * alphanet.l2.iter().map(|l2| l2.block_time).max().unwrap_or(2)
}

fn header(doc: &mut DocumentMut, plan: &Plan<'_>) {
    let name = super::BetanetPlan::spec_name(plan.upgrade_number, plan.deployment);
    let named = plan.hardfork_name.map(|n| format!(" ({n})")).unwrap_or_default();
    let comment = format!(
        "# Betanet for upgrade {}{named}, deployment {}: written by `harness train betanet` from\n# {}\n# and the train file. Do not edit it: change the train file and regenerate.\n",
        plan.upgrade_number,
        plan.deployment,
        plan.alphanet.path.display()
    );
    let root = doc.as_table_mut();
    if let Some(mut first) = root.iter_mut().next().map(|(key, _)| key) {
        first.leaf_decor_mut().set_prefix("");
    }
    root.decor_mut().set_prefix(comment);
    root.insert("name", value(name));
    root.insert("mode", value("betanet"));
    root.insert("upgrade_number", value(i64::from(plan.upgrade_number)));
    match plan.hardfork_name {
        Some(hardfork) => root.insert("hardfork_name", value(hardfork)),
        None => root.remove("hardfork_name"),
    };
    root.insert("features", value(plan.set.iter().map(|m| m.id).collect::<Array>()));
}

/// Forks before `first` stay as the Alphanet has them (at genesis); `first` through `last`
/// activate live, `gap` seconds apart; later forks are dropped.
fn schedule(doc: &mut DocumentMut, first: Fork, last: Fork, gap: u64) {
    let forks = doc["forks"].or_insert(Item::Table(Table::new())).as_table_mut().expect("[forks] is a table in a valid spec");
    forks.remove("sequential");
    let mut slot = 0;
    for fork in Fork::ALL.into_iter().filter(|f| *f >= first) {
        forks.remove(fork.name());
        if fork <= last {
            slot += 1;
            let mut offset = InlineTable::new();
            offset.insert("offset", (i64::try_from(slot * gap).expect("offsets are small")).into());
            forks.insert(fork.name(), value(offset));
        }
    }
}

/// Keeps the Alphanet's bundles of forks the Betanet schedules, minus those owned by features
/// outside the set.
fn bundles(doc: &mut DocumentMut, plan: &Plan<'_>, last: Fork) {
    let Some(list) = doc.get_mut("bundle").and_then(Item::as_array_of_tables_mut) else { return };
    let folder = plan.alphanet.folder();
    list.retain(|bundle| {
        let fork = bundle.get("fork").and_then(|f| f.as_str()).and_then(|f| f.parse::<Fork>().ok());
        let file = bundle.get("file").and_then(|f| f.as_str()).map(|f| folder.join(f));
        let left_out = file.is_some_and(|f| plan.left_out.iter().any(|o| same_file(o, &f)));
        fork.is_some_and(|f| f <= last) && !left_out
    });
    if list.is_empty() {
        doc.remove("bundle");
    }
}
