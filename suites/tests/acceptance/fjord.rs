//! Fjord: the upgrade, P256VERIFY, the FastLZ L1 fee and its upper bound.

use alloy::{network::TransactionBuilder, primitives::{Bytes, U256}, rpc::types::TransactionRequest};
use anyhow::{Context, ensure};
use op_alloy::rpc_types::OpTransactionReceipt;
use op_suites::{TestNet, fees::{MinedTx, incompressible}, wallet::{block_number, succeeded}};

mod activation {
    op_suites::boundary_suite!(harness::forks::Fork::Fjord);
}

/// A transaction the L1-fee checks read: its receipt, its block and its bytes.
struct FeeSample {
    receipt: OpTransactionReceipt,
    block: u64,
    tx: MinedTx,
}

impl FeeSample {
    /// Sends `input` from a fresh account to itself and waits for it.
    async fn send(net: &TestNet, input: Bytes) -> anyhow::Result<Self> {
        let wallet = net.wallet().await?;
        let receipt = wallet.send(TransactionRequest::default().with_to(wallet.address()).with_input(input)).await?;
        let hash = receipt.inner.transaction_hash;
        ensure!(succeeded(&receipt), "transaction {hash} failed");
        Ok(Self { block: block_number(&receipt)?, tx: MinedTx::fetch(net, hash).await?, receipt })
    }

    /// A plain transaction without calldata, small enough for the fee floor.
    async fn small(net: &TestNet) -> anyhow::Result<Self> {
        Self::send(net, Bytes::new()).await
    }

    /// A transaction carrying 1 KiB of incompressible calldata: far above the fee floor.
    async fn large(net: &TestNet) -> anyhow::Result<Self> {
        Self::send(net, incompressible("fjord large calldata", 1024)).await
    }

    /// A transaction with the calldata of a typical contract call: 32 ABI words, each an
    /// address-sized value padded with zeros. It compresses like real traffic, and lands above
    /// the fee floor.
    async fn typical(net: &TestNet) -> anyhow::Result<Self> {
        let values = incompressible("fjord typical calldata", 32 * 20);
        let words: Bytes = values.chunks(20).flat_map(|value| [&[0; 12][..], value].concat()).collect();
        Self::send(net, words).await
    }

    fn l1_fee(&self) -> anyhow::Result<U256> {
        let fee = self.receipt.l1_block_info.l1_fee.with_context(|| format!("receipt of {} has no l1Fee", self.receipt.inner.transaction_hash))?;
        Ok(U256::from(fee))
    }
}

mod p256verify {
    op_suites::feature_tests!("fjord.p256verify", checks: valid_signature_returns_one, invalid_signature_returns_empty);

    mod checks {
        use alloy::primitives::{B256, Bytes};
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            p256::{P256VERIFY, input, key, valid},
            probe,
        };


        fn flipped(mut input: Vec<u8>, byte: usize) -> Vec<u8> {
            input[byte] ^= 1;
            input
        }

        async fn verify(net: &TestNet, input: Vec<u8>, block: u64) -> anyhow::Result<Bytes> {
            Ok(probe::call(net, P256VERIFY, input.into(), block).await?)
        }

        /// Before Fjord there is no precompile: even a valid signature gets the empty answer of
        /// an account without code.
        async fn absent_before(net: &TestNet) -> anyhow::Result<()> {
            if let Some(before) = probe::last_before(net, Fork::Fjord) {
                let output = verify(net, valid(), before).await?;
                ensure!(output.is_empty(), "P256VERIFY answered {output} at block {before}, before Fjord");
            }
            Ok(())
        }

        /// A valid signature returns 1 as a 32-byte word, from the activation block on.
        pub async fn valid_signature_returns_one(net: &TestNet) -> anyhow::Result<()> {
            let activation = net.require(Fork::Fjord).await;
            absent_before(net).await?;
            let one = Bytes::from(B256::with_last_byte(1));
            net.wait_for_block(activation + 1).await?;
            for block in [activation, activation + 1] {
                let output = verify(net, valid(), block).await?;
                ensure!(output == one, "P256VERIFY answered {output} for a valid signature at block {block}, expected {one}");
            }
            Ok(())
        }

