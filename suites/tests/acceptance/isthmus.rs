//! Isthmus: the upgrade, EIP-7702, BLS precompiles, EIP-2935, EIP-7623, headers, operator fee.

use alloy::primitives::{Address, address};

mod activation {
    op_suites::boundary_suite!(harness::forks::Fork::Isthmus);
}

/// An account without code that transactions in the checks are sent to.
const SINK: Address = address!("000000000000000000000000000000000000dEaD");

mod eip7702 {
    op_suites::feature_tests!("isthmus.eip7702", checks: delegation_installs_code, delegation_runs_code, delegation_to_zero_clears_code);

    mod checks {
        use alloy::{
            consensus::{Transaction as _, Typed2718},
            eips::{BlockId, eip7702::SignedAuthorization},
            network::{TransactionBuilder, TransactionBuilder7702},
            primitives::{Address, B256, Bytes, U256, keccak256},
            providers::Provider,
            rpc::types::TransactionRequest,
        };
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet, bytecode,
            eip7702::{authorize, designator},
            probe,
            wallet::{Wallet, block_number, op_request, salted_signer, succeeded},
        };

        /// Deploys the delegate: code that stores its calldata word at slot 0 of the account
        /// it runs for and returns the word that was there.
        async fn deploy_delegate(sponsor: &Wallet) -> anyhow::Result<Address> {
            let receipt = sponsor.send(TransactionRequest::default().with_deploy_code(bytecode::creation(bytecode::STORE_WORD))).await?;
            receipt.inner.contract_address.context("deploying the delegate created no contract")
        }

        /// `sponsor` sends a set-code transaction installing `auth` for `authority` and
        /// calling it with `input`; returns the block it was mined in and its hash.
        async fn set_code(sponsor: &Wallet, authority: Address, auth: SignedAuthorization, input: Bytes) -> anyhow::Result<(u64, B256)> {
            let request = TransactionRequest::default().with_to(authority).with_input(input).with_authorization_list(vec![auth]);
            let receipt = sponsor.send(request).await?;
            let hash = receipt.inner.transaction_hash;
            ensure!(receipt.inner.inner.receipt.ty() == 4, "set-code transaction {hash} has a receipt of type {}", receipt.inner.inner.receipt.ty());
            ensure!(succeeded(&receipt), "set-code transaction {hash} failed");
            Ok((block_number(&receipt)?, hash))
        }

        /// A fresh authority with its current nonce, and a sponsor that has deployed the delegate.
        async fn accounts(net: &TestNet) -> anyhow::Result<(Wallet, u64, Wallet, Address)> {
            let (authority, sponsor) = (net.wallet().await?, net.wallet().await?);
            let nonce = net.l2.get_transaction_count(authority.address()).await?;
            let delegate = deploy_delegate(&sponsor).await?;
            Ok((authority, nonce, sponsor, delegate))
        }

        async fn code(net: &TestNet, account: Address, block: u64) -> anyhow::Result<Bytes> {
            Ok(net.l2.get_code_at(account).block_id(BlockId::number(block)).await?)
        }

        /// Before Isthmus there are no set-code transactions: the node refuses to run one at
        /// the last block before the fork.
        async fn refused_before(net: &TestNet) -> anyhow::Result<()> {
            let Some(before) = probe::last_before(net, Fork::Isthmus) else { return Ok(()) };
            let authority = salted_signer("isthmus.eip7702 before the fork", 0);
            let auth = authorize(net, &authority, Address::repeat_byte(0x77), 0).await?;
            let request = TransactionRequest::default().with_to(authority.address()).with_authorization_list(vec![auth]);
            let result = net.l2.call(op_request(request)).block(BlockId::number(before)).await;
            probe::ensure_refused_with(result, "transaction type not supported", &format!("a set-code transaction at block {before}, before Isthmus"))
        }

