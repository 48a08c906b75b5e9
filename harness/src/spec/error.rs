//! Spec errors: each names the file, the line, the field and the fix.

use std::{fmt, path::{Path, PathBuf}};

use super::locate;
use crate::forks::{ContractsRelease, Fork};

/// A spec that cannot be used, with everything a person needs to correct it.
#[derive(Debug)]
pub struct SpecError {
    pub file: PathBuf,
    /// 1-based line, when the problem sits at one place in the file.
    pub line: Option<usize>,
    /// Dotted field path, `l2[1].chain_id`.
    pub field: String,
    pub message: String,
    pub fix: String,
}

impl std::error::Error for SpecError {}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": `{}`: {}\n  fix: {}", self.field, self.message, self.fix)
    }
}

impl SpecError {
    pub(crate) fn io(path: &Path, err: std::io::Error) -> Self {
        Self {
            file: path.to_path_buf(),
            line: None,
            field: "(file)".into(),
            message: format!("cannot read the spec: {err}"),
            fix: "pass the path of a network spec, e.g. networks/alphanet.toml".into(),
        }
    }

    pub(crate) fn syntax(path: &Path, source: &str, err: &toml::de::Error) -> Self {
        let span = err.span();
        let field = span.as_ref().and_then(|s| locate::path_at(source, s.start));
        let fix = if err.message().starts_with("unknown field") {
            "remove the key or correct its spelling; the accepted keys are listed above"
        } else {
            "correct the value to the type the field takes (see README, \"Network specs\")"
        };
        Self {
            file: path.to_path_buf(),
            line: span.map(|s| locate::line_of(source, s.start)),
            field: field.unwrap_or_else(|| "(document)".into()),
            message: err.message().to_owned(),
            fix: fix.into(),
        }
    }

    pub(crate) fn semantic(path: &Path, source: &str, kind: SpecErrorKind) -> Self {
        let field = kind.field();
        let line = locate::span_of(source, &field).map(|s| locate::line_of(source, s.start));
        Self { file: path.to_path_buf(), line, field, message: kind.to_string(), fix: kind.fix() }
    }
}

