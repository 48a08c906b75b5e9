//! The activation-boundary suite, generic over any upgrade bundle: every expectation is derived
//! from the bundle's own transactions, so the same checks prove a built-in fork, a NUT bundle
//! for Jovian, or a team's own feature.

use alloy::{
    consensus::constants::EMPTY_ROOT_HASH,
    eips::{BlockId, BlockNumberOrTag, eip7685::EMPTY_REQUESTS_HASH},
    network::TransactionResponse,
    primitives::{Address, B256, Bytes, address, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use anyhow::{Context, bail, ensure};
use harness::forks::{Expectation, Fork, IMPLEMENTATION_SLOT, UpgradeBundle, UpgradeTx};
use crate::{TestNet, wallet::{op_request, succeeded}};

/// GasPriceOracle predeploy.
pub const GAS_PRICE_ORACLE: Address = address!("420000000000000000000000000000000000000F");
/// L2ToL1MessagePasser predeploy.
pub const MESSAGE_PASSER: Address = address!("4200000000000000000000000000000000000016");

/// The GasPriceOracle flag getter a fork flips, if any.
pub const fn flag_selector(fork: Fork) -> Option<[u8; 4]> {
    match fork {
        Fork::Ecotone => Some([0x4e, 0xf6, 0xe2, 0x24]),
        Fork::Fjord => Some([0x96, 0x0e, 0x3a, 0x23]),
        Fork::Isthmus => Some([0xb5, 0x45, 0x01, 0xbc]),
        Fork::Jovian => Some([0x10, 0x5d, 0x0b, 0x81]),
        _ => None,
    }
}

fn upgrade_txs(bundles: &[UpgradeBundle]) -> Vec<&UpgradeTx> {
    bundles.iter().flat_map(|b| &b.transactions).collect()
}

/// Transaction hashes and inputs of block `number`.
async fn block_txs(net: &TestNet, number: u64) -> anyhow::Result<Vec<(B256, Bytes)>> {
    let block = net.l2.get_block_by_number(number.into()).full().await?.with_context(|| format!("block {number} missing"))?;
    Ok(block.transactions.into_transactions().map(|t| (t.tx_hash(), alloy::consensus::Transaction::input(t.inner.inner.inner()).clone())).collect())
}

/// The activation block holds the L1-attributes deposit and then exactly the bundle's
/// transactions, in order, and nothing else. A fork active at genesis has no activation block:
/// its upgrade transactions must never run.
pub async fn block_layout(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    if !net.schedule.is_live(fork) {
        return no_upgrade_transactions(net, fork).await;
    }
    let bundles = net.bundles(fork)?;
    let expected = upgrade_txs(&bundles);
    let txs = block_txs(net, block).await?;
    ensure!(!txs.is_empty(), "{fork} activation block {block} has no L1-attributes deposit");
    let got: Vec<B256> = txs[1..].iter().map(|(h, _)| *h).collect();
    for (index, tx) in expected.iter().enumerate() {
        match got.iter().position(|h| *h == tx.hash()) {
            Some(at) if at == index => {}
            Some(at) => bail!("{fork} upgrade transaction {index} ({}) is at position {at} of block {block}, not {index}", tx.intent),
            None => bail!("{fork} activation block {block} is missing upgrade transaction {index} ({}), hash {}", tx.intent, tx.hash()),
        }
    }
    ensure!(
        got.len() == expected.len(),
        "{fork} activation block {block} has {} transactions after the L1-attributes deposit, expected the bundle's {} and no user transaction",
        got.len(),
        expected.len()
    );
    Ok(())
}

/// Every receipt of the activation block has status 1.
pub async fn receipts_succeed(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    let receipts = net.l2.get_block_receipts(BlockId::number(block)).await?.context("block receipts")?;
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

/// Proxies that a later fork, active by `block`, points elsewhere again.
async fn superseded_proxies(net: &TestNet, fork: Fork, block: u64) -> anyhow::Result<Vec<Address>> {
    let later = net.schedule.forks.keys().filter(|f| **f > fork && net.schedule.activation_block(**f).is_some_and(|b| b <= block));
    let mut proxies = Vec::new();
    for later in later {
        for bundle in net.bundles(*later)? {
            proxies.extend(bundle.expectations().into_iter().filter_map(|e| match e {
                Expectation::Upgrades { proxy, .. } => Some(proxy),
                Expectation::Deploys { .. } => None,
            }));
        }
    }
    Ok(proxies)
}

/// Deployed code and proxy implementation slots are what the bundle promises (at genesis, for
/// proxies no later genesis fork upgraded again).
pub async fn deployments_and_proxies(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    let live = net.schedule.is_live(fork);
    let superseded = superseded_proxies(net, fork, block).await?;
    let receipts = if live { net.l2.get_block_receipts(BlockId::number(block)).await?.unwrap_or_default() } else { Vec::new() };
    for bundle in net.bundles(fork)? {
        for expectation in bundle.expectations() {
            match expectation {
                Expectation::Deploys { index, address, code_hash } => {
                    let deployed = match (live, address) {
                        (true, _) => receipts.get(1 + index).and_then(|r| r.inner.contract_address).with_context(|| format!("{fork} deployment {index} created no contract"))?,
                        (false, Some(known)) => known,
                        // A genesis fork's unknown deployment address cannot be looked up.
                        (false, None) => continue,
                    };
                    if let Some(known) = address {
                        ensure!(deployed == known, "{fork} deployment {index} created {deployed}, expected {known}");
                    }
                    let got = code_hash_at(net, deployed, block).await?;
                    if let Some(want) = code_hash {
                        ensure!(got == want, "{fork} code at {deployed} has hash {got}, expected {want}");
                    }
                }
                Expectation::Upgrades { proxy, .. } if superseded.contains(&proxy) => {}
                Expectation::Upgrades { proxy, implementation } => {
                    let slot = net.l2.get_storage_at(proxy, IMPLEMENTATION_SLOT.into()).block_id(BlockId::number(block)).await?;
                    let got = Address::from_word(slot.into());
                    ensure!(got == implementation, "{fork}: proxy {proxy} points at {got}, expected {implementation}");
                }
            }
        }
    }
    Ok(())
}

/// Calls a GasPriceOracle flag getter; a revert (the getter does not exist yet) reads as false.
async fn flag(net: &TestNet, selector: [u8; 4], block: BlockNumberOrTag) -> anyhow::Result<bool> {
    let request = op_request(TransactionRequest::default().to(GAS_PRICE_ORACLE).input(Bytes::from(selector.to_vec()).into()));
    match net.l2.call(request).block(block.into()).await {
        Ok(word) => Ok(word.last() == Some(&1)),
        Err(e) if e.to_string().contains("execution reverted") => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The fork's GasPriceOracle flag is false before activation and true from it on.
pub async fn flags_flip(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    let Some(selector) = flag_selector(fork) else { return Ok(()) };
    if let Some(before) = net.before(fork) {
        ensure!(!flag(net, selector, before).await?, "GasPriceOracle says {fork} is active before its activation block");
    }
    ensure!(flag(net, selector, block.into()).await?, "GasPriceOracle does not say {fork} is active at block {block}");
    Ok(())
}

/// The activation block's L1-attributes deposit keeps the old format; the next block uses the
/// fork's.
pub async fn l1_info_format(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    net.wait_for_block(block + 1).await?;
    let selector = |input: &Bytes| input.get(..4).map(|s| <[u8; 4]>::try_from(s).expect("4 bytes"));
    let next = block_txs(net, block + 1).await?;
    let want = net.schedule.l1_info_format(block + 1).selector();
    ensure!(selector(&next[0].1) == Some(want), "block {} after {fork} activation has L1-attributes selector {:?}, expected {}", block + 1, next[0].1.get(..4), Bytes::from(want.to_vec()));
    if net.schedule.is_live(fork) {
        let previous = net.schedule.l1_info_format(block).selector();
        let at = block_txs(net, block).await?;
        ensure!(selector(&at[0].1) == Some(previous), "{fork} activation block {block} already uses the new L1-attributes format");
    }
    Ok(())
}

/// Header fields the fork introduces appear exactly from its activation block.
pub async fn header_fields(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    let header = |n: u64| async move {
        net.l2.get_block_by_number(n.into()).await?.map(|b| b.header).with_context(|| format!("block {n} missing"))
    };
    let at = header(block).await?;
    let before = match net.before(fork) {
        Some(BlockNumberOrTag::Number(n)) => Some(header(n).await?),
        _ => None,
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
        _ => {}
    }
    Ok(())
}

/// Blocks keep coming after the activation, each linked to its parent one block time later.
pub async fn chain_advances(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    let block = net.require(fork).await;
    net.wait_for_block(block + 3).await?;
    for n in block..block + 3 {
        let (parent, child) = (net.l2.get_block_by_number(n.into()).await?, net.l2.get_block_by_number((n + 1).into()).await?);
        let (parent, child) = (parent.context("parent block")?, child.context("child block")?);
        ensure!(child.header.parent_hash == parent.header.hash, "block {} does not link to block {n}", n + 1);
        ensure!(child.header.timestamp == parent.header.timestamp + net.schedule.block_time, "block {} is not one block time after block {n}", n + 1);
    }
    Ok(())
}

/// A genesis-active fork never runs upgrade transactions: none appears in the first blocks.
pub async fn no_upgrade_transactions(net: &TestNet, fork: Fork) -> anyhow::Result<()> {
    if net.schedule.is_live(fork) {
        return Ok(());
    }
    net.wait_for_block(3).await?;
    let bundles = net.bundles(fork)?;
    let hashes: Vec<B256> = upgrade_txs(&bundles).iter().map(|t| t.hash()).collect();
    for n in 1..=3 {
        for (hash, _) in block_txs(net, n).await? {
            ensure!(!hashes.contains(&hash), "{fork} is active at genesis but its upgrade transaction {hash} ran in block {n}");
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
