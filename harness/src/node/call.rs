//! Running transactions without committing them: `eth_call`, `eth_estimateGas`, and the
//! admission check of `eth_sendRawTransaction`. revm decides validity; this module only maps
//! its verdicts to the errors geth returns, which clients and tests match on.

use std::{convert::Infallible, fmt::Display};

use alloy::{
    consensus::{Header, transaction::Recovered},
    eips::eip2718::Encodable2718,
    primitives::Bytes,
    rpc::types::TransactionRequest,
    sol_types::{Revert, SolError},
};
use alloy_evm::{
    EvmEnv, EvmFactory, Evm, FromRecoveredTx, InvalidTxError,
    EthEvmFactory,
    rpc::TryIntoTxEnv,
};
use alloy_op_evm::{OpTx, map_op_err};
use op_alloy::consensus::OpTxEnvelope;
use op_revm::{OpTransaction, OpTransactionError, handler::OpHandler};
use revm::{
    context::{
        Cfg, ContextSetters, TxEnv,
        result::{EVMError, ExecutionResult, InvalidTransaction},
    },
    database::WrapDatabaseRef,
    handler::{EthFrame, Handler, MainnetHandler},
    interpreter::interpreter::EthInterpreter,
    primitives::hardfork::SpecId,
};

use super::{l1::L1Rules, l2::execute::OpFactory, state::WorldState};

/// Why a simulated transaction did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The transaction is invalid; the message is geth's.
    #[error("{0}")]
    Invalid(String),
    /// It ran and reverted.
    #[error("execution reverted{}", reason_suffix(.output))]
    Reverted { output: Bytes },
    /// It ran and halted (out of gas, invalid opcode, ...).
    #[error("{0}")]
    Halted(String),
    /// The request itself is malformed.
    #[error("{0}")]
    BadRequest(String),
}

/// `: <reason>` when the revert data is a non-empty `Error(string)`, as geth appends it.
fn reason_suffix(output: &Bytes) -> String {
    Revert::abi_decode(output).ok().map(|r| r.reason).filter(|r| !r.is_empty()).map(|r| format!(": {r}")).unwrap_or_default()
}

/// geth's message for a transaction revm finds invalid.
pub fn invalid_message(err: &InvalidTransaction) -> String {
    use InvalidTransaction as I;
    match err {
        I::NonceTooLow { .. } => "nonce too low".into(),
        I::NonceTooHigh { .. } => "nonce too high".into(),
        I::LackOfFundForMaxFee { .. } => "insufficient funds for gas * price + value".into(),
        I::CallGasCostMoreThanGasLimit { .. } => "intrinsic gas too low".into(),
        I::GasFloorMoreThanGasLimit { .. } => "insufficient gas for floor data gas cost".into(),
        I::GasPriceLessThanBasefee => "max fee per gas less than block base fee".into(),
        I::PriorityFeeGreaterThanMaxFee => "max priority fee per gas higher than max fee per gas".into(),
        I::CallerGasLimitMoreThanBlock => "exceeds block gas limit".into(),
        I::TxGasLimitGreaterThanCap { gas_limit, cap } => format!("transaction gas limit too high (cap: {cap}, tx: {gas_limit})"),
        I::CreateInitCodeSizeLimit => "max initcode size exceeded".into(),
        I::InvalidChainId | I::MissingChainId => "invalid chain id".into(),
        I::RejectCallerWithCode => "sender not an eoa".into(),
        I::Eip2930NotSupported
        | I::Eip1559NotSupported
        | I::Eip4844NotSupported
        | I::Eip7702NotSupported
        | I::Eip7873NotSupported => "transaction type not supported".into(),
        I::EmptyAuthorizationList => "EIP-7702 transaction with empty auth list".into(),
        other => other.to_string(),
    }
}

fn evm_error<D: Display, E: InvalidTxError + Display>(err: EVMError<D, E>) -> CallError {
    match err {
        EVMError::Transaction(tx) => CallError::Invalid(tx.as_invalid_tx_err().map_or_else(|| tx.to_string(), invalid_message)),
        other => CallError::Invalid(other.to_string()),
    }
}