        /// A set-code transaction is served with its authorization, leaves the designator of
        /// the delegate as the authority's code and consumes the authority's nonce.
        pub async fn delegation_installs_code(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Isthmus).await;
            refused_before(net).await?;
            let (authority, nonce, sponsor, delegate) = accounts(net).await?;
            let auth = authorize(net, &authority.signer, delegate, nonce).await?;
            let (block, hash) = set_code(&sponsor, authority.address(), auth.clone(), Bytes::new()).await?;
            let served = net.l2.get_transaction_by_hash(hash).await?.with_context(|| format!("set-code transaction {hash} not found"))?;
            let list = served.inner.inner.authorization_list().map(<[SignedAuthorization]>::to_vec);
            ensure!(list == Some(vec![auth]), "set-code transaction {hash} is served with authorization list {list:?}");
            let (got, want) = (code(net, authority.address(), block).await?, designator(delegate));
            ensure!(got == want, "the authority's code after delegating is {got}, expected {want}");
            let after = net.l2.get_transaction_count(authority.address()).block_id(BlockId::number(block)).await?;
            ensure!(after == nonce + 1, "the authority's nonce is {after} after its authorization for nonce {nonce}, expected {}", nonce + 1);
            Ok(())
        }

        /// Calling the delegating account runs the delegate's code on the account's own
        /// storage: in the set-code transaction itself and in later calls.
        pub async fn delegation_runs_code(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Isthmus).await;
            refused_before(net).await?;
            let (authority, nonce, sponsor, delegate) = accounts(net).await?;
            let (first, second) = (keccak256("first word"), keccak256("second word"));
            let auth = authorize(net, &authority.signer, delegate, nonce).await?;
            let (block, _) = set_code(&sponsor, authority.address(), auth, first.into()).await?;
            let slot = |account: Address| async move { net.l2.get_storage_at(account, U256::ZERO).block_id(BlockId::number(block)).await };
            let (own, delegates) = (B256::from(slot(authority.address()).await?), slot(delegate).await?);
            ensure!(own == first, "slot 0 of the authority is {own} after its delegated call stored {first}");
            ensure!(delegates.is_zero(), "the delegate's own slot 0 changed to {delegates}: the code ran in the wrong context");
            let previous = probe::call(net, authority.address(), second.into(), block).await?;
            ensure!(previous == Bytes::from(first), "a later call to the authority returned {previous}, expected the stored word {first}");
            Ok(())
        }

        /// Delegating to the zero address clears the designator again.
        pub async fn delegation_to_zero_clears_code(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Isthmus).await;
            refused_before(net).await?;
            let (authority, nonce, sponsor, delegate) = accounts(net).await?;
            let install = authorize(net, &authority.signer, delegate, nonce).await?;
            let (installed, _) = set_code(&sponsor, authority.address(), install, Bytes::new()).await?;
            ensure!(code(net, authority.address(), installed).await? == designator(delegate), "the delegation was not installed in block {installed}");
            let clear = authorize(net, &authority.signer, Address::ZERO, nonce + 1).await?;
            let (cleared, _) = set_code(&sponsor, authority.address(), clear, Bytes::new()).await?;
            let left = code(net, authority.address(), cleared).await?;
            ensure!(left.is_empty(), "the authority still has code {left} after delegating to the zero address");
            Ok(())
        }
    }
}

mod bls_precompiles {
    op_suites::feature_tests!("isthmus.bls_precompiles", checks: g1_add_and_msm, g2_add_and_msm, pairing_check, map_to_curve, invalid_points_are_refused);

    mod checks {
        use alloy::primitives::{Address, Bytes, U256, aliases::U384, hex};
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{TestNet, probe};

        const G1ADD: Address = Address::with_last_byte(0x0b);
        const G1MSM: Address = Address::with_last_byte(0x0c);
        const G2ADD: Address = Address::with_last_byte(0x0d);
        const G2MSM: Address = Address::with_last_byte(0x0e);
        const PAIRING_CHECK: Address = Address::with_last_byte(0x0f);
        const MAP_FP_TO_G1: Address = Address::with_last_byte(0x10);
        const MAP_FP2_TO_G2: Address = Address::with_last_byte(0x11);

        /// The base field modulus p.
        const P: [u8; 48] = hex!("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab");
        /// The standard generators of G1 and G2 (G2 coordinates as c0, c1).
        const G1_X: [u8; 48] = hex!("17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb");
        const G1_Y: [u8; 48] = hex!("08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1");
        const G2_X: [[u8; 48]; 2] = [
            hex!("024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"),
            hex!("13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"),
        ];
        const G2_Y: [[u8; 48]; 2] = [
            hex!("0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801"),
            hex!("0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be"),
        ];
        const G1_INFINITY: [u8; 128] = [0; 128];
        const G2_INFINITY: [u8; 256] = [0; 256];

        /// A field element as EIP-2537 encodes it: 64 bytes, big-endian, the top 16 zero.
        fn fp(element: &[u8; 48]) -> Vec<u8> {
            [&[0; 16][..], element].concat()
        }

        fn g1() -> Vec<u8> {
            [fp(&G1_X), fp(&G1_Y)].concat()
        }

        /// −G1 = (x, p − y).
        fn neg_g1() -> Vec<u8> {
            let y = U384::from_be_bytes(P) - U384::from_be_bytes(G1_Y);
            [fp(&G1_X), fp(&y.to_be_bytes())].concat()
        }

        fn g2() -> Vec<u8> {
            [fp(&G2_X[0]), fp(&G2_X[1]), fp(&G2_Y[0]), fp(&G2_Y[1])].concat()
        }

        /// A 32-byte scalar or boolean word.
        fn word(value: u64) -> [u8; 32] {
            U256::from(value).to_be_bytes()
        }

        async fn run(net: &TestNet, precompile: Address, input: &[&[u8]], block: u64) -> anyhow::Result<Bytes> {
            let input = Bytes::from(input.concat());
            probe::call(net, precompile, input.clone(), block).await.with_context(|| format!("calling {precompile} with {input} at block {block}"))
        }

        /// Before Isthmus the addresses hold nothing: the same input returns empty output.
        async fn absent_before(net: &TestNet, precompile: Address, input: &[&[u8]]) -> anyhow::Result<()> {
            if let Some(before) = probe::last_before(net, Fork::Isthmus) {
                let output = run(net, precompile, input, before).await?;
                ensure!(output.is_empty(), "{precompile} returned {output} at block {before}, before Isthmus");
            }
            Ok(())
        }

