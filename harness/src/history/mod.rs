//! The run history: every judged run, appended and never rewritten, so stability can be
//! judged over many nights. Two stores hold it: a folder of JSON files (the zero-set-up
//! default, carried between CI jobs in a cache) and a PostgreSQL database that every machine
//! of a team appends to at once. Either way a run is keyed by its run id and counted once.

mod error;
mod files;
mod database;
mod record;

use std::{fmt, path::PathBuf};

use serde::Deserialize;

pub use error::HistoryError;
pub use files::FileHistory;
pub use database::PgHistory;
pub use record::{RunRecord, SCHEMA_VERSION, TestOutcome, TestRecord, run_id, spec_hash};

use crate::spec::Mode;

/// Where `--history` (or `$HARNESS_HISTORY`) says the runs are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Folder(PathBuf),
    /// A `postgres://` or `postgresql://` URL.
    Postgres(String),
}

/// The environment variable that names the history when no `--history` is given.
pub const HISTORY_ENV: &str = "HARNESS_HISTORY";

/// The folder history when nothing else is named.
pub const DEFAULT_FOLDER: &str = "reports/history";

impl Location {
    /// A URL with a PostgreSQL scheme is a database; anything else is a folder.
    pub fn parse(text: &str) -> Self {
        if ["postgres://", "postgresql://"].iter().any(|scheme| text.starts_with(scheme)) {
            Self::Postgres(text.to_owned())
        } else {
            Self::Folder(PathBuf::from(text))
        }
    }

    /// `flag`, else `$HARNESS_HISTORY`, if either names one.
    pub fn named(flag: Option<&str>) -> Option<Self> {
        let env = std::env::var(HISTORY_ENV).ok().filter(|v| !v.is_empty());
        flag.or(env.as_deref()).map(Self::parse)
    }

    /// `flag`, else `$HARNESS_HISTORY`, else `reports/history`.
    pub fn resolve(flag: Option<&str>) -> Self {
        Self::named(flag).unwrap_or_else(|| Self::Folder(DEFAULT_FOLDER.into()))
    }
}

/// An open history.
pub enum History {
    Files(FileHistory),
    Postgres(Box<PgHistory>),
}

/// What an append did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Appended {
    Recorded,
    /// The same run was already in the history; it still counts once.
    AlreadyRecorded,
}

impl History {
    /// Opens the history at `location`; a database is connected to and migrated.
    pub fn open(location: &Location) -> Result<Self, HistoryError> {
        match location {
            Location::Folder(dir) => Ok(Self::Files(FileHistory::new(dir))),
            Location::Postgres(url) => Ok(Self::Postgres(Box::new(PgHistory::connect(url)?))),
        }
    }

    /// Every recorded run, once per run id, oldest first.
    pub fn load(&mut self) -> Result<Vec<RunRecord>, HistoryError> {
        match self {
            Self::Files(files) => files.load(),
            Self::Postgres(db) => db.load(),
        }
    }

    /// The runs of one network (same spec name and mode), oldest first.
    pub fn network(&mut self, spec_name: Option<&str>, mode: Mode) -> Result<Vec<RunRecord>, HistoryError> {
        match self {
            Self::Files(files) => Ok(files.load()?.into_iter().filter(|r| r.mode == mode && r.spec_name.as_deref() == spec_name).collect()),
            Self::Postgres(db) => db.network(spec_name, mode),
        }
    }

    pub fn append(&mut self, run: &RunRecord) -> Result<Appended, HistoryError> {
        match self {
            Self::Files(files) => files.append(run),
            Self::Postgres(db) => db.append(run),
        }
    }
}

impl fmt::Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Files(files) => write!(f, "{}", files.dir().display()),
            Self::Postgres(db) => f.write_str(db.target()),
        }
    }
}

/// Just enough of a record to know whether the rest can be read.
#[derive(Deserialize)]
struct VersionProbe {
    schema_version: u32,
}

/// Parses a record, checking its schema version first so that a newer record is refused as
/// newer, not as corrupt. `origin` names it in messages.
fn parse_record(origin: &str, bytes: &[u8]) -> Result<RunRecord, HistoryError> {
    let corrupt = |source| HistoryError::Corrupt { origin: origin.to_owned(), source };
    let probe: VersionProbe = serde_json::from_slice(bytes).map_err(corrupt)?;
    if probe.schema_version > SCHEMA_VERSION {
        return Err(HistoryError::Newer { origin: origin.to_owned(), found: probe.schema_version });
    }
    serde_json::from_slice(bytes).map_err(corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_with_a_postgres_scheme_are_databases() {
        assert_eq!(Location::parse("postgres://h/db"), Location::Postgres("postgres://h/db".into()));
        assert_eq!(Location::parse("postgresql://h/db"), Location::Postgres("postgresql://h/db".into()));
        assert_eq!(Location::parse("reports/history"), Location::Folder("reports/history".into()));
        assert_eq!(Location::parse("postgres-backup"), Location::Folder("postgres-backup".into()));
    }
}
