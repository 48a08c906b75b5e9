//! Ecotone: the upgrade itself, L1-attributes, beacon roots, Cancun opcodes, blobs, fees.

mod activation {
    op_suites::boundary_suite!(harness::forks::Fork::Ecotone);
}

use alloy::sol_types::SolCall;
use harness::forks::Fork;
use op_suites::{
    TestNet,
    contracts::{L1_BLOCK, L1Block},
    probe,
};

/// Before Ecotone, L1Block has no blob base fee or scalars: those getters revert.
async fn l1_block_fee_fields_absent_before(net: &TestNet) -> anyhow::Result<()> {
    let Some(before) = probe::last_before(net, Fork::Ecotone) else { return Ok(()) };
    for (signature, selector) in [
        (L1Block::blobBaseFeeCall::SIGNATURE, L1Block::blobBaseFeeCall::SELECTOR),
        (L1Block::baseFeeScalarCall::SIGNATURE, L1Block::baseFeeScalarCall::SELECTOR),
        (L1Block::blobBaseFeeScalarCall::SIGNATURE, L1Block::blobBaseFeeScalarCall::SELECTOR),
    ] {
        let result = probe::call(net, L1_BLOCK, selector.into(), before).await;
        probe::ensure_refused_with(result, "execution reverted", &format!("L1Block.{signature} at block {before}, before Ecotone"))?;
    }
    Ok(())
}

mod l1_attributes {
    op_suites::feature_tests!("ecotone.l1_attributes", checks: l1_block_holds_the_origin_and_config, calldata_is_packed);

    mod checks {
        use alloy::{
            eips::eip7840::BlobParams,
            primitives::{B256, U256},
            providers::Provider,
        };
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            boundary::{l1_info_selector, selector_of},
            contracts::{L1_BLOCK, L1Block, call_abi},
            probe,
        };

        /// Length of Ecotone's packed calldata; later formats append fields to it.
        const ECOTONE_LEN: usize = 164;

        /// The L1-attributes of one L2 block, in the order of Ecotone's packed calldata.
        #[derive(Debug, PartialEq, Eq)]
        struct Attributes {
            base_fee_scalar: u32,
            blob_base_fee_scalar: u32,
            sequence_number: u64,
            timestamp: u64,
            number: u64,
            base_fee: U256,
            blob_base_fee: U256,
            hash: B256,
            batcher_hash: B256,
        }

        impl Attributes {
            /// Decodes Ecotone's packed layout: `selector ++ u32 ++ u32 ++ u64 ++ u64 ++ u64 ++
            /// u256 ++ u256 ++ bytes32 ++ bytes32`.
            fn decode(input: &[u8]) -> anyhow::Result<Self> {
                ensure!(input.len() >= ECOTONE_LEN, "L1-attributes calldata is {} bytes, shorter than Ecotone's {ECOTONE_LEN}", input.len());
                let bytes = |from: usize, to: usize| &input[from..to];
                let be = |from: usize, to: usize| U256::from_be_slice(bytes(from, to));
                Ok(Self {
                    base_fee_scalar: be(4, 8).to(),
                    blob_base_fee_scalar: be(8, 12).to(),
                    sequence_number: be(12, 20).to(),
                    timestamp: be(20, 28).to(),
                    number: be(28, 36).to(),
                    base_fee: be(36, 68),
                    blob_base_fee: be(68, 100),
                    hash: B256::from_slice(bytes(100, 132)),
                    batcher_hash: B256::from_slice(bytes(132, 164)),
                })
            }

            /// What L1Block reports after block `number`.
            async fn from_l1_block(net: &TestNet, number: u64) -> anyhow::Result<Self> {
                Ok(Self {
                    base_fee_scalar: call_abi(net, L1_BLOCK, L1Block::baseFeeScalarCall {}, number).await?,
                    blob_base_fee_scalar: call_abi(net, L1_BLOCK, L1Block::blobBaseFeeScalarCall {}, number).await?,
                    sequence_number: call_abi(net, L1_BLOCK, L1Block::sequenceNumberCall {}, number).await?,
                    timestamp: call_abi(net, L1_BLOCK, L1Block::timestampCall {}, number).await?,
                    number: call_abi(net, L1_BLOCK, L1Block::numberCall {}, number).await?,
                    base_fee: call_abi(net, L1_BLOCK, L1Block::basefeeCall {}, number).await?,
                    blob_base_fee: call_abi(net, L1_BLOCK, L1Block::blobBaseFeeCall {}, number).await?,
                    hash: call_abi(net, L1_BLOCK, L1Block::hashCall {}, number).await?,
                    batcher_hash: call_abi(net, L1_BLOCK, L1Block::batcherHashCall {}, number).await?,
                })
            }

