//! The fault matrix's data: which faults each feature's suite must catch. Every covered feature
//! of the catalog has at least one; a fault may serve several features (a stale EVM rule set
//! breaks every opcode of its fork). The suites' `faults_are_caught` tests and `harness faults`
//! read this table; adding a feature means adding it to a fault here.

use alloy::primitives::{Address, address};

use super::Fault;
use crate::forks::Fork;

/// One fault of the matrix and the features whose suites must catch it.
#[derive(Debug)]
pub struct KnownFault {
    pub fault: Fault,
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
    KnownFault { fault, features }
}

/// The matrix, in fork order of the features served.
pub static FAULTS: &[KnownFault] = &[
    known(Fault::IgnoreUserDeposits, &["bedrock.deposits"]),
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
    known(Fault::PreIsthmusWithdrawalsRoot, &["isthmus.headers"]),
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
];

/// The faults feature `id`'s suite must catch, in table order.
pub fn faults_of(id: &str) -> Vec<Fault> {
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
