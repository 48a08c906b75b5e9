//! The blocks of one chain, each with the world state after it, and the lookups the RPC needs.
//! Shared by the L1 and the L2: `T` is the transaction type, `R` the receipt, `E` whatever a
//! chain keeps beside a block (the L2's L1 origin and fee fields).
//!
//! What is kept, so that a long run's memory stays bounded: the newest [`HISTORY_WINDOW`] blocks
//! (headers, transactions, receipts), the full state of the newest [`STATE_WINDOW`] of them, and
//! pinned blocks whole (an L2's fork boundaries, which the acceptance suites compare for the
//! whole run). Queries for what was dropped fail as on geth: `missing trie node` for a pruned
//! state, `header not found` for a state query at a pruned block, `null` for a pruned block or
//! transaction, and `pruned history unavailable` for logs of pruned blocks.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use alloy::{
    consensus::{Header, Sealed, TxReceipt, transaction::Recovered},
    eips::{BlockId, BlockNumberOrTag, eip2718::Encodable2718},
    primitives::{B256, Log},
    rpc::types::{Filter, FilterBlockOption},
};

use super::state::WorldState;

/// One block with everything needed to answer queries about it.
#[derive(Debug)]
pub struct StoredBlock<T, R, E> {
    pub header: Sealed<Header>,
    pub transactions: Vec<Recovered<T>>,
    pub receipts: Vec<R>,
    /// The state after this block; empty once pruned (see [`ChainStore::state_of`]).
    pub state: WorldState,
    pub extra: E,
}

impl<T, R, E> StoredBlock<T, R, E> {
    pub fn number(&self) -> u64 {
        self.header.number
    }

    pub fn hash(&self) -> B256 {
        self.header.hash()
    }
}

/// Why `eth_getLogs` cannot answer, in geth's words.
#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    #[error("query exceeds max block range {MAX_LOG_RANGE}")]
    RangeTooLarge,
    /// The range starts before the oldest block kept.
    #[error("pruned history unavailable")]
    Pruned,
}

/// The widest block range one `eth_getLogs` call may scan (geth's default is 10,000 results;
/// a range bound keeps every call's work bounded).
pub const MAX_LOG_RANGE: u64 = 10_000;

/// How many of the newest blocks keep their full state. geth's full node keeps 128; the
/// harness keeps more because its suites read state a few hundred blocks back on a busy
/// fast-clock network, and a snapshot costs only what its block changed.
pub const STATE_WINDOW: u64 = 1024;

/// How many of the newest blocks are kept at all: about an hour of a fast-clock network, 18
/// hours of 2-second blocks, and several times what one `eth_getLogs` may span.
pub const HISTORY_WINDOW: u64 = 32_768;

/// A state query the store cannot answer, in geth's words.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("header not found")]
    UnknownBlock,
    /// The block exists but its state was pruned; geth names the missing root node.
    #[error("missing trie node {} (path ) <nil>", alloy::hex::encode(.0))]
    Pruned(B256),
}

/// The blocks of a chain within the windows, and its pinned blocks.
#[derive(Debug)]
pub struct ChainStore<T, R, E> {
    /// The newest blocks, oldest first: `recent[0]` is block `first`.
    recent: VecDeque<StoredBlock<T, R, E>>,
    first: u64,
    /// Blocks kept whole, with their state, for the life of the chain.
    pinned: BTreeSet<u64>,
    /// Pinned blocks that left `recent`.
    kept: BTreeMap<u64, StoredBlock<T, R, E>>,
    by_hash: HashMap<B256, u64>,
    transactions: HashMap<B256, (u64, usize)>,
}

impl<T: Encodable2718, R: TxReceipt<Log = Log>, E> ChainStore<T, R, E> {
    /// A chain holding only its genesis block.
    pub fn new(genesis: StoredBlock<T, R, E>) -> Self {
        let mut store = Self {
            recent: VecDeque::new(),
            first: genesis.number(),
            pinned: BTreeSet::new(),
            kept: BTreeMap::new(),
            by_hash: HashMap::new(),
            transactions: HashMap::new(),
        };
        store.push(genesis);
        store
    }