        /// `precompile(input)` returns `want` at the activation block and nothing before it.
        async fn expect(net: &TestNet, precompile: Address, input: &[&[u8]], want: &[u8], what: &str) -> anyhow::Result<()> {
            let block = net.require(Fork::Isthmus).await;
            absent_before(net, precompile, input).await?;
            let got = run(net, precompile, input, block).await?;
            ensure!(got.as_ref() == want, "{what}: {precompile} returned {got}, expected {}", hex::encode_prefixed(want));
            Ok(())
        }

        /// G1ADD of the generator and the point at infinity is the generator; G1MSM with scalar
        /// 1 is the point itself, with scalar 2 (or two terms of 1) the point doubled by G1ADD.
        pub async fn g1_add_and_msm(net: &TestNet) -> anyhow::Result<()> {
            let g = g1();
            expect(net, G1ADD, &[&g, &G1_INFINITY], &g, "G1 + O").await?;
            expect(net, G1MSM, &[&g, &word(1)], &g, "1·G1").await?;
            let double = run(net, G1ADD, &[&g, &g], net.require(Fork::Isthmus).await).await?;
            ensure!(double.len() == 128 && double.as_ref() != g.as_slice(), "G1 + G1 is {double}");
            expect(net, G1MSM, &[&g, &word(2)], &double, "2·G1").await?;
            expect(net, G1MSM, &[&g, &word(1), &g, &word(1)], &double, "1·G1 + 1·G1").await
        }

        /// The same on G2.
        pub async fn g2_add_and_msm(net: &TestNet) -> anyhow::Result<()> {
            let g = g2();
            expect(net, G2ADD, &[&g, &G2_INFINITY], &g, "G2 + O").await?;
            expect(net, G2MSM, &[&g, &word(1)], &g, "1·G2").await?;
            let double = run(net, G2ADD, &[&g, &g], net.require(Fork::Isthmus).await).await?;
            ensure!(double.len() == 256 && double.as_ref() != g.as_slice(), "G2 + G2 is {double}");
            expect(net, G2MSM, &[&g, &word(2)], &double, "2·G2").await?;
            expect(net, G2MSM, &[&g, &word(1), &g, &word(1)], &double, "1·G2 + 1·G2").await
        }

        /// e(G1, G2) · e(−G1, G2) = 1, while e(G1, G2) alone is not.
        pub async fn pairing_check(net: &TestNet) -> anyhow::Result<()> {
            let (g1, neg_g1, g2) = (g1(), neg_g1(), g2());
            expect(net, PAIRING_CHECK, &[&g1, &g2, &neg_g1, &g2], &word(1), "e(G1, G2)·e(−G1, G2) = 1").await?;
            expect(net, PAIRING_CHECK, &[&g1, &g2], &word(0), "e(G1, G2) = 1").await
        }

        /// The mappings give the points of EIP-2537's own vectors (`bls_g1map_` of
        /// map_fp_to_G1_bls.json and `bls_g2map_616263` of map_fp2_to_G2_bls.json).
        pub async fn map_to_curve(net: &TestNet) -> anyhow::Result<()> {
            let fp_input = fp(&hex!("156c8a6a2c184569d69a76be144b5cdc5141d2d2ca4fe341f011e25e3969c55ad9e9b9ce2eb833c81a908e5fa4ac5f03"));
            let g1_point = [
                fp(&hex!("184bb665c37ff561a89ec2122dd343f20e0f4cbcaec84e3c3052ea81d1834e192c426074b02ed3dca4e7676ce4ce48ba")),
                fp(&hex!("04407b8d35af4dacc809927071fc0405218f1401a6d15af775810e4e460064bcc9468beeba82fdc751be70476c888bf3")),
            ]
            .concat();
            expect(net, MAP_FP_TO_G1, &[&fp_input], &g1_point, "MAP_FP_TO_G1").await?;
            let fp2_input = [
                fp(&hex!("138879a9559e24cecee8697b8b4ad32cced053138ab913b99872772dc753a2967ed50aabc907937aefb2439ba06cc50c")),
                fp(&hex!("0a1ae7999ea9bab1dcc9ef8887a6cb6e8f1e22566015428d220b7eec90ffa70ad1f624018a9ad11e78d588bd3617f9f2")),
            ]
            .concat();
            let g2_point = [
                fp(&hex!("108ed59fd9fae381abfd1d6bce2fd2fa220990f0f837fa30e0f27914ed6e1454db0d1ee957b219f61da6ff8be0d6441f")),
                fp(&hex!("0296238ea82c6d4adb3c838ee3cb2346049c90b96d602d7bb1b469b905c9228be25c627bffee872def773d5b2a2eb57d")),
                fp(&hex!("033f90f6057aadacae7963b0a0b379dd46750c1c94a6357c99b65f63b79e321ff50fe3053330911c56b6ceea08fee656")),
                fp(&hex!("153606c417e59fb331b7ae6bce4fbf7c5190c33ce9402b5ebe2b70e44fca614f3f1382a3625ed5493843d0b0a652fc3f")),
            ]
            .concat();
            expect(net, MAP_FP2_TO_G2, &[&fp2_input], &g2_point, "MAP_FP2_TO_G2").await
        }

