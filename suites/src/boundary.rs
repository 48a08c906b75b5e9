//! The activation-boundary suite, generic over any upgrade bundle. Every expectation is derived
//! in the test from the official sources ([`crate::upgrades`]: kona's transactions, the bundle
//! file read afresh, op-node's source-hash rule) and from the OP specs' tables (L1-attributes
//! selectors, header fields), never from the harness's own parse of the bundle, so the same
//! checks prove a built-in fork, an official NUT bundle, or a team's own feature.

use alloy::{
    consensus::constants::EMPTY_ROOT_HASH,
    eips::{BlockId, eip7685::EMPTY_REQUESTS_HASH},
    network::TransactionResponse,
    primitives::{Address, B256, Bytes, U256, address, keccak256},
    providers::Provider,
    rpc::types::Header,
};
use anyhow::{Context, bail, ensure};
use harness::forks::Fork;

use crate::{
    TestNet, probe,
    upgrades::{Effect, ExpectedTx, core_predeploys, effect, expected_upgrades, kona_code_hashes, named_deployments},
    wallet::succeeded,
};

/// GasPriceOracle predeploy.
pub const GAS_PRICE_ORACLE: Address = address!("420000000000000000000000000000000000000F");
/// L2ToL1MessagePasser predeploy.
pub const MESSAGE_PASSER: Address = address!("4200000000000000000000000000000000000016");
/// EIP-1967 implementation slot.
pub const IMPLEMENTATION_SLOT: U256 =
    alloy::primitives::uint!(0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc_U256);

/// The GasPriceOracle flag getters of the forks that have one, as the specs list them.
pub const FLAGS: [(Fork, [u8; 4]); 4] = [
    (Fork::Ecotone, [0x4e, 0xf6, 0xe2, 0x24]),
    (Fork::Fjord, [0x96, 0x0e, 0x3a, 0x23]),
    (Fork::Isthmus, [0xb5, 0x45, 0x01, 0xbc]),
    (Fork::Jovian, [0x10, 0x5d, 0x0b, 0x81]),
];

/// The L1-attributes selectors of the specs' table, by the fork that introduced each format.
pub const L1_INFO_SELECTORS: [(Fork, [u8; 4]); 4] = [
    (Fork::Bedrock, [0x01, 0x5d, 0x8e, 0xb9]),
    (Fork::Ecotone, [0x44, 0x0a, 0x5e, 0x20]),
    (Fork::Isthmus, [0x09, 0x89, 0x99, 0xbe]),
    (Fork::Jovian, [0x3d, 0xb6, 0xbe, 0x2b]),
];

/// The L1-attributes selector the format `fork` introduced.
pub fn selector_of(fork: Fork) -> [u8; 4] {
    L1_INFO_SELECTORS.iter().find(|(f, _)| *f == fork).map(|(_, s)| *s).expect("a fork that introduced an L1-attributes format")
}

/// The L1-attributes selector of block `number`: the format of the newest format-changing fork
/// active at its parent (an activation block keeps the previous format).
pub fn l1_info_selector(net: &TestNet, number: u64) -> [u8; 4] {
    let parent = number.saturating_sub(1);
    let active = L1_INFO_SELECTORS.iter().filter(|(fork, _)| *fork == Fork::Bedrock || probe::is_active(net, *fork, parent));
    active.last().expect("Bedrock's format always applies").1
}

/// Transaction hashes and inputs of block `number`.
async fn block_txs(net: &TestNet, number: u64) -> anyhow::Result<Vec<(B256, Bytes)>> {
    let block = probe::block(net, number).await?;
    Ok(block.transactions.into_transactions().map(|t| (t.tx_hash(), alloy::consensus::Transaction::input(t.inner.inner.inner()).clone())).collect())
}

/// The activation block of a fork activated live; for a genesis fork, records that `part` does
/// not apply (there is no activation block) and returns `None`.
async fn live_activation(net: &TestNet, fork: Fork, part: &str) -> Option<u64> {
    let block = net.require(fork).await;
    if net.schedule.is_live(fork) {
        return Some(block);
    }
    net.not_applicable(part, format!("{fork} is active at genesis: its upgrade transactions never run, so there is no activation block"));
    None
}

