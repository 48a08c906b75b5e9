//! A NUT bundle of our own (networks/bundles/harness-version.json) applied the way a team's
//! upgrade would be: after Isthmus's built-in bundle in the activation block of a Betanet, and
//! replayed before block 0 on the Alphanet form of the same spec. The generic boundary suite
//! must pass, and the upgraded predeploy must answer with the new implementation's code.

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{B256, Bytes, address},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use harness::{
    forks::Fork,
    spec::{Activation, Mode, NetworkSpec},
};
use op_suites::{TestNet, boundary, wallet::op_request};

/// The predeploy proxy the bundle upgrades.
const UPGRADED_PROXY: alloy::primitives::Address = address!("42000000000000000000000000000000000007ff");

fn spec(mode: Mode) -> NetworkSpec {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../networks/betanet-nut.toml");
    let mut spec = NetworkSpec::load(&path).expect("the shipped spec loads");
    if mode == Mode::Alphanet {
        spec.mode = Mode::Alphanet;
        spec.forks.set(Fork::Isthmus, Some(Activation::Genesis));
    }
    spec
}

/// The word the bundle's implementation returns through the proxy at `block`.
async fn version(net: &TestNet, block: BlockNumberOrTag) -> anyhow::Result<Bytes> {
    Ok(net.l2.call(op_request(TransactionRequest::default().to(UPGRADED_PROXY))).block(block.into()).await?)
}

fn expected() -> Bytes {
    let mut word = [0u8; 32];
    word[..25].copy_from_slice(b"op-harness nut fixture v1");
    Bytes::from(B256::from(word).to_vec())
}

#[tokio::test]
async fn a_nut_bundle_upgrades_a_predeploy_live() {
    let net = TestNet::embedded(spec(Mode::Betanet), None).await.expect("the network starts");
    op_suites::pass(boundary::all(&net, Fork::Isthmus).await);
    let bundles = net.bundles(Fork::Isthmus).expect("bundles load");
    assert_eq!(bundles.iter().map(|b| b.transactions.len()).sum::<usize>(), 8 + 2, "the built-in bundle then ours");
    assert_eq!(version(&net, BlockNumberOrTag::Latest).await.expect("the proxy answers"), expected());
}

#[tokio::test]
async fn a_nut_bundle_is_replayed_into_genesis() {
    let net = TestNet::embedded(spec(Mode::Alphanet), None).await.expect("the network starts");
    op_suites::pass(boundary::all(&net, Fork::Isthmus).await);
    let at_genesis = version(&net, BlockNumberOrTag::Number(0)).await.expect("the proxy answers");
    assert_eq!(at_genesis, expected(), "the upgrade is in the genesis state");
}
