//! Official NUT bundles, read from a folder laid out like the OP monorepo's `op-core/nuts`: a
//! `fork_lock.toml` that pins each bundle's sha256, and the bundles under `bundles/`.
//!
//! op-node and kona-node embed exactly the bytes the lock pins. Reading them from a folder the
//! user names (an optimism checkout, or a copy beside this project) and refusing any bundle whose
//! bytes differ from its pin is how the harness runs the upgrade transactions the real nodes
//! will run, and nothing else.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{BundleError, Fork, UpgradeBundle};

/// The lock file's name inside a NUT folder.
pub const LOCK_FILE: &str = "fork_lock.toml";

/// Where a NUT folder sits inside an optimism checkout.
const MONOREPO_NUTS: &str = "op-core/nuts";

/// Largest bundle or lock file read (the biggest official bundle is about 0.4 MB).
const MAX_FILE_BYTES: u64 = 16 << 20;

/// A NUT folder and its lock.
#[derive(Clone, Debug)]
pub struct NutDir {
    root: PathBuf,
    lock: BTreeMap<String, LockEntry>,
}

/// One `[fork]` table of `fork_lock.toml`.
#[derive(Clone, Debug, Deserialize)]
struct LockEntry {
    /// The bundle's path in the optimism repository, `op-core/nuts/bundles/<fork>_nut_bundle.json`.
    bundle: String,
    /// `sha256:<hex>` of the bundle's exact bytes.
    hash: String,
}

/// A NUT folder or bundle that cannot be used. Each names the file and how to get a good one.
#[derive(Debug, thiserror::Error)]
pub enum NutError {
    #[error("{}: no NUT lock here ({source})", .file.display())]
    NoLock { file: PathBuf, source: std::io::Error },
    #[error("{}: not a fork lock: {message}", .file.display())]
    LockSyntax { file: PathBuf, message: String },
    #[error("{fork} has no entry in {} and the spec pins no hash for it", .lock.display())]
    NotPinned { fork: Fork, lock: PathBuf },
    #[error("{}: cannot read the {fork} bundle: {source}", .file.display())]
    Read { fork: Fork, file: PathBuf, source: std::io::Error },
    #[error("{}: sha256 is {actual}, but it is pinned to {expected}", .file.display())]
    HashMismatch { file: PathBuf, expected: String, actual: String },
    #[error("{}: {source}", .file.display())]
    Bundle { file: PathBuf, source: BundleError },
}

impl NutError {
    /// What to change so the bundle loads.
    pub fn fix(&self) -> String {
        match self {
            Self::NoLock { .. } => "point at a folder laid out like op-core/nuts (fork_lock.toml and bundles/), e.g. an optimism checkout's op-core/nuts".into(),
            Self::LockSyntax { .. } => "restore the file from the optimism repository (op-core/nuts/fork_lock.toml)".into(),
            Self::NotPinned { fork, .. } => {
                format!("pin it under [data.nut_pins] (`{fork} = \"sha256:<hex>\"`), or use a NUT folder whose lock covers {fork}")
            }
            Self::Read { .. } => "check out the bundle the lock names (an optimism checkout has it under op-core/nuts/bundles/)".into(),
            Self::HashMismatch { .. } => {
                "restore the official bundle (the lock pins the bytes op-node embeds), or pin the new hash if the change is deliberate".into()
            }
            Self::Bundle { .. } => "restore the official bundle; a NUT bundle holds `metadata` and `transactions`".into(),
        }
    }
}

impl NutDir {
    /// Opens a NUT folder: `dir` itself, or `dir/op-core/nuts` when `dir` is an optimism checkout.
    pub fn open(dir: &Path) -> Result<Self, NutError> {
        let nested = dir.join(MONOREPO_NUTS);
        let root = if nested.join(LOCK_FILE).exists() { nested } else { dir.to_path_buf() };
        let file = root.join(LOCK_FILE);
        let text = read_bounded(&file).map_err(|source| NutError::NoLock { file: file.clone(), source })?;
        let text = String::from_utf8(text).map_err(|e| NutError::LockSyntax { file: file.clone(), message: e.to_string() })?;
        let lock = toml::from_str(&text).map_err(|e| NutError::LockSyntax { file: file.clone(), message: e.message().to_owned() })?;
        Ok(Self { root, lock })
    }

    /// The folder the bundles are read from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The bundle of `fork`, checked against its lock entry or, for a fork the lock does not
    /// cover (Jovian predates bundles), against the spec's pin.
    pub fn bundle(&self, fork: Fork, pins: &BTreeMap<Fork, String>) -> Result<UpgradeBundle, NutError> {
        let (file, expected) = self.bundle_file(fork, pins)?;
        let bytes = read_bounded(&file).map_err(|source| NutError::Read { fork, file: file.clone(), source })?;
        let actual = format!("sha256:{}", alloy::hex::encode(Sha256::digest(&bytes)));
        if !actual.eq_ignore_ascii_case(expected.trim()) {
            return Err(NutError::HashMismatch { file, expected, actual });
        }
        let text = String::from_utf8_lossy(&bytes);
        UpgradeBundle::from_nut_json(fork, &file.display().to_string(), &text).map_err(|source| NutError::Bundle { file, source })
    }