        /// Anything but a valid 160-byte input returns empty output, not an error.
        pub async fn invalid_signature_returns_empty(net: &TestNet) -> anyhow::Result<()> {
            let activation = net.require(Fork::Fjord).await;
            absent_before(net).await?;
            let (alice, bob) = (key("alice"), key("bob"));
            let mut long = valid();
            long.push(0);
            let cases = [
                ("another message's hash", flipped(valid(), 0)),
                ("a tampered r", flipped(valid(), 63)),
                ("a tampered s", flipped(valid(), 95)),
                ("a public key off the curve", flipped(valid(), 127)),
                ("another key's signature", input(&bob, &alice, "P256VERIFY")),
                ("159 bytes", valid()[..159].to_vec()),
                ("161 bytes", long),
            ];
            for (case, input) in cases {
                let output = verify(net, input, activation).await?;
                ensure!(output.is_empty(), "P256VERIFY answered {output} for {case}, expected empty output");
            }
            Ok(())
        }
    }
}

mod fastlz_fee {
    op_suites::feature_tests!("fjord.fastlz_fee", checks: small_transfer_pays_floor_fee, large_calldata_fee_follows_fastlz, oracle_fee_follows_fastlz);

    mod checks {
        use alloy::primitives::Bytes;
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            boundary::GAS_PRICE_ORACLE,
            contracts::{GasPriceOracle::getL1FeeCall, call_abi},
            fastlz,
            fees::{L1FeeParams, incompressible},
            probe,
        };

        use crate::fjord::FeeSample;

        /// Before Fjord the GasPriceOracle prices `data` by Ecotone's calldata-gas rule.
        async fn calldata_priced_before(net: &TestNet, data: &Bytes) -> anyhow::Result<()> {
            let Some(before) = probe::last_before(net, Fork::Fjord) else { return Ok(()) };
            let params = L1FeeParams::at(net, before).await?;
            let fee = call_abi(net, GAS_PRICE_ORACLE, getL1FeeCall { data: data.clone() }, before).await?;
            let want = params.ecotone_oracle_fee(data);
            ensure!(fee == want, "getL1Fee of {} bytes at block {before}, before Fjord, is {fee}; Ecotone's calldata rule gives {want}", data.len());
            Ok(())
        }

        /// A small transfer sits on the 100-byte floor: its receipt's l1Fee is the floor fee,
        /// and so is what the GasPriceOracle charges for it (`getL1Fee` of the unsigned
        /// transaction, to which the oracle adds 68 bytes for the signature).
        pub async fn small_transfer_pays_floor_fee(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Fjord).await;
            let sample = FeeSample::small(net).await?;
            calldata_priced_before(net, &sample.tx.unsigned).await?;
            let params = L1FeeParams::at(net, sample.block).await?;
            let (receipt_fee, floor) = (sample.l1_fee()?, params.fjord_floor_fee());
            ensure!(receipt_fee == floor, "receipt l1Fee {receipt_fee} of a {}-byte transfer is not the floor fee {floor} ({params:?})", sample.tx.raw.len());
            let oracle = call_abi(net, GAS_PRICE_ORACLE, getL1FeeCall { data: sample.tx.unsigned.clone() }, sample.block).await?;
            ensure!(oracle == receipt_fee, "getL1Fee of the unsigned transfer is {oracle}, its receipt says {receipt_fee}");
            Ok(())
        }

        /// A transaction with 1 KiB of incompressible calldata pays
        /// `max(100e6, -42_585_600 + 836_500 * fastlzSize) * weighted L1 price / 1e12`,
        /// computed here from its signed bytes and the L1Block values of its block.
        pub async fn large_calldata_fee_follows_fastlz(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Fjord).await;
            let sample = FeeSample::large(net).await?;
            calldata_priced_before(net, &sample.tx.raw).await?;
            let params = L1FeeParams::at(net, sample.block).await?;
            let size = fastlz::compressed_len(&sample.tx.raw);
            let want = params.fjord_fee(size);
            ensure!(want > params.fjord_floor_fee(), "test data error: {size} FastLZ bytes sit on the fee floor");
            let got = sample.l1_fee()?;
            ensure!(got == want, "receipt l1Fee {got} of a transaction of {} bytes ({size} after FastLZ) is not {want} ({params:?})", sample.tx.raw.len());
            Ok(())
        }

        /// The GasPriceOracle's on-chain FastLZ agrees with this one: `getL1Fee(data)` is the
        /// Fjord fee of the data's FastLZ size plus 68 signature bytes, for incompressible,
        /// repetitive and short data.
        pub async fn oracle_fee_follows_fastlz(net: &TestNet) -> anyhow::Result<()> {
            let activation = net.require(Fork::Fjord).await;
            // L1Block holds L1 prices once a block's deposit has set them.
            let block = activation + 1;
            net.wait_for_block(block).await?;
            let params = L1FeeParams::at(net, block).await?;
            let noise = incompressible("fjord oracle", 2048);
            let repetitive: Bytes = noise.iter().take(200).cycle().take(4096).copied().collect();
            let short = noise.slice(..40);
            for data in [noise, repetitive, short] {
                calldata_priced_before(net, &data).await?;
                let got = call_abi(net, GAS_PRICE_ORACLE, getL1FeeCall { data: data.clone() }, block).await?;
                let want = params.fjord_oracle_fee(&data);
                ensure!(got == want, "getL1Fee of {} bytes ({} after FastLZ) is {got}, expected {want} ({params:?})", data.len(), fastlz::compressed_len(&data));
            }
            Ok(())
        }
    }
}

