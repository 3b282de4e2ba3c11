//! The digest a downloaded file is recorded with.
//!
//! Downloads are hashed while they stream, so the hash must keep up with the
//! network on any CPU. BLAKE3 (the default) runs at several GiB/s on one core
//! with SSE4.1 or AVX2; SHA-256 runs at 1+ GiB/s only where the CPU has SHA
//! extensions, and at about 200-350 MiB/s on those without them (many Xeons),
//! slower than a loopback or data-centre link. SHA-256 stays available for
//! whoever needs to compare with a published `sha256sum`, and records written
//! with it (by earlier versions) are still checked with it.
//!
//! Only the type lives here (it is stored in manifests); the hashing itself is
//! in `seedance-transport`, next to the download that feeds it.
//!
//! ```
//! use seedance_core::digest::{DigestAlgorithm, FileDigest};
//!
//! let hex = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
//! let digest = FileDigest::parse(DigestAlgorithm::Blake3, hex)?;
//! assert_eq!(digest.hex(), hex);
//! assert_eq!(digest.to_string(), format!("blake3 {hex}"));
//! # Ok::<(), seedance_core::digest::DigestParseError>(())
//! ```

use std::fmt;

/// A hash function a file can be recorded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DigestAlgorithm {
    /// BLAKE3-256: the default, fast enough to hash at line rate anywhere.
    #[default]
    Blake3,
    /// SHA-256: what `sha256sum` prints; fast only with SHA extensions.
    Sha256,
}

impl DigestAlgorithm {
    /// The name used in manifests, JSON output and on the command line
    /// (`blake3`, `sha256`), which is also the name of the matching `*sum`
    /// tool's algorithm.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Blake3 => "blake3",
            DigestAlgorithm::Sha256 => "sha256",
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A 256-bit digest of a file, with the algorithm that made it.
///
/// Kept as 32 bytes rather than hex text: a batch holds one per job, and at
/// 100,000 jobs the difference is several MiB.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileDigest {
    algorithm: DigestAlgorithm,
    bytes: [u8; 32],
}

/// Text that is not a digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: expected 64 hexadecimal digits, got {len} characters that are not")]
pub struct DigestParseError {
    /// The algorithm's name, which is the field the text was in.
    pub field: &'static str,
    /// The length of the text given.
    pub len: usize,
}

impl FileDigest {
    /// A digest from its raw bytes.
    pub fn new(algorithm: DigestAlgorithm, bytes: [u8; 32]) -> Self {
        FileDigest { algorithm, bytes }
    }

    /// Parses 64 hexadecimal digits (either case).
    pub fn parse(algorithm: DigestAlgorithm, hex: &str) -> Result<Self, DigestParseError> {
        let error = || DigestParseError {
            field: algorithm.name(),
            len: hex.chars().count(),
        };
        let text = hex.as_bytes();
        if text.len() != 64 {
            return Err(error());
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
            let digit = |c: u8| (c as char).to_digit(16).ok_or_else(error);
            *byte = ((digit(pair[0])? << 4) | digit(pair[1])?) as u8;
        }
        Ok(FileDigest { algorithm, bytes })
    }

    /// The algorithm that made it.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Lower-case hex, as `b3sum` or `sha256sum` prints it.
    pub fn hex(&self) -> String {
        crate::hex::encode(&self.bytes)
    }
}

/// `blake3 <hex>` or `sha256 <hex>`.
impl fmt::Display for FileDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.algorithm, self.hex())
    }
}

impl fmt::Debug for FileDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileDigest({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_upper_case_is_read() {
        let hex = "00ff10a0".repeat(8);
        let d = FileDigest::parse(DigestAlgorithm::Sha256, &hex.to_uppercase()).unwrap();
        assert_eq!(d.hex(), hex);
        assert_eq!(d.as_bytes()[1], 0xff);
        assert_eq!(d.algorithm(), DigestAlgorithm::Sha256);
    }

    #[test]
    fn text_that_is_not_64_hex_digits_names_the_field() {
        for bad in ["", "abc", &"g".repeat(64), &"é".repeat(32), &"0".repeat(65)] {
            let e = FileDigest::parse(DigestAlgorithm::Blake3, bad).unwrap_err();
            assert_eq!(e.field, "blake3");
            assert!(e.to_string().starts_with("blake3: expected 64"), "{e}");
        }
    }
}
