//! The state trie's leaves with the nodes of its top levels cached, so a block's state root
//! re-hashes only the subtries holding accounts that changed, not all of them.
//!
//! A subtrie is the trie over the leaves whose keys start with a path, keyed by the rest of each
//! key. Its top node is computed the same way at every depth: nothing, a leaf, or the join of
//! its 16 child subtries. Subtries at the top [`CACHED_DEPTH`] levels are kept in a persistent
//! map, like the leaves, so every snapshot keeps its own at the cost of what changed.

use std::ops::RangeInclusive;

use alloy::primitives::{B256, U256, keccak256};
use alloy_trie::{
    EMPTY_ROOT_HASH, Nibbles, TrieMask,
    nodes::{BranchNodeRef, ExtensionNodeRef, LeafNode, RlpNode},
};
use imbl::OrdMap;

/// How many levels of subtries are cached: 2 gives 256 subtries at the bottom level, about
/// eight accounts each for a chain of ~2,000, so a changed account costs a handful of hashes.
const CACHED_DEPTH: usize = 2;

/// The top node of a subtrie, in a form its parent can absorb when it is the parent's only child
/// (the parent then holds no branch but this node with its key one nibble longer).
#[derive(Clone, Debug)]
enum Subtrie {
    /// The only leaf: the rest of its key and its value.
    Leaf(LeafNode),
    /// A branch node, as its parent refers to it, reached through an extension by `key` (none
    /// when empty).
    Branch { key: Nibbles, branch: RlpNode },
}

impl Subtrie {
    /// This node as the only child of the node above it, which it replaces: the same node, its
    /// key one nibble longer.
    fn prefixed(self, nibble: u8) -> Self {
        let key = |rest: &Nibbles| Nibbles::from_nibbles([nibble]).join(rest);
        match self {
            Self::Leaf(leaf) => Self::Leaf(LeafNode::new(key(&leaf.key), leaf.value)),
            Self::Branch { key: rest, branch } => Self::Branch { key: key(&rest), branch },
        }
    }

    /// The node as its parent refers to it: its RLP when shorter than 32 bytes, else its hash.
    fn reference(&self) -> RlpNode {
        let mut rlp = Vec::new();
        match self {
            Self::Leaf(leaf) => leaf.as_ref().rlp(&mut rlp),
            Self::Branch { key, branch } if key.is_empty() => branch.clone(),
            Self::Branch { key, branch } => ExtensionNodeRef::new(key, branch).rlp(&mut rlp),
        }
    }

    /// The hash of this node as the root, which is hashed even when shorter than 32 bytes.
    fn root_hash(&self) -> B256 {
        let reference = self.reference();
        reference.as_hash().unwrap_or_else(|| keccak256(&reference))
    }

    /// The top node over `children` (nibble, subtrie), in nibble order: none, the only child
    /// lifted one level, or a branch.
    fn join(children: Vec<(u8, Self)>) -> Option<Self> {
        if children.len() <= 1 {
            return children.into_iter().next().map(|(nibble, child)| child.prefixed(nibble));
        }
        let mut mask = TrieMask::default();
        let stack: Vec<RlpNode> = children
            .iter()
            .map(|(nibble, child)| {
                mask.set_bit(*nibble);
                child.reference()
            })
            .collect();
        let branch = BranchNodeRef::new(&stack, mask).rlp(&mut Vec::new());
        Some(Self::Branch { key: Nibbles::default(), branch })
    }
}

/// The keys under `path`: `path` followed by all zeros up to all `f`s.
fn span(path: &Nibbles) -> RangeInclusive<B256> {
    let mut first = B256::ZERO;
    path.pack_to(first.as_mut_slice());
    // `wrapping_shr` gives zero once the path is a whole key (`checked_shr` refuses to drop bits).
    let rest = U256::MAX.wrapping_shr(4 * path.len());
    first..=first | B256::from(rest)
}

/// The state trie: its leaves, and the subtries of its top [`CACHED_DEPTH`] levels as computed
/// from them.
#[derive(Clone, Debug, Default)]
pub struct StateTrie {
    /// `(keccak256(address), rlp(account))`, in trie order.
    leaves: OrdMap<B256, Vec<u8>>,
    /// Subtries by path (`None`: no leaves under it); a path missing here is recomputed.
    subtries: OrdMap<Nibbles, Option<Subtrie>>,
}

