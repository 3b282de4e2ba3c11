//! `seedance validate`: the service's verdict, locally.

use std::io::{Read, Write};

use seedance_core::{GenerationRequest, ValidationReport, Violation, validate_json};
use serde_json::json;

use crate::cli::{GlobalArgs, ValidateArgs};
use crate::exit::ExitStatus;
use crate::failure::Failure;
use crate::input::{parent_dir, read_text};

/// What a file to validate holds.
enum Input {
    /// A request body.
    Request(serde_json::Value),
    /// A chain plan (an object with `segments`).
    Plan(serde_json::Value),
    /// A jobs file (JSON Lines).
    Jobs(String),
}

/// Tells a request, a plan and a jobs file apart: `.jsonl` files and text
/// of several JSON lines are jobs; an object with `segments` is a plan.
fn classify(path: &std::path::Path, text: String) -> Result<Input, String> {
    let jsonl = path.extension().is_some_and(|e| e == "jsonl");
    if !jsonl {
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) if v.get("segments").is_some() => return Ok(Input::Plan(v)),
            Ok(v) => return Ok(Input::Request(v)),
            Err(e) => {
                let lines: Vec<&str> = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .collect();
                let all_json = lines.len() > 1
                    && lines
                        .iter()
                        .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok());
                if !all_json {
                    return Err(format!("{} is not valid JSON: {e}", path.display()));
                }
            }
        }
    }
    Ok(Input::Jobs(text))
}

/// The errors of the provider's own rules (`--provider`), beyond apimart's
/// (which every request passes first): none on apimart.
fn provider_errors(global: &GlobalArgs, request: &GenerationRequest) -> Vec<Violation> {
    let provider = global.provider().unwrap_or_default();
    if provider == seedance_core::provider::ProviderKind::Apimart {
        return Vec::new();
    }
    provider.validate(request).errors
}

pub(crate) fn run(
    global: &GlobalArgs,
    args: &ValidateArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> ExitStatus {
    let (report, value) = match check_input(global, args, stdin, stderr) {
        Ok(r) => r,
        Err(status) => return status,
    };
    let status = if report.is_valid() {
        ExitStatus::Ok
    } else {
        ExitStatus::Failed
    };
    let written = if global.json {
        write_json(&report, stdout)
    } else if let (true, true, Some(value)) = (args.print, report.is_valid(), &value) {
        write_wire(value, &report, stdout, stderr)
    } else {
        write_human(&report, stdout, stderr)
    };
    if let Err(e) = written {
        let _ = writeln!(stderr, "error: cannot write output: {e}");
        return ExitStatus::Failed;
    }
    status
}

/// The built-in verdict on the input, and the request body when the input
/// is one (not a plan or a jobs file).
fn check_input(
    global: &GlobalArgs,
    args: &ValidateArgs,
    stdin: &mut dyn Read,
    stderr: &mut dyn Write,
) -> Result<(ValidationReport, Option<serde_json::Value>), ExitStatus> {
    let input = read_text(&args.file, stdin)
        .map_err(|e| e.to_string())
        .and_then(|(_, text)| classify(&args.file, text));
    let input = match input {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(stderr, "error: {e}");
            return Err(ExitStatus::Usage);
        }
    };
    let base = if args.file.as_os_str() == "-" {
        std::path::PathBuf::from(".")
    } else {
        parent_dir(&args.file)
    };
    let (report, value) = match input {
        Input::Request(mut v) => {
            let mut report = match seedance_workflows::localize_media(
                &mut v,
                &base,
                crate::media::local_av(global),
            ) {
                Ok(local) => {
                    let mut r = validate_json(&v);
                    if let (true, Ok((request, _))) =
                        (r.is_valid(), GenerationRequest::from_json(&v))
                    {
                        let mut facts = seedance_workflows::media_facts(&local);
                        if args.probe {
                            let (probed, notes) = probe_urls(&request);
                            facts.extend(probed);
                            for n in notes {
                                let _ = writeln!(stderr, "note: {n}");
                            }
                        }
                        let media = seedance_core::validate_media(&request, &facts);
                        r.errors.extend(media.errors);
                        r.warnings.extend(media.warnings);
                        r.errors.extend(provider_errors(global, &request));
                    }
                    r
                }
                Err(errors) => {
                    let mut r = validate_json(&v);
                    r.errors.extend(errors);
                    r
                }
            };
            report.errors.dedup();
            (report, Some(v))
        }
        Input::Plan(mut v) => {
            let report = match seedance_workflows::localize_media(
                &mut v,
                &base,
                crate::media::local_av(global),
            ) {
                Err(errors) => ValidationReport {
                    errors,
                    warnings: Vec::new(),
                },
                Ok(_) => match seedance_workflows::Plan::from_json(&v) {
                    Ok((plan, warnings)) => ValidationReport {
                        errors: (0..plan.len())
                            .filter_map(|k| {
                                let frame = seedance_core::MediaUrl::parse(
                                    "https://example.com/previous-last-frame.png",
                                )
                                .ok();
                                plan.segment_request(k, if k == 0 { None } else { frame.as_ref() })
                                    .ok()
                                    .map(|r| (k, r))
                            })
                            .flat_map(|(k, r)| {
                                provider_errors(global, &r).into_iter().map(move |mut v| {
                                    v.path = format!("segments[{k}]: {}", v.path);
                                    v
                                })
                            })
                            .collect(),
                        warnings,
                    },
                    Err(e) => ValidationReport {
                        errors: e.errors,
                        warnings: e.warnings,
                    },
                },
            };
            (report, None)
        }
        Input::Jobs(text) => {
            let report = match seedance_workflows::parse_jobs_with_local_media(
                &text,
                Some(&base),
                crate::media::local_av(global),
            ) {
                Ok((jobs, _)) => ValidationReport {
                    errors: jobs
                        .iter()
                        .enumerate()
                        .flat_map(|(k, r)| {
                            provider_errors(global, r).into_iter().map(move |mut v| {
                                v.path = format!("line {}: {}", k + 1, v.path);
                                v
                            })
                        })
                        .collect(),
                    warnings: Vec::new(),
                },
                Err(e) => ValidationReport {
                    errors: e.errors,
                    warnings: e.warnings,
                },
            };
            (report, None)
        }
    };
    Ok((report, value))
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

/// Probes the request's media URLs on a runtime of its own (validate is
/// otherwise synchronous), through a transport that carries no key.
fn probe_urls(request: &GenerationRequest) -> (seedance_core::MediaFacts, Vec<String>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return (Default::default(), vec![format!("cannot probe: {e}")]),
    };
    let transport = match seedance_transport::ReqwestTransport::builder().build() {
        Ok(t) => t,
        Err(e) => return (Default::default(), vec![format!("cannot probe: {e}")]),
    };
    runtime.block_on(crate::probe::probe(&transport, request))
}

