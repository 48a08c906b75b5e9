//! Deliberate faults in the embedded L2, each a bug a client team could ship, for proving that
//! the acceptance suites catch broken networks (the fault matrix, [`table`]).
//!
//! A fault is chosen only through `DevnetOptions` (`TestNet::embedded` in the suites), never from
//! a spec or the command line. The node consults it where the bug would live: the sequencer's
//! block layout and derivation ([`super::chain`]), the header rules ([`super::rules`]), the EVM
//! its executor and its RPC calls create ([`super::evm`]), the state a block leaves ([`state`])
//! and the rollup node's `optimism_*` answers (`crate::node::rpc::op`).

mod state;
mod table;

use std::fmt;

use alloy::primitives::{Address, U256};
use alloy_evm::precompiles::{DynPrecompile, PrecompilesMap};
use op_revm::{OpSpecId, precompiles::OpPrecompiles};

pub use state::patch_block;
pub use table::{FAULTS, HEALTHY_FAILED, KnownFault, MATRIX_TEST, MatrixFault, NOT_CAUGHT, faults_of};

use crate::forks::{Fork, L1InfoFormat};

/// A deliberate bug in one L2 node. Each variant names the bug it mimics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Leaves upgrade transaction `index` of `fork`'s bundles out of its activation block: a node
    /// shipping an incomplete upgrade bundle.
    DropUpgradeTx { fork: Fork, index: usize },
    /// Runs `fork`'s upgrade transactions one block after its activation block: an off-by-one
    /// in the activation check.
    LateActivation { fork: Fork },
    /// Never applies the L1 SystemConfig's updates: the L2 keeps its genesis system config, as a
    /// node that never reads the L1 would.
    FreezeSystemConfig,
    /// Drops the OptimismPortal's `TransactionDeposited` events: user deposits never reach L2.
    IgnoreUserDeposits,
    /// While `fork` is the newest active fork, its blocks and calls run with the previous fork's
    /// EVM rules (opcodes, precompiles, transaction types, L1 and operator fee formulas): a fork
    /// missing from the node's mapping of time to EVM rules.
    StaleRules { fork: Fork },
    /// From `fork` on, the precompile at `address` is the previous fork's: absent where there was
    /// none, else with the old input limits and price. A fork's precompile set whose entry for
    /// one precompile was not updated.
    StalePrecompile { fork: Fork, address: Address },
    /// Skips Canyon's irregular state transition: the Create2Deployer's code is never installed.
    SkipCreate2Deployer,
    /// Never writes the parent block's hash into the EIP-2935 history contract.
    SkipHistoryWrite,
    /// Credits the operator fee to the SequencerFeeVault instead of the OperatorFeeVault.
    OperatorFeeToSequencerVault,
    /// Keeps Bedrock's EIP-1559 denominator after Canyon instead of 250.
    BedrockDenominatorAfterCanyon,
    /// Writes Canyon's constant EIP-1559 parameters into Holocene's extraData instead of the
    /// SystemConfig's.
    CanyonParamsInExtraData,
    /// Computes the base fee with Canyon's constants after Holocene, ignoring the parameters
    /// the parent header carries in its extraData.
    CanyonBaseFeeAfterHolocene,
    /// Carries Jovian's minimum base fee in extraData but never clamps the base fee to it.
    IgnoreMinBaseFee,
    /// Meters only gas used in Jovian's base-fee update, not the larger of it and the block's
    /// DA footprint.
    BaseFeeIgnoresDaFootprint,
    /// Sets every header's parentBeaconBlockRoot to zero instead of its L1 origin's beacon root.
    ZeroBeaconRoot,
    /// Commits withdrawalsRoot to the L2ToL1MessagePasser's storage root from Canyon on,
    /// before Isthmus asks for it.
    EarlyWithdrawalsRoot,
    /// Keeps Canyon's empty withdrawalsRoot after Isthmus instead of the L2ToL1MessagePasser's
    /// storage root.
    PreIsthmusWithdrawalsRoot,
    /// While `fork`'s L1-attributes format is the newest due, encodes the deposit in the
    /// format before it: a format missing from the node's mapping of forks to formats.
    StaleL1InfoFormat { fork: Fork },
    /// Answers `optimism_outputAtBlock(n)` with block n-1's output: an off-by-one in the rollup
    /// node's lookup of the block an output is for, which a proposer would put on L1.
    OutputOfParentBlock,
}

