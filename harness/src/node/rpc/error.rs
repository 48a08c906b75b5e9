//! JSON-RPC errors with geth's codes and messages: clients and tests match on them.

use alloy::hex;
use jsonrpsee::types::ErrorObjectOwned;

use crate::node::{call::CallError, store::{LogsError, StateError}};

/// geth's code for failed calls and rejected transactions.
pub const SERVER_ERROR: i32 = -32000;
/// geth's code for a reverted call; the revert data rides in `data`.
pub const EXECUTION_REVERTED: i32 = 3;
pub const INVALID_PARAMS: i32 = -32602;

pub fn server_error(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(SERVER_ERROR, message, None::<()>)
}

/// Whether a refused send lost a nonce race, in geth's words (which anvil shares): another
/// sender of the same key took the nonce between the lookup and the send. Such a send is
/// retried with the next nonce.
pub fn is_nonce_race(message: &str) -> bool {
    ["nonce too low", "replacement transaction underpriced", "already known"].iter().any(|m| message.contains(m))
}

/// A request whose parameters the method refuses.
pub fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(INVALID_PARAMS, message, None::<()>)
}

impl From<CallError> for ErrorObjectOwned {
    fn from(err: CallError) -> Self {
        match &err {
            CallError::Reverted { output } => Self::owned(EXECUTION_REVERTED, err.to_string(), Some(hex::encode_prefixed(output))),
            CallError::BadRequest(message) => invalid_params(message.clone()),
            CallError::Invalid(message) | CallError::Halted(message) => server_error(message.clone()),
        }
    }
}

impl From<StateError> for ErrorObjectOwned {
    fn from(err: StateError) -> Self {
        server_error(err.to_string())
    }
}

impl From<LogsError> for ErrorObjectOwned {
    fn from(err: LogsError) -> Self {
        server_error(err.to_string())
    }
}
