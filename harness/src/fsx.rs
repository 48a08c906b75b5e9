//! Reading input files safely: only regular files, and never more than a bound. A path to
//! `/dev/zero` or a FIFO given as a spec, bundle or state file must fail at once with a clear
//! message, not read until memory runs out or block forever.

use std::{io::Read, path::Path};

/// Reads `file` if it is a regular file of at most `limit` bytes.
pub fn read_bounded(file: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(file)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > limit {
        return Err(std::io::Error::other(format!("it is {} bytes, more than the {limit} this input may have", meta.len())));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow between the check and the read; never take more than the bound.
    std::fs::File::open(file)?.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!("it grew past the {limit} bytes this input may have while being read")));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_folders_and_oversized_files() {
        assert!(read_bounded(Path::new("/dev/zero"), 1 << 20).unwrap_err().to_string().contains("not a regular file"));
        assert!(read_bounded(Path::new("/"), 1 << 20).is_err());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("big");
        std::fs::write(&file, [0u8; 100]).unwrap();
        assert_eq!(read_bounded(&file, 100).unwrap().len(), 100);
        assert!(read_bounded(&file, 99).unwrap_err().to_string().contains("more than the 99"));
    }
}
