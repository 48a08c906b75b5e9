//! Semantic checks on a spec that parsed: fork order, mode rules, bundles, features, chain ids.
//! Each failure is a [`SpecErrorKind`] that knows its field and fix.

use std::collections::{HashMap, HashSet};

use super::{Mode, NetworkSpec, SpecErrorKind};
use crate::{
    forks::{ContractsRelease, Coverage, Fork, UpgradeBundle, UpgradeSource, feature},
    genesis::OP_DEPLOYER_BASE,
};

/// Most L2s one network runs: each is a whole node in this process (its genesis state, a block
/// producer, an RPC server), so a few dozen would exhaust a test machine's memory and cores.
pub const MAX_L2S: usize = 16;

/// Longest block time: an hour, 300 times Ethereum's slot. Every wait derives its deadline
/// from the block time, so a longer one is a network no suite can finish on.
pub const MAX_BLOCK_TIME: u64 = 3600;

/// The SystemConfig's bounds on the L2 gas limit: at least the deposits' resource limit
/// (20,000,000) plus the system transaction's gas (1,000,000), so the L1-attributes deposit and
/// deposits always fit; at most its `MAX_GAS_LIMIT`.
pub const MIN_GAS_LIMIT: u64 = 21_000_000;
pub const MAX_GAS_LIMIT: u64 = 500_000_000;

/// Latest fork activation: a year after genesis. Waits for a fork derive from its offset.
pub const MAX_FORK_OFFSET: u64 = 366 * 24 * 3600;

pub(super) fn validate(spec: &NetworkSpec) -> Result<(), SpecErrorKind> {
    names(spec)?;
    chains(spec)?;
    system_configs(spec)?;
    if let Some(seq) = spec.forks.sequential.filter(|s| s.gap > MAX_FORK_OFFSET) {
        return Err(SpecErrorKind::ForkTooLate { field: "forks.sequential".into(), offset: seq.gap });
    }
    let schedule = spec.forks.resolve()?;
    if spec.forks.bedrock.is_some_and(|a| a.seconds() != 0) {
        return Err(SpecErrorKind::BedrockNotGenesis);
    }
    fork_offsets(spec, &schedule)?;
    fork_order(&schedule)?;
    super::l1_upgrade::validate(spec)?;
    mode(spec, &schedule)?;
    super::l1_upgrade::naming(spec)?;
    upgrade_blocks(spec, &schedule)?;
    features(spec, &schedule)?;
    stability(spec)?;
    // Last, the checks that read the official data the spec points at.
    genesis_base(spec, &schedule)?;
    bundles(spec, &schedule)
}

/// Names become file and folder names (run records, per-chain config folders), so they are
/// plain words: no separators, no leading dot.
fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && name.len() <= 64
}

fn names(spec: &NetworkSpec) -> Result<(), SpecErrorKind> {
    let named = std::iter::once(("name".to_owned(), &spec.name)).chain(spec.l2.iter().enumerate().map(|(i, l2)| (format!("l2[{i}].name"), &l2.name)));
    let mut seen = HashSet::new();
    for (field, name) in named {
        if !is_plain_name(name) {
            return Err(SpecErrorKind::BadName { field, name: name.clone() });
        }
        if field != "name" && !seen.insert(name) {
            return Err(SpecErrorKind::DuplicateName { field, name: name.clone() });
        }
    }
    Ok(())
}

fn block_time(field: String, seconds: u64) -> Result<(), SpecErrorKind> {
    match (1..=MAX_BLOCK_TIME).contains(&seconds) {
        true => Ok(()),
        false => Err(SpecErrorKind::BlockTimeRange { field, seconds }),
    }
}

fn chain_id(field: String, id: u64) -> Result<(), SpecErrorKind> {
    match id {
        0 => Err(SpecErrorKind::ZeroChainId { field }),
        _ => Ok(()),
    }
}