    /// Where `fork`'s bundle is and the `sha256:<hex>` its bytes must have: the lock's entry, or
    /// the spec's pin (which wins, so a user can pin a bundle the lock does not know yet).
    pub fn bundle_file(&self, fork: Fork, pins: &BTreeMap<Fork, String>) -> Result<(PathBuf, String), NutError> {
        let entry = self.lock_entry(fork);
        match (entry, pins.get(&fork)) {
            (_, Some(pin)) => Ok((self.default_path(fork, entry), pin.clone())),
            (Some(entry), None) => Ok((self.lock_path(&entry.bundle), entry.hash.clone())),
            (None, None) => Err(NutError::NotPinned { fork, lock: self.root.join(LOCK_FILE) }),
        }
    }

    /// The lock entry of `fork`, under its name or the name node software keys it by.
    fn lock_entry(&self, fork: Fork) -> Option<&LockEntry> {
        self.lock.get(fork.name()).or_else(|| self.lock.get(fork.bundle_label()))
    }

    /// A lock path is relative to the optimism repository; inside the NUT folder it is the part
    /// after `op-core/nuts/`.
    fn lock_path(&self, bundle: &str) -> PathBuf {
        let relative = bundle.strip_prefix(MONOREPO_NUTS).map_or(bundle, |rest| rest.trim_start_matches('/'));
        self.root.join(relative)
    }

    /// Where a pinned bundle lives: where the lock says, else `bundles/<fork>_nut_bundle.json`.
    fn default_path(&self, fork: Fork, entry: Option<&LockEntry>) -> PathBuf {
        entry.map_or_else(|| self.root.join("bundles").join(format!("{}_nut_bundle.json", fork.name())), |e| self.lock_path(&e.bundle))
    }
}

fn read_bounded(file: &Path) -> std::io::Result<Vec<u8>> {
    crate::fsx::read_bounded(file, MAX_FILE_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TX: &str = r#"{"data":"0x00","from":"0x4210000000000000000000000000000000000009","gasLimit":100000,"intent":"Deploy","to":null}"#;

    fn folder(lock_hash: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("bundles")).unwrap();
        std::fs::write(dir.path().join("bundles/karst_nut_bundle.json"), format!(r#"{{"metadata":{{"version":"1.0.0"}},"transactions":[{TX}]}}"#)).unwrap();
        let lock = format!("[karst]\nbundle = \"op-core/nuts/bundles/karst_nut_bundle.json\"\nhash = \"{lock_hash}\"\ncommit = \"0\"\n");
        std::fs::write(dir.path().join(LOCK_FILE), lock).unwrap();
        dir
    }

    fn hash_of(dir: &tempfile::TempDir) -> String {
        let bytes = std::fs::read(dir.path().join("bundles/karst_nut_bundle.json")).unwrap();
        format!("sha256:{}", alloy::hex::encode(Sha256::digest(bytes)))
    }

    #[test]
    fn a_bundle_matching_its_lock_loads_and_a_changed_one_is_refused() {
        let dir = folder("sha256:00");
        let good = hash_of(&dir);
        let nuts = NutDir::open(dir.path()).unwrap();
        match nuts.bundle(Fork::Karst, &BTreeMap::new()) {
            Err(NutError::HashMismatch { expected, actual, file }) => {
                assert_eq!(expected, "sha256:00");
                assert_eq!(actual, good);
                assert!(file.ends_with("bundles/karst_nut_bundle.json"));
            }
            other => panic!("expected a hash mismatch, got {other:?}"),
        }
        let dir = folder(&good);
        let bundle = NutDir::open(dir.path()).unwrap().bundle(Fork::Karst, &BTreeMap::new()).unwrap();
        assert_eq!(bundle.transactions.len(), 1);
    }

    #[test]
    fn a_fork_outside_the_lock_needs_a_pin() {
        let dir = folder("sha256:00");
        let nuts = NutDir::open(dir.path()).unwrap();
        assert!(matches!(nuts.bundle(Fork::Jovian, &BTreeMap::new()), Err(NutError::NotPinned { fork: Fork::Jovian, .. })));
        let pins = BTreeMap::from([(Fork::Jovian, "sha256:00".to_owned())]);
        assert!(matches!(nuts.bundle(Fork::Jovian, &pins), Err(NutError::Read { fork: Fork::Jovian, .. })));
    }

    #[test]
    fn a_folder_without_a_lock_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(NutDir::open(dir.path()), Err(NutError::NoLock { .. })));
    }
}