/// What is wrong with a spec that parsed as TOML.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SpecErrorKind {
    #[error("the spec names no L2 chain")]
    NoL2,
    #[error("`{name}` is not a plain name: it becomes a file name, so it may hold only letters, digits, `.`, `_` and `-`, start with a letter or digit, and be at most 64 long")]
    BadName { field: String, name: String },
    #[error("two L2s are named `{name}`")]
    DuplicateName { field: String, name: String },
    #[error("{count} L2s; one network runs at most {max} (each is a whole node in this process)", max = super::validate::MAX_L2S)]
    TooManyL2s { count: usize },
    #[error("chain id 0 is no chain id: EIP-155 signatures commit to a positive one")]
    ZeroChainId { field: String },
    #[error("block time {seconds} s is outside 1 to {max} s", max = super::validate::MAX_BLOCK_TIME)]
    BlockTimeRange { field: String, seconds: u64 },
    #[error("the L2's block time ({l2} s) is longer than its L1's ({l1} s): each L2 block advances its L1 origin by one block at most, so the L2 would fall ever further behind its L1")]
    L2SlowerThanL1 { field: String, l2: u64, l1: u64 },
    #[error("gas limit {gas_limit} is outside what the SystemConfig accepts, {min} to {max}: below it the L1-attributes deposit and deposits do not fit and no block can be built", min = super::validate::MIN_GAS_LIMIT, max = super::validate::MAX_GAS_LIMIT)]
    GasLimitRange { field: String, gas_limit: u64 },
    #[error("it is 0; the SystemConfig refuses 0 (the denominator divides the base-fee change, the elasticity sets the gas target)")]
    ZeroEip1559 { field: String },
    #[error("a fork activates {offset} s after genesis, more than a year ({max} s) later", max = super::validate::MAX_FORK_OFFSET)]
    ForkTooLate { field: String, offset: u64 },
    #[error("chain id {chain_id} is used by {other} too")]
    DuplicateChainId { field: String, chain_id: u64, other: String },
    #[error("feature `{id}` is listed twice")]
    DuplicateFeature { index: usize, id: String },
    #[error("`{id}` is not a feature in the catalog")]
    UnknownFeature { index: usize, id: String },
    #[error("feature `{id}` cannot be proven here yet: {reason}")]
    UncoveredFeature { index: usize, id: String, reason: &'static str },
    #[error("feature `{id}` is in scope but its fork {fork} is never scheduled")]
    FeatureForkUnscheduled { index: usize, id: String, fork: Fork },
    #[error("bedrock is the genesis rules of every OP chain; it cannot activate later")]
    BedrockNotGenesis,
    #[error("`sequential` runs from {from} to {to} with gap {gap}: the range must go forwards and the gap be positive")]
    BadSequential { from: Fork, to: Fork, gap: u64 },
    #[error("{fork} is set both in `sequential` and on its own")]
    SequentialOverlap { fork: Fork },
    #[error("{fork} {at} but {earlier}, which must come first, {earlier_at}")]
    ForkOrder { fork: Fork, at: String, earlier: Fork, earlier_at: String },
    #[error("an alphanet activates every fork at genesis, but {fork} activates {offset} s after genesis")]
    AlphanetLiveFork { fork: Fork, offset: u64 },
    #[error("a betanet must upgrade live, but every scheduled fork is active at genesis and no L1 upgrade is live")]
    BetanetNothingLive,
    #[error("a betanet gets a hardfork name (`{name}`) only when it changes the L2, but no L2 fork activates live: an L1 upgrade alone carries an upgrade number and no name")]
    BetanetNamedWithoutL2Change { name: String },
    #[error("the L1 upgrade goes from {from} to {to}: an upgrade must move to a later release")]
    L1UpgradeBackwards { from: ContractsRelease, to: ContractsRelease },
    #[error("an L1 upgrade needs an L1 the harness builds, but {reason}")]
    L1UpgradeWithoutL1 { reason: String },
    #[error("an alphanet starts on every upgrade, but the L1 upgrade is mined {offset} s after genesis")]
    AlphanetLiveL1Upgrade { offset: u64 },
    #[error("the L1 upgrade at +{offset} s falls in L1 block {block} ({block_time}-second blocks); it needs block {min} or later, so that a block after genesis precedes it", min = super::FIRST_UPGRADE_BLOCK)]
    L1UpgradeTooEarly { offset: u64, block: u64, block_time: u64 },
    #[error("owner transactions run only in a live L1 upgrade; at genesis the L1 simply starts on the new release")]
    L1UpgradeFileAtGenesis,
    #[error("owner transaction file {path}: {reason}")]
    L1UpgradeFile { path: String, reason: String },
    #[error("the harness knows no upgrade path from {from} to {to}")]
    L1UpgradeNoPath { from: ContractsRelease, to: ContractsRelease },
    #[error("feature `{id}` is an L1 feature of op-contracts {release}, but the spec's L1 upgrade does not bring that release")]
    L1FeatureUnscheduled { index: usize, id: String, release: ContractsRelease },
    #[error("{fork} and {other} would activate in the same block ({block}) of L2 `{chain}`; each fork's upgrade transactions need a block of their own")]
    SameBlockUpgrades { fork: Fork, other: Fork, block: u64, chain: String },
    #[error("{fork} is scheduled but its upgrade bundle cannot be had: {reason}")]
    MissingBundle { fork: Fork, reason: String, fix: String },
    #[error("Karst is scheduled on a chain starting on {genesis_fork}, whose Bedrock-era genesis lacks the preinstalls Karst's bundle calls (the CREATE2 factory 0x4e59…956C)")]
    KarstNeedsModernGenesis { genesis_fork: Fork, modern: Fork },
    #[error("no deployments folder is set: the L1's OP contracts (and the L2 genesis of chains starting on Isthmus or later) come from op-deployer's state")]
    NoDeployments,
    #[error("the L1 contracts cannot be had: {reason}")]
    Deployments { reason: String, fix: String },
    #[error("op-contracts {release}'s SystemConfig has no such setting (setMinBaseFee and setDAFootprintGasScalar came with v5.0.0)")]
    ReleaseLacksSetting { field: String, release: ContractsRelease },
    #[error("bundle {index} must name exactly one source: `builtin = true` or `file = \"...\"`")]
    BundleSource { index: usize },
    #[error("bundle {index} asks for the built-in bundle of {fork}, but only ecotone, fjord and isthmus have one")]
    NoBuiltinBundle { index: usize, fork: Fork },
    #[error("bundle {index} is for {fork}, which is never scheduled")]
    BundleForkUnscheduled { index: usize, fork: Fork },
    #[error("bundle file {path}: {reason}")]
    BundleFile { index: usize, path: String, reason: String },
    #[error("stability.{key} = {value} is out of range ({range})")]
    StabilityRange { key: &'static str, value: f64, range: &'static str },
    #[error("stability.min_runs = 0: a verdict needs at least one run")]
    NoRuns,
    #[error("stability.consecutive_passes = {passes} exceeds min_runs = {runs}, so a feature could have enough runs yet never the streak")]
    PassesAboveRuns { passes: u32, runs: u32 },
}

