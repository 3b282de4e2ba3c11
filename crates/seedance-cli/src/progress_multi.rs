//! Progress bars for chains and batches: one per job plus an overall bar,
//! drawn on stderr only when it is a terminal.

use std::io::IsTerminal;
use std::sync::Arc;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use seedance_workflows::{Event, EventSink};

/// The bars of one run.
pub(crate) struct RunBars {
    overall: ProgressBar,
    jobs: Vec<ProgressBar>,
}

impl RunBars {
    pub(crate) fn new(what: &str, n: usize) -> Arc<RunBars> {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let style = |t: &str| {
            ProgressStyle::with_template(t).unwrap_or_else(|_| ProgressStyle::default_bar())
        };
        let overall = multi.add(ProgressBar::new(n as u64));
        overall.set_style(
            style("{prefix:>12} [{bar:30}] {pos}/{len} downloaded  {elapsed}")
                .progress_chars("=> "),
        );
        overall.set_prefix("all");
        let jobs = (0..n)
            .map(|k| {
                let bar = multi.add(ProgressBar::new(100));
                bar.set_style(
                    style("{prefix:>12} [{bar:30}] {pos:>3}%  {msg}").progress_chars("=> "),
                );
                bar.set_prefix(format!("{what} {k}"));
                bar.set_message("planned");
                bar
            })
            .collect();
        Arc::new(RunBars { overall, jobs })
    }

    pub(crate) fn sink(self: &Arc<Self>) -> EventSink {
        let bars = self.clone();
        Arc::new(move |e: &Event| bars.on(e))
    }

    fn on(&self, e: &Event) {
        match e {
            Event::Submitted { index, task_id } => {
                self.bar(*index, |b| b.set_message(format!("submitted {task_id}")))
            }
            Event::Progress {
                index,
                status,
                progress,
                eta,
            } => self.bar(*index, |b| {
                if let Some(p) = progress {
                    b.set_position(u64::from(*p));
                }
                let eta = eta
                    .map(|d| format!(" ~{}s left", d.as_secs()))
                    .unwrap_or_default();
                b.set_message(format!("{status}{eta}"));
            }),
            Event::Completed { index } => self.bar(*index, |b| {
                b.set_position(100);
                b.set_message("downloading");
            }),
            Event::Downloaded {
                index,
                video,
                reused,
            } => {
                self.bar(*index, |b| {
                    b.set_position(100);
                    b.finish_with_message(format!(
                        "{}{}",
                        video.path,
                        if *reused { " (already there)" } else { "" }
                    ));
                });
                self.overall.inc(1);
            }
            Event::Failed { index, message } => self.bar(*index, |b| {
                b.abandon_with_message(format!("failed: {message}"))
            }),
            Event::Done => self.overall.finish(),
            _ => {}
        }
    }

    fn bar(&self, index: usize, f: impl FnOnce(&ProgressBar)) {
        if let Some(b) = self.jobs.get(index) {
            f(b);
        }
    }

    pub(crate) fn clear(&self) {
        for b in &self.jobs {
            b.finish_and_clear();
        }
        self.overall.finish_and_clear();
    }
}