        /// Malformed points fail the call instead of returning a result: one off the curve, a
        /// coordinate not below p, and a coordinate with non-zero padding.
        pub async fn invalid_points_are_refused(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Isthmus).await;
            let y_plus_one = (U384::from_be_bytes(G1_Y) + U384::from(1)).to_be_bytes();
            let mut padded = g1();
            padded[0] = 1;
            let cases = [
                ("a point off the curve", [fp(&G1_X), fp(&y_plus_one)].concat()),
                ("a coordinate equal to p", [fp(&P), fp(&G1_Y)].concat()),
                ("non-zero padding", padded),
            ];
            for (case, point) in cases {
                absent_before(net, G1ADD, &[&point, &G1_INFINITY]).await?;
                let result = probe::call(net, G1ADD, [point, G1_INFINITY.to_vec()].concat().into(), block).await;
                probe::refusal(result, &format!("G1ADD of {case} at block {block}"))?;
            }
            Ok(())
        }
    }
}

mod eip2935 {
    op_suites::feature_tests!("isthmus.eip2935", checks: history_slots_hold_parent_hashes, history_contract_returns_parent_hashes);

    mod checks {
        use std::ops::RangeInclusive;

        use alloy::{eips::BlockId, primitives::{B256, Bytes, U256}, providers::Provider};
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{TestNet, contracts::HISTORY_STORAGE, probe};

        /// Blocks of history the contract keeps; block `n` sits in slot `n % 8191`.
        const WINDOW: u64 = 8191;

        /// Before Isthmus the history contract does not exist.
        async fn absent_before(net: &TestNet) -> anyhow::Result<()> {
            if let Some(before) = probe::last_before(net, Fork::Isthmus) {
                let code = net.l2.get_code_at(HISTORY_STORAGE).block_id(BlockId::number(before)).await?;
                ensure!(code.is_empty(), "{HISTORY_STORAGE} has code at block {before}, before Isthmus");
            }
            Ok(())
        }

        /// The blocks checked: the three after activation. The activation block itself records
        /// nothing when the fork activates live: the contract only arrives during that block.
        async fn checked_blocks(net: &TestNet) -> anyhow::Result<RangeInclusive<u64>> {
            let activation = net.require(Fork::Isthmus).await;
            absent_before(net).await?;
            net.wait_for_block(activation + 3).await?;
            Ok(activation + 1..=activation + 3)
        }

        /// At block `n`, slot `(n - 1) % 8191` holds the hash of block `n - 1`.
        pub async fn history_slots_hold_parent_hashes(net: &TestNet) -> anyhow::Result<()> {
            for n in checked_blocks(net).await? {
                let parent = probe::header(net, n - 1).await?.hash;
                let slot = (n - 1) % WINDOW;
                let stored = B256::from(net.l2.get_storage_at(HISTORY_STORAGE, U256::from(slot)).block_id(BlockId::number(n)).await?);
                ensure!(stored == parent, "slot {slot} of {HISTORY_STORAGE} at block {n} is {stored}, expected the hash of block {} ({parent})", n - 1);
            }
            Ok(())
        }

        /// Calling the contract with a 32-byte block number returns that block's hash; asking
        /// for the current block reverts, its hash is not known yet.
        pub async fn history_contract_returns_parent_hashes(net: &TestNet) -> anyhow::Result<()> {
            for n in checked_blocks(net).await? {
                let parent = probe::header(net, n - 1).await?.hash;
                let number = |b: u64| Bytes::from(U256::from(b).to_be_bytes::<32>());
                let got = probe::call(net, HISTORY_STORAGE, number(n - 1), n).await?;
                ensure!(got == Bytes::from(parent), "the history contract at block {n} returned {got} for block {}, expected {parent}", n - 1);
                probe::refusal(probe::call(net, HISTORY_STORAGE, number(n), n).await, &format!("asking the history contract at block {n} for block {n} itself"))?;
            }
            Ok(())
        }
    }
}

mod eip7623 {
    op_suites::feature_tests!("isthmus.eip7623", checks: calldata_heavy_call_pays_floor, gas_limit_below_floor_is_refused);

    mod checks {
        use alloy::{
            eips::BlockId,
            network::TransactionBuilder,
            primitives::Bytes,
            providers::Provider,
            rpc::types::TransactionRequest,
        };
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{TestNet, fees::{calldata_gas, incompressible}, probe, wallet::{op_request, succeeded}};

        use crate::isthmus::SINK;

        const TX_GAS: u64 = 21_000;

        /// 1 KiB of calldata, one byte in four zero.
        fn calldata() -> Bytes {
            let mut data = incompressible("isthmus.eip7623", 1024).to_vec();
            data.iter_mut().step_by(4).for_each(|b| *b = 0);
            data.into()
        }

        /// Gas before EIP-7623: 21000 + 4 per zero byte + 16 per other byte.
        fn standard_gas(data: &[u8]) -> u64 {
            TX_GAS + calldata_gas(data)
        }

        /// EIP-7623's floor: 21000 + 10 per token, a zero byte being one token and any other four.
        fn floor_gas(data: &[u8]) -> u64 {
            let tokens: u64 = data.iter().map(|b| if *b == 0 { 1 } else { 4 }).sum();
            TX_GAS + 10 * tokens
        }

        fn to_sink(data: &Bytes) -> TransactionRequest {
            TransactionRequest::default().with_to(SINK).with_input(data.clone())
        }

