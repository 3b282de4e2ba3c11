//! `seedance validate`: the service's verdict, locally.

use std::io::{Read, Write};

use seedance_core::{GenerationRequest, ValidationReport, Violation, validate_json};
use serde_json::json;

use crate::cli::{GlobalArgs, ValidateArgs};
use crate::exit::ExitStatus;
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
    let provider = crate::context::provider(global).unwrap_or_default();
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
    let input = read_text(&args.file, stdin)
        .map_err(|e| e.to_string())
        .and_then(|(_, text)| classify(&args.file, text));
    let input = match input {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(stderr, "error: {e}");
            return ExitStatus::Usage;
        }
    };
    let base = if args.file.as_os_str() == "-" {
        std::path::PathBuf::from(".")
    } else {
        parent_dir(&args.file)
    };
    let (report, value) = match input {
        Input::Request(mut v) => {
            let mut report =
                match seedance_workflows::localize_media(&mut v, &base, crate::media::local_av()) {
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
            let report =
                match seedance_workflows::localize_media(&mut v, &base, crate::media::local_av()) {
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
                                    plan.segment_request(
                                        k,
                                        if k == 0 { None } else { frame.as_ref() },
                                    )
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
                crate::media::local_av(),
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
