//! The fingerprint of a job as planned, and the SHA-256 it is made of.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use seedance_core::digest::{DigestAlgorithm, FileDigest};

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    seedance_core::hex::encode(&Sha256::digest(bytes))
}

/// The SHA-256 of a job as planned: a rerun compares it with the job's
/// record to notice that the plan changed. Kept as 32 bytes (a batch holds
/// one per job, twice while it reconciles); written as hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of `bytes` (a job's canonical JSON).
    pub fn of(bytes: &[u8]) -> Self {
        Fingerprint(Sha256::digest(bytes).into())
    }

    /// The fingerprint of a job's request: its canonical JSON without the
    /// fields that say how to deliver the result rather than what to make
    /// (`webhook`), so adding `--webhook` to a rerun changes no job.
    pub fn of_request(request: &seedance_core::GenerationRequest) -> Self {
        if request.extra.contains_key("webhook") {
            let mut content = request.clone();
            content.extra.remove("webhook");
            return Fingerprint::of(
                serde_json::to_string(&content)
                    .unwrap_or_default()
                    .as_bytes(),
            );
        }
        Fingerprint::of(
            serde_json::to_string(request)
                .unwrap_or_default()
                .as_bytes(),
        )
    }

    /// Lower-case hex.
    pub fn hex(&self) -> String {
        seedance_core::hex::encode(&self.0)
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.hex())
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fingerprint({})", self.hex())
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.hex())
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        // Anything but 64 hex digits (a hand-edited manifest) stands for a
        // job that matches no plan: the rerun reports it as changed.
        Ok(
            FileDigest::parse(DigestAlgorithm::Sha256, &text).map_or_else(
                |_| Fingerprint::of(text.as_bytes()),
                |d| Fingerprint(*d.as_bytes()),
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_written_as_hex_and_anything_else_matches_no_plan() {
        let fp = Fingerprint::of(b"{\"prompt\":\"a\"}");
        let text = serde_json::to_string(&fp).unwrap();
        assert_eq!(text, format!("\"{}\"", sha256_hex(b"{\"prompt\":\"a\"}")));
        assert_eq!(serde_json::from_str::<Fingerprint>(&text).unwrap(), fp);
        let edited: Fingerprint = serde_json::from_str("\"edited by hand\"").unwrap();
        assert_ne!(edited, fp);
        assert_ne!(edited, Fingerprint::default());
    }
}
