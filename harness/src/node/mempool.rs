//! Transactions waiting for a block, per sender in nonce order, offered to the block builder by
//! fee. The rules are geth's legacypool's: a sender's run of consecutive nonces from its state
//! nonce is *pending* (executable); anything after a gap is *queued* and waits for the gap to
//! close. Admission checks (funds, intrinsic gas, type) happen before insertion, in the node.

use std::collections::{BTreeMap, HashMap};

use alloy::{
    consensus::{Transaction, transaction::Recovered},
    eips::eip2718::Encodable2718,
    primitives::{Address, B256},
};

/// geth's `AccountQueue`: queued (gapped) transactions one sender may have waiting.
pub const ACCOUNT_QUEUE: usize = 64;
/// geth's `GlobalSlots + GlobalQueue`: transactions the whole pool holds.
pub const POOL_CAPACITY: usize = 4096 + 1024;
/// geth's and reth's default price bump, in percent, for replacing a transaction.
pub const PRICE_BUMP: u128 = 10;

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

/// Why the pool refused a transaction, in geth's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("already known")]
    AlreadyKnown,
    #[error("replacement transaction underpriced")]
    ReplacementUnderpriced,
    /// The sender already has [`ACCOUNT_QUEUE`] transactions waiting on a nonce gap.
    #[error("account limit exceeded")]
    AccountLimit,
    #[error("txpool is full")]
    Full,
}

/// Whether a pooled transaction can go into the next block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    Pending,
    Queued,
}

/// A sender's pooled nonces split at the first gap after `state_nonce`: the end of the pending
/// run (the `pending` nonce geth reports) and how many wait behind the gap.
fn split<V>(queue: &BTreeMap<u64, V>, state_nonce: u64) -> (u64, usize) {
    let mut next = state_nonce;
    for nonce in queue.range(state_nonce..).map(|(n, _)| *n) {
        if nonce != next {
            break;
        }
        next += 1;
    }
    let pending = (next - state_nonce) as usize;
    (next, queue.range(state_nonce..).count() - pending)
}

/// `new` pays at least [`PRICE_BUMP`] percent more than `old` in both fee cap and tip, and
/// strictly more in each (geth's rule, which also holds for wei-level prices).
fn outbids<T: Transaction>(new: &T, old: &T) -> bool {
    let tip = |tx: &T| tx.max_priority_fee_per_gas().unwrap_or_else(|| tx.max_fee_per_gas());
    let bumped = |old: u128, new: u128| new > old && new >= old.saturating_mul(100 + PRICE_BUMP) / 100;
    bumped(old.max_fee_per_gas(), new.max_fee_per_gas()) && bumped(tip(old), tip(new))
}

impl<T: Transaction + Encodable2718 + Clone> Mempool<T> {
    /// Adds a transaction whose sender's state nonce is `state_nonce` (and at most the
    /// transaction's). One with the same sender and nonce is replaced only when outbid.
    pub fn insert(&mut self, tx: Recovered<T>, state_nonce: u64) -> Result<B256, PoolError> {
        let hash = tx.trie_hash();
        if self.hashes.contains_key(&hash) {
            return Err(PoolError::AlreadyKnown);
        }
        let (sender, nonce) = (tx.signer(), tx.nonce());
        let queue = self.by_sender.entry(sender).or_default();
        match queue.get(&nonce) {
            Some(old) if !outbids(tx.inner(), old.inner()) => return Err(PoolError::ReplacementUnderpriced),
            Some(old) => {
                self.hashes.remove(&old.trie_hash());
            }
            None => {
                let (pending_end, queued) = split(queue, state_nonce);
                if nonce > pending_end && queued >= ACCOUNT_QUEUE {
                    return Err(PoolError::AccountLimit);
                }
                if self.hashes.len() >= POOL_CAPACITY {
                    return Err(PoolError::Full);
                }
            }
        }
        queue.insert(nonce, tx);
        self.hashes.insert(hash, (sender, nonce));
        Ok(hash)
    }

    /// geth's `pending` nonce: the state nonce plus the sender's pending run.
    pub fn pending_nonce(&self, sender: &Address, state_nonce: u64) -> u64 {
        self.by_sender.get(sender).map_or(state_nonce, |q| split(q, state_nonce).0)
    }

    /// A pooled transaction by hash.
    pub fn get(&self, hash: &B256) -> Option<&Recovered<T>> {
        let (sender, nonce) = self.hashes.get(hash)?;
        self.by_sender.get(sender)?.get(nonce)
    }

    /// Every pooled transaction with its readiness, by sender and nonce.
    pub fn classified(&self, state_nonce: impl Fn(&Address) -> u64) -> Vec<(Readiness, &Recovered<T>)> {
        let mut all = Vec::with_capacity(self.hashes.len());
        for (sender, queue) in &self.by_sender {
            let from = state_nonce(sender);
            let pending_end = split(queue, from).0;
            for (nonce, tx) in queue.range(from..) {
                all.push((if *nonce < pending_end { Readiness::Pending } else { Readiness::Queued }, tx));
            }
        }
        all
    }

