//! `seedance batch`: independent jobs with bounded concurrency.

use std::io::Write;

use seedance_workflows::{BatchOptions, parse_jobs, run_batch};
use serde_json::json;

use crate::cli::{BatchArgs, GlobalArgs};
use crate::commands::interruptible;
use crate::context::Context;
use crate::failure::Failure;
use crate::output::write_json;
use crate::progress_multi::RunBars;

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &BatchArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let text = std::fs::read_to_string(&args.jobs)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.jobs.display())))?;
    let jobs = parse_jobs(&text).map_err(|e| Failure::failed(e.to_string()))?;
    let bars = RunBars::new("job", jobs.len());
    let options = BatchOptions {
        concurrency: args.concurrency,
        resubmit_uncertain: args.resume.resubmit_uncertain,
        regenerate: args.resume.regenerate.clone(),
        events: bars.sink(),
    };
    let resume = || {
        format!(
            "rerun the same command to resume; progress is in {}",
            args.resume.out.display()
        )
    };
    let work = async {
        run_batch(&ctx.client, &jobs, &args.resume.out, &options)
            .await
            .map_err(|e| Failure::failed(e.to_string()))
    };
    let summary = interruptible(work, resume).await;
    bars.clear();
    let summary = summary?;
    let written = if global.json {
        let failed: Vec<_> = summary
            .failed
            .iter()
            .map(|(k, e)| json!({"index": k, "error": e}))
            .collect();
        write_json(out, &json!({"done": summary.done, "failed": failed}))
    } else {
        let mut r = writeln!(out, "done: {} of {}", summary.done.len(), jobs.len());
        for (k, e) in &summary.failed {
            r = r.and_then(|_| writeln!(out, "failed: job {k}: {e}"));
        }
        r
    };
    written.map_err(|e| Failure::failed(format!("cannot write output: {e}")))?;
    if summary.all_done() {
        Ok(())
    } else {
        let uncertain = summary
            .failed
            .iter()
            .any(|(_, e)| e.contains("may have been billed"));
        let mut failure = Failure::failed(format!(
            "{} of {} jobs failed; rerun the same command to retry them",
            summary.failed.len(),
            jobs.len()
        ));
        if uncertain {
            failure.hint = Some(
                "some submits may have created billed tasks whose ids were lost: check your apimart task list, then rerun with --resubmit-uncertain".to_owned(),
            );
        }
        Err(failure)
    }
}
