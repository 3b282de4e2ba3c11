//! Adaptive pacing of submits: send no more than the server accepts, as
//! soon as it can accept them. A pure state machine over elapsed time, so a
//! client shares one across concurrent submitters.
//!
//! - Before any limit is known, submits go out a little apart
//!   (`start_interval`), not in one burst: a burst into an unknown limit
//!   draws a 429 for every submit in flight. Each window that used at least
//!   half its slots without a 429 halves the spacing (a slow start, down to
//!   `min_interval`): a service with a high limit, or none, is not held to
//!   the starting rate, and a limit is still met at most one window's
//!   doubling past it.
//! - At a 429 the pacer learns the limit: the number of submits accepted in
//!   the last window (one second, the usual rate-limit window). From then on
//!   it grants at most that many slots in any window, slightly widened
//!   (`margin`): a sliding budget. That is exact against a fixed or sliding
//!   window limiter and within a token bucket's refill rate, and it uses
//!   capacity the moment it frees (a burst at each window's start when the
//!   work is waiting), where even spacing would leave the end of every run a
//!   window late. `Retry-After` (whole seconds) is too coarse to wait on.
//! - A slot reserved before a 429 arrived is stale ([`Pacer::is_current`]):
//!   its holder takes a new one instead of sending into a full window.
//! - After `probe_after` without a 429, the budget grows by one per window,
//!   probing whether the limit was raised.
//!
//! ```
//! use std::time::Duration;
//! use seedance_core::pacing::{Pacer, PacerConfig};
//!
//! let ms = Duration::from_millis;
//! let mut p = Pacer::new(PacerConfig::default());
//! for t in [0, 10, 20, 30, 40] {
//!     assert_eq!(p.reserve(ms(t)), ms(0));
//!     p.on_accepted(ms(t));
//! }
//! p.on_rate_limited(ms(50), None); // five accepted in the last second
//! assert_eq!(p.limit(), Some(5));
//! // The next five go as the window (widened by 0.5 %) frees.
//! assert_eq!(p.reserve(ms(50)), ms(955));
//! assert_eq!(p.reserve(ms(50)), ms(965));
//! ```

use std::collections::VecDeque;
use std::time::Duration;

/// Tuning of the pacer.
#[derive(Debug, Clone, PartialEq)]
pub struct PacerConfig {
    /// The rate-limit window assumed when counting accepted submits.
    pub window: Duration,
    /// Spacing before any limit is known, at first.
    pub start_interval: Duration,
    /// The closest spacing the slow start reaches before any limit is known.
    pub min_interval: Duration,
    /// The budget's window is this much longer than `window` (1.01: 1 %
    /// under the limit, room for network jitter).
    pub margin: f64,
    /// After this long without a 429, the budget grows by one per window.
    pub probe_after: Duration,
    /// Spacing after a 429 when nothing was accepted in the window.
    pub backoff: Duration,
}

impl Default for PacerConfig {
    fn default() -> Self {
        PacerConfig {
            window: Duration::from_secs(1),
            start_interval: Duration::from_millis(10),
            min_interval: Duration::from_micros(250),
            margin: 1.005,
            probe_after: Duration::from_secs(120),
            backoff: Duration::from_millis(500),
        }
    }
}

/// The pacer's state: the learned limit, the slots granted in the last
/// window, and the submits accepted in it.
#[derive(Debug, Clone)]
pub struct Pacer {
    config: PacerConfig,
    /// Submits allowed per (widened) window, once a 429 taught it.
    limit: Option<u32>,
    /// Before a limit is known: the next free slot.
    next_slot: Duration,
    /// Before a limit is known: the spacing now, and since when.
    interval: Duration,
    interval_since: Duration,
    /// Slots granted (possibly in the future), oldest first.
    granted: VecDeque<Duration>,
    accepted: VecDeque<Duration>,
    all_accepted: VecDeque<Duration>,
    last_reaction: Option<Duration>,
    last_probe: Duration,
    /// No slot before this (after a 429 that let nothing through).
    hold_until: Duration,
    /// Counts 429s: a slot reserved before the latest one is stale.
    epoch: u64,
}

