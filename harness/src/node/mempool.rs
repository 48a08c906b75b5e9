//! Pending transactions, per sender in nonce order, offered to the block builder by fee.
//! Admission checks (nonce, funds, intrinsic gas, type) happen before insertion, in the node.

use std::collections::{BTreeMap, HashMap};

use alloy::{
    consensus::{Transaction, transaction::Recovered},
    eips::eip2718::Encodable2718,
    primitives::{Address, B256},
};

/// Transactions waiting for a block.
#[derive(Debug)]
pub struct Mempool<T> {
    by_sender: HashMap<Address, BTreeMap<u64, Recovered<T>>>,
    hashes: HashMap<B256, (Address, u64)>,
}

impl<T> Default for Mempool<T> {
    fn default() -> Self {
        Self { by_sender: HashMap::new(), hashes: HashMap::new() }
    }
}

/// Why the pool refused a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("already known")]
    AlreadyKnown,
    #[error("replacement transaction underpriced")]
    ReplacementUnderpriced,
}

impl<T: Transaction + Encodable2718 + Clone> Mempool<T> {
    /// Adds a transaction; one with the same sender and nonce replaces it only when it pays more.
    pub fn insert(&mut self, tx: Recovered<T>) -> Result<B256, PoolError> {
        let hash = tx.trie_hash();
        if self.hashes.contains_key(&hash) {
            return Err(PoolError::AlreadyKnown);
        }
        let (sender, nonce) = (tx.signer(), tx.nonce());
        let queue = self.by_sender.entry(sender).or_default();
        if let Some(old) = queue.get(&nonce) {
            if old.max_fee_per_gas() >= tx.max_fee_per_gas() {
                return Err(PoolError::ReplacementUnderpriced);
            }
            self.hashes.remove(&old.trie_hash());
        }
        queue.insert(nonce, tx);
        self.hashes.insert(hash, (sender, nonce));
        Ok(hash)
    }

    /// The nonce after `sender`'s queued transactions, if any are queued (`pending` nonce).
    pub fn next_nonce(&self, sender: &Address) -> Option<u64> {
        self.by_sender.get(sender).and_then(|q| q.keys().next_back()).map(|n| n + 1)
    }

    /// Executable transactions for a block: each sender's run of consecutive nonces from its
    /// state nonce, senders interleaved by the tip they pay at `base_fee`, highest first.
    pub fn candidates(&self, base_fee: u64, state_nonce: impl Fn(&Address) -> u64) -> Vec<Recovered<T>> {
        let mut runs: Vec<Vec<&Recovered<T>>> = self
            .by_sender
            .iter()
            .map(|(sender, queue)| {
                let mut next = state_nonce(sender);
                queue
                    .range(next..)
                    .take_while(|(nonce, _)| {
                        let consecutive = **nonce == next;
                        next += 1;
                        consecutive
                    })
                    .map(|(_, tx)| tx)
                    .collect()
            })
            .filter(|run: &Vec<_>| !run.is_empty())
            .collect();
        let tip = |tx: &Recovered<T>| tx.effective_tip_per_gas(base_fee).unwrap_or_default();
        let mut picked = Vec::new();
        // Merge the runs: always take the best-paying head, keeping each sender's nonce order.
        while let Some(best) = (0..runs.len()).max_by_key(|i| tip(runs[*i][0])) {
            picked.push(runs[best].remove(0).clone());
            if runs[best].is_empty() {
                runs.swap_remove(best);
            }
        }
        picked
    }

    /// Forgets transactions that were included or rejected.
    pub fn remove(&mut self, hashes: impl IntoIterator<Item = B256>) {
        for hash in hashes {
            if let Some((sender, nonce)) = self.hashes.remove(&hash)
                && let Some(queue) = self.by_sender.get_mut(&sender)
            {
                queue.remove(&nonce);
                if queue.is_empty() {
                    self.by_sender.remove(&sender);
                }
            }
        }
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}
