//! Recording what the train commands decide in the train file, keeping its comments and
//! layout. Every edit is validated as a whole train file before it is written, and written by
//! renaming a complete temporary file over the old one, so the file is never left half-edited
//! or contradictory.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, value};

use super::{Removal, Train, TrainError};

/// Pending changes to a train file.
pub struct Edit {
    path: PathBuf,
    doc: DocumentMut,
}

impl Edit {
    pub fn of(train: &Train) -> Self {
        Self { path: train.path.clone(), doc: train.source.parse().expect("a loaded train file is TOML") }
    }

    fn betanet(&mut self) -> &mut Table {
        self.doc["betanet"].or_insert(Item::Table(Table::new())).as_table_mut().expect("[betanet] is a table in a valid train file")
    }

    /// Records the numbers governance assigned.
    pub fn numbers(&mut self, upgrade_number: Option<u32>, hardfork_name: Option<&str>) {
        if let Some(number) = upgrade_number {
            self.betanet().insert("upgrade_number", value(i64::from(number)));
        }
        if let Some(name) = hardfork_name {
            self.betanet().insert("hardfork_name", value(name));
        }
    }

    /// Drops the hardfork name: the set no longer changes L2.
    pub fn unname(&mut self) {
        self.betanet().remove("hardfork_name");
    }

    /// Records the Betanet set and its deployment number.
    pub fn set(&mut self, features: &[&str], deployment: u32) {
        let betanet = self.betanet();
        betanet.insert("deployment", value(i64::from(deployment)));
        betanet.insert("features", value(features.iter().copied().collect::<Array>()));
    }

    /// Records that feature `id` left the train.
    pub fn removed(&mut self, id: &str, removal: &Removal) {
        let entry = self.doc["feature"]
            .as_array_of_tables_mut()
            .and_then(|features| features.iter_mut().find(|f| f.get("id").and_then(Item::as_str) == Some(id)))
            .expect("the feature was checked to be a candidate");
        let mut record = InlineTable::new();
        record.insert("reason", removal.reason.as_str().into());
        record.insert("date", removal.date.as_str().into());
        entry.insert("removed", value(record));
    }

    /// The edited file, validated as a whole.
    pub fn validate(&self) -> Result<Train, TrainError> {
        Train::parse(&self.path, &self.doc.to_string())
    }

    /// Validates and writes the edited file.
    pub fn write(self) -> Result<Train, EditError> {
        let train = self.validate()?;
        write_replacing(&self.path, &train.source).map_err(|source| EditError::Write { path: self.path.clone(), source })?;
        Ok(train)
    }
}

/// An edit that was not written.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the edited train file would not validate, so nothing was written:\n{0}")]
    Invalid(#[from] TrainError),
    #[error("{}: cannot write: {source}\n  fix: make it writable; it was left as it was", .path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// Writes `text` to `path` by renaming a complete, flushed temporary file over it.
pub fn write_replacing(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}
