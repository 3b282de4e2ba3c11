//! Asking a run to stop at its next safe point (the CLI's Ctrl-C).
//!
//! A stop never abandons a submit on the wire: a job whose POST has been
//! sent finishes it and records its task id, because dropping it there would
//! leave a task that may exist and may be billed with no id. No new submit
//! starts once a stop is requested; waits and downloads end at once (the
//! task keeps running on the server and a rerun picks it up).

use tokio::sync::watch;

/// A cloneable stop request shared by every step of a run.
#[derive(Debug, Clone)]
pub struct StopSignal {
    tx: std::sync::Arc<watch::Sender<bool>>,
}

impl Default for StopSignal {
    fn default() -> Self {
        StopSignal::new()
    }
}

impl StopSignal {
    /// A signal that has not been raised.
    pub fn new() -> Self {
        StopSignal {
            tx: std::sync::Arc::new(watch::channel(false).0),
        }
    }

    /// Asks every holder to stop at its next safe point.
    pub fn request(&self) {
        self.tx.send_replace(true);
    }

    /// Whether a stop was requested.
    pub fn is_requested(&self) -> bool {
        *self.tx.borrow()
    }

    /// Resolves once a stop is requested.
    pub async fn requested(&self) {
        let mut rx = self.tx.subscribe();
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_reaches_every_clone() {
        let stop = StopSignal::new();
        let other = stop.clone();
        assert!(!other.is_requested());
        let waiter = tokio::spawn(async move { other.requested().await });
        stop.request();
        waiter.await.unwrap();
        assert!(stop.is_requested());
    }
}
