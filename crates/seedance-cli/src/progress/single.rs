//! Progress of one task (`wait`, `generate`).

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use seedance_core::TaskStatus;
use seedance_transport::WaitEvent;

use super::{LineSender, Mode, terminal_width};
use crate::output::printable;

/// The progress of one task: a bar on a terminal, a line per change elsewhere.
pub(crate) struct WaitBar {
    task_id: String,
    bar: Option<ProgressBar>,
    lines: LineSender,
    /// The last (status, progress decile) printed as a line.
    last_line: Mutex<Option<(String, u8)>>,
}

/// Template for a terminal at least this wide; narrower ones get a compact one.
const WIDE: u16 = 72;

impl WaitBar {
    pub(crate) fn new(mode: Mode, task_id: &str, lines: LineSender) -> Self {
        let task_id = printable(task_id).into_owned();
        let bar = (mode == Mode::Bars).then(|| {
            let bar = ProgressBar::with_draw_target(Some(100), ProgressDrawTarget::stderr());
            let template = if terminal_width().unwrap_or(80) >= WIDE {
                "{spinner} {prefix} {wide_msg} [{bar:24}] {pos:>3}% {elapsed}"
            } else {
                "{spinner} {pos:>3}% {wide_msg}"
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(task_id.clone());
            bar.set_message("waiting");
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        WaitBar {
            task_id,
            bar,
            lines,
            last_line: Mutex::new(None),
        }
    }

    pub(crate) fn update(&self, e: &WaitEvent) {
        let status = describe(&e.status);
        let eta = e
            .eta
            .map(|d| format!(" ~{}s left", d.as_secs()))
            .unwrap_or_default();
        // Progress means something only while the task is generating.
        let progress = match e.status {
            TaskStatus::Processing | TaskStatus::Completed => e.progress.unwrap_or(0),
            _ => 0,
        };
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{status}{eta}"));
            bar.set_position(u64::from(progress));
            return;
        }
        let decile = progress / 10;
        let mut last = self.last_line.lock().unwrap_or_else(|p| p.into_inner());
        if last.as_ref() == Some(&(status.clone(), decile)) {
            return;
        }
        *last = Some((status.clone(), decile));
        let pct = if e.progress.is_some() && matches!(e.status, TaskStatus::Processing) {
            format!(" {progress}%")
        } else {
            String::new()
        };
        let _ = self
            .lines
            .send(format!("{}: {status}{pct}{eta}", self.task_id));
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for WaitBar {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A status as a person reads it (server text escaped).
pub(crate) fn describe(status: &TaskStatus) -> String {
    match status {
        TaskStatus::Pending => "queued".to_owned(),
        other => printable(other.as_str()).into_owned(),
    }
}
