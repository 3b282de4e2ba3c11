//! When to ask for a task's status next.
//!
//! Fixed-interval polling either wastes requests (short interval) or notices a
//! finished video late (long interval). This schedule uses what the server
//! says: `estimated_time` to sleep through most of the generation, then the
//! rate at which `progress` rises to predict the finish, polling just after it.
//! Once the prediction has passed, it polls at an interval that grows with how
//! overdue the task is, so a wrong estimate costs a few requests, not hundreds.
//!
//! The schedule is a pure state machine over observations: the caller feeds it
//! what each status response said and when, and asks for the next delay.
//! Jitter is an injected sample so results are reproducible.
//!
//! ```
//! use std::time::Duration;
//! use seedance_core::{PollConfig, PollSchedule, TaskStatus};
//!
//! let mut schedule = PollSchedule::new(PollConfig::default());
//! assert_eq!(schedule.next_delay(Duration::ZERO, 0.5), Duration::from_secs(2));
//! // The first status says: 90 s expected, nothing done yet.
//! schedule.observe(Duration::from_secs(2), &TaskStatus::Processing, Some(0), Some(Duration::from_secs(90)));
//! let next = schedule.next_delay(Duration::from_secs(2), 0.5);
//! assert!(next > Duration::from_secs(50)); // sleeps through most of it
//! ```

use std::time::Duration;

use crate::response::TaskStatus;

/// Tuning of the poll schedule. `Default` is tuned on the simulator (see
/// `docs/performance.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct PollConfig {
    /// Delay before the first status request, which learns the estimate.
    pub first_poll: Duration,
    /// Shortest delay between two polls.
    pub min_interval: Duration,
    /// Longest delay between two polls while overdue or without any
    /// estimate (the ceiling); sleeps towards a finish predicted from the
    /// server's estimate or progress are not capped.
    pub max_interval: Duration,
    /// Without progress, the first informed poll comes at this fraction of
    /// the estimated time (estimates are seen to be off by up to ~30 %).
    pub early_fraction: f64,
    /// Before two progress samples exist, a predicted finish is approached
    /// in steps of this fraction of the remaining time.
    pub approach_fraction: f64,
    /// Estimate used when the server gives none.
    pub fallback_estimate: Duration,
    /// How long after a predicted finish to poll.
    pub finish_margin: Duration,
    /// Once overdue, the next delay is this fraction of how overdue.
    pub overdue_fraction: f64,
    /// Relative jitter: the delay is scaled by a factor in `[1 - jitter, 1]`.
    pub jitter: f64,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            first_poll: Duration::from_secs(2),
            min_interval: Duration::from_millis(1000),
            max_interval: Duration::from_secs(30),
            early_fraction: 0.65,
            approach_fraction: 0.85,
            fallback_estimate: Duration::from_secs(90),
            finish_margin: Duration::from_millis(300),
            overdue_fraction: 0.25,
            jitter: 0.1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    at: f64,
    progress: f64,
}

/// The schedule's state: the estimate and the last two progress samples.
#[derive(Debug, Clone)]
pub struct PollSchedule {
    config: PollConfig,
    estimate: Option<f64>,
    observed: bool,
    first_progress: Option<Sample>,
    last_progress: Option<Sample>,
}

