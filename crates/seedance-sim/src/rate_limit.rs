//! The simulator's submit rate limiters. The service's own is undocumented,
//! so a client is measured against three common ones.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// How the simulator limits submits to `submits_per_second`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimiter {
    /// At most N submits in a one-second window that starts with the first
    /// submit after the previous window ended.
    #[default]
    FixedWindow,
    /// At most N submits in any one-second span.
    SlidingWindow,
    /// Tokens refill at N per second up to `burst`; a submit takes one.
    TokenBucket {
        /// Bucket size (the burst allowed after a quiet spell).
        burst: u32,
    },
}

impl RateLimiter {
    /// Parses `fixed`, `sliding` or `bucket:BURST`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            None if s == "fixed" => Ok(RateLimiter::FixedWindow),
            None if s == "sliding" => Ok(RateLimiter::SlidingWindow),
            Some(("bucket", b)) => b
                .parse()
                .ok()
                .filter(|b| *b > 0)
                .map(|burst| RateLimiter::TokenBucket { burst })
                .ok_or_else(|| format!("`{s}`: bucket:BURST needs a positive burst")),
            _ => Err(format!(
                "unknown rate limiter `{s}` (fixed, sliding, bucket:BURST)"
            )),
        }
    }
}

/// The state of one limiter.
#[derive(Debug, Default)]
pub(crate) struct LimiterState {
    window: Option<(Instant, u32)>,
    recent: VecDeque<Instant>,
    bucket: Option<(f64, Instant)>,
}

const SECOND: Duration = Duration::from_secs(1);

impl LimiterState {
    /// Admits a submit at `now`, or says how long until one would be.
    pub(crate) fn admit(
        &mut self,
        kind: RateLimiter,
        limit: u32,
        now: Instant,
    ) -> Result<(), Duration> {
        match kind {
            RateLimiter::FixedWindow => {
                let (start, count) = match self.window {
                    Some((start, count)) if now.duration_since(start) < SECOND => (start, count),
                    _ => (now, 0),
                };
                if count >= limit {
                    return Err(SECOND.saturating_sub(now.duration_since(start)));
                }
                self.window = Some((start, count + 1));
                Ok(())
            }
            RateLimiter::SlidingWindow => {
                while self
                    .recent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= SECOND)
                {
                    self.recent.pop_front();
                }
                if self.recent.len() >= limit as usize {
                    let oldest = self.recent.front().copied().unwrap_or(now);
                    return Err(SECOND.saturating_sub(now.duration_since(oldest)));
                }
                self.recent.push_back(now);
                Ok(())
            }
            RateLimiter::TokenBucket { burst } => {
                let rate = f64::from(limit);
                let (tokens, at) = self.bucket.unwrap_or((f64::from(burst), now));
                let tokens =
                    (tokens + now.duration_since(at).as_secs_f64() * rate).min(f64::from(burst));
                if tokens < 1.0 {
                    self.bucket = Some((tokens, now));
                    return Err(Duration::from_secs_f64((1.0 - tokens) / rate));
                }
                self.bucket = Some((tokens - 1.0, now));
                Ok(())
            }
        }
    }
}
