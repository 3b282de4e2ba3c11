//! Polling a task whose progress comes in steps of 25 %.
//!
//! Such a service says nothing between its steps, so fitting a curve to the
//! samples (as for smooth progress) reads its coarse numbers as precise and
//! polls through every quarter. Here the polls are treated as what they are:
//! each one says, for every step, whether it had been reached by then. With
//! the generation starting at `s` and lasting `t`, step `k` comes at
//! `s + k/4 t` and the video at `s + t`, so every poll adds a half-plane over
//! `(s, t)`, and the set of explanations still possible is a convex polygon.
//!
//! The planner keeps that polygon and spends polls where they shrink the
//! range of possible finishes most (a poll inside the range of the next step
//! halves it, whichever way the answer goes), and once that range is narrow
//! sweeps it with polls a few seconds apart. A task of 90 s is typically
//! known to within a few seconds after three or four polls, wherever its
//! estimate was.

/// A linear constraint `a s + b t >= c` on the start `s` and length `t` of
/// the generation (seconds since submission).
#[derive(Debug, Clone, Copy, PartialEq)]
struct HalfPlane {
    a: f64,
    b: f64,
    c: f64,
}

impl HalfPlane {
    /// `s + frac t >= at`: the point `frac` of the way through came at or after `at`.
    fn at_or_after(frac: f64, at: f64) -> Self {
        HalfPlane {
            a: 1.0,
            b: frac,
            c: at,
        }
    }

    /// `s + frac t <= at`: the point `frac` of the way through came by `at`.
    fn by(frac: f64, at: f64) -> Self {
        HalfPlane {
            a: -1.0,
            b: -frac,
            c: -at,
        }
    }

    fn holds(&self, (s, t): (f64, f64)) -> bool {
        self.a * s + self.b * t >= self.c - 1e-7 * (1.0 + self.c.abs())
    }
}

/// The range of `s + frac t` over the polygon the half-planes bound, or
/// `None` if they contradict each other.
fn range(planes: &[HalfPlane], frac: f64) -> Option<(f64, f64)> {
    range_of(planes, 1.0, frac)
}

/// The range of `ws s + wt t` over the polygon, or `None` if the planes
/// contradict each other. The polygon is small (a dozen sides), so its
/// corners are found by intersecting every pair of sides.
fn range_of(planes: &[HalfPlane], ws: f64, wt: f64) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (i, p) in planes.iter().enumerate() {
        for q in &planes[i + 1..] {
            let det = p.a * q.b - q.a * p.b;
            if det.abs() < 1e-12 {
                continue;
            }
            let s = (p.c * q.b - q.c * p.b) / det;
            let t = (p.a * q.c - q.a * p.c) / det;
            if planes.iter().all(|h| h.holds((s, t))) {
                let v = ws * s + wt * t;
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    (lo <= hi).then_some((lo, hi))
}

/// What the polls of a task with stepped progress have shown, in seconds
/// since submission.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct StepEvidence {
    /// The latest poll that saw the task not started (pending).
    pub not_started: f64,
    /// The first poll that saw it generating.
    pub started_by: f64,
    /// For steps 1-3 (25, 50, 75 %): the latest poll that saw fewer steps.
    pub below: [f64; 3],
    /// For steps 1-3: the first poll that saw the step reached.
    pub reached: [Option<f64>; 3],
    /// The latest poll (which did not see the task finished).
    pub last_poll: f64,
    /// The plausible generation length from the server's estimate.
    pub length_window: (f64, f64),
}

/// How the planner trades polls for latency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct StepTuning {
    /// The shortest delay between two polls.
    pub min_interval: f64,
    /// Once the finish is known to within twice this, sweep its range with
    /// polls this far apart rather than spend polls on the steps.
    pub sweep: f64,
    /// A poll aimed at the latest possible finish lands this much after it.
    pub margin: f64,
    /// Steps are worth a poll while the range of finishes is wider than
    /// this many sweeps.
    pub narrow: f64,
}

/// A poll's time is taken when its answer arrives; the server looked a
/// little earlier. Lower bounds are loosened by this much.
const ANSWER_SLACK: f64 = 0.25;

impl StepEvidence {
    fn steps_reached(&self) -> usize {
        self.reached.iter().take_while(|r| r.is_some()).count()
    }

