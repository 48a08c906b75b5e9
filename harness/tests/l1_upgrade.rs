//! A live L1 upgrade on the embedded L1: the owner's transactions run in their scheduled block,
//! and `anvil_mine` builds blocks a whole number of slots apart.

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use harness::{
    contracts::{ProxyAdmin, SystemConfig},
    devnet::{Devnet, DevnetOptions},
    spec::{ClockMode, NetworkSpec},
};

fn spec(name: &str) -> NetworkSpec {
    NetworkSpec::load(format!("{}/../networks/{name}.toml", env!("CARGO_MANIFEST_DIR"))).expect("the shipped spec loads")
}

async fn call<C: SolCall>(l1: &DynProvider, to: Address, call: C, block: u64) -> C::Return {
    let request = TransactionRequest::default().to(to).input(call.abi_encode().into());
    let output = l1.call(request).block(block.into()).await.unwrap_or_else(|e| panic!("{} at block {block}: {e}", C::SIGNATURE));
    C::abi_decode_returns(&output).unwrap()
}

#[tokio::test]
async fn the_owner_upgrades_in_the_scheduled_block() {
    let spec = spec("betanet-l1");
    let devnet = Devnet::start(&spec, DevnetOptions { clock: ClockMode::Fast, ..Default::default() }).await.expect("the network starts");
    let l1: DynProvider = ProviderBuilder::new().connect(&devnet.l1.rpc).await.unwrap().erased();
    let () = l1.raw_request("anvil_mine".into(), (U256::from(3),)).await.expect("the fast L1 mines");
    let block = spec.l1.upgrade_block().unwrap();
    let receipts = l1.get_block_receipts(block.into()).await.unwrap().unwrap();
    let failed: Vec<_> = receipts.iter().filter(|r| !r.status()).map(|r| r.transaction_hash).collect();
    assert!(failed.is_empty(), "reverted in the upgrade block: {failed:?}");
    let contracts = devnet.l2[0].l1_contracts;
    let version = |b| call(&l1, contracts.system_config, SystemConfig::versionCall {}, b);
    assert_eq!(version(block - 1).await, "3.7.0");
    assert_eq!(version(block).await, "3.11.0");
    let implementation = call(&l1, contracts.proxy_admin, ProxyAdmin::getProxyImplementationCall { proxy: contracts.optimism_portal }, block).await;
    assert_eq!(implementation, alloy::primitives::address!("7cf803296662e8c72a6c1d6450572209acf7f202"), "OptimismPortal 5.1.1, as the registry lists it");
    let owner_code = l1.get_code_at(devnet.l2[0].system_config_owner).block_id(block.into()).await.unwrap();
    assert!(owner_code.is_empty(), "the owner's delegation is revoked within the block");
}

#[tokio::test]
async fn mining_skips_whole_slots_only_after_the_upgrade() {
    let spec = spec("betanet-l1");
    let devnet = Devnet::start(&spec, DevnetOptions { clock: ClockMode::Fast, ..Default::default() }).await.expect("the network starts");
    let l1: DynProvider = ProviderBuilder::new().connect(&devnet.l1.rpc).await.unwrap().erased();
    let l1 = &l1;
    let block = |tag: BlockNumberOrTag| async move { l1.get_block_by_number(tag).await.unwrap().unwrap().header };
    let mine = |count: u64, interval: u64| l1.raw_request::<_, ()>("anvil_mine".into(), (U256::from(count), U256::from(interval)));
    let early = mine(1, 24).await.unwrap_err();
    assert!(early.to_string().contains("scheduled L1 upgrade"), "a skipped slot before the upgrade's blocks moves their numbers: {early}");
    let start = block(BlockNumberOrTag::Latest).await;
    mine(1000, 12).await.unwrap();
    let end = block(BlockNumberOrTag::Latest).await;
    assert!(end.number >= start.number + 1000);
    assert_eq!(end.timestamp - start.timestamp, (end.number - start.number) * 12, "one slot per block");
    mine(2, 604_800).await.unwrap();
    for n in 1..=2 {
        let skipped = block(BlockNumberOrTag::Number(end.number + n)).await;
        assert_eq!(skipped.timestamp, end.timestamp + n * 604_800, "block {} comes whole slots after its parent", skipped.number);
    }
    let partial = mine(1, 13).await.unwrap_err();
    assert!(partial.to_string().contains("whole number of slots"), "{partial}");
    let too_far = mine(9, 2 * 604_800).await.unwrap_err();
    assert!(too_far.to_string().contains("more than the"), "{too_far}");
}
