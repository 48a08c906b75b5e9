//! Jovian: its bundle, the Jovian L1-attributes format, the minimum base fee, the DA footprint,
//! the operator-fee formula and the tighter precompile input limits.

use harness::forks::Fork;
use op_suites::TestNet;

/// Waits for the block after Jovian's activation block: the minimum base fee binds from there,
/// so transactions priced from now on meet it.
async fn after_activation(net: &TestNet) {
    let block = net.require(Fork::Jovian).await;
    net.wait_for_block(block + 1).await.expect("the chain advances past the Jovian activation");
}

mod activation {
    op_suites::boundary_suite!(harness::forks::Fork::Jovian);

    /// The predeploy state Jovian's upgrade transactions reach equals op-deployer's Jovian
    /// genesis wherever the two must agree.
    #[tokio::test]
    async fn state_matches_op_deployer() {
        let net = op_suites::TestNet::for_fork(harness::forks::Fork::Jovian).await;
        op_suites::pass(op_suites::oracle::matches_op_deployer(&net, harness::forks::Fork::Jovian).await);
    }

    /// Each upgrade deposit's source hash is the one kona's own tests assert for op-node's
    /// Jovian transactions (kona `protocol/hardforks/src/jovian.rs`): the bare intent, hashed in
    /// the upgrade domain.
    #[test]
    fn source_hashes_are_op_nodes() {
        use alloy::primitives::b256;
        let kona = [
            b256!("bb1a656f65401240fac3db12e7a79ebb954b11e62f7626eb11691539b798d3bf"),
            b256!("f3275f829340521028f9ad5bce4ecb1c64a45d448794effa2a77674627338e76"),
            b256!("239b7021a6c2cf3a918481242bbb5a9499057f24501539467536c691bb133962"),
            b256!("a70c60aa53b8c1c0d52b39b1e901e7d7c09f7819595cb24048a6bb1983b401ff"),
            b256!("e836db6a959371756f8941be3e962d000f7e12a32e49e2c9ca42ba177a92716c"),
        ];
        let spec = op_suites::net::spec_for(harness::spec::Mode::Alphanet, harness::forks::Fork::Jovian).expect("the shipped spec loads");
        let txs = op_suites::upgrades::bundle_upgrades(&spec, harness::forks::Fork::Jovian).expect("the Jovian bundle loads");
        let hashes: Vec<_> = txs.iter().map(|t| t.deposit.source_hash).collect();
        assert_eq!(hashes, kona, "source hashes of the Jovian bundle");
    }
}

mod l1_attributes {
    op_suites::feature_tests!("jovian.l1_attributes", checks: deposit_uses_jovian_format, l1_block_returns_da_footprint_scalar);

    mod checks {
        use std::ops::RangeInclusive;

        use alloy::primitives::{Bytes, hex};
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            boundary::selector_of,
            contracts::{L1_BLOCK, L1Block, call_abi, lacks_function},
            probe,
        };

        async fn deposit_input(net: &TestNet, number: u64) -> anyhow::Result<Bytes> {
            Ok(probe::l1_info_deposit(net, number).await?.0.input)
        }

        /// The blocks after the activation block (which keeps the previous format).
        async fn jovian_format_blocks(net: &TestNet) -> anyhow::Result<RangeInclusive<u64>> {
            let activation = net.require(Fork::Jovian).await;
            net.wait_for_block(activation + 2).await?;
            Ok(activation + 1..=activation + 2)
        }

        /// The Jovian deposit is 178 bytes under 0x3db6be2b: Isthmus's fields, then the
        /// DA-footprint gas scalar as a big-endian u16. Before Jovian it is Isthmus's 176 bytes.
        pub async fn deposit_uses_jovian_format(net: &TestNet) -> anyhow::Result<()> {
            let blocks = jovian_format_blocks(net).await?;
            if let Some(before) = probe::last_before(net, Fork::Jovian) {
                let input = deposit_input(net, before).await?;
                ensure!(input.len() == 176 && input[..4] == selector_of(Fork::Isthmus), "the L1-attributes deposit of block {before}, before Jovian, is {input}, not in Isthmus's format");
            }
            for n in blocks {
                let config = op_suites::l1::system_config(net, n).await?;
                let input = deposit_input(net, n).await?;
                ensure!(input.len() == 178 && input[..4] == selector_of(Fork::Jovian), "the L1-attributes deposit of block {n} is {input}, expected 178 bytes under {}", hex::encode_prefixed(selector_of(Fork::Jovian)));
                let scalar = u16::from_be_bytes(input[176..178].try_into()?);
                ensure!(scalar == config.da_footprint_gas_scalar, "the deposit of block {n} carries DA-footprint scalar {scalar}, expected {}", config.da_footprint_gas_scalar);
            }
            Ok(())
        }

