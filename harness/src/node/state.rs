//! The world state of a chain: accounts, code and storage in persistent maps, so every block can
//! keep its own snapshot (for queries at old blocks) at the cost of what changed.

use std::convert::Infallible;

use alloy::{
    consensus::constants::KECCAK_EMPTY,
    genesis::GenesisAccount,
    primitives::{Address, B256, U256, keccak256},
};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount, root::storage_root_unhashed};
use imbl::OrdMap;
use revm::{
    DatabaseRef,
    bytecode::Bytecode,
    database::BundleState,
    state::AccountInfo,
};

use super::trie::StateTrie;

/// One account and its storage; the storage root is cached because roots are computed every
/// block and most accounts do not change.
#[derive(Clone, Debug, Default)]
pub struct Account {
    pub nonce: u64,
    pub balance: U256,
    pub code_hash: B256,
    pub storage: OrdMap<U256, U256>,
    storage_root: B256,
}

impl Account {
    fn with_storage(mut self, storage: OrdMap<U256, U256>) -> Self {
        self.storage_root = storage_root_unhashed(storage.iter().map(|(k, v)| (B256::from(*k), *v)));
        self.storage = storage;
        self
    }

    /// The root of this account's storage trie.
    pub const fn storage_root(&self) -> B256 {
        self.storage_root
    }

    fn trie_account(&self) -> TrieAccount {
        TrieAccount { nonce: self.nonce, balance: self.balance, storage_root: self.storage_root, code_hash: self.code_hash }
    }
}

/// Accounts, contract code by hash, and the hashes of recent blocks (for `BLOCKHASH`).
#[derive(Clone, Debug, Default)]
pub struct WorldState {
    accounts: OrdMap<Address, Account>,
    /// Each account's state-trie leaf (RLP) by hashed address, with the trie's top subtries
    /// cached: a root re-encodes only changed accounts and re-hashes only the subtries above them.
    trie: StateTrie,
    code: OrdMap<B256, Bytecode>,
    block_hashes: OrdMap<u64, B256>,
}

/// How many recent block hashes `BLOCKHASH` can see.
const BLOCK_HASH_WINDOW: u64 = 256;

impl WorldState {
    /// A state holding a genesis allocation.
    pub fn from_alloc<'a>(alloc: impl IntoIterator<Item = (&'a Address, &'a GenesisAccount)>) -> Self {
        let mut state = Self::default();
        for (address, account) in alloc {
            let code = account.code.as_ref().filter(|c| !c.is_empty()).map(|c| Bytecode::new_raw(c.clone()));
            let code_hash = code.as_ref().map_or(KECCAK_EMPTY, Bytecode::hash_slow);
            if let Some(code) = code {
                state.code.insert(code_hash, code);
            }
            let storage = account.storage.iter().flatten().map(|(k, v)| (U256::from_be_bytes(k.0), U256::from_be_bytes(v.0)));
            let storage = storage.filter(|(_, v)| !v.is_zero()).collect();
            let base = Account { nonce: account.nonce.unwrap_or_default(), balance: account.balance, code_hash, ..Default::default() };
            state.set_account(*address, base.with_storage(storage));
        }
        state.trie.refresh();
        state
    }

    fn set_account(&mut self, address: Address, account: Account) {
        self.trie.insert(keccak256(address), alloy::rlp::encode(account.trie_account()));
        self.accounts.insert(address, account);
    }

    fn remove_account(&mut self, address: &Address) {
        self.trie.remove(&keccak256(address));
        self.accounts.remove(address);
    }

    /// The state-trie leaves, `(keccak256(address), rlp(account))`, in trie order.
    pub fn leaves(&self) -> impl Iterator<Item = (&B256, &Vec<u8>)> {
        self.trie.leaves()
    }

    /// The state as a genesis allocation.
    pub fn to_alloc(&self) -> Vec<(Address, GenesisAccount)> {
        self.accounts
            .iter()
            .map(|(address, a)| {
                let storage = a.storage.iter().map(|(k, v)| (B256::from(*k), B256::from(*v))).collect::<std::collections::BTreeMap<_, _>>();
                let account = GenesisAccount {
                    nonce: (a.nonce != 0).then_some(a.nonce),
                    balance: a.balance,
                    code: self.code.get(&a.code_hash).map(|c| c.original_bytes()),
                    storage: (!storage.is_empty()).then_some(storage),
                    private_key: None,
                };
                (*address, account)
            })
            .collect()
    }

    /// The account at `address`, if it exists.
    pub fn account(&self, address: &Address) -> Option<&Account> {
        self.accounts.get(address)
    }

    /// Every account, in address order.
    pub fn accounts(&self) -> impl Iterator<Item = (&Address, &Account)> {
        self.accounts.iter()
    }

    /// Contract code of `address` (empty for accounts without code).
    pub fn code(&self, address: &Address) -> Option<&Bytecode> {
        self.accounts.get(address).and_then(|a| self.code.get(&a.code_hash))
    }

    /// A storage slot's value (zero when unset).
    pub fn storage(&self, address: &Address, slot: U256) -> U256 {
        self.accounts.get(address).and_then(|a| a.storage.get(&slot).copied()).unwrap_or_default()
    }

    /// Records block `number`'s hash for `BLOCKHASH` and forgets hashes out of its window.
    pub fn record_block_hash(&mut self, number: u64, hash: B256) {
        self.block_hashes.insert(number, hash);
        if let Some(old) = number.checked_sub(BLOCK_HASH_WINDOW) {
            self.block_hashes.remove(&old);
        }
    }

    /// Applies what a block's execution changed.
    pub fn apply(&mut self, bundle: BundleState) {
        for (hash, code) in bundle.contracts {
            self.code.insert(hash, code);
        }
        for (address, changed) in bundle.state {
            let Some(info) = changed.info else {
                self.remove_account(&address);
                continue;
            };
            let previous = self.accounts.get(&address).filter(|_| !changed.status.was_destroyed());
            let mut storage = previous.map(|a| a.storage.clone()).unwrap_or_default();
            for (slot, value) in changed.storage {
                if value.present_value.is_zero() {
                    storage.remove(&slot);
                } else {
                    storage.insert(slot, value.present_value);
                }
            }
            if let Some(code) = info.code.filter(|c| !c.is_empty()) {
                self.code.insert(info.code_hash, code);
            }
            let base = Account { nonce: info.nonce, balance: info.balance, code_hash: info.code_hash, ..Default::default() };
            let unchanged_storage = previous.is_some_and(|p| p.storage.ptr_eq(&storage));
            let account = match previous {
                Some(p) if unchanged_storage => Account { storage, storage_root: p.storage_root, ..base },
                _ => base.with_storage(storage),
            };
            self.set_account(address, account);
        }
        self.trie.refresh();
    }

    /// The state root.
    pub fn state_root(&self) -> B256 {
        self.trie.root()
    }

    /// The storage root of `address` (the empty root for unknown accounts).
    pub fn storage_root(&self, address: &Address) -> B256 {
        self.accounts.get(address).map_or(EMPTY_ROOT_HASH, Account::storage_root)
    }

    /// Hash of a contract's code, or the empty-code hash.
    pub fn code_hash(&self, address: &Address) -> B256 {
        self.accounts.get(address).map_or(KECCAK_EMPTY, |a| a.code_hash)
    }
}

