//! P256VERIFY (RIP-7212) inputs from the `p256` crate, shared by the feature suite and the
//! cross-feature checks.

use alloy::primitives::{Address, address, keccak256};
use p256::ecdsa::{Signature, SigningKey, signature::hazmat::PrehashSigner};

/// RIP-7212's P256VERIFY precompile.
pub const P256VERIFY: Address = address!("0000000000000000000000000000000000000100");

/// A P-256 key derived from `seed`.
pub fn key(seed: &str) -> SigningKey {
    SigningKey::from_slice(keccak256(seed).as_slice()).expect("a keccak hash is a valid P-256 scalar")
}

/// P256VERIFY's 160-byte input: `hash ++ r ++ s ++ x ++ y` for a signature by `signer` over the
/// hash of `message`, claimed to be by `claimed`'s public key.
pub fn input(signer: &SigningKey, claimed: &SigningKey, message: &str) -> Vec<u8> {
    let hash = keccak256(message);
    let signature: Signature = signer.sign_prehash(hash.as_slice()).expect("signing a 32-byte hash");
    let point = claimed.verifying_key().to_encoded_point(false);
    let (x, y) = (point.x().expect("uncompressed"), point.y().expect("uncompressed"));
    [hash.as_slice(), &signature.to_bytes(), &x[..], &y[..]].concat()
}

/// A valid input: alice's signature checked against alice's key.
pub fn valid() -> Vec<u8> {
    let alice = key("alice");
    input(&alice, &alice, "P256VERIFY")
}