        /// L1Block serves the DA-footprint gas scalar the deposits set; before Jovian it has no
        /// such getter.
        pub async fn l1_block_returns_da_footprint_scalar(net: &TestNet) -> anyhow::Result<()> {
            let blocks = jovian_format_blocks(net).await?;
            if let Some(before) = probe::last_before(net, Fork::Jovian) {
                ensure!(lacks_function(net, L1_BLOCK, L1Block::daFootprintGasScalarCall {}, before).await?, "L1Block serves daFootprintGasScalar at block {before}, before Jovian");
            }
            for n in blocks {
                let config = op_suites::l1::system_config(net, n).await?;
                let scalar = call_abi(net, L1_BLOCK, L1Block::daFootprintGasScalarCall {}, n).await?;
                ensure!(scalar == config.da_footprint_gas_scalar, "L1Block at block {n} returns DA-footprint scalar {scalar}, expected {}", config.da_footprint_gas_scalar);
            }
            Ok(())
        }
    }
}

mod min_base_fee {
    op_suites::feature_tests!("jovian.min_base_fee", checks: extra_data_carries_the_minimum, base_fee_is_clamped_to_the_minimum);

    mod checks {
        use alloy::consensus::BlockHeader;
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            base_fee::{check_base_fees, decode_jovian_extra_data},
            probe,
        };

        /// From the activation block on, extraData is version 1 and carries the SystemConfig's
        /// minimum base fee after the EIP-1559 parameters.
        pub async fn extra_data_carries_the_minimum(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Jovian).await;
            net.wait_for_block(block + 2).await?;
            for number in block..=block + 2 {
                let want = op_suites::l1::system_config(net, number).await?.min_base_fee;
                let header = probe::header(net, number).await?;
                probe::ensure_sealed(&header)?;
                let params = decode_jovian_extra_data(&header.extra_data)?;
                ensure!(params.min_base_fee == Some(want), "block {number} carries minimum base fee {:?}, the SystemConfig sets {want}", params.min_base_fee);
            }
            if let Some(before) = probe::last_before(net, Fork::Jovian) {
                let header = probe::header(net, before).await?;
                ensure!(header.extra_data.len() == 9, "block {before}, before Jovian, has extraData {}: expected Holocene's 9 bytes, no minimum", header.extra_data);
            }
            Ok(())
        }

        /// The minimum binds: the block after the first Jovian block has the minimum as its base
        /// fee (the spec's minimum is above the idle chain's base fee), every base fee follows the
        /// model with the clamp, and before Jovian the base fee was below the minimum.
        pub async fn base_fee_is_clamped_to_the_minimum(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Jovian).await;
            let min = op_suites::l1::system_config(net, block + 1).await?.min_base_fee;
            check_base_fees(net, 1..=block + 3).await?;
            let clamped = probe::header(net, block + 1).await?.base_fee_per_gas().context("no base fee")?;
            ensure!(clamped == min, "block {} has base fee {clamped}; with the minimum {min} above the chain's own base fee it must be the minimum", block + 1);
            if let Some(before) = probe::last_before(net, Fork::Jovian) {
                let below = probe::header(net, before).await?.base_fee_per_gas().context("no base fee")?;
                ensure!(below < min, "block {before}, before Jovian, already has base fee {below}, not below the minimum {min}: the clamp cannot be told apart");
            }
            Ok(())
        }
    }
}

mod da_footprint {
    op_suites::feature_tests!("jovian.da_footprint", checks: receipts_and_headers_carry_the_footprint, footprint_limits_the_block, footprint_raises_the_base_fee);

