//! Receiving apimart's webhook pushes, without a web framework.
//!
//! A generation request may carry `webhook: URL`; apimart then POSTs the
//! task-status body (the same JSON as `GET /v1/tasks/{id}`) to `URL` +
//! `/callback` when the task changes, retries up to three times (about 10,
//! 30 and 60 s later) on a 5xx or no 2xx within about 10 s, stops on a 4xx,
//! and may push the same status twice
//! (docs.apimart.ai/en/api-reference/tasks/webhook). So a receiver must
//! answer fast, deduplicate by task id, and ignore a push that arrives after
//! a later one.
//!
//! [`WebhookInbox`] does that bookkeeping; [`WebhookInbox::handle`] is a
//! handler for any server (hyper, axum, a test harness): give it the method,
//! the path and the body, send back the status and body it returns. A
//! [`crate::Client`] given the inbox ([`crate::Client::with_webhook_inbox`])
//! wakes a wait as soon as its task's push arrives, and polls far less often
//! in between; it still confirms the result with a status read, so a forged
//! push cannot hand it a URL.
//!
//! ```
//! use seedance_transport::webhook::{Received, WebhookInbox};
//!
//! let inbox = WebhookInbox::default();
//! let body = br#"{"code":200,"data":{"id":"task_1","status":"completed","progress":100}}"#;
//! let reply = inbox.handle("POST", "/callback", body);
//! assert_eq!(reply.status, 200);
//! assert_eq!(reply.received, Some(Received::New));
//! // The same push again: acknowledged (so the service stops retrying), not news.
//! assert_eq!(inbox.handle("POST", "/callback", body).received, Some(Received::Duplicate));
//! ```

use std::collections::HashMap;
use std::sync::Mutex;

use seedance_core::{Task, TaskStatus, parse_task_body};

/// The path apimart appends to the webhook URL.
pub const CALLBACK_PATH: &str = "/callback";

/// What became of one push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Received {
    /// A status not seen before for this task.
    New,
    /// The same status again (the service may push twice).
    Duplicate,
    /// An earlier status arriving after a later one (out of order): ignored.
    Stale,
}

/// A handler's answer: the HTTP status and a short body to send back, and
/// what the push was (`None` when it was not a push).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status: 200 for every push read (so the service stops
    /// retrying), 400 for a body that is not a task, 404 and 405 otherwise.
    pub status: u16,
    /// A short plain-text body.
    pub body: &'static str,
    /// What the push was.
    pub received: Option<Received>,
}

/// How far along a status is, so that a push arriving late is recognised.
fn rank(status: &TaskStatus) -> u8 {
    if status.is_terminal() {
        3
    } else {
        match status {
            TaskStatus::Pending => 1,
            TaskStatus::Processing => 2,
            _ => 0,
        }
    }
}

/// The latest status pushed for each task, deduplicated.
#[derive(Debug, Default)]
pub struct WebhookInbox {
    latest: Mutex<HashMap<String, Task>>,
    changed: tokio::sync::Notify,
}

impl WebhookInbox {
    /// Records a pushed task.
    pub fn accept(&self, task: Task) -> Received {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        let outcome = match latest.get(&task.id) {
            None => Received::New,
            Some(known) if known.status == task.status => Received::Duplicate,
            Some(known) if rank(&task.status) < rank(&known.status) => Received::Stale,
            Some(_) => Received::New,
        };
        if outcome == Received::New {
            latest.insert(task.id.clone(), task);
            drop(latest);
            self.changed.notify_waiters();
        }
        outcome
    }

    /// Reads a pushed body (the task-status body, with or without the
    /// `data` envelope) and records it.
    pub fn accept_body(
        &self,
        body: &[u8],
    ) -> Result<(Received, Task), seedance_core::ResponseError> {
        let task = parse_task_body(body)?;
        Ok((self.accept(task.clone()), task))
    }

    /// Handles one HTTP request to the listener: a `POST` to any path ending
    /// in [`CALLBACK_PATH`] (or to `/`, for a webhook URL that already ends
    /// in it) is a push.
    pub fn handle(&self, method: &str, path: &str, body: &[u8]) -> Reply {
        let path = path.split('?').next().unwrap_or_default();
        if !(path.ends_with(CALLBACK_PATH) || path == "/" || path.is_empty()) {
            return Reply {
                status: 404,
                body: "not a webhook path\n",
                received: None,
            };
        }
        if !method.eq_ignore_ascii_case("POST") {
            return Reply {
                status: 405,
                body: "POST the task's status here\n",
                received: None,
            };
        }
        match self.accept_body(body) {
            Ok((received, _)) => Reply {
                status: 200,
                body: "ok\n",
                received: Some(received),
            },
            // A 4xx stops the service's retries: the body will not improve.
            Err(_) => Reply {
                status: 400,
                body: "not a task status body\n",
                received: None,
            },
        }
    }

    /// The latest status pushed for `task_id`.
    pub fn latest(&self, task_id: &str) -> Option<Task> {
        self.latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(task_id)
            .cloned()
    }

    /// Whether a push for `task_id` said it ended (a terminal status or a
    /// result).
    pub fn says_ended(&self, task_id: &str) -> bool {
        self.latest(task_id)
            .is_some_and(|t| t.status.is_terminal() || t.is_done())
    }

    /// Waits until a push for `task_id` says it ended. Returns at once when
    /// one already has.
    pub async fn ended(&self, task_id: &str) {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.says_ended(task_id) {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(id: &str, status: &str) -> Vec<u8> {
        format!(r#"{{"code":200,"data":{{"id":"{id}","status":"{status}"}}}}"#).into_bytes()
    }

    #[test]
    fn duplicates_and_late_pushes_are_acknowledged_but_not_news() {
        let inbox = WebhookInbox::default();
        let r = |b: &[u8]| inbox.handle("POST", "/hook/callback", b).received;
        assert_eq!(r(&push("t1", "processing")), Some(Received::New));
        assert_eq!(r(&push("t1", "completed")), Some(Received::New));
        assert_eq!(r(&push("t1", "completed")), Some(Received::Duplicate));
        assert_eq!(r(&push("t1", "processing")), Some(Received::Stale));
        assert_eq!(inbox.latest("t1").unwrap().status, TaskStatus::Completed);
        assert_eq!(r(&push("t2", "failed")), Some(Received::New));
    }

    #[test]
    fn only_posted_task_bodies_on_the_callback_path_are_pushes() {
        let inbox = WebhookInbox::default();
        assert_eq!(inbox.handle("GET", "/callback", b"").status, 405);
        assert_eq!(
            inbox
                .handle("POST", "/other", &push("t", "completed"))
                .status,
            404
        );
        assert_eq!(inbox.handle("POST", "/callback", b"<html>").status, 400);
        assert_eq!(
            inbox
                .handle("POST", "/callback?x=1", &push("t", "completed"))
                .status,
            200
        );
    }

    #[tokio::test]
    async fn a_waiter_wakes_when_its_task_ends() {
        let inbox = std::sync::Arc::new(WebhookInbox::default());
        let waiter = {
            let inbox = inbox.clone();
            tokio::spawn(async move { inbox.ended("t9").await })
        };
        tokio::task::yield_now().await;
        inbox.handle("POST", "/callback", &push("t9", "processing"));
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        inbox.handle("POST", "/callback", &push("t9", "completed"));
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();
    }
}
