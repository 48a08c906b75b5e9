//! Bedrock: user deposits from the L1 portal, derived by the L2 exactly as op-node derives them.

mod deposits {
    op_suites::feature_tests!(
        "bedrock.deposits",
        checks: eth_deposit_mints_with_exact_balances,
        contract_call_deposit_runs,
        reverting_deposit_still_mints_and_bumps_the_nonce,
        creation_deposit_deploys,
        contract_depositor_is_aliased,
        deposit_receipts_carry_their_fields
    );

    mod checks {
        use alloy::{
            eips::BlockId,
            network::TransactionBuilder,
            primitives::{Address, B256, Bytes, TxKind, U256, address, keccak256},
            providers::Provider,
            rpc::types::TransactionRequest,
        };
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet, bytecode,
            l1::{self, DepositRequest, L1Wallet},
            probe,
            wallet::succeeded,
        };

        const ETHER: u128 = 1_000_000_000_000_000_000;
        /// The L1-to-L2 alias offset the portal adds to a contract depositor's address.
        const ALIAS_OFFSET: Address = address!("1111000000000000000000000000000000001111");

        fn deposit_to(to: Address, mint: u128, value: u128, data: Bytes) -> DepositRequest {
            DepositRequest { to, mint: U256::from(mint), value: U256::from(value), gas_limit: 200_000, creation: false, data }
        }

        async fn l2_balance(net: &TestNet, account: Address, block: u64) -> anyhow::Result<U256> {
            Ok(net.l2.get_balance(account).block_id(BlockId::number(block)).await?)
        }

        async fn l1_balance(net: &TestNet, account: Address, block: u64) -> anyhow::Result<U256> {
            Ok(net.l1.get_balance(account).block_id(BlockId::number(block)).await?)
        }

        /// Deploys `runtime` on L2 from a fresh wallet and returns its address.
        async fn l2_contract(net: &TestNet, runtime: &[u8]) -> anyhow::Result<Address> {
            let deployer = net.wallet().await?;
            let receipt = deployer.send(TransactionRequest::default().with_deploy_code(bytecode::creation(runtime))).await?;
            receipt.inner.contract_address.context("deploying the L2 contract created nothing")
        }

