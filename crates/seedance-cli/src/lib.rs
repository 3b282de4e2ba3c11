//! # seedance-cli
//!
//! The `seedance` command-line tool. The binary is a thin `main` over
//! [`run`], which takes the arguments and the three standard streams, so the
//! whole CLI can be driven (and snapshot-tested) in process.
//!
//! ```
//! let mut stdin: &[u8] = br#"{"model":"doubao-seedance-2.0","prompt":"A kitten yawns"}"#;
//! let (mut out, mut err) = (Vec::new(), Vec::new());
//! let code = seedance_cli::run(["seedance", "validate", "-"], &mut stdin, &mut out, &mut err);
//! assert_eq!(code, 0);
//! assert!(out.is_empty()); // stdout lists violations only
//! assert_eq!(String::from_utf8(err).unwrap(), "valid\n");
//! ```

use std::ffi::OsString;
use std::io::{Read, Write};

mod calibration;
mod cli;
mod commands;
mod consent;
mod context;
mod cost;
mod dispatch;
mod duration;
mod exit;
mod failure;
mod input;
mod interrupt;
mod live_prices;
mod mcp;
mod media;
mod output;
mod probe;
mod progress;
mod queued;
mod recorded_run;
mod request_args;
mod webhook_listener;

pub use cli::{Cli, Command};
pub use exit::ExitStatus;

use failure::Failure;

/// Runs the CLI with `args` (the first is the program name) over the given
/// streams and returns the process exit code.
pub fn run<I, T>(
    args: I,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let (mut cli, name) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(e) => {
            let code = if e.use_stderr() {
                ExitStatus::Usage
            } else {
                ExitStatus::Ok
            };
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                stderr.write_all(text.as_bytes())
            } else {
                stdout.write_all(text.as_bytes())
            };
            return code as i32;
        }
    };
    // The arguments given to `run` (not the process's: an embedding
    // program, or a test, runs the CLI with its own).
    cli.global.command_line = args
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let refused = if cli.command.facts().takes_api_options {
        None
    } else {
        meaningless_api_options(&cli.global, &name)
    };
    if let Some(f) = refused.or_else(|| cli.global.provider().err()) {
        let _ = writeln!(stderr, "error: {}", f.message);
        return f.status as i32;
    }
    match dispatch::dispatch(&cli, stdin, stdout, stderr) {
        Ok(status) => status as i32,
        Err(f) if f.status == ExitStatus::OutputClosed => f.status as i32,
        Err(f) => {
            if cli.global.json {
                let mut body = serde_json::json!({"error": f.message, "hint": f.hint, "exit_code": f.status as i32});
                if let (Some(serde_json::Value::Object(details)), Some(obj)) =
                    (&f.details, body.as_object_mut())
                {
                    for (k, v) in details {
                        obj.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                let _ = output::write_json(stdout, &body);
            }
            let _ = writeln!(stderr, "error: {}", output::printable_lines(&f.message));
            if let Some(hint) = &f.hint {
                let _ = writeln!(stderr, "hint: {}", output::printable(hint));
            }
            f.status as i32
        }
    }
}

/// Parses `args` as `Parser::try_parse_from` does, keeping the name the
/// subcommand was given by (for messages, in clap's own spelling).
fn parse(args: &[OsString]) -> Result<(Cli, String), clap::Error> {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut matches = command.try_get_matches_from_mut(args)?;
    let name = matches.subcommand_name().unwrap_or_default().to_owned();
    let cli = <Cli as clap::FromArgMatches>::from_arg_matches_mut(&mut matches)
        .map_err(|e| e.format(&mut command))?;
    Ok((cli, name))
}

/// The API options (`--mock`, `--base-url`, `--api-key-file`) are global so
/// `seedance --mock chain ...` reads naturally, but they mean nothing to
/// commands that send nothing (see [`cli::Facts::takes_api_options`]): say
/// so rather than ignore them.
fn meaningless_api_options(g: &cli::GlobalArgs, command: &str) -> Option<Failure> {
    let given = [
        (g.mock, "--mock"),
        (g.base_url.is_some(), "--base-url"),
        (g.api_key_file.is_some(), "--api-key-file"),
    ];
    let (_, flag) = given.iter().find(|(on, _)| *on)?;
    Some(Failure::usage(format!(
        "{flag} means nothing to `seedance {command}`: it sends no request"
    )))
}
