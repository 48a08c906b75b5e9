//! The OP base-fee rules, computed in the test from headers read over JSON-RPC: EIP-1559 with
//! the chain's Bedrock parameters, Canyon's denominator of 250 from Canyon on, from Holocene on
//! the parameters the parent header carries in its extraData, and from Jovian on a minimum base
//! fee in that extraData and gas metered as the larger of gas used and the DA footprint
//! (`blobGasUsed`), as the Jovian execution-engine spec states.

use std::ops::RangeInclusive;

use alloy::{
    consensus::BlockHeader,
    network::TransactionBuilder,
    providers::Provider,
    rpc::types::{Header, TransactionRequest},
};
use anyhow::{Context, ensure};
use harness::forks::Fork;

use crate::{
    TestNet,
    bytecode::burn_gas,
    probe,
    wallet::{block_number, succeeded},
};

/// The EIP-1559 base-fee max change denominator from Canyon on, until Holocene.
pub const CANYON_DENOMINATOR: u64 = 250;

/// How fast the base fee moves and how the gas target divides the gas limit; from Jovian on also
/// the minimum base fee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Eip1559 {
    pub denominator: u64,
    pub elasticity: u64,
    /// Jovian's minimum; `None` before Jovian, whose rules also meter only gas used.
    pub min_base_fee: Option<u64>,
}

impl Eip1559 {
    /// Parameters without a minimum, as before Jovian.
    pub const fn new(denominator: u64, elasticity: u64) -> Self {
        Self { denominator, elasticity, min_base_fee: None }
    }

    /// The gas the base-fee update counts: from Jovian on the larger of gas used and the DA
    /// footprint the header carries as `blobGasUsed`.
    pub fn metered_gas(self, parent: &Header) -> u64 {
        match self.min_base_fee {
            Some(_) => parent.gas_used().max(parent.blob_gas_used().unwrap_or_default()),
            None => parent.gas_used(),
        }
    }

    /// The EIP-1559 base fee of the block after `parent`.
    pub fn next_base_fee(self, parent: &Header) -> anyhow::Result<u64> {
        let base_fee = u128::from(parent.base_fee_per_gas().with_context(|| format!("block {} has no base fee", parent.number))?);
        let target = u128::from(self.target(parent.gas_limit()));
        let used = u128::from(self.metered_gas(parent));
        let denominator = u128::from(self.denominator);
        let next = match used.cmp(&target) {
            std::cmp::Ordering::Equal => base_fee,
            std::cmp::Ordering::Greater => base_fee + (base_fee * (used - target) / target / denominator).max(1),
            std::cmp::Ordering::Less => base_fee - base_fee * (target - used) / target / denominator,
        };
        Ok(u64::try_from(next)?.max(self.min_base_fee.unwrap_or_default()))
    }

    /// The gas a block may use before the next base fee rises.
    pub fn target(self, gas_limit: u64) -> u64 {
        gas_limit / self.elasticity
    }
}

/// Holocene's extraData: version 0, then the denominator and the elasticity as big-endian u32.
pub fn decode_holocene_extra_data(extra_data: &[u8]) -> anyhow::Result<Eip1559> {
    ensure!(extra_data.len() == 9, "Holocene extraData must be 9 bytes, got {}", alloy::hex::encode_prefixed(extra_data));
    ensure!(extra_data[0] == 0, "Holocene extraData must have version 0, got {}", extra_data[0]);
    let field = |at: usize| u32::from_be_bytes(extra_data[at..at + 4].try_into().expect("4 bytes"));
    let params = Eip1559::new(field(1).into(), field(5).into());
    ensure!(params.denominator != 0 && params.elasticity != 0, "Holocene extraData carries a zero parameter: {params:?}");
    Ok(params)
}

/// Jovian's extraData: version 1, denominator and elasticity as in Holocene, then the minimum
/// base fee as a big-endian u64; 17 bytes and nothing after.
pub fn decode_jovian_extra_data(extra_data: &[u8]) -> anyhow::Result<Eip1559> {
    ensure!(extra_data.len() == 17, "Jovian extraData must be 17 bytes, got {}", alloy::hex::encode_prefixed(extra_data));
    ensure!(extra_data[0] == 1, "Jovian extraData must have version 1, got {}", extra_data[0]);
    let mut holocene = extra_data[..9].to_vec();
    holocene[0] = 0;
    let params = decode_holocene_extra_data(&holocene)?;
    let min = u64::from_be_bytes(extra_data[9..17].try_into().expect("8 bytes"));
    Ok(Eip1559 { min_base_fee: Some(min), ..params })
}