/// The outcome of a call, or its error.
fn outcome<H: std::fmt::Debug>(result: ExecutionResult<H>) -> Result<(Bytes, u64), CallError> {
    match result {
        ExecutionResult::Success { output, gas, .. } => Ok((output.into_data(), gas.total_gas_spent())),
        ExecutionResult::Revert { output, .. } => Err(CallError::Reverted { output }),
        ExecutionResult::Halt { reason, .. } => Err(CallError::Halted(halt_message(&reason))),
    }
}

/// geth's words for the halts a check tells apart (`OpHaltReason` wraps the base reason, so the
/// match is on its name); any other halt keeps revm's name.
fn halt_message(reason: &impl std::fmt::Debug) -> String {
    let text = format!("{reason:?}");
    let geth = [
        ("OutOfGas", "out of gas"),
        ("OpcodeNotFound", "invalid opcode: opcode not defined"),
        ("NotActivated", "invalid opcode: opcode not defined"),
        ("InvalidFEOpcode", "invalid opcode: INVALID"),
        ("CreateInitCodeSizeLimit", "max initcode size exceeded"),
    ];
    geth.iter().find(|(name, _)| text.contains(name)).map_or_else(|| format!("execution halted: {text}"), |(_, words)| (*words).to_owned())
}

/// Runs transactions against a state without committing.
pub trait Simulator {
    /// The chain's signed transaction type.
    type Tx: Encodable2718;

    /// Runs a call request in the environment of `header` (`eth_call`): no nonce or base-fee
    /// checks, and the block's gas limit when the request names none. Returns output and gas.
    fn call(&self, state: &WorldState, header: &Header, request: TransactionRequest) -> Result<(Bytes, u64), CallError>;

    /// Checks that a signed transaction is valid in the block `header` describes, ignoring
    /// only nonce gaps (a future nonce waits in the pool). As geth's pool does, it validates
    /// without running the transaction: revm's validation and pre-execution stages (fields,
    /// intrinsic gas, fee caps, the sender's balance for the whole cost, L1 and operator fees
    /// included on OP), which are every check that can make it invalid. Running it too cost a
    /// block-filling transaction its whole execution twice, under the chain's lock.
    fn admit(&self, state: &WorldState, header: &Header, tx: &Recovered<Self::Tx>) -> Result<(), CallError>;

    /// The most gas one transaction may use in the block `header` describes: the block's gas
    /// limit, and from Osaka (Karst on L2) no more than EIP-7825's cap, as geth caps calls.
    fn gas_cap(&self, header: &Header) -> u64;
}

/// A call request's gas: what it names, else the most a transaction may use.
fn with_default_gas<S: Simulator>(sim: &S, header: &Header, request: TransactionRequest) -> TransactionRequest {
    let gas = request.gas.unwrap_or_else(|| sim.gas_cap(header));
    TransactionRequest { gas: Some(gas), ..request }
}

/// `eth_estimateGas`: the least gas limit at which the call succeeds, by binary search between
/// what it used and the block's gas limit.
pub fn estimate_gas<S: Simulator>(sim: &S, state: &WorldState, header: &Header, request: TransactionRequest) -> Result<u64, CallError> {
    let cap = request.gas.unwrap_or(u64::MAX).min(sim.gas_cap(header));
    let at = |gas: u64| sim.call(state, header, TransactionRequest { gas: Some(gas), ..request.clone() });
    let (_, used) = at(cap).map_err(|e| match e {
        CallError::Halted(_) => CallError::Invalid(format!("gas required exceeds allowance ({cap})")),
        other => other,
    })?;
    let (mut low, mut high) = (used.saturating_sub(1), cap);
    // Refunds and the 63/64 rule can make the needed limit exceed what was used: search upward.
    while low + 1 < high {
        let mid = low + (high - low) / 2;
        if at(mid).is_ok() { high = mid } else { low = mid }
    }
    Ok(high)
}

/// Loosens the environment the way geth's `eth_call` does.
fn call_env<S>(env: &mut EvmEnv<S>) {
    env.cfg_env.disable_nonce_check = true;
    env.cfg_env.disable_base_fee = true;
    env.cfg_env.disable_eip3607 = true;
}

fn request_env<S>(request: TransactionRequest, env: &EvmEnv<S>) -> Result<TxEnv, CallError> {
    request.try_into_tx_env(env).map_err(|e| CallError::BadRequest(e.to_string()))
}

/// The L2's simulator: the EVMs of the chain's block executor, with its fork schedule.
pub struct OpSimulator<'a> {
    pub factory: &'a OpFactory,
    pub chain_id: u64,
}