/// The activation block holds the L1-attributes deposit, the user deposits of its epoch when
/// it starts one, and then exactly op-node's upgrade deposits for the fork, in order, and
/// nothing else. A fork active at genesis has no
/// activation block: its upgrade transactions must never run.
pub async fn block_layout(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let Some(block) = live_activation(net, fork, "activation block layout").await else {
        return no_upgrade_transactions(net, fork).await;
    };
    let expected = expected_upgrades(net, fork)?;
    let txs: Vec<(B256, bool)> = probe::block(net, block).await?.transactions.into_transactions().map(|t| (t.tx_hash(), t.inner.inner.inner().is_deposit())).collect();
    ensure!(!txs.is_empty(), "{fork} activation block {block} has no L1-attributes deposit");
    // op-node's order: the L1-attributes deposit, the epoch's user deposits, then the upgrade
    // transactions.
    let user_deposits = txs[1..].iter().take_while(|(hash, deposit)| *deposit && !expected.iter().any(|t| t.hash == *hash)).count();
    let got: Vec<B256> = txs[1 + user_deposits..].iter().map(|(h, _)| *h).collect();
    for (index, tx) in expected.iter().enumerate() {
        match got.iter().position(|h| *h == tx.hash) {
            Some(at) if at == index => {}
            Some(at) => bail!("{fork} upgrade transaction {index} ({}) is at position {at} of block {block}, not {index}", tx.intent),
            None => bail!("{fork} activation block {block} is missing upgrade transaction {index} ({}), hash {}", tx.intent, tx.hash),
        }
    }
    ensure!(
        got.len() == expected.len(),
        "{fork} activation block {block} has {} transactions after the L1-attributes deposit and the user deposits, expected the bundle's {} and no user transaction",
        got.len(),
        expected.len()
    );
    Ok(())
}

/// Every receipt of the activation block has status 1.
pub async fn receipts_succeed(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let Some(block) = live_activation(net, fork, "activation block receipts").await else { return Ok(()) };
    let receipts = net.l2.get_block_receipts(BlockId::number(block)).await?.context("block receipts")?;
    ensure!(receipts.len() > 1, "{fork} activation block {block} has {} receipts: no upgrade transaction ran", receipts.len());
    for (index, receipt) in receipts.iter().enumerate() {
        ensure!(succeeded(receipt), "transaction {index} of {fork} activation block {block} ({}) failed", receipt.inner.transaction_hash);
    }
    Ok(())
}

async fn code_hash_at(net: &TestNet, address: Address, block: u64) -> anyhow::Result<B256> {
    let code = net.l2.get_code_at(address).block_id(BlockId::number(block)).await?;
    ensure!(!code.is_empty(), "no code at {address} at block {block}");
    Ok(keccak256(code))
}

/// The implementation `proxy` points at, at `block`.
pub async fn implementation(net: &TestNet, proxy: Address, block: u64) -> anyhow::Result<Address> {
    let slot = net.l2.get_storage_at(proxy, IMPLEMENTATION_SLOT).block_id(BlockId::number(block)).await?;
    Ok(Address::from_word(slot.into()))
}

/// Proxies the bundles of forks after `fork` that are active at genesis point elsewhere again:
/// for a genesis fork, what those replaced is not this fork's to check.
pub fn replaced_at_genesis(net: &TestNet, fork: Fork) -> anyhow::Result<Vec<Address>> {
    let mut proxies = Vec::new();
    let later = net.schedule.forks.iter().filter(|(f, t)| **f > fork && **t == net.schedule.genesis_time);
    for (later, _) in later.filter(|(f, _)| f.has_upgrade_transactions()) {
        for tx in expected_upgrades(net, *later)? {
            match effect(&tx.deposit) {
                Effect::Upgrades { proxy, .. } => proxies.push(proxy),
                Effect::UpgradesPredeploys { .. } => proxies.extend(core_predeploys().into_iter().map(|(_, a)| a)),
                _ => {}
            }
        }
    }
    Ok(proxies)
}

