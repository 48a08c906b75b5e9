//! The query and submission API of one node, written once for both chains. A chain describes
//! its types and RPC shapes through [`NodeChain`]; [`Node`] answers every `eth_*` question from
//! its store, state snapshots and simulator.

use std::{
    collections::BTreeMap,
    sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard},
};

use alloy::{
    consensus::{Header, Transaction, TxReceipt, transaction::{Recovered, SignerRecoverable}},
    eips::{BlockId, eip2718::{Decodable2718, Encodable2718}},
    primitives::{Address, B256, Bytes, Log, U256},
    rpc::types::{Block, BlockTransactions, FeeHistory, Filter, TransactionRequest},
};
use serde::Serialize;
use tokio::sync::{Notify, watch};

use super::{
    call::{CallError, Simulator, estimate_gas},
    mempool::{PoolError, Readiness},
    state::WorldState,
    store::{ChainStore, LogsError, StateError, StoredBlock},
};

/// What a chain must tell the node about itself.
pub trait NodeChain: Send + Sync + 'static {
    type Tx: Transaction + Encodable2718 + Decodable2718 + SignerRecoverable + Clone + Send + Sync + 'static;
    type Receipt: TxReceipt<Log = Log> + Encodable2718 + Clone + Send + Sync + 'static;
    type Extra: Send + Sync + 'static;
    type RpcTx: Serialize + Clone + Send + 'static;
    type RpcReceipt: Serialize + Clone + Send + 'static;
    type Sim<'a>: Simulator<Tx = Self::Tx>
    where
        Self: 'a;

    fn store(&self) -> &ChainStore<Self::Tx, Self::Receipt, Self::Extra>;
    fn pool(&self) -> &super::mempool::Mempool<Self::Tx>;
    fn pool_mut(&mut self) -> &mut super::mempool::Mempool<Self::Tx>;
    fn simulator(&self) -> Self::Sim<'_>;
    /// The environment of the block the sequencer builds next.
    fn pending_header(&self) -> Header;
    fn rpc_transaction(block: &StoredBlock<Self::Tx, Self::Receipt, Self::Extra>, index: usize) -> Self::RpcTx;
    /// A transaction still in the pool: no block, index or effective price yet.
    fn rpc_pool_transaction(tx: &Recovered<Self::Tx>) -> Self::RpcTx;
    fn rpc_receipt(block: &StoredBlock<Self::Tx, Self::Receipt, Self::Extra>, index: usize) -> Self::RpcReceipt;
}

/// `txpool_content`: transactions by sender, then by nonce (a decimal string, as geth keys it).
#[derive(Clone, Debug, Serialize)]
pub struct PoolContent<Tx> {
    pub pending: BTreeMap<Address, BTreeMap<String, Tx>>,
    pub queued: BTreeMap<Address, BTreeMap<String, Tx>>,
}

/// One running node: its chain behind a lock, and the signals its block producer listens to.
pub struct Node<C> {
    chain: RwLock<C>,
    /// The head block number, for waiters.
    head: watch::Sender<u64>,
    /// Rung when a transaction arrives, so a fast-mode producer builds a block at once.
    pub wake: Notify,
    /// `web3_clientVersion`.
    pub client_version: String,
    pub chain_id: u64,
}

impl<C: NodeChain> Node<C> {
    pub fn new(chain: C, chain_id: u64, client_version: String) -> Arc<Self> {
        let head = chain.store().head().number();
        Arc::new(Self { chain: RwLock::new(chain), head: watch::channel(head).0, wake: Notify::new(), client_version, chain_id })
    }

