//! A progress bar while waiting, on stderr, only when stderr is a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use seedance_transport::WaitEvent;

/// A bar for one task.
pub(crate) struct WaitBar {
    bar: ProgressBar,
}

impl WaitBar {
    pub(crate) fn new(task_id: &str) -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(100), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix} {msg:24} [{bar:30}] {pos:>3}%  {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(task_id.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        WaitBar { bar }
    }

    pub(crate) fn update(&self, e: &WaitEvent) {
        let eta = e
            .eta
            .map(|d| format!(" ~{}s left", d.as_secs()))
            .unwrap_or_default();
        self.bar.set_message(format!("{}{eta}", e.status.as_str()));
        if let Some(p) = e.progress {
            self.bar.set_position(u64::from(p));
        }
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
