//! The world state of a chain: accounts, code and storage in persistent maps, so every block can
//! keep its own snapshot (for queries at old blocks) at the cost of what changed.

use std::{convert::Infallible, sync::Arc};

use alloy::{
    consensus::constants::KECCAK_EMPTY,
    genesis::GenesisAccount,
    primitives::{Address, B256, Bytes, U256, keccak256, map::HashMap},
};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use imbl::OrdMap;
use revm::{
    DatabaseRef,
    bytecode::Bytecode,
    database::BundleState,
    state::AccountInfo,
};

use super::trie::Trie;

/// One account and its storage. The storage trie is kept beside the slots so that a block
/// re-hashes only the slots it changed; clones share both.
#[derive(Clone, Debug, Default)]
pub struct Account {
    pub nonce: u64,
    pub balance: U256,
    pub code_hash: B256,
    pub storage: OrdMap<U256, U256>,
    /// `keccak256(slot) -> rlp(value)` for every non-zero slot.
    storage_trie: Trie,
}

impl Account {
    /// Sets a storage slot; zero clears it.
    fn set_slot(&mut self, slot: U256, value: U256) {
        let key = keccak256(B256::from(slot));
        if value.is_zero() {
            self.storage.remove(&slot);
            self.storage_trie.remove(&key);
        } else {
            self.storage.insert(slot, value);
            self.storage_trie.insert(key, alloy::rlp::encode(value));
        }
    }

    /// The root of this account's storage trie.
    pub fn storage_root(&self) -> B256 {
        self.storage_trie.root()
    }

    fn trie_account(&self) -> TrieAccount {
        TrieAccount { nonce: self.nonce, balance: self.balance, storage_root: self.storage_root(), code_hash: self.code_hash }
    }
}

/// Accounts, contract code by hash, and the hashes of recent blocks (for `BLOCKHASH`).
#[derive(Clone, Debug, Default)]
pub struct WorldState {
    /// Behind `Arc`s so that a block's changes copy small map nodes, not whole accounts.
    accounts: OrdMap<Address, Arc<Account>>,
    /// Each account's state-trie leaf (RLP) by hashed address: a root re-encodes only changed
    /// accounts and re-hashes only the nodes above them.
    trie: Trie,
    code: OrdMap<B256, Bytecode>,
    block_hashes: OrdMap<u64, B256>,
}

/// How many recent block hashes `BLOCKHASH` can see.
const BLOCK_HASH_WINDOW: u64 = 256;