    /// The half-planes the polls imply; `strict` adds the estimate's window,
    /// which a service may be further off than assumed.
    fn planes(&self, strict: bool) -> Vec<HalfPlane> {
        let mut planes = vec![
            // Generation starts after the last pending answer, lasts at
            // least half a second and less than a day.
            HalfPlane {
                a: 1.0,
                b: 0.0,
                c: self.not_started - ANSWER_SLACK,
            },
            HalfPlane {
                a: 0.0,
                b: 1.0,
                c: 0.5,
            },
            HalfPlane {
                a: 0.0,
                b: -1.0,
                c: -86_400.0,
            },
            // Not finished at the latest poll.
            HalfPlane::at_or_after(1.0, self.last_poll - ANSWER_SLACK),
        ];
        for k in 0..3 {
            let frac = (k + 1) as f64 / 4.0;
            planes.push(HalfPlane::at_or_after(frac, self.below[k] - ANSWER_SLACK));
            if let Some(at) = self.reached[k] {
                planes.push(HalfPlane::by(frac, at));
            }
        }
        // Generating by the first poll that said so: without this, a service
        // whose "0 %" means nothing would be read as one just starting.
        planes.push(HalfPlane {
            a: -1.0,
            b: 0.0,
            c: -self.started_by,
        });
        if strict {
            planes.push(HalfPlane {
                a: 0.0,
                b: 1.0,
                c: self.length_window.0,
            });
            planes.push(HalfPlane {
                a: 0.0,
                b: -1.0,
                c: -self.length_window.1,
            });
        }
        planes
    }

    /// When to poll next (seconds since submission), or `None` when no
    /// generation in steps explains what the polls saw (the caller then
    /// falls back to treating progress as a curve).
    pub(super) fn next_poll(&self, now: f64, tuning: StepTuning) -> Option<f64> {
        let planes = [self.planes(true), self.planes(false)]
            .into_iter()
            .find(|p| range(p, 1.0).is_some())?;
        let (finish_lo, finish_hi) = range(&planes, 1.0)?;
        let earliest = now + tuning.min_interval;
        let level = self.steps_reached();
        if level < 3 && finish_hi - finish_lo > tuning.narrow * tuning.sweep {
            // A poll past the earliest possible finish may notice it late.
            let latest = finish_lo + tuning.sweep;
            if let Some(at) = self.split_next_step(&planes, level, (earliest, latest), tuning) {
                return Some(at);
            }
        }
        // Narrow enough (or only the finish is left): sweep the range.
        let at = (finish_lo + tuning.sweep).min(finish_hi + tuning.margin);
        Some(at.max(earliest))
    }

