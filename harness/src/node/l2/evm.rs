//! The EVMs of one L2, for its block executor and its RPC calls alike: alloy-op-evm's, with the
//! node's deliberate fault (if any) applied where an EVM is set up, so that blocks and
//! `eth_call` agree on a broken rule as one client's code would.

use alloy::consensus::Header;
use alloy_evm::{Database, EvmEnv, EvmFactory, precompiles::PrecompilesMap, Evm as _};
use alloy_op_evm::{OpEvmContext, OpEvmFactory, OpTx, OpTxError, evm_env_for_op_block, spec_by_timestamp_after_bedrock};
use alloy_op_hardforks::OpChainHardforks;
use op_revm::{OpHaltReason, OpSpecId};
use revm::{Inspector, context::BlockEnv, context_interface::result::EVMError, inspector::NoOpInspector};

use super::fault::Fault;

/// Creates the L2's EVMs: op-revm with the chain's rules, or with the fault's wrong ones.
#[derive(Clone, Copy, Debug, Default)]
pub struct L2EvmFactory {
    pub fault: Option<Fault>,
}

impl L2EvmFactory {
    pub const fn new(fault: Option<Fault>) -> Self {
        Self { fault }
    }

    /// The environment of the block `header` describes, with the EVM rules this node runs it by.
    pub fn evm_env(&self, header: &Header, hardforks: &OpChainHardforks, chain_id: u64) -> EvmEnv<OpSpecId> {
        let mut env = evm_env_for_op_block(header, hardforks, chain_id);
        env.cfg_env.spec = Fault::evm_spec(self.fault, env.cfg_env.spec);
        env
    }

    /// The EVM rules this node runs a block at `timestamp` by (its receipts' fee formulas too).
    pub fn spec_at(&self, hardforks: &OpChainHardforks, timestamp: u64) -> OpSpecId {
        Fault::evm_spec(self.fault, spec_by_timestamp_after_bedrock(hardforks, timestamp))
    }
}

impl EvmFactory for L2EvmFactory {
    type Evm<DB: Database, I: Inspector<OpEvmContext<DB>>> = <OpEvmFactory as EvmFactory>::Evm<DB, I>;
    type Context<DB: Database> = OpEvmContext<DB>;
    type Tx = OpTx;
    type Error<DBError: std::error::Error + Send + Sync + 'static> = EVMError<DBError, OpTxError>;
    type HaltReason = OpHaltReason;
    type Spec = OpSpecId;
    type BlockEnv = BlockEnv;
    type Precompiles = PrecompilesMap;

    fn create_evm<DB: Database>(&self, db: DB, env: EvmEnv<OpSpecId>) -> Self::Evm<DB, NoOpInspector> {
        let spec = env.cfg_env.spec;
        let mut evm = OpEvmFactory::default().create_evm(db, env);
        Fault::edit_precompiles(self.fault, spec, evm.precompiles_mut());
        evm
    }

    fn create_evm_with_inspector<DB: Database, I: Inspector<OpEvmContext<DB>>>(&self, db: DB, env: EvmEnv<OpSpecId>, inspector: I) -> Self::Evm<DB, I> {
        let spec = env.cfg_env.spec;
        let mut evm = OpEvmFactory::default().create_evm_with_inspector(db, env, inspector);
        Fault::edit_precompiles(self.fault, spec, evm.precompiles_mut());
        evm
    }
}
