//! After Ctrl-C stops a chain or batch: on a provider that can cancel
//! (Ark, BytePlus), the tasks the run submitted that are still queued are
//! offered for cancelling; they have not started and nothing is billed for
//! them once cancelled. Running tasks cannot be cancelled there and are
//! left to finish (a rerun downloads them).

use std::io::{Read, Write};
use std::path::Path;

use seedance_core::TaskStatus;
use seedance_core::provider::ark::{ArkStatus, ListQuery};
use seedance_workflows::JobState;

use crate::cli::GlobalArgs;
use crate::context::Context;
use crate::output::printable;

/// Asks (at a terminal) whether to cancel the run's queued tasks and does
/// so; elsewhere, returns the commands that would, for the hint.
pub(crate) async fn offer_cancel(
    ctx: &Context,
    global: &GlobalArgs,
    out_dir: &Path,
    stdin: &mut dyn Read,
    err: &mut dyn Write,
) -> Option<String> {
    if !ctx.client.capabilities().cancel {
        return None;
    }
    let dir = out_dir.to_owned();
    let manifest = tokio::task::spawn_blocking(move || seedance_workflows::read_run(&dir))
        .await
        .ok()?
        .ok()??;
    let submitted: std::collections::HashSet<&str> = manifest
        .jobs
        .iter()
        .filter(|j| j.state == JobState::Submitted)
        .filter_map(|j| j.task_id.as_deref())
        .collect();
    if submitted.is_empty() {
        return None;
    }
    // One list call per 500 queued tasks (Ark's list allows one call a
    // second), rather than one status call per job.
    let mut queued = Vec::new();
    let mut page = 1;
    loop {
        let query = ListQuery::page(page, seedance_core::provider::ark::LIST_PAGE_MAX)
            .with_status(ArkStatus::Queued);
        let Ok(found) = ctx.client.list_tasks(&query).await else {
            break;
        };
        queued.extend(
            found
                .tasks
                .iter()
                .filter(|t| t.status == TaskStatus::Pending && submitted.contains(t.id.as_str()))
                .map(|t| t.id.clone()),
        );
        let seen = u64::from(page) * u64::from(seedance_core::provider::ark::LIST_PAGE_MAX);
        if found.tasks.is_empty() || seen >= found.total || page >= 20 {
            break;
        }
        page += 1;
    }
    if queued.is_empty() {
        return None;
    }
    let provider = ctx.client.provider();
    if crate::consent::can_ask(global) {
        let _ = write!(
            err,
            "{} task{} of this run {} still queued on {} (not started, not billed). Cancel {}? [y/N] ",
            queued.len(),
            if queued.len() == 1 { "" } else { "s" },
            if queued.len() == 1 { "is" } else { "are" },
            provider.display_name(),
            if queued.len() == 1 { "it" } else { "them" },
        );
        let _ = err.flush();
        let mut answer = Vec::new();
        let mut byte = [0u8; 1];
        while let Ok(1) = stdin.read(&mut byte) {
            if byte[0] == b'\n' {
                break;
            }
            answer.push(byte[0]);
        }
        let answer = String::from_utf8_lossy(&answer).trim().to_ascii_lowercase();
        if answer == "y" || answer == "yes" {
            for id in &queued {
                let line = match ctx.client.cancel(id).await {
                    Ok(()) => format!("{}  cancelled", printable(id)),
                    Err(e) => format!(
                        "{}  not cancelled: {}",
                        printable(id),
                        printable(&e.to_string())
                    ),
                };
                let _ = writeln!(err, "{line}");
            }
            return Some("cancelled tasks are submitted again by a rerun".to_owned());
        }
        return None;
    }
    Some(format!(
        "{} task{} still queued on {}; to cancel: {}",
        queued.len(),
        if queued.len() == 1 { " is" } else { "s are" },
        provider.display_name(),
        queued
            .iter()
            .map(|id| format!("seedance --provider {provider} cancel {}", printable(id)))
            .collect::<Vec<_>>()
            .join("; ")
    ))
}