/// What the upgrade transactions promise holds after them: code at every address they deploy
/// (with kona's published code hash where it has one), each proxy pointing at its new
/// implementation, and an L2ContractsManager's upgrades pointing every core predeploy at the
/// implementation the bundle deployed for it. For a genesis fork the state at block 0 must hold
/// the same code, for what no later genesis fork replaced.
pub async fn deployments_and_proxies(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    let expected = expected_upgrades(net, fork)?;
    if net.schedule.is_live(fork) {
        return installed_live(net, fork, &expected, block).await;
    }
    installed_at_genesis(net, fork, &expected).await
}

async fn installed_live(net: &TestNet, fork: Fork, expected: &[ExpectedTx], block: u64) -> anyhow::Result<()> {
    let known = kona_code_hashes(fork);
    for tx in expected {
        match effect(&tx.deposit) {
            Effect::Deploys { address } => {
                let got = code_hash_at(net, address, block).await.with_context(|| format!("{fork}: `{}`", tx.intent))?;
                if let Some((_, want)) = known.iter().find(|(a, _)| *a == address) {
                    ensure!(got == *want, "{fork}: code at {address} (`{}`) has hash {got}, kona-hardforks says {want}", tx.intent);
                }
            }
            Effect::Upgrades { proxy, implementation: want } => {
                let got = implementation(net, proxy, block).await?;
                ensure!(got == want, "{fork}: proxy {proxy} points at {got} after `{}`, expected {want}", tx.intent);
            }
            Effect::UpgradesPredeploys { manager } => predeploys_upgraded(net, fork, expected, manager, block).await?,
            Effect::Calls => {}
        }
    }
    Ok(())
}

/// A genesis fork's upgrade never ran on chain; where genesis replayed it, what it installs must
/// be there: each proxy it upgrades runs code with the hash kona publishes for the
/// implementation, and the contracts it deploys without a proxy (system contracts) have code.
/// Where the fork came with the genesis state (op-deployer's), that state's release decides the
/// code, so this part does not apply.
async fn installed_at_genesis(net: &TestNet, fork: Fork, expected: &[ExpectedTx]) -> anyhow::Result<()> {
    let replayed = net.spec.as_ref().is_some_and(|spec| harness::genesis::replayed_at_genesis(spec).contains(&fork));
    if !replayed {
        net.not_applicable("official deployments and proxy slots", format!("{fork}'s contracts on this chain came with its genesis state (op-deployer's release, or an unknown genesis), not from {fork}'s upgrade"));
    }
    let expected: Vec<&ExpectedTx> = expected.iter().filter(|t| replayed || !t.official).collect();
    let replaced = replaced_at_genesis(net, fork)?;
    let known = kona_code_hashes(fork);
    let effects: Vec<Effect> = expected.iter().map(|t| effect(&t.deposit)).collect();
    if expected.is_empty() {
        return Ok(());
    }
    let behind_proxy = |address: Address| effects.iter().any(|e| matches!(e, Effect::Upgrades { implementation, .. } if *implementation == address));
    let mut checked = 0;
    for (tx, effect) in expected.iter().zip(&effects) {
        match *effect {
            Effect::Deploys { address } if !behind_proxy(address) => {
                code_hash_at(net, address, 0).await.with_context(|| format!("{fork}: `{}` at genesis", tx.intent))?;
            }
            Effect::Upgrades { proxy, implementation: planned } if !replaced.contains(&proxy) => {
                let Some((_, want)) = known.iter().find(|(a, _)| *a == planned) else { continue };
                let current = implementation(net, proxy, 0).await?;
                let got = code_hash_at(net, current, 0).await?;
                ensure!(got == *want, "{fork} is active at genesis but {proxy} runs code {got} (at {current}), not the hash kona publishes for its {fork} implementation, {want}");
            }
            _ => continue,
        }
        checked += 1;
    }
    if checked == 0 {
        net.not_applicable("deployments and proxy slots", format!("everything {fork}'s upgrade installs was replaced by a later fork active at genesis"));
    }
    Ok(())
}

