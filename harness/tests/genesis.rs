//! An Alphanet's genesis is the state a Betanet reaches by upgrading live: every account's code
//! is the same, because genesis replays the same upgrade transactions before block 0.

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256};
use harness::{
    devnet::{Devnet, DevnetOptions},
    forks::Fork,
    node::state::WorldState,
    spec::{ClockMode, NetworkSpec},
};

fn spec(name: &str) -> NetworkSpec {
    NetworkSpec::load(format!("{}/../networks/{name}.toml", env!("CARGO_MANIFEST_DIR"))).expect("the shipped spec loads")
}

async fn start(spec: &NetworkSpec) -> Devnet {
    Devnet::start(spec, DevnetOptions { clock: ClockMode::Fast, ..Default::default() }).await.expect("the network starts")
}

/// Code hash of every account that has code.
fn code_hashes(state: &WorldState) -> BTreeMap<Address, B256> {
    state.accounts().map(|(a, _)| (*a, state.code_hash(a))).filter(|(_, h)| *h != alloy::consensus::constants::KECCAK_EMPTY).collect()
}

#[tokio::test]
async fn alphanet_genesis_holds_the_code_a_betanet_upgrades_to() {
    // The same chain id on both: some implementations keep it as an immutable (EIP-712 domains).
    let mut betanet = spec("betanet");
    betanet.l2[0].chain_id = spec("alphanet").l2[0].chain_id;
    let (alpha, beta) = (start(&spec("alphanet")).await, start(&betanet).await);
    let activation = beta.wait_for_fork("op-beta", Fork::Lagoon).await.expect("Lagoon, the last live fork, activates");
    let genesis = code_hashes(&alpha.l2_node("op-alpha").unwrap().read().store.get(0).unwrap().state);
    let upgraded = code_hashes(&beta.l2_node("op-beta").unwrap().read().store.get(activation).unwrap().state);
    let before = code_hashes(&beta.l2_node("op-beta").unwrap().read().store.get(activation - 1).unwrap().state);
    assert!(upgraded.len() > before.len(), "the live upgrade deployed contracts");
    let differing: Vec<_> = genesis.keys().chain(upgraded.keys()).filter(|a| genesis.get(*a) != upgraded.get(*a)).collect();
    assert!(differing.is_empty(), "code differs between the Alphanet genesis and the Betanet after its upgrade at {differing:?}");
}

#[tokio::test]
async fn an_alphanet_never_runs_an_upgrade_transaction() {
    let alpha = start(&spec("alphanet")).await;
    alpha.wait_for_block("op-alpha", 5).await.expect("blocks come");
    let node = alpha.l2_node("op-alpha").unwrap().read();
    for number in 1..=5 {
        let block = node.store.get(number).unwrap();
        assert_eq!(block.transactions.len(), 1, "block {number} holds more than its L1-attributes deposit");
    }
}

/// Base mainnet's genesis block hash, as the superchain registry publishes it.
const BASE_GENESIS_HASH: &str = "0xf712aa9241cc24369b143cf6dce85f0902a9731e70d66818a3a5845b296c73dd";

#[tokio::test]
async fn a_real_chains_genesis_yields_its_block_hash() {
    let base = harness::genesis::registry_genesis().expect("the registry genesis decodes").clone();
    let mut spec = spec("alphanet");
    spec.forks = Default::default();
    spec.forks.set(Fork::Regolith, Some(harness::spec::Activation::Genesis));
    spec.l2[0].chain_id = 8453;
    let options = DevnetOptions { clock: ClockMode::Fast, l2_genesis: Some(std::sync::Arc::new(base)), ..Default::default() };
    let devnet = Devnet::start(&spec, options).await.expect("the network starts from Base's genesis");
    devnet.wait_for_block("op-alpha", 3).await.expect("the sequencer builds on it");
    let client = alloy::providers::ProviderBuilder::new().connect_http(devnet.l2[0].rpc.parse().unwrap());
    let block = alloy::providers::Provider::get_block_by_number(&client, 0.into()).await.unwrap().expect("block 0");
    assert_eq!(block.header.hash.to_string(), BASE_GENESIS_HASH);
}
