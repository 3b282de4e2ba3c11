//! `seedance generate`: submit, wait, download.

use std::io::{Read, Write};

use serde_json::json;

use crate::cli::{GenerateArgs, GlobalArgs};
use crate::commands::interruptible;
use crate::commands::submit::read_request;
use crate::context::Context;
use crate::failure::Failure;
use crate::output::{download_json, task_json, write_json};
use crate::progress::WaitBar;

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &GenerateArgs,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let task_id = match (&args.task, &args.file) {
        (Some(id), _) => id.clone(),
        (None, Some(file)) => {
            let request = read_request(file, stdin)?;
            let submitted = ctx.client.submit(&request).await?;
            for w in &submitted.warnings {
                let _ = writeln!(err, "warning: {w}");
            }
            let _ = writeln!(err, "submitted {}", submitted.task_id);
            submitted.task_id
        }
        (None, None) => return Err(Failure::usage("give a request file or --task ID")),
    };
    let bar = WaitBar::new(&task_id);
    let resume = || {
        if ctx.mock {
            format!(
                "task {task_id} lived in this process's simulator and is gone (use `seedance mock-server` to keep tasks between commands)"
            )
        } else {
            format!(
                "task {task_id} is still running; resume with: seedance generate --task {task_id} --out {}",
                args.out.display()
            )
        }
    };
    let work = async {
        ctx.client
            .finish(&task_id, &args.out, |e| bar.update(e))
            .await
            .map_err(Failure::from)
    };
    let generated = interruptible(work, resume).await;
    bar.finish();
    let generated = generated?;
    let result = if global.json {
        write_json(
            out,
            &json!({
                "task_id": task_id,
                "task": task_json(&generated.task),
                "video": download_json(&generated.video),
                "last_frame": generated.last_frame.as_ref().map(download_json),
            }),
        )
    } else {
        let mut r = writeln!(out, "{}", generated.video.path.display());
        if let Some(f) = &generated.last_frame {
            r = r.and_then(|_| writeln!(out, "{}", f.path.display()));
        }
        r
    };
    result.map_err(|e| Failure::failed(format!("cannot write output: {e}")))
}
