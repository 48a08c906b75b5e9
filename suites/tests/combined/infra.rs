//! Checks of the shared network itself rather than of a feature.

mod isolation {
    use alloy::primitives::U256;
    use harness::forks::Fork;
    use op_suites::{TestNet, env};

    /// Several accounts of one test transact concurrently with every other test on the shared
    /// network; afterwards no transaction but their own has touched them.
    #[tokio::test]
    async fn accounts_see_only_their_own_transactions() {
        assert!(
            env::external_l2().is_some(),
            "precondition failed: the combined suite needs the shared network that the `shared-network` nextest setup script starts ({} is unset)",
            env::L2_RPC
        );
        let net = TestNet::for_fork(Fork::Bedrock).await;
        let start = alloy::providers::Provider::get_block_number(&net.l2).await.expect("head");
        let (a, b) = (net.wallet().await.expect("funded"), net.wallet().await.expect("funded"));
        let (to_b, to_a) = tokio::join!(a.transfer(b.address(), U256::from(1)), b.transfer(a.address(), U256::from(2)));
        assert!(op_suites::wallet::succeeded(&to_b.expect("sent")) && op_suites::wallet::succeeded(&to_a.expect("sent")));
        op_suites::pass(net.assert_isolated(start, &[&a, &b]).await);
    }
}
