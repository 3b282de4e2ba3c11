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

use clap::Parser;
use seedance_transport::ClientConfig;

mod calibration;
mod cli;
mod commands;
mod consent;
mod context;
mod cost;
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
    let mut cli = match Cli::try_parse_from(&args) {
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
    // The arguments given to `run` (not the process's: an embedding
    // program, or a test, runs the CLI with its own).
    cli.global.command_line = args
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(f) = meaningless_global_options(&cli) {
        let _ = writeln!(stderr, "error: {}", f.message);
        return f.status as i32;
    }
    let provider = match context::provider(&cli.global) {
        Ok(p) => p,
        Err(f) => {
            let _ = writeln!(stderr, "error: {}", f.message);
            return f.status as i32;
        }
    };
    if let Some(cost) = cli.command.cost_mut() {
        cost.provider = provider;
    }
    let outcome = match &cli.command {
        Command::Validate(args) if args.live => {
            return commands::validate::run_live(&cli.global, args, stdin, stdout, stderr) as i32;
        }
        Command::Validate(args) => {
            return commands::validate::run(&cli.global, args, stdin, stdout, stderr) as i32;
        }
        Command::Completions(args) => {
            // Into a buffer first: clap_complete panics on a closed pipe (`| head`).
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut command, "seedance", &mut script);
            let _ = stdout.write_all(&script);
            return ExitStatus::Ok as i32;
        }
        Command::Schema(args) => commands::schema::run(args, stdout),
        Command::Takes(args) => commands::takes::list(&cli.global, args, stdout),
        // A run's output directory: read from its manifest, nothing sent.
        Command::Status(args) if commands::status::is_dir_argument(&args.task_id) => {
            commands::status::run_dir(&cli.global, args, stdout)
        }
        Command::Select(args) => commands::takes::select(&cli.global, args, stdout, stderr),
        _ => run_async(&cli, stdin, stdout, stderr),
    };
    match outcome {
        Ok(()) => ExitStatus::Ok as i32,
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

/// Saves what the run learned about estimates when the command ends, however it ends.
struct SaveCalibration<'a> {
    ctx: &'a context::Context,
    path: Option<std::path::PathBuf>,
}

impl Drop for SaveCalibration<'_> {
    fn drop(&mut self) {
        calibration::save(self.path.as_ref(), &self.ctx.client.calibration());
    }
}

/// Where `--mock` keeps the simulator's state under an output directory.
pub(crate) const MOCK_STATE_DIR: &str = ".seedance-mock";