/// A reserved slot: wait `wait`, then check [`Pacer::is_current`] before
/// sending (a 429 meanwhile means the slot was planned on a wrong rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    /// How long to wait for the slot.
    pub wait: Duration,
    epoch: u64,
}

impl Pacer {
    /// A pacer that has seen nothing yet.
    pub fn new(config: PacerConfig) -> Self {
        Pacer {
            interval: config.start_interval,
            interval_since: Duration::ZERO,
            config,
            limit: None,
            next_slot: Duration::ZERO,
            granted: VecDeque::new(),
            accepted: VecDeque::new(),
            all_accepted: VecDeque::new(),
            last_reaction: None,
            last_probe: Duration::ZERO,
            hold_until: Duration::ZERO,
            epoch: 0,
        }
    }

    /// The learned number of submits per window, if a 429 taught one.
    pub fn limit(&self) -> Option<u32> {
        self.limit
    }

    fn span(&self) -> Duration {
        self.config.window.mul_f64(self.config.margin)
    }

    /// Takes the next slot at or after `now`; returns how long to wait for it.
    pub fn reserve(&mut self, now: Duration) -> Duration {
        self.reserve_slot(now).wait
    }

    /// [`Pacer::reserve`], returning a reservation that a 429 seen before
    /// the slot comes makes stale.
    pub fn reserve_slot(&mut self, now: Duration) -> Reservation {
        let slot = match self.limit {
            None => {
                let slot = self.next_slot.max(now);
                self.next_slot = slot + self.interval;
                slot
            }
            Some(limit) => {
                let span = self.span();
                // Slots older than a window no longer count.
                while self.granted.front().is_some_and(|t| *t + span <= now) {
                    self.granted.pop_front();
                }
                let n = self.granted.len();
                let limit = limit.max(1) as usize;
                if n < limit {
                    now
                } else {
                    // One window after the slot `limit` places back.
                    (self.granted[n - limit] + span).max(now)
                }
            }
        };
        let slot = slot.max(self.hold_until);
        if self.limit.is_some() {
            self.granted.push_back(slot);
        }
        Reservation {
            wait: slot - now,
            epoch: self.epoch,
        }
    }

    /// Whether no 429 was seen since `reservation` was made.
    pub fn is_current(&self, reservation: Reservation) -> bool {
        reservation.epoch == self.epoch
    }

    fn forget_before(&mut self, now: Duration) {
        // A longer memory, for rates measured since the last 429.
        if let Some(start) = now.checked_sub(self.config.window * 4) {
            while self.all_accepted.front().is_some_and(|t| *t < start) {
                self.all_accepted.pop_front();
            }
        }
        let Some(start) = now.checked_sub(self.config.window) else {
            return;
        };
        while self.accepted.front().is_some_and(|t| *t < start) {
            self.accepted.pop_front();
        }
    }

    /// A submit was refused with 429 at `now`, with the server's
    /// `Retry-After` if it sent one (used only when nothing was accepted).
    pub fn on_rate_limited(&mut self, now: Duration, retry_after: Option<Duration>) {
        self.on_rate_limited_after(now, retry_after, None);
    }

