//! Private assets: `POST /v1/seedance2/private-avatar` registers up to 20
//! media URLs in a group and answers with a task, polled at
//! `GET /v1/tasks/{id}` like a generation; its result lists the usable
//! `asset://` ids and the refused files with reasons (see
//! `seedance_core::asset`). The request is checked (1 to 20 assets, a
//! group) before anything is sent. Registering creates state on the
//! server, so it is sent like a submit: not repeated once it may have
//! arrived.

use std::time::Duration;

use seedance_core::asset::{
    ASSET_PATH, AssetGroup, AssetInput, AssetOutcome, asset_request_body, parse_asset_result,
};
use seedance_core::{Task, TaskStatus, parse_submit_body};

use super::call::Idempotency;
use super::{Client, ClientError, SubmitPhase};
use crate::wire::ApiRequest;

/// How often an asset task is polled (apimart's own client suggests 2 s).
pub const ASSET_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// A finished asset task.
#[derive(Debug, Clone)]
pub struct AssetTask {
    /// The task as last seen.
    pub task: Task,
    /// What it produced.
    pub outcome: AssetOutcome,
}

impl Client {
    /// Registers `assets` in `group` (and `project`, when given); returns
    /// the asset task's id. Refuses locally, sending nothing, an empty list,
    /// more than 20 assets or an empty group.
    pub async fn create_assets(
        &self,
        group: &AssetGroup,
        project: Option<&str>,
        assets: &[AssetInput],
    ) -> Result<String, ClientError> {
        let body = asset_request_body(group, project, assets)?;
        // Sent like a submit: never resent once it may have arrived (the
        // asset endpoint takes no idempotency key).
        let response = self
            .call_parsed(
                ApiRequest::post_json(ASSET_PATH, body.to_string()),
                Idempotency::Submit,
                |r| Ok(r.clone()),
            )
            .await?;
        parse_submit_body(&response.body)
            .map(|r| r.task_id)
            .map_err(|e| ClientError::SubmitUncertain {
                phase: SubmitPhase::Answered,
                reason: self
                    .transport
                    .redact(&format!(
                        "HTTP {} with an unreadable body: {e}",
                        response.status
                    ))
                    .into_owned(),
                sent_at: self.unix_now(),
                source: None,
            })
    }

    /// Polls asset task `task_id` every [`ASSET_POLL_INTERVAL`] until it
    /// ends or `ClientConfig::wait_timeout` passes.
    pub async fn wait_assets(&self, task_id: &str) -> Result<AssetTask, ClientError> {
        let started = tokio::time::Instant::now();
        loop {
            let task = self.task(task_id).await?;
            match task.status {
                TaskStatus::Completed => {
                    let outcome = task
                        .result
                        .as_ref()
                        .map(|r| parse_asset_result(&r.raw))
                        .unwrap_or_default();
                    return Ok(AssetTask { task, outcome });
                }
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
                _ => {}
            }
            if started.elapsed() + ASSET_POLL_INTERVAL > self.config.wait_timeout {
                return Err(ClientError::WaitTimeout {
                    task_id: task_id.to_owned(),
                    last_status: Some(task.status),
                    waited: started.elapsed(),
                });
            }
            tokio::time::sleep(ASSET_POLL_INTERVAL).await;
        }
    }
}
