//! `seedance chain`: a shot list into continuous segments (and a film).

use std::io::Write;

use seedance_workflows::{
    ChainOptions, Plan, StitchOptions, StopSignal, WorkflowError, run_chain, stitch,
};
use serde_json::json;

use crate::cli::{ChainArgs, GlobalArgs};
use crate::commands::{interrupted, this_command_line, with_stop};
use crate::context::Context;
use crate::failure::Failure;
use crate::input::read_json;
use crate::interrupt::Interrupt;
use crate::output::{printable, write_json};
use crate::progress::{self, Mode, RunBars};

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &ChainArgs,
    stdin: &mut dyn std::io::Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    let mut value = read_json(&args.plan, stdin).map_err(|e| Failure::usage(e.to_string()))?;
    if args.fit_frames {
        let fitted = seedance_workflows::fit_frames::fit_plan_frames(
            &mut value,
            &crate::input::parent_dir(&args.plan),
            &seedance_workflows::fit_frames::default_dir(),
        )
        .map_err(|e| Failure::usage(e.to_string()))?;
        for f in fitted {
            let _ = writeln!(
                err,
                "fitted {}: {} ({}x{}) to {}x{}",
                f.field,
                f.from.display(),
                f.from_size.0,
                f.from_size.1,
                f.size.0,
                f.size.1
            );
        }
    }
    let local = seedance_workflows::localize_media(
        &mut value,
        &crate::input::parent_dir(&args.plan),
        crate::media::local_av(global),
    )
    .map_err(|errors| {
        Failure::failed(
            seedance_workflows::PlanError {
                errors,
                warnings: Vec::new(),
            }
            .to_string(),
        )
    })?;
    if let (Some(url), Some(obj)) = (&args.resume.webhook, value.as_object_mut()) {
        // Every segment's request names the webhook.
        let defaults = obj
            .entry("defaults")
            .or_insert_with(|| serde_json::json!({}));
        if let Some(d) = defaults.as_object_mut() {
            d.insert("webhook".to_owned(), serde_json::json!(url));
        }
    }
    let (plan, warnings) = Plan::from_json(&value).map_err(|e| Failure::failed(e.to_string()))?;
    if !global.json {
        for w in &warnings {
            let _ = writeln!(err, "warning: {}", printable(&w.to_string()));
        }
    }
    // Every segment as it will be sent (the chained frame as a placeholder).
    let placeholder = seedance_core::MediaUrl::parse(seedance_workflows::plan::PLACEHOLDER_FRAME)
        .map_err(|e| Failure::failed(e.to_string()))?;
    let requests = (0..plan.len())
        .map(|k| plan.segment_request(k, (k > 0).then_some(&placeholder)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::failed(e.to_string()))?;
    let label = |k: usize| format!("segment {k}");
    let (estimate, balance) = match crate::cost::before_paying(
        ctx,
        &args.cost,
        &requests,
        &local,
        label,
        &args.resume.out,
        global.json,
        out,
        err,
    )
    .await?
    {
        crate::cost::BeforePaying::DryRunPrinted => return Ok(()),
        crate::cost::BeforePaying::Go { estimate, balance } => (estimate, balance),
    };
    if args.stitch {
        // Checked before anything is paid for, not after every segment.
        seedance_workflows::stitch::check_tools(args.drop_seam_frame).map_err(|e| {
            let mut f = Failure::failed(e.to_string());
            f.hint = Some(if args.drop_seam_frame {
                "install ffmpeg with libx264, or stitch without --drop-seam-frame".to_owned()
            } else {
                "run without --stitch to generate the segments only".to_owned()
            });
            f
        })?;
    }
    let (lines, lines_rx) = progress::line_channel();
    let bars = RunBars::new(Mode::detect(), "segment", plan.len(), lines.clone());
    let stop = StopSignal::new();
    let mut options = ChainOptions {
        resubmit_uncertain: args.resume.resubmit_uncertain,
        regenerate: args.resume.regenerate.clone(),
        keep_downstream: args.keep_downstream,
        apply_changes: args.resume.apply_changes,
        frame_urls: args.frame_url.iter().cloned().collect(),
        events: bars.sink(),
        stop: stop.clone(),
        local_files: seedance_workflows::LocalFiles::from_found(&local),
        media: crate::media::destinations(global)?,
    };
    let changes = seedance_workflows::chain::preview_chain(&plan, &args.resume.out, &options)?;
    options.apply_changes = crate::consent::ask(
        &changes,
        args.resume.apply_changes,
        &args.cost,
        global,
        stdin,
        err,
    )?;
    let work = with_stop(
        interrupt,
        &stop,
        &lines,
        run_chain(&ctx.client, &plan, &args.resume.out, &options),
    );
    let outcome = progress::drive(work, lines_rx, err).await;
    bars.clear();
    if let Err(WorkflowError::Stopped) = &outcome {
        let cancel = crate::queued::offer_cancel(ctx, global, &args.resume.out, stdin, err).await;
        return Err(interrupted(Some(format!(
            "the manifest in {} records every step; rerun to resume: {}{}",
            args.resume.out.display(),
            this_command_line(global),
            cancel.map(|c| format!("\n{c}")).unwrap_or_default()
        ))));
    }
    let outcome = outcome.map_err(|e| match e {
        WorkflowError::Stopped => interrupted(None),
        other => Failure::from(other),
    })?;
    let film = args.resume.out.join(seedance_workflows::RunLayout::FILM);
    if args.stitch {
        let stale = outcome.manifest.stale_links();
        if !stale.is_empty() && !args.accept_stale {
            return Err(WorkflowError::StaleLinks { segments: stale }.into());
        }
        let stitch_options = StitchOptions {
            drop_seam_frame: args.drop_seam_frame,
        };
        stitch(&outcome.videos, &film, &stitch_options)
            .await
            .map_err(|e| Failure::failed(e.to_string()))?;
        // The page shows the film now that it exists.
        seedance_workflows::storyboard::write_async(&args.resume.out).await;
    }
    let written = if global.json {
        let segments: Vec<_> = outcome
            .manifest
            .jobs
            .iter()
            .map(|j| {
                json!({"index": j.index, "task_id": j.task_id, "video": j.video, "last_frame": j.last_frame, "cost": j.cost, "refunded": j.refunded})
            })
            .collect();
        let billed = outcome.manifest.billed();
        write_json(
            out,
            &json!({"segments": segments, "final": args.stitch.then(|| film.display().to_string()), "warnings": warnings, "billed": billed.total, "credits_billed": billed.credits, "billed_selected": billed.selected, "estimate": estimate, "balance": balance}),
        )
    } else {
        if let Some(line) = crate::output::run_billed_line(&outcome.manifest.billed()) {
            let _ = writeln!(err, "{line}{}", crate::output::billed_unit(&ctx.client));
        }
        let mut r = Ok(());
        for v in &outcome.videos {
            r = r.and_then(|_| writeln!(out, "{}", v.display()));
        }
        if args.stitch {
            r = r.and_then(|_| writeln!(out, "{}", film.display()));
        }
        r
    };
    written.map_err(Failure::output)
}
