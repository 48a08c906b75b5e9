//! What L1 and L2 block execution share: an execution state over a world-state snapshot, the
//! split between transactions that must go in and those that may, and the roots every header
//! carries.

use std::collections::HashSet;

use alloy::{
    consensus::{Header, TxReceipt, proofs, transaction::Recovered},
    eips::eip2718::Encodable2718,
    primitives::{B256, Bloom, Log},
};
use alloy_evm::block::{BlockExecutionError, BlockValidationError};
use alloy_op_evm::block::OpBlockExecutionError;
use revm::{
    context::result::InvalidTransaction,
    DatabaseRef,
    database::{BundleState, State, WrapDatabaseRef, states::bundle_state::BundleRetention},
};

use super::state::WorldState;

/// The execution database over a snapshot: reads fall through to the snapshot, writes are
/// collected as a bundle.
pub type ExecState<'a> = State<WrapDatabaseRef<&'a WorldState>>;

/// Opens an execution state over `db`: a snapshot, or any other state the EVM can read (the
/// genesis replay reads a decoded allocation).
pub fn exec_state<DB: DatabaseRef>(db: DB) -> State<WrapDatabaseRef<DB>> {
    State::builder().with_database_ref(db).with_bundle_update().build()
}

/// What the block changed, as one bundle.
pub fn changes<DB: DatabaseRef>(state: &mut State<WrapDatabaseRef<DB>>) -> BundleState {
    state.merge_transitions(BundleRetention::PlainState);
    state.take_bundle()
}

/// Folds what the block changed into a new snapshot.
pub fn commit(mut state: ExecState<'_>, world: &WorldState) -> WorldState {
    let mut next = world.clone();
    next.apply(changes(&mut state));
    next
}

/// A transaction left out of a block, and why.
#[derive(Clone, Debug)]
pub struct Rejected {
    pub hash: B256,
    pub reason: String,
}

/// Whether a candidate that failed may succeed in a later block, so it stays in the pool as
/// geth keeps it: it does not fit the gas left, nor (from Jovian) the DA footprint left, or it
/// pays less than this block's base fee. A DA-heavy transaction behind another used to be
/// dropped here and never mined.
fn may_fit_later(err: &BlockExecutionError) -> bool {
    match err.as_validation() {
        Some(BlockValidationError::TransactionGasLimitMoreThanAvailableBlockGas { .. }) => true,
        Some(BlockValidationError::InvalidTx { error, .. }) => {
            matches!(error.as_invalid_tx_err(), Some(InvalidTransaction::GasPriceLessThanBasefee))
        }
        Some(BlockValidationError::Other(other)) => {
            matches!(other.downcast_ref(), Some(OpBlockExecutionError::TransactionDaFootprintAboveGasLimit { .. }))
        }
        _ => false,
    }
}

/// Runs the block's forced transactions (deposits: any failure is a bug) and then the pool's
/// candidates, as geth's miner does: an invalid candidate is left out and reported (the pool
/// drops it); one that may fit a later block waits, unreported; and once a sender's candidate
/// is left out, its later ones wait too (their nonces would not follow).
pub fn run_transactions<T, F>(
    forced: Vec<Recovered<T>>,
    candidates: impl IntoIterator<Item = Recovered<T>>,
    mut execute: F,
) -> Result<(Vec<Recovered<T>>, Vec<Rejected>), BlockExecutionError>
where
    T: Encodable2718,
    F: FnMut(&Recovered<T>) -> Result<(), BlockExecutionError>,
{
    let mut included = Vec::new();
    for tx in forced {
        execute(&tx)?;
        included.push(tx);
    }
    let (mut rejected, mut held_back) = (Vec::new(), HashSet::new());
    for tx in candidates {
        if held_back.contains(&tx.signer()) {
            continue;
        }
        match execute(&tx) {
            Ok(()) => included.push(tx),
            Err(err) => {
                held_back.insert(tx.signer());
                if !may_fit_later(&err) {
                    rejected.push(Rejected { hash: tx.trie_hash(), reason: err.to_string() });
                }
            }
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

#[cfg(test)]
mod tests {
    use alloy::{
        consensus::{Signed, Transaction, TxEip1559, TxEnvelope},
        primitives::{Address, Signature, U256},
    };

    use super::*;

    fn tx(sender: u8, nonce: u64) -> Recovered<TxEnvelope> {
        let signed = Signed::new_unhashed(TxEip1559 { nonce, ..Default::default() }, Signature::new(U256::from(1), U256::from(1), false));
        Recovered::new_unchecked(TxEnvelope::from(signed), Address::repeat_byte(sender))
    }

    #[test]
    fn a_candidate_that_may_fit_later_waits_and_holds_back_its_sender() {
        let candidates = [tx(1, 0), tx(1, 1), tx(2, 0), tx(2, 1), tx(3, 0), tx(3, 1), tx(4, 0), tx(4, 1)];
        let (included, rejected) = run_transactions(Vec::new(), candidates, |tx| match (tx.signer().0[0], tx.nonce()) {
            (1, 0) => Err(BlockValidationError::TransactionGasLimitMoreThanAvailableBlockGas { transaction_gas_limit: 2, block_available_gas: 1 }.into()),
            (2, 1) => Err(BlockValidationError::InvalidTx { hash: B256::ZERO, error: Box::new(InvalidTransaction::GasPriceLessThanBasefee) }.into()),
            (3, 0) => Err(BlockExecutionError::msg("insufficient funds")),
            (4, 1) => Err(BlockValidationError::Other(Box::new(OpBlockExecutionError::TransactionDaFootprintAboveGasLimit { transaction_da_footprint: 2, available_block_da_footprint: 1 })).into()),
            _ => Ok(()),
        })
        .unwrap();
        let included: Vec<_> = included.iter().map(|t| (t.signer().0[0], t.nonce())).collect();
        assert_eq!(
            included,
            [(2, 0), (4, 0)],
            "sender 1 waits for room, 2's nonce 1 for a lower base fee, 3's nonce 1 behind its refused 0, 4's nonce 1 for DA footprint left"
        );
        assert_eq!(rejected.iter().map(|r| r.hash).collect::<Vec<_>>(), [tx(3, 0).trie_hash()], "only the invalid one is dropped");
    }
}
