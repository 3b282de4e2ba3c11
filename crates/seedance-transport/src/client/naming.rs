//! File names derived from server data, made safe: a task id from the server
//! never becomes a path unchecked.

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
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    if prefix.is_empty() {
        format!("id-{hash}")
    } else {
        format!("{prefix}-{hash}")
    }
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
}
