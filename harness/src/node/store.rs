//! The blocks of one chain, each with the world state after it, and the lookups the RPC needs.
//! Shared by the L1 and the L2: `T` is the transaction type, `R` the receipt, `E` whatever a
//! chain keeps beside a block (the L2's L1 origin and fee fields).

use std::collections::HashMap;

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
    /// The state after this block.
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

/// A query for more blocks than one `eth_getLogs` may cover.
#[derive(Debug, thiserror::Error)]
#[error("query exceeds max block range {MAX_LOG_RANGE}")]
pub struct RangeTooLarge;

/// The widest block range one `eth_getLogs` call may scan (geth's default is 10,000 results;
/// a range bound keeps every call's work bounded).
pub const MAX_LOG_RANGE: u64 = 10_000;

/// Every block of a chain since genesis.
#[derive(Debug)]
pub struct ChainStore<T, R, E> {
    blocks: Vec<StoredBlock<T, R, E>>,
    by_hash: HashMap<B256, u64>,
    transactions: HashMap<B256, (u64, usize)>,
}

impl<T: Encodable2718, R: TxReceipt<Log = Log>, E> ChainStore<T, R, E> {
    /// A chain holding only its genesis block.
    pub fn new(genesis: StoredBlock<T, R, E>) -> Self {
        let mut store = Self { blocks: Vec::new(), by_hash: HashMap::new(), transactions: HashMap::new() };
        store.push(genesis);
        store
    }

    /// Appends the next block.
    pub fn push(&mut self, block: StoredBlock<T, R, E>) {
        let number = block.number();
        debug_assert_eq!(number as usize, self.blocks.len());
        self.by_hash.insert(block.hash(), number);
        for (index, tx) in block.transactions.iter().enumerate() {
            self.transactions.insert(tx.trie_hash(), (number, index));
        }
        self.blocks.push(block);
    }

    pub fn head(&self) -> &StoredBlock<T, R, E> {
        self.blocks.last().expect("a chain has its genesis block")
    }

    pub fn get(&self, number: u64) -> Option<&StoredBlock<T, R, E>> {
        self.blocks.get(usize::try_from(number).ok()?)
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
    pub fn logs(&self, filter: &Filter) -> Result<Vec<alloy::rpc::types::Log>, RangeTooLarge> {
        let blocks: Vec<&StoredBlock<T, R, E>> = match filter.block_option {
            FilterBlockOption::AtBlockHash(hash) => self.resolve(BlockId::from(hash)).into_iter().collect(),
            FilterBlockOption::Range { from_block, to_block } => {
                let head = self.head().number();
                let from = from_block.and_then(|t| self.resolve_number(t)).unwrap_or(head);
                let to = to_block.and_then(|t| self.resolve_number(t)).unwrap_or(head).min(head);
                if to.saturating_sub(from) > MAX_LOG_RANGE {
                    return Err(RangeTooLarge);
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
