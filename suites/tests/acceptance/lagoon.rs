//! Lagoon (the interop fork): its official NUT bundle on a chain already on Karst. Lagoon's
//! execution changes are not covered (see `harness features`).

mod activation {
    op_suites::boundary_suite!(harness::forks::Fork::Lagoon);

    /// The upgraded predeploys report their new versions; the implementations Lagoon ships new
    /// report the versions their bytecode carries (read from the bundle in
    /// ../shared/nuts/FACTS.md).
    #[tokio::test]
    async fn implementations_report_their_versions() {
        let net = op_suites::TestNet::for_fork(harness::forks::Fork::Lagoon).await;
        let known = [
            ("L2ContractsManager", "1.15.0"),
            ("L2ToL2CrossDomainMessenger", "2.0.0"),
            ("SequencerFeeVault", "1.7.0"),
            ("BaseFeeVault", "1.7.0"),
            ("L1FeeVault", "1.7.0"),
            ("OperatorFeeVault", "1.2.0"),
            ("ETHLiquidity", "1.1.1"),
            ("UndeliveredMessageExporter", "1.0.0"),
            ("L2DevFeatureFlags", "1.3.0"),
            ("L2ProxyAdmin", "1.1.0"),
        ];
        op_suites::pass(op_suites::upgrades::versions_match(&net, harness::forks::Fork::Lagoon, &known).await);
    }

    /// The bundle's source hashes are op-node's: Lagoon kept the label `interop`.
    #[test]
    fn source_hashes_are_op_nodes() {
        use alloy::primitives::b256;
        let spec = op_suites::net::spec_for(harness::spec::Mode::Alphanet, harness::forks::Fork::Lagoon).expect("the shipped spec loads");
        let txs = op_suites::upgrades::bundle_upgrades(&spec, harness::forks::Fork::Lagoon).expect("the Lagoon bundle loads");
        assert_eq!(txs.len(), 29, "Lagoon's bundle has 29 transactions");
        assert_eq!(txs[0].deposit.source_hash, b256!("d0c91a4c576f08641ab3b302c233d09f97f543800f2f32e8d40e92ee57d989ce"));
        assert_eq!(txs[28].deposit.source_hash, b256!("95a57d1e0ec9ee6f0ddc041cad839d7f3ccb29ac8e9db96724c922592cc51846"));
        assert_eq!(txs.iter().map(|t| t.deposit.gas_limit).sum::<u64>(), 64_827_394, "the bundle's total gas");
    }
}
