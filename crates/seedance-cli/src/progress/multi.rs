//! Progress of chains and batches: one bar per job plus an overall bar on a
//! terminal, one line per change elsewhere.

use std::sync::{Arc, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use seedance_core::TaskStatus;
use seedance_workflows::{Event, EventSink};

use super::single::describe;
use super::{LineSender, Mode, terminal_width};
use crate::output::printable;

/// The progress display of one run.
pub(crate) struct RunBars {
    what: &'static str,
    bars: Option<Bars>,
    lines: LineSender,
    /// Last status printed per job, so lines say only what changed.
    last_status: Mutex<Vec<Option<TaskStatus>>>,
}

struct Bars {
    overall: ProgressBar,
    jobs: Vec<ProgressBar>,
}

impl RunBars {
    pub(crate) fn new(mode: Mode, what: &'static str, n: usize, lines: LineSender) -> Arc<RunBars> {
        let bars = (mode == Mode::Bars).then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let narrow = terminal_width().unwrap_or(80) < 72;
            let style = |t: &str| {
                ProgressStyle::with_template(t)
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ")
            };
            let overall = multi.add(ProgressBar::new(n as u64));
            overall.set_style(style(if narrow {
                "{prefix:>11} {pos}/{len} done"
            } else {
                "{prefix:>12} [{bar:30}] {pos}/{len} downloaded  {elapsed}"
            }));
            overall.set_prefix("all");
            let jobs = (0..n)
                .map(|k| {
                    let bar = multi.add(ProgressBar::new(100));
                    bar.set_style(style(if narrow {
                        "{prefix:>11} {pos:>3}% {wide_msg}"
                    } else {
                        "{prefix:>12} [{bar:30}] {pos:>3}%  {wide_msg}"
                    }));
                    bar.set_prefix(format!("{what} {k}"));
                    bar.set_message("planned");
                    bar
                })
                .collect();
            Bars { overall, jobs }
        });
        Arc::new(RunBars {
            what,
            bars,
            lines,
            last_status: Mutex::new(vec![None; n]),
        })
    }

    pub(crate) fn sink(self: &Arc<Self>) -> EventSink {
        let bars = self.clone();
        Arc::new(move |e: &Event| bars.on(e))
    }

    fn on(&self, e: &Event) {
        match &self.bars {
            Some(bars) => bars.on(e),
            None => self.line(e),
        }
    }

    fn line(&self, e: &Event) {
        let what = self.what;
        let text = match e {
            Event::Submitted { index, task_id } => {
                format!("{what} {index}: submitted {}", printable(task_id))
            }
            Event::Progress {
                index,
                status,
                progress,
                ..
            } => {
                if *status == TaskStatus::Completed {
                    return; // said by the `Completed` event that follows
                }
                let mut last = self.last_status.lock().unwrap_or_else(|p| p.into_inner());
                let Some(slot) = last.get_mut(*index) else {
                    return;
                };
                if slot.as_ref() == Some(status) {
                    return;
                }
                *slot = Some(status.clone());
                let pct = match (status, progress) {
                    (TaskStatus::Processing, Some(p)) => format!(" {p}%"),
                    _ => String::new(),
                };
                format!("{what} {index}: {}{pct}", describe(status))
            }
            Event::Completed { index } => format!("{what} {index}: completed, downloading"),
            Event::Downloaded {
                index,
                video,
                reused,
            } => format!(
                "{what} {index}: {}{}",
                video.path,
                if *reused { " (already there)" } else { "" }
            ),
            Event::Failed { index, message } => {
                format!("{what} {index}: failed: {}", printable(message))
            }
            _ => return,
        };
        let _ = self.lines.send(text);
    }

    pub(crate) fn clear(&self) {
        if let Some(bars) = &self.bars {
            for b in &bars.jobs {
                b.finish_and_clear();
            }
            bars.overall.finish_and_clear();
        }
    }
}

impl Drop for RunBars {
    fn drop(&mut self) {
        self.clear();
    }
}

impl Bars {
    fn on(&self, e: &Event) {
        let bar = |index: usize, f: &dyn Fn(&ProgressBar)| {
            if let Some(b) = self.jobs.get(index) {
                f(b);
            }
        };
        match e {
            Event::Submitted { index, task_id } => bar(*index, &|b| {
                b.set_message(format!("submitted {}", printable(task_id)))
            }),
            Event::Progress {
                index,
                status,
                progress,
                eta,
            } => bar(*index, &|b| {
                let shown = match status {
                    TaskStatus::Processing | TaskStatus::Completed => progress.unwrap_or(0),
                    _ => 0,
                };
                b.set_position(u64::from(shown));
                let eta = eta
                    .map(|d| format!(" ~{}s left", d.as_secs()))
                    .unwrap_or_default();
                b.set_message(format!("{}{eta}", describe(status)));
            }),
            Event::Completed { index } => bar(*index, &|b| {
                b.set_position(100);
                b.set_message("downloading");
            }),
            Event::Downloaded {
                index,
                video,
                reused,
            } => {
                bar(*index, &|b| {
                    b.set_position(100);
                    b.finish_with_message(format!(
                        "{}{}",
                        video.path,
                        if *reused { " (already there)" } else { "" }
                    ));
                });
                self.overall.inc(1);
            }
            Event::Failed { index, message } => bar(*index, &|b| {
                b.abandon_with_message(format!("failed: {}", printable(message)))
            }),
            Event::Done => self.overall.finish(),
            _ => {}
        }
    }
}