            /// What L2 block `number` must carry if its L1 origin is L1 block `origin`, from
            /// sources independent of the deposit: that block as the L1 serves it, the spec's
            /// SystemConfig, and the sequence number the previous L2 block implies.
            async fn expected(net: &TestNet, number: u64, origin: u64) -> anyhow::Result<Self> {
                let l1 = net.l1.get_block_by_number(origin.into()).await?.with_context(|| format!("L1 block {origin} missing"))?.header;
                let config = op_suites::l1::system_config(net, number).await?;
                let previous_origin = call_abi(net, L1_BLOCK, L1Block::numberCall {}, number - 1).await?;
                let sequence_number = if previous_origin == origin {
                    call_abi(net, L1_BLOCK, L1Block::sequenceNumberCall {}, number - 1).await? + 1
                } else {
                    0
                };
                Ok(Self {
                    base_fee_scalar: config.base_fee_scalar,
                    blob_base_fee_scalar: config.blob_base_fee_scalar,
                    sequence_number,
                    timestamp: l1.timestamp,
                    number: origin,
                    base_fee: U256::from(l1.base_fee_per_gas.context("L1 block without a base fee")?),
                    // The embedded L1 runs Prague; op-node prices blobs by its L1's schedule.
                    blob_base_fee: U256::from(l1.inner.blob_fee(BlobParams::prague()).context("L1 block without excess blob gas")?),
                    hash: l1.hash,
                    batcher_hash: config.batcher.into_word(),
                })
            }
        }

        /// An L2 block that, like its parent, carries Ecotone-format L1-attributes: the
        /// activation block's deposit keeps the old format, so two blocks after it.
        async fn ecotone_block(net: &TestNet) -> anyhow::Result<u64> {
            let number = net.require(Fork::Ecotone).await + 2;
            net.wait_for_block(number).await?;
            Ok(number)
        }

        /// L1Block's getters, the new blob base fee and scalars included, equal the L1 origin's
        /// values and the SystemConfig. Before Ecotone the new getters revert.
        pub async fn l1_block_holds_the_origin_and_config(net: &TestNet) -> anyhow::Result<()> {
            let number = ecotone_block(net).await?;
            let got = Attributes::from_l1_block(net, number).await?;
            let expected = Attributes::expected(net, number, got.number).await?;
            ensure!(got == expected, "L1Block after block {number} holds {got:?}, expected {expected:?}");
            crate::ecotone::l1_block_fee_fields_absent_before(net).await
        }

        /// The L1-attributes deposit's calldata is the packed format, with the right selector
        /// and length, and its fields are the L1 origin's and the SystemConfig's. Before
        /// Ecotone it was Bedrock's ABI-encoded `setL1BlockValues`.
        pub async fn calldata_is_packed(net: &TestNet) -> anyhow::Result<()> {
            let number = ecotone_block(net).await?;
            let (deposit, _) = probe::l1_info_deposit(net, number).await?;
            let selector = l1_info_selector(net, number);
            ensure!(deposit.input.get(..4) == Some(&selector[..]), "block {number}'s L1-attributes calldata starts {}, expected selector {}", deposit.input, alloy::hex::encode_prefixed(selector));
            let ecotone = selector_of(Fork::Ecotone);
            ensure!(selector != ecotone || deposit.input.len() == ECOTONE_LEN, "block {number}'s Ecotone L1-attributes calldata is {} bytes, expected {ECOTONE_LEN}", deposit.input.len());
            let got = Attributes::decode(&deposit.input)?;
            let expected = Attributes::expected(net, number, got.number).await?;
            ensure!(got == expected, "block {number}'s L1-attributes calldata carries {got:?}, expected {expected:?}");
            if let Some(before) = probe::last_before(net, Fork::Ecotone) {
                let (deposit, _) = probe::l1_info_deposit(net, before).await?;
                let bedrock = selector_of(Fork::Bedrock);
                ensure!(deposit.input.get(..4) == Some(&bedrock[..]), "block {before}, before Ecotone, has L1-attributes calldata {}, expected Bedrock's selector", deposit.input);
            }
            Ok(())
        }
    }
}

