//! Writing a file under the output directory the one safe way: into a
//! fresh temporary file (`create_new`, a unique name: never through a path
//! or symlink that already exists), fsynced, then renamed into place, so a
//! reader sees the old file or the new one, never a part.

use std::fs::File;
use std::path::Path;

/// Streams `write` into `path` under a fresh temporary name, fsyncs, then
/// renames it into place (and fsyncs the directory, best effort).
pub fn write_fresh(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(seedance_transport::client::temp_file_name(&name));
    let written = (|| {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        write(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
