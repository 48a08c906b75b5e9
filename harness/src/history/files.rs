//! The zero-set-up history: one JSON file per run in a folder, each written once.
//!
//! A run is written to a hidden temporary file, flushed to disk, then hard-linked to its final
//! name. The link appears whole or not at all and refuses to replace an existing file, so a crash
//! mid-write leaves at most a stray hidden file and earlier runs are never damaged. Appends hold
//! an exclusive lock on `.lock` in the folder, so each one sees every hidden file as a leftover
//! of an append that was killed, and removes it. Readers skip hidden files.
//!
//! Runs are keyed by the `run_id` inside the record, not by the file name: a record copied
//! under another name is counted once, and two different records with one run id are refused.

use std::{
    collections::BTreeMap,
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

use super::{Appended, HistoryError, RunRecord};

/// Held, exclusively, by whoever appends.
const LOCK_FILE: &str = ".lock";
/// A record being written: `.<run id>.json.tmp`.
const TMP_SUFFIX: &str = ".json.tmp";
/// Largest run record read (a run of thousands of tests is well under a megabyte).
const MAX_RECORD_BYTES: u64 = 64 << 20;

/// A history folder.
#[derive(Clone, Debug)]
pub struct FileHistory {
    dir: PathBuf,
}

impl FileHistory {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every recorded run, once per run id, oldest first. A folder that does not exist yet
    /// holds no runs.
    pub fn load(&self) -> Result<Vec<RunRecord>, HistoryError> {
        let mut runs: BTreeMap<String, (PathBuf, RunRecord)> = BTreeMap::new();
        for file in self.record_files()? {
            let run = read_record(&file)?;
            match runs.get(&run.run_id) {
                Some((_, seen)) if *seen == run => {}
                Some((first, _)) => return Err(conflict(&run.run_id, first, &file)),
                None => {
                    runs.insert(run.run_id.clone(), (file, run));
                }
            }
        }
        let mut runs: Vec<RunRecord> = runs.into_values().map(|(_, run)| run).collect();
        runs.sort_by(|a, b| (a.time, &a.run_id).cmp(&(b.time, &b.run_id)));
        Ok(runs)
    }

    /// Adds a run. A run already recorded with the same content is not written again; one
    /// recorded with other content under the same id is refused.
    pub fn append(&self, run: &RunRecord) -> Result<Appended, HistoryError> {
        let file = self.dir.join(format!("{}.json", run.run_id));
        let write_error = |source| HistoryError::Write { file: file.clone(), source };
        fs::create_dir_all(&self.dir).map_err(write_error)?;
        let lock = fs::OpenOptions::new().create(true).truncate(false).write(true).open(self.dir.join(LOCK_FILE)).map_err(write_error)?;
        lock.lock().map_err(write_error)?;
        self.remove_leftovers().map_err(write_error)?;
        if let Some(existing) = self.find(&run.run_id)? {
            return match read_record(&existing)? == *run {
                true => Ok(Appended::AlreadyRecorded),
                false => Err(conflict(&run.run_id, &existing, Path::new("the run being recorded"))),
            };
        }
        let tmp = self.dir.join(format!(".{}{TMP_SUFFIX}", run.run_id));
        let json = serde_json::to_vec_pretty(run).expect("a run record always serialises");
        let linked = write_synced(&tmp, &json).and_then(|()| fs::hard_link(&tmp, &file));
        // The temporary name has served its purpose whether or not the link succeeded.
        let _ = fs::remove_file(&tmp);
        linked.and_then(|()| sync_dir(&self.dir)).map_err(write_error)?;
        Ok(Appended::Recorded)
    }

    /// Where `run_id` is recorded, under its own name or any other.
    fn find(&self, run_id: &str) -> Result<Option<PathBuf>, HistoryError> {
        let own = self.dir.join(format!("{run_id}.json"));
        if own.exists() {
            return Ok(Some(own));
        }
        for file in self.record_files()? {
            if read_record(&file)?.run_id == run_id {
                return Ok(Some(file));
            }
        }
        Ok(None)
    }

    fn record_files(&self) -> Result<Vec<PathBuf>, HistoryError> {
        let read_dir_error = |source| HistoryError::ReadDir { dir: self.dir.clone(), source };
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(read_dir_error(source)),
        };
        let mut files = Vec::new();
        for entry in entries {
            let path = entry.map_err(read_dir_error)?.path();
            if is_record(&path) {
                files.push(path);
            }
        }
        files.sort();
        Ok(files)
    }

    /// Temporary files of appends that were killed before they linked their record. Only
    /// called under the lock, so no append is writing one right now.
    fn remove_leftovers(&self) -> io::Result<()> {
        for entry in fs::read_dir(&self.dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.starts_with('.') && name.ends_with(TMP_SUFFIX) {
                fs::remove_file(&path)?;
            }
        }
        Ok(())
    }
}

fn conflict(run_id: &str, first: &Path, second: &Path) -> HistoryError {
    HistoryError::Conflict { run_id: run_id.to_owned(), first: first.display().to_string(), second: second.display().to_string() }
}

fn is_record(path: &Path) -> bool {
    let visible = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with('.'));
    visible && path.extension().is_some_and(|e| e == "json")
}

fn read_record(file: &Path) -> Result<RunRecord, HistoryError> {
    let bytes = crate::fsx::read_bounded(file, MAX_RECORD_BYTES).map_err(|source| HistoryError::Read { file: file.to_path_buf(), source })?;
    super::parse_record(&file.display().to_string(), &bytes)
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