    mod checks {
        use alloy::{
            consensus::BlockHeader,
            network::TransactionBuilder,
            primitives::{Address, B256},
            providers::Provider,
            rpc::types::TransactionRequest,
        };
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            base_fee::check_base_fees,
            contracts::{L1_BLOCK, L1Block, call_abi, lacks_function},
            fees::incompressible,
            probe,
            wallet::{Wallet, block_number, succeeded},
        };

        const SINK: Address = Address::repeat_byte(0xda);

        /// Bytes of incompressible calldata whose footprint takes 60% of the head's gas limit
        /// under the scalar L1Block holds now: two such transactions cannot share a block, one
        /// fits, and its gas stays far under the target. Sized from the live values, because
        /// on a shared network other tests raise the scalar on L1 (a fixed 60,000 bytes stopped
        /// fitting any block once the scalar reached 600). An incompressible byte counts about
        /// 0.84 estimated bytes (Fjord's FastLZ regression).
        async fn heavy_len(net: &TestNet) -> anyhow::Result<usize> {
            let head = net.l2.get_block_number().await?;
            let scalar = u64::from(call_abi(net, L1_BLOCK, L1Block::daFootprintGasScalarCall {}, head).await?).max(1);
            let footprint = probe::header(net, head).await?.gas_limit * 6 / 10;
            Ok(usize::try_from(footprint * 100 / (scalar * 84)).expect("a calldata size"))
        }

        /// Before Jovian L1Block knows no DA-footprint scalar, so no footprint is metered.
        async fn absent_before(net: &TestNet) -> anyhow::Result<()> {
            if let Some(before) = probe::last_before(net, Fork::Jovian) {
                ensure!(lacks_function(net, L1_BLOCK, L1Block::daFootprintGasScalarCall {}, before).await?, "L1Block knows a DA-footprint scalar at block {before}, before Jovian");
                ensure!(probe::header(net, before).await?.blob_gas_used == Some(0), "block {before}, before Jovian, reports a DA footprint");
            }
            Ok(())
        }

        fn heavy_call(seed: &str, len: usize) -> TransactionRequest {
            TransactionRequest::default().with_to(SINK).with_input(incompressible(seed, len)).with_gas_limit(3_000_000)
        }

        /// Sends heavy calldata transactions from one wallet without waiting for receipts.
        async fn send_heavy(wallet: &Wallet, count: usize, len: usize) -> anyhow::Result<Vec<B256>> {
            let mut hashes = Vec::new();
            for i in 0..count {
                hashes.push(wallet.submit(heavy_call(&format!("{} da {i}", wallet.address()), len)).await?);
            }
            Ok(hashes)
        }

        /// A user transaction's receipt reports its DA footprint as blobGasUsed, computed here
        /// from the signed bytes (FastLZ size estimate x the SystemConfig's scalar), and the
        /// block header's blobGasUsed is the sum over the block's user transactions.
        pub async fn receipts_and_headers_carry_the_footprint(net: &TestNet) -> anyhow::Result<()> {
            crate::jovian::after_activation(net).await;
            absent_before(net).await?;
            let wallet = net.wallet().await?;
            let receipt = wallet.send(heavy_call("da receipt", 5_000)).await?;
            ensure!(succeeded(&receipt), "transaction {} failed", receipt.inner.transaction_hash);
            let block = block_number(&receipt)?;
            let scalar = u64::from(op_suites::l1::system_config(net, block).await?.da_footprint_gas_scalar);
            op_suites::fees::ensure_da_footprints(net, block, scalar).await
        }