    /// Appends the next block, drops the state that just left the state window and the block
    /// that left the history window (unless pinned).
    pub fn push(&mut self, block: StoredBlock<T, R, E>) {
        let number = block.number();
        debug_assert_eq!(number, self.first + self.recent.len() as u64);
        self.by_hash.insert(block.hash(), number);
        for (index, tx) in block.transactions.iter().enumerate() {
            self.transactions.insert(tx.trie_hash(), (number, index));
        }
        self.recent.push_back(block);
        if let Some(old) = number.checked_sub(STATE_WINDOW).filter(|n| !self.pinned.contains(n) && *n >= self.first) {
            self.recent[(old - self.first) as usize].state = WorldState::default();
        }
        if self.recent.len() as u64 > HISTORY_WINDOW {
            let oldest = self.recent.pop_front().expect("the window is full");
            self.first += 1;
            if self.pinned.contains(&oldest.number()) {
                self.kept.insert(oldest.number(), oldest);
            } else {
                self.forget(&oldest);
            }
        }
    }

    /// Drops the lookups into a block that is no longer kept.
    fn forget(&mut self, block: &StoredBlock<T, R, E>) {
        self.by_hash.remove(&block.hash());
        for tx in &block.transactions {
            self.transactions.remove(&tx.trie_hash());
        }
    }

    /// Keeps these blocks, with their state, for the life of the chain. A block whose state is
    /// already gone is not pinned.
    pub fn pin(&mut self, numbers: impl IntoIterator<Item = u64>) {
        let kept: Vec<u64> = numbers.into_iter().filter(|n| self.has_state(*n)).collect();
        self.pinned.extend(kept);
    }

    /// Whether block `number`'s state is still kept (it may not exist yet).
    pub fn has_state(&self, number: u64) -> bool {
        number.saturating_add(STATE_WINDOW) > self.head().number() || self.pinned.contains(&number)
    }

    /// The block `id` names, if its state is still kept.
    pub fn state_of(&self, id: BlockId) -> Result<&StoredBlock<T, R, E>, StateError> {
        let block = self.resolve(id).ok_or(StateError::UnknownBlock)?;
        match self.has_state(block.number()) {
            true => Ok(block),
            false => Err(StateError::Pruned(block.header.state_root)),
        }
    }

    pub fn head(&self) -> &StoredBlock<T, R, E> {
        self.recent.back().expect("a chain has its genesis block")
    }

    /// Block `number`, if it is kept.
    pub fn get(&self, number: u64) -> Option<&StoredBlock<T, R, E>> {
        match number.checked_sub(self.first) {
            Some(index) => self.recent.get(usize::try_from(index).ok()?),
            None => self.kept.get(&number),
        }
    }

    /// Resolves a block number, tag or hash. Safe and finalized are the head: a local devnet
    /// has no reorgs.
    pub fn resolve(&self, id: BlockId) -> Option<&StoredBlock<T, R, E>> {
        match id {
            BlockId::Hash(hash) => self.by_hash.get(&hash.block_hash).and_then(|n| self.get(*n)),
            BlockId::Number(tag) => self.resolve_number(tag).and_then(|n| self.get(n)),
        }
    }

    fn resolve_number(&self, tag: BlockNumberOrTag) -> Option<u64> {
        match tag {
            BlockNumberOrTag::Number(n) => Some(n),
            BlockNumberOrTag::Earliest => Some(0),
            _ => Some(self.head().number()),
        }
    }

    /// The block holding a transaction and its index there.
    pub fn transaction(&self, hash: &B256) -> Option<(&StoredBlock<T, R, E>, usize)> {
        let (number, index) = self.transactions.get(hash)?;
        Some((self.get(*number)?, *index))
    }

