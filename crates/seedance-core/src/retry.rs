//! How long to wait before retrying. Whether to retry at all is decided by
//! the transport layer from the error kind; this module only does the maths.

use std::time::{Duration, SystemTime};

/// Retry limits: capped by attempt count *and* by total time.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Backoff before the first retry; doubles each retry.
    pub base_delay: Duration,
    /// Longest single backoff.
    pub max_delay: Duration,
    /// No retry starts once this much time has passed since the first attempt.
    pub max_elapsed: Duration,
    /// A server's `Retry-After` is honoured up to this long.
    pub max_retry_after: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retries: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(180),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    pub fn none() -> Self {
        RetryConfig {
            max_retries: 0,
            ..RetryConfig::default()
        }
    }

    /// Exponential backoff with full jitter for retry number `retry` (0-based):
    /// a uniform pick in `[0, min(max_delay, base * 2^retry)]`, where `unit`
    /// is the uniform sample in `[0, 1)` (injected, so tests are deterministic).
    pub fn backoff(&self, retry: u32, unit: f64) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        cap.mul_f64(unit.clamp(0.0, 1.0))
    }

    /// The wait before retry number `retry`: the server's `Retry-After` when
    /// given (capped by `max_retry_after`), otherwise [`RetryConfig::backoff`].
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, unit: f64) -> Duration {
        match retry_after {
            Some(d) => d.min(self.max_retry_after),
            None => self.backoff(retry, unit),
        }
    }

    /// Whether retry number `retry` may start, `elapsed` after the first
    /// attempt, if it would first wait `delay`.
    pub fn allows(&self, retry: u32, elapsed: Duration, delay: Duration) -> bool {
        retry < self.max_retries && elapsed.saturating_add(delay) <= self.max_elapsed
    }
}

/// The state of one retry loop: how many retries it has spent, checked
/// against a [`RetryConfig`] (count *and* total time). Every retry loop of
/// the client is this one state machine, so a layer that needs more
/// patience asks for a larger config instead of wrapping another loop
/// around an inner one (which would multiply the budgets).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryBudget {
    config: RetryConfig,
    spent: u32,
}

impl RetryBudget {
    /// A fresh budget under `config`.
    pub fn new(config: RetryConfig) -> Self {
        RetryBudget { config, spent: 0 }
    }

    /// Retries spent so far.
    pub fn spent(&self) -> u32 {
        self.spent
    }

    /// The wait before the next retry, `elapsed` after the first attempt,
    /// or `None` when the budget is spent (by count or by time). `unit` is
    /// the jitter sample in `[0, 1)`.
    pub fn next_delay(
        &mut self,
        elapsed: Duration,
        retry_after: Option<Duration>,
        unit: f64,
    ) -> Option<Duration> {
        let delay = self.config.delay(self.spent, retry_after, unit);
        if !self.config.allows(self.spent, elapsed, delay) {
            return None;
        }
        self.spent += 1;
        Some(delay)
    }

    /// Whether waiting `delay` more, `elapsed` after the first attempt,
    /// stays within the budget's total time (for waits that are not
    /// retries, such as a rate limiter's, which count time but not tries).
    pub fn has_time_for(&self, elapsed: Duration, delay: Duration) -> bool {
        elapsed.saturating_add(delay) <= self.config.max_elapsed
    }

    /// Starts counting again (after a success in a long-lived loop).
    pub fn reset(&mut self) {
        self.spent = 0;
    }
}

/// Parses a `Retry-After` header: delay seconds or an HTTP date (relative to
/// `now`; a date in the past means "now").
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(1e9)));
        }
        return None;
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_scales_with_jitter() {
        let c = RetryConfig::default();
        assert_eq!(c.backoff(0, 0.999_999).as_millis(), 499);
        assert_eq!(c.backoff(3, 0.5), Duration::from_secs(2));
        assert_eq!(c.backoff(40, 1.0), c.max_delay);
        assert_eq!(c.backoff(5, 0.0), Duration::ZERO);
    }

    #[test]
    fn retry_after_is_honoured_but_capped() {
        let c = RetryConfig::default();
        assert_eq!(
            c.delay(0, Some(Duration::from_secs(7)), 0.9),
            Duration::from_secs(7)
        );
        assert_eq!(
            c.delay(0, Some(Duration::from_secs(7200)), 0.9),
            c.max_retry_after
        );
    }

    #[test]
    fn attempts_and_total_time_both_cap_retries() {
        let c = RetryConfig::default();
        assert!(c.allows(0, Duration::ZERO, Duration::from_secs(1)));
        assert!(!c.allows(c.max_retries, Duration::ZERO, Duration::ZERO));
        assert!(!c.allows(1, Duration::from_secs(179), Duration::from_secs(2)));
        assert!(!RetryConfig::none().allows(0, Duration::ZERO, Duration::ZERO));
    }

    #[test]
    fn a_budget_allows_max_retries_then_stops_and_resets() {
        let mut b = RetryBudget::new(RetryConfig {
            max_retries: 3,
            ..RetryConfig::default()
        });
        let mut granted = 0;
        while b.next_delay(Duration::ZERO, None, 0.5).is_some() {
            granted += 1;
            assert!(granted <= 3, "the budget never ran out");
        }
        assert_eq!(granted, 3);
        assert_eq!(b.spent(), 3);
        b.reset();
        assert!(b.next_delay(Duration::ZERO, None, 0.5).is_some());
        // Time caps it too, whatever the count.
        let mut late = RetryBudget::new(RetryConfig::default());
        assert_eq!(late.next_delay(Duration::from_secs(181), None, 0.0), None);
        assert!(!late.has_time_for(Duration::from_secs(179), Duration::from_secs(2)));
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Wed, 25 Nov 2026 10:00:00 GMT").unwrap();
        assert_eq!(parse_retry_after("12", now), Some(Duration::from_secs(12)));
        assert_eq!(
            parse_retry_after(" 1.5 ", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 10:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }
}