mod beacon_roots {
    op_suites::feature_tests!("ecotone.beacon_roots", checks: headers_carry_the_l1_beacon_root, contract_serves_the_roots);

    mod checks {
        use alloy::{eips::BlockId, primitives::U256, providers::Provider};
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            contracts::{BEACON_ROOTS, L1_BLOCK, L1Block, call_abi},
            probe,
        };

        /// Each L2 header's parentBeaconBlockRoot is its L1 origin's; before Ecotone headers
        /// had none.
        pub async fn headers_carry_the_l1_beacon_root(net: &TestNet) -> anyhow::Result<()> {
            let first = net.require(Fork::Ecotone).await.max(1);
            net.wait_for_block(first + 2).await?;
            for number in first..=first + 2 {
                let root = probe::header(net, number).await?.parent_beacon_block_root.with_context(|| format!("block {number} has no parentBeaconBlockRoot"))?;
                let origin = call_abi(net, L1_BLOCK, L1Block::numberCall {}, number).await?;
                let l1 = net.l1.get_block_by_number(origin.into()).await?.with_context(|| format!("L1 block {origin} missing"))?.header;
                ensure!(Some(root) == l1.parent_beacon_block_root, "block {number} has parentBeaconBlockRoot {root}, its L1 origin {origin} has {:?}", l1.parent_beacon_block_root);
            }
            if let Some(before) = probe::last_before(net, Fork::Ecotone) {
                let root = probe::header(net, before).await?.parent_beacon_block_root;
                ensure!(root.is_none(), "block {before}, before Ecotone, has parentBeaconBlockRoot {root:?}");
            }
            Ok(())
        }

        /// Called with a block's timestamp, the EIP-4788 contract returns that block's
        /// parentBeaconBlockRoot, and reverts for a timestamp it has no root for. It exists
        /// from the activation block on (an upgrade transaction deploys it, so the first root
        /// it holds is the next block's); before, there is no code at its address.
        pub async fn contract_serves_the_roots(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Ecotone).await;
            net.wait_for_block(block + 2).await?;
            let code = net.l2.get_code_at(BEACON_ROOTS).block_id(BlockId::number(block)).await?;
            ensure!(!code.is_empty(), "no code at {BEACON_ROOTS} at block {block}");
            for number in block + 1..=block + 2 {
                let header = probe::header(net, number).await?;
                let timestamp = |t: u64| U256::from(t).to_be_bytes_vec().into();
                let served = probe::call(net, BEACON_ROOTS, timestamp(header.timestamp), number).await?;
                let root = header.parent_beacon_block_root.with_context(|| format!("block {number} has no parentBeaconBlockRoot"))?;
                ensure!(served.as_ref() == root.as_slice(), "the beacon-roots contract returns {served} for block {number}'s timestamp, expected {root}");
                let unknown = probe::call(net, BEACON_ROOTS, timestamp(header.timestamp + 1), number).await;
                probe::refusal(unknown, &format!("the beacon root of a timestamp after block {number}"))?;
            }
            if let Some(before) = probe::last_before(net, Fork::Ecotone) {
                let code = net.l2.get_code_at(BEACON_ROOTS).block_id(BlockId::number(before)).await?;
                ensure!(code.is_empty(), "block {before}, before Ecotone, already has code at {BEACON_ROOTS}");
            }
            Ok(())
        }
    }
}

mod cancun_opcodes {
    op_suites::feature_tests!("ecotone.cancun_opcodes", checks: transient_storage_round_trips, mcopy_copies_memory, blobbasefee_is_the_block_blob_fee);

