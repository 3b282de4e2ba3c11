//! Webhook pushes, as apimart makes them
//! (docs.apimart.ai/en/api-reference/tasks/webhook): when a task whose
//! request named a `webhook` ends, the task-status body is POSTed to that URL
//! with `/callback` appended; a 5xx or no answer within 10 s is retried up
//! to three times (about 10, 30 and 60 s later), a 4xx stops the retries.
//! The simulator can also push twice, push an earlier status after the last
//! one, or never push ([`crate::WebhookFaults`]). Only loopback targets are pushed
//! to: tests stay offline.

use std::time::Duration;

use seedance_transport::wire::ApiRequest;

use crate::simulator::Simulator;

impl Simulator {
    /// Schedules the pushes of task `id`, created from a request naming
    /// `webhook`, for when it ends (needs a tokio runtime; without one,
    /// nothing is pushed).
    pub(crate) fn schedule_pushes(&self, id: &str, webhook: &str, ends_in: Duration) {
        if self.config.webhook_faults.never {
            return;
        }
        let Some((authority, base_path)) = crate::reachability::loopback(webhook) else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let sim = self.clone();
        let id = id.to_owned();
        let host = authority.clone();
        let path = format!("{}{}", base_path.trim_end_matches('/'), "/callback");
        runtime.spawn(async move {
            // A moment after the end, as the service notices it.
            tokio::time::sleep(ends_in + Duration::from_millis(50)).await;
            let Some(body) = sim.status_body(&id) else {
                return;
            };
            let copies = if sim.config.webhook_faults.duplicate {
                2
            } else {
                1
            };
            for _ in 0..copies {
                sim.push_with_retries(&authority, &host, &path, &body).await;
            }
            if sim.config.webhook_faults.out_of_order
                && let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&body)
            {
                v["data"]["status"] = serde_json::json!("processing");
                if let Some(d) = v["data"].as_object_mut() {
                    d.remove("result");
                }
                sim.push_with_retries(&authority, &host, &path, v.to_string().as_bytes())
                    .await;
            }
        });
    }

    /// The task's status body now, as `GET /v1/tasks/{id}` answers it.
    fn status_body(&self, id: &str) -> Option<Vec<u8>> {
        let state = self.lock();
        let response = self.status(&state, &ApiRequest::get(format!("/v1/tasks/{id}")));
        (response.status == 200).then(|| response.body.to_vec())
    }

    async fn push_with_retries(&self, authority: &str, host: &str, path: &str, body: &[u8]) {
        let retries = self.config.webhook_faults.retry_delays.iter().copied();
        for delay in std::iter::once(Duration::ZERO).chain(retries) {
            tokio::time::sleep(delay).await;
            let answer = tokio::time::timeout(
                Duration::from_secs(10),
                crate::reachability::exchange(authority, host, "POST", path, Some(body)),
            )
            .await;
            self.lock().stats.webhook_pushes += 1;
            match answer {
                Ok(Ok(status)) if status < 500 => return,
                _ => continue,
            }
        }
    }
}
