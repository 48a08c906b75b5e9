//! Granite: the bn256 pairing precompile refuses inputs over 112,687 bytes.

mod pairing_limit {
    op_suites::feature_tests!("granite.pairing_limit", checks: pairing_at_the_limit_succeeds, pairing_over_the_limit_fails, contracts_see_the_failure);

    mod checks {
        use alloy::{primitives::{Bytes, U256}, transports::TransportResult};
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            bytecode::{returning_word, staticcall_zeros},
            contracts::BN256_PAIRING,
            probe,
        };

        /// Bytes per (G1, G2) pair.
        const PAIR: usize = 192;
        /// The most whole pairs within Granite's 112,687-byte limit: 112,512 bytes.
        const MAX_PAIRS: usize = 586;

        /// Pairs of points at infinity: valid input whose pairing product is one.
        fn pairs(count: usize) -> Bytes {
            vec![0u8; count * PAIR].into()
        }

        async fn pairing(net: &TestNet, count: usize, number: u64) -> TransportResult<Bytes> {
            probe::call(net, BN256_PAIRING, pairs(count), number).await
        }

        /// The precompile's answer: one word, 1 when the pairing check holds.
        async fn pairing_holds(net: &TestNet, count: usize, number: u64) -> anyhow::Result<()> {
            let output = pairing(net, count, number).await.with_context(|| format!("pairing {count} pairs at block {number}"))?;
            ensure!(probe::word(&output)? == U256::from(1), "pairing {count} pairs at block {number} returned {output}, expected 1");
            Ok(())
        }

        /// Before Granite there was no limit: one pair over it still paired.
        async fn over_the_limit_accepted_before(net: &TestNet) -> anyhow::Result<()> {
            match probe::last_before(net, Fork::Granite) {
                Some(before) => pairing_holds(net, MAX_PAIRS + 1, before).await,
                None => Ok(()),
            }
        }

        /// The blocks where Granite's limit, not Jovian's tighter one, is in effect.
        fn granite_limit(net: &TestNet) -> Option<std::ops::Range<u64>> {
            net.rule_in_effect(Fork::Granite, Fork::Jovian, "Granite's 112,687-byte limit (Jovian lowers it)")
        }

        /// 586 pairs, the most under the limit, pair as before.
        pub async fn pairing_at_the_limit_succeeds(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Granite).await;
            if granite_limit(net).is_some() {
                pairing_holds(net, MAX_PAIRS, block).await?;
            }
            over_the_limit_accepted_before(net).await
        }

        /// 587 pairs (112,704 bytes) fail.
        pub async fn pairing_over_the_limit_fails(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Granite).await;
            probe::refusal(pairing(net, MAX_PAIRS + 1, block).await, &format!("pairing {} pairs at block {block}", MAX_PAIRS + 1))?;
            over_the_limit_accepted_before(net).await
        }

        /// Inside a transaction the failure is a failed call the caller sees, not the end of
        /// the caller: STATICCALL with 587 pairs returns 0, with 586 returns 1; before Granite
        /// 587 returned 1.
        pub async fn contracts_see_the_failure(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Granite).await;
            let calls = |count: usize| returning_word(&staticcall_zeros(BN256_PAIRING, u32::try_from(count * PAIR).expect("small")));
            let success = |output: Bytes| probe::word(&output);
            let over = success(probe::run(net, calls(MAX_PAIRS + 1), block).await?)?;
            ensure!(over.is_zero(), "STATICCALL of the pairing precompile with {} pairs succeeded ({over}); expected 0", MAX_PAIRS + 1);
            if granite_limit(net).is_some() {
                let at_limit = success(probe::run(net, calls(MAX_PAIRS), block).await?)?;
                ensure!(at_limit == U256::from(1), "STATICCALL of the pairing precompile with {MAX_PAIRS} pairs returned {at_limit}, expected 1");
            }
            if let Some(before) = probe::last_before(net, Fork::Granite) {
                let over = success(probe::run(net, calls(MAX_PAIRS + 1), before).await?)?;
                ensure!(over == U256::from(1), "before Granite (block {before}) STATICCALL with {} pairs returned {over}, expected 1", MAX_PAIRS + 1);
            }
            Ok(())
        }
    }
}
