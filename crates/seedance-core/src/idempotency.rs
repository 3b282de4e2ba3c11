//! Idempotent submits: the key that makes resending a submit safe, and the
//! headers that carry it.
//!
//! apimart's own client sends `Idempotency-Key` (1 to 191 visible ASCII
//! characters) on every generation request, and the service answers a
//! repeat of the same key and body with the earlier task and the header
//! `Idempotency-Replayed: true` (github apimart-ai/apimart-skills,
//! `skills/apimart-generate-media/references/api-contract.md`). Those
//! requests also send `X-APIMart-Response-Version: 2026-07-27`, the
//! response contract under which replays are reported. See
//! `docs/reliability.md` ("Idempotent submits") for sources and what happens when a service does
//! not honour the key.

use std::fmt;

/// The request header that carries the key.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// The response header that says an answer is a replay of an earlier
/// request with the same key (`true`), not a new task.
pub const IDEMPOTENCY_REPLAYED_HEADER: &str = "Idempotency-Replayed";
/// The header that negotiates the response contract (sent on requests,
/// echoed on answers by a service that speaks it).
pub const RESPONSE_VERSION_HEADER: &str = "X-APIMart-Response-Version";
/// The response contract version this client speaks.
pub const RESPONSE_VERSION: &str = "2026-07-27";
/// The longest key the service accepts.
pub const MAX_KEY_LEN: usize = 191;

/// A valid `Idempotency-Key`: 1 to 191 visible ASCII characters (`!` to
/// `~`). One key stands for one logical submit: the same key must never be
/// sent with a different body.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyKey(String);

/// Why a string is not an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidKey {
    /// Empty.
    #[error("Idempotency-Key: is empty; it must have 1 to 191 visible ASCII characters")]
    Empty,
    /// Longer than [`MAX_KEY_LEN`].
    #[error("Idempotency-Key: is {0} characters long; the most is 191")]
    TooLong(usize),
    /// A character outside `!`..`~` (a space, a control, non-ASCII).
    #[error(
        "Idempotency-Key: character {position} is not visible ASCII (`!` to `~`); spaces, controls and non-ASCII are refused"
    )]
    BadCharacter {
        /// Its position, from 1.
        position: usize,
    },
}

impl IdempotencyKey {
    /// `key`, checked.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidKey> {
        let key = key.into();
        if key.is_empty() {
            return Err(InvalidKey::Empty);
        }
        if let Some(i) = key.chars().position(|c| !('!'..='~').contains(&c)) {
            return Err(InvalidKey::BadCharacter { position: i + 1 });
        }
        if key.len() > MAX_KEY_LEN {
            return Err(InvalidKey::TooLong(key.len()));
        }
        Ok(IdempotencyKey(key))
    }

    /// The key of one job's submit in a run: the run's id, the job, its
    /// take and a digest of the exact body sent, so the same job in the same
    /// run always sends the same key, and a changed body (a new take, an
    /// edited request) never reuses one. Parts are reduced to visible ASCII
    /// and the result to 191 characters.
    pub fn for_job(run_id: &str, job: usize, take: u32, body_digest: &str) -> Self {
        let clean = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .take(64)
                .collect()
        };
        let mut key = format!("sd-{}-{job}-{take}-{}", clean(run_id), clean(body_digest));
        key.truncate(MAX_KEY_LEN);
        IdempotencyKey(key)
    }

    /// A fresh key from two random words (for a one-off submit).
    pub fn from_random(a: u64, b: u64) -> Self {
        IdempotencyKey(format!("sd-{a:016x}{b:016x}"))
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({})", self.0)
    }
}

/// Whether a response says it is a replay (`Idempotency-Replayed: true`,
/// any case, surrounding spaces ignored).
pub fn is_replay(header: Option<&str>) -> bool {
    header.is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_191_visible_ascii_characters() {
        assert!(IdempotencyKey::new("a").is_ok());
        assert!(IdempotencyKey::new("~".repeat(191)).is_ok());
        assert_eq!(IdempotencyKey::new(""), Err(InvalidKey::Empty));
        assert_eq!(
            IdempotencyKey::new("x".repeat(192)),
            Err(InvalidKey::TooLong(192))
        );
        assert_eq!(
            IdempotencyKey::new("ab c"),
            Err(InvalidKey::BadCharacter { position: 3 })
        );
        assert_eq!(
            IdempotencyKey::new("é"),
            Err(InvalidKey::BadCharacter { position: 1 })
        );
    }

    #[test]
    fn a_job_key_is_stable_and_changes_with_take_and_body() {
        let k = IdempotencyKey::for_job("r1", 3, 1, "abcd");
        assert_eq!(k, IdempotencyKey::for_job("r1", 3, 1, "abcd"));
        assert_ne!(k, IdempotencyKey::for_job("r1", 3, 2, "abcd"));
        assert_ne!(k, IdempotencyKey::for_job("r1", 3, 1, "abce"));
        assert_ne!(k, IdempotencyKey::for_job("r2", 3, 1, "abcd"));
        // Whatever the parts, the result is a valid key.
        let odd = IdempotencyKey::for_job(&"é ".repeat(300), 9, 9, &"z".repeat(500));
        assert!(IdempotencyKey::new(odd.as_str()).is_ok());
    }

    #[test]
    fn replay_is_read_from_the_header() {
        assert!(is_replay(Some("true")));
        assert!(is_replay(Some(" True ")));
        assert!(!is_replay(Some("false")));
        assert!(!is_replay(None));
    }
}
