//! `seedance wait`: poll until the task finishes.

use std::io::Write;

use crate::cli::{GlobalArgs, WaitArgs};
use crate::commands::interruptible;
use crate::context::Context;
use crate::failure::Failure;
use crate::output::{task_json, task_line, write_json};
use crate::progress::WaitBar;

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &WaitArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let bar = WaitBar::new(&args.task_id);
    let id = args.task_id.clone();
    let work = async {
        ctx.client
            .wait_with(&args.task_id, |e| bar.update(e))
            .await
            .map_err(Failure::from)
    };
    let task = interruptible(work, || {
        format!("task {id} is still running; resume with: seedance wait {id}")
    })
    .await;
    bar.finish();
    let task = task?;
    let result = if global.json {
        write_json(out, &task_json(&task))
    } else {
        writeln!(out, "{}", task_line(&task))
    };
    result.map_err(|e| Failure::failed(format!("cannot write output: {e}")))
}