        /// Two transactions whose footprints together exceed the gas limit, though their gas
        /// fits easily, never share a block; every block's footprint stays within its limit.
        pub async fn footprint_limits_the_block(net: &TestNet) -> anyhow::Result<()> {
            crate::jovian::after_activation(net).await;
            absent_before(net).await?;
            let wallet = net.wallet().await?;
            let hashes = send_heavy(&wallet, 2, heavy_len(net).await?).await?;
            let mut blocks = Vec::new();
            for hash in hashes {
                let receipt = net.receipt(hash).await?;
                ensure!(succeeded(&receipt), "heavy transaction {hash} failed");
                let number = block_number(&receipt)?;
                let header = probe::header(net, number).await?;
                let footprint = header.blob_gas_used.context("no blobGasUsed")?;
                ensure!(footprint <= header.gas_limit, "block {number} has DA footprint {footprint} over its gas limit {}", header.gas_limit);
                ensure!(footprint > header.gas_used, "block {number}'s DA footprint {footprint} does not exceed its gas used {}: the transaction was not DA-heavy", header.gas_used);
                blocks.push(number);
            }
            ensure!(blocks[0] != blocks[1], "two transactions with footprints over the gas limit together were included in one block, {}", blocks[0]);
            Ok(())
        }

        /// The next base fee meters the larger of gas used and DA footprint: after a DA-heavy
        /// block it rises though its gas used stayed under the target.
        pub async fn footprint_raises_the_base_fee(net: &TestNet) -> anyhow::Result<()> {
            crate::jovian::after_activation(net).await;
            absent_before(net).await?;
            let wallet = net.wallet().await?;
            let hash = send_heavy(&wallet, 1, heavy_len(net).await?).await?[0];
            let number = block_number(&net.receipt(hash).await?)?;
            let steps = check_base_fees(net, number + 1..=number + 1).await?;
            let step = steps.first().context("no step checked")?;
            let parent = &step.parent;
            let (gas, footprint) = (parent.gas_used(), parent.blob_gas_used().unwrap_or_default());
            let target = step.params.target(parent.gas_limit());
            ensure!(gas < target && footprint > target, "block {number} used {gas} gas and {footprint} DA footprint; the check needs gas under the target {target} and footprint over it");
            ensure!(step.base_fee > parent.base_fee_per_gas().unwrap_or_default(), "the base fee did not rise after DA-heavy block {number}");
            Ok(())
        }
    }
}

mod operator_fee {
    op_suites::feature_tests!("jovian.operator_fee", checks: oracle_uses_the_jovian_formula, sender_and_vault_settle_the_jovian_fee);

    mod checks {
        use alloy::{eips::BlockId, primitives::{Address, U256}, providers::Provider};
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_alloy::consensus::OpReceipt;
        use op_suites::{
            TestNet,
            boundary::GAS_PRICE_ORACLE,
            contracts::{GasPriceOracle::getOperatorFeeCall, OPERATOR_FEE_VAULT, call_abi},
            probe,
            wallet::{block_number, succeeded},
        };

        /// The Jovian formula, `gas * scalar * 100 + constant`, and Isthmus's before it,
        /// `gas * scalar / 1e6 + constant`, both from the specs.
        fn jovian(gas: u64, scalar: u32, constant: u64) -> U256 {
            U256::from(gas) * U256::from(scalar) * U256::from(100) + U256::from(constant)
        }

        fn isthmus(gas: u64, scalar: u32, constant: u64) -> U256 {
            U256::from(gas) * U256::from(scalar) / U256::from(1_000_000) + U256::from(constant)
        }

        /// `getOperatorFee(gas)` answers with Jovian's formula from the activation block on, and
        /// with Isthmus's at the block before.
        pub async fn oracle_uses_the_jovian_formula(net: &TestNet) -> anyhow::Result<()> {
            // Block 0 ran no L1-attributes deposit, so L1Block holds no fee parameters there.
            let block = net.require(Fork::Jovian).await.max(1);
            net.wait_for_block(block).await?;
            let config = op_suites::l1::system_config(net, block).await?;
            let (scalar, constant) = (config.operator_fee_scalar, config.operator_fee_constant);
            ensure!(jovian(21_000, scalar, constant) != isthmus(21_000, scalar, constant), "the spec's operator fee scalar {scalar} does not tell the two formulas apart");
            for gas in [0, 21_000, 1_234_567] {
                let got = call_abi(net, GAS_PRICE_ORACLE, getOperatorFeeCall { gasUsed: U256::from(gas) }, block).await?;
                ensure!(got == jovian(gas, scalar, constant), "getOperatorFee({gas}) at block {block} is {got}, Jovian's formula gives {}", jovian(gas, scalar, constant));
                if let Some(before) = probe::last_before(net, Fork::Jovian) {
                    let old = call_abi(net, GAS_PRICE_ORACLE, getOperatorFeeCall { gasUsed: U256::from(gas) }, before).await?;
                    ensure!(old == isthmus(gas, scalar, constant), "getOperatorFee({gas}) at block {before}, before Jovian, is {old}, Isthmus's formula gives {}", isthmus(gas, scalar, constant));
                }
            }
            Ok(())
        }

