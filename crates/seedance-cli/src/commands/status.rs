//! `seedance status`: one status request, or the state of a run's output
//! directory read from its manifest (no request, no key).

use std::io::Write;

use crate::cli::{GlobalArgs, StatusArgs};
use crate::context::Context;
use crate::failure::Failure;
use serde_json::json;

use crate::output::{printable, task_json_in, task_line_in, write_json};

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &StatusArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let task = ctx
        .client
        .task_in(&args.task_id, args.language.as_deref())
        .await?;
    let result = if global.json {
        write_json(out, &task_json_in(&task, &ctx.client))
    } else {
        writeln!(out, "{}", task_line_in(&task, &ctx.client))
    };
    result.map_err(Failure::output)
}

/// Whether `arg` names a directory rather than a task id: an existing
/// directory, or a path (task ids have no `/`).
pub(crate) fn is_dir_argument(arg: &str) -> bool {
    arg.contains(std::path::MAIN_SEPARATOR)
        || arg.contains('/')
        || std::path::Path::new(arg).is_dir()
}

/// Above this many jobs, the text output lists only those that need
/// attention (the counts cover all).
const LIST_ALL_UP_TO: usize = 100;

/// `seedance status DIR`: every job's state as recorded, what was billed,
/// and which jobs need attention; no request is sent.
pub(crate) fn run_dir(
    global: &GlobalArgs,
    args: &StatusArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    use seedance_workflows::JobRecord;
    let dir = std::path::Path::new(&args.task_id);
    let manifest = crate::recorded_run::read(dir)?;
    let what = manifest.kind.noun();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for job in &manifest.jobs {
        *counts.entry(state_name(job)).or_default() += 1;
    }
    let billed = manifest.billed();
    // The manifest records amounts, not their currency: it is the
    // provider's (Ark's token prices: CNY on Volcengine, USD on BytePlus).
    let provider = global.provider().unwrap_or_default();
    let currency =
        seedance_core::provider::ark::TokenPriceTable::builtin(provider).map(|t| t.currency);
    let ark_ids = manifest
        .jobs
        .iter()
        .filter_map(|j| j.task_id.as_deref())
        .any(|id| id.starts_with("cgt-"));
    let attention = |j: &JobRecord| state_name(j) != "downloaded";
    let written = if global.json {
        let jobs: Vec<_> = manifest
            .jobs
            .iter()
            .map(|j| {
                json!({
                    "index": j.index,
                    "state": state_name(j),
                    "task_id": j.task_id,
                    "take": j.current_take(),
                    "video": j.video,
                    "last_frame": j.last_frame,
                    "expires_at": j.expires_at,
                    "cost": j.cost,
                    "error": j.error,
                    "task_may_exist": may_have_task(j),
                    "idempotency_key": j.idempotency_key,
                    "replayed": j.replayed,
                    "resent_unconfirmed": j.resent_unconfirmed,
                })
            })
            .collect();
        write_json(
            out,
            &json!({
                "dir": dir,
                "kind": what,
                "counts": counts,
                "billed": billed.total,
                "credits_billed": billed.credits,
                "billed_selected": billed.selected,
                "currency": currency,
                "provider": provider.as_str(),
                "jobs": jobs,
            }),
        )
    } else {
        let mut lines = vec![format!(
            "{}: {} {what}(s); {}",
            dir.display(),
            manifest.jobs.len(),
            counts
                .iter()
                .map(|(state, n)| format!("{state} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )];
        let unit = currency
            .as_deref()
            .map(|c| format!(" {c}"))
            .unwrap_or_default();
        if let Some(line) = crate::output::run_billed_line(&billed) {
            lines.push(match &currency {
                Some(c) => format!("{line} (in {c}, from usage tokens on {})", provider.display_name()),
                None if ark_ids => format!(
                    "{line} (in the currency of the Ark platform that ran it: CNY on Volcengine Ark, USD on BytePlus ModelArk; pass --provider to say which)"
                ),
                None => line,
            });
        }
        let all = manifest.jobs.len() <= LIST_ALL_UP_TO;
        for j in manifest.jobs.iter().filter(|j| all || attention(j)) {
            lines.push(job_line(what, j, &unit));
        }
        if manifest.jobs.iter().any(may_have_task) {
            lines.push(
                "a submit without a recorded task id may have created a billed task: check your apimart task list, then rerun with --resubmit-uncertain".to_owned(),
            );
        }
        lines
            .iter()
            .try_for_each(|l| writeln!(out, "{}", printable(l)))
    };
    written.map_err(Failure::output)
}

/// A job's state as written in manifests (`planned`, `submitting`...).
fn state_name(job: &seedance_workflows::manifest::JobRecord) -> String {
    serde_json::to_value(job.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{:?}", job.state).to_lowercase())
}

/// Sent, with no task id recorded: the submit may have created a task.
fn may_have_task(job: &seedance_workflows::manifest::JobRecord) -> bool {
    job.state == seedance_workflows::JobState::Submitting && job.task_id.is_none()
}

fn job_line(what: &str, j: &seedance_workflows::manifest::JobRecord, unit: &str) -> String {
    let mut line = format!("{what} {}  {}", j.index, state_name(j));
    if let Some(id) = &j.task_id {
        line.push_str(&format!("  {id}"));
    }
    if let Some(v) = &j.video {
        line.push_str(&format!("  {} ({} bytes, {})", v.path, v.bytes, v.digest));
    }
    if let Some(c) = j.cost {
        line.push_str(&format!("  cost {c:.4}{unit}"));
    }
    if let Some(e) = &j.error {
        line.push_str(&format!("  error: {e}"));
    }
    if j.replayed {
        line.push_str("  (submit confirmed by a replay: one task)");
    }
    if j.resent_unconfirmed {
        line.push_str(
            "  (resent after an uncertain submit; no replay confirmed: another task may exist)",
        );
    }
    if may_have_task(j) {
        line.push_str(if j.keys_honoured {
            "  (a task may exist; the next run resends it with the same Idempotency-Key)"
        } else {
            "  (a task may exist)"
        });
    }
    line
}
