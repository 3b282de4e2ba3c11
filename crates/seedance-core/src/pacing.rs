//! Adaptive spacing of submits: slow down when the server says 429, speed
//! up again while it accepts. A pure state machine over elapsed time, so a
//! client shares one across concurrent submitters.
//!
//! ```
//! use std::time::Duration;
//! use seedance_core::pacing::{Pacer, PacerConfig};
//!
//! let mut p = Pacer::new(PacerConfig::default());
//! assert_eq!(p.reserve(Duration::ZERO), Duration::ZERO); // no limit seen yet
//! p.on_rate_limited(Duration::ZERO, Some(Duration::from_secs(1)));
//! assert_eq!(p.reserve(Duration::ZERO), Duration::from_secs(1)); // honour Retry-After
//! ```

use std::time::Duration;

/// Tuning of the pacer.
#[derive(Debug, Clone, PartialEq)]
pub struct PacerConfig {
    /// Spacing adopted at the first 429.
    pub initial_interval: Duration,
    /// Spacing is multiplied by this at each 429.
    pub backoff_factor: f64,
    /// Spacing is multiplied by this at each accepted submit.
    pub recovery_factor: f64,
    /// Below this the spacing drops to zero (no pacing).
    pub floor: Duration,
    /// Largest spacing.
    pub ceiling: Duration,
}

impl Default for PacerConfig {
    fn default() -> Self {
        PacerConfig {
            initial_interval: Duration::from_millis(100),
            backoff_factor: 1.5,
            recovery_factor: 0.97,
            floor: Duration::from_millis(5),
            ceiling: Duration::from_secs(10),
        }
    }
}

/// The pacer's state. Times are elapsed durations since any fixed origin.
#[derive(Debug, Clone)]
pub struct Pacer {
    config: PacerConfig,
    interval: Duration,
    next_slot: Duration,
}

impl Pacer {
    /// A pacer that does not delay anything until the first 429.
    pub fn new(config: PacerConfig) -> Self {
        Pacer {
            config,
            interval: Duration::ZERO,
            next_slot: Duration::ZERO,
        }
    }

    /// The current spacing between submits.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Reserves the next submit slot at `now`; returns how long to wait for it.
    pub fn reserve(&mut self, now: Duration) -> Duration {
        let slot = self.next_slot.max(now);
        self.next_slot = slot + self.interval;
        slot - now
    }

    /// A submit was refused with 429 at `now`.
    pub fn on_rate_limited(&mut self, now: Duration, retry_after: Option<Duration>) {
        let grown = self.interval.mul_f64(self.config.backoff_factor);
        self.interval = grown
            .max(self.config.initial_interval)
            .min(self.config.ceiling);
        let resume = now + retry_after.unwrap_or(self.interval);
        self.next_slot = self.next_slot.max(resume);
    }

    /// A submit was accepted.
    pub fn on_accepted(&mut self) {
        let shrunk = self.interval.mul_f64(self.config.recovery_factor);
        self.interval = if shrunk < self.config.floor {
            Duration::ZERO
        } else {
            shrunk
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_grows_on_429_and_decays_on_success() {
        let mut p = Pacer::new(PacerConfig::default());
        p.on_rate_limited(Duration::ZERO, None);
        assert_eq!(p.interval(), Duration::from_millis(100));
        p.on_rate_limited(Duration::ZERO, None);
        assert_eq!(p.interval(), Duration::from_millis(150));
        for _ in 0..200 {
            p.on_accepted();
        }
        assert_eq!(p.interval(), Duration::ZERO);
    }

    #[test]
    fn concurrent_reservations_are_spaced() {
        let mut p = Pacer::new(PacerConfig::default());
        p.on_rate_limited(Duration::ZERO, Some(Duration::ZERO));
        let waits: Vec<Duration> = (0..3).map(|_| p.reserve(Duration::from_secs(1))).collect();
        assert_eq!(
            waits,
            [
                Duration::ZERO,
                Duration::from_millis(100),
                Duration::from_millis(200)
            ]
        );
    }
}
