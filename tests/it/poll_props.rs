//! Properties of the poll schedule under arbitrary observations: every delay
//! is finite and at least the minimum interval (time only moves forward);
//! without progress, once a finish is plausible, no silence is longer than
//! `max_silence`; and the client never waits past its own deadline.

use std::time::Duration;

use proptest::prelude::*;
use seedance_core::{PollConfig, PollSchedule, TaskStatus};

#[derive(Debug, Clone)]
struct Obs {
    gap: f64,
    status: u8,
    progress: Option<u8>,
    estimate: Option<u64>,
}

fn obs() -> impl Strategy<Value = Obs> {
    (
        0.0f64..400.0,
        0u8..4,
        prop::option::of(0u8..=100),
        prop::option::of(1u64..5000),
    )
        .prop_map(|(gap, status, progress, estimate)| Obs {
            gap,
            status,
            progress,
            estimate,
        })
}

fn status(k: u8) -> TaskStatus {
    match k {
        0 => TaskStatus::Pending,
        1 => TaskStatus::Processing,
        2 => TaskStatus::Unknown("moderating".into()),
        _ => TaskStatus::from_wire("running"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn delays_are_finite_forward_and_bounded_without_progress(
        seq in prop::collection::vec(obs(), 1..40),
        jitter in 0.0f64..1.0,
        calibrated in any::<bool>(),
    ) {
        let config = PollConfig::default();
        let min = config.min_interval;
        let silence = config.max_silence;
        let mut s = PollSchedule::new(config)
            .with_ratio_range(calibrated.then_some((0.2, 0.4)));
        let mut now = 0.0;
        let mut saw_progress = false;
        let mut lowest_finish = f64::INFINITY;
        for o in &seq {
            let d = s.next_delay(Duration::from_secs_f64(now), jitter);
            prop_assert!(d >= min, "{d:?}");
            prop_assert!(d.as_secs_f64().is_finite());
            now += o.gap.max(0.0);
            let st = status(o.status);
            if matches!(st, TaskStatus::Processing | TaskStatus::Unknown(_))
                && o.progress.is_some_and(|p| p > 0 && p < 100)
            {
                saw_progress = true;
            }
            s.observe(Duration::from_secs_f64(now), &st, o.progress, o.estimate.map(Duration::from_secs));
            if let Some(e) = o.estimate {
                // The schedule follows the server's latest estimate.
                let lo = if calibrated { 0.2 } else { 0.25 };
                lowest_finish = lo * e as f64;
            }
            let d = s.next_delay(Duration::from_secs_f64(now), jitter);
            if !saw_progress && now >= lowest_finish {
                prop_assert!(d <= silence, "silent {d:?} at {now} (lowest finish {lowest_finish})");
            }
        }
    }
}

/// Polls a task that is pending for `queue` s and then generates for
/// `length` s, reporting progress in steps of 25 %, as the schedule says.
/// Returns (detection latency, polls).
fn poll_stepped(queue: f64, length: f64, estimate: f64, jitter: f64) -> (f64, u32) {
    let config = PollConfig::default();
    let min = config.min_interval;
    let mut s = PollSchedule::new(config);
    let (mut now, mut polls) = (0.0, 0);
    let done = queue + length;
    loop {
        let d = s.next_delay(Duration::from_secs_f64(now), jitter);
        assert!(d >= min && d.as_secs_f64().is_finite(), "{d:?} at {now}");
        now += d.as_secs_f64();
        polls += 1;
        if now >= done {
            return (now - done, polls);
        }
        let (status, progress) = if now < queue {
            (TaskStatus::Pending, None)
        } else {
            let steps = ((now - queue) / length * 4.0).floor().min(3.0);
            (TaskStatus::Processing, Some(steps as u8 * 25))
        };
        s.observe(
            Duration::from_secs_f64(now),
            &status,
            progress,
            Some(Duration::from_secs_f64(estimate)),
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Progress in steps of 25 %, estimates anywhere from a quarter to four
    /// times the truth: the finish is noticed within a few seconds (the
    /// sweep) and in a number of polls that grows slowly with the length.
    #[test]
    fn stepped_progress_is_noticed_soon_whatever_the_estimate(
        queue in 0.0f64..6.0,
        length in 15.0f64..600.0,
        factor in 0.25f64..4.0,
        jitter in 0.0f64..1.0,
    ) {
        let (latency, polls) = poll_stepped(queue, length, (length * factor).max(1.0), jitter);
        prop_assert!(latency <= 3.5, "noticed {latency:.1} s late ({polls} polls)");
        // Before the first step, a task older than its lowest plausible
        // finish is asked about every 15 s at most (a service stuck at 0 %
        // must not be trusted for long): long tasks pay a poll per 20 s or so.
        let most = 10 + (length / 20.0) as u32;
        prop_assert!(polls <= most, "{polls} polls (latency {latency:.1})");
    }

    /// Answers in whole steps that no steady generation explains (steps
    /// going back, jumping, stalling) still give finite delays that move
    /// time forward.
    #[test]
    fn incoherent_steps_still_give_forward_delays(
        seq in prop::collection::vec((0.0f64..200.0, 0u8..5), 1..30),
        estimate in 1u64..2000,
        jitter in 0.0f64..1.0,
    ) {
        let config = PollConfig::default();
        let min = config.min_interval;
        let mut s = PollSchedule::new(config);
        let mut now = 0.0;
        for (gap, step) in seq {
            now += gap;
            let status = if step == 4 { TaskStatus::Pending } else { TaskStatus::Processing };
            let progress = (step < 4).then_some(step * 25);
            s.observe(Duration::from_secs_f64(now), &status, progress, Some(Duration::from_secs(estimate)));
            let d = s.next_delay(Duration::from_secs_f64(now), jitter);
            prop_assert!(d >= min && d.as_secs_f64().is_finite(), "{d:?}");
            prop_assert!(d.as_secs_f64() < 86_400.0, "{d:?}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_wait_never_runs_past_its_deadline() {
    use seedance_sim::{GenerationTime, ProgressShape, SimConfig};
    use seedance_transport::ClientConfig;
    for shape in [
        ProgressShape::Late,
        ProgressShape::None,
        ProgressShape::Steps,
    ] {
        let config = SimConfig {
            generation: GenerationTime {
                median_secs: 5000.0,
                sigma: 0.0,
                min_secs: 5000.0,
                max_secs: 5000.0,
            },
            progress_shape: shape,
            estimate_factor: Some((0.25, 4.0)),
            ..SimConfig::quick()
        };
        let deadline = Duration::from_secs(900);
        let (client, _sim) = seedance_tests::sim_client(
            config,
            ClientConfig {
                wait_timeout: deadline,
                ..ClientConfig::default()
            },
        );
        let id = client
            .submit(&seedance_tests::small_request())
            .await
            .unwrap()
            .task_id;
        let start = tokio::time::Instant::now();
        let err = client.wait(&id).await.unwrap_err();
        assert!(
            matches!(err, seedance_transport::ClientError::WaitTimeout { .. }),
            "{err}"
        );
        let waited = start.elapsed();
        assert!(
            waited <= deadline + Duration::from_secs(1),
            "{shape:?}: {waited:?}"
        );
        assert!(waited >= deadline, "{shape:?}: gave up early at {waited:?}");
    }
}
