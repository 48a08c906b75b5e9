//! Reading a network over JSON-RPC the way the feature checks need it: blocks and their
//! L1-attributes deposit, calls and code run through `eth_call`, and the errors a node refuses
//! requests with. Each helper names the block it reads, so that a check can compare the block
//! before a fork with the fork's own blocks on the same network.

use std::{fmt::Debug, ops::RangeInclusive};

use alloy::{
    eips::BlockId,
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256},
    providers::Provider,
    rpc::types::{Block, Header, TransactionRequest},
    transports::{RpcError, TransportResult},
};
use anyhow::{Context, bail, ensure};
use harness::forks::Fork;
use op_alloy::{
    consensus::{OpReceipt, OpTxEnvelope, TxDeposit},
    rpc_types::{OpTransactionReceipt, Transaction as OpTransaction},
};

use crate::{TestNet, wallet::op_request};

/// Whether `fork` is active at block `number` of this network.
pub fn is_active(net: &TestNet, fork: Fork, number: u64) -> bool {
    net.schedule.activation_block(fork).is_some_and(|b| b <= number)
}

/// The last block before `fork`, when the network activated it live.
pub fn last_before(net: &TestNet, fork: Fork) -> Option<u64> {
    net.before(fork).and_then(|tag| tag.as_number())
}

/// How many blocks [`ends`] keeps at each end of a range.
pub const END_BLOCKS: u64 = 8;

/// The first and the last [`END_BLOCKS`] of `blocks` (all of it when it is short). A check that
/// walks from a fork's activation to a transaction it just sent reads what changes at the two
/// ends, the switch and its own block, in the same few calls on a network that has run for
/// hours, whose states in between a node is free to prune (geth keeps 128).
pub fn ends(blocks: RangeInclusive<u64>) -> Vec<RangeInclusive<u64>> {
    let (first, last) = blocks.into_inner();
    if last.saturating_sub(first) < 2 * END_BLOCKS {
        return vec![first..=last];
    }
    vec![first..=first + END_BLOCKS - 1, last + 1 - END_BLOCKS..=last]
}

/// Block `number` with its transactions.
pub async fn block(net: &TestNet, number: u64) -> anyhow::Result<Block<OpTransaction>> {
    net.l2.get_block_by_number(number.into()).full().await?.with_context(|| format!("block {number} missing"))
}

/// The header of block `number`.
pub async fn header(net: &TestNet, number: u64) -> anyhow::Result<Header> {
    Ok(block(net, number).await?.header)
}

/// The header as served hashes to the block hash: every field a check reads is the one the
/// block committed to, not decoration added by the RPC layer.
pub fn ensure_sealed(header: &Header) -> anyhow::Result<()> {
    let computed = header.inner.hash_slow();
    ensure!(computed == header.hash, "block {} has hash {} but its served header hashes to {computed}", header.number, header.hash);
    Ok(())
}

/// The L1-attributes deposit of block `number` (its first transaction) and its receipt.
pub async fn l1_info_deposit(net: &TestNet, number: u64) -> anyhow::Result<(TxDeposit, OpTransactionReceipt)> {
    let block = block(net, number).await?;
    let tx = block.transactions.txns().next().with_context(|| format!("block {number} has no L1-attributes deposit"))?;
    let OpTxEnvelope::Deposit(deposit) = tx.inner.inner.inner() else {
        bail!("the first transaction of block {number} is not a deposit");
    };
    let receipt = net.receipt(tx.inner.inner.tx_hash()).await?;
    Ok((deposit.inner().clone(), receipt))
}

/// `(depositNonce, depositReceiptVersion)` of a deposit's receipt.
pub fn deposit_receipt_fields(receipt: &OpTransactionReceipt) -> anyhow::Result<(Option<u64>, Option<u64>)> {
    match &receipt.inner.inner.receipt {
        OpReceipt::Deposit(deposit) => Ok((deposit.deposit_nonce, deposit.deposit_receipt_version)),
        _ => bail!("receipt of {} is not a deposit receipt", receipt.inner.transaction_hash),
    }
}

