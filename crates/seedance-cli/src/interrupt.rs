//! Ctrl-C. The handler is installed when the runtime starts, so no moment of
//! a run falls back to the default "die at once". The first Ctrl-C asks the
//! command to stop at its next safe point: a submit already on the wire is
//! allowed to finish so its task id is not lost, waits and downloads stop at
//! once (the task keeps running on the server). A second Ctrl-C exits at once.

use tokio::sync::watch;

use crate::exit::ExitStatus;

/// A handle on the Ctrl-C state of this process.
#[derive(Debug, Clone)]
pub(crate) struct Interrupt {
    presses: watch::Receiver<u32>,
}

impl Interrupt {
    /// Installs the handler; call once, inside the runtime.
    pub(crate) fn install() -> Interrupt {
        let (tx, rx) = watch::channel(0u32);
        tokio::spawn(async move {
            let mut presses = 0;
            while tokio::signal::ctrl_c().await.is_ok() {
                presses += 1;
                if presses >= 2 {
                    eprintln!("interrupted again: exiting now");
                    std::process::exit(ExitStatus::Interrupted as i32);
                }
                let _ = tx.send(presses);
            }
        });
        Interrupt { presses: rx }
    }

    /// Whether Ctrl-C was pressed.
    pub(crate) fn requested(&self) -> bool {
        *self.presses.borrow() > 0
    }

    /// Resolves at the first Ctrl-C (at once if it was already pressed).
    pub(crate) async fn wait(&self) {
        let mut rx = self.presses.clone();
        let _ = rx.wait_for(|n| *n > 0).await;
    }
}
