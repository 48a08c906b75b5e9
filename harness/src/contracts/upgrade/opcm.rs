//! The upgrade path OPContractsManager provides: op-contracts v4.1.0 to v5.0.0 through
//! OPContractsManager 4.2.0, run by EOA owners through the [`forwarder`](super::forwarder).
//!
//! In order, every transaction from the roles that own what it changes:
//! 1. deploy the forwarder (CREATE2 factory);
//! 2. `upgradeSuperchainConfig`, delegated by the superchain ProxyAdmin owner (OPContractsManager
//!    refuses to upgrade a chain whose SuperchainConfig is older than its own);
//! 3. `upgrade` of each L2's chain, delegated by its ProxyAdmin owner: a plain
//!    `ProxyAdmin.upgrade` of every chain proxy to the release's implementation, and a new
//!    PermissionedDisputeGame registered with the DisputeGameFactory;
//! 4. ProtocolVersions, which OPContractsManager leaves alone, through the superchain
//!    ProxyAdmin (a plain `upgrade`: the release keeps its storage layout);
//! 5. each delegated account revokes its delegation.

use alloy::{primitives::Address, sol_types::SolCall};

use super::{ChainTarget, OwnerTx, Role, Roles, forwarder};
use crate::{
    contracts::{
        DeployerState,
        abi::{OPContractsManagerUpgrader as Opcm, ProxyAdmin},
    },
    forks::ContractsRelease,
};

/// Whether this path upgrades `from` to `to`.
pub(super) fn supports(from: ContractsRelease, to: ContractsRelease) -> bool {
    from == ContractsRelease::V4_1_0 && to == ContractsRelease::V5_0_0
}

/// The owner's transactions of the upgrade to `target`'s release.
pub(super) fn transactions(target: &DeployerState, chains: &[ChainTarget], roles: &Roles) -> Vec<OwnerTx> {
    let superchain = target.superchain;
    let opcm = target.opcm;
    let mut delegated = Delegations::default();
    let mut txs = vec![OwnerTx {
        intent: "deploy the owner's delegatecall forwarder through the CREATE2 factory".into(),
        from: Role::SuperchainProxyAdminOwner,
        to: forwarder::CREATE2_FACTORY,
        data: forwarder::deployment(),
        value: Default::default(),
        delegate: None,
    }];
    let call = Opcm::upgradeSuperchainConfigCall { superchainConfig: superchain.superchain_config_proxy, superchainProxyAdmin: superchain.proxy_admin };
    txs.push(delegated.call(roles, Role::SuperchainProxyAdminOwner, opcm, &call.abi_encode(), "upgrade the SuperchainConfig through OPContractsManager.upgradeSuperchainConfig".into()));
    for chain in chains {
        let config = Opcm::OpChainConfig { systemConfigProxy: chain.system_config, proxyAdmin: chain.proxy_admin, absolutePrestate: chain.prestate };
        let call = Opcm::upgradeCall { opChainConfigs: vec![config] };
        txs.push(delegated.call(roles, Role::ProxyAdminOwner, opcm, &call.abi_encode(), format!("upgrade the chain contracts of L2 `{}` through OPContractsManager.upgrade", chain.name)));
    }
    txs.push(OwnerTx {
        intent: "upgrade ProtocolVersions through the superchain ProxyAdmin".into(),
        from: Role::SuperchainProxyAdminOwner,
        to: superchain.proxy_admin,
        data: ProxyAdmin::upgradeCall { proxy: superchain.protocol_versions_proxy, implementation: superchain.protocol_versions_impl }.abi_encode().into(),
        value: Default::default(),
        delegate: None,
    });
    txs.extend(delegated.revocations(roles));
    txs
}

/// The accounts delegated to the forwarder so far, each by the first role that used it.
#[derive(Default)]
struct Delegations(Vec<(Address, Role)>);

impl Delegations {
    /// A call from `role` to itself that DELEGATECALLs `target`; the account's first such call
    /// also sets its delegation.
    fn call(&mut self, roles: &Roles, role: Role, target: Address, calldata: &[u8], intent: String) -> OwnerTx {
        let account = roles.address(role);
        let first = !self.0.iter().any(|(a, _)| *a == account);
        if first {
            self.0.push((account, role));
        }
        OwnerTx {
            intent: format!("{intent} (delegated)"),
            from: role,
            to: account,
            data: forwarder::call(target, calldata),
            value: Default::default(),
            delegate: first.then(forwarder::address),
        }
    }

    /// One transaction per delegated account that clears its delegation.
    fn revocations(self, roles: &Roles) -> impl Iterator<Item = OwnerTx> + '_ {
        self.0.into_iter().map(move |(account, role)| OwnerTx {
            intent: format!("revoke the EIP-7702 delegation of {account} ({role:?})"),
            from: role,
            to: roles.address(role),
            data: Default::default(),
            value: Default::default(),
            delegate: Some(Address::ZERO),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_opcm_4_2_0s() {
        // The selectors the deployed OPContractsManager 4.2.0 dispatches (research notes, from
        // its bytecode).
        assert_eq!(Opcm::upgradeCall::SELECTOR, [0xff, 0x2d, 0xd5, 0xa1]);
        assert_eq!(Opcm::upgradeSuperchainConfigCall::SELECTOR, [0xb0, 0xb8, 0x07, 0xeb]);
        assert_eq!(ProxyAdmin::upgradeCall::SELECTOR, [0x99, 0xa8, 0x8e, 0xc4]);
    }
}
