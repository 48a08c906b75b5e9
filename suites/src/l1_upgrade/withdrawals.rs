//! Withdrawals end to end, the way a bridge uses the L2's withdrawals root: initiated on L2
//! (directly through the L2ToL1MessagePasser, and through the L2StandardBridge), the output root
//! proposed by the harness as the chain's proposer, proven on the OptimismPortal with an
//! `eth_getProof` storage proof, and finalized once the release's delays have passed on the L1's
//! clock, with every balance exact to the wei.
//!
//! The delays are the contracts' own (read from them): the L1 lets them pass by building one
//! ordinary block that many slots later (`anvil_mine` with an interval of whole slots: the slots
//! between are missed, as happens on Ethereum), never by touching a contract.

use std::time::Instant;

use alloy::{
    consensus::TxReceipt,
    primitives::{Address, B256, Bytes, U256, address, keccak256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol_types::{SolCall, SolEvent, SolValue},
};
use anyhow::{Context, ensure};
use harness::{
    contracts::{
        DisputeGame, OptimismPortal,
        OptimismPortal::{OutputRootProof, WithdrawalTransaction},
        proposer::{Proposal, Proposer},
    },
    forks::{ContractsRelease, Fork},
    node::l1::MAX_SLOTS,
};

use super::{
    L1Upgrade,
    boundary::{deposit_logs, mint},
    l1_header, wait_for_origin,
};
use crate::{
    TestNet,
    boundary::MESSAGE_PASSER,
    contracts::{L1_BLOCK, L1Block, call_abi},
    l1::{self, L1Wallet, l1_call},
    wallet::{Wallet, block_number, succeeded},
};

/// L2StandardBridge predeploy.
const L2_STANDARD_BRIDGE: Address = address!("4200000000000000000000000000000000000010");

/// What one withdrawal sends: distinct odd amounts, so a balance off by another's value shows.
const DIRECT_VALUE: U256 = U256::from_limbs([1_234_567_890_123, 0, 0, 0]);
const BRIDGED_VALUE: U256 = U256::from_limbs([987_654_321_987, 0, 0, 0]);

/// Gas the finalizing transaction gets: the portal forwards the withdrawal's own gas limit only
/// if this much is left, and a withdrawal that runs out is finalized as failed for good, so no
/// estimate decides it.
const FINALIZE_GAS: u64 = 1_500_000;

alloy::sol! {
    interface L2ToL1MessagePasser {
        function initiateWithdrawal(address target, uint256 gasLimit, bytes data) external payable;
        event MessagePassed(uint256 indexed nonce, address indexed sender, address indexed target, uint256 value, uint256 gasLimit, bytes data, bytes32 withdrawalHash);
    }

    interface L2StandardBridge {
        function bridgeETHTo(address to, uint32 minGasLimit, bytes extraData) external payable;
    }
}

/// A withdrawal initiated on L2, as its `MessagePassed` event reports it.
struct Withdrawal {
    tx: WithdrawalTransaction,
    hash: B256,
    l2_block: u64,
    /// Who receives the ETH on L1, and how much.
    recipient: Address,
    value: U256,
}

/// Sends `value` to `recipient` on L1 through the message passer.
async fn initiate_direct(wallet: &Wallet, recipient: Address, value: U256) -> anyhow::Result<Withdrawal> {
    let call = L2ToL1MessagePasser::initiateWithdrawalCall { target: recipient, gasLimit: U256::from(100_000), data: Bytes::new() };
    let receipt = wallet.send(TransactionRequest::default().to(MESSAGE_PASSER).input(call.abi_encode().into()).value(value)).await?;
    withdrawal(&receipt, recipient, value)
}

/// Sends `value` to `recipient` on L1 through the standard bridge (and its messenger).
async fn initiate_bridged(wallet: &Wallet, recipient: Address, value: U256) -> anyhow::Result<Withdrawal> {
    let call = L2StandardBridge::bridgeETHToCall { to: recipient, minGasLimit: 200_000, extraData: Bytes::new() };
    let receipt = wallet.send(TransactionRequest::default().to(L2_STANDARD_BRIDGE).input(call.abi_encode().into()).value(value)).await?;
    withdrawal(&receipt, recipient, value)
}

/// The withdrawal a receipt's `MessagePassed` event describes; its hash must be the hash of its
/// fields (`keccak256(abi.encode(nonce, sender, target, value, gasLimit, data))`).
fn withdrawal(receipt: &op_alloy::rpc_types::OpTransactionReceipt, recipient: Address, value: U256) -> anyhow::Result<Withdrawal> {
    let hash = receipt.inner.transaction_hash;
    ensure!(succeeded(receipt), "the withdrawal transaction {hash} failed on L2");
    let event = receipt.inner.inner.logs().iter().find_map(|l| L2ToL1MessagePasser::MessagePassed::decode_log(&l.inner).ok()).with_context(|| format!("{hash} emitted no MessagePassed"))?;
    let e = event.data;
    let tx = WithdrawalTransaction { nonce: e.nonce, sender: e.sender, target: e.target, value: e.value, gasLimit: e.gasLimit, data: e.data };
    let computed = keccak256(tx.abi_encode_params());
    ensure!(computed == e.withdrawalHash, "MessagePassed of {hash} reports withdrawal hash {} but its fields hash to {computed}", e.withdrawalHash);
    Ok(Withdrawal { tx, hash: computed, l2_block: block_number(receipt)?, recipient, value })
}

/// The message passer holds, after each withdrawal's block, what it held before plus what that
/// block's withdrawals sent: exact, whatever else the block held.
async fn passer_took(net: &TestNet, w: &Withdrawal) -> anyhow::Result<()> {
    let balance = |n: u64| net.l2.get_balance(MESSAGE_PASSER).block_id(n.into());
    let (before, after) = (balance(w.l2_block - 1).await?, balance(w.l2_block).await?);
    let receipts = net.l2.get_block_receipts(w.l2_block.into()).await?.context("the withdrawal's block has no receipts")?;
    let sent: U256 = receipts.iter().flat_map(|r| r.inner.inner.logs()).filter_map(|l| L2ToL1MessagePasser::MessagePassed::decode_log(&l.inner).ok()).map(|e| e.data.value).sum();
    ensure!(sent >= w.value && after == before + sent, "the message passer held {before} wei before L2 block {} and {after} after; its withdrawals sent {sent}", w.l2_block);
    Ok(())
}

/// A withdrawal initiated on L2 is proven and finalized on L1 to the wei, directly and through
/// the bridge. On a network that upgrades live (the L1's contracts, the L2's fork, or both), both
/// are initiated before every boundary and proven and finalized after the last one.
pub async fn finalized_exact_to_the_wei(net: &TestNet, release: ContractsRelease) -> anyhow::Result<()> {
    let started = Instant::now();
    let upgrade = L1Upgrade::of(net, release).await?;
    let wallet = net.wallet().await?;
    let recipients = (net.salted_signer("l1 recipient").address(), net.salted_signer("l1 recipient").address());
    let withdrawals = [initiate_direct(&wallet, recipients.0, DIRECT_VALUE).await?, initiate_bridged(&wallet, recipients.1, BRIDGED_VALUE).await?];
    for w in &withdrawals {
        passer_took(net, w).await?;
    }
    let prover = l1::wallet(net).await?;
    back_the_withdrawals(net, &prover, wallet.address(), DIRECT_VALUE + BRIDGED_VALUE).await?;
    cross_the_boundaries(net, &upgrade, &withdrawals).await?;
    let (proposer, proposal, output) = propose_head(net).await?;
    let mut proven = 0;
    for w in &withdrawals {
        let receipt = prove(net, &prover, &proposal, &output, w).await?;
        ensure!(receipt.status(), "proving withdrawal {} against game {}: L1 transaction {} reverted", w.hash, proposal.game, receipt.transaction_hash);
        proven = proven.max(l1_header(net, receipt.block_number.context("a receipt without block")?).await?.timestamp);
    }
    resolve_when_due(net, &proposer, &proposal).await?;
    finalize_when_due(net, &prover, &proposal, proven, &withdrawals).await?;
    println!("withdrawal: initiated on L2, proposed, proven, resolved and finalized on L1 in {:.2?} of wall time", started.elapsed());
    Ok(())
}

/// Takes the network past its live boundaries, the L1 upgrade's block and every L2 fork's
/// activation block, after checking that the withdrawals were initiated before each: their L2
/// block's L1 origin precedes the upgrade block, and the block itself precedes the fork's.
async fn cross_the_boundaries(net: &TestNet, upgrade: &L1Upgrade, withdrawals: &[Withdrawal]) -> anyhow::Result<()> {
    match upgrade.block(net).await? {
        None => net.not_applicable("initiated before the L1 upgrade, finalized after it", format!("the L1 of {} starts on {}", net.origin, upgrade.to)),
        Some(block) => {
            for w in withdrawals {
                let origin = call_abi(net, L1_BLOCK, L1Block::numberCall {}, w.l2_block).await?;
                ensure!(origin < block, "precondition failed: withdrawal {} was initiated in L2 block {}, whose L1 origin {origin} is not before the upgrade block {block}", w.hash, w.l2_block);
            }
            wait_for_origin(net, block + 1).await?;
        }
    }
    let live = net.schedule.forks.keys().filter(|f| net.schedule.is_live(**f));
    for (fork, activation) in live.filter_map(|f| Some((*f, net.schedule.activation_block(*f)?))) {
        for w in withdrawals {
            ensure!(w.l2_block < activation, "precondition failed: withdrawal {} was initiated in L2 block {}, not before {fork}'s activation block {activation}", w.hash, w.l2_block);
        }
        net.wait_for_block(activation + 1).await?;
    }
    Ok(())
}

/// Deposits `value` to `to` on L2, so the portal holds what the withdrawals take out: the ETH an
/// L2 withdraws is ETH the portal holds for it.
async fn back_the_withdrawals(net: &TestNet, from: &L1Wallet, to: Address, value: U256) -> anyhow::Result<()> {
    let deposit = l1::DepositRequest { to, mint: value, gas_limit: 100_000, ..Default::default() };
    from.send(deposit.portal_call(net.l1_addresses.portal)).await.context("depositing to back the withdrawals")?;
    Ok(())
}

/// Proposes the L2's head, once it is past the withdrawals, and checks the root the proposer
/// claimed against the test's own computation by op-node's rule (`output_roots_agree` holds
/// the L2's `optimism_outputAtBlock` to the same root).
async fn propose_head(net: &TestNet) -> anyhow::Result<(Proposer, Proposal, OutputRootProof)> {
    let proposer = Proposer::connect(net.l1_url(), net.l2_url(), net.l1_addresses.portal).await?;
    let head = net.l2.get_block_number().await?;
    let output = proposer.output_at(head).await?;
    let expected = independent_output_root(net, head).await?;
    let proposal = proposer.propose(head).await?;
    ensure!(proposal.root == expected, "the proposer claimed {} for L2 block {head}; op-node's rule over the L2's state gives {expected}", proposal.root);
    Ok((proposer, proposal, output))
}

/// Proves `w` against `proposal` with the message passer's storage proof at the proposed block.
async fn prove(net: &TestNet, prover: &L1Wallet, proposal: &Proposal, output: &OutputRootProof, w: &Withdrawal) -> anyhow::Result<TransactionReceipt> {
    let slot = keccak256((w.hash, U256::ZERO).abi_encode());
    let proof = net.l2.get_proof(MESSAGE_PASSER, vec![slot]).block_id(proposal.l2_block.into()).await?;
    let leaf = proof.storage_proof.first().context("eth_getProof returned no storage proof")?;
    ensure!(leaf.value == U256::from(1), "sentMessages[{}] is {} at L2 block {}, not 1", w.hash, leaf.value, proposal.l2_block);
    let call = OptimismPortal::proveWithdrawalTransactionCall { tx: w.tx.clone(), disputeGameIndex: proposal.index, outputRootProof: output.clone(), withdrawalProof: leaf.proof.clone() };
    prover.send_unchecked(TransactionRequest::default().to(net.l1_addresses.portal).input(call.abi_encode().into()).gas_limit(FINALIZE_GAS)).await
}

/// Builds one L1 block at or after `time` (gas estimates run on the head, so the head itself
/// must be due): an ordinary block, the slots before it missed, as `anvil_mine` with an interval
/// of whole slots builds it. No contract or storage is touched; only the L1's clock moves on.
async fn let_time_pass_until(net: &TestNet, time: u64) -> anyhow::Result<()> {
    let block_time = net.l1_block_time();
    let head = l1_header(net, net.l1.get_block_number().await?).await?;
    let slots = time.saturating_sub(head.timestamp).div_ceil(block_time);
    ensure!(slots <= MAX_SLOTS, "waiting until {time} takes {slots} L1 slots, more than {MAX_SLOTS}");
    if slots > 0 {
        let interval = U256::from(slots * block_time);
        let () = net.l1.raw_request("anvil_mine".into(), (U256::from(1), interval)).await.context("precondition failed: the L1 cannot build blocks on request (anvil_mine: the embedded L1 on the fast clock, or anvil)")?;
    }
    let now = l1_header(net, net.l1.get_block_number().await?).await?.timestamp;
    ensure!(now >= time, "the L1's head is at time {now} after mining towards {time}");
    Ok(())
}

/// Resolves the game once its clock has run out (its own `maxClockDuration` after creation).
async fn resolve_when_due(net: &TestNet, proposer: &Proposer, proposal: &Proposal) -> anyhow::Result<()> {
    let latest = net.l1.get_block_number().await?;
    let created = l1_call(net, proposal.game, DisputeGame::createdAtCall {}, latest).await?;
    let clock = l1_call(net, proposal.game, DisputeGame::maxClockDurationCall {}, latest).await?;
    let_time_pass_until(net, created + clock).await?;
    proposer.resolve(proposal.game).await?;
    let status = l1_call(net, proposal.game, DisputeGame::statusCall {}, net.l1.get_block_number().await?).await?;
    ensure!(status == 2, "the unchallenged game {} resolved to status {status}, not DEFENDER_WINS (2)", proposal.game);
    Ok(())
}

/// Finalizes the withdrawals once both delays have passed (strictly: the game's finality delay
/// after it resolved, the proof maturity delay after the last proof), and checks that every
/// recipient got exactly its value and the portal paid exactly that.
async fn finalize_when_due(net: &TestNet, prover: &L1Wallet, proposal: &Proposal, proven: u64, withdrawals: &[Withdrawal]) -> anyhow::Result<()> {
    let portal = net.l1_addresses.portal;
    let latest = net.l1.get_block_number().await?;
    let resolved = l1_call(net, proposal.game, DisputeGame::resolvedAtCall {}, latest).await?;
    let finality: u64 = l1_call(net, portal, OptimismPortal::disputeGameFinalityDelaySecondsCall {}, latest).await?.to();
    let maturity: u64 = l1_call(net, portal, OptimismPortal::proofMaturityDelaySecondsCall {}, latest).await?.to();
    let_time_pass_until(net, (resolved + finality).max(proven + maturity) + 1).await?;
    for w in withdrawals {
        let call = OptimismPortal::finalizeWithdrawalTransactionCall { tx: w.tx.clone() };
        let receipt = prover.send(TransactionRequest::default().to(portal).input(call.abi_encode().into()).gas_limit(FINALIZE_GAS)).await.with_context(|| format!("finalizing withdrawal {}", w.hash))?;
        let finalized = receipt.inner.logs().iter().find_map(|l| OptimismPortal::WithdrawalFinalized::decode_log(&l.inner).ok()).context("finalizing emitted no WithdrawalFinalized")?;
        ensure!(finalized.data.withdrawalHash == w.hash && finalized.data.success, "withdrawal {} finalized as {} (success: {})", w.hash, finalized.data.withdrawalHash, finalized.data.success);
        paid_exactly(net, w, receipt.block_number.context("a receipt without block")?).await?;
    }
    Ok(())
}

/// In the finalizing block the recipient gained exactly the withdrawal's value, and the portal
/// lost exactly that, net of what the block's deposits minted.
async fn paid_exactly(net: &TestNet, w: &Withdrawal, block: u64) -> anyhow::Result<()> {
    let portal = net.l1_addresses.portal;
    let balance = |who: Address, n: u64| net.l1.get_balance(who).block_id(n.into());
    let got = balance(w.recipient, block).await? - balance(w.recipient, block - 1).await?;
    ensure!(got == w.value, "recipient {} received {got} wei in L1 block {block} for withdrawal {}; it sent {}", w.recipient, w.hash, w.value);
    let minted: U256 = deposit_logs(net, portal, block).await?.iter().map(mint).sum();
    let (before, after) = (balance(portal, block - 1).await?, balance(portal, block).await?);
    ensure!(after + w.value == before + minted, "the portal held {before} wei before L1 block {block} and {after} after, with {minted} deposited: not a payout of exactly {}", w.value);
    Ok(())
}

/// A withdrawal proven against a game whose root is not the L2's output root is refused, and
/// the same withdrawal proves against the right one: the refusal is the root's doing.
pub async fn wrong_root_is_refused(net: &TestNet, release: ContractsRelease) -> anyhow::Result<()> {
    if let Some(block) = L1Upgrade::of(net, release).await?.block(net).await? {
        wait_for_origin(net, block + 1).await?;
    }
    let wallet = net.wallet().await?;
    let w = initiate_direct(&wallet, net.salted_signer("l1 recipient").address(), DIRECT_VALUE).await?;
    let prover = l1::wallet(net).await?;
    let proposer = Proposer::connect(net.l1_url(), net.l2_url(), net.l1_addresses.portal).await?;
    let head = net.l2.get_block_number().await?;
    let output = proposer.output_at(head).await?;
    let wrong = proposer.propose_root(head, keccak256(b"not the output root of this block")).await?;
    let refused = prove(net, &prover, &wrong, &output, &w).await?;
    ensure!(!refused.status(), "the portal accepted withdrawal {} proven against game {} whose root {} is not L2 block {head}'s output root", w.hash, wrong.game, wrong.root);
    let right = proposer.propose(head).await?;
    let accepted = prove(net, &prover, &right, &output, &w).await?;
    ensure!(accepted.status(), "proving withdrawal {} against the right root (game {}): L1 transaction {} reverted", w.hash, right.game, accepted.transaction_hash);
    Ok(())
}

/// The output root `optimism_outputAtBlock` returns, the one the harness's proposer computes and
/// the one this test computes from the L2's header and `eth_getProof` agree, on the first block
/// and the head; on Isthmus blocks the header's `withdrawalsRoot` is the message passer's
/// storage root.
pub async fn output_roots_agree(net: &TestNet, _release: ContractsRelease) -> anyhow::Result<()> {
    let proposer = Proposer::connect(net.l1_url(), net.l2_url(), net.l1_addresses.portal).await?;
    net.wait_for_block(2).await?;
    for number in [1, net.l2.get_block_number().await?] {
        let expected = independent_output_root(net, number).await?;
        let served: serde_json::Value = net.l2.raw_request("optimism_outputAtBlock".into(), (alloy::primitives::U64::from(number),)).await?;
        let served: B256 = serde_json::from_value(served["outputRoot"].clone()).context("optimism_outputAtBlock without outputRoot")?;
        ensure!(served == expected, "optimism_outputAtBlock({number}) is {served}; op-node's rule gives {expected}");
        let proposed = harness::contracts::proposer::output_root(&proposer.output_at(number).await?);
        ensure!(proposed == expected, "the proposer computes {proposed} for L2 block {number}; op-node's rule gives {expected}");
    }
    Ok(())
}

/// Output root v0 of L2 block `number`, computed here: `keccak256(0 ++ stateRoot ++
/// messagePasserStorageRoot ++ blockHash)`, the storage root from `eth_getProof`. On Isthmus
/// blocks it must also be the header's `withdrawalsRoot`.
async fn independent_output_root(net: &TestNet, number: u64) -> anyhow::Result<B256> {
    let header = crate::probe::header(net, number).await?;
    let storage_root = net.l2.get_proof(MESSAGE_PASSER, Vec::new()).block_id(number.into()).await?.storage_hash;
    if crate::probe::is_active(net, Fork::Isthmus, number) {
        ensure!(header.withdrawals_root == Some(storage_root), "L2 block {number}'s withdrawalsRoot is {:?}, not the message passer's storage root {storage_root}", header.withdrawals_root);
    }
    Ok(keccak256([B256::ZERO, header.state_root, storage_root, header.hash].concat()))
}