/// Where the built-in rules and the service's schema disagree about a field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
struct Disagreement {
    /// The top-level field (`duration`, `image_with_roles`).
    field: String,
    /// Whether the built-in rules refuse it (else the schema does).
    builtin_refuses: bool,
    /// What the side that refuses says.
    refusal: String,
    /// What the built-in rules warn about it, when the schema refuses.
    builtin_warning: Option<String>,
}

/// The top-level field of a path (`image_with_roles[0].url` ->
/// `image_with_roles`).
fn field_of(path: &str) -> &str {
    path.split(['.', '[']).next().unwrap_or(path)
}

/// Where the built-in `report` and the schema's `violations` disagree,
/// field by field.
fn disagreements(
    report: &ValidationReport,
    violations: &[seedance_core::json_schema::SchemaViolation],
) -> Vec<Disagreement> {
    let mut out: Vec<Disagreement> = Vec::new();
    let builtin_refuses = |f: &str| report.errors.iter().any(|e| field_of(&e.path) == f);
    let schema_refuses = |f: &str| violations.iter().any(|v| field_of(&v.path) == f);
    for v in violations {
        let f = field_of(&v.path);
        if builtin_refuses(f) || out.iter().any(|d| d.field == f) {
            continue;
        }
        out.push(Disagreement {
            field: f.to_owned(),
            builtin_refuses: false,
            refusal: format!("{}: {}", v.path, v.message),
            builtin_warning: report
                .warnings
                .iter()
                .find(|w| field_of(&w.path) == f)
                .map(|w| w.message.clone()),
        });
    }
    for e in &report.errors {
        let f = field_of(&e.path);
        if schema_refuses(f) || out.iter().any(|d| d.field == f) {
            continue;
        }
        out.push(Disagreement {
            field: f.to_owned(),
            builtin_refuses: true,
            refusal: line(e),
            builtin_warning: None,
        });
    }
    out
}