    /// [`Pacer::on_rate_limited`] for a submit sent in `slot`: a submit sent
    /// before the last lesson was planned on the old budget and teaches
    /// nothing new; one sent since says the budget is still too high.
    pub fn on_rate_limited_after(
        &mut self,
        now: Duration,
        retry_after: Option<Duration>,
        slot: Option<Reservation>,
    ) {
        self.forget_before(now);
        let news = slot.is_none_or(|s| s.epoch == self.epoch);
        self.epoch += 1;
        // Slots granted for the future were planned on a wrong budget.
        self.granted.retain(|t| *t <= now);
        // Several submits in flight meet the same full window: learn once.
        if !news
            || (slot.is_none()
                && self
                    .last_reaction
                    .is_some_and(|t| now.saturating_sub(t) < self.config.window))
        {
            return;
        }
        let previous = self.last_reaction.replace(now);
        self.last_probe = now;
        match self.accepted.len() {
            0 => {
                // Nothing gets through: wait, then try one at a time.
                self.limit = Some(1);
                let wait = retry_after.unwrap_or(self.config.backoff);
                self.granted.clear();
                self.hold_until = now + wait;
            }
            n => {
                // Again over a learned budget (a token bucket's burst was
                // mistaken for its rate, or the limit fell): come down by at
                // least 15 % a window, so it converges in a few 429s.
                let n = n as u32;
                self.limit = Some(match (self.limit, previous) {
                    (Some(old), Some(prev)) => {
                        // What got through since the last 429, per window:
                        // after a burst, the rate the limiter refills at.
                        let since = now.saturating_sub(prev);
                        let through = self.accepted_since(prev) as f64;
                        let rate = (since >= self.config.window / 2).then(|| {
                            (through * self.config.window.as_secs_f64() / since.as_secs_f64())
                                as u32
                        });
                        let cut = (f64::from(old) * 0.85) as u32;
                        rate.map_or(n.min(cut), |r| r.min(cut)).max(1)
                    }
                    _ => n,
                });
                if previous.is_none() {
                    // The window is full until its accepted submits age out:
                    // exact for a window limiter, bursts and all.
                    self.granted = self.accepted.iter().copied().collect();
                } else {
                    // A second lesson (a token bucket's burst was taken for
                    // its rate): from now on, spread the budget evenly.
                    let limit = self.limit.unwrap_or(1).max(1);
                    let span = self.span();
                    self.granted = (0..limit)
                        .map(|i| {
                            (now + span.mul_f64(f64::from(i + 1) / f64::from(limit)))
                                .saturating_sub(span)
                        })
                        .collect();
                }
            }
        }
    }

    /// Submits accepted after `t`, of those remembered.
    fn accepted_since(&self, t: Duration) -> usize {
        self.all_accepted.iter().filter(|a| **a > t).count()
    }

    /// The spacing of submits while no limit is known.
    pub fn start_spacing(&self) -> Duration {
        self.interval
    }