impl SpecErrorKind {
    /// The field the problem sits in, as a path the locator understands.
    pub fn field(&self) -> String {
        match self {
            Self::NoL2 => "l2".into(),
            Self::BadName { field, .. }
            | Self::DuplicateName { field, .. }
            | Self::ZeroChainId { field }
            | Self::BlockTimeRange { field, .. }
            | Self::L2SlowerThanL1 { field, .. }
            | Self::GasLimitRange { field, .. }
            | Self::ZeroEip1559 { field }
            | Self::ForkTooLate { field, .. }
            | Self::DuplicateChainId { field, .. } => field.clone(),
            Self::TooManyL2s { .. } => "l2".into(),
            Self::DuplicateFeature { index, .. }
            | Self::UnknownFeature { index, .. }
            | Self::FeatureForkUnscheduled { index, .. }
            | Self::L1FeatureUnscheduled { index, .. }
            | Self::UncoveredFeature { index, .. } => {
                format!("features[{index}]")
            }
            Self::BedrockNotGenesis => "forks.bedrock".into(),
            Self::BadSequential { .. } | Self::SequentialOverlap { .. } => "forks.sequential".into(),
            Self::ForkOrder { fork, .. }
            | Self::AlphanetLiveFork { fork, .. }
            | Self::SameBlockUpgrades { fork, .. }
            | Self::MissingBundle { fork, .. } => format!("forks.{fork}"),
            Self::BetanetNothingLive => "forks".into(),
            Self::BetanetNamedWithoutL2Change { .. } => "hardfork_name".into(),
            Self::L1UpgradeBackwards { .. } | Self::L1UpgradeNoPath { .. } => "l1.upgrade.to".into(),
            Self::L1UpgradeWithoutL1 { .. } => "l1.upgrade".into(),
            Self::AlphanetLiveL1Upgrade { .. } | Self::L1UpgradeTooEarly { .. } => "l1.upgrade.at".into(),
            Self::L1UpgradeFileAtGenesis | Self::L1UpgradeFile { .. } => "l1.upgrade.file".into(),
            Self::KarstNeedsModernGenesis { .. } => "forks.karst".into(),
            Self::NoDeployments | Self::Deployments { .. } => "data.deployments".into(),
            Self::ReleaseLacksSetting { field, .. } => field.clone(),
            Self::BundleSource { index } => format!("bundle[{index}]"),
            Self::NoBuiltinBundle { index, .. } | Self::BundleForkUnscheduled { index, .. } => {
                format!("bundle[{index}].fork")
            }
            Self::BundleFile { index, .. } => format!("bundle[{index}].file"),
            Self::StabilityRange { key, .. } => format!("stability.{key}"),
            Self::NoRuns => "stability.min_runs".into(),
            Self::PassesAboveRuns { .. } => "stability.consecutive_passes".into(),
        }
    }