    mod checks {
        use alloy::eips::eip4844::calc_blob_gasprice;
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{TestNet, bytecode::{op, returning_word}, probe};

        /// TSTORE 42 at key 1, then TLOAD key 1, returns 42.
        pub async fn transient_storage_round_trips(net: &TestNet) -> anyhow::Result<()> {
            let code = returning_word(&[op::PUSH1, 42, op::PUSH1, 1, op::TSTORE, op::PUSH1, 1, op::TLOAD]);
            let loaded = probe::word(&probe::run_across(net, Fork::Ecotone, code).await?)?;
            ensure!(loaded == 42, "TLOAD after TSTORE 42 returned {loaded}");
            Ok(())
        }

        /// MCOPY copies a word from offset 0 to offset 32, where MLOAD finds it.
        pub async fn mcopy_copies_memory(net: &TestNet) -> anyhow::Result<()> {
            let code = returning_word(&[
                op::PUSH2, 0x12, 0x34, op::PUSH1, 0, op::MSTORE, // memory[0..32] = 0x1234
                op::PUSH1, 32, op::PUSH1, 0, op::PUSH1, 32, op::MCOPY, // MCOPY(dst 32, src 0, len 32)
                op::PUSH1, 32, op::MLOAD,
            ]);
            let copied = probe::word(&probe::run_across(net, Fork::Ecotone, code).await?)?;
            ensure!(copied == 0x1234, "MLOAD at 32 after MCOPY returned {copied:#x}, expected 0x1234");
            Ok(())
        }

        /// BLOBBASEFEE returns the blob base fee the block's excessBlobGas implies.
        pub async fn blobbasefee_is_the_block_blob_fee(net: &TestNet) -> anyhow::Result<()> {
            let fee = probe::word(&probe::run_across(net, Fork::Ecotone, returning_word(&[op::BLOBBASEFEE])).await?)?;
            let block = net.require(Fork::Ecotone).await;
            let excess = probe::header(net, block).await?.excess_blob_gas.with_context(|| format!("block {block} has no excessBlobGas"))?;
            let expected = calc_blob_gasprice(excess);
            ensure!(fee == alloy::primitives::U256::from(expected), "BLOBBASEFEE at block {block} returned {fee}, excessBlobGas {excess} gives {expected}");
            Ok(())
        }
    }
}

mod blob_transactions {
    op_suites::feature_tests!("ecotone.blob_transactions", checks: blob_transaction_is_refused, headers_report_no_blob_gas, blobhash_sees_no_blobs);

    mod checks {
        use alloy::{
            consensus::{SignableTransaction, TxEip4844},
            eips::eip2718::Encodable2718,
            network::TxSignerSync,
            primitives::{B256, U256, b256},
            providers::Provider,
        };
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{TestNet, bytecode::{op, returning_word}, probe};

        /// A versioned hash (version byte 0x01, KZG) for a blob that does not exist.
        const VERSIONED_HASH: B256 = b256!("0100000000000000000000000000000000000000000000000000000000000001");

        /// Headers from Ecotone on have blobGasUsed 0 and excessBlobGas 0; before, neither.
        async fn check_headers(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Ecotone).await;
            net.wait_for_block(block + 2).await?;
            for number in block..=block + 2 {
                let header = probe::header(net, number).await?;
                ensure!(header.excess_blob_gas == Some(0), "block {number} has excessBlobGas {:?}, expected 0", header.excess_blob_gas);
                if net.rule_in_effect(Fork::Ecotone, Fork::Jovian, "blobGasUsed is 0 (Jovian makes it the DA footprint)").is_some_and(|r| r.contains(&number)) {
                    ensure!(header.blob_gas_used == Some(0), "block {number} has blobGasUsed {:?}, expected 0", header.blob_gas_used);
                } else {
                    ensure!(header.blob_gas_used.is_some(), "block {number} has no blobGasUsed");
                }
            }
            if let Some(before) = probe::last_before(net, Fork::Ecotone) {
                let header = probe::header(net, before).await?;
                ensure!(header.blob_gas_used.is_none() && header.excess_blob_gas.is_none(), "block {before}, before Ecotone, has blob gas fields");
            }
            Ok(())
        }

