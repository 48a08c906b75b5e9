//! The L1 half of the OP Stack: a real OP contracts deployment in the L1's genesis.
//!
//! The data is op-deployer's own state for an op-contracts release (`[data] deployments`): the
//! superchain contracts, every implementation, OPContractsManager with its blueprints, and one
//! example chain. The harness keeps everything but that example chain, then, in a block before
//! L1 block 0, has the system-config owner call `OPContractsManager.deploy` for each L2 of the
//! spec (with that L2's chain id, op-deployer's salt mixer and dispute-game parameters) and set
//! the spec's SystemConfig values with the owner's setters. That is the path op-deployer itself
//! takes, so the chain contracts are exactly what the release deploys, with no storage edited;
//! for chain id 13 it reproduces op-deployer's example chain address for address.

mod abi;
mod deploy;
pub mod proposer;
mod state;
pub mod upgrade;

use std::path::PathBuf;

use alloy::primitives::Address;
use serde::Serialize;

pub use abi::{AnchorStateRegistry, DisputeGame, DisputeGameFactory, OPContractsManager, OPContractsManagerUpgrader, OptimismPortal, PermissionedDisputeGame, ProxyAdmin, SystemConfig};
pub use deploy::{L1Deployment, deploy};
pub use state::{Alloc, DeployerState, SuperchainContracts, load as load_state, state_file};

use crate::forks::ContractsRelease;

/// The L1 contracts of one L2, as the ready line and the config files name them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct L1Contracts {
    pub optimism_portal: Address,
    pub system_config: Address,
    pub l1_standard_bridge: Address,
    pub l1_cross_domain_messenger: Address,
    pub l1_erc721_bridge: Address,
    pub optimism_mintable_erc20_factory: Address,
    pub dispute_game_factory: Address,
    pub anchor_state_registry: Address,
    /// The chain's own ProxyAdmin.
    pub proxy_admin: Address,
    pub batch_inbox: Address,
    pub protocol_versions: Address,
}

/// What a chain's SystemConfig holds, as its getters report it: the L2's genesis system config.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemConfigValues {
    pub batcher_hash: alloy::primitives::B256,
    pub overhead: alloy::primitives::U256,
    pub scalar: alloy::primitives::U256,
    pub gas_limit: u64,
    pub eip1559_denominator: u32,
    pub eip1559_elasticity: u32,
    pub operator_fee_scalar: u32,
    pub operator_fee_constant: u64,
    /// Jovian's; 0 where the release's SystemConfig has no such value.
    pub min_base_fee: u64,
    pub da_footprint_gas_scalar: u16,
}

/// An L1 deployment that cannot be built. Each names the file or folder and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ContractsError {
    #[error("{}: cannot read the deployments folder: {reason}", .dir.display())]
    Dir { dir: PathBuf, reason: String },
    #[error("{}: expected one op-deployer state file named `*state*.op-contracts-{}.json` for op-contracts {release}, found {}", .dir.display(), release.name(), describe(.found))]
    StateFile { dir: PathBuf, release: ContractsRelease, found: Vec<PathBuf> },
    #[error("{}: {reason}", .file.display())]
    Corrupt { file: PathBuf, reason: String },
    #[error("{}: the chain's system-config owner {owner} is not one of the dev accounts, so the harness cannot sign its transactions", .file.display())]
    ForeignOwner { file: PathBuf, owner: Address },
    #[error("deploying the L1 contracts of L2 `{chain}`: {reason}")]
    Deploy { chain: String, reason: String },
    #[error("planning the L1 upgrade: {0}")]
    Upgrade(#[from] upgrade::PlanError),
}

fn describe(found: &[PathBuf]) -> String {
    if found.is_empty() {
        return "none".into();
    }
    found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

impl ContractsError {
    /// What to change so the deployment builds.
    pub fn fix(&self) -> String {
        match self {
            Self::Dir { .. } | Self::StateFile { .. } => format!(
                "point `deployments` under [data] (or {}) at a folder with op-deployer's state for the release, e.g. ../shared/deployments beside this project; an op-deployer `state.json` works renamed to `state.op-contracts-<version>.json`",
                crate::spec::DEPLOYMENTS_ENV
            ),
            Self::Corrupt { .. } => "restore the state file op-deployer wrote (`op-deployer apply` leaves it as state.json)".into(),
            Self::ForeignOwner { .. } => "use an op-deployer state whose roles are dev accounts of the standard test mnemonic".into(),
            Self::Deploy { .. } => "check the L2's chain id and [l2.system_config] values against what the release's SystemConfig accepts (gas limit 21M to 500M, non-zero EIP-1559 parameters)".into(),
            Self::Upgrade(_) => "give `[l1.upgrade] file` owner transactions from roles the dev accounts hold, or an upgrade the harness knows (`harness validate` lists them)".into(),
        }
    }
}
