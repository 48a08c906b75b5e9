//! op-deployer's genesis state as an oracle for the state upgrade transactions reach.
//!
//! op-deployer builds a new chain with every fork through Jovian at genesis from its own copy of
//! the contracts; the harness reaches Jovian by replaying the Jovian upgrade transactions on an
//! older state (a Betanet live, an Alphanet before block 0). Where the two must agree they must
//! agree byte for byte: the code behind every predeploy proxy the Jovian upgrade points at a new
//! implementation, the fork flags the GasPriceOracle keeps, and the code of every preinstall.
//! Implementation addresses differ by design (op-deployer uses the 0xc0d3… addresses, upgrade
//! transactions their CREATE addresses), and predeploys no fork upgrade touches carry each
//! contracts release's own code, so those are not compared.

use std::collections::BTreeMap;

use alloy::{
    eips::BlockId,
    genesis::GenesisAccount,
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
};
use anyhow::{Context, ensure};
use harness::{
    contracts::load_state,
    forks::{ContractsRelease, Fork},
};

use crate::{
    TestNet,
    boundary::{GAS_PRICE_ORACLE, IMPLEMENTATION_SLOT, implementation, replaced_at_genesis},
    upgrades::{Effect, effect, expected_upgrades},
};

/// The release whose L2 allocation has Jovian at genesis.
const JOVIAN_RELEASE: ContractsRelease = ContractsRelease::V5_0_0;

/// Whether `address` is in the predeploy range 0x4200…0000–0x4200…07FF or the implementation
/// range op-deployer uses, 0xc0d3…; everything else with code is a preinstall or a precompile.
fn is_predeploy_or_implementation(address: &Address) -> bool {
    let bytes = address.as_slice();
    bytes[..18] == [0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] || bytes[..2] == [0xc0, 0xd3]
}

fn implementation_of(alloc: &BTreeMap<Address, GenesisAccount>, proxy: Address) -> Option<Address> {
    let slot = alloc.get(&proxy)?.storage.as_ref()?.get(&B256::from(IMPLEMENTATION_SLOT))?;
    Some(Address::from_word(*slot))
}

fn code_hash(alloc: &BTreeMap<Address, GenesisAccount>, address: Address) -> Option<B256> {
    alloc.get(&address)?.code.as_ref().filter(|c| !c.is_empty()).map(keccak256)
}

/// Compares this network's state at `fork`'s activation (block 0 for a genesis fork) with
/// op-deployer's Jovian-at-genesis allocation; the first predeploy that differs is named.
pub async fn matches_op_deployer(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    let spec = net.spec.as_ref().with_context(|| format!("network {} has no spec naming op-deployer's state (set {})", net.origin, crate::env::SPEC))?;
    let dir = spec.data.deployments_dir(spec.folder()).context("the spec names no deployments folder ([data] deployments or HARNESS_DEPLOYMENTS)")?;
    let alloc = load_state(&dir, JOVIAN_RELEASE)?.l2_alloc()?.clone();
    let replaced = if net.schedule.is_live(fork) { Vec::new() } else { replaced_at_genesis(net, fork)? };
    let upgraded: Vec<Address> = expected_upgrades(net, fork)?
        .iter()
        .filter_map(|tx| match effect(&tx.deposit) {
            Effect::Upgrades { proxy, .. } => Some(proxy),
            _ => None,
        })
        .collect();
    ensure!(!upgraded.is_empty(), "{fork}'s upgrade points no proxy anywhere: nothing to compare");
    if upgraded.iter().all(|p| replaced.contains(p)) {
        net.not_applicable("state equals op-deployer's Jovian genesis", format!("a later fork active at genesis upgrades every predeploy {fork} does"));
        return Ok(());
    }
    let upgraded = upgraded.into_iter().filter(|p| !replaced.contains(p));
    for proxy in upgraded {
        let theirs = implementation_of(&alloc, proxy).and_then(|i| code_hash(&alloc, i)).with_context(|| format!("op-deployer's state has no implementation behind {proxy}"))?;
        let ours_at = implementation(net, proxy, block).await?;
        let ours = keccak256(net.l2.get_code_at(ours_at).block_id(BlockId::number(block)).await?);
        ensure!(ours == theirs, "predeploy {proxy} runs code {ours} (implementation {ours_at}) at block {block}; op-deployer's Jovian genesis runs {theirs}");
    }
    let flags = net.l2.get_storage_at(GAS_PRICE_ORACLE, U256::ZERO).block_id(BlockId::number(block)).await?;
    let want = alloc.get(&GAS_PRICE_ORACLE).and_then(|a| a.storage.as_ref()?.get(&B256::ZERO).copied()).unwrap_or_default();
    ensure!(B256::from(flags) == want, "the GasPriceOracle's fork flags (slot 0) are {} at block {block}; op-deployer's Jovian genesis has {want}", B256::from(flags));
    for (address, account) in alloc.iter().filter(|(a, acc)| !is_predeploy_or_implementation(a) && acc.code.as_ref().is_some_and(|c| !c.is_empty())) {
        let ours = keccak256(net.l2.get_code_at(*address).block_id(BlockId::number(block)).await?);
        let theirs = keccak256(account.code.as_ref().expect("filtered on code"));
        ensure!(ours == theirs, "preinstall {address} has code {ours} at block {block}; op-deployer's Jovian genesis has {theirs}");
    }
    Ok(())
}