/// `seedance validate --live`: the built-in verdict, the service's schema
/// verdict (`GET /v1/model-schema`) and where they disagree. The built-in
/// verdict stands alone when the schema cannot be fetched.
pub(crate) fn run_live(
    global: &GlobalArgs,
    args: &ValidateArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> ExitStatus {
    let (report, value) = match check_input(global, args, stdin, stderr) {
        Ok(r) => r,
        Err(status) => return status,
    };
    let model = value
        .as_ref()
        .and_then(|v| v.get("model"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    let fetched: Result<serde_json::Value, String> = match (&value, &model) {
        (None, _) => Err(
            "--live checks request bodies; a plan or jobs file gets the built-in check only"
                .to_owned(),
        ),
        (Some(_), None) => Err("the request names no model".to_owned()),
        (Some(_), Some(model)) => match fetch_schema(global, model) {
            Ok(s) => Ok(s),
            Err(f) if f.status == ExitStatus::Usage => {
                let _ = writeln!(stderr, "error: {}", f.message);
                return ExitStatus::Usage;
            }
            Err(f) => Err(f.message),
        },
    };
    let violations = match (&fetched, &value) {
        (Ok(schema), Some(v)) => seedance_core::json_schema::check(schema, v),
        _ => Vec::new(),
    };
    let disagree = if fetched.is_ok() {
        disagreements(&report, &violations)
    } else {
        Vec::new()
    };
    let valid = report.is_valid() && violations.is_empty();
    let written = if global.json {
        let live = match &fetched {
            Ok(_) => {
                json!({"model": model, "schema": "checked", "schema_violations": violations, "disagreements": disagree})
            }
            Err(e) => json!({"model": model, "schema": "unavailable", "schema_error": e}),
        };
        writeln!(
            stdout,
            "{}",
            json!({"valid": valid, "errors": report.errors, "warnings": report.warnings, "live": live})
        )
    } else {
        write_live_human(&report, &fetched, &violations, &disagree, stdout, stderr)
    };
    if let Err(e) = written {
        let _ = writeln!(stderr, "error: cannot write output: {e}");
        return ExitStatus::Failed;
    }
    if valid {
        ExitStatus::Ok
    } else {
        ExitStatus::Failed
    }
}

fn write_live_human(
    report: &ValidationReport,
    fetched: &Result<serde_json::Value, String>,
    violations: &[seedance_core::json_schema::SchemaViolation],
    disagree: &[Disagreement],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<()> {
    write_human(report, out, err)?;
    match fetched {
        Err(e) => writeln!(
            err,
            "live: the service's schema could not be checked ({}); the built-in verdict stands",
            crate::output::printable(e)
        ),
        Ok(_) => {
            for v in violations {
                let at = if v.path.is_empty() { "(body)" } else { &v.path };
                writeln!(
                    out,
                    "schema: {at}: {}",
                    crate::output::printable(&v.message)
                )?;
            }
            for d in disagree {
                let text = if d.builtin_refuses {
                    format!(
                        "the built-in rules refuse it ({}) but the service's schema accepts it",
                        d.refusal
                    )
                } else {
                    format!(
                        "the service's schema refuses it ({}) but the built-in rules accept it{}",
                        d.refusal,
                        d.builtin_warning
                            .as_ref()
                            .map(|w| format!(" (warning: {w})"))
                            .unwrap_or_default()
                    )
                };
                writeln!(
                    out,
                    "disagree: {}: {}",
                    d.field,
                    crate::output::printable(&text)
                )?;
            }
            match violations.len() {
                0 => writeln!(err, "live: the service's schema accepts it"),
                n => writeln!(
                    err,
                    "live: the service's schema refuses it ({n} violation{})",
                    if n == 1 { "" } else { "s" }
                ),
            }
        }
    }
}

/// The service's schema of `model`, on a runtime of its own (validate is
/// otherwise synchronous). A `Usage` failure means the client could not be
/// set up (no key); any other, that the schema could not be had.
fn fetch_schema(global: &GlobalArgs, model: &str) -> Result<serde_json::Value, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let ctx = crate::context::build(
            global,
            seedance_transport::ClientConfig::default(),
            true,
            global.mock_state.as_deref(),
        )?;
        ctx.client
            .model_schema(model)
            .await
            .map_err(|e| Failure::failed(format!("GET /v1/model-schema: {e}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use seedance_core::json_schema::SchemaViolation;

    #[test]
    fn each_side_that_refuses_alone_is_a_disagreement() {
        let report = validate_json(&json!({"model": "doubao-seedance-2.0", "prompt": "p",
            "duration": -1, "aspect_ratio": "16:9"}));
        let schema_says = vec![SchemaViolation {
            path: "duration".into(),
            keyword: "minimum".into(),
            message: "is -1; the schema's minimum is 4".into(),
        }];
        let d = disagreements(&report, &schema_says);
        assert!(
            d.iter().any(|d| d.field == "duration"
                && !d.builtin_refuses
                && d.builtin_warning.is_some()),
            "{d:?}"
        );
        assert!(
            d.iter()
                .any(|d| d.field == "aspect_ratio" && d.builtin_refuses),
            "{d:?}"
        );
    }
}
