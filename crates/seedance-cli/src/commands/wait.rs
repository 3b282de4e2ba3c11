//! `seedance wait`: poll until the task finishes.

use std::io::Write;

use crate::cli::{GlobalArgs, WaitArgs};
use crate::commands::interruptible;
use crate::context::Context;
use crate::failure::Failure;
use crate::interrupt::Interrupt;
use crate::output::{printable, task_json_in, task_line_in, write_json};
use crate::progress::{self, Mode, WaitBar};

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &WaitArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    let (lines, lines_rx) = progress::line_channel();
    let bar = WaitBar::new(Mode::detect(), &args.task_id, lines);
    let id = printable(&args.task_id).into_owned();
    let resume = format!("resume with: seedance wait {id}");
    let work = interruptible(
        interrupt,
        async {
            ctx.client
                .wait_with(&args.task_id, |e| bar.update(e))
                .await
                .map_err(|e| Failure::of_existing_task(e, &args.task_id, resume.clone()))
        },
        || Some(format!("task {id} is still running; {resume}")),
    );
    let task = progress::drive(work, lines_rx, err).await;
    bar.finish();
    drop(bar);
    let task = task?;
    let result = if global.json {
        write_json(out, &task_json_in(&task, &ctx.client))
    } else {
        writeln!(out, "{}", task_line_in(&task, &ctx.client))
    };
    result.map_err(Failure::output)
}