/// The API options (`--mock`, `--base-url`, `--api-key-file`) are global so
/// `seedance --mock chain ...` reads naturally, but they mean nothing to
/// commands that send nothing: say so rather than ignore them.
fn meaningless_global_options(cli: &Cli) -> Option<Failure> {
    let command = match &cli.command {
        Command::Validate(a) if !a.live => "validate",
        Command::Schema(_) => "schema",
        Command::Completions(_) => "completions",
        Command::Takes(_) => "takes",
        Command::Select(_) => "select",
        Command::MockServer(_) => "mock-server",
        Command::WebhookListen(_) => "webhook-listen",
        _ => return None,
    };
    let g = &cli.global;
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

/// Sends tracing output to stderr for `-v` (info) and `-vv` (debug).
fn logging(verbose: u8) -> Option<tracing::subscriber::DefaultGuard> {
    let level = match verbose {
        0 => return None,
        1 => tracing::Level::INFO,
        _ => tracing::Level::DEBUG,
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .finish();
    Some(tracing::subscriber::set_default(subscriber))
}

fn run_async(
    cli: &Cli,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let _logging = logging(cli.global.verbose);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // The blocking work is short (a megabyte written or hashed, a
        // journal line): with 128 downloads in flight it queues for a few
        // threads rather than starting hundreds, each with its own stack
        // and allocator arena (measured: about 10 MiB less at 100,000 jobs).
        .max_blocking_threads(32)
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))?;
    let outcome = runtime.block_on(async {
        let interrupt = interrupt::Interrupt::install();
        let global = &cli.global;
        if let Command::MockServer(args) = &cli.command {
            context::refuse_key_argument(global)?;
            return commands::mock_server::run(global, args, out, &interrupt).await;
        }
        if let Command::WebhookListen(args) = &cli.command {
            return commands::webhook_listen::run(global, args, out, err, &interrupt).await;
        }
        if let Command::Mcp(args) = &cli.command {
            return mcp::run(global, args, &interrupt).await;
        }
        let mut config = ClientConfig {
            download_digest: global.digest.into(),
            ..ClientConfig::default()
        };
        match &cli.command {
            Command::Wait(a) => config.wait_timeout = a.timeout,
            Command::Generate(a) => config.wait_timeout = a.timeout,
            Command::Chain(a) => config.wait_timeout = a.resume.timeout,
            Command::Batch(a) => config.wait_timeout = a.resume.timeout,
            Command::Asset(cli::AssetCommand::Create(a)) => config.wait_timeout = a.timeout,
            _ => {}
        }
        // --mock keeps its state next to the run it serves, so a rerun
        // finds the tasks the first run paid for.
        let mock_state = global.mock_state.clone().or_else(|| match &cli.command {
            Command::Chain(a) => Some(a.resume.out.join(MOCK_STATE_DIR)),
            Command::Batch(a) => Some(a.resume.out.join(MOCK_STATE_DIR)),
            Command::Generate(a) => Some(a.out.join(MOCK_STATE_DIR)),
            _ => None,
        });
        let mut ctx = context::build(
            global,
            config,
            !matches!(cli.command, Command::Download(_) | Command::Publish(_)),
            mock_state.as_deref(),
        )?;
        // The simulator's estimates are its own: never mixed into the cache.
        let cache = calibration::path(global.no_calibration || ctx.mock);
        ctx.client = ctx
            .client
            .with_calibration(calibration::load(cache.as_ref()));
        if let Some(port) = global.webhook_port {
            let inbox = std::sync::Arc::new(seedance_transport::webhook::WebhookInbox::default());
            let addr = webhook_listener::start(
                "127.0.0.1",
                port,
                inbox.clone(),
                std::sync::Arc::new(|_, _| {}),
            )
            .await
            .map_err(|e| {
                Failure::failed(format!(
                    "--webhook-port: cannot listen on 127.0.0.1:{port}: {e}"
                ))
            })?;
            ctx.client.attach_webhook_inbox(inbox);
            let _ = writeln!(
                err,
                "listening for webhook pushes on http://{addr}/callback"
            );
        }
        let ctx = &ctx;
        let _save = SaveCalibration { ctx, path: cache };
        let interrupt = &interrupt;
        let cost = match &cli.command {
            Command::Submit(a) => Some(&a.cost),
            Command::Generate(a) => Some(&a.cost),
            Command::Chain(a) => Some(&a.cost),
            Command::Batch(a) => Some(&a.cost),
            _ => None,
        };
        if let Some(cost) = cost {
            cost.resolve(ctx, err).await;
        }
        match &cli.command {
            Command::Submit(a) => {
                commands::submit::run(ctx, global, a, stdin, out, err, interrupt).await
            }
            Command::Upload(a) => {
                commands::until_interrupted(interrupt, commands::upload::run(ctx, global, a, out))
                    .await
            }
            Command::Status(a) => {
                commands::until_interrupted(interrupt, commands::status::run(ctx, global, a, out))
                    .await
            }
            Command::Wait(a) => commands::wait::run(ctx, global, a, out, err, interrupt).await,
            Command::Download(a) => {
                commands::until_interrupted(interrupt, commands::download::run(ctx, global, a, out))
                    .await
            }
            Command::Generate(a) => {
                commands::generate::run(ctx, global, a, stdin, out, err, interrupt).await
            }
            Command::Chain(a) => {
                commands::chain::run(ctx, global, a, stdin, out, err, interrupt).await
            }
            Command::Batch(a) => {
                commands::batch::run(ctx, global, a, stdin, out, err, interrupt).await
            }
            Command::Publish(a) => {
                commands::until_interrupted(interrupt, commands::publish::run(ctx, global, a, out))
                    .await
            }
            Command::Balance(_) => {
                commands::until_interrupted(interrupt, commands::balance::run(ctx, global, out))
                    .await
            }
            Command::Models(_) => {
                commands::until_interrupted(interrupt, commands::models::run(ctx, global, out))
                    .await
            }
            Command::Asset(cli::AssetCommand::Create(a)) => {
                commands::until_interrupted(
                    interrupt,
                    commands::asset::create(ctx, global, a, out, err),
                )
                .await
            }
            Command::List(a) => {
                commands::until_interrupted(interrupt, commands::list::run(ctx, global, a, out))
                    .await
            }
            Command::Cancel(a) => {
                commands::until_interrupted(interrupt, commands::cancel::run(ctx, global, a, out))
                    .await
            }
            Command::Validate(_)
            | Command::Takes(_)
            | Command::Select(_)
            | Command::MockServer(_)
            | Command::WebhookListen(_)
            | Command::Mcp(_)
            | Command::Completions(_)
            | Command::Schema(_) => Ok(()),
        }
    });
    // Do not let a blocking thread (a file being fsynced, stdin being read)
    // hold the exit back: everything that matters was awaited above.
    runtime.shutdown_timeout(std::time::Duration::from_millis(300));
    let provider = context::provider(&cli.global).unwrap_or_default();
    outcome.map_err(|f| f.for_provider(provider))
}
