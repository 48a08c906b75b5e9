//! What L1 and L2 block execution share: an execution state over a world-state snapshot, the
//! split between transactions that must go in and those that may, and the roots every header
//! carries.

use alloy::{
    consensus::{Header, TxReceipt, proofs},
    eips::eip2718::Encodable2718,
    primitives::{B256, Bloom, Log},
};
use alloy_evm::block::BlockExecutionError;
use revm::database::{State, WrapDatabaseRef, states::bundle_state::BundleRetention};

use super::state::WorldState;

/// The execution database over a snapshot: reads fall through to the snapshot, writes are
/// collected as a bundle.
pub type ExecState<'a> = State<WrapDatabaseRef<&'a WorldState>>;

/// Opens an execution state over `world`.
pub fn exec_state(world: &WorldState) -> ExecState<'_> {
    State::builder().with_database_ref(world).with_bundle_update().build()
}

/// Folds what the block changed into a new snapshot.
pub fn commit(mut state: ExecState<'_>, world: &WorldState) -> WorldState {
    state.merge_transitions(BundleRetention::PlainState);
    let bundle = state.take_bundle();
    let mut next = world.clone();
    next.apply(bundle);
    next
}

/// A transaction left out of a block, and why.
#[derive(Clone, Debug)]
pub struct Rejected {
    pub hash: B256,
    pub reason: String,
}

/// Runs the block's forced transactions (deposits: any failure is a bug) and then the pool's
/// candidates (an invalid one is left out and reported).
pub fn run_transactions<T, F>(
    forced: Vec<T>,
    candidates: impl IntoIterator<Item = T>,
    mut execute: F,
) -> Result<(Vec<T>, Vec<Rejected>), BlockExecutionError>
where
    T: Encodable2718,
    F: FnMut(&T) -> Result<(), BlockExecutionError>,
{
    let mut included = Vec::new();
    for tx in forced {
        execute(&tx)?;
        included.push(tx);
    }
    let mut rejected = Vec::new();
    for tx in candidates {
        match execute(&tx) {
            Ok(()) => included.push(tx),
            Err(err) => rejected.push(Rejected { hash: tx.trie_hash(), reason: err.to_string() }),
        }
    }
    Ok((included, rejected))
}

/// Fills the roots, bloom and gas a header gets from its transactions, receipts and state.
pub fn seal_roots<T, R>(header: &mut Header, txs: &[T], receipts: &[R], state: &WorldState, gas_used: u64)
where
    T: Encodable2718,
    R: Encodable2718 + TxReceipt<Log = Log>,
{
    header.transactions_root = proofs::calculate_transaction_root(txs);
    header.receipts_root = proofs::calculate_receipt_root(receipts);
    header.logs_bloom = receipts.iter().fold(Bloom::ZERO, |bloom, r| bloom | r.bloom());
    header.state_root = state.state_root();
    header.gas_used = gas_used;
}
