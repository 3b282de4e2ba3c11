//! SHA-256 of downloaded bytes, from the fastest implementation linked.
//!
//! With the `reqwest` feature, rustls already links aws-lc, whose SHA-256
//! picks SHA extensions, AVX2 or SSSE3 assembly at run time: on a Xeon
//! without SHA extensions it hashes about 300 MiB/s where sha2's portable
//! code does 180-190 (measured in `docs/performance.md`, section 4). Without
//! that feature (a custom transport, no C toolchain), sha2 is used.

/// A running SHA-256.
pub(crate) struct Sha256Stream {
    #[cfg(feature = "reqwest")]
    inner: aws_lc_rs::digest::Context,
    #[cfg(not(feature = "reqwest"))]
    inner: sha2::Sha256,
}

impl Sha256Stream {
    pub(crate) fn new() -> Self {
        Sha256Stream {
            #[cfg(feature = "reqwest")]
            inner: aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256),
            #[cfg(not(feature = "reqwest"))]
            inner: <sha2::Sha256 as sha2::Digest>::new(),
        }
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        #[cfg(feature = "reqwest")]
        self.inner.update(bytes);
        #[cfg(not(feature = "reqwest"))]
        sha2::Digest::update(&mut self.inner, bytes);
    }

    /// The digest as lower-case hex.
    pub(crate) fn finish_hex(self) -> String {
        #[cfg(feature = "reqwest")]
        let digest = self.inner.finish();
        #[cfg(not(feature = "reqwest"))]
        let digest = sha2::Digest::finalize(self.inner);
        seedance_core::hex::encode(digest.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_test_vectors() {
        let mut h = Sha256Stream::new();
        h.update(b"ab");
        h.update(b"c");
        assert_eq!(
            h.finish_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            Sha256Stream::new().finish_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