impl StateTrie {
    /// The leaves, in trie order.
    pub fn leaves(&self) -> impl Iterator<Item = (&B256, &Vec<u8>)> {
        self.leaves.iter()
    }

    /// Sets the leaf at `key`; the cached subtries above it are dropped if it changed.
    pub fn insert(&mut self, key: B256, leaf: Vec<u8>) {
        if self.leaves.get(&key) != Some(&leaf) {
            self.leaves.insert(key, leaf);
            self.invalidate(&key);
        }
    }

    /// Removes the leaf at `key`, dropping the cached subtries above it.
    pub fn remove(&mut self, key: &B256) {
        if self.leaves.remove(key).is_some() {
            self.invalidate(key);
        }
    }

    fn invalidate(&mut self, key: &B256) {
        let path = Nibbles::unpack(key);
        for depth in 0..=CACHED_DEPTH {
            self.subtries.remove(&path.slice(..depth));
        }
    }

    /// Computes and keeps the subtries changed leaves dropped, so later roots start from them.
    pub fn refresh(&mut self) {
        self.subtrie(Nibbles::default());
    }

    /// The root hash. Subtries dropped since the last [`Self::refresh`] are computed on a copy
    /// (cheap: the maps are persistent) and not kept, so the root is right either way.
    pub fn root(&self) -> B256 {
        self.clone().subtrie(Nibbles::default()).map_or(EMPTY_ROOT_HASH, |root| root.root_hash())
    }

    /// The subtrie at `path`, from the cache or computed (and cached at the top levels).
    fn subtrie(&mut self, path: Nibbles) -> Option<Subtrie> {
        if path.len() > CACHED_DEPTH {
            return self.compute(path);
        }
        if let Some(subtrie) = self.subtries.get(&path) {
            return subtrie.clone();
        }
        let subtrie = self.compute(path);
        self.subtries.insert(path, subtrie.clone());
        subtrie
    }