    /// Logs matching `filter`, with their block and transaction metadata.
    pub fn logs(&self, filter: &Filter) -> Result<Vec<alloy::rpc::types::Log>, LogsError> {
        let blocks: Vec<&StoredBlock<T, R, E>> = match filter.block_option {
            FilterBlockOption::AtBlockHash(hash) => self.resolve(BlockId::from(hash)).into_iter().collect(),
            FilterBlockOption::Range { from_block, to_block } => {
                let head = self.head().number();
                let from = from_block.and_then(|t| self.resolve_number(t)).unwrap_or(head);
                let to = to_block.and_then(|t| self.resolve_number(t)).unwrap_or(head).min(head);
                if to.saturating_sub(from) > MAX_LOG_RANGE {
                    return Err(LogsError::RangeTooLarge);
                }
                if from < self.first {
                    return Err(LogsError::Pruned);
                }
                (from..=to).filter_map(|n| self.get(n)).collect()
            }
        };
        Ok(blocks
            .into_iter()
            .flat_map(|block| {
                let receipts = block.transactions.iter().map(|t| t.trie_hash()).zip(block.receipts.iter());
                let num_hash = alloy::eips::BlockNumHash::new(block.number(), block.hash());
                filter.matching_block_logs(num_hash, block.header.timestamp, receipts, false)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use alloy::consensus::{ReceiptEnvelope, TxEnvelope};

    use super::*;

    type Store = ChainStore<TxEnvelope, ReceiptEnvelope, ()>;

    fn block(number: u64) -> StoredBlock<TxEnvelope, ReceiptEnvelope, ()> {
        let header = Header { number, state_root: B256::with_last_byte(number as u8), ..Default::default() };
        StoredBlock { header: Sealed::new(header), transactions: Vec::new(), receipts: Vec::new(), state: WorldState::default(), extra: () }
    }

    #[test]
    fn states_older_than_the_window_are_pruned_unless_pinned() {
        let mut store = Store::new(block(0));
        store.pin([0, 2]);
        for number in 1..=STATE_WINDOW + 3 {
            store.push(block(number));
        }
        let head = STATE_WINDOW + 3;
        assert!(store.state_of(BlockId::number(head - STATE_WINDOW + 1)).is_ok(), "the window's oldest block keeps its state");
        let pruned = store.state_of(BlockId::number(3)).unwrap_err();
        assert_eq!(pruned.to_string(), format!("missing trie node {} (path ) <nil>", alloy::hex::encode(B256::with_last_byte(3))));
        assert!(store.state_of(BlockId::number(0)).is_ok() && store.state_of(BlockId::number(2)).is_ok(), "pinned states stay");
        assert!(store.get(3).is_some(), "a pruned block's header and body stay");
        assert!(matches!(store.state_of(BlockId::number(head + 1)), Err(StateError::UnknownBlock)));
        store.pin([1]);
        assert!(store.state_of(BlockId::number(1)).is_err(), "a state already dropped cannot be pinned back");
    }

    #[test]
    fn blocks_older_than_the_history_window_are_dropped_unless_pinned() {
        let mut store = Store::new(block(0));
        store.pin([2]);
        for number in 1..=HISTORY_WINDOW + 5 {
            store.push(block(number));
        }
        let oldest = 6;
        assert!(store.get(oldest).is_some() && store.get(oldest - 1).is_none(), "exactly the newest {HISTORY_WINDOW} are kept");
        let pinned = store.get(2).expect("a pinned block stays");
        assert!(store.resolve(BlockId::from(pinned.hash())).is_some() && store.state_of(BlockId::number(2)).is_ok());
        let dropped = block(3).hash();
        assert!(store.resolve(BlockId::from(dropped)).is_none(), "its hash is forgotten too");
        assert_eq!(store.state_of(BlockId::number(3)).unwrap_err().to_string(), "header not found");
        let filter = Filter::new().from_block(3).to_block(10);
        assert_eq!(store.logs(&filter).unwrap_err().to_string(), "pruned history unavailable");
        assert!(store.logs(&Filter::new().from_block(oldest).to_block(oldest + 10)).is_ok());
    }
}
