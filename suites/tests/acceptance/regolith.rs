//! Regolith: deposits stop being system transactions, report the gas they really use, and
//! their receipts carry the depositor's nonce.

mod deposits {
    op_suites::feature_tests!(
        "regolith.deposits",
        checks: l1_info_deposit_is_not_a_system_tx,
        deposit_receipts_carry_the_nonce,
        deposit_gas_used_is_real,
        user_deposits_report_their_nonce_and_real_gas
    );

    mod checks {
        use alloy::{
            consensus::Transaction as _,
            eips::BlockId,
            primitives::{Bytes, U256},
            providers::Provider,
        };
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            contracts::L1_INFO_DEPOSITOR,
            l1::{self, DepositRequest},
            probe,
        };

        /// Gas a plain ETH deposit to an account uses: the intrinsic 21,000.
        const TRANSFER_GAS: u64 = 21_000;

        /// Gas limit of the L1-attributes deposit from Regolith on.
        const REGOLITH_L1_INFO_GAS: u64 = 1_000_000;
        /// Gas limit of the system transaction it was before.
        const BEDROCK_L1_INFO_GAS: u64 = 150_000_000;

        /// The blocks whose deposits a check reads: the activation block (Regolith applies to its
        /// own L1-attributes deposit, since op-node decides by the L2 block's time) and the next.
        async fn regolith_blocks(net: &TestNet) -> anyhow::Result<[u64; 2]> {
            let first = net.require(Fork::Regolith).await.max(1);
            net.wait_for_block(first + 1).await?;
            Ok([first, first + 1])
        }

        /// The L1-attributes deposit has a 1,000,000 gas limit and is not a system transaction;
        /// before Regolith it was a 150M-gas system transaction.
        pub async fn l1_info_deposit_is_not_a_system_tx(net: &TestNet) -> anyhow::Result<()> {
            for number in regolith_blocks(net).await? {
                let (deposit, _) = probe::l1_info_deposit(net, number).await?;
                ensure!(!deposit.is_system_transaction, "the L1-attributes deposit of block {number} is a system transaction");
                ensure!(deposit.gas_limit() == REGOLITH_L1_INFO_GAS, "the L1-attributes deposit of block {number} has gas limit {}, expected {REGOLITH_L1_INFO_GAS}", deposit.gas_limit());
            }
            if let Some(before) = probe::last_before(net, Fork::Regolith) {
                let (deposit, _) = probe::l1_info_deposit(net, before).await?;
                ensure!(
                    deposit.is_system_transaction && deposit.gas_limit() == BEDROCK_L1_INFO_GAS,
                    "before Regolith (block {before}) the L1-attributes deposit should be a {BEDROCK_L1_INFO_GAS}-gas system transaction, got system={} gas={}",
                    deposit.is_system_transaction,
                    deposit.gas_limit()
                );
            }
            Ok(())
        }

        /// A deposit receipt's depositNonce is the depositor's nonce before the deposit ran,
        /// which the parent block's state reports; before Regolith receipts had none.
        pub async fn deposit_receipts_carry_the_nonce(net: &TestNet) -> anyhow::Result<()> {
            for number in regolith_blocks(net).await? {
                let (_, receipt) = probe::l1_info_deposit(net, number).await?;
                let (nonce, _) = probe::deposit_receipt_fields(&receipt)?;
                let expected = net.l2.get_transaction_count(L1_INFO_DEPOSITOR).block_id(BlockId::number(number - 1)).await?;
                ensure!(nonce == Some(expected), "the L1-attributes deposit receipt of block {number} has depositNonce {nonce:?}, expected the depositor's nonce {expected}");
            }
            if let Some(before) = probe::last_before(net, Fork::Regolith) {
                let (_, receipt) = probe::l1_info_deposit(net, before).await?;
                let (nonce, _) = probe::deposit_receipt_fields(&receipt)?;
                ensure!(nonce.is_none(), "before Regolith (block {before}) a deposit receipt already has depositNonce {nonce:?}");
            }
            Ok(())
        }

        /// A deposit's receipt reports the gas it used: more than the intrinsic 21,000 and less
        /// than its limit. Before Regolith the system transaction reported none.
        pub async fn deposit_gas_used_is_real(net: &TestNet) -> anyhow::Result<()> {
            for number in regolith_blocks(net).await? {
                let (_, receipt) = probe::l1_info_deposit(net, number).await?;
                let used = receipt.inner.gas_used;
                ensure!((21_000..REGOLITH_L1_INFO_GAS).contains(&used), "the L1-attributes deposit of block {number} reports {used} gas used");
            }
            if let Some(before) = probe::last_before(net, Fork::Regolith) {
                let (_, receipt) = probe::l1_info_deposit(net, before).await?;
                ensure!(receipt.inner.gas_used == 0, "before Regolith (block {before}) the system deposit reports {} gas used, expected 0", receipt.inner.gas_used);
            }
            Ok(())
        }

        /// A user's deposit through the OptimismPortal follows the same rules: not a system
        /// transaction, its receipt carries the depositor's nonce before it ran, and it reports
        /// the gas it used (a plain ETH deposit: 21,000 of its 200,000), where before Regolith a
        /// deposit reported its whole gas limit.
        pub async fn user_deposits_report_their_nonce_and_real_gas(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Regolith).await;
            let sender = l1::wallet(net).await?;
            let request = DepositRequest { to: sender.address(), mint: U256::from(10u64.pow(15)), value: U256::ZERO, gas_limit: 200_000, creation: false, data: Bytes::new() };
            let (_, landed) = l1::deposit(net, &sender, &request).await?;
            ensure!(!landed.deposit.is_system_transaction, "the user deposit in block {} is a system transaction", landed.block);
            let nonce = net.l2.get_transaction_count(sender.address()).block_id(BlockId::number(landed.block - 1)).await?;
            let (deposit_nonce, _) = probe::deposit_receipt_fields(&landed.receipt)?;
            ensure!(deposit_nonce == Some(nonce), "the user deposit's receipt has depositNonce {deposit_nonce:?}, expected the depositor's nonce {nonce}");
            let used = landed.receipt.inner.gas_used;
            ensure!(used == TRANSFER_GAS, "the user deposit reports {used} gas used, expected the {TRANSFER_GAS} it used of its {} limit", request.gas_limit);
            Ok(())
        }
    }
}
