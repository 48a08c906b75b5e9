//! User deposits: each `TransactionDeposited` log of the portal in an L1 block becomes a deposit
//! transaction of the first L2 block with that L1 origin, decoded by kona-protocol exactly as
//! op-node decodes it.

use alloy::{eips::eip2718::Decodable2718, primitives::B256};
use kona_protocol::{DEPOSIT_EVENT_ABI_HASH, decode_deposit};
use op_alloy::consensus::{OpTxEnvelope, TxDeposit};

use super::{L1Addresses, L1Receipt, successful_logs};

/// The user deposits of L1 block `block_hash`, in log order. Logs of other contracts, other
/// events and failed receipts are ignored, as op-node ignores them. A portal log that does not
/// decode (the portal never emits one) halts op-node's derivation; here it is reported and
/// skipped so the chain keeps going.
pub fn user_deposits(block_hash: B256, receipts: &[L1Receipt], addresses: &L1Addresses) -> Vec<TxDeposit> {
    successful_logs(receipts)
        .filter(|(_, log)| log.address == addresses.portal && log.topics().first() == Some(&DEPOSIT_EVENT_ABI_HASH))
        .filter_map(|(index, log)| match decode_deposit(block_hash, index, log) {
            Ok(raw) => match OpTxEnvelope::decode_2718(&mut raw.as_ref()) {
                Ok(OpTxEnvelope::Deposit(deposit)) => Some(deposit.into_inner()),
                other => {
                    tracing::error!(%block_hash, index, ?other, "kona decoded a portal log into something other than a deposit; skipped");
                    None
                }
            },
            Err(error) => {
                tracing::error!(%block_hash, index, %error, "a portal log does not decode into a deposit (op-node would halt); skipped");
                None
            }
        })
        .collect()
}
