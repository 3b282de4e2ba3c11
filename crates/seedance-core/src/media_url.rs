//! Media URLs: either an `http(s)` URL or an `asset://ID` reference to
//! material apimart has already reviewed.

use std::fmt;
use std::str::FromStr;

/// What kind of URL a [`MediaUrl`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UrlKind {
    /// An `http://` or `https://` URL the service downloads.
    Http,
    /// An `asset://ID` reference (standard and fast models only).
    Asset,
}

/// A parsed media URL. It keeps the exact string the user gave, so what is
/// sent on the wire is what was written (no normalisation by a URL parser).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MediaUrl {
    raw: String,
    kind: UrlKind,
}

/// Why a string is not a usable media URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaUrlError {
    /// The string is empty or only whitespace.
    #[error("is empty")]
    Empty,
    /// `asset://` with nothing after it, or an ID with `/`, `?`, `#` or whitespace.
    #[error("`{0}` is not a valid asset URL: expected `asset://ID` with a non-empty ID")]
    BadAsset(String),
    /// A scheme other than http, https or asset.
    #[error("`{0}` has an unsupported scheme: expected http://, https:// or asset://")]
    UnsupportedScheme(String),
    /// Not parseable as a URL, or no host.
    #[error("`{url}` is not a valid URL: {reason}")]
    Malformed {
        /// The string given.
        url: String,
        /// What the URL parser said.
        reason: String,
    },
}

const ASSET_PREFIX: &str = "asset://";

impl MediaUrl {
    /// Parses an `http(s)` URL (with a host) or an `asset://ID`.
    pub fn parse(s: &str) -> Result<Self, MediaUrlError> {
        if s.trim().is_empty() {
            return Err(MediaUrlError::Empty);
        }
        if let Some(id) = strip_prefix_ignore_case(s, ASSET_PREFIX) {
            let bad = id.is_empty()
                || id
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#'));
            if bad {
                return Err(MediaUrlError::BadAsset(s.to_owned()));
            }
            return Ok(MediaUrl {
                raw: s.to_owned(),
                kind: UrlKind::Asset,
            });
        }
        let parsed = url::Url::parse(s).map_err(|e| MediaUrlError::Malformed {
            url: s.to_owned(),
            reason: e.to_string(),
        })?;
        match parsed.scheme() {
            "http" | "https" => {}
            other => return Err(MediaUrlError::UnsupportedScheme(format!("{other}:"))),
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(MediaUrlError::Malformed {
                url: s.to_owned(),
                reason: "no host".to_owned(),
            });
        }
        if s.chars().any(char::is_whitespace) {
            return Err(MediaUrlError::Malformed {
                url: s.to_owned(),
                reason: "contains whitespace".to_owned(),
            });
        }
        Ok(MediaUrl {
            raw: s.to_owned(),
            kind: UrlKind::Http,
        })
    }

    /// The URL exactly as given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether this is an http(s) URL or an asset reference.
    pub fn kind(&self) -> UrlKind {
        self.kind
    }

    /// Whether this is an `asset://` reference.
    pub fn is_asset(&self) -> bool {
        self.kind == UrlKind::Asset
    }

    /// The asset ID of an `asset://ID` URL.
    pub fn asset_id(&self) -> Option<&str> {
        match self.kind {
            UrlKind::Asset => Some(&self.raw[ASSET_PREFIX.len()..]),
            UrlKind::Http => None,
        }
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

impl FromStr for MediaUrl {
    type Err = MediaUrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MediaUrl::parse(s)
    }
}

impl TryFrom<&str> for MediaUrl {
    type Error = MediaUrlError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        MediaUrl::parse(s)
    }
}

impl fmt::Display for MediaUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for MediaUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MediaUrl({:?})", self.raw)
    }
}

impl serde::Serialize for MediaUrl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> serde::Deserialize<'de> for MediaUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        MediaUrl::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_https_and_assets_verbatim() {
        let u = MediaUrl::parse("https://example.com/cat.jpg").unwrap();
        assert_eq!(u.kind(), UrlKind::Http);
        assert_eq!(u.as_str(), "https://example.com/cat.jpg");
        // No normalisation: a bare host stays without a trailing slash.
        assert_eq!(
            MediaUrl::parse("http://example.com").unwrap().as_str(),
            "http://example.com"
        );
        let a = MediaUrl::parse("asset://asset_a").unwrap();
        assert_eq!(a.asset_id(), Some("asset_a"));
        assert!(a.is_asset());
    }

    #[test]
    fn rejects_what_the_service_cannot_fetch() {
        assert_eq!(MediaUrl::parse(" "), Err(MediaUrlError::Empty));
        assert!(matches!(
            MediaUrl::parse("asset://"),
            Err(MediaUrlError::BadAsset(_))
        ));
        assert!(matches!(
            MediaUrl::parse("asset://a/b"),
            Err(MediaUrlError::BadAsset(_))
        ));
        assert!(matches!(
            MediaUrl::parse("ftp://example.com/x.mp4"),
            Err(MediaUrlError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            MediaUrl::parse("file:///etc/passwd"),
            Err(MediaUrlError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            MediaUrl::parse("cat.jpg"),
            Err(MediaUrlError::Malformed { .. })
        ));
        assert!(matches!(
            MediaUrl::parse("https://exa mple.com/x"),
            Err(MediaUrlError::Malformed { .. })
        ));
    }
}