    /// The subtrie at `path` from its children (or its only leaf).
    fn compute(&mut self, path: Nibbles) -> Option<Subtrie> {
        let mut under = self.leaves.range(span(&path));
        let (key, value) = under.next()?;
        if under.next().is_none() {
            return Some(Subtrie::Leaf(LeafNode::new(Nibbles::unpack(key).slice(path.len()..), value.clone())));
        }
        let children = (0..16u8)
            .filter_map(|nibble| {
                let mut child = path;
                child.push(nibble);
                self.subtrie(child).map(|subtrie| (nibble, subtrie))
            })
            .collect();
        Subtrie::join(children)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use alloy_trie::HashBuilder;

    use super::*;

    /// A deterministic stream of random numbers (keccak of a counter), so every run checks the
    /// same steps.
    struct Draws(u64);

    impl Draws {
        fn word(&mut self) -> B256 {
            self.0 += 1;
            keccak256(self.0.to_be_bytes())
        }

        fn below(&mut self, bound: usize) -> usize {
            (U256::from_be_bytes(self.word().0) % U256::from(bound)).to::<usize>()
        }

        /// A leaf value: often short enough that leaves and branches above them are inlined.
        fn value(&mut self) -> Vec<u8> {
            let len = if self.below(2) == 0 { 1 + self.below(4) } else { 60 + self.below(50) };
            (0..len.div_ceil(32)).flat_map(|_| self.word()).take(len).collect()
        }
    }

    /// Which keys a run draws: the first nibbles of `base`, as many as one of `shared` (drawn per
    /// key), then random ones, so keys crowd into one bucket, one branch or the deepest levels.
    struct Shape {
        base: B256,
        shared: &'static [usize],
    }

    impl Shape {
        fn key(&self, draws: &mut Draws) -> B256 {
            let shared = self.shared[draws.below(self.shared.len())];
            let random = Nibbles::unpack(draws.word());
            B256::from_slice(&Nibbles::unpack(self.base).slice(..shared).join(&random.slice(shared..)).pack())
        }
    }

    /// The root of `leaves` by alloy-trie's hash builder in one pass, as before caching.
    fn full_root(leaves: &BTreeMap<B256, Vec<u8>>) -> B256 {
        let mut builder = HashBuilder::default();
        for (key, value) in leaves {
            builder.add_leaf(Nibbles::unpack(key), value);
        }
        builder.root()
    }

    /// One random change to both the trie and the model: insert a new key (while at most
    /// `size` keys), set an existing key to a new or its own value, or remove a key (maybe
    /// missing).
    fn change(trie: &mut StateTrie, model: &mut BTreeMap<B256, Vec<u8>>, shape: &Shape, size: usize, draws: &mut Draws) {
        let existing = (!model.is_empty()).then(|| *model.keys().nth(draws.below(model.len())).unwrap());
        match (draws.below(3), existing) {
            (0, _) if model.len() <= size => {
                let (key, value) = (shape.key(draws), draws.value());
                trie.insert(key, value.clone());
                model.insert(key, value);
            }
            (1, Some(key)) => {
                let value = if draws.below(4) == 0 { model[&key].clone() } else { draws.value() };
                trie.insert(key, value.clone());
                model.insert(key, value);
            }
            _ => {
                let key = existing.filter(|_| draws.below(8) != 0).unwrap_or_else(|| shape.key(draws));
                trie.remove(&key);
                model.remove(&key);
            }
        }
    }

    /// Steps of one to three changes, refreshed or not, checking after each that the root and
    /// leaves match a full pass, and at the end that snapshots taken along the way kept theirs.
    fn check(shape: &Shape, size: usize, steps: usize, draws: &mut Draws) {
        let (mut trie, mut model) = (StateTrie::default(), BTreeMap::new());
        // Shapes with few free nibbles hold fewer than `size` distinct keys; drawing `size` fills them.
        for _ in 0..size {
            let (key, value) = (shape.key(draws), draws.value());
            trie.insert(key, value.clone());
            model.insert(key, value);
        }
        let mut snapshots = Vec::new();
        for step in 0..steps {
            for _ in 0..=draws.below(3) {
                change(&mut trie, &mut model, shape, size, draws);
            }
            if draws.below(4) != 0 {
                trie.refresh();
            }
            let root = full_root(&model);
            assert_eq!(trie.root(), root, "size {size}, shared {:?}, step {step}", shape.shared);
            assert!(trie.leaves().eq(model.iter()));
            if step % 50 == 0 {
                snapshots.push((trie.clone(), root));
            }
        }
        for (snapshot, root) in snapshots {
            assert_eq!(snapshot.root(), root);
        }
    }

    /// Checks keys of `shape` in sets of 0, 1, 2, 17, 300 and 2,100 keys (fewer steps where a
    /// full pass is slow).
    fn check_sizes(shared: &'static [usize]) {
        let (mut draws, base) = (Draws(0), keccak256("base"));
        for (size, steps) in [(0, 200), (1, 300), (2, 500), (17, 1000), (300, 500), (2100, 150)] {
            check(&Shape { base, shared }, size, steps, &mut draws);
        }
    }

    #[test]
    fn random_keys() {
        check_sizes(&[0]);
    }

    /// The root is an extension over the branch at depth one.
    #[test]
    fn keys_sharing_their_first_nibble() {
        check_sizes(&[1]);
    }

    /// All leaves in one cached bucket, and below it.
    #[test]
    fn keys_sharing_their_first_two_or_three_nibbles() {
        check_sizes(&[2, 3]);
    }

    /// Long extensions down to branches of short leaves, inlined when their values are short.
    #[test]
    fn keys_differing_only_in_their_last_nibbles() {
        check_sizes(&[62, 63]);
    }

    /// Leaves at every depth, next to extensions of every length.
    #[test]
    fn keys_sharing_prefixes_of_every_length() {
        check_sizes(&[0, 1, 2, 3, 40, 62, 63]);
    }

    #[test]
    fn the_empty_trie_has_the_empty_root() {
        let mut trie = StateTrie::default();
        assert_eq!(trie.root(), EMPTY_ROOT_HASH);
        trie.insert(B256::ZERO, vec![1]);
        trie.remove(&B256::ZERO);
        trie.refresh();
        assert_eq!(trie.root(), EMPTY_ROOT_HASH);
    }
}
