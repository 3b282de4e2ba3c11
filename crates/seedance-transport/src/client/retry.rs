//! The client's one retry loop.
//!
//! Every call site that repeats a request (API calls, downloads) runs
//! through [`Client::retrying`]: one attempt function, one verdict per
//! failure, one [`RetryBudget`]. Layers do not wrap each other's retries:
//! a wait polls with single attempts ([`Client::task_once`]) and keeps its
//! own patience, so a burst of N server errors costs about N requests, never
//! the product of two budgets.
//!
//! [`Client::task_once`]: super::Client::task_once

use std::future::Future;

use seedance_core::{RetryBudget, RetryConfig};
use tokio::time::Instant;

use super::{Client, ClientError};

/// What a failed attempt allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Definite: repeating cannot help, or could pay twice.
    Stop,
    /// A failure that may pass (a 5xx, a network fault): back off, then retry.
    Backoff,
    /// The answer was unusable (over the size cap, cut, not JSON, an HTML
    /// page, the wrong shape). Safe to repeat for a read; retried like
    /// [`Verdict::Backoff`]. Kept apart so that a wait can tell a server
    /// that keeps answering garbage from one that is briefly down.
    Unusable,
    /// Rate limited on a submit: the pacer has already placed the next
    /// attempt, which waits for its slot; counts time, not tries.
    Paced,
}

/// A failed attempt and what it allows.
#[derive(Debug)]
pub(crate) struct Failed {
    pub(crate) error: ClientError,
    pub(crate) verdict: Verdict,
}

impl Failed {
    pub(crate) fn new(error: ClientError, verdict: Verdict) -> Self {
        Failed { error, verdict }
    }

    pub(crate) fn stop(error: ClientError) -> Self {
        Failed::new(error, Verdict::Stop)
    }
}

impl Client {
    /// Runs `attempt` until it succeeds, a failure's verdict is
    /// [`Verdict::Stop`], or `budget` (count and total time) is spent; then
    /// returns the last error.
    pub(crate) async fn retrying<T, F, Fut>(
        &self,
        what: &str,
        budget: &RetryConfig,
        mut attempt: F,
    ) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failed>>,
    {
        let started = Instant::now();
        let mut budget = RetryBudget::new(budget.clone());
        loop {
            let failed = match attempt().await {
                Ok(value) => return Ok(value),
                Err(failed) => failed,
            };
            let delay = match failed.verdict {
                Verdict::Stop => return Err(failed.error),
                Verdict::Paced if budget.has_time_for(started.elapsed(), Default::default()) => {
                    tracing::warn!(what, "rate limited; slowing submits down");
                    continue;
                }
                Verdict::Paced => return Err(failed.error),
                Verdict::Backoff | Verdict::Unusable => match budget.next_delay(
                    started.elapsed(),
                    failed.error.retry_after(),
                    self.jitter(),
                ) {
                    Some(delay) => delay,
                    None => return Err(failed.error),
                },
            };
            tracing::warn!(
                what,
                retry = budget.spent(),
                delay_ms = delay.as_millis() as u64,
                error = %failed.error,
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }
}
