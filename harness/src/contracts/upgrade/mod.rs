//! L1 upgrades: the owner's transactions that move a network's OP contracts from one release to
//! the next, mined in the L1 block a spec's `[l1.upgrade]` schedules.
//!
//! **How the new release's implementations reach the L1.** The release's creation code is not
//! in the data (op-deployer's state holds deployed accounts only), and the upgrade itself
//! deploys nothing but the chain's new dispute game. So an L1 that starts on the old release is
//! built as an L1 where OP has already deployed the new release but no chain has adopted it:
//! its genesis holds the old release's contracts (superchain, implementations, OPContractsManager,
//! each L2's chain deployed by that OPContractsManager) plus every account of the new release's
//! state that the old one lacks (its implementations, its OPContractsManager and blueprints),
//! leaving out the new state's example chain. Accounts both states hold keep the old release's
//! content (the superchain proxies still point at the old implementations). That is how OP ships
//! releases: implementations are deployed once per L1 by OP, and each chain's owner upgrades to
//! them when it chooses.
//!
//! **The upgrade path.** Where the new release's OPContractsManager can upgrade from the old
//! release ([`has_path`]), the harness writes the owner's transactions for it ([`opcm`]);
//! otherwise a spec gives them in a file ([`OwnerTxFile`]). Either way they are data
//! ([`OwnerTx`]), signed by the role's dev key when the scheduled block is built.

mod canary;
mod file;
pub mod forwarder;
mod opcm;
mod sign;
mod stage;

use alloy::{
    primitives::{Address, Bytes, U256},
    signers::local::PrivateKeySigner,
};
use serde::{Deserialize, Serialize};

pub use canary::{CANARY_FUNDS, CANARY_VALUE, canary_deposit, canary_signer};
pub use file::{OwnerTxFile, OwnerTxFileError};
pub use sign::{BlockTerms, sign};
pub(super) use stage::staged_accounts;

use crate::forks::ContractsRelease;

/// Whether the harness can write the owner's transactions from `from` to `to` itself.
pub fn has_path(from: ContractsRelease, to: ContractsRelease) -> bool {
    opcm::supports(from, to)
}

/// Who sends an owner transaction: a role of the deployment, as op-deployer's intent names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// Owns each chain's ProxyAdmin (and, in op-deployer's devnets, the DisputeGameFactory).
    ProxyAdminOwner,
    SystemConfigOwner,
    /// Owns the superchain's ProxyAdmin (SuperchainConfig, ProtocolVersions).
    SuperchainProxyAdminOwner,
    Proposer,
    Challenger,
}

impl Role {
    pub const ALL: [Self; 5] = [Self::ProxyAdminOwner, Self::SystemConfigOwner, Self::SuperchainProxyAdminOwner, Self::Proposer, Self::Challenger];
}

/// One transaction of an L1 upgrade: a call from a role. Nonce, gas and fees are the block's
/// business: the L1 fills them in when it mines the transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerTx {
    /// What the transaction does, for people and for the suite's messages.
    pub intent: String,
    pub from: Role,
    pub to: Address,
    #[serde(default)]
    pub data: Bytes,
    #[serde(default)]
    pub value: U256,
    /// EIP-7702: the code the sender's account delegates to from this transaction on (the zero
    /// address revokes a delegation). The transaction is then a set-code transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate: Option<Address>,
}

impl OwnerTx {
    /// The call the transaction makes.
    pub fn call(&self) -> Call {
        Call { to: self.to, data: self.data.clone(), value: self.value, delegate: self.delegate }
    }
}

/// A call as the L1 signs it: to, data, value, and an EIP-7702 delegation if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub to: Address,
    pub data: Bytes,
    pub value: U256,
    pub delegate: Option<Address>,
}

/// An owner transaction with the key its role resolves to.
#[derive(Clone, Debug)]
pub struct PlannedTx {
    pub tx: OwnerTx,
    pub sender: PrivateKeySigner,
}

/// A live L1 upgrade: what the L1 mines in its scheduled block.
#[derive(Clone, Debug)]
pub struct UpgradePlan {
    pub from: ContractsRelease,
    pub to: ContractsRelease,
    /// The L1 block the transactions are mined in.
    pub block: u64,
    /// The owner's transactions, in order.
    pub transactions: Vec<PlannedTx>,
    /// The portals the harness deposits to in the blocks around the upgrade (see [`canary`]).
    pub portals: Vec<Address>,
}

/// The addresses of the deployment's roles.
#[derive(Clone, Debug, Default)]
pub struct Roles(std::collections::BTreeMap<Role, Address>);

impl Roles {
    pub fn new(roles: impl IntoIterator<Item = (Role, Address)>) -> Self {
        Self(roles.into_iter().collect())
    }

    pub fn address(&self, role: Role) -> Address {
        self.0.get(&role).copied().unwrap_or_default()
    }

    /// The dev key that signs for `role`.
    fn signer(&self, role: Role) -> Option<PrivateKeySigner> {
        let address = self.address(role);
        crate::genesis::dev_signers().iter().find(|s| s.address() == address).cloned()
    }
}

/// One L2's chain contracts, as the upgrade addresses them.
#[derive(Clone, Debug)]
pub struct ChainTarget {
    pub name: String,
    pub system_config: Address,
    pub proxy_admin: Address,
    /// The absolute prestate of its permissioned dispute game, which the upgrade keeps.
    pub prestate: alloy::primitives::B256,
}

/// Why an upgrade plan cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("role {role:?} is {address}, not one of the dev accounts, so the harness cannot sign its transactions")]
    ForeignRole { role: Role, address: Address },
    #[error(transparent)]
    File(#[from] OwnerTxFileError),
    #[error("the harness knows no upgrade path from {from} to {to}; give the owner's transactions in `[l1.upgrade] file`")]
    NoPath { from: ContractsRelease, to: ContractsRelease },
}

/// What [`plan`] needs to know of the network.
pub struct PlanInputs<'a> {
    pub spec: &'a crate::spec::NetworkSpec,
    /// The target release's op-deployer state.
    pub target: &'a super::DeployerState,
    pub chains: Vec<ChainTarget>,
    pub roles: Roles,
    pub portals: Vec<Address>,
}

/// The live upgrade `spec` schedules, if any: the file's transactions, or the release path's.
pub fn plan(inputs: PlanInputs<'_>) -> Result<Option<UpgradePlan>, PlanError> {
    let spec = inputs.spec;
    let (Some((upgrade, _)), Some(block)) = (spec.l1.live_upgrade(), spec.l1.upgrade_block()) else { return Ok(None) };
    let (from, to) = (spec.l1.contracts, upgrade.to);
    let transactions = match &upgrade.file {
        Some(file) => OwnerTxFile::read(&spec.resolve_path(file))?.transactions,
        None if opcm::supports(from, to) => opcm::transactions(inputs.target, &inputs.chains, &inputs.roles),
        None => return Err(PlanError::NoPath { from, to }),
    };
    let transactions = transactions
        .into_iter()
        .map(|tx| {
            let sender = inputs.roles.signer(tx.from).ok_or(PlanError::ForeignRole { role: tx.from, address: inputs.roles.address(tx.from) })?;
            Ok(PlannedTx { tx, sender })
        })
        .collect::<Result<_, PlanError>>()?;
    Ok(Some(UpgradePlan { from, to, block, transactions, portals: inputs.portals }))
}
