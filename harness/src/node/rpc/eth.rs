//! The `eth_*`, `net_*` and `web3_*` methods, once for any [`NodeChain`].

use std::sync::Arc;

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    primitives::{Address, B256, Bytes, U64, U256},
    rpc::types::{Filter, TransactionRequest},
    serde::JsonStorageKey,
};
use jsonrpsee::{
    RpcModule,
    types::{ErrorObjectOwned, Params},
};

use super::error::server_error;
use crate::node::{
    api::{Node, NodeChain, account_fields},
    proof::account_proof,
};

type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// The tip the node suggests: 0.001 gwei, what op-geth suggests on an idle chain.
const SUGGESTED_TIP: u128 = 1_000_000;

/// The block a state query names, defaulting to latest.
fn block_param(params: &mut jsonrpsee::types::params::ParamsSequence<'_>) -> RpcResult<BlockId> {
    Ok(params.optional_next::<BlockId>()?.unwrap_or_default())
}

/// The methods every node serves (with the `txpool_*` ones).
pub fn module<C: NodeChain>(node: Arc<Node<C>>) -> RpcModule<Node<C>> {
    let mut m = RpcModule::from_arc(node);
    register_chain_info(&mut m);
    register_blocks(&mut m);
    register_state(&mut m);
    register_execution(&mut m);
    super::txpool::register(&mut m);
    m
}

fn register_chain_info<C: NodeChain>(m: &mut RpcModule<Node<C>>) {
    m.register_method("eth_chainId", |_, n, _| RpcResult::Ok(U64::from(n.chain_id))).expect("unique");
    m.register_method("net_version", |_, n, _| n.chain_id.to_string()).expect("unique");
    m.register_method("web3_clientVersion", |_, n, _| n.client_version.clone()).expect("unique");
    m.register_method("eth_blockNumber", |_, n, _| RpcResult::Ok(U64::from(n.block_number()))).expect("unique");
    m.register_method("eth_syncing", |_, _, _| false).expect("unique");
    m.register_method("eth_accounts", |_, _, _| Vec::<Address>::new()).expect("unique");
    m.register_method("eth_gasPrice", |_, n, _| RpcResult::Ok(U256::from(u128::from(n.pending_base_fee()) + SUGGESTED_TIP))).expect("unique");
    m.register_method("eth_maxPriorityFeePerGas", |_, _, _| RpcResult::Ok(U256::from(SUGGESTED_TIP))).expect("unique");
    m.register_method("eth_feeHistory", |p: Params<'_>, n, _| -> RpcResult<_> {
        let mut p = p.sequence();
        let count: U64 = p.next()?;
        let newest: BlockNumberOrTag = p.next()?;
        let percentiles: Option<Vec<f64>> = p.optional_next()?;
        n.fee_history(count.to(), newest.into(), &percentiles.unwrap_or_default()).ok_or_else(|| server_error("header not found"))
    })
    .expect("unique");
}

fn register_blocks<C: NodeChain>(m: &mut RpcModule<Node<C>>) {
    m.register_method("eth_getBlockByNumber", |p: Params<'_>, n, _| -> RpcResult<_> {
        let (tag, full): (BlockNumberOrTag, bool) = p.parse()?;
        Ok(n.block(tag.into(), full))
    })
    .expect("unique");
    m.register_method("eth_getBlockByHash", |p: Params<'_>, n, _| -> RpcResult<_> {
        let (hash, full): (B256, bool) = p.parse()?;
        Ok(n.block(hash.into(), full))
    })
    .expect("unique");
    m.register_method("eth_getTransactionByHash", |p: Params<'_>, n, _| -> RpcResult<_> { Ok(n.transaction(&p.one::<B256>()?)) })
        .expect("unique");
    m.register_method("eth_getTransactionReceipt", |p: Params<'_>, n, _| -> RpcResult<_> { Ok(n.receipt(&p.one::<B256>()?)) })
        .expect("unique");
    m.register_method("eth_getBlockReceipts", |p: Params<'_>, n, _| -> RpcResult<_> { Ok(n.block_receipts(p.one::<BlockId>()?)) })
        .expect("unique");
    m.register_blocking_method("eth_getLogs", |p: Params<'_>, n, _| -> RpcResult<_> { Ok(n.logs(&p.one::<Filter>()?)?) })
        .expect("unique");
}

fn register_state<C: NodeChain>(m: &mut RpcModule<Node<C>>) {
    m.register_method("eth_getBalance", |p: Params<'_>, n, _| -> RpcResult<U256> {
        let mut p = p.sequence();
        let address: Address = p.next()?;
        let (state, _) = n.state_at(block_param(&mut p)?)?;
        Ok(account_fields(&state, &address).0)
    })
    .expect("unique");
    m.register_method("eth_getTransactionCount", |p: Params<'_>, n, _| -> RpcResult<U64> {
        let mut p = p.sequence();
        let address: Address = p.next()?;
        let block = block_param(&mut p)?;
        if block == BlockId::pending() {
            return Ok(U64::from(n.pending_nonce(&address)));
        }
        let (state, _) = n.state_at(block)?;
        Ok(U64::from(account_fields(&state, &address).1))
    })
    .expect("unique");
    m.register_method("eth_getCode", |p: Params<'_>, n, _| -> RpcResult<Bytes> {
        let mut p = p.sequence();
        let address: Address = p.next()?;
        let (state, _) = n.state_at(block_param(&mut p)?)?;
        Ok(account_fields(&state, &address).2)
    })
    .expect("unique");
    m.register_method("eth_getStorageAt", |p: Params<'_>, n, _| -> RpcResult<B256> {
        let mut p = p.sequence();
        let address: Address = p.next()?;
        let slot: JsonStorageKey = p.next()?;
        let (state, _) = n.state_at(block_param(&mut p)?)?;
        Ok(state.storage(&address, slot.as_b256().into()).into())
    })
    .expect("unique");
    m.register_blocking_method("eth_getProof", |p: Params<'_>, n, _| -> RpcResult<_> {
        let mut p = p.sequence();
        let address: Address = p.next()?;
        let keys: Vec<JsonStorageKey> = p.next()?;
        let (state, _) = n.state_at(block_param(&mut p)?)?;
        Ok(account_proof(&state, address, keys))
    })
    .expect("unique");
}

fn register_execution<C: NodeChain>(m: &mut RpcModule<Node<C>>) {
    m.register_blocking_method("eth_sendRawTransaction", |p: Params<'_>, n, _| -> RpcResult<B256> {
        Ok(n.send_raw(&p.one::<Bytes>()?)?)
    })
    .expect("unique");
    m.register_blocking_method("eth_call", |p: Params<'_>, n, _| -> RpcResult<Bytes> {
        let mut p = p.sequence();
        let request: TransactionRequest = p.next()?;
        Ok(n.call(request, block_param(&mut p)?)?)
    })
    .expect("unique");
    m.register_blocking_method("eth_estimateGas", |p: Params<'_>, n, _| -> RpcResult<U64> {
        let mut p = p.sequence();
        let request: TransactionRequest = p.next()?;
        Ok(U64::from(n.estimate_gas(request, block_param(&mut p)?)?))
    })
    .expect("unique");
}
