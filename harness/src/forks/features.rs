//! Every feature the acceptance suites prove, keyed by a stable id: `<fork>.<feature>` for L2
//! features, `<release module>.<feature>` (`contracts_v5_0_0.upgrade`) for L1 ones.
//!
//! The id doubles as the suite's module path (`isthmus.eip7702` is tested by
//! `isthmus::eip7702::*`), which is how verdicts map a JUnit test name back to its feature.

use serde::Serialize;

use super::{ContractsRelease, Fork};

/// Which half of an upgrade a feature lives in. A Betanet gets a hardfork name only when some
/// feature of its set changes the L2; L1-only sets carry an upgrade number alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// OP contracts on L1 (SystemConfig, OptimismPortal, OPContractsManager upgrades).
    L1,
    /// The L2 protocol: execution rules, predeploys, derivation.
    L2,
}

impl Layer {
    pub const fn name(self) -> &'static str {
        match self {
            Self::L1 => "L1",
            Self::L2 => "L2",
        }
    }
}

/// Whether the harness can prove a feature today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "reason")]
pub enum Coverage {
    /// Its suite module proves it.
    Covered,
    /// Nothing here can prove it yet, for the reason given (what the execution stack or the
    /// embedded network lacks). A spec that puts it in scope fails validation rather than pass.
    Uncovered(&'static str),
}

/// One user-visible change a fork introduces, proven by one suite module.
#[derive(Debug, PartialEq, Eq)]
pub struct Feature {
    /// Stable id, `<fork>.<name>`; never reuse or rename one, history is keyed by it.
    pub id: &'static str,
    /// The fork that introduces the feature. For an L1 feature, the L2 fork whose era its
    /// release serves (the newest fork op-deployer builds an L2 genesis for with that release).
    pub fork: Fork,
    /// Whether the feature changes L1 contracts or the L2.
    pub layer: Layer,
    /// The op-contracts release that introduces an L1 feature: a spec whose `[l1.upgrade]`
    /// brings that release has it in scope. `None` for L2 features.
    pub release: Option<ContractsRelease>,
    pub coverage: Coverage,
    /// One line for reports.
    pub description: &'static str,
}

impl Feature {
    /// The suite module that tests this feature: `isthmus.eip7702` -> `isthmus::eip7702`.
    pub fn suite_path(&self) -> String {
        self.id.replace('.', "::")
    }

