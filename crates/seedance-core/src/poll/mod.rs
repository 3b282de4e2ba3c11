//! When to ask for a task's status next.
//!
//! Fixed-interval polling either wastes requests (short interval) or notices a
//! finished video late (long interval). The live service makes this hard: its
//! `estimated_time` is often 3-4x the truth (600 s estimated for 155 s taken),
//! sometimes lower, and nothing says `progress` rises linearly. This schedule
//! therefore trusts neither:
//!
//! - The estimate only bounds a **plausible window** for the finish:
//!   `[lo, hi] x estimate` (by default 0.25x to 4x). A [`Calibration`] learned
//!   from finished tasks narrows it (a service that always overestimates 3-4x
//!   gives a window a tenth as wide).
//! - Progress samples are explained by **shape hypotheses** (linear,
//!   front-loaded, late (cubic)). Each consistent hypothesis predicts a
//!   finish; the schedule polls at the earliest of them. A hypothesis that no
//!   longer fits the samples is dropped, so a wrong one costs a poll, not a
//!   late video.
//! - Progress **in steps of 25 %** says nothing between steps; there every
//!   poll is read as a constraint on when the generation started and how
//!   long it lasts, and polls go where they narrow the possible finishes
//!   most (see the `steps` module).
//! - Without progress, polls are spread over the plausible window, never
//!   more than `max_silence` apart once the task is older than its lowest
//!   plausible finish.
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
//! assert_eq!(schedule.next_delay(Duration::ZERO, 0.0), Duration::from_secs(2));
//! // The first status says: queued, 360 s expected.
//! schedule.observe(Duration::from_secs(2), &TaskStatus::Pending, None, Some(Duration::from_secs(360)));
//! let next = schedule.next_delay(Duration::from_secs(2), 0.0);
//! // Not before a quarter of the estimate (half of it, to sample progress early).
//! assert!(next >= Duration::from_secs(40) && next <= Duration::from_secs(45));
//! ```

use std::time::Duration;

use crate::response::TaskStatus;

mod calibration;
mod steps;

pub use calibration::Calibration;
use steps::{StepEvidence, StepTuning};

/// With progress in steps, how far apart the polls sweeping the range of
/// possible finishes are (and so the longest it notices a finish late).
/// Measured in `cargo xtask bench` (section 1a): 3 s keeps steps of 25 %
/// under 10 polls a task with a median latency near 1.2 s.
const STEP_SWEEP: f64 = 3.0;
/// Polls go to the steps while the finish is known to no better than this
/// many sweeps; then the sweep takes over.
const STEP_NARROW: f64 = 3.0;

/// Tuning of the poll schedule (see `docs/performance.md` for how it was measured).
#[derive(Debug, Clone, PartialEq)]
pub struct PollConfig {
    /// Delay before the first status request, which learns the estimate.
    pub first_poll: Duration,
    /// Shortest delay between two polls.
    pub min_interval: Duration,
    /// Longest delay between two polls once the task is older than its
    /// lowest plausible finish.
    pub max_silence: Duration,
    /// The plausible range of (true generation time / server estimate),
    /// used until a calibration says better: 0.25 to 4.
    pub estimate_ratio: (f64, f64),
    /// Estimate used when the server gives none.
    pub fallback_estimate: Duration,
    /// How long after a predicted finish to poll.
    pub finish_margin: Duration,
    /// Without progress, how many polls to spread over the plausible window.
    pub window_polls: f64,
    /// Relative jitter: the delay is scaled by a factor in `[1 - jitter, 1]`.
    pub jitter: f64,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            first_poll: Duration::from_secs(2),
            min_interval: Duration::from_millis(1000),
            max_silence: Duration::from_secs(15),
            estimate_ratio: (0.25, 4.0),
            fallback_estimate: Duration::from_secs(90),
            finish_margin: Duration::from_millis(300),
            window_polls: 10.0,
            jitter: 0.1,
        }
    }
}

