//! Canyon: Shanghai's PUSH0 and initcode cap, empty withdrawals in headers, the
//! Create2Deployer, EIP-1559 denominator 250 and deposit receipt version 1.

mod push0 {
    op_suites::feature_tests!("canyon.push0", checks: push0_pushes_zero, push0_costs_base_gas);

    mod checks {
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{TestNet, bytecode::{op, returning_word}, probe};

        /// `PUSH1 42, PUSH0, ADD` returns 42: PUSH0 put exactly one zero on the stack. Before
        /// Canyon the opcode does not exist and the code halts.
        pub async fn push0_pushes_zero(net: &TestNet) -> anyhow::Result<()> {
            let code = returning_word(&[op::PUSH1, 42, op::PUSH0, op::ADD]);
            let result = probe::word(&probe::run_across(net, Fork::Canyon, code).await?)?;
            ensure!(result == 42, "PUSH1 42, PUSH0, ADD returned {result}, expected 42");
            Ok(())
        }

        /// PUSH0 costs the base 2 gas (EIP-3855): `GAS, PUSH0, POP, GAS` measures PUSH0 + POP +
        /// GAS = 2 + 2 + 2 between the two readings.
        pub async fn push0_costs_base_gas(net: &TestNet) -> anyhow::Result<()> {
            let code = returning_word(&[op::GAS, op::PUSH0, op::POP, op::GAS, op::SWAP1, op::SUB]);
            let spent = probe::word(&probe::run_across(net, Fork::Canyon, code).await?)?;
            ensure!(spent == 6, "PUSH0, POP, GAS cost {spent} gas, expected 6 (2 each)");
            Ok(())
        }
    }
}

mod initcode_cap {
    op_suites::feature_tests!("canyon.initcode_cap", checks: initcode_at_the_cap_is_accepted, initcode_over_the_cap_is_refused, create_opcode_enforces_the_cap);

    mod checks {
        use alloy::{
            eips::BlockId,
            network::TransactionBuilder,
            primitives::{Bytes, U256},
            providers::Provider,
            rpc::types::TransactionRequest,
        };
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{TestNet, bytecode::{create_zeros, returning_word}, probe, wallet::op_request};

        /// EIP-3860's limit: twice the 24,576-byte code size limit.
        const MAX_INITCODE: usize = 49_152;
        /// geth's message for initcode over the limit.
        const TOO_LARGE: &str = "max initcode size exceeded";

        /// A create transaction request whose initcode is `size` zero bytes (they run as STOP).
        fn create(size: usize) -> TransactionRequest {
            TransactionRequest::default().with_deploy_code(Bytes::from(vec![0u8; size]))
        }

        async fn estimate(net: &TestNet, request: TransactionRequest, number: u64) -> alloy::transports::TransportResult<u64> {
            net.l2.estimate_gas(op_request(request)).block(BlockId::number(number)).await
        }

        /// Before Canyon there was no limit: initcode one byte over it was accepted.
        async fn over_the_cap_accepted_before(net: &TestNet) -> anyhow::Result<()> {
            if let Some(before) = probe::last_before(net, Fork::Canyon) {
                estimate(net, create(MAX_INITCODE + 1), before).await.with_context(|| format!("estimating a create of {} bytes of initcode at block {before}, before Canyon", MAX_INITCODE + 1))?;
            }
            Ok(())
        }

        /// A create with exactly 49,152 bytes of initcode is valid.
        pub async fn initcode_at_the_cap_is_accepted(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Canyon).await;
            estimate(net, create(MAX_INITCODE), block).await.with_context(|| format!("estimating a create of {MAX_INITCODE} bytes of initcode at block {block}"))?;
            over_the_cap_accepted_before(net).await
        }

        /// One byte more is refused, by `eth_estimateGas` and by `eth_sendRawTransaction`, with
        /// geth's message.
        pub async fn initcode_over_the_cap_is_refused(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Canyon).await;
            let oversized = create(MAX_INITCODE + 1);
            probe::ensure_refused_with(estimate(net, oversized.clone(), block).await, TOO_LARGE, "estimating an oversized create")?;
            let wallet = net.wallet().await?;
            // An explicit gas limit, so that the node's admission check answers, not an estimate.
            let sent = wallet.client.send_transaction(op_request(oversized.with_gas_limit(1_000_000))).await;
            probe::ensure_refused_with(sent.map(|pending| *pending.tx_hash()), TOO_LARGE, "sending an oversized create")?;
            over_the_cap_accepted_before(net).await
        }

        /// The CREATE opcode enforces the same cap: 49,152 bytes deploy, one more halts the
        /// creating frame. Before Canyon CREATE took the larger initcode too.
        pub async fn create_opcode_enforces_the_cap(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Canyon).await;
            let creates = |size: usize| returning_word(&create_zeros(u32::try_from(size).expect("small")));
            let created = probe::word(&probe::run(net, creates(MAX_INITCODE), block).await?)?;
            ensure!(created != U256::ZERO, "CREATE with {MAX_INITCODE} bytes of initcode failed at block {block}");
            probe::ensure_refused_with(probe::run(net, creates(MAX_INITCODE + 1), block).await, "max initcode size exceeded", "CREATE with initcode over the cap")?;
            if let Some(before) = probe::last_before(net, Fork::Canyon) {
                let created = probe::word(&probe::run(net, creates(MAX_INITCODE + 1), before).await?)?;
                ensure!(created != U256::ZERO, "before Canyon (block {before}) CREATE with {} bytes of initcode failed", MAX_INITCODE + 1);
            }
            Ok(())
        }
    }
}

