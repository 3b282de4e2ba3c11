//! `seedance status`: one status request.

use std::io::Write;

use crate::cli::{GlobalArgs, StatusArgs};
use crate::context::Context;
use crate::failure::Failure;
use crate::output::{task_json, task_line, write_json};

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
        write_json(out, &task_json(&task))
    } else {
        writeln!(out, "{}", task_line(&task))
    };
    result.map_err(|e| Failure::failed(format!("cannot write output: {e}")))
}