fn chains(spec: &NetworkSpec) -> Result<(), SpecErrorKind> {
    if spec.l2.is_empty() {
        return Err(SpecErrorKind::NoL2);
    }
    if spec.l2.len() > MAX_L2S {
        return Err(SpecErrorKind::TooManyL2s { count: spec.l2.len() });
    }
    chain_id("l1.chain_id".into(), spec.l1.chain_id)?;
    block_time("l1.block_time".into(), spec.l1.block_time)?;
    let mut seen: HashMap<u64, String> = HashMap::from([(spec.l1.chain_id, "the L1".to_owned())]);
    for (i, l2) in spec.l2.iter().enumerate() {
        chain_id(format!("l2[{i}].chain_id"), l2.chain_id)?;
        block_time(format!("l2[{i}].block_time"), l2.block_time)?;
        if l2.block_time > spec.l1.block_time {
            return Err(SpecErrorKind::L2SlowerThanL1 { field: format!("l2[{i}].block_time"), l2: l2.block_time, l1: spec.l1.block_time });
        }
        if !(MIN_GAS_LIMIT..=MAX_GAS_LIMIT).contains(&l2.gas_limit) {
            return Err(SpecErrorKind::GasLimitRange { field: format!("l2[{i}].gas_limit"), gas_limit: l2.gas_limit });
        }
        if let Some(other) = seen.insert(l2.chain_id, format!("L2 `{}`", l2.name)) {
            return Err(SpecErrorKind::DuplicateChainId {
                field: format!("l2[{i}].chain_id"),
                chain_id: l2.chain_id,
                other,
            });
        }
    }
    Ok(())
}

/// The SystemConfig refuses an EIP-1559 denominator or elasticity of 0 (`setEIP1559Params`).
fn system_configs(spec: &NetworkSpec) -> Result<(), SpecErrorKind> {
    for (i, l2) in spec.l2.iter().enumerate() {
        let sc = &l2.system_config;
        for (key, value) in [("eip1559_denominator", sc.eip1559_denominator), ("eip1559_elasticity", sc.eip1559_elasticity)] {
            if value == 0 {
                return Err(SpecErrorKind::ZeroEip1559 { field: format!("l2[{i}].system_config.{key}") });
            }
        }
    }
    Ok(())
}

fn fork_offsets(spec: &NetworkSpec, schedule: &super::ForkSchedule) -> Result<(), SpecErrorKind> {
    match schedule.scheduled().find(|(_, offset)| *offset > MAX_FORK_OFFSET) {
        Some((fork, offset)) => {
            let field = if spec.forks.get(fork).is_some() { format!("forks.{fork}") } else { "forks.sequential".into() };
            Err(SpecErrorKind::ForkTooLate { field, offset })
        }
        None => Ok(()),
    }
}

fn describe(offset: Option<u64>) -> String {
    match offset {
        None => "never activates".into(),
        Some(0) => "activates at genesis".into(),
        Some(o) => format!("activates at +{o} s"),
    }
}

fn fork_order(schedule: &super::ForkSchedule) -> Result<(), SpecErrorKind> {
    for fork in Fork::ALL {
        let (Some(at), Some(earlier)) = (schedule.offset(fork), fork.previous()) else { continue };
        let earlier_at = schedule.offset(earlier);
        if earlier_at.is_none_or(|e| e > at) {
            return Err(SpecErrorKind::ForkOrder {
                fork,
                at: describe(Some(at)),
                earlier,
                earlier_at: describe(earlier_at),
            });
        }
    }
    Ok(())
}

fn mode(spec: &NetworkSpec, schedule: &super::ForkSchedule) -> Result<(), SpecErrorKind> {
    let first_live = schedule.live_forks().next();
    let l1_live = spec.l1.live_upgrade().is_some();
    match (spec.mode, first_live) {
        (Mode::Alphanet, Some((fork, offset))) => Err(SpecErrorKind::AlphanetLiveFork { fork, offset }),
        (Mode::Betanet, None) if !l1_live => Err(SpecErrorKind::BetanetNothingLive),
        _ => Ok(()),
    }
}

