//! The command-line grammar.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Seedance 2.0 video generation on the apimart gateway.
#[derive(Debug, Parser)]
#[command(name = "seedance", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a request body against every rule of the API, without sending it.
    ///
    /// Exit 0 when valid (warnings are printed), 1 when invalid, 2 when the
    /// input cannot be read or is not JSON.
    Validate(ValidateArgs),
}

/// Arguments of `seedance validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The request body: a JSON file, or `-` for standard input.
    pub file: PathBuf,
    /// Print one JSON object: {"valid", "errors", "warnings"}.
    #[arg(long)]
    pub json: bool,
    /// When valid, print the exact wire JSON that would be sent (a dry run).
    #[arg(long)]
    pub print: bool,
}
