//! The API key: redacted everywhere it could be printed.

use std::fmt;
use std::path::Path;

/// The environment variable read by [`ApiKey::from_env`].
pub const API_KEY_ENV: &str = "APIMART_API_KEY";

/// An API key (apimart, Volcengine Ark or BytePlus ModelArk). `Debug` prints `ApiKey(******)`; there is no
/// `Display`, and the value is only reachable through [`ApiKey::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// Why no key could be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiKeyError {
    /// The environment variable is not set or empty.
    #[error(
        "no API key: set {API_KEY_ENV} or give the client one (ApiKey::from_file, ApiKey::new)"
    )]
    Missing,
    /// The key file could not be read.
    #[error("cannot read the API key file: {0}")]
    File(#[source] std::io::Error),
    /// The key is empty or has characters that cannot go in a header.
    #[error("the API key is empty or contains whitespace or control characters")]
    Malformed,
}

impl ApiKey {
    /// A key from a string (trimmed).
    pub fn new(key: impl Into<String>) -> Result<Self, ApiKeyError> {
        let key = key.into().trim().to_owned();
        if key.is_empty()
            || key
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
        {
            return Err(ApiKeyError::Malformed);
        }
        Ok(ApiKey(key))
    }

    /// The key from `APIMART_API_KEY`.
    pub fn from_env() -> Result<Self, ApiKeyError> {
        match std::env::var(API_KEY_ENV) {
            Ok(v) if !v.trim().is_empty() => ApiKey::new(v),
            _ => Err(ApiKeyError::Missing),
        }
    }

    /// The key from the first of `vars` that is set (a provider's key
    /// variables, `ProviderKind::api_key_envs`).
    pub fn from_env_vars(vars: &[&str]) -> Result<Self, ApiKeyError> {
        for var in vars {
            if let Ok(v) = std::env::var(var)
                && !v.trim().is_empty()
            {
                return ApiKey::new(v);
            }
        }
        Err(ApiKeyError::Missing)
    }

    /// The key from the first line of a file.
    pub fn from_file(path: &Path) -> Result<Self, ApiKeyError> {
        let text = std::fs::read_to_string(path).map_err(ApiKeyError::File)?;
        ApiKey::new(text.lines().next().unwrap_or_default())
    }

    /// The secret itself. Call only to put it in an `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The `Authorization` header value.
    /// `text` with every occurrence of the key replaced by `******`: for
    /// server text that echoes it ("Invalid token: Bearer sk-...").
    pub fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        if self.0.is_empty() || !text.contains(self.0.as_str()) {
            return std::borrow::Cow::Borrowed(text);
        }
        std::borrow::Cow::Owned(text.replace(self.0.as_str(), "******"))
    }

    /// The `Authorization` header value.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(******)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let key = ApiKey::new("sk-very-secret").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(******)");
        assert!(!format!("{:?}", Some(&key)).contains("secret"));
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert!(ApiKey::new("  ").is_err());
        assert!(ApiKey::new("a b").is_err());
        assert!(
            ApiKey::new("ab\n").is_ok(),
            "trailing newline from a file is trimmed"
        );
    }
}