/// How progress may rise with time (`x` the fraction of the generation
/// elapsed, the result the fraction reported).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Linear,
    /// Most of the progress early: `1 - (1 - x)^3`.
    Front,
    /// Most of the progress late: `x^3`.
    Late,
    /// Reported in steps of 25 %.
    Steps,
}

const SHAPES: [Shape; 4] = [Shape::Linear, Shape::Front, Shape::Late, Shape::Steps];

impl Shape {
    fn progress(self, x: f64) -> f64 {
        let x = x.clamp(0.0, 1.0);
        match self {
            Shape::Linear => x,
            Shape::Front => 1.0 - (1.0 - x).powi(3),
            Shape::Late => x.powi(3),
            Shape::Steps => (x * 4.0).floor() / 4.0,
        }
    }

    /// The latest elapsed fraction consistent with reporting `q` (progress
    /// is reported rounded down, so the truth may be up to a point higher):
    /// the one that predicts the earliest finish.
    fn elapsed_at_most(self, q: f64) -> f64 {
        let q = (q + 0.01).min(1.0);
        match self {
            Shape::Linear => q,
            Shape::Front => 1.0 - (1.0 - q).cbrt(),
            Shape::Late => q.cbrt(),
            Shape::Steps => ((q - 0.01) + 0.25).min(1.0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    /// When this value was first seen.
    at: f64,
    /// The poll before, which still saw a lower value: the value was
    /// reached between the two.
    since: f64,
    q: f64,
}

/// The schedule's state for one task.
#[derive(Debug, Clone)]
pub struct PollSchedule {
    config: PollConfig,
    ratio: (f64, f64),
    estimate: Option<f64>,
    observed: bool,
    /// Latest time the task was seen without progress (pending).
    quiet_until: f64,
    /// First time it was seen processing with progress.
    progress_from: Option<f64>,
    samples: Vec<Sample>,
    last_poll: f64,
}

impl PollSchedule {
    /// A schedule starting at submission (elapsed zero).
    pub fn new(config: PollConfig) -> Self {
        let ratio = config.estimate_ratio;
        PollSchedule {
            config,
            ratio,
            estimate: None,
            observed: false,
            quiet_until: 0.0,
            progress_from: None,
            samples: Vec::new(),
            last_poll: 0.0,
        }
    }

    /// Narrows the plausible window with a learned ratio range (see
    /// [`Calibration::ratio_range`]).
    pub fn with_ratio_range(mut self, range: Option<(f64, f64)>) -> Self {
        if let Some((lo, hi)) = range.filter(|(lo, hi)| *lo > 0.0 && hi >= lo) {
            self.ratio = (lo, hi);
        }
        self
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
            // The latest word of the server (it may refine its estimate).
            self.estimate = Some(e.as_secs_f64());
        }
        let at = at.as_secs_f64();
        match (status, progress) {
            // Generating, but at 0 % (a stepped service shows 0 for a whole
            // quarter): it has started.
            (TaskStatus::Processing | TaskStatus::Unknown(_), Some(0)) => {
                self.progress_from.get_or_insert(at);
            }
            (TaskStatus::Processing | TaskStatus::Unknown(_), Some(p)) if p > 0 && p < 100 => {
                self.progress_from.get_or_insert(at);
                let q = f64::from(p) / 100.0;
                if self.samples.last().is_none_or(|s| q > s.q) {
                    self.samples.push(Sample {
                        at,
                        since: self.last_poll,
                        q,
                    });
                    if self.samples.len() > 8 {
                        self.samples.remove(1);
                    }
                }
            }
            _ if self.progress_from.is_none() => self.quiet_until = at,
            _ => {}
        }
        self.last_poll = at;
    }

    /// The plausible finish window from the estimate, as times since submission.
    fn window(&self) -> (f64, f64) {
        let e = self
            .estimate
            .unwrap_or(self.config.fallback_estimate.as_secs_f64());
        (self.ratio.0 * e, self.ratio.1 * e)
    }

    /// When processing started: between the last quiet poll and the first
    /// with progress; the middle.
    fn start(&self) -> Option<f64> {
        let first = self.progress_from?;
        Some((self.quiet_until + first) / 2.0)
    }

    /// The finish predicted by `shape`, if `shape` explains the samples.
    /// With one sample, processing is taken to have started midway between
    /// the last quiet poll and that sample; with more, the start and length
    /// are fitted to the first and last samples.
    fn finish_by(&self, shape: Shape) -> Option<(f64, f64)> {
        let first = *self.samples.first()?;
        // Near 100 % a reported point stands for a long stretch of a
        // front-loaded task: fit on the last sample below 95 %.
        let last = *self
            .samples
            .iter()
            .rev()
            .find(|s| s.q <= 0.95)
            .or(self.samples.last())?;
        if shape == Shape::Steps
            && self
                .samples
                .iter()
                .any(|s| ((s.q * 100.0).round() as i64) % 25 != 0)
        {
            return None;
        }
        // The elapsed fraction a reported value most likely stands for.
        let mid = |q: f64| match shape {
            Shape::Steps => shape.elapsed_at_most(q) - 0.125,
            _ => shape.elapsed_at_most(q - 0.005),
        };
        if shape == Shape::Steps {
            // A step was reached between the poll before and the poll that
            // first saw it: the middle of the two is its best time.
            let when = |s: &Sample| (s.since + s.at) / 2.0;
            let start_guess = self.start()?;
            let (start, total) = if self.samples.len() > 1 && last.q > first.q {
                let total = (when(&last) - when(&first)) / (last.q - first.q);
                (when(&first) - first.q * total, total)
            } else {
                (
                    start_guess,
                    (when(&last) - start_guess).max(1e-3) / last.q.max(0.25),
                )
            };
            return (total > 0.0).then_some((start + total * 0.99, total));
        }
        let single = || {
            let start = self.start()?;
            Some((
                start,
                (last.at - start).max(1e-3) / shape.elapsed_at_most(last.q).max(1e-3),
            ))
        };
        let (x1, x2) = (mid(first.q), mid(last.q));
        let pair = (self.samples.len() > 1 && x2 > x1 + 1e-6).then(|| {
            let total = (last.at - first.at) / (x2 - x1);
            (first.at - x1 * total, total)
        });
        // Processing cannot have started before submission or after the
        // first sample; a fit that says so (low progress is coarse) gives
        // way to the one-sample reading.
        let (start, total) = match pair {
            Some((start, total)) if (-2.0..=first.at).contains(&start) => (start, total),
            _ => single()?,
        };
        let tolerance = if shape == Shape::Steps { 0.26 } else { 0.08 };
        let fits = self.samples.iter().all(|s| {
            let predicted = shape.progress((s.at - start) / total);
            (predicted - s.q).abs() <= tolerance
        });
        // The fitted finish, brought forward by a little for the rounding of
        // the reported progress; and the task's length, which sets how
        // closely to poll once that moment has passed.
        fits.then_some((start + total * 0.99, total))
    }

    /// When the task is predicted to finish at the earliest, as time since
    /// submission: the earliest finish of the shapes that fit the progress
    /// samples, or the start of the plausible window without progress.
    pub fn predicted_finish(&self) -> Option<Duration> {
        self.earliest_finish()
            .map(|at| Duration::from_secs_f64(at.max(0.0)))
    }

    fn earliest_finish(&self) -> Option<f64> {
        self.earliest_fit().map(|(at, _)| at)
    }

    /// The earliest finish of the shapes that fit, with the task length that
    /// shape implies.
    fn earliest_fit(&self) -> Option<(f64, f64)> {
        if self.samples.is_empty() {
            return self.estimate.map(|_| (self.window().0, self.window().1));
        }
        // A service whose every report is a multiple of 25 reports in steps:
        // finer shapes would read its coarse numbers as precise.
        let stepped = self
            .samples
            .iter()
            .all(|s| ((s.q * 100.0).round() as i64) % 25 == 0);
        let fitting = SHAPES
            .iter()
            .filter(|s| !stepped || **s == Shape::Steps)
            .filter_map(|s| self.finish_by(*s))
            .reduce(|a, b| if b.0 < a.0 { b } else { a });
        fitting.or_else(|| {
            // No shape explains the samples: the most hurried reading decides.
            let start = self.start()?;
            let last = *self.samples.last()?;
            SHAPES
                .iter()
                .map(|s| {
                    let total = (last.at - start).max(1e-3) / s.elapsed_at_most(last.q).max(1e-3);
                    (start + total, total)
                })
                .reduce(|a, b| if b.0 < a.0 { b } else { a })
        })
    }

    /// What the polls showed, read as a service reporting in steps of 25 %:
    /// `None` unless the task was seen generating with progress reported
    /// and every value seen was a whole step.
    fn step_evidence(&self) -> Option<StepEvidence> {
        let started_by = self.progress_from?;
        if !self
            .samples
            .iter()
            .all(|s| ((s.q * 100.0).round() as i64) % 25 == 0)
        {
            return None;
        }
        let mut below = [self.last_poll; 3];
        let mut reached = [None; 3];
        for k in 0..3 {
            let step = (k + 1) as f64 / 4.0;
            if let Some(s) = self.samples.iter().find(|s| s.q + 1e-9 >= step) {
                below[k] = s.since;
                reached[k] = Some(s.at);
            }
        }
        Some(StepEvidence {
            not_started: self.quiet_until,
            started_by,
            below,
            reached,
            last_poll: self.last_poll,
            length_window: self.window(),
        })
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
        let silence = c.max_silence.as_secs_f64().max(min);
        let margin = c.finish_margin.as_secs_f64();
        let (lo, hi) = self.window();
        let tuning = StepTuning {
            min_interval: min,
            sweep: STEP_SWEEP,
            margin,
            narrow: STEP_NARROW,
        };
        let planned = self
            .step_evidence()
            .and_then(|e| e.next_poll(now_s, tuning));
        let raw = if let Some(at) = planned {
            at - now_s
        } else if !self.samples.is_empty() {
            // Progress: poll just after the earliest finish a fitting shape
            // predicts; the window bounds it from below.
            let (finish, total) = self.earliest_fit().unwrap_or((lo, hi));
            let last_q = self.samples.last().map_or(0.0, |s| s.q);
            let stepped = self
                .samples
                .iter()
                .all(|s| ((s.q * 100.0).round() as i64) % 25 == 0);
            // A service that reports in steps says nothing between them:
            // before the last step, sleep to the next one rather than
            // through it in small intervals.
            let target = if stepped && last_q < 0.74 {
                let start = finish - 0.99 * total;
                (start + (last_q + 0.25) * total).max(now_s + min)
            } else {
                finish + margin
            };
            let until = target - now_s;
            // Early progress is coarse: never sleep more than half the time
            // the task has been generating, so a wrong reading is corrected
            // by the samples on the way rather than paid for in latency.
            let generating = now_s - self.start().unwrap_or(0.0);
            let look_again = (generating * 0.5).max(silence);
            if until > look_again {
                look_again
            } else if until > min {
                until
            } else {
                // Past the predicted finish: poll closely, in proportion to
                // the task's length and to how coarse its progress is (a
                // 90 s task: every 2.7 s; in steps of 25 %: every 5.4 s).
                if stepped && last_q < 0.74 {
                    // The next step is late: the fit ran fast.
                    (total * 0.1).clamp(2.0 * min, silence)
                } else if stepped {
                    (total * 0.04).clamp(2.0 * min, 4.0)
                } else {
                    (total * 0.02).clamp(min, 3.0)
                }
            }
        } else if now_s + min < lo {
            // Before the lowest plausible finish: one early look (progress,
            // if the service reports any, narrows everything), then the start.
            let half = lo / 2.0;
            if now_s + min < half && self.quiet_until < half * 0.9 {
                half - now_s
            } else {
                lo - now_s
            }
        } else if now_s < hi {
            ((hi - lo) / c.window_polls).min(silence)
        } else {
            // Overdue even for the plausible window: back off, boundedly.
            ((now_s - hi) * 0.25).min(silence)
        };
        // Jitter only ever brings a poll forward: never later than planned.
        let factor = 1.0 - c.jitter * jitter_unit.clamp(0.0, 1.0);
        let mut delay = (raw * factor).max(min);
        // Without progress to go on, never silent for long once a finish is
        // plausible; with it, the fitted shapes decide.
        if now_s >= lo && self.samples.is_empty() {
            delay = delay.min(silence);
        }
        Duration::from_secs_f64(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// Polls a task that queues `queue` s, then progresses by `shape` for
    /// `generation` s, with the server estimating `estimate` s. Returns
    /// (detection latency, polls).
    fn run(queue: f64, generation: f64, estimate: f64, shape: Option<Shape>) -> (f64, u32) {
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
                let x = (now - queue) / generation;
                (
                    TaskStatus::Processing,
                    shape.map(|sh| (sh.progress(x) * 100.0).floor() as u8),
                )
            };
            s.observe(secs(now), &status, progress, Some(secs(estimate)));
        }
    }

    #[test]
    fn every_shape_with_estimates_far_off_is_noticed_soon_with_few_polls() {
        for shape in SHAPES {
            for estimate in [25.0, 90.0, 360.0] {
                let (latency, polls) = run(3.0, 90.0, estimate, Some(shape));
                assert!(latency < 6.0, "{shape:?} est {estimate}: latency {latency}");
                assert!(polls <= 12, "{shape:?} est {estimate}: polls {polls}");
            }
        }
    }

    #[test]
    fn without_progress_the_silence_is_bounded_once_a_finish_is_plausible() {
        let mut s = PollSchedule::new(PollConfig::default());
        s.observe(secs(2.0), &TaskStatus::Processing, None, Some(secs(60.0)));
        for now in [15.0, 30.0, 100.0, 239.0, 600.0, 5000.0] {
            let d = s.next_delay(secs(now), 0.0);
            assert!(d <= secs(15.0), "{now}: {d:?}");
        }
    }

    #[test]
    fn a_service_stuck_at_zero_percent_is_neither_hammered_nor_forgotten() {
        // "moderating" with progress 0 for ten minutes: not a task in
        // steps that has yet to reach its first.
        let mut s = PollSchedule::new(PollConfig::default());
        let (mut now, mut polls, mut longest) = (0.0, 0, 0.0f64);
        while now < 600.0 {
            let d = s.next_delay(secs(now), 0.3).as_secs_f64();
            if now > 60.0 {
                longest = longest.max(d);
            }
            now += d;
            polls += 1;
            let status = TaskStatus::Unknown("moderating".into());
            s.observe(secs(now), &status, Some(0), Some(secs(60.0)));
        }
        assert!(polls <= 60, "{polls} polls in 600 s");
        assert!(longest <= 15.0, "silent for {longest} s");
    }

    #[test]
    fn a_calibration_narrows_the_window() {
        let mut c = Calibration::default();
        for k in 0..20 {
            c.record("m", 360.0, 90.0 + f64::from(k));
        }
        let (lo, hi) = c.ratio_range(Some("m")).unwrap();
        assert!(lo > 0.2 && hi < 0.35, "{lo} {hi}");
        assert!(
            c.ratio_range(Some("other")).is_some(),
            "falls back to all models"
        );
        let s = PollSchedule::new(PollConfig::default()).with_ratio_range(Some((lo, hi)));
        let mut s2 = s.clone();
        s2.observe(secs(2.0), &TaskStatus::Pending, None, Some(secs(360.0)));
        let d = s2.next_delay(secs(90.0), 0.0).as_secs_f64();
        assert!(d < 5.0, "{d}");
    }

    #[test]
    fn no_estimate_and_no_progress_uses_the_fallback() {
        let mut s = PollSchedule::new(PollConfig::default());
        s.observe(secs(2.0), &TaskStatus::Pending, None, None);
        let d = s.next_delay(secs(2.0), 0.5).as_secs_f64();
        assert!(d > 5.0 && d <= 12.0, "{d}");
    }
}
#[cfg(test)]
mod trace {
    use super::*;
    use crate::rng::SplitMix64;

    const SHAPE_CASES: [Option<Shape>; 5] = [
        Some(Shape::Linear),
        Some(Shape::Front),
        Some(Shape::Late),
        Some(Shape::Steps),
        None,
    ];

    /// Task `k` of a workload: (queue, generation, estimate).
    fn task(k: u64, calibrated: bool) -> (f64, f64, f64) {
        let mut rng = SplitMix64::new(1000 + k);
        let generation = (90f64.ln() + 0.45 * rng.next_normal())
            .exp()
            .clamp(20.0, 600.0);
        let queue = 5.0 * rng.next_unit();
        let factor = if calibrated {
            3.0 + rng.next_unit()
        } else {
            (0.25f64.ln() + rng.next_unit() * 16f64.ln()).exp()
        };
        (queue, generation, (generation * factor).round().max(1.0))
    }

    fn poll(k: u64, calibrated: bool, shape: Option<Shape>, verbose: bool) -> (f64, u32) {
        let (queue, generation, estimate) = task(k, calibrated);
        let range = calibrated.then_some((0.25 / 1.15, 1.0 / 3.0 * 1.15));
        let mut s = PollSchedule::new(PollConfig::default()).with_ratio_range(range);
        let mut jitter = SplitMix64::new(k);
        let (mut now, mut n) = (0.0, 0);
        let done = queue + generation;
        loop {
            now += s
                .next_delay(Duration::from_secs_f64(now), jitter.next_unit())
                .as_secs_f64();
            n += 1;
            if now >= done {
                if verbose {
                    eprintln!("done {done:.1} seen {now:.1}");
                }
                return (now - done, n);
            }
            let p = if now < queue {
                None
            } else {
                shape.map(|sh| (sh.progress((now - queue) / generation) * 100.0).floor() as u8)
            };
            let st = if now < queue {
                TaskStatus::Pending
            } else {
                TaskStatus::Processing
            };
            s.observe(
                Duration::from_secs_f64(now),
                &st,
                p,
                Some(Duration::from_secs_f64(estimate)),
            );
            if verbose {
                eprintln!(
                    "poll {now:.1} p={p:?} est={estimate} fits={:?}",
                    SHAPES.iter().map(|sh| s.finish_by(*sh)).collect::<Vec<_>>()
                );
            }
        }
    }

    /// A quick table over workloads (run with --ignored --nocapture while tuning).
    #[test]
    #[ignore]
    fn table() {
        for calibrated in [false, true] {
            for shape in SHAPE_CASES {
                let (mut lat, mut polls) = (Vec::new(), Vec::new());
                let mut worst = (0.0, 0);
                for k in 0..1000 {
                    let (l, n) = poll(k, calibrated, shape, false);
                    if l > worst.0 {
                        worst = (l, k);
                    }
                    lat.push(l);
                    polls.push(f64::from(n));
                }
                lat.sort_by(f64::total_cmp);
                let mean = polls.iter().sum::<f64>() / polls.len() as f64;
                eprintln!(
                    "cal={calibrated} {shape:?}: median {:.2} p95 {:.2} max {:.1} (task {}) polls {:.2}",
                    lat[500], lat[950], lat[999], worst.1, mean
                );
            }
        }
    }

    #[test]
    #[ignore]
    fn one_case() {
        let k: u64 = std::env::var("K")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let shape = match std::env::var("SHAPE").as_deref() {
            Ok("front") => Some(Shape::Front),
            Ok("late") => Some(Shape::Late),
            Ok("steps") => Some(Shape::Steps),
            Ok("none") => None,
            _ => Some(Shape::Linear),
        };
        poll(k, std::env::var("CAL").is_ok(), shape, true);
    }
}