    /// What to change so the spec validates.
    pub fn fix(&self) -> String {
        match self {
            Self::NoL2 => "add an `[[l2]]` table with name and chain_id".into(),
            Self::BadName { .. } => "use a plain name such as `betanet` or `op-beta`".into(),
            Self::DuplicateName { .. } => "give every L2 its own name".into(),
            Self::TooManyL2s { .. } => format!("keep at most {} `[[l2]]` tables; split the rest into another spec", super::validate::MAX_L2S),
            Self::ZeroChainId { .. } => "use a positive chain id, e.g. 901".into(),
            Self::BlockTimeRange { .. } => format!("set a block time from 1 to {} seconds (L1: 12, L2: 2 as on mainnet)", super::validate::MAX_BLOCK_TIME),
            Self::L2SlowerThanL1 { l1, .. } => format!("set the L2 block time to at most {l1} s, or raise l1.block_time"),
            Self::GasLimitRange { .. } => "set gas_limit within those bounds, e.g. 30_000_000".into(),
            Self::ZeroEip1559 { .. } => "set it to at least 1, e.g. eip1559_denominator = 250 and eip1559_elasticity = 6".into(),
            Self::ForkTooLate { .. } => "schedule the fork within a year of genesis (offsets are seconds)".into(),
            Self::DuplicateFeature { .. } => "list each feature once".into(),
            Self::DuplicateChainId { .. } => "give every chain, L1 and L2, its own chain id".into(),
            Self::UnknownFeature { .. } => format!(
                "use a feature id from the catalog (`harness features` lists them), e.g. {}",
                crate::forks::FEATURES.iter().take(3).map(|f| f.id).collect::<Vec<_>>().join(", ")
            ),
            Self::UncoveredFeature { id, .. } => format!(
                "drop `{id}` from `features`: a run could not say anything about it (`harness features` marks what is not covered)"
            ),
            Self::FeatureForkUnscheduled { fork, .. } => {
                format!("schedule {fork} under [forks] or drop the feature from `features`")
            }
            Self::BedrockNotGenesis => "write `bedrock = \"genesis\"` or leave it out".into(),
            Self::BadSequential { .. } => "write e.g. `sequential = { from = \"ecotone\", to = \"isthmus\", gap = 4 }`".into(),
            Self::SequentialOverlap { fork } => format!("remove `{fork}` or take it out of the sequential range"),
            Self::ForkOrder { fork, earlier, .. } => {
                format!("schedule {earlier} at or before {fork} (later forks imply earlier ones)")
            }
            Self::AlphanetLiveFork { fork, .. } => {
                format!("write `{fork} = \"genesis\"`, or use `mode = \"betanet\"` for a live upgrade")
            }
            Self::BetanetNothingLive => {
                "give the fork under test an offset, e.g. `isthmus = { offset = 8 }`, schedule the L1 upgrade live (`[l1.upgrade] at = { offset = 24 }`), or use `mode = \"alphanet\"`".into()
            }
            Self::BetanetNamedWithoutL2Change { .. } => {
                "delete `hardfork_name` (keep `upgrade_number`), or activate the L2 fork the name belongs to live under [forks]".into()
            }
            Self::L1UpgradeBackwards { from, .. } => {
                let later: Vec<_> = ContractsRelease::ALL.iter().filter(|r| *r > from).map(|r| r.name()).collect();
                match later.is_empty() {
                    true => format!("{from} is the newest release the harness knows: lower `[l1] contracts` to the release the L1 starts on, or drop `[l1.upgrade]`"),
                    false => format!("set `to` to a release after {from} ({}), or lower `[l1] contracts`", later.join(", ")),
                }
            }
            Self::L1UpgradeWithoutL1 { .. } => {
                "run the network on the embedded backend with the harness's own L1 (`backend = \"embedded\"`, no `l1.node`), or drop `[l1.upgrade]` and set `[l1] contracts` to the release the L1 runs".into()
            }
            Self::AlphanetLiveL1Upgrade { .. } => "write `at = \"genesis\"`, or use `mode = \"betanet\"` for a live L1 upgrade".into(),
            Self::L1UpgradeTooEarly { block_time, .. } => {
                format!("set `at = {{ offset = {} }}` or later", block_time * super::FIRST_UPGRADE_BLOCK)
            }
            Self::L1UpgradeFileAtGenesis => "drop `file`, or schedule the upgrade live with `at = { offset = N }` in a betanet".into(),
            Self::L1UpgradeFile { .. } => {
                "make it JSON: `{\"transactions\": [{\"intent\", \"from\" (a role, e.g. \"proxyAdminOwner\"), \"to\", \"data\", \"value\"}]}`".into()
            }
            Self::L1UpgradeNoPath { .. } => "give the owner's transactions in `file`".into(),
            Self::L1FeatureUnscheduled { release, .. } => {
                format!("add `[l1.upgrade] to = \"{release}\"` (with `[l1] contracts` on an earlier release), or drop the feature from `features`")
            }
            Self::SameBlockUpgrades { fork, other, .. } => {
                format!("move {fork} at least one L2 block time after {other}")
            }
            Self::MissingBundle { fix, .. } => fix.clone(),
            Self::KarstNeedsModernGenesis { modern, .. } => {
                format!("start the chain on {modern} or later (op-deployer's genesis), e.g. `{modern} = \"genesis\"`")
            }
            Self::Deployments { fix, .. } => fix.clone(),
            Self::ReleaseLacksSetting { .. } => "set it to 0, or deploy `contracts = \"v5.0.0\"` under [l1]".into(),
            Self::NoDeployments => format!(
                "set `deployments` under [data] to op-deployer's state folder (../shared/deployments beside this project), or set {}",
                crate::spec::DEPLOYMENTS_ENV
            ),
            Self::BundleSource { .. } => "keep either `builtin = true` or `file`, not both and not neither".into(),
            Self::NoBuiltinBundle { fork, .. } => format!("point `file` at a NUT bundle JSON for {fork}"),
            Self::BundleForkUnscheduled { fork, .. } => format!("schedule {fork} or remove the bundle"),
            Self::BundleFile { .. } => {
                "make it NUT bundle JSON: `metadata` and `transactions`, each with intent, from, to (null to deploy), data and gasLimit".into()
            }
            Self::StabilityRange { key, range, .. } => format!("set stability.{key} within {range}"),
            Self::NoRuns => "set stability.min_runs to 1 or more (default 10)".into(),
            Self::PassesAboveRuns { runs, .. } => format!("set stability.consecutive_passes to at most {runs}, or raise min_runs"),
        }
    }
}
