//! The fault matrix's data: which faults each feature's suite must catch. Every covered feature
//! of the catalog has at least one; a fault may serve several features (a stale EVM rule set
//! breaks every opcode of its fork). The suites' `faults_are_caught` tests and `harness faults`
//! read this table; adding a feature means adding it to a fault here.

use std::fmt;

use alloy::primitives::{Address, address};

use super::Fault;
use crate::{forks::Fork, node::l1::L1Fault};

/// A fault of the matrix: a bug in the L2 node, or in the L1's scheduled upgrade. Each node
/// keeps its own fault type, consulted where its bug lives, so the L2 never sees L1 variants
/// it would have to ignore (nor the L1 L2 ones); only the matrix, which starts networks with
/// either, needs both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixFault {
    L2(Fault),
    L1(L1Fault),
}

impl MatrixFault {
    /// One line for the matrix: what the broken node or upgrade does.
    pub fn description(&self) -> String {
        match self {
            Self::L2(fault) => fault.description(),
            Self::L1(fault) => fault.description(),
        }
    }
}

/// The fault's own short name: `stale-rules(canyon)`, `l1-drop-upgrade-tx(2)`.
impl fmt::Display for MatrixFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::L2(fault) => fault.fmt(f),
            Self::L1(fault) => fault.fmt(f),
        }
    }
}

/// One fault of the matrix and the features whose suites must catch it.
#[derive(Debug)]
pub struct KnownFault {
    pub fault: MatrixFault,
    /// Feature ids (`<fork>.<feature>`).
    pub features: &'static [&'static str],
}

/// The name of every feature module's matrix test: `<fork>::<feature>::faults_are_caught`.
pub const MATRIX_TEST: &str = "faults_are_caught";

/// How the matrix test reports a fault no check caught, one line each: `harness faults` reads the
/// lines back from the JUnit of a failed test.
pub const NOT_CAUGHT: &str = "fault not caught:";
/// How it reports that the suite failed on the healthy node.
pub const HEALTHY_FAILED: &str = "healthy suite failed:";

const MODEXP: Address = Address::with_last_byte(0x05);
const BN256_PAIRING: Address = Address::with_last_byte(0x08);
const BLS12_G1MSM: Address = Address::with_last_byte(0x0c);
const P256VERIFY: Address = address!("0000000000000000000000000000000000000100");

const fn known(fault: Fault, features: &'static [&'static str]) -> KnownFault {
    KnownFault { fault: MatrixFault::L2(fault), features }
}

const fn known_l1(fault: L1Fault, features: &'static [&'static str]) -> KnownFault {
    KnownFault { fault: MatrixFault::L1(fault), features }
}

