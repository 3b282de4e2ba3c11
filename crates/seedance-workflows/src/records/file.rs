//! A file the run wrote, with its size and digest.

use serde::{Deserialize, Serialize};

use seedance_core::digest::{DigestAlgorithm, FileDigest};

/// A downloaded file, relative to the output directory.
///
/// In JSON the digest is a field named after its algorithm:
/// `{"path": "...", "bytes": 123, "blake3": "<hex>"}`, or `"sha256"` in
/// records from earlier versions (or with `--digest sha256`); either is
/// checked with its own algorithm.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "FileRecordWire")]
pub struct FileRecord {
    /// Path relative to the output directory.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// The file's digest.
    pub digest: FileDigest,
}

impl Serialize for FileRecord {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("FileRecord", 3)?;
        s.serialize_field("path", &self.path)?;
        s.serialize_field("bytes", &self.bytes)?;
        let hex = self.digest.hex();
        match self.digest.algorithm() {
            DigestAlgorithm::Blake3 => s.serialize_field("blake3", &hex)?,
            DigestAlgorithm::Sha256 => s.serialize_field("sha256", &hex)?,
        }
        s.end()
    }
}

/// [`FileRecord`] as written in JSON.
#[derive(Deserialize)]
struct FileRecordWire {
    path: String,
    bytes: u64,
    #[serde(default)]
    blake3: Option<String>,
    #[serde(default)]
    sha256: Option<String>,
}

impl TryFrom<FileRecordWire> for FileRecord {
    type Error = String;

    fn try_from(w: FileRecordWire) -> Result<Self, String> {
        let digest = match (&w.blake3, &w.sha256) {
            // BLAKE3 wins when both are there: it is what this version checks.
            (Some(hex), _) => FileDigest::parse(DigestAlgorithm::Blake3, hex),
            (None, Some(hex)) => FileDigest::parse(DigestAlgorithm::Sha256, hex),
            (None, None) => {
                return Err(format!(
                    "file record {:?}: needs a `blake3` or a `sha256` digest",
                    w.path
                ));
            }
        }
        .map_err(|e| format!("file record {:?}: {e}", w.path))?;
        Ok(FileRecord {
            path: w.path,
            bytes: w.bytes,
            digest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_records_name_their_digest_and_read_either_kind() {
        let hex = "0123456789abcdef".repeat(4);
        let record = FileRecord {
            path: "segment_000.mp4".into(),
            bytes: 7,
            digest: FileDigest::parse(DigestAlgorithm::Blake3, &hex).unwrap(),
        };
        let text = serde_json::to_string(&record).unwrap();
        assert_eq!(
            text,
            format!(r#"{{"path":"segment_000.mp4","bytes":7,"blake3":"{hex}"}}"#)
        );
        assert_eq!(serde_json::from_str::<FileRecord>(&text).unwrap(), record);
        // As earlier versions wrote it.
        let old: FileRecord =
            serde_json::from_str(&format!(r#"{{"path":"a.mp4","bytes":1,"sha256":"{hex}"}}"#))
                .unwrap();
        assert_eq!(old.digest.algorithm(), DigestAlgorithm::Sha256);
        assert_eq!(old.digest.hex(), hex);
        assert!(
            serde_json::to_string(&old)
                .unwrap()
                .contains(r#""sha256":"#)
        );
        // Neither, or text that is not a digest: an error naming the file.
        for bad in [
            r#"{"path":"b.mp4","bytes":1}"#.to_owned(),
            r#"{"path":"b.mp4","bytes":1,"blake3":"xyz"}"#.to_owned(),
        ] {
            let e = serde_json::from_str::<FileRecord>(&bad)
                .unwrap_err()
                .to_string();
            assert!(e.contains("b.mp4"), "{e}");
        }
    }
}