impl DatabaseRef for WorldState {
    type Error = Infallible;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.accounts.get(&address).map(|a| AccountInfo {
            balance: a.balance,
            nonce: a.nonce,
            code_hash: a.code_hash,
            code: self.code.get(&a.code_hash).cloned(),
            ..Default::default()
        }))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        Ok(self.code.get(&code_hash).cloned().unwrap_or_default())
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        Ok(self.storage(&address, index))
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        // Outside the window BLOCKHASH yields zero; revm checks the window itself, so a miss
        // here is a block this chain never had.
        Ok(self.block_hashes.get(&number).copied().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_leaves_give_the_root_of_the_full_computation() {
        let alloc = [
            (Address::repeat_byte(1), GenesisAccount::default().with_balance(U256::from(5)).with_nonce(Some(3))),
            (Address::repeat_byte(2), GenesisAccount::default().with_code(Some(alloy::primitives::Bytes::from_static(&[0x60, 0x00])))),
        ];
        let state = WorldState::from_alloc(alloc.iter().map(|(a, g)| (a, g)));
        let full = alloy_trie::root::state_root_unhashed(state.accounts().map(|(a, acc)| (*a, acc.trie_account())));
        assert_eq!(state.state_root(), full);
        assert_ne!(full, EMPTY_ROOT_HASH);
    }

    /// Blocks that change, add and delete accounts among ~2,100, each applied to a copy of the
    /// last state as block building does: every root matches a full computation, and earlier
    /// snapshots keep theirs.
    #[test]
    fn roots_after_applied_blocks_match_the_full_computation() {
        let address = |i: u64| Address::from_word(keccak256(i.to_be_bytes()));
        let full = |state: &WorldState| alloy_trie::root::state_root_unhashed(state.accounts().map(|(a, acc)| (*a, acc.trie_account())));
        let alloc: Vec<_> = (0..2100).map(|i| (address(i), GenesisAccount::default().with_balance(U256::from(i)))).collect();
        let mut state = WorldState::from_alloc(alloc.iter().map(|(a, g)| (a, g)));
        let mut snapshots = vec![(state.clone(), full(&state))];
        for block in 0..50 {
            let info = |balance: u64| AccountInfo { balance: U256::from(balance), ..Default::default() };
            let slot = [(U256::from(block), (U256::ZERO, U256::from(block + 1)))];
            let bundle = BundleState::builder(block..=block)
                .state_present_account_info(address(block * 41), info(block))
                .state_present_account_info(address(block * 43 + 1), info(7))
                .state_storage(address(block * 43 + 1), slot.into_iter().collect())
                .state_present_account_info(address(2100 + block), info(1))
                // Without present info: deleted.
                .state_address(address(block * 47 + 2))
                .build();
            let mut next = state.clone();
            next.apply(bundle);
            assert_eq!(next.state_root(), full(&next), "block {block}");
            snapshots.push((next.clone(), full(&next)));
            state = next;
        }
        for (snapshot, root) in snapshots {
            assert_eq!(snapshot.state_root(), root);
        }
    }
}