/// The matrix, in fork order of the features served.
pub static FAULTS: &[KnownFault] = &[
    known(Fault::IgnoreUserDeposits, &["bedrock.deposits", "regolith.deposits"]),
    // With the owner changing every SystemConfig value on L1 before the checks (the suites'
    // provocation), every feature that reads an L1-configured value must see the change. Not
    // (yet) isthmus.l1_attributes, jovian.l1_attributes and jovian.min_base_fee: their checks
    // read only the blocks right after activation, before the change reaches the L2.
    known(
        Fault::FreezeSystemConfig,
        &[
            "bedrock.system_config",
            "ecotone.fees",
            "ecotone.system_config",
            "holocene.extra_data",
            "holocene.base_fee",
            "holocene.system_config",
            "isthmus.operator_fee",
            "isthmus.system_config",
            "jovian.da_footprint",
            "jovian.operator_fee",
            "jovian.system_config",
        ],
    ),
    known(Fault::StaleRules { fork: Fork::Regolith }, &["regolith.deposits"]),
    known(Fault::StaleRules { fork: Fork::Canyon }, &["canyon.push0", "canyon.initcode_cap"]),
    known(Fault::EarlyWithdrawalsRoot, &["canyon.withdrawals"]),
    known(Fault::SkipCreate2Deployer, &["canyon.create2_deployer"]),
    known(Fault::BedrockDenominatorAfterCanyon, &["canyon.eip1559"]),
    known(Fault::LateActivation { fork: Fork::Ecotone }, &["ecotone.activation"]),
    known(Fault::StaleL1InfoFormat { fork: Fork::Ecotone }, &["ecotone.l1_attributes"]),
    known(Fault::ZeroBeaconRoot, &["ecotone.beacon_roots"]),
    known(Fault::StaleRules { fork: Fork::Ecotone }, &["ecotone.cancun_opcodes", "ecotone.blob_transactions", "ecotone.fees"]),
    known(Fault::DropUpgradeTx { fork: Fork::Fjord, index: 2 }, &["fjord.activation", "fjord.fee_upper_bound"]),
    known(Fault::StalePrecompile { fork: Fork::Fjord, address: P256VERIFY }, &["fjord.p256verify"]),
    known(Fault::StaleRules { fork: Fork::Fjord }, &["fjord.fastlz_fee"]),
    // On the example's own spec, whose Fjord bundles are the built-in three, then its two.
    known(Fault::DropUpgradeTx { fork: Fork::Fjord, index: 4 }, &["fjord.example_nut"]),
    known(Fault::StalePrecompile { fork: Fork::Granite, address: BN256_PAIRING }, &["granite.pairing_limit"]),
    known(Fault::CanyonParamsInExtraData, &["holocene.extra_data"]),
    known(Fault::CanyonBaseFeeAfterHolocene, &["holocene.base_fee"]),
    known(Fault::DropUpgradeTx { fork: Fork::Isthmus, index: 3 }, &["isthmus.activation"]),
    known(Fault::StaleRules { fork: Fork::Isthmus }, &["isthmus.eip7702", "isthmus.eip7623"]),
    known(Fault::StalePrecompile { fork: Fork::Isthmus, address: BLS12_G1MSM }, &["isthmus.bls_precompiles"]),
    known(Fault::SkipHistoryWrite, &["isthmus.eip2935"]),
    // A proposer takes the message passer's root from the header from Isthmus on: with the
    // empty root there, no withdrawal proves against the output roots it proposes.
    known(Fault::PreIsthmusWithdrawalsRoot, &["isthmus.headers", "contracts_v5_0_0.withdrawals"]),
    known(Fault::OperatorFeeToSequencerVault, &["isthmus.operator_fee"]),
    known(Fault::StaleL1InfoFormat { fork: Fork::Isthmus }, &["isthmus.l1_attributes"]),
    known(Fault::DropUpgradeTx { fork: Fork::Jovian, index: 1 }, &["jovian.activation"]),
    known(Fault::StaleL1InfoFormat { fork: Fork::Jovian }, &["jovian.l1_attributes"]),
    known(Fault::IgnoreMinBaseFee, &["jovian.min_base_fee"]),
    known(Fault::BaseFeeIgnoresDaFootprint, &["jovian.da_footprint"]),
    known(Fault::StaleRules { fork: Fork::Jovian }, &["jovian.operator_fee"]),
    known(Fault::StalePrecompile { fork: Fork::Jovian, address: BN256_PAIRING }, &["jovian.precompile_limits"]),
    known(Fault::LateActivation { fork: Fork::Karst }, &["karst.activation"]),
    known(Fault::StaleRules { fork: Fork::Karst }, &["karst.clz", "karst.tx_gas_cap"]),
    known(Fault::StalePrecompile { fork: Fork::Karst, address: MODEXP }, &["karst.modexp"]),
    known(Fault::StalePrecompile { fork: Fork::Karst, address: P256VERIFY }, &["karst.p256verify_gas"]),
    known(Fault::DropUpgradeTx { fork: Fork::Lagoon, index: 0 }, &["lagoon.activation"]),
    // The owner's upgrade to v5.0.0 starts with the forwarder's deployment (0), the
    // SuperchainConfig's upgrade (1) and the chain's OPContractsManager.upgrade (2): a bundle
    // missing the chain's upgrade, and one upgrading the chain before the SuperchainConfig.
    known_l1(L1Fault::Drop(2), &["contracts_v5_0_0.upgrade"]),
    known_l1(L1Fault::Swap(1, 2), &["contracts_v5_0_0.upgrade"]),
    // A proposer asking the node for the head's output puts the parent's on L1.
    known(Fault::OutputOfParentBlock, &["contracts_v5_0_0.withdrawals"]),
];

/// The faults feature `id`'s suite must catch, in table order.
pub fn faults_of(id: &str) -> Vec<MatrixFault> {
    FAULTS.iter().filter(|k| k.features.contains(&id)).map(|k| k.fault).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::forks::{FEATURES, feature};

    #[test]
    fn every_covered_feature_has_a_fault() {
        let missing: Vec<_> = FEATURES.iter().filter(|f| f.is_covered() && faults_of(f.id).is_empty()).map(|f| f.id).collect();
        assert!(missing.is_empty(), "covered features without a fault in the matrix (add one to FAULTS): {missing:?}");
    }

    #[test]
    fn every_fault_serves_covered_features_of_the_catalog() {
        for known in FAULTS {
            assert!(!known.features.is_empty(), "{} serves no feature", known.fault);
            for id in known.features {
                let served = feature(id).unwrap_or_else(|| panic!("{} serves `{id}`, which is not in the catalog", known.fault));
                assert!(served.is_covered(), "{} serves `{id}`, which no suite covers", known.fault);
            }
        }
    }

    #[test]
    fn each_fault_is_listed_once_under_a_unique_name() {
        let mut names = HashSet::new();
        for known in FAULTS {
            assert!(names.insert(known.fault.to_string()), "{} is listed twice", known.fault);
        }
    }
}
