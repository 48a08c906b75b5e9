//! One JSON file per run in a folder, each written once and never touched again.
//!
//! A run is written to a hidden temporary file, flushed to disk, then hard-linked to its final
//! name. The link appears whole or not at all and refuses to replace an existing file, so a crash
//! mid-write leaves at most a stray hidden file and earlier runs are never damaged. Readers skip
//! hidden files.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

use serde::Deserialize;

use super::{RunRecord, SCHEMA_VERSION};

/// A history folder.
#[derive(Clone, Debug)]
pub struct HistoryStore {
    dir: PathBuf,
}

/// A history the harness cannot use or extend. Nothing is changed when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{}: cannot read the run history: {source}\n  fix: pass a readable folder to --history (it is created if missing)", .dir.display())]
    ReadDir { dir: PathBuf, source: io::Error },
    #[error("{}: cannot read this run: {source}\n  fix: make the file readable; it was left untouched", .file.display())]
    Read { file: PathBuf, source: io::Error },
    #[error("{}: not a run record: {source}\n  fix: move the file out of the history folder; it and the other runs were left untouched", .file.display())]
    Corrupt { file: PathBuf, source: serde_json::Error },
    #[error("{}: written by a newer harness (history schema {found}; this harness reads up to {SCHEMA_VERSION})\n  fix: judge this history with a harness at least as new as the one that wrote it; nothing was changed", .file.display())]
    Newer { file: PathBuf, found: u32 },
    #[error("{}: cannot record the run: {source}\n  fix: make the history folder writable with free space and rerun; earlier runs are untouched", .file.display())]
    Write { file: PathBuf, source: io::Error },
}

/// Just enough of a record to know whether the rest can be read.
#[derive(Deserialize)]
struct VersionProbe {
    schema_version: u32,
}

impl HistoryStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Every recorded run, oldest first. A folder that does not exist yet holds no runs.
    pub fn load(&self) -> Result<Vec<RunRecord>, HistoryError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(HistoryError::ReadDir { dir: self.dir.clone(), source }),
        };
        let mut runs = Vec::new();
        for entry in entries {
            let path = entry.map_err(|source| HistoryError::ReadDir { dir: self.dir.clone(), source })?.path();
            if is_record(&path) {
                runs.push(read_record(&path)?);
            }
        }
        runs.sort_by(|a, b| (a.time, &a.run_id).cmp(&(b.time, &b.run_id)));
        Ok(runs)
    }

    /// Adds a run; fails rather than replace a run with the same id.
    pub fn append(&self, run: &RunRecord) -> Result<PathBuf, HistoryError> {
        let file = self.dir.join(format!("{}.json", run.run_id));
        let tmp = self.dir.join(format!(".{}.json.tmp", run.run_id));
        let json = serde_json::to_vec_pretty(run).expect("a run record always serialises");
        let written = fs::create_dir_all(&self.dir).and_then(|()| write_synced(&tmp, &json));
        let linked = written.and_then(|()| fs::hard_link(&tmp, &file));
        // The temporary name has served its purpose whether or not the link succeeded.
        let _ = fs::remove_file(&tmp);
        linked.and_then(|()| sync_dir(&self.dir)).map_err(|source| HistoryError::Write { file: file.clone(), source })?;
        Ok(file)
    }
}

fn is_record(path: &Path) -> bool {
    let visible = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with('.'));
    visible && path.extension().is_some_and(|e| e == "json")
}

fn read_record(file: &Path) -> Result<RunRecord, HistoryError> {
    let bytes = fs::read(file).map_err(|source| HistoryError::Read { file: file.to_path_buf(), source })?;
    let corrupt = |source| HistoryError::Corrupt { file: file.to_path_buf(), source };
    let probe: VersionProbe = serde_json::from_slice(&bytes).map_err(corrupt)?;
    if probe.schema_version > SCHEMA_VERSION {
        return Err(HistoryError::Newer { file: file.to_path_buf(), found: probe.schema_version });
    }
    serde_json::from_slice(&bytes).map_err(corrupt)
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes the new name itself durable; only Unix can open a folder to flush it.
fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) { fs::File::open(dir)?.sync_all() } else { Ok(()) }
}
