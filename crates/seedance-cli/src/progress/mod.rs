//! Progress output, owned by this module and nobody else.
//!
//! On a terminal (stderr is a tty and `TERM` is not `dumb`) progress is drawn
//! as bars by indicatif, whose drawing thread takes the stderr lock for each
//! draw only. Anywhere else (pipes, CI, `TERM=dumb`, tests) it is a few plain
//! lines: each status change and each file written, never a redraw. Lines are
//! handed over a channel and written by [`drive`] on the command's own task,
//! so the writer needs no lock and is never shared with another thread.
//! Nothing here writes to stdout: stdout holds only results.

mod multi;
mod single;

pub(crate) use multi::RunBars;
pub(crate) use single::WaitBar;

use std::future::Future;
use std::io::{IsTerminal, Write};

use tokio::sync::mpsc;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Redrawn bars on a terminal.
    Bars,
    /// Plain lines, one per change.
    Lines,
}

impl Mode {
    /// Bars on an interactive terminal, lines elsewhere.
    pub(crate) fn detect() -> Mode {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if std::io::stderr().is_terminal() && !dumb {
            Mode::Bars
        } else {
            Mode::Lines
        }
    }
}

/// The width of the terminal on stderr, when there is one.
pub(crate) fn terminal_width() -> Option<u16> {
    let (_, cols) = console::Term::stderr().size_checked()?;
    Some(cols)
}

/// Where plain progress lines go until [`drive`] writes them.
pub(crate) type LineSender = mpsc::UnboundedSender<String>;

/// A channel for progress lines.
pub(crate) fn line_channel() -> (LineSender, mpsc::UnboundedReceiver<String>) {
    mpsc::unbounded_channel()
}

/// Runs `work` while writing the progress lines that arrive on `lines` to
/// `err`, then writes whatever is left once `work` is done.
pub(crate) async fn drive<T>(
    work: impl Future<Output = T>,
    mut lines: mpsc::UnboundedReceiver<String>,
    err: &mut dyn Write,
) -> T {
    tokio::pin!(work);
    let result = loop {
        tokio::select! {
            biased;
            Some(line) = lines.recv() => {
                let _ = writeln!(err, "{line}");
            }
            r = &mut work => break r,
        }
    };
    while let Ok(line) = lines.try_recv() {
        let _ = writeln!(err, "{line}");
    }
    let _ = err.flush();
    result
}