impl WorldState {
    /// A state holding a genesis allocation.
    pub fn from_alloc<'a>(alloc: impl IntoIterator<Item = (&'a Address, &'a GenesisAccount)>) -> Self {
        let mut state = Self::default();
        state.insert_alloc(alloc);
        state
    }

    /// [`Self::from_alloc`] with its trie hashed: a base that states are cloned from shares the
    /// hashed nodes, so each clone re-hashes only what it changes.
    pub fn hashed_from_alloc<'a>(alloc: impl IntoIterator<Item = (&'a Address, &'a GenesisAccount)>) -> Self {
        let state = Self::from_alloc(alloc);
        state.state_root();
        state
    }

    /// Adds genesis accounts, replacing any at the same address. A state built from one
    /// allocation and edited this way (a release's L1 state given a chain's contracts, an L2's
    /// predeploys given the dev accounts) is walked once, not rebuilt from a new allocation.
    pub fn insert_alloc<'a>(&mut self, alloc: impl IntoIterator<Item = (&'a Address, &'a GenesisAccount)>) {
        // Allocations repeat code (an OP chain's ~2,000 predeploy proxies share one): each
        // distinct code is analysed and hashed once.
        let mut hashes: HashMap<&Bytes, B256> = HashMap::default();
        for (address, account) in alloc {
            let code_hash = match account.code.as_ref().filter(|c| !c.is_empty()) {
                None => KECCAK_EMPTY,
                Some(code) => *hashes.entry(code).or_insert_with(|| {
                    let code = Bytecode::new_raw(code.clone());
                    let hash = code.hash_slow();
                    self.code.insert(hash, code);
                    hash
                }),
            };
            let mut base = Account { nonce: account.nonce.unwrap_or_default(), balance: account.balance, code_hash, ..Default::default() };
            for (slot, value) in account.storage.iter().flatten() {
                base.set_slot(U256::from_be_bytes(slot.0), U256::from_be_bytes(value.0));
            }
            self.set_account(*address, base);
        }
    }

    /// Removes accounts (their code stays, shared by hash with any other holder).
    pub fn remove_accounts<'a>(&mut self, addresses: impl IntoIterator<Item = &'a Address>) {
        for address in addresses {
            self.remove_account(address);
        }
    }

    fn set_account(&mut self, address: Address, account: Account) {
        self.trie.insert(keccak256(address), alloy::rlp::encode(account.trie_account()));
        self.accounts.insert(address, Arc::new(account));
    }

    fn remove_account(&mut self, address: &Address) {
        self.trie.remove(&keccak256(address));
        self.accounts.remove(address);
    }

    /// The state-trie leaves, `(keccak256(address), rlp(account))`, in trie order.
    pub fn leaves(&self) -> Vec<(B256, &[u8])> {
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
        self.accounts.get(address).map(Arc::as_ref)
    }

    /// Every account, in address order.
    pub fn accounts(&self) -> impl Iterator<Item = (&Address, &Account)> {
        self.accounts.iter().map(|(address, account)| (address, account.as_ref()))
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
        // revm lists the code of every contract the block ran; only new code needs a copy of
        // the map's nodes.
        for (hash, code) in bundle.contracts {
            if !self.code.contains_key(&hash) {
                self.code.insert(hash, code);
            }
        }
        for (address, changed) in bundle.state {
            let Some(info) = changed.info else {
                self.remove_account(&address);
                continue;
            };
            // A destroyed account starts over, so every slot it lists is set, changed or not.
            let wiped = changed.status.was_destroyed();
            let previous = self.accounts.get(&address).filter(|_| !wiped);
            let mut account = previous.map_or_else(Account::default, |a| Account::clone(a));
            (account.nonce, account.balance, account.code_hash) = (info.nonce, info.balance, info.code_hash);
            for (slot, value) in changed.storage.into_iter().filter(|(_, v)| wiped || v.is_changed()) {
                account.set_slot(slot, value.present_value);
            }
            if let Some(code) = info.code.filter(|c| !c.is_empty() && !self.code.contains_key(&info.code_hash)) {
                self.code.insert(info.code_hash, code);
            }
            self.set_account(address, account);
        }
    }

    /// The state root.
    pub fn state_root(&self) -> B256 {
        self.trie.root()
    }

    /// The storage root of `address` (the empty root for unknown accounts).
    pub fn storage_root(&self, address: &Address) -> B256 {
        self.accounts.get(address).map_or(EMPTY_ROOT_HASH, |a| a.storage_root())
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
    use alloy_trie::root::{state_root_unhashed, storage_root_unhashed};

    use super::*;

    /// An account's storage root by a full pass over its slots, with nothing cached.
    fn full_storage_root(account: &Account) -> B256 {
        storage_root_unhashed(account.storage.iter().map(|(k, v)| (B256::from(*k), *v)))
    }

    /// The state root by a full pass over every account and every slot.
    fn full_state_root(state: &WorldState) -> B256 {
        state_root_unhashed(state.accounts().map(|(address, account)| {
            let storage_root = full_storage_root(account);
            (*address, TrieAccount { nonce: account.nonce, balance: account.balance, storage_root, code_hash: account.code_hash })
        }))
    }

    fn address(i: u64) -> Address {
        Address::from_word(keccak256(i.to_be_bytes()))
    }

    fn info(balance: u64) -> AccountInfo {
        AccountInfo { balance: U256::from(balance), ..Default::default() }
    }

    /// Applies each block to a copy of the last state, as block building does, checking every
    /// root against a full pass; at the end, every snapshot must still give its own root.
    /// `changes` makes each block's changes from the state before it.
    fn check_blocks(mut state: WorldState, blocks: u64, mut changes: impl FnMut(&WorldState, u64) -> BundleState) {
        let mut snapshots = vec![(state.clone(), full_state_root(&state))];
        for block in 1..=blocks {
            let mut next = state.clone();
            next.apply(changes(&state, block));
            for (address, account) in next.accounts() {
                assert_eq!(account.storage_root(), full_storage_root(account), "block {block}, {address}");
            }
            let root = full_state_root(&next);
            assert_eq!(next.state_root(), root, "block {block}");
            snapshots.push((next.clone(), root));
            state = next;
        }
        for (block, (snapshot, root)) in snapshots.into_iter().enumerate() {
            assert_eq!(snapshot.state_root(), root, "snapshot after block {block}");
        }
    }

    #[test]
    fn cached_leaves_give_the_root_of_the_full_computation() {
        let alloc = [
            (Address::repeat_byte(1), GenesisAccount::default().with_balance(U256::from(5)).with_nonce(Some(3))),
            (Address::repeat_byte(2), GenesisAccount::default().with_code(Some(alloy::primitives::Bytes::from_static(&[0x60, 0x00])))),
        ];
        let state = WorldState::from_alloc(alloc.iter().map(|(a, g)| (a, g)));
        assert_eq!(state.state_root(), full_state_root(&state));
        assert_ne!(state.state_root(), EMPTY_ROOT_HASH);
    }

    /// Blocks that change, add and delete accounts among ~2,100.
    #[test]
    fn roots_after_applied_blocks_match_the_full_computation() {
        let alloc: Vec<_> = (0..2100).map(|i| (address(i), GenesisAccount::default().with_balance(U256::from(i)))).collect();
        let blocks = |_: &WorldState, block: u64| {
            let slot = [(U256::from(block), (U256::ZERO, U256::from(block + 1)))];
            BundleState::builder(block..=block)
                .state_present_account_info(address(block * 41), info(block))
                .state_present_account_info(address(block * 43 + 1), info(7))
                .state_storage(address(block * 43 + 1), slot.into_iter().collect())
                .state_present_account_info(address(2100 + block), info(1))
                // Without present info: deleted.
                .state_address(address(block * 47 + 2))
                .build()
        };
        check_blocks(WorldState::from_alloc(alloc.iter().map(|(a, g)| (a, g))), 50, blocks);
    }

    /// Randomized storage histories: contracts whose storage grows every block like the
    /// EIP-4788 and EIP-2935 ring buffers (then wraps and overwrites), beside slots set to new
    /// values, to their own values, and cleared, drawn from a keccak counter so every run
    /// checks the same blocks. Storage starts from a genesis allocation with slots of its own.
    #[test]
    fn storage_roots_after_applied_blocks_match_the_full_computation() {
        let draw = |block: u64, i: u64| U256::from_be_bytes(keccak256([block.to_be_bytes(), i.to_be_bytes()].concat()).0);
        let contracts: Vec<Address> = (0..6).map(|i| address(10_000 + i)).collect();
        let genesis_slots = |i: u64| (0..40 * i).map(|s| (B256::from(U256::from(s)), B256::from(draw(0, s)))).collect();
        let alloc: Vec<_> = contracts.iter().zip(0..).map(|(a, i)| (*a, GenesisAccount::default().with_storage(Some(genesis_slots(i))))).collect();
        let blocks = |state: &WorldState, block: u64| {
            let mut bundle = BundleState::builder(block..=block);
            for (index, contract) in contracts.iter().enumerate() {
                let ring = 41 + index as u64 * 29;
                let mut writes = vec![(U256::from(block % ring), U256::from(block)), (U256::from(block % ring + ring), draw(block, 1))];
                for i in 0..(draw(block, 2 + index as u64) % U256::from(6)).to::<u64>() {
                    // A small slot space, so that clears and rewrites hit slots that exist.
                    let slot = draw(block, 100 + i) % U256::from(3 * ring);
                    let present = match (draw(block, 200 + i) % U256::from(3)).to::<u8>() {
                        0 => U256::ZERO,
                        1 => U256::from(block * 1000 + i),
                        _ => state.storage(contract, slot),
                    };
                    writes.push((slot, present));
                }
                // As revm reports them: the value before the block, and after.
                let slots = writes.into_iter().map(|(slot, present)| (slot, (state.storage(contract, slot), present))).collect();
                bundle = bundle.state_present_account_info(*contract, info(block)).state_storage(*contract, slots);
            }
            bundle.build()
        };
        check_blocks(WorldState::from_alloc(alloc.iter().map(|(a, g)| (a, g))), 200, blocks);
    }
}
