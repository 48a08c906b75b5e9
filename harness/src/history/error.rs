//! What can go wrong with a run history. Nothing is changed when one of these is returned.

use std::{io, path::PathBuf};

use super::SCHEMA_VERSION;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{}: cannot read the run history: {source}\n  fix: pass a readable folder to --history (it is created if missing)", .dir.display())]
    ReadDir { dir: PathBuf, source: io::Error },
    #[error("{}: cannot read this run: {source}\n  fix: make the file readable; it was left untouched", .file.display())]
    Read { file: PathBuf, source: io::Error },
    #[error("{origin}: not a run record: {source}\n  fix: move it out of the history; it and the other runs were left untouched")]
    Corrupt { origin: String, source: serde_json::Error },
    #[error("{origin}: written by a newer harness (history schema {found}; this harness reads up to {SCHEMA_VERSION})\n  fix: judge this history with a harness at least as new as the one that wrote it; nothing was changed")]
    Newer { origin: String, found: u32 },
    #[error("{}: cannot record the run: {source}\n  fix: make the history folder writable with free space and rerun; earlier runs are untouched", .file.display())]
    Write { file: PathBuf, source: io::Error },
    /// Two different records claim one run id: counting either could be wrong.
    #[error("run {run_id} is recorded twice with different contents: {first} and {second}\n  fix: a run id names one run; keep the record that run wrote and move the other out of the history")]
    Conflict { run_id: String, first: String, second: String },
    #[error("{target}: {context}: {source}\n  fix: {fix}")]
    Postgres { target: String, context: &'static str, fix: &'static str, source: postgres::Error },
    #[error("{target}: the history database is at schema version {found}, this harness knows up to {known}\n  fix: use a harness at least as new as the one that migrated it; nothing was changed")]
    NewerDatabase { target: String, found: i32, known: i32 },
    #[error("`{location}` is not a history location: {reason}\n  fix: pass a folder (reports/history) or a URL postgres://user@127.0.0.1:5432/dbname")]
    Location { location: String, reason: String },
}
