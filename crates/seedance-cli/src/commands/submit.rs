//! `seedance submit`: validate and submit; print the task id.

use std::io::{Read, Write};

use seedance_core::GenerationRequest;
use serde_json::json;

use crate::cli::{FileArg, GlobalArgs};
use crate::context::Context;
use crate::failure::Failure;
use crate::input::read_json;
use crate::output::write_json;

/// Reads a request file and turns it into a typed request, or a failure that
/// lists every problem.
pub(crate) fn read_request(
    path: &std::path::Path,
    stdin: &mut dyn Read,
) -> Result<GenerationRequest, Failure> {
    let value = read_json(path, stdin).map_err(|e| Failure::usage(e.to_string()))?;
    GenerationRequest::from_json(&value)
        .map(|(r, _)| r)
        .map_err(|e| Failure::failed(e.to_string()))
}

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &FileArg,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let request = read_request(&args.file, stdin)?;
    let submitted = ctx.client.submit(&request).await?;
    let result = if global.json {
        write_json(
            out,
            &json!({"task_id": submitted.task_id, "warnings": submitted.warnings}),
        )
    } else {
        writeln!(out, "{}", submitted.task_id)
    };
    result.map_err(|e| Failure::failed(format!("cannot write output: {e}")))
}
