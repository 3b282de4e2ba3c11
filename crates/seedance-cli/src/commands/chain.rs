//! `seedance chain`: a shot list into continuous segments (and a film).

use std::io::Write;

use seedance_workflows::{
    ChainOptions, FilmOptions, Plan, StitchOptions, StopSignal, WorkflowError, make_film,
};
use serde_json::json;

use crate::cli::{ChainArgs, GlobalArgs};
use crate::commands::workflow::{Ran, Steering, Streams, WorkflowRun};
use crate::context::Context;
use crate::failure::Failure;
use crate::input::read_json;
use crate::interrupt::Interrupt;
use crate::output::{printable, write_json};

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
            let _ = writeln!(err, "{f}");
        }
    }
    let local = seedance_workflows::localize_media(
        &mut value,
        &crate::input::parent_dir(&args.plan),
        ctx.local_media(),
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
    let film_options = |steering: Option<Steering>| {
        let steering = steering.unwrap_or(Steering {
            apply_changes: args.resume.apply_changes,
            events: seedance_workflows::events::ignore(),
            stop: StopSignal::new(),
        });
        FilmOptions {
            chain: ChainOptions {
                resubmit_uncertain: args.resume.resubmit_uncertain,
                regenerate: args.resume.regenerate.clone(),
                keep_downstream: args.keep_downstream,
                apply_changes: steering.apply_changes,
                frame_urls: args.frame_url.iter().cloned().collect(),
                events: steering.events,
                stop: steering.stop,
                local_files: seedance_workflows::LocalFiles::from_found(&local),
                media: ctx.media.clone(),
            },
            stitch: args.stitch.then_some(StitchOptions {
                drop_seam_frame: args.drop_seam_frame,
            }),
            accept_stale: args.accept_stale,
        }
    };
    let run = WorkflowRun {
        ctx,
        global,
        resume: &args.resume,
        cost: &args.cost,
        noun: "segment",
        requests: &requests,
        local: &local,
    };
    let preview = || {
        let options = film_options(None);
        // The tools stitching needs, checked before anything is paid for.
        options
            .check()
            .map_err(|e| stitch_refusal(&e, args.drop_seam_frame))?;
        Ok(Some(seedance_workflows::chain::preview_chain(
            &plan,
            &args.resume.out,
            &options.chain,
        )?))
    };
    let mut io = Streams { stdin, out, err };
    let ran = run
        .run(&mut io, interrupt, preview, |steering| async {
            let options = film_options(Some(steering));
            make_film(&ctx.client, &plan, &args.resume.out, &options).await
        })
        .await?;
    let Some(Ran {
        outcome,
        estimate,
        balance,
    }) = ran
    else {
        return Ok(());
    };
    let Streams { out, err, .. } = io;
    let manifest = &outcome.chain.manifest;
    let written = if global.json {
        let segments: Vec<_> = manifest
            .jobs
            .iter()
            .map(|j| {
                json!({"index": j.index, "task_id": j.task_id, "video": j.video, "last_frame": j.last_frame, "cost": j.cost, "refunded": j.refunded})
            })
            .collect();
        let billed = manifest.billed();
        write_json(
            out,
            &json!({"segments": segments, "final": outcome.film.as_ref().map(|f| f.display().to_string()), "warnings": warnings, "billed": billed.total, "credits_billed": billed.credits, "billed_selected": billed.selected, "estimate": estimate, "balance": balance}),
        )
    } else {
        if let Some(line) = crate::output::run_billed_line(&manifest.billed()) {
            let _ = writeln!(err, "{line}{}", crate::output::billed_unit(&ctx.client));
        }
        let mut r = Ok(());
        for v in outcome.chain.videos.iter().chain(&outcome.film) {
            r = r.and_then(|_| writeln!(out, "{}", v.display()));
        }
        r
    };
    written.map_err(Failure::output)
}

/// Stitching cannot run here: what to install, or how to go on without it.
fn stitch_refusal(e: &WorkflowError, drop_seam_frame: bool) -> Failure {
    let mut f = Failure::failed(e.to_string());
    f.hint = Some(if drop_seam_frame {
        "install ffmpeg with libx264, or stitch without --drop-seam-frame".to_owned()
    } else {
        "run without --stitch to generate the segments only".to_owned()
    });
    f
}
