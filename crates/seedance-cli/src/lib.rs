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
//! assert_eq!(String::from_utf8(out).unwrap(), "valid\n");
//! ```

use std::ffi::OsString;
use std::io::{Read, Write};

use clap::Parser;

mod cli;
mod commands;
mod exit;
mod input;

pub use cli::{Cli, Command};
pub use exit::ExitStatus;

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
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
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
    let status = match cli.command {
        Command::Validate(args) => commands::validate::run(&args, stdin, stdout, stderr),
    };
    status as i32
}