impl Fault {
    /// One line for the matrix: what the broken node does.
    pub fn description(&self) -> String {
        match *self {
            Self::DropUpgradeTx { fork, index } => format!("leaves upgrade transaction {index} out of {fork}'s activation block"),
            Self::LateActivation { fork } => format!("runs {fork}'s upgrade transactions one block after its activation block"),
            Self::FreezeSystemConfig => "never applies the L1 SystemConfig's updates".into(),
            Self::IgnoreUserDeposits => "drops the OptimismPortal's user deposits".into(),
            Self::StaleRules { fork } => format!("runs {fork}'s blocks and calls with the previous fork's EVM rules"),
            Self::StalePrecompile { fork, address } => format!("keeps the pre-{fork} precompile at {}", short(address)),
            Self::SkipCreate2Deployer => "never installs the Create2Deployer at Canyon".into(),
            Self::SkipHistoryWrite => "never writes the parent hash into the EIP-2935 history contract".into(),
            Self::OperatorFeeToSequencerVault => "credits the operator fee to the SequencerFeeVault".into(),
            Self::BedrockDenominatorAfterCanyon => "keeps Bedrock's EIP-1559 denominator after Canyon".into(),
            Self::CanyonParamsInExtraData => "writes Canyon's EIP-1559 constants into extraData, not the SystemConfig's".into(),
            Self::CanyonBaseFeeAfterHolocene => "computes the base fee with Canyon's constants, not the parent's extraData".into(),
            Self::IgnoreMinBaseFee => "never clamps the base fee to Jovian's minimum".into(),
            Self::BaseFeeIgnoresDaFootprint => "meters only gas used, not the DA footprint, in the base-fee update".into(),
            Self::ZeroBeaconRoot => "sets parentBeaconBlockRoot to zero, not the L1 origin's".into(),
            Self::EarlyWithdrawalsRoot => "commits withdrawalsRoot to the message passer's storage root before Isthmus".into(),
            Self::PreIsthmusWithdrawalsRoot => "keeps the empty withdrawalsRoot after Isthmus".into(),
            Self::StaleL1InfoFormat { fork } => format!("encodes the L1-attributes deposit in the pre-{fork} format"),
            Self::OutputOfParentBlock => "answers optimism_outputAtBlock with the parent block's output".into(),
        }
    }

    /// The EVM rules a block or call whose newest active rules are `spec` runs with.
    pub fn evm_spec(fault: Option<Self>, spec: OpSpecId) -> OpSpecId {
        match fault.and_then(|f| match f {
            Self::StaleRules { fork } => evm_rules(fork),
            _ => None,
        }) {
            Some((rules, previous)) if rules == spec => previous,
            _ => spec,
        }
    }

    /// Replaces, for [`Self::StalePrecompile`], the precompile at its address in an EVM running
    /// `spec` with the previous fork's (or removes it).
    pub fn edit_precompiles(fault: Option<Self>, spec: OpSpecId, precompiles: &mut PrecompilesMap) {
        let Some(Self::StalePrecompile { fork, address }) = fault else { return };
        let Some((rules, previous)) = evm_rules(fork) else { return };
        if !spec.is_enabled_in(rules) {
            return;
        }
        let old = OpPrecompiles::new_with_spec(previous).precompiles().get(&address).cloned();
        precompiles.apply_precompile(&address, |_| {
            old.map(|old| DynPrecompile::new(old.id().clone(), move |input| old.execute(input.data, input.gas, input.reservoir)))
        });
    }

    /// The L1-attributes format a block uses when its rules ask for `format`.
    pub fn l1_info_format(fault: Option<Self>, format: L1InfoFormat) -> L1InfoFormat {
        match fault {
            Some(Self::StaleL1InfoFormat { fork }) if format == fork.l1_info_format() => previous_format(format),
            _ => format,
        }
    }

    /// The block whose output `optimism_outputAtBlock(number)` answers with.
    pub fn output_block(fault: Option<Self>, number: u64) -> u64 {
        match fault {
            Some(Self::OutputOfParentBlock) => number.saturating_sub(1),
            _ => number,
        }
    }

