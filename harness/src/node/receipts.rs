//! What RPC transactions and receipts of both chains share: a transaction's place in its block,
//! its gas, its created contract, and its logs with block-wide indices.

use alloy::{
    consensus::{Transaction, TxReceipt, transaction::TransactionInfo},
    eips::eip2718::Encodable2718,
    primitives::{Address, B256, Log},
    rpc::types::Log as RpcLog,
};

use super::store::StoredBlock;

/// A transaction's position and costs in its block.
#[derive(Clone, Copy, Debug)]
pub struct TxContext {
    pub hash: B256,
    pub index: u64,
    pub block_hash: B256,
    pub block_number: u64,
    pub timestamp: u64,
    pub base_fee: u64,
    pub from: Address,
    pub to: Option<Address>,
    pub gas_used: u64,
    pub first_log_index: u64,
}

impl TxContext {
    /// The context of transaction `index` of `block`.
    pub fn new<T, R, E>(block: &StoredBlock<T, R, E>, index: usize) -> Self
    where
        T: Transaction + Encodable2718,
        R: TxReceipt<Log = Log>,
    {
        let tx = &block.transactions[index];
        let cumulative = |i: usize| block.receipts[i].cumulative_gas_used();
        let gas_used = cumulative(index) - index.checked_sub(1).map_or(0, cumulative);
        Self {
            hash: tx.trie_hash(),
            index: index as u64,
            block_hash: block.hash(),
            block_number: block.number(),
            timestamp: block.header.timestamp,
            base_fee: block.header.base_fee_per_gas.unwrap_or_default(),
            from: tx.signer(),
            to: tx.to(),
            gas_used,
            first_log_index: block.receipts[..index].iter().map(|r| r.logs().len() as u64).sum(),
        }
    }

    /// The contract a creation made, given the sender's nonce when it ran.
    pub fn contract_address<T: Transaction>(&self, tx: &T, nonce: u64) -> Option<Address> {
        tx.kind().is_create().then(|| self.from.create(nonce))
    }

    /// alloy's transaction metadata.
    pub const fn info(&self) -> TransactionInfo {
        TransactionInfo {
            hash: Some(self.hash),
            index: Some(self.index),
            block_hash: Some(self.block_hash),
            block_number: Some(self.block_number),
            base_fee: Some(self.base_fee),
            block_timestamp: Some(self.timestamp),
        }
    }

    /// Maps consensus logs to RPC logs, numbering them from the transaction's first log.
    pub fn log_mapper(&self) -> impl FnMut(Log) -> RpcLog + '_ {
        let mut next = self.first_log_index;
        move |inner| {
            let log = RpcLog {
                inner,
                block_hash: Some(self.block_hash),
                block_number: Some(self.block_number),
                block_timestamp: Some(self.timestamp),
                transaction_hash: Some(self.hash),
                transaction_index: Some(self.index),
                log_index: Some(next),
                removed: false,
            };
            next += 1;
            log
        }
    }
}