/// Forks with upgrade transactions must each get a block of their own on every chain.
fn upgrade_blocks(spec: &NetworkSpec, schedule: &super::ForkSchedule) -> Result<(), SpecErrorKind> {
    for l2 in &spec.l2 {
        let mut by_block: HashMap<u64, Fork> = HashMap::new();
        for (fork, _) in schedule.live_forks().filter(|(f, _)| f.has_upgrade_transactions()) {
            let block = schedule.activation_block(fork, l2.block_time).expect("fork is scheduled");
            if let Some(other) = by_block.insert(block, fork) {
                return Err(SpecErrorKind::SameBlockUpgrades { fork, other, block, chain: l2.name.clone() });
            }
        }
    }
    Ok(())
}

/// A chain starting on Isthmus or later is built from op-deployer's state; Karst's bundle calls
/// preinstalls (the CREATE2 factory) only such a genesis has.
fn genesis_base(spec: &NetworkSpec, schedule: &super::ForkSchedule) -> Result<(), SpecErrorKind> {
    let modern = OP_DEPLOYER_BASE.l2_genesis_fork();
    let genesis_fork = schedule.genesis_fork();
    if schedule.offset(Fork::Karst).is_some() && genesis_fork < modern {
        return Err(SpecErrorKind::KarstNeedsModernGenesis { genesis_fork, modern });
    }
    let dir = spec.data.deployments_dir(spec.folder()).ok_or(SpecErrorKind::NoDeployments)?;
    for (release, _) in deployer_states(spec) {
        crate::contracts::state_file(&dir, release).map_err(unusable)?;
    }
    let release = spec.l1.genesis_release();
    if release < ContractsRelease::V5_0_0 {
        let jovian_values = spec.l2.iter().enumerate().find(|(_, l2)| l2.system_config.min_base_fee != 0);
        if let Some((index, _)) = jovian_values {
            return Err(SpecErrorKind::ReleaseLacksSetting { field: format!("l2[{index}].system_config.min_base_fee"), release });
        }
    }
    Ok(())
}

/// The op-deployer states a network reads, each with what it reads of it: the L1 state of the
/// release the L1 holds at genesis; a live upgrade's target's (its implementations are deployed
/// in the L1's genesis, not yet adopted); and op-deployer's base L2 allocation, which a modern
/// L2 genesis is built on.
fn deployer_states(spec: &NetworkSpec) -> impl Iterator<Item = (ContractsRelease, Allocation)> {
    let modern_l2 = crate::genesis::base_fork(spec) != Fork::Bedrock;
    let l1 = std::iter::once(spec.l1.genesis_release()).chain(spec.l1.live_upgrade().map(|(u, _)| u.to));
    l1.map(|release| (release, Allocation::L1)).chain(modern_l2.then_some((OP_DEPLOYER_BASE, Allocation::L2)))
}

/// Which allocation of an op-deployer state a network reads.
#[derive(Clone, Copy)]
enum Allocation {
    L1,
    L2,
}

fn unusable(e: crate::contracts::ContractsError) -> SpecErrorKind {
    SpecErrorKind::Deployments { reason: e.to_string(), fix: e.fix() }
}

/// Decodes every allocation a network of `spec` reads, on parallel threads: the deep check of
/// `harness validate`. Loading a spec only finds the files; a network's start decodes them as
/// it builds on them (beside the L1's deployment, which is why loading does not), and reports a
/// damaged one the same way.
pub(super) fn data(spec: &NetworkSpec) -> Result<(), SpecErrorKind> {
    let dir = spec.data.deployments_dir(spec.folder()).ok_or(SpecErrorKind::NoDeployments)?;
    std::thread::scope(|scope| {
        let decoding: Vec<_> = deployer_states(spec)
            .map(|(release, allocation)| {
                let dir = &dir;
                scope.spawn(move || {
                    let state = crate::contracts::load_state(dir, release)?;
                    match allocation {
                        Allocation::L1 => state.l1_alloc().map(drop),
                        Allocation::L2 => state.l2_alloc().map(drop),
                    }
                })
            })
            .collect();
        decoding.into_iter().try_for_each(|d| d.join().expect("decoding an allocation does not panic").map_err(unusable))
    })
}

