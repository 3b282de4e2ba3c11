//! Waiting for a task: poll on the schedule from `seedance_core::poll` until a
//! terminal status or the deadline.

use std::time::Duration;

use seedance_core::{PollSchedule, Task, TaskStatus};
use tokio::time::Instant;

use super::retry::{Failed, Verdict};
use super::{Client, ClientError};

/// What a wait observed at one poll.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitEvent {
    /// The task.
    pub task_id: String,
    /// Its status.
    pub status: TaskStatus,
    /// Progress 0-100, when reported.
    pub progress: Option<u8>,
    /// The server's estimate of total generation time.
    pub estimated_time: Option<Duration>,
    /// Time since the wait began.
    pub elapsed: Duration,
    /// Status requests made so far.
    pub polls: u32,
    /// Predicted time left, from the server's estimate and the progress rate.
    pub eta: Option<Duration>,
}

impl Client {
    /// Polls `task_id` until it completes (returning it), fails or is
    /// cancelled (typed errors with the server's reason), or the configured
    /// deadline passes. Unknown statuses keep polling. Dropping the future
    /// cancels the wait (not the task).
    pub async fn wait(&self, task_id: &str) -> Result<Task, ClientError> {
        self.wait_with(task_id, |_| {}).await
    }

    /// [`Client::wait`], calling `on_event` after every poll.
    ///
    /// The task is paid for, so only a definite answer ends the wait early:
    /// a terminal status, or a refusal that cannot change (401, 403, an
    /// unknown task once the grace period after submitting has passed).
    /// Rate limits, 5xx bursts and network failures are retried with backoff
    /// until the deadline; an unusable answer (over the size cap, cut, not
    /// JSON, an HTML page, the wrong shape) is asked again, up to
    /// `ClientConfig::max_bad_polls` in a row; a `completed` task without a
    /// result is polled again; a task that carries a video URL is done
    /// whatever its status. Each poll is a single request: this loop is the
    /// only retry layer.
    pub async fn wait_with(
        &self,
        task_id: &str,
        mut on_event: impl FnMut(&WaitEvent) + Send,
    ) -> Result<Task, ClientError> {
        let deadline = Instant::now() + self.config.wait_timeout;
        let submission = self.submission(task_id);
        let model = submission.as_ref().map(|s| s.model.clone());
        let mut schedule = PollSchedule::new(self.config.poll.clone())
            .with_ratio_range(self.ratio_range(model.as_deref()));
        // A task this client just submitted is pending for a while: the
        // schedule's first delay (counted from the submit) is a request
        // saved. A task from elsewhere (a resumed run) is asked about at once.
        let started = match submission.as_ref().and_then(|s| s.at) {
            Some(at) => {
                let first = (at + schedule.next_delay(Duration::ZERO, self.jitter())).min(deadline);
                tokio::time::sleep_until(first).await;
                at
            }
            None => Instant::now(),
        };
        let mut first_estimate = None;
        let mut last_status = None;
        let mut failed_polls = 0u32;
        let mut bad_bodies = 0u32;
        let mut empty_completions = 0u32;
        let mut polls = 0;
        let timeout = |last_status: Option<TaskStatus>| ClientError::WaitTimeout {
            task_id: task_id.to_owned(),
            last_status,
            waited: started.elapsed(),
        };
        loop {
            // Single attempts: this loop is the only retry layer of a wait,
            // so a burst of N failures costs N requests.
            let task = match tokio::time::timeout_at(deadline, self.task_once(task_id)).await {
                Err(_) => return Err(timeout(last_status)),
                Ok(Ok(task)) => {
                    failed_polls = 0;
                    bad_bodies = 0;
                    task
                }
                Ok(Err(Failed { error: e, verdict })) => {
                    let keep_polling = match (&e, verdict) {
                        // Behind a gateway a new task can be unknown for a moment.
                        (ClientError::Api { status: 404, .. }, Verdict::Stop) => {
                            started.elapsed() < self.config.unknown_task_grace
                        }
                        // Oversized, cut, not JSON, an HTML page, the wrong
                        // shape: a read is safe to repeat, but a service
                        // that keeps answering so is not going to recover.
                        (_, Verdict::Unusable) => {
                            bad_bodies += 1;
                            bad_bodies <= self.config.max_bad_polls
                        }
                        (_, Verdict::Backoff | Verdict::Paced) => true,
                        (_, Verdict::Stop) => false,
                    };
                    if !keep_polling {
                        return Err(e);
                    }
                    // Backoff grows with consecutive failures, but a paid
                    // task is asked about at least every `max_silence`; a
                    // failure that said when to come back (`Retry-After`)
                    // does not grow it.
                    let delay = self
                        .config
                        .retry
                        .delay(failed_polls, e.retry_after(), self.jitter())
                        .min(self.config.poll.max_silence)
                        .max(self.config.poll.min_interval);
                    if e.retry_after().is_none() {
                        failed_polls += 1;
                    }
                    tracing::warn!(task_id, error = %e, delay_ms = delay.as_millis() as u64, "status poll failed; retrying");
                    if Instant::now() + delay >= deadline {
                        tokio::time::sleep_until(deadline).await;
                        return Err(timeout(last_status));
                    }
                    tokio::time::sleep(delay).await;
                    continue;
                }
            };
            polls += 1;
            let elapsed = started.elapsed();
            let estimated = task.estimated_time.map(Duration::from_secs);
            schedule.observe(elapsed, &task.status, task.progress, estimated);
            first_estimate = first_estimate.or(task.estimated_time);
            let done = task.is_done();
            if done {
                // What the service's estimate was worth, for the next tasks.
                let actual = task.actual_time.or_else(|| {
                    let (c, d) = (task.created?, task.completed?);
                    u64::try_from(d - c).ok()
                });
                if let (Some(e), Some(a)) = (first_estimate, actual) {
                    self.learn(model.as_deref(), e as f64, a as f64);
                }
            }
            let eta = schedule
                .predicted_finish()
                .or_else(|| estimated.filter(|_| !task.status.is_terminal()))
                .map(|finish| finish.saturating_sub(elapsed));
            on_event(&WaitEvent {
                task_id: task_id.to_owned(),
                status: task.status.clone(),
                progress: task.progress,
                estimated_time: estimated,
                elapsed,
                polls,
                eta: if task.status.is_terminal() || done {
                    None
                } else {
                    eta
                },
            });
            if done || task.status.is_terminal() {
                self.forget_submission(task_id);
            }
            if done {
                return Ok(task);
            }
            match &task.status {
                TaskStatus::Failed => {
                    return Err(ClientError::TaskFailed {
                        task_id: task_id.to_owned(),
                        error: task.error.map(Box::new),
                    });
                }
                TaskStatus::Cancelled => {
                    return Err(ClientError::TaskCancelled {
                        task_id: task_id.to_owned(),
                    });
                }
                TaskStatus::Expired => {
                    return Err(ClientError::TaskExpired {
                        task_id: task_id.to_owned(),
                    });
                }
                TaskStatus::Completed => {
                    // Seen once on the live service: `completed` with no
                    // `result`. The video is paid for; ask again.
                    let delay = self
                        .config
                        .retry
                        .backoff(empty_completions, self.jitter())
                        .max(self.config.poll.min_interval);
                    empty_completions += 1;
                    tracing::warn!(
                        task_id,
                        "task reported completed without a result; polling again"
                    );
                    last_status = Some(task.status);
                    if Instant::now() + delay >= deadline {
                        tokio::time::sleep_until(deadline).await;
                        return Err(timeout(last_status));
                    }
                    tokio::time::sleep(delay).await;
                    continue;
                }
                _ => {}
            }
            last_status = Some(task.status);
            let delay = schedule.next_delay(elapsed, self.jitter());
            let wake = Instant::now() + delay;
            if wake >= deadline && self.webhooks.get().is_none() {
                tokio::time::sleep_until(deadline).await;
                return Err(timeout(last_status));
            }
            self.sleep_or_push(task_id, wake.min(deadline), deadline)
                .await;
            if Instant::now() >= deadline {
                return Err(timeout(last_status));
            }
        }
    }
}
