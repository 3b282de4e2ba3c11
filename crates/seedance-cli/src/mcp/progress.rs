//! Progress notifications for a tool call that asked for them (a progress
//! token in its `_meta`): sent in order by one task, never decreasing.

use std::sync::{Arc, Mutex};

use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::RequestContext;
use rmcp::{Peer, RoleServer};
use tokio::sync::mpsc;

/// One step of progress: how far, out of how much, and what happened.
type Step = (f64, f64, String);

/// Sends a call's progress; cheap to clone into event sinks.
#[derive(Clone)]
pub(crate) struct Reporter {
    tx: Option<mpsc::UnboundedSender<Step>>,
    last: Arc<Mutex<f64>>,
}

/// The task forwarding a call's progress to the client.
pub(crate) struct Forwarder(Option<tokio::task::JoinHandle<()>>);

impl Reporter {
    /// A reporter for the call of `context` (silent when the client gave no
    /// progress token), and the task to [`Forwarder::finish`] before the
    /// call returns, so every notification precedes the result.
    pub(crate) fn start(context: &RequestContext<RoleServer>) -> (Reporter, Forwarder) {
        let Some(token) = context.meta.get_progress_token() else {
            return (
                Reporter {
                    tx: None,
                    last: Arc::default(),
                },
                Forwarder(None),
            );
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let handle = tokio::spawn(forward(context.peer.clone(), token, rx));
        (
            Reporter {
                tx: Some(tx),
                last: Arc::default(),
            },
            Forwarder(Some(handle)),
        )
    }

    /// Reports `progress` of `total` (kept from going backwards).
    pub(crate) fn report(&self, progress: f64, total: f64, message: String) {
        let Some(tx) = &self.tx else { return };
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let progress = progress.max(*last);
        *last = progress;
        let _ = tx.send((progress, total, message));
    }
}

impl Forwarder {
    /// Waits until every notification reported through `reporter` is sent.
    pub(crate) async fn finish(self, reporter: Reporter) {
        drop(reporter);
        if let Some(h) = self.0 {
            let _ = h.await;
        }
    }
}

async fn forward(
    peer: Peer<RoleServer>,
    token: ProgressToken,
    mut rx: mpsc::UnboundedReceiver<Step>,
) {
    while let Some((progress, total, message)) = rx.recv().await {
        let param = ProgressNotificationParam::new(token.clone(), progress)
            .with_total(total)
            .with_message(message);
        if peer.notify_progress(param).await.is_err() {
            // The client went away: nothing more to tell.
            return;
        }
    }
}
