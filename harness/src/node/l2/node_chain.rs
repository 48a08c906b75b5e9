//! How the L2 answers RPC: OP transactions with deposit fields, receipts with L1 fee fields.

use alloy::{
    consensus::{Header, ReceiptWithBloom, Transaction, transaction::Recovered},
    rpc::types::TransactionReceipt,
};
use op_alloy::{
    consensus::{OpReceipt, OpReceiptEnvelope, OpTxEnvelope, transaction::{OpDepositInfo, OpTransactionInfo}},
    rpc_types::{OpTransactionReceipt, Transaction as OpRpcTransaction},
};

use super::chain::{L2Block, L2Chain, L2Extra, SEQUENCER_FEE_VAULT};
use crate::node::{api::NodeChain, call::OpSimulator, mempool::Mempool, receipts::TxContext, store::ChainStore};

fn deposit_info(receipt: &OpReceiptEnvelope) -> OpDepositInfo {
    OpDepositInfo { deposit_nonce: receipt.deposit_nonce(), deposit_receipt_version: receipt.deposit_receipt_version() }
}

impl NodeChain for L2Chain {
    type Tx = OpTxEnvelope;
    type Receipt = OpReceiptEnvelope;
    type Extra = L2Extra;
    type RpcTx = OpRpcTransaction;
    type RpcReceipt = OpTransactionReceipt;
    type Sim<'a> = OpSimulator<'a>;

    fn store(&self) -> &ChainStore<OpTxEnvelope, OpReceiptEnvelope, L2Extra> {
        &self.store
    }

    fn pool(&self) -> &Mempool<OpTxEnvelope> {
        &self.pool
    }

    fn pool_mut(&mut self) -> &mut Mempool<OpTxEnvelope> {
        &mut self.pool
    }

    fn simulator(&self) -> OpSimulator<'_> {
        OpSimulator { factory: self.factory(), chain_id: self.config.chain_id }
    }

    fn pending_header(&self) -> Header {
        let parent = self.head();
        let timestamp = self.next_timestamp();
        let rules = &self.config.rules;
        Header {
            parent_hash: parent.hash(),
            number: parent.number() + 1,
            timestamp,
            beneficiary: SEQUENCER_FEE_VAULT,
            gas_limit: parent.extra.system_config.kona.gas_limit,
            base_fee_per_gas: Some(rules.next_base_fee(&parent.header)),
            mix_hash: parent.extra.origin.mix_hash,
            parent_beacon_block_root: rules.beacon_root(timestamp, &parent.extra.origin),
            ..Default::default()
        }
    }

    fn rpc_transaction(block: &L2Block, index: usize) -> OpRpcTransaction {
        let ctx = TxContext::new(block, index);
        let info = OpTransactionInfo::new(ctx.info(), deposit_info(&block.receipts[index]));
        OpRpcTransaction::from_transaction(block.transactions[index].clone(), info)
    }

    fn rpc_pool_transaction(tx: &Recovered<OpTxEnvelope>) -> OpRpcTransaction {
        OpRpcTransaction::from_transaction(tx.clone(), OpTransactionInfo::default())
    }

    fn rpc_receipt(block: &L2Block, index: usize) -> OpTransactionReceipt {
        let ctx = TxContext::new(block, index);
        let tx = &block.transactions[index];
        let envelope = &block.receipts[index];
        let nonce = envelope.deposit_nonce().unwrap_or_else(|| tx.nonce());
        let bloom = *envelope.logs_bloom();
        let receipt: OpReceipt = envelope.clone().into();
        let effective_gas_price = if tx.is_deposit() { 0 } else { tx.effective_gas_price(Some(ctx.base_fee)) };
        let fees = block.extra.fees[index].unwrap_or_default();
        OpTransactionReceipt {
            inner: TransactionReceipt {
                inner: ReceiptWithBloom::new(receipt.map_logs(ctx.log_mapper()), bloom),
                transaction_hash: ctx.hash,
                transaction_index: Some(ctx.index),
                block_hash: Some(ctx.block_hash),
                block_number: Some(ctx.block_number),
                gas_used: ctx.gas_used,
                effective_gas_price,
                blob_gas_used: fees.da_footprint,
                blob_gas_price: None,
                from: ctx.from,
                to: ctx.to,
                contract_address: ctx.contract_address(tx.inner(), nonce),
            },
            l1_block_info: fees.l1,
            op_gas_refund: None,
        }
    }
}
