//! `seedance batch`: independent jobs with bounded concurrency.

use std::io::Write;

use seedance_workflows::{BatchOptions, StopSignal, run_batch};
use serde_json::json;

use crate::cli::{BatchArgs, GlobalArgs};
use crate::commands::workflow::{Ran, Steering, Streams, WorkflowRun};
use crate::context::Context;
use crate::failure::Failure;
use crate::interrupt::Interrupt;
use crate::output::{printable, write_json};

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &BatchArgs,
    stdin: &mut dyn std::io::Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    let text = std::fs::read_to_string(&args.jobs)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.jobs.display())))?;
    let parsed = seedance_workflows::parse_jobs_with_local_media(
        &text,
        Some(&crate::input::parent_dir(&args.jobs)),
        ctx.local_media(),
    );
    let (jobs, local) = parsed.map_err(|e| {
        Failure::failed(format!(
            "invalid jobs file {}:\n{}",
            args.jobs.display(),
            e.errors
                .iter()
                .map(|v| format!("  {v}"))
                .collect::<Vec<_>>()
                .join("\n")
        ))
    })?;
    let mut jobs = jobs;
    if let Some(url) = &args.resume.webhook {
        // Every job's request names the webhook.
        for job in &mut jobs {
            job.extra
                .insert("webhook".to_owned(), serde_json::json!(url));
        }
    }
    let batch_options = |steering: Steering| BatchOptions {
        apply_changes: steering.apply_changes,
        concurrency: args.concurrency,
        resubmit_uncertain: args.resume.resubmit_uncertain,
        regenerate: args.resume.regenerate.clone(),
        events: steering.events,
        stop: steering.stop,
        local_files: seedance_workflows::LocalFiles::from_found(&local),
        media: ctx.media.clone(),
    };
    let run = WorkflowRun {
        ctx,
        global,
        resume: &args.resume,
        cost: &args.cost,
        noun: "job",
        requests: &jobs,
        local: &local,
    };
    // A person at a terminal is asked before edited jobs are paid for again.
    // Elsewhere the run itself refuses them (without reading the journal
    // twice, which at 100,000 jobs is a second of startup).
    let preview = || {
        if args.resume.apply_changes || !crate::consent::can_ask(global) {
            return Ok(None);
        }
        let options = batch_options(Steering {
            apply_changes: false,
            events: seedance_workflows::events::ignore(),
            stop: StopSignal::new(),
        });
        Ok(Some(seedance_workflows::batch::preview_batch(
            &jobs,
            &args.resume.out,
            &options,
        )?))
    };
    let mut io = Streams { stdin, out, err };
    let ran = run
        .run(&mut io, interrupt, preview, |steering| {
            let options = batch_options(steering);
            let (client, jobs, out_dir) = (&ctx.client, &jobs, &args.resume.out);
            async move { run_batch(client, jobs, out_dir, &options).await }
        })
        .await?;
    let Some(Ran {
        outcome: summary,
        estimate,
        balance,
    }) = ran
    else {
        return Ok(());
    };
    let out = io.out;
    let manifest = args
        .resume
        .out
        .join(seedance_workflows::RunLayout::MANIFEST);
    // The files written, as the run records them.
    let recorded = crate::recorded_run::read(&args.resume.out)?;
    let videos: Vec<(usize, std::path::PathBuf)> = recorded
        .jobs
        .iter()
        .filter_map(|j| {
            j.video
                .as_ref()
                .map(|v| (j.index, args.resume.out.join(&v.path)))
        })
        .collect();
    let billed = recorded.billed();
    let written = if global.json {
        let failed: Vec<_> = summary
            .failed
            .iter()
            .map(|f| {
                json!({
                    "index": f.index,
                    "error": f.error.to_string(),
                    "task_may_exist": f.error.may_have_created_task(),
                })
            })
            .collect();
        write_json(
            out,
            &json!({
                "done": summary.done,
                "failed": failed,
                "videos": videos.iter().map(|(k, p)| json!({"index": k, "path": p})).collect::<Vec<_>>(),
                "manifest": manifest,
                "billed": billed.total,
                "credits_billed": billed.credits,
                "billed_selected": billed.selected,
                "estimate": estimate,
                "balance": balance,
            }),
        )
    } else {
        let mut r = Ok(());
        for (_, path) in &videos {
            r = r.and_then(|_| writeln!(out, "{}", path.display()));
        }
        r = r.and_then(|_| writeln!(out, "done: {} of {}", summary.done.len(), jobs.len()));
        for f in &summary.failed {
            r = r.and_then(|_| {
                writeln!(
                    out,
                    "failed: job {}: {}",
                    f.index,
                    printable(&f.error.to_string())
                )
            });
        }
        r = r.and_then(|_| writeln!(out, "manifest: {}", manifest.display()));
        if let Some(line) = crate::output::run_billed_line(&billed) {
            r = r.and_then(|_| writeln!(out, "{line}{}", crate::output::billed_unit(&ctx.client)));
        }
        r
    };
    written.map_err(Failure::output)?;
    if summary.all_done() {
        return Ok(());
    }
    let mut failure = Failure::failed(format!(
        "{} of {} jobs failed; rerun the same command to retry them",
        summary.failed.len(),
        jobs.len()
    ));
    if summary
        .failed
        .iter()
        .any(|f| f.error.may_have_created_task())
    {
        failure.hint = Some(
            "some submits may have created billed tasks whose ids were lost: check your apimart task list, then rerun with --resubmit-uncertain".to_owned(),
        );
    }
    Err(failure)
}