    /// Whether withdrawalsRoot commits to the message passer's storage, given whether Isthmus
    /// is active (from Canyon on; before, headers have no withdrawalsRoot).
    pub fn message_passer_root(fault: Option<Self>, isthmus: bool) -> bool {
        match fault {
            Some(Self::EarlyWithdrawalsRoot) => true,
            Some(Self::PreIsthmusWithdrawalsRoot) => false,
            _ => isthmus,
        }
    }
}

/// The EVM rules op-revm runs `fork`'s blocks with, and those of the fork before it. Delta
/// changed no execution rule, so it has none of its own.
const fn evm_rules(fork: Fork) -> Option<(OpSpecId, OpSpecId)> {
    use OpSpecId as S;
    Some(match fork {
        Fork::Bedrock | Fork::Delta => return None,
        Fork::Regolith => (S::REGOLITH, S::BEDROCK),
        Fork::Canyon => (S::CANYON, S::REGOLITH),
        Fork::Ecotone => (S::ECOTONE, S::CANYON),
        Fork::Fjord => (S::FJORD, S::ECOTONE),
        Fork::Granite => (S::GRANITE, S::FJORD),
        Fork::Holocene => (S::HOLOCENE, S::GRANITE),
        Fork::Isthmus => (S::ISTHMUS, S::HOLOCENE),
        Fork::Jovian => (S::JOVIAN, S::ISTHMUS),
        Fork::Karst => (S::KARST, S::JOVIAN),
        Fork::Lagoon => (S::INTEROP, S::KARST),
    })
}

const fn previous_format(format: L1InfoFormat) -> L1InfoFormat {
    match format {
        L1InfoFormat::Bedrock | L1InfoFormat::Ecotone => L1InfoFormat::Bedrock,
        L1InfoFormat::Isthmus => L1InfoFormat::Ecotone,
        L1InfoFormat::Jovian => L1InfoFormat::Isthmus,
    }
}

/// A precompile's address without its leading zeros: `0x100`.
fn short(address: Address) -> String {
    format!("{:#x}", U256::from_be_slice(address.as_slice()))
}

