//! The L1 boundary suite against deliberately broken L1 upgrades: it must fail and name the
//! transaction. The fault matrix (`contracts_v5_0_0::upgrade::faults_are_caught`) proves only
//! that some check fails, and stops at the first; these prove what the failures say, and that
//! the implementations check catches each fault on its own. (These test the harness, not a
//! feature, so no nextest mode profile runs them.)

use harness::{devnet::DevnetOptions, forks::ContractsRelease, node::l1::L1Fault, spec::Mode};
use op_suites::{TestNet, l1_upgrade::{boundary, spec_for}};

const RELEASE: ContractsRelease = ContractsRelease::V5_0_0;

/// The intent of the chain's `OPContractsManager.upgrade`, the third owner transaction.
const CHAIN_UPGRADE: &str = "upgrade the chain contracts of L2 `op-beta` through OPContractsManager.upgrade (delegated)";

async fn broken_betanet(fault: L1Fault) -> TestNet {
    let spec = spec_for(Mode::Betanet, RELEASE).expect("the shipped specs load");
    TestNet::start(spec, DevnetOptions { l1_fault: Some(fault), ..Default::default() }).await.expect("the network starts")
}

#[tokio::test]
async fn a_dropped_upgrade_transaction_is_named() {
    let net = broken_betanet(L1Fault::Drop(2)).await;
    let err = boundary::transactions_run_in_their_block(&net, RELEASE).await.expect_err("an upgrade without the chain's upgrade must fail");
    let message = format!("{err:#}");
    assert!(message.contains(&format!("`{CHAIN_UPGRADE}` is not in L1 block 2")), "{message}");
    let err = boundary::implementations_move_at_the_block(&net, RELEASE).await.expect_err("the chain's proxies stay on the old release");
    assert!(format!("{err:#}").contains("OptimismPortal"), "{err:#}");
}

#[tokio::test]
async fn reordered_upgrade_transactions_are_named() {
    let net = broken_betanet(L1Fault::Swap(1, 2)).await;
    let err = boundary::transactions_run_in_their_block(&net, RELEASE).await.expect_err("the chain upgraded before the SuperchainConfig must fail");
    let message = format!("{err:#}");
    let superchain = "upgrade the SuperchainConfig through OPContractsManager.upgradeSuperchainConfig (delegated)";
    assert!(message.contains(&format!("`{CHAIN_UPGRADE}` ran at index 1 of L1 block 2, before `{superchain}` (index 2), against the planned order")), "{message}");
    // Run first, the chain's upgrade lacks the owner's delegation (the SuperchainConfig's
    // transaction carries it): a plain call to an account without code, which succeeds and does
    // nothing. The implementations name what it left behind.
    let err = boundary::implementations_move_at_the_block(&net, RELEASE).await.expect_err("the chain's proxies stay on the old release");
    assert!(format!("{err:#}").contains("OptimismPortal 0x"), "{err:#}");
}

/// The SuperchainConfig's upgrade sent before the forwarder exists runs without effect (the
/// owner's delegation points at an empty account): the transaction succeeds, and the check of
/// implementations names the proxy left behind.
#[tokio::test]
async fn an_upgrade_without_effect_is_caught_by_its_implementation() {
    let net = broken_betanet(L1Fault::Swap(0, 1)).await;
    let err = boundary::implementations_move_at_the_block(&net, RELEASE).await.expect_err("the SuperchainConfig left on the old release must fail");
    let message = format!("{err:#}");
    assert!(message.contains("SuperchainConfig") && message.contains("version 2.3.0"), "{message}");
}