mod fee_upper_bound {
    op_suites::feature_tests!("fjord.fee_upper_bound", checks: bound_covers_receipt_fees, bound_follows_formula);

    mod checks {
        use alloy::primitives::U256;
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            boundary::GAS_PRICE_ORACLE,
            contracts::{GasPriceOracle::getL1FeeUpperBoundCall, call_abi, lacks_function},
            fees::L1FeeParams,
            probe,
        };

        use crate::fjord::FeeSample;

        fn upper_bound(size: u64) -> getL1FeeUpperBoundCall {
            getL1FeeUpperBoundCall { unsignedTxSize: U256::from(size) }
        }

        /// Before Fjord the GasPriceOracle has no upper bound to give.
        async fn absent_before(net: &TestNet) -> anyhow::Result<()> {
            if let Some(before) = probe::last_before(net, Fork::Fjord) {
                ensure!(lacks_function(net, GAS_PRICE_ORACLE, upper_bound(100), before).await?, "getL1FeeUpperBound answers at block {before}, before Fjord");
            }
            Ok(())
        }

        /// The bound for a transaction's unsigned size is at least the L1 fee its receipt
        /// reports, for a small transfer on the fee floor and for typical calldata above it.
        /// The spec's bound is a practical one, meant to cover 99.99% of transactions:
        /// incompressible calldata (FastLZ adds a byte per 32 literal bytes) can exceed it.
        pub async fn bound_covers_receipt_fees(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Fjord).await;
            absent_before(net).await?;
            let (small, typical) = (FeeSample::small(net).await?, FeeSample::typical(net).await?);
            let floor = L1FeeParams::at(net, typical.block).await?.fjord_floor_fee();
            ensure!(typical.l1_fee()? > floor, "test data error: the typical calldata sits on the fee floor");
            for sample in [small, typical] {
                let size = sample.tx.unsigned_size();
                let bound = call_abi(net, GAS_PRICE_ORACLE, upper_bound(size), sample.block).await?;
                let fee = sample.l1_fee()?;
                ensure!(bound >= fee, "getL1FeeUpperBound({size}) is {bound}, below the receipt l1Fee {fee} of {}", sample.receipt.inner.transaction_hash);
            }
            Ok(())
        }

        /// `getL1FeeUpperBound(n)` is the Fjord fee of `(n + 68) + (n + 68) / 255 + 16` FastLZ
        /// bytes, on and above the floor.
        pub async fn bound_follows_formula(net: &TestNet) -> anyhow::Result<()> {
            let activation = net.require(Fork::Fjord).await;
            absent_before(net).await?;
            let block = activation + 1;
            net.wait_for_block(block).await?;
            let params = L1FeeParams::at(net, block).await?;
            for size in [0, 50, 1_000, 120_000] {
                let got = call_abi(net, GAS_PRICE_ORACLE, upper_bound(size), block).await?;
                let want = params.fjord_upper_bound(size);
                ensure!(got == want, "getL1FeeUpperBound({size}) is {got}, expected {want} ({params:?})");
            }
            Ok(())
        }
    }
}

// The README's example feature. The path keeps it found when `combined` includes this file.
#[path = "fjord/example_nut.rs"]
mod example_nut;
