//! Checks that need two features at once, on the shared network: what one upgrade's features
//! must do together that neither suite alone can show.

mod isthmus {
    mod eip7702 {
        use alloy::{
            network::TransactionBuilder,
            primitives::{Bytes, U256},
            providers::Provider,
            rpc::types::TransactionRequest,
        };
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet, bytecode,
            eip7702::delegate,
            fees,
            wallet::{block_number, succeeded},
        };

        /// An account with delegated code still sends its own transactions and pays for them
        /// like any other: L2 gas, the L1 data fee and the operator fee, to the wei.
        async fn delegated_account_pays_every_fee(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Isthmus).await;
            let (authority, sponsor) = (net.wallet().await?, net.wallet().await?);
            delegate(net, &authority, &sponsor, bytecode::STORE_WORD).await?;
            let value = U256::from(1_000);
            let request = TransactionRequest::default().with_to(sponsor.address()).with_value(value).with_input(Bytes::from(vec![0xab; 200]));
            let receipt = authority.send(request).await?;
            ensure!(succeeded(&receipt), "the delegated account's own transaction failed");
            let block = block_number(&receipt)?;
            let balance = |n: u64| net.l2.get_balance(authority.address()).block_id(n.into());
            let spent = balance(block - 1).await? - balance(block).await?;
            let fees = &receipt.l1_block_info;
            let l1_fee = fees.l1_fee.context("no l1Fee on a user transaction")?;
            let (scalar, constant) = (fees.operator_fee_scalar.context("no operatorFeeScalar")?, fees.operator_fee_constant.context("no operatorFeeConstant")?);
            ensure!(l1_fee > 0 && (scalar > 0 || constant > 0), "the spec charges L1 and operator fees, but the receipt shows l1Fee {l1_fee}, operator fee {scalar}/{constant}");
            let gas = u128::from(receipt.inner.gas_used);
            let operator_fee = fees::operator_fee(net, block, receipt.inner.gas_used, u32::try_from(scalar)?, u64::try_from(constant)?);
            let expected = U256::from(gas * receipt.inner.effective_gas_price + l1_fee) + operator_fee + value;
            ensure!(spent == expected, "the delegated account spent {spent}; gas, L1 fee {l1_fee}, operator fee {operator_fee} and value make {expected}");
            Ok(())
        }

        #[tokio::test]
        async fn delegated_account_pays_l1_and_operator_fees() {
            let net = TestNet::for_feature("isthmus.eip7702").await;
            op_suites::pass(delegated_account_pays_every_fee(&net).await);
        }
    }
}

mod fjord {
    mod p256verify {
        use alloy::{primitives::{B256, Bytes}, providers::Provider, rpc::types::TransactionRequest};
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{TestNet, bytecode, eip7702::delegate, p256, wallet::op_request};

        /// Code an account delegates to (EIP-7702, Isthmus) reaches P256VERIFY (Fjord): a valid
        /// signature checks out through the delegated account, a tampered one does not.
        async fn verify_through_delegation(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Isthmus).await;
            let (authority, sponsor) = (net.wallet().await?, net.wallet().await?);
            delegate(net, &authority, &sponsor, &bytecode::forwarding_staticcall(p256::P256VERIFY)).await?;
            let call = |input: Vec<u8>| net.l2.call(op_request(TransactionRequest::default().to(authority.address()).input(Bytes::from(input).into())));
            let valid = call(p256::valid()).await?;
            ensure!(valid.as_ref() == B256::with_last_byte(1).as_slice(), "P256VERIFY through delegated code answered {valid} for a valid signature");
            let mut tampered = p256::valid();
            tampered[40] ^= 1;
            let invalid = call(tampered).await?;
            ensure!(invalid.is_empty(), "P256VERIFY through delegated code answered {invalid} for a tampered signature");
            Ok(())
        }

        #[tokio::test]
        async fn callable_from_delegated_code() {
            let net = TestNet::for_feature("fjord.p256verify").await;
            op_suites::pass(verify_through_delegation(&net).await);
        }
    }
}
