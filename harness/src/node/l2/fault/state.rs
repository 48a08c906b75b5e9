//! Faults in the state a block leaves: a skipped irregular state transition, a skipped system
//! write, a fee credited to the wrong account. The executor runs the block as op-reth does; these
//! undo or move what it wrote before the block's changes join the chain's state, so the
//! broken node's state root, proofs and balances all agree with its bug.

use alloy::{
    eips::eip2935::{HISTORY_SERVE_WINDOW, HISTORY_STORAGE_ADDRESS},
    primitives::{Address, U256, address},
};
use alloy_evm::block::BlockExecutionError;
use op_revm::constants::OPERATOR_FEE_RECIPIENT;
use revm::{
    Database as _, DatabaseCommit as _, DatabaseRef as _,
    database::DatabaseCommitExt as _,
    primitives::HashMap,
    state::{Account, EvmStorageSlot},
};

use super::Fault;
use crate::node::{exec::ExecState, l2::chain::SEQUENCER_FEE_VAULT, state::WorldState};

/// Where Canyon's irregular state transition installs the Create2Deployer.
const CREATE2_DEPLOYER: Address = address!("13b0D85CcB8bf860b6b79AF3029fCA081AE9beF2");

/// Applies `fault`'s bug to block `number`'s execution state, whose parent state is `parent`.
pub fn patch_block(fault: Option<Fault>, state: &mut ExecState<'_>, parent: &WorldState, number: u64) -> Result<(), BlockExecutionError> {
    let patched = match fault {
        Some(Fault::SkipCreate2Deployer) => restore_account(state, parent, CREATE2_DEPLOYER),
        Some(Fault::SkipHistoryWrite) => {
            let slot = U256::from(number.saturating_sub(1) % HISTORY_SERVE_WINDOW as u64);
            restore_slot(state, parent, HISTORY_STORAGE_ADDRESS, slot)
        }
        Some(Fault::OperatorFeeToSequencerVault) => move_gain(state, parent, OPERATOR_FEE_RECIPIENT, SEQUENCER_FEE_VAULT),
        _ => Ok(()),
    };
    patched.map_err(BlockExecutionError::other)
}

/// What reading the execution state can fail with.
type DbError = <ExecState<'static> as revm::Database>::Error;

/// Commits `account` as the block's last change to `address`.
fn commit(state: &mut ExecState<'_>, address: Address, mut account: Account) {
    account.mark_touch();
    state.commit(HashMap::from_iter([(address, account)]));
}

/// Puts `address` back as the parent state had it (an absent account stays absent).
fn restore_account(state: &mut ExecState<'_>, parent: &WorldState, address: Address) -> Result<(), DbError> {
    let now = state.basic(address)?;
    let Ok(before) = parent.basic_ref(address);
    if now.as_ref().map(|a| a.code_hash) != before.as_ref().map(|a| a.code_hash) {
        commit(state, address, before.unwrap_or_default().into());
    }
    Ok(())
}

/// Puts storage `slot` of `address` back to its parent-state value.
fn restore_slot(state: &mut ExecState<'_>, parent: &WorldState, address: Address, slot: U256) -> Result<(), DbError> {
    let Some(info) = state.basic(address)? else { return Ok(()) };
    let now = state.storage(address, slot)?;
    let Ok(before) = parent.storage_ref(address, slot);
    if now != before {
        let mut account = Account::from(info);
        account.storage.insert(slot, EvmStorageSlot::new_changed(now, before, 0));
        commit(state, address, account);
    }
    Ok(())
}

/// Moves what `from` gained in the block to `to`.
fn move_gain(state: &mut ExecState<'_>, parent: &WorldState, from: Address, to: Address) -> Result<(), DbError> {
    let Some(mut info) = state.basic(from)? else { return Ok(()) };
    let Ok(before) = parent.basic_ref(from);
    let before = before.map_or(U256::ZERO, |a| a.balance);
    let gain = info.balance.saturating_sub(before);
    if gain.is_zero() {
        return Ok(());
    }
    info.balance = before;
    commit(state, from, info.into());
    state.increment_balances([(to, gain.saturating_to())])
}

#[cfg(test)]
mod tests {
    use alloy::genesis::GenesisAccount;

    use super::*;
    use crate::node::exec::{commit as fold, exec_state};

    fn world(accounts: &[(Address, GenesisAccount)]) -> WorldState {
        WorldState::from_alloc(accounts.iter().map(|(a, g)| (a, g)))
    }

    #[test]
    fn the_operator_fee_moves_to_the_sequencer_vault() {
        let parent = world(&[(OPERATOR_FEE_RECIPIENT, GenesisAccount::default().with_balance(U256::from(10)))]);
        let mut state = exec_state(&parent);
        state.increment_balances([(OPERATOR_FEE_RECIPIENT, 7)]).expect("in memory");
        patch_block(Some(Fault::OperatorFeeToSequencerVault), &mut state, &parent, 1).expect("in memory");
        let next = fold(state, &parent);
        let balance = |a: Address| next.account(&a).map(|a| a.balance);
        assert_eq!((balance(OPERATOR_FEE_RECIPIENT), balance(SEQUENCER_FEE_VAULT)), (Some(U256::from(10)), Some(U256::from(7))));
    }

    #[test]
    fn a_skipped_history_write_leaves_the_slot_as_it_was() {
        let code = alloy::primitives::Bytes::from_static(&[0x00]);
        let parent = world(&[(HISTORY_STORAGE_ADDRESS, GenesisAccount::default().with_code(Some(code)))]);
        let mut state = exec_state(&parent);
        let info = state.basic(HISTORY_STORAGE_ADDRESS).expect("in memory").expect("the contract exists");
        let mut account = Account::from(info);
        account.storage.insert(U256::from(4), EvmStorageSlot::new_changed(U256::ZERO, U256::from(99), 0));
        commit(&mut state, HISTORY_STORAGE_ADDRESS, account);
        patch_block(Some(Fault::SkipHistoryWrite), &mut state, &parent, 5).expect("in memory");
        assert_eq!(fold(state, &parent).storage(&HISTORY_STORAGE_ADDRESS, U256::from(4)), U256::ZERO);
    }
}
