//! Hashing downloaded bytes as they stream, with the fastest code linked.
//!
//! BLAKE3 (the default) comes from the `blake3` crate, which picks SSE2,
//! SSE4.1, AVX2 or AVX-512 at run time and hashes several GiB/s on one core,
//! well above any link a download arrives on. SHA-256, when asked for, comes
//! from aws-lc with the `reqwest` feature (rustls links it already; it uses
//! SHA extensions, else AVX2 or SSSE3 assembly: about 300 MiB/s without SHA
//! extensions where sha2's portable code does 180-190, measured in
//! `docs/performance.md`, section 4), and from sha2 otherwise.

use seedance_core::digest::{DigestAlgorithm, FileDigest};

/// A running hash of a file's bytes.
///
/// ```
/// use seedance_core::digest::DigestAlgorithm;
/// use seedance_transport::client::DigestStream;
///
/// let mut stream = DigestStream::new(DigestAlgorithm::Sha256);
/// stream.update(b"ab");
/// stream.update(b"c");
/// assert_eq!(
///     stream.finish().hex(),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub struct DigestStream {
    inner: Inner,
}

enum Inner {
    // Boxed: the hasher's state is about 1.9 KB and streams are moved
    // between tasks for every megabyte.
    Blake3(Box<blake3::Hasher>),
    #[cfg(feature = "reqwest")]
    Sha256(aws_lc_rs::digest::Context),
    #[cfg(not(feature = "reqwest"))]
    Sha256(sha2::Sha256),
}

impl std::fmt::Debug for DigestStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestStream")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

impl DigestStream {
    /// The algorithm this stream computes.
    pub fn algorithm(&self) -> DigestAlgorithm {
        match self.inner {
            Inner::Blake3(_) => DigestAlgorithm::Blake3,
            Inner::Sha256(_) => DigestAlgorithm::Sha256,
        }
    }

    /// An empty hash with `algorithm`.
    pub fn new(algorithm: DigestAlgorithm) -> Self {
        let inner = match algorithm {
            DigestAlgorithm::Blake3 => Inner::Blake3(Box::default()),
            #[cfg(feature = "reqwest")]
            DigestAlgorithm::Sha256 => {
                Inner::Sha256(aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256))
            }
            #[cfg(not(feature = "reqwest"))]
            DigestAlgorithm::Sha256 => Inner::Sha256(<sha2::Sha256 as sha2::Digest>::new()),
        };
        DigestStream { inner }
    }

    /// The digest of `bytes` in one call.
    pub fn digest(algorithm: DigestAlgorithm, bytes: &[u8]) -> FileDigest {
        let mut stream = DigestStream::new(algorithm);
        stream.update(bytes);
        stream.finish()
    }

    /// Feeds the next bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.inner {
            Inner::Blake3(h) => {
                h.update(bytes);
            }
            #[cfg(feature = "reqwest")]
            Inner::Sha256(h) => h.update(bytes),
            #[cfg(not(feature = "reqwest"))]
            Inner::Sha256(h) => sha2::Digest::update(h, bytes),
        }
    }

    /// The digest of everything fed.
    pub fn finish(self) -> FileDigest {
        match self.inner {
            Inner::Blake3(h) => FileDigest::new(DigestAlgorithm::Blake3, *h.finalize().as_bytes()),
            #[cfg(feature = "reqwest")]
            Inner::Sha256(h) => {
                let mut bytes = [0u8; 32];
                bytes.copy_from_slice(h.finish().as_ref());
                FileDigest::new(DigestAlgorithm::Sha256, bytes)
            }
            #[cfg(not(feature = "reqwest"))]
            Inner::Sha256(h) => {
                FileDigest::new(DigestAlgorithm::Sha256, sha2::Digest::finalize(h).into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_test_vectors() {
        let sha = |b: &[u8]| DigestStream::digest(DigestAlgorithm::Sha256, b).hex();
        assert_eq!(
            sha(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // BLAKE3's published vector for empty input (`b3sum` of nothing).
        assert_eq!(
            DigestStream::digest(DigestAlgorithm::Blake3, b"").to_string(),
            "blake3 af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    #[test]
    fn streaming_in_pieces_equals_one_call() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for algorithm in [DigestAlgorithm::Blake3, DigestAlgorithm::Sha256] {
            let mut s = DigestStream::new(algorithm);
            for piece in data.chunks(65_537) {
                s.update(piece);
            }
            assert_eq!(s.finish(), DigestStream::digest(algorithm, &data));
        }
    }
}
