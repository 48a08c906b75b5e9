//! A Merkle-Patricia trie over 32-byte hashed keys whose nodes are shared between versions and
//! remember their own hash, so a root after a change re-hashes only the nodes on changed paths.
//!
//! It serves the state trie (leaves by hashed address) and every account's storage trie (by
//! hashed slot). A node is never changed once built: a change builds new nodes from the root
//! down to the changed leaf and shares everything else with the previous version. That makes a
//! clone O(1), lets every block keep its own snapshot, and means a node's cached hash can never
//! be stale: a node whose subtrie changed is a new node with nothing cached.

use std::sync::{Arc, OnceLock};

use alloy::primitives::{B256, keccak256};
use alloy_trie::{
    EMPTY_ROOT_HASH, Nibbles, TrieMask,
    nodes::{BranchNodeRef, ExtensionNodeRef, LeafNodeRef, RlpNode},
};

/// A trie over hashed keys. Cloning shares every node.
#[derive(Clone, Debug, Default)]
pub struct Trie {
    root: Option<Arc<Node>>,
}

impl Trie {
    /// Sets the leaf at `key`. The nodes above it are rebuilt unless it already held `value`.
    pub fn insert(&mut self, key: B256, value: Vec<u8>) {
        self.root = Some(Node::inserted(self.root.as_ref(), Nibbles::unpack(key), value));
    }

    /// Removes the leaf at `key`, if there is one, collapsing the nodes it leaves with a single
    /// child.
    pub fn remove(&mut self, key: &B256) {
        if let Some(root) = &self.root {
            self.root = root.removed(&Nibbles::unpack(key));
        }
    }

    /// The root hash; only nodes built since their hash was last asked for are hashed.
    pub fn root(&self) -> B256 {
        self.root.as_ref().map_or(EMPTY_ROOT_HASH, |root| {
            // The root is hashed even when its RLP is short enough to be inlined.
            let reference = root.reference();
            reference.as_hash().unwrap_or_else(|| keccak256(reference))
        })
    }

    /// Every `(key, value)`, in key order.
    pub fn leaves(&self) -> Vec<(B256, &[u8])> {
        let mut leaves = Vec::new();
        if let Some(root) = &self.root {
            root.collect_leaves(Nibbles::default(), &mut leaves);
        }
        leaves
    }
}

/// One node and, once asked for, its reference.
#[derive(Debug)]
struct Node {
    kind: Kind,
    /// The node as its parent refers to it: its RLP when shorter than 32 bytes, else its hash.
    reference: OnceLock<RlpNode>,
}

/// Keys all have 64 nibbles, so no key is a prefix of another and branches hold no values.
#[derive(Debug)]
enum Kind {
    /// The rest of a key, and its value.
    Leaf { key: Nibbles, value: Vec<u8> },
    /// Nibbles every key below shares, above the branch where they part.
    Extension { key: Nibbles, child: Arc<Node> },
    /// The subtries by next nibble; at least two are present.
    Branch(Children),
}

type Children = [Option<Arc<Node>>; 16];

impl Node {
    fn new(kind: Kind) -> Arc<Self> {
        Arc::new(Self { kind, reference: OnceLock::new() })
    }

    fn leaf(key: Nibbles, value: Vec<u8>) -> Arc<Self> {
        Self::new(Kind::Leaf { key, value })
    }

    /// `node` reached through `prefix` more nibbles: a leaf or an extension takes them into its
    /// key, a branch gets an extension above it.
    fn prefixed(prefix: Nibbles, node: Arc<Self>) -> Arc<Self> {
        if prefix.is_empty() {
            return node;
        }
        match &node.kind {
            Kind::Leaf { key, value } => Self::leaf(prefix.join(key), value.clone()),
            Kind::Extension { key, child } => Self::new(Kind::Extension { key: prefix.join(key), child: child.clone() }),
            Kind::Branch(_) => Self::new(Kind::Extension { key: prefix, child: node }),
        }
    }