fn bundles(spec: &NetworkSpec, schedule: &super::ForkSchedule) -> Result<(), SpecErrorKind> {
    for (index, bundle) in spec.bundles.iter().enumerate() {
        if bundle.builtin == bundle.file.is_some() {
            return Err(SpecErrorKind::BundleSource { index });
        }
        if schedule.offset(bundle.fork).is_none() {
            return Err(SpecErrorKind::BundleForkUnscheduled { index, fork: bundle.fork });
        }
        if bundle.builtin && bundle.fork.upgrade_source() != UpgradeSource::BuiltIn {
            return Err(SpecErrorKind::NoBuiltinBundle { index, fork: bundle.fork });
        }
        if let Some(file) = &bundle.file {
            let path = spec.resolve_path(file);
            UpgradeBundle::from_nut_file(bundle.fork, &path).map_err(|e| SpecErrorKind::BundleFile {
                index,
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        }
    }
    // Genesis forks need their bundles too: the genesis state replays them before block 0.
    for fork in schedule.scheduled().map(|(f, _)| f).filter(|f| f.upgrade_source() == UpgradeSource::BundleRequired) {
        if spec.bundles_for(fork).is_empty() {
            spec.official_bundle(fork).map_err(|e| SpecErrorKind::MissingBundle { fork, reason: e.to_string(), fix: e.fix() })?;
        }
    }
    Ok(())
}

fn features(spec: &NetworkSpec, schedule: &super::ForkSchedule) -> Result<(), SpecErrorKind> {
    let mut seen = HashSet::new();
    for (index, id) in spec.features.iter().flatten().enumerate() {
        if !seen.insert(id) {
            return Err(SpecErrorKind::DuplicateFeature { index, id: id.clone() });
        }
        let Some(feature) = feature(id) else {
            return Err(SpecErrorKind::UnknownFeature { index, id: id.clone() });
        };
        match feature.release {
            Some(release) if !spec.l1.reaches(release) => return Err(SpecErrorKind::L1FeatureUnscheduled { index, id: id.clone(), release }),
            None if schedule.offset(feature.fork).is_none() => {
                return Err(SpecErrorKind::FeatureForkUnscheduled { index, id: id.clone(), fork: feature.fork });
            }
            _ => {}
        }
        if let Coverage::Uncovered(reason) = feature.coverage {
            return Err(SpecErrorKind::UncoveredFeature { index, id: id.clone(), reason });
        }
    }
    Ok(())
}

fn stability(spec: &NetworkSpec) -> Result<(), SpecErrorKind> {
    let policy = &spec.stability;
    if policy.min_runs == 0 {
        return Err(SpecErrorKind::NoRuns);
    }
    if policy.consecutive_passes > policy.min_runs {
        return Err(SpecErrorKind::PassesAboveRuns { passes: policy.consecutive_passes, runs: policy.min_runs });
    }
    let unit = [
        ("max_flake_rate", policy.max_flake_rate),
        ("min_pass_rate", policy.min_pass_rate),
    ];
    for (key, value) in unit {
        if !(0.0..=1.0).contains(&value) {
            return Err(SpecErrorKind::StabilityRange { key, value, range: "0.0 to 1.0" });
        }
    }
    if !(0.5..1.0).contains(&policy.confidence) {
        return Err(SpecErrorKind::StabilityRange { key: "confidence", value: policy.confidence, range: "0.5 up to but not including 1.0" });
    }
    Ok(())
}