impl OpSimulator<'_> {
    fn env(&self, header: &Header) -> EvmEnv<op_revm::OpSpecId> {
        self.factory.evm_factory().evm_env(header, self.factory.spec(), self.chain_id)
    }
}

impl Simulator for OpSimulator<'_> {
    type Tx = OpTxEnvelope;

    fn call(&self, state: &WorldState, header: &Header, request: TransactionRequest) -> Result<(Bytes, u64), CallError> {
        let mut env = self.env(header);
        call_env(&mut env);
        let base = request_env(with_default_gas(self, header, request), &env)?;
        // An empty envelope makes the L1 and operator fees zero, as op-geth's eth_call does.
        let tx = OpTx(OpTransaction { base, enveloped_tx: Some(Bytes::new()), deposit: Default::default() });
        let mut evm = self.factory.evm_factory().create_evm(WrapDatabaseRef(state), env);
        outcome(evm.transact(tx).map_err(evm_error)?.result)
    }

    fn admit(&self, state: &WorldState, header: &Header, tx: &Recovered<OpTxEnvelope>) -> Result<(), CallError> {
        if tx.is_deposit() {
            return Err(CallError::Invalid("transaction type not supported".into()));
        }
        let mut env = self.env(header);
        env.cfg_env.disable_nonce_check = true;
        let mut evm = self.factory.evm_factory().create_evm(WrapDatabaseRef(state), env).into_inner();
        evm.0.ctx.set_tx(OpTx::from_recovered_tx(tx.inner(), tx.signer()));
        let handler = OpHandler::<_, EVMError<Infallible, OpTransactionError>, EthFrame<EthInterpreter>>::new();
        let invalid = |e| evm_error(map_op_err(e));
        let mut gas = handler.validate(&mut evm).map_err(invalid)?;
        handler.pre_execution(&mut evm, &mut gas).map(drop).map_err(invalid)
    }

    fn gas_cap(&self, header: &Header) -> u64 {
        header.gas_limit.min(self.env(header).cfg_env.tx_gas_limit_cap())
    }
}

/// The L1's simulator: revm on Prague.
pub struct EthSimulator<'a> {
    pub rules: &'a L1Rules,
    pub chain_id: u64,
}

impl EthSimulator<'_> {
    fn env(&self, header: &Header) -> EvmEnv<SpecId> {
        EvmEnv::for_eth_block(header, self.rules, self.chain_id, Some(alloy::eips::eip7840::BlobParams::prague()))
    }
}

impl Simulator for EthSimulator<'_> {
    type Tx = alloy::consensus::TxEnvelope;

    fn call(&self, state: &WorldState, header: &Header, request: TransactionRequest) -> Result<(Bytes, u64), CallError> {
        let mut env = self.env(header);
        call_env(&mut env);
        let tx = request_env(with_default_gas(self, header, request), &env)?;
        let mut evm = EthEvmFactory::default().create_evm(WrapDatabaseRef(state), env);
        outcome(evm.transact(tx).map_err(evm_error)?.result)
    }

    fn admit(&self, state: &WorldState, header: &Header, tx: &Recovered<Self::Tx>) -> Result<(), CallError> {
        let mut env = self.env(header);
        env.cfg_env.disable_nonce_check = true;
        let mut evm = EthEvmFactory::default().create_evm(WrapDatabaseRef(state), env).into_inner();
        evm.ctx.set_tx(TxEnv::from_recovered_tx(tx.inner(), tx.signer()));
        let handler = MainnetHandler::<_, EVMError<Infallible, InvalidTransaction>, EthFrame<EthInterpreter>>::default();
        let mut gas = handler.validate(&mut evm).map_err(evm_error)?;
        handler.pre_execution(&mut evm, &mut gas).map(drop).map_err(evm_error)
    }

    fn gas_cap(&self, header: &Header) -> u64 {
        header.gas_limit.min(self.env(header).cfg_env.tx_gas_limit_cap())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revert_messages_read_like_geths() {
        let empty = CallError::Reverted { output: Bytes::new() };
        assert_eq!(empty.to_string(), "execution reverted");
        let reason = Revert::from("Create2: Failed on deploy");
        let with_reason = CallError::Reverted { output: reason.abi_encode().into() };
        assert_eq!(with_reason.to_string(), "execution reverted: Create2: Failed on deploy");
    }
}
