//! Semantic checks on a spec that parsed: fork order, mode rules, bundles, features, chain ids.
//! Each failure is a [`SpecErrorKind`] that knows its field and fix.

use std::collections::HashMap;

use super::{Mode, NetworkSpec, SpecErrorKind};
use crate::{
    forks::{ContractsRelease, Coverage, Fork, UpgradeBundle, UpgradeSource, feature},
    genesis::OP_DEPLOYER_BASE,
};

pub(super) fn validate(spec: &NetworkSpec) -> Result<(), SpecErrorKind> {
    chains(spec)?;
    let schedule = spec.forks.resolve()?;
    if spec.forks.bedrock.is_some_and(|a| a.seconds() != 0) {
        return Err(SpecErrorKind::BedrockNotGenesis);
    }
    fork_order(&schedule)?;
    mode(spec.mode, &schedule)?;
    upgrade_blocks(spec, &schedule)?;
    features(spec, &schedule)?;
    stability(spec)?;
    // Last, the checks that read the official data the spec points at.
    genesis_base(spec, &schedule)?;
    bundles(spec, &schedule)
}

fn chains(spec: &NetworkSpec) -> Result<(), SpecErrorKind> {
    if spec.l2.is_empty() {
        return Err(SpecErrorKind::NoL2);
    }
    let mut seen: HashMap<u64, String> = HashMap::from([(spec.l1.chain_id, "the L1".to_owned())]);
    if spec.l1.block_time == 0 {
        return Err(SpecErrorKind::ZeroBlockTime { field: "l1.block_time".into() });
    }
    for (i, l2) in spec.l2.iter().enumerate() {
        if l2.block_time == 0 {
            return Err(SpecErrorKind::ZeroBlockTime { field: format!("l2[{i}].block_time") });
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

fn mode(mode: Mode, schedule: &super::ForkSchedule) -> Result<(), SpecErrorKind> {
    let first_live = schedule.live_forks().next();
    match (mode, first_live) {
        (Mode::Alphanet, Some((fork, offset))) => Err(SpecErrorKind::AlphanetLiveFork { fork, offset }),
        (Mode::Betanet, None) => Err(SpecErrorKind::BetanetNothingLive),
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
    let release = spec.l1.contracts;
    crate::contracts::load_state(&dir, release).map_err(|e| SpecErrorKind::Deployments { reason: e.to_string(), fix: e.fix() })?;
    if release < ContractsRelease::V5_0_0 {
        let jovian_values = spec.l2.iter().enumerate().find(|(_, l2)| l2.system_config.min_base_fee != 0);
        if let Some((index, _)) = jovian_values {
            return Err(SpecErrorKind::ReleaseLacksSetting { field: format!("l2[{index}].system_config.min_base_fee"), release });
        }
    }
    Ok(())
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
    for (index, id) in spec.features.iter().flatten().enumerate() {
        let Some(feature) = feature(id) else {
            return Err(SpecErrorKind::UnknownFeature { index, id: id.clone() });
        };
        if schedule.offset(feature.fork).is_none() {
            return Err(SpecErrorKind::FeatureForkUnscheduled { index, id: id.clone(), fork: feature.fork });
        }
        if let Coverage::Uncovered(reason) = feature.coverage {
            return Err(SpecErrorKind::UncoveredFeature { index, id: id.clone(), reason });
        }
    }
    Ok(())
}

fn stability(spec: &NetworkSpec) -> Result<(), SpecErrorKind> {
    let policy = &spec.stability;
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