        /// Before Isthmus the same call costs the standard amount and no more.
        async fn standard_before(net: &TestNet, data: &Bytes) -> anyhow::Result<()> {
            if let Some(before) = probe::last_before(net, Fork::Isthmus) {
                let estimate = net.l2.estimate_gas(op_request(to_sink(data))).block(BlockId::number(before)).await?;
                let want = standard_gas(data);
                ensure!(estimate == want, "eth_estimateGas at block {before}, before Isthmus, is {estimate}, expected the standard {want}");
            }
            Ok(())
        }

        /// A calldata-heavy call to an account without code uses exactly the floor, which
        /// exceeds the standard cost, and eth_estimateGas asks for at least that much.
        pub async fn calldata_heavy_call_pays_floor(net: &TestNet) -> anyhow::Result<()> {
            let activation = net.require(Fork::Isthmus).await;
            let data = calldata();
            standard_before(net, &data).await?;
            let (standard, floor) = (standard_gas(&data), floor_gas(&data));
            ensure!(floor > standard, "test data error: floor {floor} is not above the standard {standard}");
            let estimate = net.l2.estimate_gas(op_request(to_sink(&data))).block(BlockId::number(activation)).await?;
            ensure!(estimate >= floor, "eth_estimateGas is {estimate}, below the floor {floor}");
            let receipt = net.wallet().await?.send(to_sink(&data)).await?;
            ensure!(succeeded(&receipt), "transaction {} failed", receipt.inner.transaction_hash);
            let used = receipt.inner.gas_used;
            ensure!(used == floor, "a call with {} bytes of calldata used {used} gas, expected the floor {floor} (standard {standard})", data.len());
            Ok(())
        }

        /// A transaction whose gas limit covers the standard cost but not the floor is refused;
        /// before Isthmus that limit was enough.
        pub async fn gas_limit_below_floor_is_refused(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Isthmus).await;
            let data = calldata();
            let limit = floor_gas(&data) - 1;
            ensure!(limit >= standard_gas(&data), "test data error: {limit} does not cover the standard cost");
            if let Some(before) = probe::last_before(net, Fork::Isthmus) {
                let result = net.l2.call(op_request(to_sink(&data).with_gas_limit(limit))).block(BlockId::number(before)).await;
                ensure!(result.is_ok(), "a call with gas {limit} fails at block {before}, before Isthmus: {result:?}");
            }
            let wallet = net.wallet().await?;
            let result = wallet.client.send_transaction(op_request(to_sink(&data).with_gas_limit(limit))).await.map(|pending| *pending.tx_hash());
            probe::ensure_refused_with(result, "insufficient gas for floor data gas cost", &format!("a transaction with gas limit {limit}, one below its floor"))
        }
    }
}

mod headers {
    op_suites::feature_tests!("isthmus.headers", checks: requests_hash_is_empty, withdrawals_root_is_message_passer_root, withdrawal_changes_withdrawals_root);

    mod checks {
        use alloy::{
            consensus::constants::EMPTY_ROOT_HASH,
            eips::BlockId,
            network::TransactionBuilder,
            primitives::{B256, Bytes, U256, b256},
            providers::Provider,
            rpc::types::{Header, TransactionRequest},
            sol_types::SolCall,
        };
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            boundary::MESSAGE_PASSER,
            contracts::L2ToL1MessagePasser::initiateWithdrawalCall,
            probe,
            wallet::{block_number, succeeded},
        };

        /// sha256 of nothing: the requests hash of a block without EIP-7685 requests.
        const EMPTY_REQUESTS_HASH: B256 = b256!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

        /// A header the block hash commits to.
        async fn header(net: &TestNet, number: u64) -> anyhow::Result<Header> {
            let header = probe::header(net, number).await?;
            probe::ensure_sealed(&header)?;
            Ok(header)
        }

        /// Before Isthmus: no requestsHash, and Canyon's empty withdrawals root.
        async fn absent_before(net: &TestNet) -> anyhow::Result<()> {
            if let Some(before) = probe::last_before(net, Fork::Isthmus) {
                let header = header(net, before).await?;
                ensure!(header.requests_hash.is_none(), "block {before}, before Isthmus, has requestsHash {:?}", header.requests_hash);
                ensure!(header.withdrawals_root == Some(EMPTY_ROOT_HASH), "block {before}, before Isthmus, has withdrawalsRoot {:?}, expected the empty root", header.withdrawals_root);
            }
            Ok(())
        }

        /// The activation block and the two after it.
        async fn isthmus_blocks(net: &TestNet) -> anyhow::Result<std::ops::RangeInclusive<u64>> {
            let activation = net.require(Fork::Isthmus).await;
            absent_before(net).await?;
            net.wait_for_block(activation + 2).await?;
            Ok(activation..=activation + 2)
        }

        /// withdrawalsRoot of block `number` equals the message passer's storage root there.
        async fn ensure_message_passer_root(net: &TestNet, number: u64) -> anyhow::Result<B256> {
            let root = header(net, number).await?.withdrawals_root.with_context(|| format!("block {number} has no withdrawalsRoot"))?;
            let proof = net.l2.get_proof(MESSAGE_PASSER, Vec::new()).block_id(BlockId::number(number)).await?;
            ensure!(root == proof.storage_hash, "withdrawalsRoot of block {number} is {root}, the message passer's storage root is {}", proof.storage_hash);
            Ok(root)
        }

