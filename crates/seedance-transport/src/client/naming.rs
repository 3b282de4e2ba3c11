//! The file names a single task's files get: its video and last frame, and
//! the temporary names files are written under before they are renamed into
//! place. A run's own names (segments, jobs, takes, the film, the manifest)
//! are the workflows crate's `RunLayout`. Names from server data are made safe first (a task id from the
//! server never becomes a path unchecked).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

const MAX_STEM: usize = 96;

/// A file stem for `id` that cannot escape a directory: ASCII letters,
/// digits, `_` and `-` only, not empty, at most 96 characters. Ids that are
/// already safe are kept as they are; anything else is replaced by a
/// readable prefix plus a hash, so distinct ids stay distinct.
pub fn safe_file_stem(id: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if !id.is_empty() && id.len() <= MAX_STEM && id.chars().all(safe) {
        return id.to_owned();
    }
    let prefix: String = id.chars().filter(|c| safe(*c)).take(48).collect();
    let digest = Sha256::digest(id.as_bytes());
    let hash = seedance_core::hex::encode(&digest[..8]);
    if prefix.is_empty() {
        format!("id-{hash}")
    } else {
        format!("{prefix}-{hash}")
    }
}

/// The video file of `stem` (`{stem}.mp4`).
pub fn video_file_name(stem: &str) -> String {
    format!("{stem}.mp4")
}

/// The last-frame image of `stem` (`{stem}_last_frame.png`).
pub fn last_frame_file_name(stem: &str) -> String {
    format!("{stem}_last_frame.png")
}

/// A fresh temporary name for a file that will be renamed to `final_name`:
/// `.{final_name}.{pid}-{nanos}-{n}.part`. Unique per process and per call,
/// so a run never collides with a file a killed run left (which is then
/// removed by [`remove_stale_temp_files`]). Always created with
/// `create_new`, so an existing path or symlink is never written through.
pub fn temp_file_name(final_name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(".{final_name}.{}-{nanos:08x}-{n}.part", std::process::id())
}

/// Whether `name` is a temporary file of a final file whose name starts with `stem`.
pub fn is_temp_file_of(name: &str, stem: &str) -> bool {
    name.strip_prefix('.')
        .is_some_and(|rest| rest.starts_with(stem) && rest.ends_with(".part"))
}

/// Removes temporary files that earlier (killed) runs left in `dir` for
/// files named after `stem`. Runs on a blocking thread.
pub async fn remove_stale_temp_files(dir: &Path, stem: &str) {
    let dir = dir.to_owned();
    let stem = stem.to_owned();
    let _ = tokio::task::spawn_blocking(move || {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        for entry in entries.flatten() {
            if is_temp_file_of(&entry.file_name().to_string_lossy(), &stem) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_ids_are_kept_and_hostile_ones_neutralised() {
        assert_eq!(safe_file_stem("task_01KMCGF6BQ"), "task_01KMCGF6BQ");
        for hostile in [
            "../../etc/passwd",
            "/abs/path",
            "a\0b",
            "",
            ".",
            "..",
            &"x".repeat(5000),
            "C:\\win",
        ] {
            let s = safe_file_stem(hostile);
            assert!(!s.is_empty() && s.len() <= MAX_STEM, "{s}");
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "{s}"
            );
        }
        assert_ne!(safe_file_stem("a/b"), safe_file_stem("a\\b"));
    }

    #[test]
    fn temp_names_are_unique_and_recognised() {
        let a = temp_file_name("segment_000.mp4");
        let b = temp_file_name("segment_000.mp4");
        assert_ne!(a, b);
        assert!(is_temp_file_of(&a, "segment_000"));
        assert!(!is_temp_file_of(&a, "segment_001"));
        assert!(!is_temp_file_of("segment_000.mp4", "segment_000"));
    }
}