    /// A leaf or extension with key `key` and a new leaf at `path` (which parts from `key`
    /// somewhere), under a branch where they part. `below` builds the existing node again from
    /// the nibbles of its key after that branch.
    fn fork(key: &Nibbles, below: impl FnOnce(Nibbles) -> Arc<Self>, path: Nibbles, value: Vec<u8>) -> Arc<Self> {
        let shared = key.common_prefix_length(&path);
        let mut children = Children::default();
        children[usize::from(key.get_unchecked(shared))] = Some(below(key.slice(shared + 1..)));
        children[usize::from(path.get_unchecked(shared))] = Some(Self::leaf(path.slice(shared + 1..), value));
        Self::prefixed(key.slice(..shared), Self::new(Kind::Branch(children)))
    }

    /// The subtrie at `node` (none: empty) with `value` at `path`; the same node when nothing
    /// changed.
    fn inserted(node: Option<&Arc<Self>>, path: Nibbles, value: Vec<u8>) -> Arc<Self> {
        let Some(node) = node else {
            return Self::leaf(path, value);
        };
        match &node.kind {
            Kind::Leaf { key, value: old } if *key == path => {
                if *old == value { node.clone() } else { Self::leaf(path, value) }
            }
            Kind::Leaf { key, value: old } => Self::fork(key, |rest| Self::leaf(rest, old.clone()), path, value),
            Kind::Extension { key, child } if path.starts_with(key) => {
                let below = Self::inserted(Some(child), path.slice(key.len()..), value);
                if Arc::ptr_eq(&below, child) { node.clone() } else { Self::new(Kind::Extension { key: *key, child: below }) }
            }
            Kind::Extension { key, child } => Self::fork(key, |rest| Self::prefixed(rest, child.clone()), path, value),
            Kind::Branch(children) => {
                let nibble = usize::from(path.get_unchecked(0));
                let child = children[nibble].as_ref();
                let below = Self::inserted(child, path.slice(1..), value);
                if child.is_some_and(|c| Arc::ptr_eq(c, &below)) {
                    return node.clone();
                }
                let mut children = children.clone();
                children[nibble] = Some(below);
                Self::new(Kind::Branch(children))
            }
        }
    }

    /// This subtrie without the leaf at `path` (none: nothing is left); the same node when
    /// there is no such leaf.
    fn removed(self: &Arc<Self>, path: &Nibbles) -> Option<Arc<Self>> {
        match &self.kind {
            Kind::Leaf { key, .. } => (key != path).then(|| self.clone()),
            Kind::Extension { key, child } if path.starts_with(key) => {
                let below = child.removed(&path.slice(key.len()..));
                match below {
                    Some(below) if Arc::ptr_eq(&below, child) => Some(self.clone()),
                    // The branch below may have collapsed into a leaf or an extension.
                    below => below.map(|below| Self::prefixed(*key, below)),
                }
            }
            Kind::Extension { .. } => Some(self.clone()),
            Kind::Branch(children) => {
                let nibble = usize::from(path.get_unchecked(0));
                let Some(child) = &children[nibble] else {
                    return Some(self.clone());
                };
                let below = child.removed(&path.slice(1..));
                if below.as_ref().is_some_and(|b| Arc::ptr_eq(b, child)) {
                    return Some(self.clone());
                }
                let mut children = children.clone();
                children[nibble] = below;
                Self::branch_or_collapsed(children)
            }
        }
    }

    /// A branch over `children`, or when only one is left, that child one nibble longer.
    fn branch_or_collapsed(children: Children) -> Option<Arc<Self>> {
        let mut present = children.iter().enumerate().filter_map(|(nibble, child)| Some((nibble, child.as_ref()?)));
        match (present.next(), present.next()) {
            (None, _) => None,
            (Some((nibble, only)), None) => Some(Self::prefixed(Nibbles::from_nibbles([nibble as u8]), only.clone())),
            _ => Some(Self::new(Kind::Branch(children))),
        }
    }

