//! `seedance submit`: validate and submit; print the task id.

use std::io::{Read, Write};

use seedance_core::{GenerationRequest, Violation};
use seedance_transport::Submitted;
use serde_json::json;

use crate::cli::{FileArg, GlobalArgs};
use crate::commands::interrupted;
use crate::context::Context;
use crate::failure::Failure;
use crate::input::read_json;
use crate::interrupt::Interrupt;
use crate::output::{printable, write_json};

/// A request read from a file, with the warnings `validate` would print.
pub(crate) struct ReadRequest {
    pub(crate) request: GenerationRequest,
    pub(crate) warnings: Vec<Violation>,
}

/// Reads a request file and turns it into a typed request, or a failure that
/// lists every problem.
pub(crate) fn read_request(
    path: &std::path::Path,
    stdin: &mut dyn Read,
) -> Result<ReadRequest, Failure> {
    let value = read_json(path, stdin).map_err(|e| Failure::usage(e.to_string()))?;
    GenerationRequest::from_json(&value)
        .map(|(request, warnings)| ReadRequest { request, warnings })
        .map_err(|e| Failure::failed(e.to_string()))
}

/// Prints warnings on stderr, before anything is sent (human mode; `--json`
/// output carries them in its `warnings` array).
pub(crate) fn print_warnings(err: &mut dyn Write, warnings: &[Violation]) {
    for w in warnings {
        let _ = writeln!(err, "warning: {}", printable(&w.to_string()));
    }
}

/// Submits `request`, letting a submit already on the wire finish when
/// Ctrl-C arrives (dropping it would lose the id of a task that may exist),
/// then reports the interruption with the task id.
pub(crate) async fn submit_through_interrupt(
    ctx: &Context,
    request: &GenerationRequest,
    err: &mut dyn Write,
    interrupt: &Interrupt,
    resume: impl FnOnce(&str) -> String,
) -> Result<Submitted, Failure> {
    let submit = ctx.client.submit(request);
    tokio::pin!(submit);
    let submitted = tokio::select! {
        r = &mut submit => r,
        () = interrupt.wait() => {
            let _ = writeln!(
                err,
                "finishing the submit already under way so its task id is not lost (Ctrl-C again to quit now)"
            );
            submit.await
        }
    }?;
    if interrupt.requested() {
        let _ = writeln!(err, "submitted {}", printable(&submitted.task_id));
        return Err(interrupted(Some(resume(&submitted.task_id))));
    }
    Ok(submitted)
}

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &FileArg,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    let read = read_request(&args.file, stdin)?;
    if !global.json {
        print_warnings(err, &read.warnings);
    }
    let submitted = submit_through_interrupt(ctx, &read.request, err, interrupt, |id| {
        format!("the task was created; follow it with: seedance wait {id}")
    })
    .await?;
    let result = if global.json {
        write_json(
            out,
            &json!({"task_id": submitted.task_id, "warnings": read.warnings}),
        )
    } else {
        writeln!(out, "{}", printable(&submitted.task_id))
    };
    result.map_err(|e| Failure::failed(format!("cannot write output: {e}")))
}