        /// A valid, signed type-3 transaction from a funded account is refused with "transaction
        /// type not supported": OP has no blobs. A transaction cannot be sent to a past block,
        /// so the pre-Ecotone side is the headers' (no blob gas accounting at all).
        pub async fn blob_transaction_is_refused(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Ecotone).await;
            let wallet = net.wallet().await?;
            let gas_price = net.l2.get_gas_price().await?;
            let mut tx = TxEip4844 {
                chain_id: net.l2.get_chain_id().await?,
                nonce: net.l2.get_transaction_count(wallet.address()).await?,
                gas_limit: 100_000,
                max_fee_per_gas: 2 * gas_price,
                max_priority_fee_per_gas: gas_price,
                to: wallet.address(),
                value: U256::ZERO,
                access_list: Default::default(),
                blob_versioned_hashes: vec![VERSIONED_HASH],
                max_fee_per_blob_gas: 1_000_000_000,
                input: Default::default(),
            };
            let signature = wallet.signer.sign_transaction_sync(&mut tx).context("signing the blob transaction")?;
            let raw = tx.into_signed(signature).encoded_2718();
            let sent = net.l2.send_raw_transaction(&raw).await.map(|pending| *pending.tx_hash());
            probe::ensure_refused_with(sent, "transaction type not supported", "sending a blob transaction")?;
            check_headers(net).await
        }

        /// Headers from Ecotone on have blobGasUsed 0 and excessBlobGas 0; before, neither.
        pub async fn headers_report_no_blob_gas(net: &TestNet) -> anyhow::Result<()> {
            check_headers(net).await
        }

        /// BLOBHASH 0 is zero: no transaction carries blobs. Before Ecotone it halts.
        pub async fn blobhash_sees_no_blobs(net: &TestNet) -> anyhow::Result<()> {
            let hash = probe::word(&probe::run_across(net, Fork::Ecotone, returning_word(&[op::PUSH1, 0, op::BLOBHASH])).await?)?;
            ensure!(hash.is_zero(), "BLOBHASH 0 returned {hash:#x} in a call without blobs");
            Ok(())
        }
    }
}

mod fees {
    op_suites::feature_tests!("ecotone.fees", checks: receipt_carries_the_l1_fee_inputs, sender_pays_l2_and_l1_fees);

    mod checks {
        use alloy::{
            eips::BlockId,
            network::TransactionBuilder,
            primitives::U256,
            providers::Provider,
            rpc::types::TransactionRequest,
        };
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_alloy::rpc_types::OpTransactionReceipt;
        use op_suites::{
            TestNet,
            fees::{self, L1FeeParams, MinedTx, calldata_gas, incompressible},
            probe,
            wallet::{block_number, succeeded},
        };

        /// Sends a transaction with some calldata, after the fork, and returns its receipt and
        /// block.
        async fn mined_transaction(net: &TestNet) -> anyhow::Result<(OpTransactionReceipt, u64)> {
            net.require(Fork::Ecotone).await;
            let wallet = net.wallet().await?;
            let request = TransactionRequest::default().with_to(wallet.address()).with_input(incompressible("ecotone.fees", 200));
            let receipt = wallet.send(request).await?;
            ensure!(succeeded(&receipt), "transaction {} failed", receipt.inner.transaction_hash);
            let number = block_number(&receipt)?;
            Ok((receipt, number))
        }

