//! How the embedded L1 answers RPC.

use alloy::{
    consensus::{Header, ReceiptEnvelope, Transaction, TxEnvelope, transaction::Recovered},
    eips::{eip1559::BaseFeeParams, eip7840::BlobParams},
    rpc::types::{Transaction as RpcTransaction, TransactionInfo, TransactionReceipt},
};

use super::{L1Block, L1Chain};
use crate::node::{api::NodeChain, call::EthSimulator, mempool::Mempool, receipts::TxContext, store::ChainStore};

impl NodeChain for L1Chain {
    type Tx = TxEnvelope;
    type Receipt = ReceiptEnvelope;
    type Extra = ();
    type RpcTx = RpcTransaction;
    type RpcReceipt = TransactionReceipt;
    type Sim<'a> = EthSimulator<'a>;

    fn store(&self) -> &ChainStore<TxEnvelope, ReceiptEnvelope, ()> {
        &self.store
    }

    fn pool(&self) -> &Mempool<TxEnvelope> {
        &self.pool
    }

    fn pool_mut(&mut self) -> &mut Mempool<TxEnvelope> {
        &mut self.pool
    }

    fn simulator(&self) -> EthSimulator<'_> {
        EthSimulator { rules: self.rules(), chain_id: self.chain_id }
    }

    fn pending_header(&self) -> Header {
        let parent = &self.head().header;
        Header {
            parent_hash: parent.hash(),
            number: parent.number + 1,
            timestamp: parent.timestamp + self.block_time,
            gas_limit: parent.gas_limit,
            base_fee_per_gas: parent.next_block_base_fee(BaseFeeParams::ethereum()),
            excess_blob_gas: parent.next_block_excess_blob_gas(BlobParams::prague()),
            ..Default::default()
        }
    }

    fn rpc_transaction(block: &L1Block, index: usize) -> RpcTransaction {
        RpcTransaction::from_transaction(block.transactions[index].clone(), TxContext::new(block, index).info())
    }

    fn rpc_pool_transaction(tx: &Recovered<TxEnvelope>) -> RpcTransaction {
        RpcTransaction::from_transaction(tx.clone(), TransactionInfo::default())
    }

    fn rpc_receipt(block: &L1Block, index: usize) -> TransactionReceipt {
        let ctx = TxContext::new(block, index);
        let tx = &block.transactions[index];
        TransactionReceipt {
            inner: block.receipts[index].clone().map_logs(ctx.log_mapper()),
            transaction_hash: ctx.hash,
            transaction_index: Some(ctx.index),
            block_hash: Some(ctx.block_hash),
            block_number: Some(ctx.block_number),
            gas_used: ctx.gas_used,
            effective_gas_price: tx.effective_gas_price(Some(ctx.base_fee)),
            blob_gas_used: tx.blob_gas_used(),
            blob_gas_price: tx.blob_gas_used().and_then(|_| block.header.blob_fee(BlobParams::prague())),
            from: ctx.from,
            to: ctx.to,
            contract_address: ctx.contract_address(tx.inner(), tx.nonce()),
        }
    }
}
