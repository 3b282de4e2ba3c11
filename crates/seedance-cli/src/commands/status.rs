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

/// The currency of a run's recorded costs.
enum RunCurrency {
    /// Every cost recorded with this currency.
    Recorded(String),
    /// Costs recorded in more than one (a run resumed on another platform).
    Mixed(Vec<String>),
    /// None recorded (a run from before currencies were recorded): the
    /// given provider's, its task ids agreeing that it ran there.
    Assumed(String),
    /// Not known.
    Unknown,
}

impl RunCurrency {
    /// The one currency every amount is in, if there is one.
    fn single(&self) -> Option<&str> {
        match self {
            RunCurrency::Recorded(c) | RunCurrency::Assumed(c) => Some(c),
            RunCurrency::Mixed(_) | RunCurrency::Unknown => None,
        }
    }
}

/// The currency of `manifest`'s costs: as recorded with them; for a run
/// that recorded none, the given provider's only where the task ids show
/// the run was on that family of platforms (Ark's ids start `cgt-`), so
/// an apimart run read with `SEEDANCE_PROVIDER=ark` is not said to be in
/// CNY.
fn run_currency(
    manifest: &seedance_workflows::Manifest,
    provider: seedance_core::provider::ProviderKind,
    ark_ids: bool,
) -> RunCurrency {
    let recorded: Vec<String> = manifest
        .cost_currencies()
        .into_iter()
        .map(str::to_owned)
        .collect();
    match recorded.as_slice() {
        [one] => return RunCurrency::Recorded(one.clone()),
        [_, _, ..] => return RunCurrency::Mixed(recorded),
        [] => {}
    }
    let on_ark = provider != seedance_core::provider::ProviderKind::Apimart;
    match seedance_core::provider::ark::TokenPriceTable::builtin(provider) {
        Some(table) if on_ark && ark_ids => RunCurrency::Assumed(table.currency),
        _ => RunCurrency::Unknown,
    }
}

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
    let provider = global.provider().unwrap_or_default();
    let ark_ids = manifest
        .jobs
        .iter()
        .filter_map(|j| j.task_id.as_deref())
        .any(|id| id.starts_with("cgt-"));
    let currency = run_currency(&manifest, provider, ark_ids);
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
                "currency": currency.single(),
                // The provider given (flag or environment), not necessarily
                // the one the run was on.
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
            .single()
            .map(|c| format!(" {c}"))
            .unwrap_or_default();
        if let Some(line) = crate::output::run_billed_line(&billed) {
            lines.push(match &currency {
                RunCurrency::Recorded(c) => format!("{line} (in {c}, from usage tokens)"),
                RunCurrency::Mixed(all) => format!(
                    "{line} (the run was billed in {} on different platforms: the totals add them as they are)",
                    all.join(" and ")
                ),
                RunCurrency::Assumed(c) => format!(
                    "{line} (in {c}, from usage tokens on {}, the provider given)",
                    provider.display_name()
                ),
                RunCurrency::Unknown if ark_ids => format!(
                    "{line} (in the currency of the Ark platform that ran it: CNY on Volcengine Ark, USD on BytePlus ModelArk; pass --provider to say which)"
                ),
                RunCurrency::Unknown => line,
            });
        }
        let all = manifest.jobs.len() <= LIST_ALL_UP_TO;
        for j in manifest.jobs.iter().filter(|j| all || attention(j)) {
            lines.push(job_line(what, j, &unit));
        }
        if manifest.jobs.iter().any(may_have_task) {
            let task_list = if provider.capabilities().list {
                format!("seedance --provider {} list", provider.as_str())
            } else {
                "your apimart task list".to_owned()
            };
            lines.push(format!(
                "a submit without a recorded task id may have created a billed task: check {task_list}, then rerun with --resubmit-uncertain"
            ));
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
