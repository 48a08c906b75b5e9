//! A file of owner transactions: an L1 upgrade given as data, for releases the harness has no
//! upgrade path for (or to run a release's upgrade some other way, say plain ProxyAdmin calls).
//!
//! ```json
//! { "transactions": [
//!     { "intent": "upgrade the portal", "from": "proxyAdminOwner",
//!       "to": "0x…", "data": "0x99a88ec4…", "value": "0x0" }
//! ] }
//! ```
//!
//! `from` is a role ([`Role`]); `delegate` (optional) makes it an EIP-7702 set-code transaction.

use std::path::Path;

use serde::Deserialize;

use super::{OwnerTx, Role};

/// Far above any upgrade's size; a regular file only.
const MAX_FILE_BYTES: u64 = 4 << 20;

/// A parsed owner-transaction file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerTxFile {
    pub transactions: Vec<OwnerTx>,
}

/// Why an owner-transaction file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OwnerTxFileError {
    #[error("{path}: cannot read it: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: not an owner-transaction file: {reason} (roles: {roles})", roles = Role::ALL.map(|r| serde_json::to_string(&r).unwrap_or_default()).join(", "))]
    Json { path: String, reason: String },
    #[error("{path}: it has no transactions")]
    Empty { path: String },
    #[error("{path}: transaction {index} has no intent; every transaction says what it does")]
    NoIntent { path: String, index: usize },
}

impl OwnerTxFile {
    pub fn read(path: &Path) -> Result<Self, OwnerTxFileError> {
        let shown = path.display().to_string();
        let bytes = crate::fsx::read_bounded(path, MAX_FILE_BYTES).map_err(|e| OwnerTxFileError::Read { path: shown.clone(), reason: e.to_string() })?;
        let file: Self = serde_json::from_slice(&bytes).map_err(|e| OwnerTxFileError::Json { path: shown.clone(), reason: e.to_string() })?;
        if file.transactions.is_empty() {
            return Err(OwnerTxFileError::Empty { path: shown });
        }
        if let Some(index) = file.transactions.iter().position(|t| t.intent.trim().is_empty()) {
            return Err(OwnerTxFileError::NoIntent { path: shown, index });
        }
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<OwnerTxFile, OwnerTxFileError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upgrade.json");
        std::fs::write(&path, text).unwrap();
        OwnerTxFile::read(&path)
    }

    #[test]
    fn reads_roles_and_refuses_what_it_cannot_sign_or_name() {
        let ok = read(r#"{"transactions":[{"intent":"set","from":"systemConfigOwner","to":"0x0000000000000000000000000000000000000001","data":"0x01","value":"0x2"}]}"#).unwrap();
        assert_eq!(ok.transactions[0].from, Role::SystemConfigOwner);
        assert_eq!(ok.transactions[0].value, alloy::primitives::U256::from(2));
        let unknown_role = read(r#"{"transactions":[{"intent":"x","from":"alice","to":"0x0000000000000000000000000000000000000001"}]}"#).unwrap_err();
        assert!(unknown_role.to_string().contains("\"proxyAdminOwner\""), "{unknown_role}");
        assert!(matches!(read(r#"{"transactions":[]}"#), Err(OwnerTxFileError::Empty { .. })));
        let no_intent = read(r#"{"transactions":[{"intent":" ","from":"proposer","to":"0x0000000000000000000000000000000000000001"}]}"#);
        assert!(matches!(no_intent, Err(OwnerTxFileError::NoIntent { index: 0, .. })));
    }
}
