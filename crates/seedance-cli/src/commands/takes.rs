//! `seedance takes DIR` and `seedance select DIR SEGMENT TAKE`: every
//! generated video of a run is kept as a take; one per segment is selected.

use std::io::Write;

use seedance_workflows::JobRecord;
use seedance_workflows::takes::select_take;

use crate::recorded_run::read;
use serde_json::json;

use crate::cli::{GlobalArgs, SelectArgs, TakesArgs};
use crate::failure::Failure;
use crate::output::{printable, write_json};

pub(crate) fn takes_json(job: &JobRecord) -> serde_json::Value {
    let mut takes: Vec<serde_json::Value> = job
        .takes
        .iter()
        .map(|t| json!({"number": t.number, "task_id": t.task_id, "video": t.video.as_ref().map(|v| &v.path), "cost": t.cost, "selected": false}))
        .collect();
    if let Some(take) = job.current_take() {
        takes.push(json!({"number": take, "task_id": job.task_id, "video": job.video.as_ref().map(|v| &v.path), "cost": job.cost, "selected": true}));
    }
    takes.sort_by_key(|t| t["number"].as_u64());
    serde_json::Value::Array(takes)
}

/// `seedance takes DIR`.
pub(crate) fn list(
    global: &GlobalArgs,
    args: &TakesArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let manifest = read(&args.dir)?;
    let stale = manifest.stale_links();
    let written = if global.json {
        let jobs: Vec<_> = manifest
            .jobs
            .iter()
            .map(|j| json!({"index": j.index, "selected": j.current_take(), "takes": takes_json(j), "stale": stale.contains(&j.index)}))
            .collect();
        write_json(out, &json!({"jobs": jobs, "stale": stale}))
    } else {
        let mut r = Ok(());
        for job in &manifest.jobs {
            let takes = takes_json(job);
            let listed: Vec<String> = takes
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| {
                    format!(
                        "take {}{}{}{}",
                        t["number"],
                        if t["selected"] == true {
                            " (selected)"
                        } else {
                            ""
                        },
                        t["task_id"]
                            .as_str()
                            .map(|id| format!(" {}", printable(id)))
                            .unwrap_or_default(),
                        t["cost"]
                            .as_f64()
                            .map(|c| format!(" cost {c:.4}"))
                            .unwrap_or_default(),
                    )
                })
                .collect();
            let listed = if listed.is_empty() {
                "no takes yet".to_owned()
            } else {
                listed.join(", ")
            };
            let stale = if stale.contains(&job.index) {
                "  [stale link]"
            } else {
                ""
            };
            r = r.and_then(|_| {
                writeln!(
                    out,
                    "{} {}: {listed}{stale}",
                    manifest.kind.noun(),
                    job.index
                )
            });
        }
        r
    };
    written.map_err(Failure::output)
}

/// `seedance select DIR SEGMENT TAKE`.
pub(crate) fn select(
    global: &GlobalArgs,
    args: &SelectArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))?;
    let selected = runtime.block_on(async {
        let s = select_take(&args.dir, args.segment, args.take).await?;
        seedance_workflows::storyboard::write_async(&args.dir).await;
        Ok::<_, seedance_workflows::WorkflowError>(s)
    })?;
    let written = if global.json {
        write_json(
            out,
            &json!({"segment": args.segment, "selected": args.take, "stale": selected.stale}),
        )
    } else {
        let r = writeln!(out, "segment {}: take {} selected", args.segment, args.take);
        if !selected.stale.is_empty() {
            let list: Vec<String> = selected.stale.iter().map(usize::to_string).collect();
            let _ = writeln!(
                err,
                "stale: segment {} started from another take of the segment before; regenerate with --regenerate {}, or stitch with --accept-stale",
                list.join(", "),
                selected.stale[0]
            );
        }
        r
    };
    written.map_err(Failure::output)
}