        /// An ETH deposit: the portal keeps the mint on L1, the L2 credits the depositor with the
        /// mint and moves `value` of it to the recipient, to the wei; the deposit transaction has
        /// op-node's source hash and the fields the L1 call named.
        pub async fn eth_deposit_mints_with_exact_balances(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Bedrock).await;
            let sender = l1::wallet(net).await?;
            let recipient = net.salted_signer("recipient").address();
            let request = deposit_to(recipient, ETHER, ETHER / 4, Bytes::new());
            let (sent, landed) = l1::deposit(net, &sender, &request).await?;
            let d = &landed.deposit;
            ensure!(d.source_hash == sent.source_hash, "the deposit's source hash {} is not op-node's {}", d.source_hash, sent.source_hash);
            ensure!(d.from == sender.address() && d.to == TxKind::Call(recipient), "the deposit is from {} to {:?}, expected {} to {recipient}", d.from, d.to, sender.address());
            ensure!(d.mint == ETHER && d.value == U256::from(ETHER / 4) && d.gas_limit == request.gas_limit && !d.is_system_transaction, "the deposit carries mint {}, value {}, gas {}, system {}", d.mint, d.value, d.gas_limit, d.is_system_transaction);
            let block = landed.block;
            let got = l2_balance(net, recipient, block).await? - l2_balance(net, recipient, block - 1).await?;
            ensure!(got == request.value, "the recipient gained {got} on L2, the deposit carried {}", request.value);
            let kept = l2_balance(net, sender.address(), block).await? - l2_balance(net, sender.address(), block - 1).await?;
            ensure!(kept == request.mint - request.value, "the depositor's L2 balance rose by {kept}, expected mint minus value {}", request.mint - request.value);
            let l1_block = sent.l1_block;
            let portal = net.l1_addresses.portal;
            let locked = l1_balance(net, portal, l1_block).await? - l1_balance(net, portal, l1_block - 1).await?;
            ensure!(locked == request.mint, "the portal's L1 balance rose by {locked}, the deposit minted {}", request.mint);
            let spent = l1_balance(net, sender.address(), l1_block - 1).await? - l1_balance(net, sender.address(), l1_block).await?;
            let gas = U256::from(sent.receipt.gas_used) * U256::from(sent.receipt.effective_gas_price);
            ensure!(spent == request.mint + gas, "the depositor spent {spent} on L1, expected the mint {} and gas {gas}", request.mint);
            Ok(())
        }

        /// A deposit calling a contract runs it: the word it sends is stored.
        pub async fn contract_call_deposit_runs(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Bedrock).await;
            let store = l2_contract(net, bytecode::STORE_WORD).await?;
            let word = keccak256("a word sent from L1");
            let (_, landed) = l1::deposit(net, &l1::wallet(net).await?, &deposit_to(store, 0, 0, word.into())).await?;
            ensure!(succeeded(&landed.receipt), "the deposit's call to {store} failed");
            let stored = B256::from(net.l2.get_storage_at(store, U256::ZERO).block_id(BlockId::number(landed.block)).await?);
            ensure!(stored == word, "the contract holds {stored} after the deposit, expected {word}");
            Ok(())
        }

        /// A deposit whose L2 call reverts still mints to the depositor and consumes its nonce;
        /// the value stays with the depositor.
        pub async fn reverting_deposit_still_mints_and_bumps_the_nonce(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Bedrock).await;
            let reverter = l2_contract(net, bytecode::ALWAYS_REVERT).await?;
            let sender = l1::wallet(net).await?;
            let request = deposit_to(reverter, ETHER / 10, ETHER / 100, Bytes::new());
            let (_, landed) = l1::deposit(net, &sender, &request).await?;
            ensure!(!succeeded(&landed.receipt), "the deposit's call to an always-reverting contract succeeded");
            let block = landed.block;
            let minted = l2_balance(net, sender.address(), block).await? - l2_balance(net, sender.address(), block - 1).await?;
            ensure!(minted == request.mint, "the depositor's L2 balance rose by {minted}; a reverted deposit still mints {}", request.mint);
            ensure!(l2_balance(net, reverter, block).await?.is_zero(), "the reverting contract kept the value");
            let nonce = |n: u64| net.l2.get_transaction_count(sender.address()).block_id(BlockId::number(n));
            let (before, after) = (nonce(block - 1).await?, nonce(block).await?);
            ensure!(after == before + 1, "the depositor's nonce went from {before} to {after}; a reverted deposit still consumes it");
            Ok(())
        }

        /// A creation deposit deploys its initcode at the depositor's CREATE address.
        pub async fn creation_deposit_deploys(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Bedrock).await;
            let sender = l1::wallet(net).await?;
            let before = net.l2.get_block_number().await?;
            let nonce = net.l2.get_transaction_count(sender.address()).block_id(BlockId::number(before)).await?;
            let request = DepositRequest { creation: true, gas_limit: 300_000, data: bytecode::creation(bytecode::STORE_WORD), ..Default::default() };
            let (_, landed) = l1::deposit(net, &sender, &request).await?;
            ensure!(succeeded(&landed.receipt), "the creation deposit failed");
            let created = sender.address().create(nonce);
            let code = net.l2.get_code_at(created).block_id(BlockId::number(landed.block)).await?;
            ensure!(code.as_ref() == bytecode::STORE_WORD, "{created} holds {code} after the creation deposit");
            ensure!(landed.receipt.inner.contract_address == Some(created), "the receipt names contract {:?}, expected {created}", landed.receipt.inner.contract_address);
            Ok(())
        }

        /// A deposit a contract makes on L1 comes from the contract's aliased address on L2.
        pub async fn contract_depositor_is_aliased(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Bedrock).await;
            let owner = l1::wallet(net).await?;
            let forwarder = forwarder(net, &owner).await?;
            let recipient = net.salted_signer("aliased recipient").address();
            let request = deposit_to(recipient, ETHER / 10, ETHER / 10, Bytes::new());
            let call = request.portal_call(net.l1_addresses.portal);
            let from = net.l2.get_block_number().await?;
            let receipt = owner.send(TransactionRequest::default().with_to(forwarder).with_value(request.mint).with_input(call.input.input().cloned().unwrap_or_default())).await?;
            let sent = l1::sent_deposit(net, receipt)?;
            let landed = l1::landed(net, &sent, from).await?;
            let sum = U256::from_be_slice(forwarder.as_slice()).wrapping_add(U256::from_be_slice(ALIAS_OFFSET.as_slice()));
            let alias = Address::from_word(B256::from(sum));
            ensure!(landed.deposit.from == alias, "a deposit from contract {forwarder} comes from {} on L2, expected its alias {alias}", landed.deposit.from);
            Ok(())
        }

        /// An L1 contract that forwards its call and value to the portal, and reverts when the
        /// portal does (so that gas estimates cover the portal's call).
        async fn forwarder(net: &TestNet, owner: &L1Wallet) -> anyhow::Result<Address> {
            use bytecode::op;
            let mut runtime = vec![op::CALLDATASIZE, op::PUSH1, 0, op::PUSH1, 0, op::CALLDATACOPY];
            runtime.extend([op::PUSH1, 0, op::PUSH1, 0, op::CALLDATASIZE, op::PUSH1, 0, op::CALLVALUE, op::PUSH20]);
            runtime.extend(net.l1_addresses.portal.as_slice());
            let done = u8::try_from(runtime.len() + 10).expect("a short contract");
            runtime.extend([op::GAS, op::CALL, op::PUSH1, done, op::JUMPI, op::PUSH1, 0, op::PUSH1, 0, op::REVERT, op::JUMPDEST, op::STOP]);
            let receipt = owner.send(TransactionRequest::default().with_deploy_code(bytecode::creation(&runtime))).await?;
            receipt.contract_address.context("deploying the L1 forwarder created nothing")
        }

        /// A deposit's receipt is a deposit receipt: from Regolith on it carries the depositor's
        /// nonce before the deposit, from Canyon on receipt version 1.
        pub async fn deposit_receipts_carry_their_fields(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Bedrock).await;
            let sender = l1::wallet(net).await?;
            let (_, landed) = l1::deposit(net, &sender, &deposit_to(sender.address(), ETHER / 100, 0, Bytes::new())).await?;
            let block = landed.block;
            let nonce = net.l2.get_transaction_count(sender.address()).block_id(BlockId::number(block - 1)).await?;
            let (deposit_nonce, version) = probe::deposit_receipt_fields(&landed.receipt)?;
            let want_nonce = probe::is_active(net, Fork::Regolith, block).then_some(nonce);
            ensure!(deposit_nonce == want_nonce, "the deposit receipt carries depositNonce {deposit_nonce:?}, expected {want_nonce:?}");
            let want_version = probe::is_active(net, Fork::Canyon, block).then_some(1);
            ensure!(version == want_version, "the deposit receipt carries depositReceiptVersion {version:?}, expected {want_version:?}");
            Ok(())
        }
    }
}