        /// Every Isthmus block carries the empty requests hash.
        pub async fn requests_hash_is_empty(net: &TestNet) -> anyhow::Result<()> {
            for n in isthmus_blocks(net).await? {
                let got = header(net, n).await?.requests_hash;
                ensure!(got == Some(EMPTY_REQUESTS_HASH), "block {n} has requestsHash {got:?}, expected {EMPTY_REQUESTS_HASH}");
            }
            Ok(())
        }

        /// Every Isthmus block's withdrawalsRoot is the L2ToL1MessagePasser's storage root.
        pub async fn withdrawals_root_is_message_passer_root(net: &TestNet) -> anyhow::Result<()> {
            for n in isthmus_blocks(net).await? {
                ensure_message_passer_root(net, n).await?;
            }
            Ok(())
        }

        /// A withdrawal changes the message passer's storage, and withdrawalsRoot follows it.
        pub async fn withdrawal_changes_withdrawals_root(net: &TestNet) -> anyhow::Result<()> {
            isthmus_blocks(net).await?;
            let wallet = net.wallet().await?;
            let withdrawal = initiateWithdrawalCall { target: wallet.address(), gasLimit: U256::from(100_000), data: Bytes::new() };
            let request = TransactionRequest::default().with_to(MESSAGE_PASSER).with_input(withdrawal.abi_encode()).with_value(U256::from(1_000_000_000u64));
            let receipt = wallet.send(request).await?;
            ensure!(succeeded(&receipt), "initiateWithdrawal {} failed", receipt.inner.transaction_hash);
            let block = block_number(&receipt)?;
            let (parent, root) = (ensure_message_passer_root(net, block - 1).await?, ensure_message_passer_root(net, block).await?);
            ensure!(root != parent, "withdrawalsRoot stayed {root} across the withdrawal in block {block}");
            Ok(())
        }
    }
}

mod operator_fee {
    op_suites::feature_tests!("isthmus.operator_fee", checks: receipts_carry_operator_fee_params, vault_receives_operator_fee, sender_pays_operator_fee, oracle_matches_operator_fee);

    mod checks {
        use alloy::{eips::BlockId, primitives::{Address, U256}, providers::Provider};
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_alloy::rpc_types::OpTransactionReceipt;
        use op_suites::{
            TestNet,
            boundary::GAS_PRICE_ORACLE,
            contracts::{GasPriceOracle::getOperatorFeeCall, OPERATOR_FEE_VAULT, call_abi, lacks_function},
            fees,
            l1::L1SystemConfig,
            probe,
            wallet::{Wallet, block_number, succeeded},
        };

        use crate::isthmus::SINK;

        /// Value of the transfer the checks send.
        const VALUE: U256 = U256::from_limbs([1_000, 0, 0, 0]);

        /// The operator fee at `block` by the formula of the fork in effect there.
        fn operator_fee(net: &TestNet, block: u64, gas_used: u64, config: &L1SystemConfig) -> U256 {
            fees::operator_fee(net, block, gas_used, config.operator_fee_scalar, config.operator_fee_constant)
        }

        /// Before Isthmus the GasPriceOracle knows no operator fee. (Receipts from before the
        /// fork cannot be checked reliably: in fast mode the fork block comes before a test's
        /// first transaction.)
        async fn absent_before(net: &TestNet) -> anyhow::Result<()> {
            if let Some(before) = probe::last_before(net, Fork::Isthmus) {
                let missing = lacks_function(net, GAS_PRICE_ORACLE, getOperatorFeeCall { gasUsed: U256::from(21_000) }, before).await?;
                ensure!(missing, "GasPriceOracle.getOperatorFee answers at block {before}, before Isthmus");
            }
            Ok(())
        }

        /// A transfer from a fresh account after the fork, and the parameters it should pay by.
        struct Transfer {
            config: L1SystemConfig,
            sender: Wallet,
            receipt: OpTransactionReceipt,
            block: u64,
        }

        /// Sends the transfer, once the fork is active and its absence before is checked.
        async fn transfer(net: &TestNet) -> anyhow::Result<Transfer> {
            net.require(Fork::Isthmus).await;
            absent_before(net).await?;
            let sender = net.wallet().await?;
            let receipt = sender.transfer(SINK, VALUE).await?;
            ensure!(succeeded(&receipt), "transfer {} failed", receipt.inner.transaction_hash);
            let block = block_number(&receipt)?;
            let config = op_suites::l1::system_config(net, block).await?;
            Ok(Transfer { config, sender, block, receipt })
        }

        async fn balance(net: &TestNet, account: Address, block: u64) -> anyhow::Result<U256> {
            Ok(net.l2.get_balance(account).block_id(BlockId::number(block)).await?)
        }

        /// A user transaction's receipt reports the SystemConfig's operator fee parameters.
        pub async fn receipts_carry_operator_fee_params(net: &TestNet) -> anyhow::Result<()> {
            let Transfer { config, receipt, .. } = transfer(net).await?;
            let fees = &receipt.l1_block_info;
            let want = (Some(u128::from(config.operator_fee_scalar)), Some(u128::from(config.operator_fee_constant)));
            let got = (fees.operator_fee_scalar, fees.operator_fee_constant);
            ensure!(got == want, "receipt carries (operatorFeeScalar, operatorFeeConstant) {got:?}, expected {want:?}");
            Ok(())
        }