mod withdrawals {
    op_suites::feature_tests!("canyon.withdrawals", checks: withdrawals_list_is_empty, withdrawals_root_is_sealed);

    mod checks {
        use alloy::{consensus::constants::EMPTY_ROOT_HASH, eips::BlockId, providers::Provider};
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{TestNet, boundary::MESSAGE_PASSER, probe};

        /// The activation block and the two after it.
        async fn canyon_blocks(net: &TestNet) -> anyhow::Result<std::ops::RangeInclusive<u64>> {
            let block = net.require(Fork::Canyon).await;
            net.wait_for_block(block + 2).await?;
            Ok(block..=block + 2)
        }

        /// Before Canyon a header has neither a withdrawals list nor a withdrawals root.
        async fn absent_before(net: &TestNet) -> anyhow::Result<()> {
            if let Some(before) = probe::last_before(net, Fork::Canyon) {
                let block = probe::block(net, before).await?;
                ensure!(block.withdrawals.is_none() && block.header.withdrawals_root.is_none(), "block {before}, before Canyon, already has withdrawals fields");
            }
            Ok(())
        }

        /// Every block from Canyon on has `withdrawals: []`: OP has no beacon withdrawals.
        pub async fn withdrawals_list_is_empty(net: &TestNet) -> anyhow::Result<()> {
            for number in canyon_blocks(net).await? {
                let withdrawals = probe::block(net, number).await?.withdrawals.with_context(|| format!("block {number} has no withdrawals list"))?;
                ensure!(withdrawals.is_empty(), "block {number} has {} withdrawals", withdrawals.len());
            }
            absent_before(net).await
        }

        /// withdrawalsRoot is the empty root until Isthmus, then the L2ToL1MessagePasser's storage
        /// root (as `eth_getProof` reports it); and the block hash commits to it.
        pub async fn withdrawals_root_is_sealed(net: &TestNet) -> anyhow::Result<()> {
            for number in canyon_blocks(net).await? {
                let header = probe::header(net, number).await?;
                let expected = if probe::is_active(net, Fork::Isthmus, number) {
                    net.l2.get_proof(MESSAGE_PASSER, Vec::new()).block_id(BlockId::number(number)).await?.storage_hash
                } else {
                    EMPTY_ROOT_HASH
                };
                ensure!(header.withdrawals_root == Some(expected), "block {number} has withdrawalsRoot {:?}, expected {expected}", header.withdrawals_root);
                probe::ensure_sealed(&header)?;
            }
            absent_before(net).await
        }
    }
}

mod create2_deployer {
    op_suites::feature_tests!("canyon.create2_deployer", checks: deployer_code_is_canonical, deploys_to_the_create2_address);

    mod checks {
        use alloy::{
            eips::BlockId,
            network::TransactionBuilder,
            primitives::{U256, keccak256},
            providers::Provider,
            rpc::types::TransactionRequest,
            sol_types::SolCall,
        };
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            bytecode::{STORE_WORD, creation},
            contracts::{CREATE2_DEPLOYER, CREATE2_DEPLOYER_CODE_HASH, Create2Deployer, call_abi},
            probe,
            wallet::{block_number, succeeded},
        };

        /// Before Canyon nothing lives at the deployer's address: Canyon installs it.
        async fn absent_before(net: &TestNet) -> anyhow::Result<()> {
            if let Some(before) = probe::last_before(net, Fork::Canyon) {
                let code = net.l2.get_code_at(CREATE2_DEPLOYER).block_id(BlockId::number(before)).await?;
                ensure!(code.is_empty(), "block {before}, before Canyon, already has {} bytes of code at {CREATE2_DEPLOYER}", code.len());
            }
            Ok(())
        }

