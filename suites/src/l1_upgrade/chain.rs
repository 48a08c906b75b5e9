//! One L2's contracts on L1, found the way an operator finds them: from the SystemConfig and
//! portal its rollup config names, through their getters and proxies' admin slots.

use alloy::{
    primitives::{Address, B256, U256, b256},
    providers::Provider,
};
use anyhow::Context;
use harness::contracts::{OptimismPortal, SystemConfig};

use crate::{TestNet, l1::l1_call};

alloy::sol! {
    interface SuperchainLinks {
        function superchainConfig() external view returns (address);
    }
}

/// EIP-1967 admin slot: a proxy's ProxyAdmin.
const ADMIN_SLOT: B256 = b256!("b53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103");

/// The chain's proxies and the admins that upgrade them.
#[derive(Clone, Copy, Debug)]
pub struct ChainContracts {
    pub system_config: Address,
    pub portal: Address,
    pub messenger: Address,
    pub standard_bridge: Address,
    pub erc721_bridge: Address,
    pub mintable_factory: Address,
    pub dispute_game_factory: Address,
    pub anchor_state_registry: Address,
    /// The chain's ProxyAdmin.
    pub proxy_admin: Address,
    pub superchain_config: Address,
    /// The superchain's ProxyAdmin (SuperchainConfig's admin).
    pub superchain_proxy_admin: Address,
}

impl ChainContracts {
    /// The contracts of `net`'s L2 as the L1 holds them at block `number`.
    pub async fn read(net: &TestNet, number: u64) -> anyhow::Result<Self> {
        let system_config = net.l1_addresses.system_config;
        let portal = net.l1_addresses.portal;
        let superchain_config = l1_call(net, system_config, SuperchainLinks::superchainConfigCall {}, number).await?;
        Ok(Self {
            system_config,
            portal,
            messenger: l1_call(net, system_config, SystemConfig::l1CrossDomainMessengerCall {}, number).await?,
            standard_bridge: l1_call(net, system_config, SystemConfig::l1StandardBridgeCall {}, number).await?,
            erc721_bridge: l1_call(net, system_config, SystemConfig::l1ERC721BridgeCall {}, number).await?,
            mintable_factory: l1_call(net, system_config, SystemConfig::optimismMintableERC20FactoryCall {}, number).await?,
            dispute_game_factory: l1_call(net, portal, OptimismPortal::disputeGameFactoryCall {}, number).await?,
            anchor_state_registry: l1_call(net, portal, OptimismPortal::anchorStateRegistryCall {}, number).await?,
            proxy_admin: admin_of(net, system_config, number).await?,
            superchain_config,
            superchain_proxy_admin: admin_of(net, superchain_config, number).await?,
        })
    }
}

/// The ProxyAdmin in `proxy`'s EIP-1967 admin slot at L1 block `number`.
async fn admin_of(net: &TestNet, proxy: Address, number: u64) -> anyhow::Result<Address> {
    let word = net.l1.get_storage_at(proxy, U256::from_be_bytes(ADMIN_SLOT.0)).block_id(number.into()).await.with_context(|| format!("reading the admin slot of {proxy}"))?;
    Ok(Address::from_word(word.into()))
}
