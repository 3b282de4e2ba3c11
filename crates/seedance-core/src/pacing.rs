//! Adaptive spacing of submits: slow down to the rate the server accepts
//! when it says 429, and speed up again while it accepts. A pure state
//! machine over elapsed time, so a client shares one across concurrent
//! submitters.
//!
//! At a 429 the pacer counts the submits accepted in the last window (one
//! second, like the usual rate-limit window) and spaces submits so that
//! slightly fewer than that go out per window. Once no 429 has been seen for
//! a while, each accepted submit shortens the spacing a little, probing
//! whether the limit was raised.
//!
//! ```
//! use std::time::Duration;
//! use seedance_core::pacing::{Pacer, PacerConfig};
//!
//! let ms = Duration::from_millis;
//! let mut p = Pacer::new(PacerConfig::default());
//! assert_eq!(p.reserve(ms(0)), ms(0)); // no limit seen yet: no waiting
//! for t in [0, 200, 400, 600, 800] {
//!     p.on_accepted(ms(t));
//! }
//! p.on_rate_limited(ms(900)); // five accepted in the last second
//! assert_eq!(p.interval(), ms(202)); // 1 s / 5, with a 1 % margin
//! ```

use std::collections::VecDeque;
use std::time::Duration;

/// Tuning of the pacer.
#[derive(Debug, Clone, PartialEq)]
pub struct PacerConfig {
    /// The window over which accepted submits are counted.
    pub window: Duration,
    /// Spacing adopted at a 429 when nothing was accepted in the window.
    pub initial_interval: Duration,
    /// The learned spacing is stretched by this factor, to stay under the limit.
    pub margin: f64,
    /// Spacing is multiplied by this at each accepted submit (probing for a
    /// raised limit), once no 429 has been seen for `probe_after`.
    pub recovery_factor: f64,
    /// Quiet time after a 429 before probing starts.
    pub probe_after: Duration,
    /// Below this the spacing drops to zero (no pacing).
    pub floor: Duration,
    /// Largest spacing.
    pub ceiling: Duration,
}

impl Default for PacerConfig {
    fn default() -> Self {
        PacerConfig {
            window: Duration::from_secs(1),
            initial_interval: Duration::from_millis(100),
            margin: 1.01,
            recovery_factor: 0.995,
            probe_after: Duration::from_secs(10),
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
    accepted: VecDeque<Duration>,
    last_reaction: Option<Duration>,
}

impl Pacer {
    /// A pacer that does not delay anything until the first 429.
    pub fn new(config: PacerConfig) -> Self {
        Pacer {
            config,
            interval: Duration::ZERO,
            next_slot: Duration::ZERO,
            accepted: VecDeque::new(),
            last_reaction: None,
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

    /// Drops accepted submits older than one window before `now`.
    fn forget_before(&mut self, now: Duration) {
        let Some(start) = now.checked_sub(self.config.window) else {
            return;
        };
        while self.accepted.front().is_some_and(|t| *t < start) {
            self.accepted.pop_front();
        }
    }

    /// A submit was refused with 429 at `now`. (The refused request itself
    /// should wait for the server's `Retry-After` before trying again.)
    ///
    /// Only the first 429 of a window changes the spacing: the others were
    /// already in flight when it arrived and say nothing new.
    pub fn on_rate_limited(&mut self, now: Duration) {
        if self
            .last_reaction
            .is_some_and(|t| now.saturating_sub(t) < self.config.window)
        {
            return;
        }
        self.last_reaction = Some(now);
        self.forget_before(now);
        let learned = match self.accepted.len() {
            0 => self.interval.mul_f64(2.0).max(self.config.initial_interval),
            n => (self.config.window / n as u32).mul_f64(self.config.margin),
        };
        self.interval = learned.min(self.config.ceiling);
        self.next_slot = self.next_slot.max(now);
    }

    /// A submit was accepted at `now`.
    pub fn on_accepted(&mut self, now: Duration) {
        self.accepted.push_back(now);
        self.forget_before(now);
        if self
            .last_reaction
            .is_some_and(|t| now.saturating_sub(t) < self.config.probe_after)
        {
            return;
        }
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

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn learns_the_accepted_rate_at_a_429() {
        let mut p = Pacer::new(PacerConfig::default());
        for t in 0..10 {
            p.on_accepted(ms(t * 100));
        }
        p.on_rate_limited(ms(950));
        assert_eq!(p.interval(), ms(101)); // 10 per second, 1 % margin
    }

    #[test]
    fn a_burst_at_time_zero_is_counted() {
        let mut p = Pacer::new(PacerConfig::default());
        for _ in 0..5 {
            p.on_accepted(ms(0));
        }
        p.on_rate_limited(ms(0));
        assert_eq!(p.interval(), ms(202));
    }

    #[test]
    fn a_429_with_nothing_accepted_backs_off_and_doubles() {
        let mut p = Pacer::new(PacerConfig::default());
        p.on_rate_limited(ms(0));
        assert_eq!(p.interval(), ms(100));
        p.on_rate_limited(ms(10)); // same window: already reacted
        assert_eq!(p.interval(), ms(100));
        p.on_rate_limited(ms(1010));
        assert_eq!(p.interval(), ms(200));
    }

    #[test]
    fn spacing_holds_right_after_a_429_then_decays_while_accepted() {
        let mut p = Pacer::new(PacerConfig::default());
        p.on_rate_limited(ms(0));
        for t in 0..100 {
            p.on_accepted(ms(t * 50));
        }
        assert_eq!(p.interval(), ms(100), "no probing within 10 s of a 429");
        for t in 0..5000 {
            p.on_accepted(ms(10_000 + t));
        }
        assert_eq!(p.interval(), Duration::ZERO);
    }

    #[test]
    fn concurrent_reservations_are_spaced() {
        let mut p = Pacer::new(PacerConfig::default());
        p.on_rate_limited(Duration::ZERO);
        let waits: Vec<Duration> = (0..3).map(|_| p.reserve(Duration::from_secs(1))).collect();
        assert_eq!(waits, [Duration::ZERO, ms(100), ms(200)]);
    }
}
