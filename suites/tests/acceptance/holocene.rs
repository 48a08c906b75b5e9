//! Holocene: the EIP-1559 parameters move from constants into each header's extraData, and
//! the next base fee follows the parent's.

use alloy::primitives::U256;
use harness::forks::Fork;
use op_suites::{
    TestNet,
    base_fee::{BaseFeeRules, Eip1559},
    wallet::block_number,
};

/// The EIP-1559 parameters the L1 SystemConfig held for L2 block `number`; zeros mean Canyon's
/// defaults.
async fn configured_params(net: &TestNet, number: u64) -> anyhow::Result<Eip1559> {
    let config = op_suites::l1::system_config(net, number).await?;
    Ok(match (config.eip1559_denominator, config.eip1559_elasticity) {
        (0, 0) => BaseFeeRules::fetch(net).await?.canyon,
        (denominator, elasticity) => Eip1559::new(denominator.into(), elasticity.into()),
    })
}

/// Mines a user transaction after Holocene, so that the checked blocks are not all empty, and
/// returns its block.
async fn mine_transfer(net: &TestNet) -> anyhow::Result<u64> {
    net.require(Fork::Holocene).await;
    let wallet = net.wallet().await?;
    block_number(&wallet.transfer(wallet.address(), U256::from(1)).await?)
}

mod extra_data {
    op_suites::feature_tests!("holocene.extra_data", checks: extra_data_holds_the_eip1559_params, every_block_seals_the_params);

    mod checks {
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            base_fee::{Eip1559, decode_holocene_extra_data, extra_data_params},
            probe,
        };

        use crate::holocene::{configured_params, mine_transfer};

        /// Before Holocene every block's extraData is empty, and sealed that way.
        async fn empty_before(net: &TestNet) -> anyhow::Result<()> {
            let Some(before) = probe::last_before(net, Fork::Holocene) else { return Ok(()) };
            for number in 1..=before {
                let header = probe::header(net, number).await?;
                ensure!(header.extra_data.is_empty(), "block {number}, before Holocene, has extraData {}", header.extra_data);
                probe::ensure_sealed(&header)?;
            }
            Ok(())
        }

        /// Denominator and elasticity, whatever the layout around them.
        fn holocene_part(params: Eip1559) -> Eip1559 {
            Eip1559::new(params.denominator, params.elasticity)
        }

        /// The activation block's extraData carries the SystemConfig's denominator and
        /// elasticity: 9 bytes, version 0, while Holocene's layout is in effect (Jovian's later
        /// layout, version 1, adds a minimum base fee after them).
        pub async fn extra_data_holds_the_eip1559_params(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Holocene).await;
            let header = probe::header(net, block).await?;
            let expected = configured_params(net, block).await?;
            if net.rule_in_effect(Fork::Holocene, Fork::Jovian, "Holocene extraData layout (version 0, 9 bytes)").is_some() {
                let params = decode_holocene_extra_data(&header.extra_data)?;
                ensure!(params == expected, "block {block}'s extraData {} carries {params:?}, the SystemConfig sets {expected:?}", header.extra_data);
            }
            let params = holocene_part(extra_data_params(net, &header)?);
            ensure!(params == expected, "block {block}'s extraData {} carries {params:?}, the SystemConfig sets {expected:?}", header.extra_data);
            empty_before(net).await
        }

        /// Every block from the activation block through one with a user transaction carries
        /// the same parameters, and its hash commits to them.
        pub async fn every_block_seals_the_params(net: &TestNet) -> anyhow::Result<()> {
            let block = net.require(Fork::Holocene).await;
            let mined = mine_transfer(net).await?;
            for number in block..=mined {
                let expected = configured_params(net, number).await?;
                let header = probe::header(net, number).await?;
                let params = holocene_part(extra_data_params(net, &header)?);
                ensure!(params == expected, "block {number} carries {params:?} in extraData, expected {expected:?}");
                probe::ensure_sealed(&header)?;
            }
            empty_before(net).await
        }
    }
}

mod base_fee {
    op_suites::feature_tests!("holocene.base_fee", checks: base_fee_follows_the_parent_params, full_block_raises_the_base_fee);

    mod checks {
        use anyhow::{Context, ensure};
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            base_fee::{BaseFeeRules, Eip1559, Step, check_base_fees, fill_block},
            probe,
        };

        use crate::holocene::{configured_params, mine_transfer};

        /// Blocks through the activation block took their base fee by Canyon's constants: their
        /// parents had no parameters in extraData. After it, by the parent's extraData, which
        /// holds the SystemConfig's.
        async fn ensure_rules_switch(net: &TestNet, steps: &[Step]) -> anyhow::Result<()> {
            let rules = BaseFeeRules::fetch(net).await?;
            let before = probe::last_before(net, Fork::Holocene);
            for step in steps {
                let expected = if before.is_some_and(|b| step.parent.number <= b) { rules.canyon } else { configured_params(net, step.parent.number).await? };
                let params = Eip1559::new(step.params.denominator, step.params.elasticity);
                ensure!(params == expected, "block {} took its base fee with {:?}, expected {expected:?}", step.number(), step.params);
            }
            Ok(())
        }