        /// From the activation block on, the deployer holds exactly the canonical code.
        pub async fn deployer_code_is_canonical(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Canyon).await;
            let code = net.l2.get_code_at(CREATE2_DEPLOYER).block_id(BlockId::number(block)).await?;
            ensure!(keccak256(&code) == CREATE2_DEPLOYER_CODE_HASH, "code at {CREATE2_DEPLOYER} at block {block} ({} bytes) hashes to {}, expected {CREATE2_DEPLOYER_CODE_HASH}", code.len(), keccak256(&code));
            absent_before(net).await
        }

        /// `deploy(0, salt, initcode)` creates the contract at the CREATE2 address of the
        /// deployer, salt and initcode hash, which `computeAddress` also reports.
        pub async fn deploys_to_the_create2_address(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Canyon).await;
            let wallet = net.wallet().await?;
            let initcode = creation(STORE_WORD);
            let (salt, code_hash) = (keccak256(wallet.address()), keccak256(&initcode));
            let expected = CREATE2_DEPLOYER.create2(salt, code_hash);
            let computed = call_abi(net, CREATE2_DEPLOYER, Create2Deployer::computeAddressCall { salt, codeHash: code_hash }, block).await?;
            ensure!(computed == expected, "computeAddress says {computed}, the CREATE2 rule gives {expected}");
            let deploy = Create2Deployer::deployCall { value: U256::ZERO, salt, code: initcode };
            let receipt = wallet.send(TransactionRequest::default().with_to(CREATE2_DEPLOYER).with_input(deploy.abi_encode())).await?;
            ensure!(succeeded(&receipt), "deploy through the Create2Deployer failed: {}", receipt.inner.transaction_hash);
            let mined = block_number(&receipt)?;
            let deployed = net.l2.get_code_at(expected).block_id(BlockId::number(mined)).await?;
            ensure!(deployed.as_ref() == STORE_WORD, "code at {expected} after deploy is {deployed}, expected the initcode's runtime");
            absent_before(net).await
        }
    }
}

mod eip1559 {
    op_suites::feature_tests!("canyon.eip1559", checks: base_fee_uses_denominator_250, deposit_receipts_have_version_1);

    mod checks {
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            base_fee::{BaseFeeRules, check_base_fees, fill_block},
            probe,
        };

        /// From genesis to the block after a full one, every base fee follows its parent by the
        /// rules of its time: Bedrock's denominator before Canyon, 250 from the activation block
        /// on (op-geth picks the denominator by the new block's time), Holocene's extraData
        /// parameters once those exist. Where Canyon is live, the activation block must also be
        /// one where 250 and the Bedrock denominator give different fees, so that the check
        /// tells them apart.
        pub async fn base_fee_uses_denominator_250(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Canyon).await;
            let full = fill_block(net).await?;
            let steps = check_base_fees(net, 1..=full + 1).await?;
            steps.last().context("no base fee checked")?.ensure_rose()?;
            if let Some(canyon) = net.rule_in_effect(Fork::Canyon, Fork::Holocene, "Canyon's denominator of 250 (Holocene's extraData parameters replace it)") {
                let rules = BaseFeeRules::fetch(net).await?;
                let under_canyon: Vec<_> = steps.iter().filter(|s| canyon.contains(&s.parent.number)).collect();
                ensure!(!under_canyon.is_empty(), "no checked block took its base fee under Canyon's rule (blocks {canyon:?})");
                ensure!(under_canyon.iter().all(|s| s.params == rules.canyon), "a block under Canyon's rule took its base fee with other parameters than {:?}", rules.canyon);
            }
            if probe::last_before(net, Fork::Canyon).is_some() {
                let rules = BaseFeeRules::fetch(net).await?;
                let first = steps.iter().find(|s| s.number() == block).context("the activation block was not checked")?;
                ensure!(first.params == rules.canyon, "activation block {block} took its base fee with {:?}, not Canyon's", first.params);
                ensure!(
                    rules.canyon.next_base_fee(&first.parent)? != rules.bedrock.next_base_fee(&first.parent)?,
                    "block {} does not tell the Bedrock and Canyon denominators apart",
                    first.parent.number
                );
            }
            Ok(())
        }

        /// Deposit receipts from Canyon on carry depositReceiptVersion 1; before, none.
        pub async fn deposit_receipts_have_version_1(net: &TestNet) -> anyhow::Result<()> {
            let first = net.require(Fork::Canyon).await.max(1);
            net.wait_for_block(first + 1).await?;
            for number in first..=first + 1 {
                let (_, receipt) = probe::l1_info_deposit(net, number).await?;
                let (_, version) = probe::deposit_receipt_fields(&receipt)?;
                ensure!(version == Some(1), "the deposit receipt of block {number} has depositReceiptVersion {version:?}, expected 1");
            }
            if let Some(before) = probe::last_before(net, Fork::Canyon) {
                let (_, receipt) = probe::l1_info_deposit(net, before).await?;
                let (_, version) = probe::deposit_receipt_fields(&receipt)?;
                ensure!(version.is_none(), "block {before}, before Canyon, has a deposit receipt with version {version:?}");
            }
            Ok(())
        }
    }
}
