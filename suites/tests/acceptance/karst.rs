//! Karst: the official NUT bundle and the Osaka changes op-revm's Karst spec brings to L2 (CLZ,
//! the per-transaction gas cap, MODEXP bounds and pricing, P256VERIFY pricing).

mod activation {
    op_suites::boundary_suite!(harness::forks::Fork::Karst);

    /// The upgraded predeploys report the versions their new implementations carry.
    #[tokio::test]
    async fn implementations_report_their_versions() {
        let net = op_suites::TestNet::for_fork(harness::forks::Fork::Karst).await;
        op_suites::pass(op_suites::upgrades::versions_match(&net, harness::forks::Fork::Karst, &[]).await);
    }

    /// The bundle's source hashes are op-node's: `"Karst <index>: <intent>"` hashed in the
    /// upgrade domain (values computed independently in ../shared/nuts/FACTS.md).
    #[test]
    fn source_hashes_are_op_nodes() {
        use alloy::primitives::b256;
        let spec = op_suites::net::spec_for(harness::spec::Mode::Alphanet, harness::forks::Fork::Karst).expect("the shipped spec loads");
        let txs = op_suites::upgrades::bundle_upgrades(&spec, harness::forks::Fork::Karst).expect("the Karst bundle loads");
        assert_eq!(txs.len(), 31, "Karst's bundle has 31 transactions");
        assert_eq!(txs[0].deposit.source_hash, b256!("7e71ceb6816466ed1bbe59fce31bab86fbb815adbca6d2587fa492f6eb6eba74"));
        assert_eq!(txs[30].deposit.source_hash, b256!("343d18613a55342c09a7be60664cb2e9bce77a17302c41322753e31427f9c543"));
        assert_eq!(txs.iter().map(|t| t.deposit.gas_limit).sum::<u64>(), 55_370_657, "the bundle's total gas");
    }
}

mod clz {
    op_suites::feature_tests!("karst.clz", checks: counts_leading_zeros);

    mod checks {
        use alloy::primitives::U256;
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            bytecode::{op, returning_word},
            probe,
        };

        /// CLZ of 1 is 255, of 0 is 256, of 2^255 is 0; before Karst the instruction halts.
        pub async fn counts_leading_zeros(net: &TestNet) -> anyhow::Result<()> {
            let mut top = vec![op::PUSH32, 0x80];
            top.extend([0u8; 31]);
            for (operand, want) in [(vec![op::PUSH1, 1], 255u64), (vec![op::PUSH1, 0], 256), (top, 0)] {
                let code = returning_word(&[operand.as_slice(), &[op::CLZ]].concat());
                let got = probe::word(&probe::run_across(net, Fork::Karst, code).await?)?;
                ensure!(got == U256::from(want), "CLZ returned {got}, expected {want}");
            }
            Ok(())
        }
    }
}

mod tx_gas_cap {
    op_suites::feature_tests!("karst.tx_gas_cap", checks: transactions_over_the_cap_are_refused, calls_over_the_cap_are_refused);

    mod checks {
        use alloy::{
            eips::BlockId,
            network::TransactionBuilder,
            primitives::Address,
            providers::Provider,
            rpc::types::TransactionRequest,
        };
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{TestNet, probe, wallet::{op_request, succeeded}};

        /// EIP-7825's cap: 2^24 gas.
        const CAP: u64 = 1 << 24;

        fn transfer(gas: u64) -> TransactionRequest {
            TransactionRequest::default().with_to(Address::repeat_byte(0x7e)).with_gas_limit(gas)
        }

        /// A transaction with exactly 2^24 gas is mined; one more gas and the node refuses it
        /// (geth: "transaction gas limit too high").
        pub async fn transactions_over_the_cap_are_refused(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Karst).await;
            let wallet = net.wallet().await?;
            let receipt = wallet.send(transfer(CAP)).await?;
            ensure!(succeeded(&receipt), "a transaction with {CAP} gas failed");
            let refused = wallet.submit(transfer(CAP + 1)).await;
            let message = format!("{:#}", refused.err().ok_or_else(|| anyhow::anyhow!("a transaction with {} gas was accepted", CAP + 1))?);
            ensure!(message.contains("gas limit too high"), "a transaction over the cap was refused with \"{message}\", expected geth's \"transaction gas limit too high\"");
            Ok(())
        }