    /// Whether a test path (`isthmus::eip7702::delegation_runs_code`, possibly prefixed by the
    /// test binary, `op-suites::betanet$isthmus::eip7702::...`) belongs to this feature.
    pub fn claims(&self, test_path: &str) -> bool {
        let normalized = format!("::{}", test_path.replace('$', "::"));
        normalized.contains(&format!("::{}::", self.suite_path()))
    }
}

impl Feature {
    pub const fn is_covered(&self) -> bool {
        matches!(self.coverage, Coverage::Covered)
    }
}

const fn f(id: &'static str, fork: Fork, description: &'static str) -> Feature {
    Feature { id, fork, layer: Layer::L2, release: None, coverage: Coverage::Covered, description }
}

/// A feature of the L1 half: OP contracts on L1 whose effect the L2 must show.
const fn l1(id: &'static str, fork: Fork, description: &'static str) -> Feature {
    Feature { id, fork, layer: Layer::L1, release: None, coverage: Coverage::Covered, description }
}

/// A feature of the fork that no suite here can prove yet, with the reason.
const fn uncovered(id: &'static str, fork: Fork, description: &'static str, reason: &'static str) -> Feature {
    Feature { id, fork, layer: Layer::L2, release: None, coverage: Coverage::Uncovered(reason), description }
}

/// An L1 feature of an op-contracts release: what the release brings to the L1.
const fn contracts(id: &'static str, release: ContractsRelease, description: &'static str) -> Feature {
    Feature { id, fork: release.l2_genesis_fork(), layer: Layer::L1, release: Some(release), coverage: Coverage::Covered, description }
}

/// Why the embedded network runs no Lagoon-specific execution.
const NO_LAGOON_EXECUTION: &str = "op-revm 20 and alloy-op-evm 0.32 implement no Lagoon execution rules (at Lagoon the executor keeps Karst's Osaka rules), and the embedded network runs one chain, so no cross-chain message exists to execute";

/// The catalog, grouped by fork in activation order.
pub static FEATURES: &[Feature] = &[
    f("bedrock.deposits", Fork::Bedrock, "user deposits from OptimismPortal mint, call, create and alias their sender on L2 as op-node derives them"),
    l1("bedrock.system_config", Fork::Bedrock, "the SystemConfig owner's gas limit and batcher changes reach the L2 in the first block derived from their L1 block"),
    f("regolith.deposits", Fork::Regolith, "L1-info deposit is not a system tx, gas 1,000,000; deposit receipts carry depositNonce"),
    f("canyon.push0", Fork::Canyon, "PUSH0 opcode (EIP-3855)"),
    f("canyon.initcode_cap", Fork::Canyon, "initcode limited to 49,152 bytes (EIP-3860)"),
    f("canyon.withdrawals", Fork::Canyon, "empty withdrawals list and root in every header"),
    f("canyon.create2_deployer", Fork::Canyon, "Create2Deployer present at 0x13b0D85CcB8bf860b6b79AF3029fCA081AE9beF2"),
    f("canyon.eip1559", Fork::Canyon, "EIP-1559 denominator 250 and deposit receipt version 1"),
    f("ecotone.activation", Fork::Ecotone, "upgrade transactions deploy L1Block, GasPriceOracle and the beacon-roots contract"),
    f("ecotone.l1_attributes", Fork::Ecotone, "packed L1-attributes calldata and the new L1Block fields"),
    f("ecotone.beacon_roots", Fork::Ecotone, "EIP-4788 beacon-roots contract and parentBeaconBlockRoot"),
    f("ecotone.cancun_opcodes", Fork::Ecotone, "TSTORE/TLOAD, MCOPY and BLOBBASEFEE"),
    f("ecotone.blob_transactions", Fork::Ecotone, "blob transactions rejected; blobGasUsed and excessBlobGas are zero"),
    f("ecotone.fees", Fork::Ecotone, "receipts carry the blob-aware L1 fee breakdown"),
    l1("ecotone.system_config", Fork::Ecotone, "setGasConfigEcotone's scalars reach L1Block, receipts and the L1 fee from the first block of their epoch"),
    f("fjord.activation", Fork::Fjord, "upgrade transactions deploy the Fjord GasPriceOracle"),
    f("fjord.p256verify", Fork::Fjord, "P256VERIFY precompile at 0x100 (RIP-7212)"),
    f("fjord.fastlz_fee", Fork::Fjord, "FastLZ-based L1 fee, equal in receipt, getL1Fee and an independent computation"),
    f("fjord.fee_upper_bound", Fork::Fjord, "GasPriceOracle.getL1FeeUpperBound"),
    f("fjord.example_nut", Fork::Fjord, "example feature (README, \"A feature team's path\"): the harness's NUT bundle upgrades predeploy 0x4200…07FF"),
    f("granite.pairing_limit", Fork::Granite, "bn256Pairing rejects input over 112,687 bytes"),
    f("holocene.extra_data", Fork::Holocene, "header extraData holds the EIP-1559 denominator and elasticity"),
    f("holocene.base_fee", Fork::Holocene, "next base fee follows the parent's extraData parameters"),
    l1("holocene.system_config", Fork::Holocene, "setEIP1559Params (values unlike Canyon's) reaches extraData and the next base fee"),
    f("isthmus.activation", Fork::Isthmus, "upgrade transactions deploy L1Block, GasPriceOracle, OperatorFeeVault and the history contract"),
    f("isthmus.eip7702", Fork::Isthmus, "set-code transactions and delegated calls (EIP-7702)"),
    f("isthmus.bls_precompiles", Fork::Isthmus, "BLS12-381 precompiles 0x0b-0x11 (EIP-2537)"),
    f("isthmus.eip2935", Fork::Isthmus, "block-hash history contract (EIP-2935)"),
    f("isthmus.eip7623", Fork::Isthmus, "calldata floor gas (EIP-7623)"),
    f("isthmus.headers", Fork::Isthmus, "requestsHash and withdrawalsRoot = L2ToL1MessagePasser storage root"),
    f("isthmus.operator_fee", Fork::Isthmus, "operator fee charged and paid to the OperatorFeeVault"),
    f("isthmus.l1_attributes", Fork::Isthmus, "Isthmus L1-attributes calldata with operator fee parameters"),
    l1("isthmus.system_config", Fork::Isthmus, "setOperatorFeeScalars reaches L1Block, receipts and the OperatorFeeVault"),
    f("jovian.activation", Fork::Jovian, "the Jovian bundle (op-node's source hashes) upgrades L1Block and GasPriceOracle to op-deployer's Jovian code"),
    f("jovian.l1_attributes", Fork::Jovian, "Jovian L1-attributes calldata (0x3db6be2b, 178 bytes) with the DA-footprint gas scalar"),
    f("jovian.min_base_fee", Fork::Jovian, "extraData carries a minimum base fee and the base fee respects it"),
    f("jovian.da_footprint", Fork::Jovian, "DA footprint in header blobGasUsed and receipts, bounded by the gas limit"),
    f("jovian.operator_fee", Fork::Jovian, "operator fee = gas used x scalar x 100 + constant"),
    f("jovian.precompile_limits", Fork::Jovian, "tighter input limits for bn256Pairing (81,984 bytes) and the BLS12-381 MSM and pairing precompiles"),
    l1("jovian.system_config", Fork::Jovian, "setMinBaseFee and setDAFootprintGasScalar reach extraData, the base fee and the DA footprint"),
    contracts(
        "contracts_v5_0_0.upgrade",
        ContractsRelease::V5_0_0,
        "the owner's upgrade to op-contracts v5.0.0 (OPContractsManager 4.2.0) runs in its scheduled L1 block: every proxy moves to the release's implementation there, storage and deposits carry across",
    ),
    contracts(
        "contracts_v5_0_0.withdrawals",
        ContractsRelease::V5_0_0,
        "a withdrawal initiated on L2 is proven against a permissioned dispute game and finalized on OptimismPortal 5.1.1 after the release's delays, exact to the wei",
    ),
    f("karst.activation", Fork::Karst, "the official Karst NUT bundle points the predeploys at the L2ContractsManager's implementations"),
    f("karst.clz", Fork::Karst, "CLZ opcode 0x1e (EIP-7939)"),
    f("karst.tx_gas_cap", Fork::Karst, "transactions above 2^24 gas are refused (EIP-7825); deposits are exempt"),
    f("karst.modexp", Fork::Karst, "MODEXP inputs bounded to 1,024 bytes (EIP-7823) and repriced (EIP-7883)"),
    f("karst.p256verify_gas", Fork::Karst, "P256VERIFY costs 6,900 gas, as on L1 (EIP-7951)"),
    uncovered(
        "karst.pairing_limit",
        Fork::Karst,
        "bn256Pairing rejects input over 57,600 bytes (300 pairs)",
        "op-revm 20's Karst precompiles keep Jovian's 81,984-byte pairing limit",
    ),
    f("lagoon.activation", Fork::Lagoon, "the official Lagoon NUT bundle (label `interop`) upgrades the predeploys of a Karst chain"),
    uncovered(
        "lagoon.interop_messages",
        Fork::Lagoon,
        "CrossL2Inbox validates executing messages whose checksum slot the access list warmed",
        NO_LAGOON_EXECUTION,
    ),
    uncovered(
        "lagoon.post_exec",
        Fork::Lagoon,
        "post-execution transactions (type 0x7d) carry sequencer-defined metering refunds",
        NO_LAGOON_EXECUTION,
    ),
];

/// Looks a feature up by id.
pub fn feature(id: &str) -> Option<&'static Feature> {
    FEATURES.iter().find(|f| f.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_prefixed_by_their_fork_and_in_fork_order() {
        let mut seen = std::collections::HashSet::new();
        for pair in FEATURES.windows(2) {
            assert!(pair[0].fork <= pair[1].fork, "{} listed after {}", pair[1].id, pair[0].id);
        }
        for feature in FEATURES {
            assert!(seen.insert(feature.id), "duplicate feature id {}", feature.id);
            let prefix = feature.release.map_or_else(|| feature.fork.to_string(), |r| r.suite_module());
            assert!(feature.id.starts_with(&format!("{prefix}.")), "{}", feature.id);
            assert!(feature.release.is_none() || feature.layer == Layer::L1, "{}: only L1 features name a release", feature.id);
        }
    }

    #[test]
    fn a_feature_claims_only_its_own_tests() {
        let eip7702 = feature("isthmus.eip7702").unwrap();
        assert!(eip7702.claims("isthmus::eip7702::delegated_call"));
        assert!(eip7702.claims("op-suites::betanet$isthmus::eip7702::delegated_call"));
        assert!(!eip7702.claims("isthmus::eip7702x::delegated_call"));
        assert!(!eip7702.claims("fjord::p256verify::valid_signature"));
    }
}