        /// The OperatorFeeVault gains exactly the operator fees of the block's user
        /// transactions (on a shared network there may be others beside the transfer).
        pub async fn vault_receives_operator_fee(net: &TestNet) -> anyhow::Result<()> {
            let Transfer { config, block, .. } = transfer(net).await?;
            let gained = balance(net, OPERATOR_FEE_VAULT, block).await? - balance(net, OPERATOR_FEE_VAULT, block - 1).await?;
            let (want, user_gas) = fees::block_operator_fees(net, block, config.operator_fee_scalar, config.operator_fee_constant).await?;
            ensure!(gained == want, "OperatorFeeVault gained {gained} in block {block}, expected {want} for user transactions using {user_gas:?} gas");
            Ok(())
        }

        /// The sender pays value, execution gas, the L1 fee and the operator fee, nothing else.
        pub async fn sender_pays_operator_fee(net: &TestNet) -> anyhow::Result<()> {
            let Transfer { config, sender, receipt, block } = transfer(net).await?;
            let paid = balance(net, sender.address(), block - 1).await? - balance(net, sender.address(), block).await?;
            let gas = U256::from(receipt.inner.gas_used) * U256::from(receipt.inner.effective_gas_price);
            let l1_fee = U256::from(receipt.l1_block_info.l1_fee.unwrap_or_default());
            let operator = operator_fee(net, block, receipt.inner.gas_used, &config);
            let want = VALUE + gas + l1_fee + operator;
            ensure!(paid == want, "the sender paid {paid}; value {VALUE} + gas {gas} + L1 fee {l1_fee} + operator fee {operator} is {want}");
            Ok(())
        }

        /// `GasPriceOracle.getOperatorFee(gas)` follows the same formula.
        pub async fn oracle_matches_operator_fee(net: &TestNet) -> anyhow::Result<()> {
            let Transfer { config, block, .. } = transfer(net).await?;
            for gas in [0, 21_000, 1_234_567] {
                let got = call_abi(net, GAS_PRICE_ORACLE, getOperatorFeeCall { gasUsed: U256::from(gas) }, block).await?;
                let want = operator_fee(net, block, gas, &config);
                ensure!(got == want, "getOperatorFee({gas}) at block {block} is {got}, expected {want}");
            }
            Ok(())
        }
    }
}

mod l1_attributes {
    op_suites::feature_tests!("isthmus.l1_attributes", checks: deposit_uses_isthmus_format, l1_block_returns_operator_fee_params);

    mod checks {
        use std::ops::RangeInclusive;

        use alloy::primitives::{Bytes, hex};
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            contracts::{L1_BLOCK, L1Block, call_abi, lacks_function},
            probe,
        };

        /// `setL1BlockValuesEcotone()` and `setL1BlockValuesIsthmus()`.
        const ECOTONE_SELECTOR: [u8; 4] = hex!("440a5e20");
        const ISTHMUS_SELECTOR: [u8; 4] = hex!("098999be");

        async fn deposit_input(net: &TestNet, number: u64) -> anyhow::Result<Bytes> {
            Ok(probe::l1_info_deposit(net, number).await?.0.input)
        }

        /// The blocks after the activation block (which keeps the previous format).
        async fn isthmus_format_blocks(net: &TestNet) -> anyhow::Result<RangeInclusive<u64>> {
            let activation = net.require(Fork::Isthmus).await;
            net.wait_for_block(activation + 2).await?;
            Ok(activation + 1..=activation + 2)
        }

        /// The Isthmus deposit is 176 bytes under selector 0x098999be and ends with the
        /// SystemConfig's operator fee scalar (4 bytes) and constant (8 bytes); before Isthmus
        /// it is Ecotone's 164 bytes.
        pub async fn deposit_uses_isthmus_format(net: &TestNet) -> anyhow::Result<()> {
            let blocks = isthmus_format_blocks(net).await?;
            if let Some(before) = probe::last_before(net, Fork::Isthmus) {
                let input = deposit_input(net, before).await?;
                ensure!(input.len() == 164 && input[..4] == ECOTONE_SELECTOR, "the L1-attributes deposit of block {before}, before Isthmus, is {input}, not in Ecotone's format");
            }
            let format = net.rule_in_effect(Fork::Isthmus, Fork::Jovian, "Isthmus L1-attributes format (176 bytes, 0x098999be); Jovian's extends it");
            for n in blocks {
                let config = op_suites::l1::system_config(net, n).await?;
                let input = deposit_input(net, n).await?;
                if format.as_ref().is_some_and(|f| f.contains(&n)) {
                    ensure!(input.len() == 176 && input[..4] == ISTHMUS_SELECTOR, "the L1-attributes deposit of block {n} is {input}, expected 176 bytes under {}", hex::encode_prefixed(ISTHMUS_SELECTOR));
                }
                ensure!(input.len() >= 176, "the L1-attributes deposit of block {n} is {input}, too short to carry the operator fee parameters");
                let scalar = u32::from_be_bytes(input[164..168].try_into()?);
                let constant = u64::from_be_bytes(input[168..176].try_into()?);
                let want = (config.operator_fee_scalar, config.operator_fee_constant);
                ensure!((scalar, constant) == want, "the deposit of block {n} carries operator fee (scalar, constant) {:?}, expected {want:?}", (scalar, constant));
            }
            Ok(())
        }