/// A short stable name, used in test output and the matrix: `stale-rules(canyon)`.
impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::DropUpgradeTx { fork, index } => write!(f, "drop-upgrade-tx({fork}, {index})"),
            Self::LateActivation { fork } => write!(f, "late-activation({fork})"),
            Self::FreezeSystemConfig => f.write_str("freeze-system-config"),
            Self::IgnoreUserDeposits => f.write_str("ignore-user-deposits"),
            Self::StaleRules { fork } => write!(f, "stale-rules({fork})"),
            Self::StalePrecompile { fork, address } => write!(f, "stale-precompile({fork}, {})", short(address)),
            Self::SkipCreate2Deployer => f.write_str("skip-create2-deployer"),
            Self::SkipHistoryWrite => f.write_str("skip-history-write"),
            Self::OperatorFeeToSequencerVault => f.write_str("operator-fee-to-sequencer-vault"),
            Self::BedrockDenominatorAfterCanyon => f.write_str("bedrock-denominator-after-canyon"),
            Self::CanyonParamsInExtraData => f.write_str("canyon-params-in-extra-data"),
            Self::CanyonBaseFeeAfterHolocene => f.write_str("canyon-base-fee-after-holocene"),
            Self::IgnoreMinBaseFee => f.write_str("ignore-min-base-fee"),
            Self::BaseFeeIgnoresDaFootprint => f.write_str("base-fee-ignores-da-footprint"),
            Self::ZeroBeaconRoot => f.write_str("zero-beacon-root"),
            Self::EarlyWithdrawalsRoot => f.write_str("early-withdrawals-root"),
            Self::PreIsthmusWithdrawalsRoot => f.write_str("pre-isthmus-withdrawals-root"),
            Self::StaleL1InfoFormat { fork } => write!(f, "stale-l1-info-format({fork})"),
            Self::OutputOfParentBlock => f.write_str("output-of-parent-block"),
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::address;
    use alloy_evm::{
        EvmFactory as _, EvmInternals,
        precompiles::{Precompile as _, PrecompileInput},
    };
    use alloy_op_evm::{OpEvmContext, OpEvmFactory};
    use revm::database::EmptyDB;

    use super::*;

    const P256VERIFY: Address = address!("0000000000000000000000000000000000000100");

    #[test]
    fn stale_rules_step_back_only_while_their_fork_is_newest() {
        let fault = Some(Fault::StaleRules { fork: Fork::Canyon });
        assert_eq!(Fault::evm_spec(fault, OpSpecId::CANYON), OpSpecId::REGOLITH);
        assert_eq!(Fault::evm_spec(fault, OpSpecId::ECOTONE), OpSpecId::ECOTONE);
        assert_eq!(Fault::evm_spec(None, OpSpecId::CANYON), OpSpecId::CANYON);
        assert_eq!(Fault::evm_spec(Some(Fault::StaleRules { fork: Fork::Delta }), OpSpecId::CANYON), OpSpecId::CANYON);
    }

    fn precompiles(fault: Option<Fault>, spec: OpSpecId) -> PrecompilesMap {
        let mut map = PrecompilesMap::from_static(OpPrecompiles::new_with_spec(spec).precompiles());
        Fault::edit_precompiles(fault, spec, &mut map);
        map
    }

    #[test]
    fn a_stale_precompile_is_missing_where_the_previous_fork_had_none() {
        let fault = Some(Fault::StalePrecompile { fork: Fork::Fjord, address: P256VERIFY });
        assert!(precompiles(None, OpSpecId::GRANITE).get(&P256VERIFY).is_some());
        assert!(precompiles(fault, OpSpecId::GRANITE).get(&P256VERIFY).is_none(), "missing from Fjord on");
        assert_eq!(precompiles(fault, OpSpecId::ECOTONE).addresses().count(), precompiles(None, OpSpecId::ECOTONE).addresses().count());
    }

    /// Gas P256VERIFY charges for a 160-byte input under `map`.
    fn p256_gas(map: &PrecompilesMap, ctx: &mut OpEvmContext<EmptyDB>) -> u64 {
        let input = PrecompileInput {
            data: &[0; 160],
            gas: 100_000,
            reservoir: 0,
            caller: Address::ZERO,
            value: U256::ZERO,
            target_address: P256VERIFY,
            is_static: true,
            bytecode_address: P256VERIFY,
            internals: EvmInternals::from_context(ctx),
        };
        map.get(&P256VERIFY).expect("P256VERIFY present").call(input).expect("runs").gas_used
    }

    #[test]
    fn a_stale_precompile_keeps_the_previous_price() {
        let fault = Some(Fault::StalePrecompile { fork: Fork::Karst, address: P256VERIFY });
        let env = alloy_evm::EvmEnv::new(revm::context::CfgEnv::new_with_spec(OpSpecId::KARST), Default::default());
        let mut evm = OpEvmFactory::<alloy_op_evm::OpTx>::default().create_evm(EmptyDB::default(), env);
        let ctx = evm.ctx_mut();
        assert_eq!(p256_gas(&precompiles(None, OpSpecId::KARST), ctx), 6_900);
        assert_eq!(p256_gas(&precompiles(fault, OpSpecId::KARST), ctx), 3_450);
    }

    #[test]
    fn a_stale_l1_info_format_steps_back_only_while_its_format_is_newest() {
        let fault = Some(Fault::StaleL1InfoFormat { fork: Fork::Isthmus });
        assert_eq!(Fault::l1_info_format(fault, L1InfoFormat::Ecotone), L1InfoFormat::Ecotone);
        assert_eq!(Fault::l1_info_format(fault, L1InfoFormat::Isthmus), L1InfoFormat::Ecotone);
        assert_eq!(Fault::l1_info_format(fault, L1InfoFormat::Jovian), L1InfoFormat::Jovian);
    }

    #[test]
    fn only_the_off_by_one_output_answers_with_another_block() {
        assert_eq!(Fault::output_block(Some(Fault::OutputOfParentBlock), 7), 6);
        assert_eq!(Fault::output_block(Some(Fault::OutputOfParentBlock), 0), 0);
        assert_eq!(Fault::output_block(Some(Fault::PreIsthmusWithdrawalsRoot), 7), 7);
        assert_eq!(Fault::output_block(None, 7), 7);
    }

    #[test]
    fn names_are_short_and_carry_their_parameters() {
        assert_eq!(Fault::StalePrecompile { fork: Fork::Fjord, address: P256VERIFY }.to_string(), "stale-precompile(fjord, 0x100)");
        assert_eq!(Fault::DropUpgradeTx { fork: Fork::Isthmus, index: 3 }.to_string(), "drop-upgrade-tx(isthmus, 3)");
    }
}