/// `upgradePredeploys(manager)` ran: the manager is the L2ContractsManager the bundle deployed,
/// every core predeploy points at the implementation the bundle deployed for it, and each of
/// those addresses is one the manager's constructor arguments list.
async fn predeploys_upgraded(net: &TestNet, fork: Fork, txs: &[ExpectedTx], manager: Address, block: u64) -> anyhow::Result<()> {
    let deployed = named_deployments(txs);
    ensure!(deployed.get("L2ContractsManager") == Some(&manager), "{fork}: upgradePredeploys names {manager}, not the L2ContractsManager the bundle deploys ({:?})", deployed.get("L2ContractsManager"));
    let manager_initcode = txs.iter().find(|t| t.intent == "Deploy L2ContractsManager Implementation").map(|t| t.deposit.input.clone()).unwrap_or_default();
    for (name, proxy) in core_predeploys() {
        let Some(want) = deployed.get(name) else { continue };
        let listed = manager_initcode.windows(32).any(|word| word == want.into_word().as_slice());
        ensure!(listed, "{fork}: the L2ContractsManager's constructor does not list {name}'s implementation {want}");
        let got = implementation(net, proxy, block).await?;
        ensure!(got == *want, "{fork}: {name} ({proxy}) points at {got} after upgradePredeploys, expected the bundle's {want}");
    }
    Ok(())
}