    /// The time, within the range of the next step and before the earliest
    /// possible finish, whose answer leaves the fewest polls to pay.
    fn split_next_step(
        &self,
        planes: &[HalfPlane],
        level: usize,
        (earliest, latest): (f64, f64),
        tuning: StepTuning,
    ) -> Option<f64> {
        let frac = |k: usize| k as f64 / 4.0;
        let (full_lo, full_hi) = range(planes, frac(level + 1))?;
        let (lo, hi) = (full_lo.max(earliest), full_hi.min(latest));
        if lo >= hi {
            return None;
        }
        if hi - lo <= tuning.sweep {
            // Splitting a short range gains little each time (a step near
            // the edge of the window would be crept up on): settle it.
            return Some(hi);
        }
        let (sweep, stop) = (tuning.sweep, tuning.narrow);
        // What an answer leaves to pay, in polls, by the steps seen after it
        // and the width `w` of the finishes it leaves possible:
        // - all three steps seen: only sweeping remains, a poll per `sweep`;
        // - two: polls walk up the range of the last step, a spacing `g`
        //   apart, and seeing it leaves about `g` to sweep; the best `g`
        //   costs about `sqrt(w / sweep)` polls;
        // - fewer: each poll can halve the range, down to `stop` sweeps.
        let sweeping = |w: f64| (0.5 + w / (2.0 * sweep)).max(1.0);
        let walking = |w: f64| sweeping(w).min(1.0 + (w / sweep).sqrt());
        let cost = |extra: &[HalfPlane], steps_seen: usize| {
            let mut p = planes.to_vec();
            p.extend_from_slice(extra);
            let Some((lo, hi)) = range(&p, 1.0) else {
                return 0.0;
            };
            let w = hi - lo;
            match steps_seen {
                3.. => sweeping(w),
                2 => walking(w),
                _ if w > stop * sweep => (w / (stop * sweep)).log2() + walking(stop * sweep),
                _ => walking(w),
            }
        };
        // The answer at `at` is a number of steps: fewer than the next, or
        // the next or more (the finish itself is ruled out by `latest`).
        let costs = |at: f64| {
            let not_yet = cost(&[HalfPlane::at_or_after(frac(level + 1), at)], level);
            let seen = (level + 1..=3)
                .map(|k| {
                    cost(
                        &[
                            HalfPlane::by(frac(k), at),
                            HalfPlane::at_or_after(frac(k + 1), at),
                        ],
                        k,
                    )
                })
                .fold(0.0, f64::max);
            (seen, not_yet)
        };
        // Weigh what each answer leaves to pay by how likely it is (the step
        // as likely at any moment of its range), and take the cheapest.
        let span = (full_hi - full_lo).max(1e-9);
        let candidates = 24;
        (0..=candidates)
            .map(|i| lo + (hi - lo) * f64::from(i) / f64::from(candidates))
            .map(|at| {
                let p_seen = ((at - full_lo) / span).clamp(0.0, 1.0);
                let (seen, not_yet) = costs(at);
                (p_seen * seen + (1.0 - p_seen) * not_yet, at)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, at)| at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TUNING: StepTuning = StepTuning {
        min_interval: 1.0,
        sweep: 2.5,
        margin: 0.1,
        narrow: 3.0,
    };

    fn evidence() -> StepEvidence {
        StepEvidence {
            not_started: 0.0,
            started_by: 2.0,
            below: [2.0; 3],
            reached: [None; 3],
            last_poll: 2.0,
            length_window: (20.0, 400.0),
        }
    }

    #[test]
    fn the_range_of_a_square_is_its_corners() {
        let planes = [
            HalfPlane {
                a: 1.0,
                b: 0.0,
                c: 0.0,
            },
            HalfPlane {
                a: -1.0,
                b: 0.0,
                c: -1.0,
            },
            HalfPlane {
                a: 0.0,
                b: 1.0,
                c: 10.0,
            },
            HalfPlane {
                a: 0.0,
                b: -1.0,
                c: -20.0,
            },
        ];
        assert_eq!(range(&planes, 1.0), Some((10.0, 21.0)));
        assert_eq!(range(&planes, 0.5), Some((5.0, 11.0)));
        let mut contradiction = planes.to_vec();
        contradiction.push(HalfPlane::at_or_after(1.0, 30.0));
        assert_eq!(range(&contradiction, 1.0), None);
    }

    #[test]
    fn a_poll_is_aimed_inside_the_range_of_the_next_step() {
        let e = evidence();
        let at = e.next_poll(2.0, TUNING).unwrap();
        // The first quarter ends between 2 + 20/4 and 2 + 400/4.
        assert!(at > 7.0 && at < 102.0, "{at}");
    }

    #[test]
    fn three_bracketed_steps_pin_the_finish() {
        // Started in [0, 2]; 25 % by 25 (not at 20), 50 % by 47 (not at 44),
        // 75 % by 69 (not at 66): the finish lies near 90.
        let e = StepEvidence {
            below: [20.0, 44.0, 66.0],
            reached: [Some(25.0), Some(47.0), Some(69.0)],
            last_poll: 69.0,
            ..evidence()
        };
        let at = e.next_poll(69.0, TUNING).unwrap();
        assert!((85.0..=95.0).contains(&at), "{at}");
    }

    #[test]
    fn contradictory_answers_give_no_plan() {
        // 75 % seen before 25 % could have been: no steps explain it.
        let e = StepEvidence {
            below: [30.0, 2.0, 2.0],
            reached: [Some(31.0), Some(31.0), Some(10.0)],
            last_poll: 31.0,
            ..evidence()
        };
        assert_eq!(e.next_poll(31.0, TUNING), None);
    }

    #[test]
    fn a_window_that_no_longer_fits_is_dropped() {
        // The estimate said at most 40 s, but 25 % was not reached by 30 s.
        let e = StepEvidence {
            below: [30.0, 30.0, 30.0],
            last_poll: 30.0,
            length_window: (10.0, 40.0),
            ..evidence()
        };
        let at = e.next_poll(30.0, TUNING).unwrap();
        assert!(at > 31.0, "{at}");
    }
}