        /// The receipt's l1GasPrice, l1BlobBaseFee and scalars are what L1Block holds for its
        /// block, the scalars are the SystemConfig's, Bedrock's l1FeeScalar is gone, and
        /// before Fjord l1GasUsed and l1Fee follow Ecotone's formula:
        /// `calldataGas * (16 * baseFeeScalar * l1BaseFee + blobBaseFeeScalar * blobBaseFee) / 16e6`.
        pub async fn receipt_carries_the_l1_fee_inputs(net: &TestNet) -> anyhow::Result<()> {
            let (receipt, number) = mined_transaction(net).await?;
            let params = L1FeeParams::at(net, number).await?;
            let config = op_suites::l1::system_config(net, number).await?;
            let info = &receipt.l1_block_info;
            let narrow = |v: U256| u128::try_from(v).ok();
            ensure!(
                info.l1_gas_price == narrow(params.l1_base_fee)
                    && info.l1_blob_base_fee == narrow(params.blob_base_fee)
                    && info.l1_base_fee_scalar == Some(config.base_fee_scalar.into())
                    && info.l1_blob_base_fee_scalar == Some(config.blob_base_fee_scalar.into())
                    && params.base_fee_scalar == config.base_fee_scalar
                    && params.blob_base_fee_scalar == config.blob_base_fee_scalar,
                "receipt fee fields {info:?} do not match L1Block at block {number} ({params:?}) and the SystemConfig scalars {} / {}",
                config.base_fee_scalar,
                config.blob_base_fee_scalar
            );
            ensure!(info.l1_fee_scalar.is_none(), "the receipt still carries Bedrock's l1FeeScalar {:?}", info.l1_fee_scalar);
            let fee = info.l1_fee.context("receipt without l1Fee")?;
            ensure!(fee > 0, "the receipt's l1Fee is 0");
            if !probe::is_active(net, Fork::Fjord, number) {
                let gas = calldata_gas(&MinedTx::fetch(net, receipt.inner.transaction_hash).await?.raw);
                let expected = params.ecotone_fee(gas);
                ensure!(info.l1_gas_used == Some(gas.into()), "l1GasUsed is {:?}, the signed transaction's calldata gas is {gas}", info.l1_gas_used);
                ensure!(U256::from(fee) == expected, "l1Fee is {fee}, Ecotone's formula gives {expected}");
            }
            crate::ecotone::l1_block_fee_fields_absent_before(net).await
        }

        /// The operator fee the receipt's block charges by its fork's formula, with the receipt's
        /// (and SystemConfig's) parameters.
        async fn operator_fee(net: &TestNet, receipt: &OpTransactionReceipt, number: u64) -> anyhow::Result<U256> {
            let info = &receipt.l1_block_info;
            if !probe::is_active(net, Fork::Isthmus, number) {
                return Ok(U256::ZERO);
            }
            let config = op_suites::l1::system_config(net, number).await?;
            let (scalar, constant) = (info.operator_fee_scalar.context("receipt without operatorFeeScalar")?, info.operator_fee_constant.context("receipt without operatorFeeConstant")?);
            ensure!(scalar == config.operator_fee_scalar.into() && constant == config.operator_fee_constant.into(), "receipt operator fee parameters {scalar} / {constant} are not the SystemConfig's");
            Ok(fees::operator_fee(net, number, receipt.inner.gas_used, config.operator_fee_scalar, config.operator_fee_constant))
        }

        /// The sender's balance drops by exactly `gasUsed * effectiveGasPrice + l1Fee` (plus the
        /// operator fee once Isthmus is active): the L1 fee is charged, not only reported.
        pub async fn sender_pays_l2_and_l1_fees(net: &TestNet) -> anyhow::Result<()> {
            let (receipt, number) = mined_transaction(net).await?;
            let sender = receipt.inner.from;
            let balance = |n: u64| net.l2.get_balance(sender).block_id(BlockId::number(n));
            let paid = balance(number - 1).await? - balance(number).await?;
            let l2 = U256::from(receipt.inner.gas_used) * U256::from(receipt.inner.effective_gas_price);
            let l1 = U256::from(receipt.l1_block_info.l1_fee.context("receipt without l1Fee")?);
            let expected = l2 + l1 + operator_fee(net, &receipt, number).await?;
            ensure!(paid == expected, "the sender paid {paid}; gas {} * price {} + l1Fee {l1} (+ operator fee) is {expected}", receipt.inner.gas_used, receipt.inner.effective_gas_price);
            ensure!(l1 > U256::ZERO, "the receipt's l1Fee is 0");
            crate::ecotone::l1_block_fee_fields_absent_before(net).await
        }
    }
}

mod system_config {
    // One check per SystemConfig parameter: on a shared network, two checks changing the same
    // parameter at once would see each other's values.
    op_suites::feature_tests!("ecotone.system_config", checks: new_scalars_reach_l1_block_and_the_l1_fee);

