//! `seedance validate`: the service's verdict, locally.

use std::io::{Read, Write};

use seedance_core::{GenerationRequest, ValidationReport, Violation, validate_json};
use serde_json::json;

use crate::cli::{GlobalArgs, ValidateArgs};
use crate::exit::ExitStatus;
use crate::input::read_json;

pub(crate) fn run(
    global: &GlobalArgs,
    args: &ValidateArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> ExitStatus {
    let value = match read_json(&args.file, stdin) {
        Ok(v) => v,
        Err(e) => {
            let _ = writeln!(stderr, "error: {e}");
            return ExitStatus::Usage;
        }
    };
    let report = validate_json(&value);
    let status = if report.is_valid() {
        ExitStatus::Ok
    } else {
        ExitStatus::Failed
    };
    let written = if global.json {
        write_json(&report, stdout)
    } else if args.print && report.is_valid() {
        write_wire(&value, &report, stdout, stderr)
    } else {
        write_human(&report, stdout, stderr)
    };
    if let Err(e) = written {
        let _ = writeln!(stderr, "error: cannot write output: {e}");
        return ExitStatus::Failed;
    }
    status
}

fn write_json(report: &ValidationReport, out: &mut dyn Write) -> std::io::Result<()> {
    let body = json!({
        "valid": report.is_valid(),
        "errors": report.errors,
        "warnings": report.warnings,
    });
    writeln!(out, "{body}")
}

fn line(v: &Violation) -> String {
    if v.path.is_empty() {
        format!("(body): {}", v.message)
    } else {
        format!("{}: {}", v.path, v.message)
    }
}

/// One line per violation on stdout (`path: message`, warnings prefixed
/// `warning: `); the verdict on stderr, so stdout holds only violations.
fn write_human(
    report: &ValidationReport,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<()> {
    for v in &report.errors {
        writeln!(out, "{}", line(v))?;
    }
    for v in &report.warnings {
        writeln!(out, "warning: {}", line(v))?;
    }
    let (e, w) = (report.errors.len(), report.warnings.len());
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (e, w) {
        (0, 0) => writeln!(err, "valid"),
        (0, w) => writeln!(err, "valid ({})", plural(w, "warning")),
        (e, 0) => writeln!(err, "invalid: {}", plural(e, "error")),
        (e, w) => writeln!(
            err,
            "invalid: {}, {}",
            plural(e, "error"),
            plural(w, "warning")
        ),
    }
}

fn write_wire(
    value: &serde_json::Value,
    report: &ValidationReport,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<()> {
    for v in &report.warnings {
        writeln!(err, "warning: {}", line(v))?;
    }
    match GenerationRequest::from_json(value) {
        Ok((request, _)) => {
            let text = serde_json::to_string_pretty(&request).map_err(std::io::Error::other)?;
            writeln!(out, "{text}")
        }
        Err(e) => writeln!(err, "{e}"),
    }
}