/// The EIP-1559 parameters block `header` carries in its extraData: Holocene's layout, or
/// Jovian's (with the minimum) once Jovian is active at that block.
pub fn extra_data_params(net: &TestNet, header: &Header) -> anyhow::Result<Eip1559> {
    let decoded = if probe::is_active(net, Fork::Jovian, header.number) {
        decode_jovian_extra_data(header.extra_data())
    } else {
        decode_holocene_extra_data(header.extra_data())
    };
    decoded.with_context(|| format!("extraData of block {}", header.number))
}

/// The chain's base-fee rules: its pre-Canyon parameters come from `optimism_rollupConfig`
/// (`chain_op_config`), the rest from the forks.
#[derive(Clone, Copy, Debug)]
pub struct BaseFeeRules {
    pub bedrock: Eip1559,
    pub canyon: Eip1559,
}

impl BaseFeeRules {
    pub async fn fetch(net: &TestNet) -> anyhow::Result<Self> {
        let config: serde_json::Value = net.l2.raw_request("optimism_rollupConfig".into(), ()).await?;
        let op = &config["chain_op_config"];
        let number = |key: &str| op[key].as_u64().with_context(|| format!("optimism_rollupConfig has no chain_op_config.{key}"));
        let elasticity = number("eip1559Elasticity")?;
        let bedrock = Eip1559::new(number("eip1559Denominator")?, elasticity);
        Ok(Self { bedrock, canyon: Eip1559::new(CANYON_DENOMINATOR, elasticity) })
    }

    /// The parameters that set block `parent.number + 1`'s base fee: the parent's extraData once
    /// Holocene (or Jovian, with its minimum) is active at the parent; otherwise Canyon's when Canyon is active at the child
    /// (op-geth and op-reth switch the denominator by the new block's time), else Bedrock's.
    pub fn params(&self, net: &TestNet, parent: &Header) -> anyhow::Result<Eip1559> {
        let child = parent.number + 1;
        Ok(if probe::is_active(net, Fork::Holocene, parent.number) {
            extra_data_params(net, parent)?
        } else if probe::is_active(net, Fork::Canyon, child) {
            self.canyon
        } else {
            self.bedrock
        })
    }
}

/// One block's base fee and what its parent implies.
#[derive(Clone, Debug)]
pub struct Step {
    pub parent: Header,
    pub params: Eip1559,
    pub base_fee: u64,
}

impl Step {
    /// The block whose base fee this step set.
    pub fn number(&self) -> u64 {
        self.parent.number + 1
    }

    /// The parent used more than its gas target and the base fee rose.
    pub fn ensure_rose(&self) -> anyhow::Result<()> {
        let (used, target) = (self.parent.gas_used(), self.params.target(self.parent.gas_limit()));
        ensure!(used > target, "block {} used {used} gas, not over its target {target}", self.parent.number);
        let before = self.parent.base_fee_per_gas().unwrap_or_default();
        ensure!(self.base_fee > before, "the base fee did not rise after block {} filled past its target: {before} then {}", self.parent.number, self.base_fee);
        Ok(())
    }
}

/// Checks that every block in `blocks` (both [`probe::ends`] of a long range) has exactly the
/// base fee its parent implies under the OP rules, and returns the steps for checks that need
/// to know which rule applied.
pub async fn check_base_fees(net: &TestNet, blocks: RangeInclusive<u64>) -> anyhow::Result<Vec<Step>> {
    let rules = BaseFeeRules::fetch(net).await?;
    net.wait_for_block(*blocks.end()).await?;
    let mut steps = Vec::new();
    for part in probe::ends(blocks) {
        let mut parent = probe::header(net, part.start().checked_sub(1).context("block 0 has no parent")?).await?;
        for number in part {
            let child = probe::header(net, number).await?;
            let params = rules.params(net, &parent)?;
            let expected = params.next_base_fee(&parent)?;
            let base_fee = child.base_fee_per_gas().with_context(|| format!("block {number} has no base fee"))?;
            ensure!(
                base_fee == expected,
                "block {number} has base fee {base_fee}; its parent (base fee {:?}, gas {} of {}) and {params:?} give {expected}",
                parent.base_fee_per_gas(),
                parent.gas_used(),
                parent.gas_limit()
            );
            steps.push(Step { parent, params, base_fee });
            parent = child;
        }
    }
    Ok(steps)
}

/// Mines a transaction that burns half the block gas limit, past the gas target of any
/// elasticity above 2, and returns its block.
pub async fn fill_block(net: &TestNet) -> anyhow::Result<u64> {
    let wallet = net.wallet().await?;
    let latest = net.l2.get_block_number().await?;
    let gas = probe::header(net, latest).await?.gas_limit() / 2;
    let receipt = wallet.send(TransactionRequest::default().with_deploy_code(burn_gas(256)).with_gas_limit(gas)).await?;
    ensure!(succeeded(&receipt), "the block-filling transaction {} failed", receipt.inner.transaction_hash);
    block_number(&receipt)
}