    mod checks {
        use alloy::{network::TransactionBuilder, primitives::U256, rpc::types::TransactionRequest};
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            config_change::{Change, change},
            contracts::{L1_BLOCK, L1Block, call_abi},
            fastlz,
            fees::{L1FeeParams, MinedTx, calldata_gas, incompressible},
            l1::SystemConfig,
            probe,
            wallet::{block_number, succeeded},
        };

        /// The owner sets base-fee and blob-base-fee scalars unlike the ones in force.
        async fn new_scalars(net: &TestNet) -> anyhow::Result<(Change, (u32, u32))> {
            net.require(Fork::Ecotone).await;
            let now = op_suites::config_change::current(net).await?;
            let wanted = (now.base_fee_scalar + 1_234, now.blob_base_fee_scalar + 5_678);
            let c = change(net, SystemConfig::setGasConfigEcotoneCall { basefeeScalar: wanted.0, blobbasefeeScalar: wanted.1 }).await?;
            ensure!((c.after.base_fee_scalar, c.after.blob_base_fee_scalar) == wanted, "SystemConfig holds scalars {:?} after setGasConfigEcotone{wanted:?}", (c.after.base_fee_scalar, c.after.blob_base_fee_scalar));
            Ok((c, wanted))
        }

        /// `setGasConfigEcotone` on L1: L1Block's scalars change in the first L2 block derived
        /// from that L1 block, and a transaction after it pays the L1 fee they give.
        pub async fn new_scalars_reach_l1_block_and_the_l1_fee(net: &TestNet) -> anyhow::Result<()> {
            let (c, wanted) = new_scalars(net).await?;
            scalars_reach_l1_block(net, &c, wanted).await?;
            l1_fee_follows_the_new_scalars(net, &c, wanted).await
        }

        async fn scalars_reach_l1_block(net: &TestNet, c: &Change, wanted: (u32, u32)) -> anyhow::Result<()> {
            let scalars = |n: u64| async move {
                Ok((call_abi(net, L1_BLOCK, L1Block::baseFeeScalarCall {}, n).await?, call_abi(net, L1_BLOCK, L1Block::blobBaseFeeScalarCall {}, n).await?))
            };
            c.ensure_switch("L1Block's (baseFeeScalar, blobBaseFeeScalar)", (c.before.base_fee_scalar, c.before.blob_base_fee_scalar), wanted, scalars).await
        }

        /// A transaction after the change reports the new scalars in its receipt and pays the
        /// L1 fee they give, by the formula of the fork in effect (Ecotone's calldata gas, or
        /// Fjord's FastLZ estimate).
        async fn l1_fee_follows_the_new_scalars(net: &TestNet, c: &Change, wanted: (u32, u32)) -> anyhow::Result<()> {
            let wallet = net.wallet().await?;
            let receipt = wallet.send(TransactionRequest::default().with_to(wallet.address()).with_input(incompressible("ecotone.system_config", 300))).await?;
            ensure!(succeeded(&receipt), "transaction {} failed", receipt.inner.transaction_hash);
            let block = block_number(&receipt)?;
            ensure!(block >= c.l2_block, "the transaction landed in block {block}, before the change took effect in {}", c.l2_block);
            let info = &receipt.l1_block_info;
            let got = (info.l1_base_fee_scalar, info.l1_blob_base_fee_scalar);
            ensure!(got == (Some(wanted.0.into()), Some(wanted.1.into())), "the receipt in block {block} carries scalars {got:?}; the owner set {wanted:?}");
            let params = L1FeeParams::at(net, block).await?;
            ensure!((params.base_fee_scalar, params.blob_base_fee_scalar) == wanted, "L1Block at block {block} holds {params:?}; the owner set {wanted:?}");
            let raw = MinedTx::fetch(net, receipt.inner.transaction_hash).await?.raw;
            let expected = if probe::is_active(net, Fork::Fjord, block) { params.fjord_fee(fastlz::compressed_len(&raw)) } else { params.ecotone_fee(calldata_gas(&raw)) };
            let fee = U256::from(info.l1_fee.context("a receipt without l1Fee")?);
            ensure!(fee == expected, "l1Fee is {fee}; the new scalars give {expected}");
            Ok(())
        }
    }
}