        /// A transfer's sender pays, and the OperatorFeeVault receives, Jovian's operator fee.
        pub async fn sender_and_vault_settle_the_jovian_fee(net: &TestNet) -> anyhow::Result<()> {
            crate::jovian::after_activation(net).await;
            let sender = net.wallet().await?;
            let value = U256::from(1_000);
            let receipt = sender.transfer(Address::repeat_byte(0x0f), value).await?;
            ensure!(succeeded(&receipt), "transfer {} failed", receipt.inner.transaction_hash);
            let block = block_number(&receipt)?;
            let config = op_suites::l1::system_config(net, block).await?;
            let balance = |who: Address, n: u64| net.l2.get_balance(who).block_id(BlockId::number(n));
            let paid = balance(sender.address(), block - 1).await? - balance(sender.address(), block).await?;
            let fee = jovian(receipt.inner.gas_used, config.operator_fee_scalar, config.operator_fee_constant);
            let gas = U256::from(receipt.inner.gas_used) * U256::from(receipt.inner.effective_gas_price);
            let l1 = U256::from(receipt.l1_block_info.l1_fee.unwrap_or_default());
            ensure!(paid == value + gas + l1 + fee, "the sender paid {paid}; value {value} + gas {gas} + L1 fee {l1} + Jovian operator fee {fee} is {}", value + gas + l1 + fee);
            let receipts = net.l2.get_block_receipts(BlockId::number(block)).await?.unwrap_or_default();
            let users = receipts.iter().filter(|r| !matches!(r.inner.inner.receipt, OpReceipt::Deposit(_)));
            let want: U256 = users.map(|r| jovian(r.inner.gas_used, config.operator_fee_scalar, config.operator_fee_constant)).sum();
            let gained = balance(OPERATOR_FEE_VAULT, block).await? - balance(OPERATOR_FEE_VAULT, block - 1).await?;
            ensure!(gained == want, "OperatorFeeVault gained {gained} in block {block}, Jovian's formula gives {want}");
            Ok(())
        }
    }
}

mod precompile_limits {
    op_suites::feature_tests!("jovian.precompile_limits", checks: bn256_pairing_limit, bls_msm_and_pairing_limits);

    mod checks {
        use alloy::primitives::{Address, Bytes};
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{TestNet, contracts::BN256_PAIRING, probe};

        /// (precompile, bytes per element, the most elements within Jovian's input limit).
        const BN256: (Address, usize, usize) = (BN256_PAIRING, 192, 427);
        const BLS_G1_MSM: (Address, usize, usize) = (Address::with_last_byte(0x0c), 160, 1_806);
        const BLS_PAIRING: (Address, usize, usize) = (Address::with_last_byte(0x0f), 384, 408);

        /// All-zero elements: points at infinity (and zero scalars), valid input.
        fn zeros(element: usize, count: usize) -> Bytes {
            vec![0u8; element * count].into()
        }

        /// At the limit the precompile answers; one element over it fails from Jovian on, and
        /// answered at the block before Jovian (the Granite and Isthmus limits are higher).
        async fn limit(net: &TestNet, (precompile, element, max): (Address, usize, usize)) -> anyhow::Result<()> {
            let block = net.require(Fork::Jovian).await;
            let at = probe::call(net, precompile, zeros(element, max), block).await.with_context(|| format!("{precompile} with {max} elements at block {block}"))?;
            ensure!(!at.is_empty(), "{precompile} returned nothing for {max} elements at block {block}");
            probe::refusal(probe::call(net, precompile, zeros(element, max + 1), block).await, &format!("{precompile} with {} elements at block {block}", max + 1))?;
            if let Some(before) = probe::last_before(net, Fork::Jovian) {
                let over = probe::call(net, precompile, zeros(element, max + 1), before).await.with_context(|| format!("{precompile} with {} elements at block {before}, before Jovian", max + 1))?;
                ensure!(!over.is_empty(), "{precompile} refused {} elements at block {before}, before Jovian", max + 1);
            }
            Ok(())
        }

