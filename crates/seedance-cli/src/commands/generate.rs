//! `seedance generate`: submit, wait, download.

use std::io::{Read, Write};

use serde_json::json;

use crate::cli::{GenerateArgs, GlobalArgs};
use crate::commands::interruptible;
use crate::commands::submit::{prepare, submit_through_interrupt};
use crate::context::Context;
use crate::failure::Failure;
use crate::interrupt::Interrupt;
use crate::output::{download_json, printable, task_json, write_json};
use crate::progress::{self, Mode, WaitBar};

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &GenerateArgs,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    // With --mock the simulator's state is kept under --out, so the same
    // resume command works there too.
    let mock = if ctx.mock { "--mock " } else { "" };
    let resume_command = |task_id: &str| {
        format!(
            "resume with: seedance {mock}generate --task {task_id} --out {}",
            args.out.display()
        )
    };
    let resume = |task_id: &str| {
        format!(
            "task {task_id} is still running; {}",
            resume_command(task_id)
        )
    };
    let prepared = match &args.task {
        Some(_) if args.file.is_some() || args.request.any() => {
            return Err(Failure::usage(
                "--task resumes a task already submitted: give no request file or request flags with it",
            ));
        }
        Some(_) => None,
        None => Some(prepare(
            args.file.as_ref(),
            &args.request,
            &args.cost,
            crate::media::local_av(global),
            stdin,
        )?),
    };
    if let Some(p) = &prepared {
        p.print_notes(global.json, err);
    }
    if args.cost.dry_run {
        return match prepared {
            Some(p) => p.print_dry_run(global.json, &ctx.media, out),
            None => Err(Failure::usage("--dry-run needs a request, not --task")),
        };
    }
    let balance = match &prepared {
        Some(p) => crate::cost::check_balance(ctx, &p.estimate, err).await?,
        None => None,
    };
    // Held for the whole run: a second run into this directory stops at
    // once instead of paying for the same video again.
    let _lock = seedance_workflows::OutputLock::acquire(&args.out)
        .map_err(|e| Failure::failed(e.to_string()))?;
    let warnings = prepared
        .as_ref()
        .map(|p| p.read.warnings.clone())
        .unwrap_or_default();
    let task_id = match (&args.task, &prepared) {
        (Some(id), _) => id.clone(),
        (None, Some(p)) => {
            let request = p.publish(ctx).await?;
            let submitted =
                submit_through_interrupt(ctx, &request, err, interrupt, |id| resume(id)).await?;
            let _ = writeln!(err, "submitted {}", printable(&submitted.task_id));
            submitted.task_id
        }
        (None, None) => return Err(Failure::usage("give a request file or --task ID")),
    };
    let (lines, lines_rx) = progress::line_channel();
    let bar = WaitBar::new(Mode::detect(), &task_id, lines);
    let work = interruptible(
        interrupt,
        async {
            ctx.client
                .finish(&task_id, &args.out, |e| bar.update(e))
                .await
                .map_err(|e| Failure::of_existing_task(e, &task_id, resume_command(&task_id)))
        },
        || Some(resume(&task_id)),
    );
    let generated = progress::drive(work, lines_rx, err).await;
    bar.finish();
    drop(bar);
    let generated = generated?;
    let result = if global.json {
        write_json(
            out,
            &json!({
                "task_id": task_id,
                "task": task_json(&generated.task),
                "video": download_json(&generated.video),
                "last_frame": generated.last_frame.as_ref().map(download_json),
                "warnings": warnings,
                "estimate": prepared.as_ref().map(|p| p.estimate.total),
                "balance": balance,
            }),
        )
    } else {
        if let Some(c) = generated.task.billed() {
            let _ = writeln!(
                err,
                "{}{}",
                crate::output::billed_line(c, generated.task.credits_cost),
                crate::output::billed_unit(&ctx.client)
            );
        }
        let mut r = writeln!(out, "{}", generated.video.path.display());
        if let Some(f) = &generated.last_frame {
            r = r.and_then(|_| writeln!(out, "{}", f.path.display()));
        }
        r
    };
    result.map_err(Failure::output)
}