/// Calls a GasPriceOracle flag getter; a revert (the getter does not exist yet) reads as false.
async fn flag(net: &TestNet, selector: [u8; 4], block: u64) -> anyhow::Result<bool> {
    match probe::call(net, GAS_PRICE_ORACLE, Bytes::from(selector.to_vec()), block).await {
        Ok(word) => Ok(word.last() == Some(&1)),
        Err(e) if e.to_string().contains("execution reverted") => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The fork's GasPriceOracle flag is false before activation and true from it on; a fork without
/// a flag of its own must keep every earlier fork's flag set across its upgrade (its new
/// GasPriceOracle keeps the flags in storage).
pub async fn flags_flip(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    if let Some((_, selector)) = FLAGS.iter().find(|(f, _)| *f == fork) {
        if let Some(before) = probe::last_before(net, fork) {
            ensure!(!flag(net, *selector, before).await?, "GasPriceOracle says {fork} is active before its activation block");
        }
        ensure!(flag(net, *selector, block).await?, "GasPriceOracle does not say {fork} is active at block {block}");
        return Ok(());
    }
    net.wait_for_block(block + 1).await?;
    for (earlier, selector) in FLAGS.iter().filter(|(f, _)| *f < fork) {
        for at in [block, block + 1] {
            ensure!(flag(net, *selector, at).await?, "GasPriceOracle lost the {earlier} flag at block {at}, across {fork}'s upgrade");
        }
    }
    Ok(())
}

/// The activation block's L1-attributes deposit keeps the old format; the next block uses the
/// format the specs give for the newest fork active at its parent.
pub async fn l1_info_format(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    net.wait_for_block(block + 1).await?;
    let selector = |input: &Bytes| input.get(..4).map(|s| <[u8; 4]>::try_from(s).expect("4 bytes"));
    let next = block_txs(net, block + 1).await?;
    let want = l1_info_selector(net, block + 1);
    ensure!(selector(&next[0].1) == Some(want), "block {} after {fork} activation has L1-attributes selector {:?}, expected {}", block + 1, next[0].1.get(..4), Bytes::from(want.to_vec()));
    if let Some(at) = live_activation(net, fork, "the activation block keeps the previous L1-attributes format").await {
        let previous = l1_info_selector(net, at);
        let txs = block_txs(net, at).await?;
        ensure!(selector(&txs[0].1) == Some(previous), "{fork} activation block {at} does not use the previous L1-attributes format {}", Bytes::from(previous.to_vec()));
    }
    Ok(())
}

/// Which optional header fields a header carries.
fn shape(header: &Header) -> [bool; 5] {
    [
        header.withdrawals_root.is_some(),
        header.blob_gas_used.is_some(),
        header.excess_blob_gas.is_some(),
        header.parent_beacon_block_root.is_some(),
        header.requests_hash.is_some(),
    ]
}

/// Header fields the fork introduces appear exactly from its activation block; a fork that
/// introduces none leaves the header's shape as it was.
pub async fn header_fields(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    let at = probe::header(net, block).await?;
    probe::ensure_sealed(&at)?;
    let before = match probe::last_before(net, fork) {
        Some(n) => Some(probe::header(net, n).await?),
        None => None,
    };
    match fork {
        Fork::Ecotone => {
            ensure!(at.parent_beacon_block_root.is_some() && at.blob_gas_used == Some(0) && at.excess_blob_gas == Some(0), "Ecotone block {block} lacks parentBeaconBlockRoot or zero blob gas fields");
            if let Some(b) = before {
                ensure!(b.parent_beacon_block_root.is_none() && b.blob_gas_used.is_none(), "block before Ecotone already has Cancun header fields");
            }
        }
        Fork::Isthmus => {
            ensure!(at.requests_hash == Some(EMPTY_REQUESTS_HASH), "Isthmus block {block} has requestsHash {:?}", at.requests_hash);
            let proof = net.l2.get_proof(MESSAGE_PASSER, Vec::new()).block_id(BlockId::number(block)).await?;
            ensure!(at.withdrawals_root == Some(proof.storage_hash), "Isthmus block {block} withdrawalsRoot {:?} is not the message passer's storage root {}", at.withdrawals_root, proof.storage_hash);
            if let Some(b) = before {
                ensure!(b.requests_hash.is_none() && b.withdrawals_root == Some(EMPTY_ROOT_HASH), "block before Isthmus already has Isthmus header fields");
            }
        }
        Fork::Jovian => {
            ensure!(at.extra_data.len() == 17 && at.extra_data[0] == 1, "Jovian block {block} has extraData {}, expected version 1 and 17 bytes", at.extra_data);
            if let Some(b) = before {
                ensure!(b.extra_data.len() == 9 && b.extra_data[0] == 0, "block before Jovian has extraData {}, expected Holocene's version 0", b.extra_data);
            }
        }
        _ => match before {
            Some(b) => ensure!(shape(&at) == shape(&b), "{fork} activation block {block} changed the header's fields: {:?} before, {:?} at it", shape(&b), shape(&at)),
            None => {
                let next = probe::header(net, block + 1).await?;
                ensure!(shape(&at) == shape(&next), "block {} has other header fields than block {block}", block + 1);
            }
        },
    }
    Ok(())
}

/// Blocks keep coming after the activation, each linked to its parent one block time later.
pub async fn chain_advances(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    net.wait_for_block(block + 3).await?;
    for n in block..block + 3 {
        let (parent, child) = (probe::header(net, n).await?, probe::header(net, n + 1).await?);
        ensure!(child.parent_hash == parent.hash, "block {} does not link to block {n}", n + 1);
        ensure!(child.timestamp == parent.timestamp + net.schedule.block_time, "block {} is not one block time after block {n}", n + 1);
    }
    Ok(())
}

/// No upgrade transaction of the fork runs anywhere but its activation block: for a genesis fork
/// in none of the first blocks, for a live fork in none of the blocks around its activation.
pub async fn no_upgrade_transactions(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let activation = net.require(fork).await;
    let live = net.schedule.is_live(fork);
    let last = activation + 3;
    net.wait_for_block(last).await?;
    let hashes: Vec<B256> = expected_upgrades(net, fork)?.iter().map(|t| t.hash).collect();
    for n in (1..=last).filter(|n| !live || *n != activation) {
        for (hash, _) in block_txs(net, n).await? {
            ensure!(!hashes.contains(&hash), "{fork}'s upgrade transaction {hash} ran in block {n}, which is not its activation block");
        }
    }
    Ok(())
}

/// Every boundary check, in order; the first failure is returned.
pub async fn all(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    block_layout(net, fork).await?;
    receipts_succeed(net, fork).await?;
    deployments_and_proxies(net, fork).await?;
    flags_flip(net, fork).await?;
    l1_info_format(net, fork).await?;
    header_fields(net, fork).await?;
    chain_advances(net, fork).await?;
    no_upgrade_transactions(net, fork).await
}