impl PollSchedule {
    /// A schedule starting at submission (elapsed zero).
    pub fn new(config: PollConfig) -> Self {
        PollSchedule {
            config,
            estimate: None,
            observed: false,
            first_progress: None,
            last_progress: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PollConfig {
        &self.config
    }

    /// Records a status response seen `at` after submission.
    pub fn observe(
        &mut self,
        at: Duration,
        status: &TaskStatus,
        progress: Option<u8>,
        estimated_time: Option<Duration>,
    ) {
        self.observed = true;
        if let Some(e) = estimated_time.filter(|e| !e.is_zero()) {
            self.estimate = Some(e.as_secs_f64());
        }
        let at = at.as_secs_f64();
        if *status == TaskStatus::Processing
            && let Some(p) = progress.filter(|p| *p > 0 && *p < 100)
        {
            let sample = Sample {
                at,
                progress: f64::from(p),
            };
            // Keep the earliest informative sample as the base: the longer
            // the baseline, the less integer rounding skews the rate.
            match self.first_progress {
                None => self.first_progress = Some(sample),
                Some(first) if sample.progress > first.progress => {
                    self.last_progress = Some(sample)
                }
                Some(_) => {}
            }
        }
    }

    /// When the task is predicted to finish, as time since submission.
    pub fn predicted_finish(&self) -> Option<Duration> {
        self.predict()
            .map(|(at, _)| Duration::from_secs_f64(at.max(0.0)))
    }

    /// Returns the finish prediction and whether it is precise (rate-based).
    fn predict(&self) -> Option<(f64, bool)> {
        match (self.first_progress, self.last_progress) {
            (Some(a), Some(b)) => {
                let rate = (b.progress - a.progress) / (b.at - a.at).max(1e-3);
                // Progress is reported rounded down: the true value is ~0.5 higher.
                Some((b.at + (100.0 - b.progress - 0.5).max(0.0) / rate, true))
            }
            (Some(a), None) => {
                // One sample: assume progress started at submission. That
                // ignores queueing, so it predicts late; approach it in steps.
                let by_progress = a.at * 100.0 / a.progress;
                let by_estimate = self.estimate.unwrap_or(by_progress);
                Some((by_progress.min(by_estimate.max(a.at)), false))
            }
            _ => None,
        }
    }

    /// The delay before the next status request, `now` after submission;
    /// `jitter_unit` is a uniform sample in `[0, 1)`.
    pub fn next_delay(&self, now: Duration, jitter_unit: f64) -> Duration {
        let c = &self.config;
        if !self.observed {
            return c.first_poll;
        }
        let now_s = now.as_secs_f64();
        let min = c.min_interval.as_secs_f64();
        let margin = c.finish_margin.as_secs_f64();
        // `capped`: overdue or guessing phases obey the ceiling; sleeping
        // towards a point the server's own numbers predict does not.
        let (raw, capped) = match self.predict() {
            Some((finish, precise)) if now_s < finish + margin => {
                let remaining = finish + margin - now_s;
                (
                    if precise {
                        remaining
                    } else {
                        remaining * c.approach_fraction
                    },
                    false,
                )
            }
            Some((finish, _)) => ((now_s - finish) * c.overdue_fraction, true),
            None => {
                let estimate = self.estimate.unwrap_or(c.fallback_estimate.as_secs_f64());
                let known = self.estimate.is_some();
                let early = estimate * c.early_fraction;
                if now_s + min < early {
                    (early - now_s, !known)
                } else if now_s < estimate {
                    // Between the early point and the estimate, without
                    // progress to go on: halve the distance.
                    ((estimate - now_s) / 2.0, !known)
                } else {
                    ((now_s - estimate) * c.overdue_fraction, true)
                }
            }
        };
        // Jitter only ever brings a poll forward: never later than planned.
        let factor = 1.0 - c.jitter * jitter_unit.clamp(0.0, 1.0);
        let max = if capped {
            c.max_interval.as_secs_f64().max(min)
        } else {
            f64::MAX
        };
        let delay = (raw * factor).clamp(min, max);
        Duration::from_secs_f64(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// Simulates polling a task that queues `queue` s, then progresses
    /// linearly for `gen` s, with the server estimating `estimate` s.
    /// Returns (detection latency, polls).
    fn run(queue: f64, generation: f64, estimate: f64) -> (f64, u32) {
        let mut s = PollSchedule::new(PollConfig::default());
        let mut now = 0.0;
        let mut polls = 0;
        let done = queue + generation;
        loop {
            now += s.next_delay(secs(now), 0.0).as_secs_f64();
            polls += 1;
            if now >= done {
                return (now - done, polls);
            }
            let (status, progress) = if now < queue {
                (TaskStatus::Pending, None)
            } else {
                (
                    TaskStatus::Processing,
                    Some(((now - queue) / generation * 100.0).floor() as u8),
                )
            };
            s.observe(secs(now), &status, progress, Some(secs(estimate)));
        }
    }

    #[test]
    fn first_poll_learns_the_estimate_then_sleeps_through_most_of_it() {
        let mut s = PollSchedule::new(PollConfig::default());
        assert_eq!(s.next_delay(Duration::ZERO, 0.0), secs(2.0));
        s.observe(secs(2.0), &TaskStatus::Pending, None, Some(secs(100.0)));
        let d = s.next_delay(secs(2.0), 0.0).as_secs_f64();
        assert!((d - 63.0).abs() < 0.01, "{d}");
        let jittered = s.next_delay(secs(2.0), 0.99).as_secs_f64();
        assert!(jittered < d && jittered > d * 0.89, "{jittered}");
    }

    #[test]
    fn accurate_estimate_is_detected_quickly_with_few_polls() {
        let (latency, polls) = run(3.0, 90.0, 90.0);
        assert!(latency < 1.5, "latency {latency}");
        assert!(polls <= 6, "polls {polls}");
    }

    #[test]
    fn estimate_off_by_thirty_percent_either_way_still_converges() {
        for estimate in [63.0, 117.0] {
            let (latency, polls) = run(2.0, 90.0, estimate);
            assert!(latency < 2.0, "estimate {estimate}: latency {latency}");
            assert!(polls <= 8, "estimate {estimate}: polls {polls}");
        }
    }

    #[test]
    fn overdue_tasks_back_off_towards_the_ceiling() {
        let mut s = PollSchedule::new(PollConfig::default());
        s.observe(secs(2.0), &TaskStatus::Processing, None, Some(secs(60.0)));
        let just_late = s.next_delay(secs(61.0), 0.0);
        let very_late = s.next_delay(secs(600.0), 0.0);
        assert_eq!(just_late, secs(1.0));
        assert_eq!(very_late, secs(30.0));
    }

    #[test]
    fn no_estimate_and_no_progress_uses_the_fallback() {
        let mut s = PollSchedule::new(PollConfig::default());
        s.observe(secs(2.0), &TaskStatus::Pending, None, None);
        let d = s.next_delay(secs(2.0), 0.5).as_secs_f64();
        assert!(d > 20.0 && d <= 30.0, "{d}");
    }
}