async fn eth_call(net: &TestNet, request: TransactionRequest, number: u64) -> TransportResult<Bytes> {
    net.l2.call(op_request(request)).block(BlockId::number(number)).await
}

/// `eth_call` of `input` to `to` at block `number`.
pub async fn call(net: &TestNet, to: Address, input: Bytes, number: u64) -> TransportResult<Bytes> {
    eth_call(net, TransactionRequest::default().with_to(to).with_input(input), number).await
}

/// Runs `code` as the initcode of an `eth_call` create at block `number`: its return data
/// comes back, so a program can report what an instruction did.
pub async fn run(net: &TestNet, code: Bytes, number: u64) -> TransportResult<Bytes> {
    eth_call(net, TransactionRequest::default().with_deploy_code(code), number).await
}

/// The message of the error response a node refused a request with. A success, or a failure
/// of the transport rather than a refusal by the node, fails the check.
pub fn refusal<T: Debug>(result: TransportResult<T>, what: &str) -> anyhow::Result<String> {
    match result {
        Err(RpcError::ErrorResp(payload)) => Ok(payload.message.into_owned()),
        Err(other) => Err(anyhow::Error::new(other).context(format!("{what}: expected the node to refuse it"))),
        Ok(value) => bail!("{what} succeeded with {value:?}; expected the node to refuse it"),
    }
}

/// The node refused the request with a message containing `needle` (geth's wording).
pub fn ensure_refused_with<T: Debug>(result: TransportResult<T>, needle: &str, what: &str) -> anyhow::Result<()> {
    let message = refusal(result, what)?;
    ensure!(message.contains(needle), "{what} was refused with \"{message}\", expected \"{needle}\"");
    Ok(())
}

/// The code halted on an instruction that does not exist (yet), in geth's words (op-reth and
/// the harness's node say the same); a revert, a missing block or any other refusal fails.
pub fn ensure_invalid_opcode<T: Debug>(result: TransportResult<T>, what: &str) -> anyhow::Result<()> {
    ensure_refused_with(result, "invalid opcode", what)
}

/// Runs `code` at `fork`'s activation block and returns its output. Where the fork activated
/// live, the same code must halt at the block before: its instructions did not exist yet.
pub async fn run_across(net: &TestNet, fork: Fork, code: Bytes) -> anyhow::Result<Bytes> {
    let block = net.require(fork).await;
    if let Some(before) = last_before(net, fork) {
        ensure_invalid_opcode(run(net, code.clone(), before).await, &format!("running {code} at block {before}, before {fork}"))?;
    }
    run(net, code.clone(), block).await.with_context(|| format!("running {code} at {fork} activation block {block}"))
}

/// The single 32-byte word a program returned.
pub fn word(output: &Bytes) -> anyhow::Result<U256> {
    ensure!(output.len() == 32, "expected one 32-byte word, got {output}");
    Ok(U256::from_be_slice(output))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(message: &'static str) -> TransportResult<()> {
        Err(RpcError::ErrorResp(serde_json::from_value(serde_json::json!({ "code": -32000, "message": message })).expect("an error payload")))
    }

    /// Only the node's own word for a missing instruction counts as "it did not exist yet".
    #[test]
    fn only_an_invalid_opcode_counts_as_a_missing_instruction() {
        assert!(ensure_invalid_opcode(refused("invalid opcode: PUSH0"), "PUSH0").is_ok());
        assert!(ensure_invalid_opcode(refused("header not found"), "PUSH0").is_err());
        assert!(ensure_invalid_opcode(refused("execution reverted"), "PUSH0").is_err());
        assert!(ensure_invalid_opcode(Ok(()), "PUSH0").is_err());
    }

    #[test]
    fn ends_keep_short_ranges_whole_and_both_ends_of_long_ones() {
        assert_eq!(ends(3..=18), vec![3..=18]);
        assert_eq!(ends(3..=19), vec![3..=10, 12..=19]);
        assert_eq!(ends(1..=5_000), vec![1..=8, 4_993..=5_000]);
    }
}
