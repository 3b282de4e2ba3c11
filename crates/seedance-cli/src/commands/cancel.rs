//! `seedance cancel TASK_ID`: cancels a queued task (Ark and BytePlus). A
//! running task cannot be cancelled there: it finishes and is billed.

use std::io::Write;

use serde_json::json;

use crate::cli::{CancelArgs, GlobalArgs};
use crate::context::Context;
use crate::failure::Failure;
use crate::output::{printable, write_json};

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &CancelArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    ctx.client.cancel(&args.task_id).await?;
    let written = if global.json {
        write_json(out, &json!({"id": args.task_id, "status": "cancelled"}))
    } else {
        writeln!(out, "{}  cancelled", printable(&args.task_id))
    };
    written.map_err(Failure::output)
}
