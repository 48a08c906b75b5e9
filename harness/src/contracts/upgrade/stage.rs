//! The accounts of a release that is deployed but not adopted yet: what an L1 starting on the old
//! release holds of the new one (see the module documentation of [`super`]).

use alloy::{genesis::GenesisAccount, primitives::Address};

use crate::contracts::{ContractsError, DeployerState};

/// Every account of `new`'s L1 state that `old`'s lacks, without `new`'s example chain: the
/// new release's implementations, OPContractsManager and blueprints.
pub fn staged_accounts(old: &DeployerState, new: &DeployerState) -> Result<Vec<(Address, GenesisAccount)>, ContractsError> {
    let old_alloc = old.l1_alloc()?;
    Ok(new
        .l1_alloc()?
        .iter()
        .filter(|(address, _)| !old_alloc.contains_key(*address) && !new.chain_contracts.contains(address))
        .map(|(address, account)| (*address, account.clone()))
        .collect())
}