        /// bn256Pairing takes at most 81,984 bytes (427 pairs).
        pub async fn bn256_pairing_limit(net: &TestNet) -> anyhow::Result<()> {
            limit(net, BN256).await
        }

        /// BLS12-381 G1 MSM takes at most 288,960 bytes, the pairing check 156,672.
        pub async fn bls_msm_and_pairing_limits(net: &TestNet) -> anyhow::Result<()> {
            limit(net, BLS_G1_MSM).await?;
            limit(net, BLS_PAIRING).await
        }
    }
}

mod system_config {
    op_suites::feature_tests!("jovian.system_config", checks: min_base_fee_follows_l1, da_footprint_scalar_follows_l1);

    mod checks {
        use alloy::{network::TransactionBuilder, primitives::Address, rpc::types::TransactionRequest};
        use anyhow::ensure;
        use op_suites::{
            TestNet,
            base_fee::{check_base_fees, extra_data_params},
            config_change::{change, current},
            contracts::{L1_BLOCK, L1Block, call_abi},
            fees::{ensure_da_footprints, incompressible},
            l1::SystemConfig,
            probe,
            wallet::{block_number, succeeded},
        };

        /// One gwei: the step by which the check raises the minimum base fee.
        const GWEI: u64 = 1_000_000_000;

        /// `setMinBaseFee` on L1: the first L2 block derived from that L1 block carries the new
        /// minimum in its extraData, and the next base fee is held at or above it by the rule.
        pub async fn min_base_fee_follows_l1(net: &TestNet) -> anyhow::Result<()> {
            crate::jovian::after_activation(net).await;
            let wanted = current(net).await?.min_base_fee + GWEI;
            let c = change(net, SystemConfig::setMinBaseFeeCall { minBaseFee: wanted }).await?;
            let minimum = |n: u64| async move { Ok(extra_data_params(net, &probe::header(net, n).await?)?.min_base_fee) };
            c.ensure_switch("extraData's minimum base fee", Some(c.before.min_base_fee), Some(wanted), minimum).await?;
            let step = check_base_fees(net, c.l2_block + 1..=c.l2_block + 1).await?.remove(0);
            ensure!(step.base_fee >= wanted, "block {} has base fee {}, under the minimum {wanted} its parent carries", step.number(), step.base_fee);
            Ok(())
        }

        /// `setDAFootprintGasScalar` on L1: L1Block's scalar changes in the first L2 block
        /// derived from that L1 block, and a transaction after it reports the footprint that
        /// scalar gives.
        pub async fn da_footprint_scalar_follows_l1(net: &TestNet) -> anyhow::Result<()> {
            crate::jovian::after_activation(net).await;
            let wanted = current(net).await?.da_footprint_gas_scalar + 100;
            let c = change(net, SystemConfig::setDAFootprintGasScalarCall { daFootprintGasScalar: wanted }).await?;
            let scalar = |n: u64| async move { call_abi(net, L1_BLOCK, L1Block::daFootprintGasScalarCall {}, n).await };
            c.ensure_switch("L1Block's daFootprintGasScalar", c.before.da_footprint_gas_scalar, wanted, scalar).await?;
            let wallet = net.wallet().await?;
            let request = TransactionRequest::default().with_to(Address::repeat_byte(0xda)).with_input(incompressible("jovian.system_config", 2_000));
            let receipt = wallet.send(request).await?;
            ensure!(succeeded(&receipt), "transaction {} failed", receipt.inner.transaction_hash);
            let block = block_number(&receipt)?;
            ensure!(block >= c.l2_block, "the transaction landed in block {block}, before the change took effect in {}", c.l2_block);
            ensure_da_footprints(net, block, wanted.into()).await
        }
    }
}