        /// A call with more gas than the cap is refused from Karst on; at the block before Karst
        /// the same call runs.
        pub async fn calls_over_the_cap_are_refused(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Karst).await;
            let call = |number: u64| net.l2.call(op_request(transfer(CAP + 1))).block(BlockId::number(number));
            let message = probe::refusal(call(block).await, &format!("a call with {} gas at block {block}", CAP + 1))?;
            ensure!(message.contains("gas limit too high"), "a call over the cap was refused with \"{message}\", expected geth's \"transaction gas limit too high\"");
            if let Some(before) = probe::last_before(net, Fork::Karst) {
                call(before).await.map_err(|e| anyhow::anyhow!("a call with {} gas at block {before}, before Karst, was refused: {e}", CAP + 1))?;
            }
            Ok(())
        }
    }
}

mod modexp {
    op_suites::feature_tests!("karst.modexp", checks: inputs_over_1024_bytes_fail, minimum_gas_is_500);

    mod checks {
        use alloy::primitives::{Address, Bytes, U256};
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            bytecode::{returning_word, staticcall_with_gas},
            probe,
        };

        const MODEXP: Address = Address::with_last_byte(0x05);

        /// MODEXP input: the three lengths as words, then base, exponent and modulus.
        fn input(base: &[u8], exponent: &[u8], modulus: &[u8]) -> Vec<u8> {
            let len = |b: &[u8]| U256::from(b.len()).to_be_bytes::<32>();
            [&len(base)[..], &len(exponent), &len(modulus), base, exponent, modulus].concat()
        }

        /// The number 1 as a big-endian base of `len` bytes.
        fn one(len: usize) -> Vec<u8> {
            let mut base = vec![0; len];
            base[len - 1] = 1;
            base
        }

        /// A 1,025-byte base exceeds EIP-7823's bound: the precompile fails from Karst on, and
        /// answered before; 1,024 bytes still work.
        pub async fn inputs_over_1024_bytes_fail(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Karst).await;
            let over = Bytes::from(input(&one(1025), &[1], &[7]));
            probe::refusal(probe::call(net, MODEXP, over.clone(), block).await, &format!("MODEXP with a 1,025-byte base at block {block}"))?;
            let at = probe::call(net, MODEXP, input(&one(1024), &[1], &[7]).into(), block).await.context("MODEXP with a 1,024-byte base")?;
            ensure!(at.as_ref() == [1], "1^1 mod 7 with a 1,024-byte base returned {at}, expected 0x01");
            if let Some(before) = probe::last_before(net, Fork::Karst) {
                let old = probe::call(net, MODEXP, over, before).await.with_context(|| format!("MODEXP with a 1,025-byte base at block {before}, before Karst"))?;
                ensure!(old.as_ref() == [1], "MODEXP at block {before} returned {old}, expected 0x01");
            }
            Ok(())
        }

        /// EIP-7883 raises the minimum price from 200 to 500 gas: 3^1 mod 5 with 499 gas fails
        /// from Karst on and succeeds with 500; before Karst 200 gas sufficed.
        pub async fn minimum_gas_is_500(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Karst).await;
            let data = input(&[3], &[1], &[5]);
            let succeeds = |gas: u32, number: u64| {
                let code = returning_word(&staticcall_with_gas(MODEXP, gas, &data));
                async move { anyhow::Ok(probe::word(&probe::run(net, code, number).await?)? == U256::from(1)) }
            };
            ensure!(!succeeds(499, block).await?, "MODEXP succeeded with 499 gas at block {block}");
            ensure!(succeeds(500, block).await?, "MODEXP failed with 500 gas at block {block}");
            if let Some(before) = probe::last_before(net, Fork::Karst) {
                ensure!(succeeds(200, before).await?, "MODEXP failed with 200 gas at block {before}, before Karst");
            }
            Ok(())
        }
    }
}

mod p256verify_gas {
    op_suites::feature_tests!("karst.p256verify_gas", checks: costs_6900_gas);

    mod checks {
        use alloy::primitives::U256;
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            bytecode::{returning_word, staticcall_with_gas},
            p256::{P256VERIFY, valid},
            probe,
        };

        /// A valid signature verifies with 6,900 gas but not 6,899 from Karst on; before Karst
        /// 3,450 gas sufficed.
        pub async fn costs_6900_gas(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Karst).await;
            let input = valid();
            let succeeds = |gas: u32, number: u64| {
                let code = returning_word(&staticcall_with_gas(P256VERIFY, gas, &input));
                async move { anyhow::Ok(probe::word(&probe::run(net, code, number).await?)? == U256::from(1)) }
            };
            ensure!(!succeeds(6_899, block).await?, "P256VERIFY succeeded with 6,899 gas at block {block}");
            ensure!(succeeds(6_900, block).await?, "P256VERIFY failed with 6,900 gas at block {block}");
            if let Some(before) = probe::last_before(net, Fork::Karst) {
                ensure!(succeeds(3_450, before).await?, "P256VERIFY failed with 3,450 gas at block {before}, before Karst");
            }
            Ok(())
        }
    }
}