    /// The node as its parent refers to it, computed (with the children's) on first use.
    fn reference(&self) -> &RlpNode {
        self.reference.get_or_init(|| {
            let mut rlp = Vec::new();
            match &self.kind {
                Kind::Leaf { key, value } => LeafNodeRef::new(key, value).rlp(&mut rlp),
                Kind::Extension { key, child } => ExtensionNodeRef::new(key, child.reference()).rlp(&mut rlp),
                Kind::Branch(children) => {
                    let mut mask = TrieMask::default();
                    let mut stack = Vec::with_capacity(16);
                    for (nibble, child) in children.iter().enumerate() {
                        if let Some(child) = child {
                            mask.set_bit(nibble as u8);
                            stack.push(child.reference().clone());
                        }
                    }
                    BranchNodeRef::new(&stack, mask).rlp(&mut rlp)
                }
            }
        })
    }

    /// Appends the leaves of this subtrie, whose keys start with `path`, in key order.
    fn collect_leaves<'a>(&'a self, path: Nibbles, leaves: &mut Vec<(B256, &'a [u8])>) {
        match &self.kind {
            Kind::Leaf { key, value } => leaves.push((B256::from_slice(&path.join(key).pack()), value)),
            Kind::Extension { key, child } => child.collect_leaves(path.join(key), leaves),
            Kind::Branch(children) => {
                for (nibble, child) in children.iter().enumerate() {
                    if let Some(child) = child {
                        let mut below = path;
                        below.push(nibble as u8);
                        child.collect_leaves(below, leaves);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use alloy::primitives::U256;
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
    /// key), then random ones, so keys crowd into one branch, one long extension or the deepest
    /// levels.
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

    type Model = BTreeMap<B256, Vec<u8>>;

    /// The root of `leaves` by alloy-trie's hash builder in one pass, with nothing cached.
    fn full_root(leaves: &Model) -> B256 {
        let mut builder = HashBuilder::default();
        for (key, value) in leaves {
            builder.add_leaf(Nibbles::unpack(key), value);
        }
        builder.root()
    }

    /// The trie's root and leaves are those of a full pass over `model`.
    fn assert_matches_full(trie: &Trie, model: &Model, context: &str) {
        assert_eq!(trie.root(), full_root(model), "root differs from a full pass: {context}");
        assert!(trie.leaves().into_iter().eq(model.iter().map(|(k, v)| (*k, v.as_slice()))), "leaves differ: {context}");
    }

    fn insert(trie: &mut Trie, model: &mut Model, key: B256, value: Vec<u8>) {
        trie.insert(key, value.clone());
        model.insert(key, value);
    }

    /// One random change to both the trie and the model: insert a new key (while at most
    /// `size` keys), set an existing key to a new or its own value, or remove a key (maybe
    /// missing).
    fn change(trie: &mut Trie, model: &mut Model, shape: &Shape, size: usize, draws: &mut Draws) {
        let existing = (!model.is_empty()).then(|| *model.keys().nth(draws.below(model.len())).unwrap());
        match (draws.below(3), existing) {
            (0, _) if model.len() <= size => insert(trie, model, shape.key(draws), draws.value()),
            (1, Some(key)) => {
                let value = if draws.below(4) == 0 { model[&key].clone() } else { draws.value() };
                insert(trie, model, key, value);
            }
            _ => {
                let key = existing.filter(|_| draws.below(8) != 0).unwrap_or_else(|| shape.key(draws));
                trie.remove(&key);
                model.remove(&key);
            }
        }
    }

    /// A trie and its model holding up to `size` keys of `shape`.
    fn filled(shape: &Shape, size: usize, draws: &mut Draws) -> (Trie, Model) {
        let (mut trie, mut model) = (Trie::default(), BTreeMap::new());
        // Shapes with few free nibbles hold fewer than `size` distinct keys; drawing `size` fills them.
        for _ in 0..size {
            insert(&mut trie, &mut model, shape.key(draws), draws.value());
        }
        (trie, model)
    }

    /// Steps of one to three changes, the root asked for after most (so later steps start from
    /// cached hashes) and checked after the others, and at the end the snapshots taken along the
    /// way, which must keep their roots although later versions share their nodes.
    fn check(shape: &Shape, size: usize, steps: usize, draws: &mut Draws) {
        let (mut trie, mut model) = filled(shape, size, draws);
        let mut snapshots = Vec::new();
        for step in 0..steps {
            for _ in 0..=draws.below(3) {
                change(&mut trie, &mut model, shape, size, draws);
            }
            if draws.below(4) != 0 {
                assert_matches_full(&trie, &model, &format!("size {size}, shared {:?}, step {step}", shape.shared));
            }
            if step % 50 == 0 {
                snapshots.push((trie.clone(), full_root(&model)));
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

    /// Every leaf under one branch a few levels down.
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
        let mut trie = Trie::default();
        assert_eq!(trie.root(), EMPTY_ROOT_HASH);
        trie.insert(B256::ZERO, vec![1]);
        trie.remove(&B256::ZERO);
        assert_eq!(trie.root(), EMPTY_ROOT_HASH);
    }

    /// The nodes from the root down to `key`'s leaf.
    fn path_to(trie: &Trie, key: B256) -> Vec<&Node> {
        let path = Nibbles::unpack(key);
        let (mut nodes, mut depth) = (vec![trie.root.as_deref().expect("a trie with leaves")], 0);
        loop {
            let (child, skipped) = match &nodes[nodes.len() - 1].kind {
                Kind::Branch(children) => (children[usize::from(path.get_unchecked(depth))].as_deref(), 1),
                Kind::Extension { key, child } => (Some(child.as_ref()), key.len()),
                Kind::Leaf { .. } => return nodes,
            };
            nodes.push(child.expect("the key is in the trie"));
            depth += skipped;
        }
    }

    /// The branch or extension right above `key`'s leaf.
    fn parent_of_leaf(trie: &Trie, key: B256) -> &Node {
        let path = path_to(trie, key);
        path[path.len() - 2]
    }

    /// The nodes whose reference is not computed yet: those a root would hash.
    fn unhashed(node: &Node) -> usize {
        let children: usize = match &node.kind {
            Kind::Leaf { .. } => 0,
            Kind::Extension { child, .. } => unhashed(child),
            Kind::Branch(children) => children.iter().flatten().map(|c| unhashed(c)).sum(),
        };
        children + usize::from(node.reference.get().is_none())
    }

    /// The mutation check: the comparison with a full pass catches a wrong cached node, the
    /// fault an incremental trie risks. The branch above a changed leaf is given the reference
    /// it had before the change, as a trie that forgot to drop it would.
    #[test]
    #[should_panic(expected = "root differs from a full pass")]
    fn a_stale_cached_node_is_caught() {
        let mut draws = Draws(7);
        let (mut trie, mut model) = filled(&Shape { base: B256::ZERO, shared: &[0] }, 300, &mut draws);
        let before = trie.clone();
        before.root();
        let key = *model.keys().nth(150).expect("300 keys");
        insert(&mut trie, &mut model, key, vec![0xee; 40]);
        let stale = parent_of_leaf(&before, key).reference().clone();
        parent_of_leaf(&trie, key).reference.set(stale).expect("nothing hashed since the change");
        assert_matches_full(&trie, &model, "a stale branch");
    }

    /// What makes the trie incremental: after one leaf changes, a root hashes only the nodes
    /// from the root down to it, and setting a leaf to its own value rebuilds nothing.
    #[test]
    fn a_change_rehashes_only_its_path() {
        let mut draws = Draws(11);
        let (mut trie, model) = filled(&Shape { base: B256::ZERO, shared: &[0] }, 2100, &mut draws);
        trie.root();
        let root = trie.root.clone().expect("leaves");
        let key = *model.keys().nth(1000).expect("2,100 keys");
        trie.insert(key, model[&key].clone());
        assert!(Arc::ptr_eq(&root, trie.root.as_ref().expect("leaves")));
        trie.insert(key, vec![0xee; 40]);
        let path_length = path_to(&trie, key).len();
        assert_eq!(unhashed(trie.root.as_deref().expect("leaves")), path_length);
        assert!((3..=6).contains(&path_length), "{path_length} nodes from the root to a leaf among 2,100");
    }
}