    /// Executable transactions for a block: each sender's pending run, senders interleaved by
    /// the tip they pay at `base_fee`, highest first.
    pub fn candidates(&self, base_fee: u64, state_nonce: impl Fn(&Address) -> u64) -> Vec<Recovered<T>> {
        let mut runs: Vec<Vec<&Recovered<T>>> = self
            .by_sender
            .iter()
            .map(|(sender, queue)| {
                let from = state_nonce(sender);
                let end = split(queue, from).0;
                queue.range(from..end).map(|(_, tx)| tx).collect()
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

    /// Whether some transaction can go into the next block.
    pub fn has_pending(&self, state_nonce: impl Fn(&Address) -> u64) -> bool {
        self.by_sender.iter().any(|(sender, queue)| {
            let from = state_nonce(sender);
            split(queue, from).0 > from
        })
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

    /// Drops transactions whose nonce their sender has already used (by a transaction from
    /// elsewhere, a deposit say), as geth demotes them after each block.
    pub fn drop_stale(&mut self, state_nonce: impl Fn(&Address) -> u64) {
        let stale: Vec<B256> = self
            .by_sender
            .iter()
            .flat_map(|(sender, queue)| queue.range(..state_nonce(sender)).map(|(_, tx)| tx.trie_hash()))
            .collect();
        self.remove(stale);
    }

    /// How many transactions wait, pending or queued.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use alloy::{
        consensus::{Signed, TxEip1559, TxEnvelope},
        primitives::{Signature, U256},
    };

    use super::*;

    const ALICE: Address = Address::repeat_byte(0xa1);

    fn tx(nonce: u64, max_fee: u128, tip: u128) -> Recovered<TxEnvelope> {
        let body = TxEip1559 { nonce, max_fee_per_gas: max_fee, max_priority_fee_per_gas: tip, gas_limit: 21_000, ..Default::default() };
        let signed = Signed::new_unhashed(body, Signature::new(U256::from(1), U256::from(1), false));
        Recovered::new_unchecked(TxEnvelope::from(signed), ALICE)
    }

    #[test]
    fn a_gap_splits_pending_from_queued() {
        let mut pool = Mempool::default();
        for nonce in [3, 4, 6, 7] {
            pool.insert(tx(nonce, 100, 10), 3).unwrap();
        }
        assert_eq!(pool.pending_nonce(&ALICE, 3), 5, "3 and 4 are executable; 6 waits on 5");
        let ready: Vec<_> = pool.classified(|_| 3).into_iter().map(|(r, t)| (t.nonce(), r)).collect();
        assert!(ready.contains(&(4, Readiness::Pending)) && ready.contains(&(6, Readiness::Queued)), "{ready:?}");
        assert_eq!(pool.candidates(0, |_| 3).len(), 2);
        assert!(!pool.has_pending(|_| 5), "from state nonce 5 only the gapped 6 and 7 remain");
    }

    #[test]
    fn replacing_needs_ten_percent_more_in_cap_and_tip() {
        let mut pool = Mempool::default();
        pool.insert(tx(0, 100, 10), 0).unwrap();
        assert_eq!(pool.insert(tx(0, 109, 20), 0), Err(PoolError::ReplacementUnderpriced));
        assert_eq!(pool.insert(tx(0, 200, 10), 0), Err(PoolError::ReplacementUnderpriced), "the tip must rise too");
        pool.insert(tx(0, 110, 11), 0).expect("exactly 10% more in both");
        assert_eq!(pool.candidates(0, |_| 0).len(), 1);
    }

    #[test]
    fn a_sender_queues_at_most_account_queue_gapped_transactions() {
        let mut pool = Mempool::default();
        for nonce in 1..=ACCOUNT_QUEUE as u64 {
            pool.insert(tx(nonce, 100, 10), 0).unwrap();
        }
        assert_eq!(pool.insert(tx(ACCOUNT_QUEUE as u64 + 1, 100, 10), 0), Err(PoolError::AccountLimit));
        pool.insert(tx(0, 100, 10), 0).expect("closing the gap is always welcome");
        assert_eq!(pool.pending_nonce(&ALICE, 0), ACCOUNT_QUEUE as u64 + 1);
    }

    #[test]
    fn stale_nonces_are_dropped() {
        let mut pool = Mempool::default();
        pool.insert(tx(0, 100, 10), 0).unwrap();
        pool.insert(tx(2, 100, 10), 0).unwrap();
        pool.drop_stale(|_| 1);
        assert_eq!(pool.classified(|_| 1).len(), 1);
        assert!(pool.get(&tx(0, 100, 10).trie_hash()).is_none());
    }
}