        /// From genesis to the block after one with a user transaction, each base fee is the
        /// EIP-1559 step from its parent with the parent's extraData parameters.
        pub async fn base_fee_follows_the_parent_params(net: &TestNet) -> anyhow::Result<()> {
            let mined = mine_transfer(net).await?;
            let steps = check_base_fees(net, 1..=mined + 1).await?;
            ensure!(steps.iter().any(|s| Some(s.base_fee) != s.parent.base_fee_per_gas), "the base fee never moved, so no step was tested");
            ensure_rules_switch(net, &steps).await
        }

        /// A block filled past its gas target (gas limit / the extraData elasticity) raises the
        /// next base fee by exactly the extraData denominator's step.
        pub async fn full_block_raises_the_base_fee(net: &TestNet) -> anyhow::Result<()> {
            net.require(Fork::Holocene).await;
            let full = fill_block(net).await?;
            let steps = check_base_fees(net, 1..=full + 1).await?;
            steps.last().context("no base fee checked")?.ensure_rose()?;
            ensure_rules_switch(net, &steps).await
        }
    }
}

mod system_config {
    // One check per SystemConfig parameter: on a shared network, two checks changing the same
    // parameter at once would see each other's values.
    op_suites::feature_tests!("holocene.system_config", checks: set_eip1559_params_reach_extra_data_and_the_base_fee);

    mod checks {
        use alloy::consensus::BlockHeader;
        use anyhow::ensure;
        use harness::forks::Fork;
        use op_suites::{
            TestNet,
            base_fee::{BaseFeeRules, CANYON_DENOMINATOR, Eip1559, check_base_fees, extra_data_params, fill_block},
            config_change::{Change, change, current},
            l1::SystemConfig,
            probe,
        };

        /// Denominator and elasticity of a header's extraData, whatever the layout around them.
        async fn header_params(net: &TestNet, number: u64) -> anyhow::Result<(u64, u64)> {
            let params = extra_data_params(net, &probe::header(net, number).await?)?;
            Ok((params.denominator, params.elasticity))
        }

        /// The owner sets EIP-1559 parameters unlike Canyon's and unlike the ones in force.
        async fn new_params(net: &TestNet) -> anyhow::Result<(Change, (u64, u64))> {
            net.require(Fork::Holocene).await;
            let now = current(net).await?;
            let (denominator, elasticity) = if now.eip1559_denominator == 100 { (120, 4) } else { (100, 3) };
            let c = change(net, SystemConfig::setEIP1559ParamsCall { denominator, elasticity }).await?;
            Ok((c, (denominator.into(), elasticity.into())))
        }

        /// `setEIP1559Params` on L1 (the cast-style round trip): the L2's extraData and base fee
        /// follow the new parameters from the first L2 block derived from that L1 block.
        pub async fn set_eip1559_params_reach_extra_data_and_the_base_fee(net: &TestNet) -> anyhow::Result<()> {
            let (c, wanted) = new_params(net).await?;
            extra_data_follows(net, &c, wanted).await?;
            next_base_fee_follows(net, &c, wanted).await
        }

        /// The first L2 block derived from the change's L1 block carries the new parameters in
        /// its extraData, the block before the former ones (Canyon's when the SystemConfig held
        /// zeros).
        async fn extra_data_follows(net: &TestNet, c: &Change, wanted: (u64, u64)) -> anyhow::Result<()> {
            let canyon = BaseFeeRules::fetch(net).await?.canyon;
            let former = match (c.before.eip1559_denominator, c.before.eip1559_elasticity) {
                (0, 0) => (canyon.denominator, canyon.elasticity),
                (d, e) => (d.into(), e.into()),
            };
            c.ensure_switch("extraData's (denominator, elasticity)", former, wanted, |n| header_params(net, n)).await
        }

        /// A block filled past its new, lower gas target raises the next base fee by the new
        /// parameters, to the wei, and not by what Canyon's constants would give.
        async fn next_base_fee_follows(net: &TestNet, c: &Change, (denominator, elasticity): (u64, u64)) -> anyhow::Result<()> {
            let filled = fill_block(net).await?;
            ensure!(filled >= c.l2_block, "the filled block {filled} precedes the change's L2 block {}", c.l2_block);
            let steps = check_base_fees(net, filled + 1..=filled + 1).await?;
            let step = &steps[0];
            ensure!((step.params.denominator, step.params.elasticity) == (denominator, elasticity), "block {} set its base fee by {:?}; the owner set ({denominator}, {elasticity})", step.number(), step.params);
            step.ensure_rose()?;
            let canyon = Eip1559 { denominator: CANYON_DENOMINATOR, elasticity: BaseFeeRules::fetch(net).await?.canyon.elasticity, ..step.params };
            let by_canyon = canyon.next_base_fee(&step.parent)?;
            ensure!(by_canyon != step.base_fee, "Canyon's constants give block {}'s base fee {} too, so this block cannot tell them apart (parent gas {})", step.number(), step.base_fee, step.parent.gas_used());
            Ok(())
        }
    }
}