    pub fn read(&self) -> RwLockReadGuard<'_, C> {
        self.chain.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` with the chain writable, then publishes the new head.
    pub fn write<R>(&self, f: impl FnOnce(&mut C) -> R) -> R {
        let mut guard: RwLockWriteGuard<'_, C> = self.chain.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let out = f(&mut guard);
        let head = guard.store().head().number();
        drop(guard);
        self.head.send_replace(head);
        out
    }

    /// A receiver that sees every new head number.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.head.subscribe()
    }

    pub fn block_number(&self) -> u64 {
        *self.head.borrow()
    }

    /// The state after block `id` and that block's header.
    pub fn state_at(&self, id: BlockId) -> Result<(WorldState, Header), StateError> {
        let chain = self.read();
        let block = chain.store().state_of(id)?;
        Ok((block.state.clone(), block.header.inner().clone()))
    }

    pub fn block(&self, id: BlockId, full: bool) -> Option<Block<C::RpcTx>> {
        let chain = self.read();
        let block = chain.store().resolve(id)?;
        let transactions = if full {
            BlockTransactions::Full((0..block.transactions.len()).map(|i| C::rpc_transaction(block, i)).collect())
        } else {
            BlockTransactions::Hashes(block.transactions.iter().map(|t| t.trie_hash()).collect())
        };
        let size = U256::from(alloy_rlp_length(block));
        let header = alloy::rpc::types::Header::from_consensus(block.header.clone(), None, Some(size));
        let withdrawals = block.header.withdrawals_root.map(|_| Default::default());
        Some(Block { header, uncles: Vec::new(), transactions, withdrawals })
    }

    /// A mined transaction, or one still waiting in the pool (as geth answers both).
    pub fn transaction(&self, hash: &B256) -> Option<C::RpcTx> {
        let chain = self.read();
        match chain.store().transaction(hash) {
            Some((block, index)) => Some(C::rpc_transaction(block, index)),
            None => chain.pool().get(hash).map(C::rpc_pool_transaction),
        }
    }

    pub fn receipt(&self, hash: &B256) -> Option<C::RpcReceipt> {
        let chain = self.read();
        chain.store().transaction(hash).map(|(block, index)| C::rpc_receipt(block, index))
    }

    pub fn block_receipts(&self, id: BlockId) -> Option<Vec<C::RpcReceipt>> {
        let chain = self.read();
        let block = chain.store().resolve(id)?;
        Some((0..block.transactions.len()).map(|i| C::rpc_receipt(block, i)).collect())
    }

    /// Decodes, checks and queues a signed transaction; wakes the block producer.
    pub fn send_raw(&self, raw: &[u8]) -> Result<B256, CallError> {
        let tx = C::Tx::decode_2718_exact(raw).map_err(|e| decode_error(raw, &e))?;
        let tx = tx.try_into_recovered().map_err(|_| CallError::Invalid("invalid sender".into()))?;
        let hash = self.write(|chain| admit(chain, tx))?;
        self.wake.notify_one();
        Ok(hash)
    }

    pub fn call(&self, request: TransactionRequest, id: BlockId) -> Result<Bytes, CallError> {
        let chain = self.read();
        let (state, header) = simulation_env(&*chain, id)?;
        chain.simulator().call(state, &header, request).map(|(output, _)| output)
    }

    pub fn estimate_gas(&self, request: TransactionRequest, id: BlockId) -> Result<u64, CallError> {
        let chain = self.read();
        let (state, header) = simulation_env(&*chain, id)?;
        estimate_gas(&chain.simulator(), state, &header, request)
    }

    pub fn logs(&self, filter: &Filter) -> Result<Vec<alloy::rpc::types::Log>, LogsError> {
        self.read().store().logs(filter)
    }

    /// geth's `pending` nonce of `sender`: its state nonce at the head plus its executable run
    /// in the pool (transactions behind a nonce gap do not count).
    pub fn pending_nonce(&self, sender: &Address) -> u64 {
        let chain = self.read();
        let head = chain.store().head();
        chain.pool().pending_nonce(sender, state_nonce(&head.state, sender))
    }

    /// How many pooled transactions are pending and how many queued (`txpool_status`).
    pub fn pool_counts(&self) -> (usize, usize) {
        let chain = self.read();
        let head = chain.store().head();
        let classified = chain.pool().classified(|a| state_nonce(&head.state, a));
        let pending = classified.iter().filter(|(r, _)| *r == Readiness::Pending).count();
        (pending, classified.len() - pending)
    }

    /// The pool's transactions as `txpool_content` lists them: pending and queued, each by
    /// sender and nonce.
    pub fn pool_content(&self) -> PoolContent<C::RpcTx> {
        let chain = self.read();
        let head = chain.store().head();
        let mut content = PoolContent { pending: BTreeMap::new(), queued: BTreeMap::new() };
        for (readiness, tx) in chain.pool().classified(|a| state_nonce(&head.state, a)) {
            let side = match readiness {
                Readiness::Pending => &mut content.pending,
                Readiness::Queued => &mut content.queued,
            };
            side.entry(tx.signer()).or_default().insert(tx.nonce().to_string(), C::rpc_pool_transaction(tx));
        }
        content
    }

    /// The next block's base fee.
    pub fn pending_base_fee(&self) -> u64 {
        self.read().pending_header().base_fee_per_gas.unwrap_or_default()
    }

    /// `eth_feeHistory` over up to `count` blocks ending at `newest`, with tip percentiles.
    pub fn fee_history(&self, count: u64, newest: BlockId, percentiles: &[f64]) -> Option<FeeHistory> {
        let chain = self.read();
        let store = chain.store();
        let last = store.resolve(newest)?.number();
        let first = last.saturating_sub(count.clamp(1, 1024) - 1);
        let blocks: Vec<_> = (first..=last).filter_map(|n| store.get(n)).collect();
        let mut base_fee_per_gas: Vec<u128> = blocks.iter().map(|b| b.header.base_fee_per_gas.unwrap_or_default().into()).collect();
        base_fee_per_gas.push(if last == store.head().number() { chain.pending_header().base_fee_per_gas.unwrap_or_default().into() } else { store.get(last + 1)?.header.base_fee_per_gas.unwrap_or_default().into() });
        let gas_used_ratio = blocks.iter().map(|b| b.header.gas_used as f64 / b.header.gas_limit.max(1) as f64).collect();
        let reward = (!percentiles.is_empty()).then(|| blocks.iter().map(|b| tip_percentiles(b, percentiles)).collect());
        Some(FeeHistory { oldest_block: first, base_fee_per_gas, gas_used_ratio, reward, ..Default::default() })
    }
}

fn tip_percentiles<T: Transaction, R, E>(block: &StoredBlock<T, R, E>, percentiles: &[f64]) -> Vec<u128> {
    let base_fee = block.header.base_fee_per_gas.unwrap_or_default();
    let mut tips: Vec<u128> = block.transactions.iter().filter_map(|t| t.effective_tip_per_gas(base_fee)).collect();
    tips.sort_unstable();
    percentiles
        .iter()
        .map(|p| {
            let index = ((p / 100.0) * tips.len() as f64).floor() as usize;
            tips.get(index.min(tips.len().saturating_sub(1))).copied().unwrap_or_default()
        })
        .collect()
}

fn alloy_rlp_length<T: Encodable2718, R, E>(block: &StoredBlock<T, R, E>) -> usize {
    use alloy::rlp::Encodable;
    block.header.inner().length() + block.transactions.iter().map(|t| t.encode_2718_len()).sum::<usize>()
}

fn decode_error(raw: &[u8], err: &impl std::fmt::Display) -> CallError {
    match raw.first() {
        Some(0x03) | Some(0x7e) => CallError::Invalid("transaction type not supported".into()),
        _ => CallError::BadRequest(format!("rlp: {err}")),
    }
}

/// A call's block, or geth's error for a block it does not have or a state it pruned.
/// The state and block environment a call or estimate runs in. `pending` (what alloy and
/// ethers ask an estimate for) is the head's state in the block the producer builds next, as
/// geth and anvil simulate it: the next number, time and base fee. An estimate made in the
/// head's own environment can fall short in the next block for contracts whose gas depends on
/// them, such as OptimismPortal's resource metering.
fn simulation_env<C: NodeChain>(chain: &C, id: BlockId) -> Result<(&WorldState, std::borrow::Cow<'_, Header>), CallError> {
    if id == BlockId::pending() {
        return Ok((&chain.store().head().state, std::borrow::Cow::Owned(chain.pending_header())));
    }
    let block = chain.store().state_of(id).map_err(call_state_error)?;
    Ok((&block.state, std::borrow::Cow::Borrowed(block.header.inner())))
}

fn call_state_error(err: StateError) -> CallError {
    match err {
        StateError::UnknownBlock => CallError::BadRequest(err.to_string()),
        StateError::Pruned(_) => CallError::Invalid(err.to_string()),
    }
}

/// An account's nonce in `state` (0 for an account that does not exist).
pub fn state_nonce(state: &WorldState, address: &Address) -> u64 {
    state.account(address).map_or(0, |a| a.nonce)
}

fn admit<C: NodeChain>(chain: &mut C, tx: Recovered<C::Tx>) -> Result<B256, CallError> {
    let head = chain.store().head();
    let state_nonce = state_nonce(&head.state, &tx.signer());
    if tx.nonce() < state_nonce {
        return Err(CallError::Invalid("nonce too low".into()));
    }
    // EIP-2681: a nonce is below 2^64 - 1, so the sender's next nonce still fits.
    if tx.nonce() == u64::MAX {
        return Err(CallError::Invalid("nonce has max value".into()));
    }
    chain.simulator().admit(&head.state, &chain.pending_header(), &tx)?;
    chain.pool_mut().insert(tx, state_nonce).map_err(|e: PoolError| CallError::Invalid(e.to_string()))
}

/// The account fields of `eth_getBalance`, `eth_getTransactionCount` and `eth_getCode`.
pub fn account_fields(state: &WorldState, address: &Address) -> (U256, u64, Bytes) {
    let account = state.account(address);
    (
        account.map(|a| a.balance).unwrap_or_default(),
        account.map(|a| a.nonce).unwrap_or_default(),
        state.code(address).map(|c| c.original_bytes()).unwrap_or_default(),
    )
}
