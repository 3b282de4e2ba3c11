//! Signed, expiring media URLs, as the service's storage origin issues them:
//! `BASE/media/ID/FILE?expires=UNIX&sig=HMAC`. A URL is good until its
//! `expires` on the simulator's clock and only with its own signature.

use sha2::{Digest, Sha256};

/// Signs and checks media URLs on one origin with one secret.
#[derive(Debug, Clone)]
pub(crate) struct UrlSigner {
    secret: u64,
    base: String,
}

/// A media URL of this origin, taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignedPath<'a> {
    /// The task or upload the file belongs to.
    pub(crate) owner: &'a str,
    /// The file name (`video.mp4`, `last_frame.png`...).
    pub(crate) file: &'a str,
}

/// Why a URL of this origin would not serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlRefusal {
    /// Not a media URL of this origin's shape.
    NotFound,
    /// The signature does not match.
    BadSignature,
    /// Past its expiry.
    Expired,
}

impl UrlRefusal {
    /// The service's words for it.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            UrlRefusal::NotFound => "not found",
            UrlRefusal::BadSignature => "signature does not match",
            UrlRefusal::Expired => "the URL has expired",
        }
    }
}

impl UrlSigner {
    pub(crate) fn new(secret: u64, base: &str) -> Self {
        UrlSigner {
            secret,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The signing secret (kept with a persistent simulator's state, so its
    /// URLs still verify in the next process).
    pub(crate) fn secret(&self) -> u64 {
        self.secret
    }

    /// Signs with `secret` from now on.
    pub(crate) fn set_secret(&mut self, secret: u64) {
        self.secret = secret;
    }

    /// The origin (`http://127.0.0.1:PORT` or the in-process placeholder).
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// Moves the origin (when the HTTP face starts listening).
    pub(crate) fn set_base(&mut self, base: &str) {
        self.base = base.trim_end_matches('/').to_owned();
    }

    fn signature(&self, owner: &str, file: &str, expires: i64) -> String {
        let digest = Sha256::digest(format!("{}/{owner}/{file}/{expires}", self.secret).as_bytes());
        seedance_core::hex::encode(&digest[..8])
    }

    /// A URL for `owner`'s `file` that serves until `expires`.
    pub(crate) fn url(&self, owner: &str, file: &str, expires: i64) -> String {
        let sig = self.signature(owner, file, expires);
        format!(
            "{}/media/{owner}/{file}?expires={expires}&sig={sig}",
            self.base
        )
    }

    /// Whether `url` is on this origin at all.
    pub(crate) fn is_own(&self, url: &str) -> bool {
        url.strip_prefix(&self.base)
            .is_some_and(|rest| rest.starts_with('/'))
    }

    /// Checks `url` at unix time `now`: what it names, or why it would not serve.
    pub(crate) fn check<'a>(&self, url: &'a str, now: i64) -> Result<SignedPath<'a>, UrlRefusal> {
        let rest = url
            .strip_prefix(&self.base)
            .and_then(|r| r.strip_prefix("/media/"))
            .ok_or(UrlRefusal::NotFound)?;
        let (path, query) = rest.split_once('?').ok_or(UrlRefusal::NotFound)?;
        let (owner, file) = path.split_once('/').ok_or(UrlRefusal::NotFound)?;
        let mut expires = None;
        let mut sig = None;
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("expires", v)) => expires = v.parse::<i64>().ok(),
                Some(("sig", v)) => sig = Some(v),
                _ => {}
            }
        }
        let (Some(expires), Some(sig)) = (expires, sig) else {
            return Err(UrlRefusal::NotFound);
        };
        if sig != self.signature(owner, file, expires) {
            return Err(UrlRefusal::BadSignature);
        }
        if now >= expires {
            return Err(UrlRefusal::Expired);
        }
        Ok(SignedPath { owner, file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_url_serves_until_it_expires_and_only_with_its_signature() {
        let signer = UrlSigner::new(7, "http://m.test/");
        let url = signer.url("task_1", "video.mp4", 100);
        assert!(signer.is_own(&url));
        assert_eq!(
            signer.check(&url, 99),
            Ok(SignedPath {
                owner: "task_1",
                file: "video.mp4"
            })
        );
        assert_eq!(signer.check(&url, 100), Err(UrlRefusal::Expired));
        let forged = url.replace("expires=100", "expires=200");
        assert_eq!(signer.check(&forged, 99), Err(UrlRefusal::BadSignature));
        assert_eq!(
            signer.check("http://m.test/other", 0),
            Err(UrlRefusal::NotFound)
        );
        assert!(!signer.is_own("http://m.testing/media/x"));
    }
}
