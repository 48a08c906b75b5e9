//! op-contracts v5.0.0, the L1 half of the Jovian-era train: the owner's upgrade to it (the L1
//! boundary suite) and withdrawals on it. Each test gets the network the profile's mode gives
//! the release: an L1 that starts on it (Alphanet) or upgrades to it live (Betanet).

mod upgrade {
    use op_suites::l1_upgrade::boundary as checks;

    op_suites::l1_feature_tests!(
        harness::forks::ContractsRelease::V5_0_0,
        op_suites::l1_upgrade::network,
        checks: transactions_run_in_their_block,
        implementations_move_at_the_block,
        storage_is_kept,
        deposits_cross_the_boundary,
        l2_advances_throughout,
    );
}

mod withdrawals {
    use op_suites::l1_upgrade::withdrawals as checks;

    op_suites::l1_feature_tests!(
        harness::forks::ContractsRelease::V5_0_0,
        op_suites::l1_upgrade::own_network,
        checks: finalized_exact_to_the_wei,
        wrong_root_is_refused,
        output_roots_agree,
    );
}