    /// A submit was accepted at `now`.
    pub fn on_accepted(&mut self, now: Duration) {
        self.accepted.push_back(now);
        self.all_accepted.push_back(now);
        self.forget_before(now);
        // Slow start: a window that used half its slots or more, with no
        // 429, halves the spacing; a quieter one proves nothing.
        if self.limit.is_none() && now.saturating_sub(self.interval_since) >= self.config.window {
            let slots = self.config.window.as_secs_f64() / self.interval.as_secs_f64().max(1e-9);
            if self.accepted.len() as f64 >= slots / 2.0 {
                self.interval = (self.interval / 2).max(self.config.min_interval);
            }
            self.interval_since = now;
        }
        // Probing: a quiet spell may mean the limit was raised.
        if let (Some(limit), Some(reacted)) = (self.limit, self.last_reaction)
            && now.saturating_sub(reacted) >= self.config.probe_after
            && now.saturating_sub(self.last_probe) >= self.config.window
        {
            self.limit = Some(limit + 1);
            self.last_probe = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn learns_the_limit_at_a_429_and_resumes_when_the_window_frees() {
        let mut p = Pacer::new(PacerConfig::default());
        for t in 0..10 {
            p.on_accepted(ms(t * 90));
        }
        p.on_rate_limited(ms(950), Some(Duration::from_secs(1)));
        assert_eq!(p.limit(), Some(10));
        // The window frees as its accepted submits age out (widened by 0.5 %).
        assert_eq!(p.reserve(ms(950)), ms(55));
        assert_eq!(p.reserve(ms(950)), ms(145));
    }

    #[test]
    fn no_burst_before_a_limit_is_known() {
        let mut p = Pacer::new(PacerConfig::default());
        let waits: Vec<Duration> = (0..4).map(|_| p.reserve(ms(0))).collect();
        assert_eq!(waits, [ms(0), ms(10), ms(20), ms(30)]);
    }

    #[test]
    fn never_more_than_the_limit_in_any_window() {
        let mut p = Pacer::new(PacerConfig::default());
        for t in 0..4 {
            p.on_accepted(ms(t));
        }
        p.on_rate_limited(ms(5), None);
        let mut slots: Vec<Duration> = (0..40).map(|_| ms(5) + p.reserve(ms(5))).collect();
        slots.sort();
        for (i, s) in slots.iter().enumerate() {
            let in_window = slots[i..]
                .iter()
                .take_while(|t| **t < *s + ms(1000))
                .count();
            assert!(in_window <= 4, "{in_window} slots from {s:?}");
        }
    }

    #[test]
    fn a_429_with_nothing_accepted_waits_then_sends_one_at_a_time() {
        let mut p = Pacer::new(PacerConfig::default());
        p.on_rate_limited(ms(0), Some(Duration::from_secs(2)));
        assert_eq!(p.limit(), Some(1));
        assert!(p.reserve(ms(0)) >= ms(2000));
    }

    #[test]
    fn with_no_limit_met_the_spacing_halves_each_busy_window() {
        let mut p = Pacer::new(PacerConfig::default());
        let mut now = Duration::ZERO;
        let mut sent_in_fifth_second = 0;
        while now < ms(5000) {
            now += p.reserve(now);
            p.on_accepted(now);
            if now >= ms(4000) {
                sent_in_fifth_second += 1;
            }
        }
        assert!(
            sent_in_fifth_second >= 1000,
            "100/s at first, then 200, 400, 800, 1600: {sent_in_fifth_second} in the fifth second"
        );
        assert!(p.start_spacing() >= PacerConfig::default().min_interval);
        assert_eq!(p.limit(), None);
    }

    #[test]
    fn a_quiet_window_does_not_speed_up_the_start() {
        let mut p = Pacer::new(PacerConfig::default());
        // A submit every 300 ms: far below the 100/s the spacing allows.
        for t in 0..20 {
            let now = ms(t * 300);
            p.reserve(now);
            p.on_accepted(now);
        }
        assert_eq!(
            p.start_spacing(),
            ms(10),
            "no evidence that more would pass"
        );
        assert_eq!(p.reserve(ms(6000)), ms(0));
        assert_eq!(p.reserve(ms(6000)), ms(10), "a burst is still spread");
    }

    #[test]
    fn probes_only_after_a_quiet_spell() {
        let mut p = Pacer::new(PacerConfig::default());
        p.on_accepted(ms(0));
        p.on_rate_limited(ms(10), None);
        for t in 1..100 {
            p.on_accepted(ms(t * 500));
        }
        assert_eq!(p.limit(), Some(1), "no probing within two minutes of a 429");
        for t in 0..10 {
            p.on_accepted(ms(121_000 + t * 1000));
        }
        assert!(p.limit() > Some(1), "probes after a quiet spell");
    }
}

#[cfg(test)]
mod reservation_tests {
    use super::*;

    #[test]
    fn a_429_makes_earlier_reservations_stale() {
        let ms = Duration::from_millis;
        let mut p = Pacer::new(PacerConfig::default());
        let early = p.reserve_slot(ms(0));
        let later = p.reserve_slot(ms(0));
        assert!(p.is_current(later));
        p.on_accepted(ms(0));
        p.on_rate_limited(ms(10), None);
        assert!(!p.is_current(early) && !p.is_current(later));
        let again = p.reserve_slot(ms(20));
        assert!(p.is_current(again));
        assert_eq!(again.wait, ms(985), "when the widened window frees");
    }
}