mod system_config {
    op_suites::feature_tests!("bedrock.system_config", checks: gas_limit_follows_l1, batcher_follows_l1);

    mod checks {
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            config_change::change,
            contracts::{L1_BLOCK, L1Block, call_abi},
            l1::SystemConfig,
            probe,
        };

        /// The nearest block at or after `number` that activates no fork (whose gas limit
        /// carries no upgrade gas).
        fn plain_block(net: &TestNet, mut number: u64) -> u64 {
            while net.schedule.is_activation_block(number) {
                number += 1;
            }
            number
        }

        /// The nearest block at or before `number` that activates no fork.
        fn plain_block_before(net: &TestNet, mut number: u64) -> u64 {
            while net.schedule.is_activation_block(number) {
                number -= 1;
            }
            number
        }

        /// `setGasLimit` on L1: the first L2 block derived from that L1 block has the new gas
        /// limit; the block before still has the old one.
        pub async fn gas_limit_follows_l1(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Bedrock).await;
            let current = op_suites::config_change::current(net).await?.gas_limit;
            let wanted = current + 1_000_000;
            let c = change(net, SystemConfig::setGasLimitCall { gasLimit: wanted }).await?;
            ensure!(c.after.gas_limit == wanted, "SystemConfig holds gas limit {} after setGasLimit({wanted})", c.after.gas_limit);
            let (old, new) = (plain_block_before(net, c.l2_block - 1), plain_block(net, c.l2_block));
            net.wait_for_block(new).await?;
            let (old_limit, new_limit) = (probe::header(net, old).await?.gas_limit, probe::header(net, new).await?.gas_limit);
            ensure!(new_limit == wanted, "L2 block {new}, derived from L1 block {} or later, has gas limit {new_limit}; the owner set {wanted} there", c.l1_block);
            ensure!(old_limit == c.before.gas_limit, "L2 block {old}, derived before L1 block {}, has gas limit {old_limit}, expected the former {}", c.l1_block, c.before.gas_limit);
            Ok(())
        }

        /// `setBatcherHash` on L1: L1Block's batcher hash changes in the first L2 block derived
        /// from that L1 block, not before.
        pub async fn batcher_follows_l1(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Bedrock).await;
            let batcher = net.salted_signer("batcher").address();
            let c = change(net, SystemConfig::setBatcherHashCall { batcherHash: batcher.into_word() }).await?;
            let at = |n: u64| async move { call_abi(net, L1_BLOCK, L1Block::batcherHashCall {}, n).await };
            c.ensure_switch("L1Block's batcher hash", c.before.batcher.into_word(), batcher.into_word(), at).await
        }
    }
}