        /// L1Block serves the operator fee parameters the deposits set; before Isthmus it has
        /// no such getters.
        pub async fn l1_block_returns_operator_fee_params(net: &TestNet) -> anyhow::Result<()> {
            let blocks = isthmus_format_blocks(net).await?;
            if let Some(before) = probe::last_before(net, Fork::Isthmus) {
                let missing = lacks_function(net, L1_BLOCK, L1Block::operatorFeeScalarCall {}, before).await?
                    && lacks_function(net, L1_BLOCK, L1Block::operatorFeeConstantCall {}, before).await?;
                ensure!(missing, "L1Block serves operator fee getters at block {before}, before Isthmus");
            }
            for n in blocks {
                let config = op_suites::l1::system_config(net, n).await?;
                let scalar = call_abi(net, L1_BLOCK, L1Block::operatorFeeScalarCall {}, n).await?;
                let constant = call_abi(net, L1_BLOCK, L1Block::operatorFeeConstantCall {}, n).await?;
                let want = (config.operator_fee_scalar, config.operator_fee_constant);
                ensure!((scalar, constant) == want, "L1Block at block {n} returns operator fee (scalar, constant) {:?}, expected {want:?}", (scalar, constant));
            }
            Ok(())
        }
    }
}

mod system_config {
    // One check per SystemConfig parameter: on a shared network, two checks changing the same
    // parameter at once would see each other's values.
    op_suites::feature_tests!("isthmus.system_config", checks: new_operator_fee_reaches_l1_block_receipts_and_the_vault);

    mod checks {
        use alloy::{eips::BlockId, primitives::U256, providers::Provider};
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            config_change::{Change, change, current},
            contracts::{L1_BLOCK, L1Block, OPERATOR_FEE_VAULT, call_abi},
            fees,
            l1::SystemConfig,
            wallet::{block_number, succeeded},
        };

        use crate::isthmus::SINK;

        /// The owner sets an operator fee scalar and constant unlike the ones in force.
        async fn new_params(net: &TestNet) -> anyhow::Result<(Change, (u32, u64))> {
            net.require(Fork::Isthmus).await;
            let now = current(net).await?;
            let wanted = (now.operator_fee_scalar + 7, now.operator_fee_constant + 1_000_003);
            let c = change(net, SystemConfig::setOperatorFeeScalarsCall { operatorFeeScalar: wanted.0, operatorFeeConstant: wanted.1 }).await?;
            Ok((c, wanted))
        }

        /// `setOperatorFeeScalars` on L1: from the first L2 block derived from that L1 block,
        /// L1Block, receipts and the OperatorFeeVault follow the new parameters.
        pub async fn new_operator_fee_reaches_l1_block_receipts_and_the_vault(net: &TestNet) -> anyhow::Result<()> {
            let (c, wanted) = new_params(net).await?;
            operator_fee_params_reach_l1_block(net, &c, wanted).await?;
            receipts_and_vault_follow_the_new_params(net, &c, wanted).await
        }

        /// L1Block's operator fee parameters change exactly at the change's L2 block.
        async fn operator_fee_params_reach_l1_block(net: &TestNet, c: &Change, wanted: (u32, u64)) -> anyhow::Result<()> {
            let params = |n: u64| async move {
                Ok((call_abi(net, L1_BLOCK, L1Block::operatorFeeScalarCall {}, n).await?, call_abi(net, L1_BLOCK, L1Block::operatorFeeConstantCall {}, n).await?))
            };
            c.ensure_switch("L1Block's (operatorFeeScalar, operatorFeeConstant)", (c.before.operator_fee_scalar, c.before.operator_fee_constant), wanted, params).await
        }

        /// A transfer after the change carries the new parameters in its receipt, and the
        /// OperatorFeeVault gains exactly what they give for the block's user transactions.
        async fn receipts_and_vault_follow_the_new_params(net: &TestNet, c: &Change, (scalar, constant): (u32, u64)) -> anyhow::Result<()> {
            let receipt = net.wallet().await?.transfer(SINK, U256::from(1)).await?;
            ensure!(succeeded(&receipt), "transfer {} failed", receipt.inner.transaction_hash);
            let block = block_number(&receipt)?;
            ensure!(block >= c.l2_block, "the transfer landed in block {block}, before the change took effect in {}", c.l2_block);
            let info = &receipt.l1_block_info;
            let got = (info.operator_fee_scalar, info.operator_fee_constant);
            ensure!(got == (Some(scalar.into()), Some(constant.into())), "the receipt in block {block} carries operator fee {got:?}; the owner set ({scalar}, {constant})");
            let vault = |n: u64| net.l2.get_balance(OPERATOR_FEE_VAULT).block_id(BlockId::number(n));
            let gained = vault(block).await? - vault(block - 1).await?;
            let (want, gas) = fees::block_operator_fees(net, block, scalar, constant).await?;
            ensure!(gained == want, "the OperatorFeeVault gained {gained} in block {block}; the new parameters give {want} for user transactions using {gas:?} gas");
            Ok(())
        }
    }
}
