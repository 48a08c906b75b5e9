//! `eth_getProof`: Merkle proofs of an account and its storage slots, from the in-memory state,
//! with alloy-trie's hash builder retaining the nodes on each target's path.

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    rpc::types::{EIP1186AccountProofResponse, EIP1186StorageProof},
    serde::JsonStorageKey,
};
use alloy_trie::{EMPTY_ROOT_HASH, HashBuilder, KECCAK_EMPTY, Nibbles, proof::ProofRetainer};

use super::state::WorldState;

/// The root of `leaves` (sorted by hashed key) and, per target, the nodes from the root down.
fn root_and_proofs(leaves: &[(B256, Vec<u8>)], targets: &[B256]) -> (B256, Vec<Vec<Bytes>>) {
    let paths: Vec<Nibbles> = targets.iter().map(Nibbles::unpack).collect();
    let mut builder = HashBuilder::default().with_proof_retainer(ProofRetainer::new(paths.clone()));
    for (key, value) in leaves {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    let root = builder.root();
    let nodes = builder.take_proof_nodes();
    // An empty trie has no nodes to prove with; geth answers with an empty proof.
    let proofs = paths
        .iter()
        .map(|p| if leaves.is_empty() { Vec::new() } else { nodes.matching_nodes_sorted(p).into_iter().map(|(_, n)| n).collect() })
        .collect();
    (root, proofs)
}

fn sorted(mut leaves: Vec<(B256, Vec<u8>)>) -> Vec<(B256, Vec<u8>)> {
    leaves.sort_unstable_by_key(|leaf| leaf.0);
    leaves
}

/// The proof of `address` and `keys` against `state`'s root.
pub fn account_proof(state: &WorldState, address: Address, keys: Vec<JsonStorageKey>) -> EIP1186AccountProofResponse {
    let account = state.account(&address);
    let storage_leaves = sorted(
        account
            .map(|a| a.storage.iter().map(|(k, v)| (keccak256(B256::from(*k)), alloy::rlp::encode(v))).collect())
            .unwrap_or_default(),
    );
    let hashed_keys: Vec<B256> = keys.iter().map(|k| keccak256(k.as_b256())).collect();
    let (storage_root, storage_proofs) = root_and_proofs(&storage_leaves, &hashed_keys);
    let account_leaves: Vec<(B256, Vec<u8>)> = state.leaves().into_iter().map(|(k, v)| (k, v.to_vec())).collect();
    let (_, mut account_proofs) = root_and_proofs(&account_leaves, &[keccak256(address)]);
    EIP1186AccountProofResponse {
        address,
        balance: account.map_or(U256::ZERO, |a| a.balance),
        nonce: account.map_or(0, |a| a.nonce),
        code_hash: account.map_or(KECCAK_EMPTY, |a| a.code_hash),
        storage_hash: if account.is_some() { storage_root } else { EMPTY_ROOT_HASH },
        account_proof: account_proofs.remove(0),
        storage_proof: keys
            .into_iter()
            .zip(storage_proofs)
            .map(|(key, proof)| EIP1186StorageProof { value: state.storage(&address, key.as_b256().into()), key, proof })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::genesis::GenesisAccount;
    use alloy_trie::proof::verify_proof;

    #[test]
    fn proofs_verify_against_the_state_root() {
        let contract = Address::repeat_byte(0x42);
        let mut storage = std::collections::BTreeMap::new();
        storage.insert(B256::with_last_byte(1), B256::with_last_byte(7));
        let alloc = [
            (contract, GenesisAccount::default().with_storage(Some(storage))),
            (Address::repeat_byte(1), GenesisAccount::default().with_balance(U256::from(5))),
        ];
        let state = WorldState::from_alloc(alloc.iter().map(|(a, g)| (a, g)));
        let key = JsonStorageKey::from(B256::with_last_byte(1));
        let proof = account_proof(&state, contract, vec![key]);
        assert_eq!(proof.storage_hash, state.storage_root(&contract));
        let leaf = alloy::rlp::encode(alloy_trie::TrieAccount {
            nonce: 0,
            balance: U256::ZERO,
            storage_root: proof.storage_hash,
            code_hash: KECCAK_EMPTY,
        });
        verify_proof(state.state_root(), Nibbles::unpack(keccak256(contract)), Some(leaf), &proof.account_proof).unwrap();
        let slot = &proof.storage_proof[0];
        assert_eq!(slot.value, U256::from(7));
        verify_proof(proof.storage_hash, Nibbles::unpack(keccak256(B256::with_last_byte(1))), Some(alloy::rlp::encode(slot.value)), &slot.proof).unwrap();
    }
}
