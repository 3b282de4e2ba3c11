//! Running a parsed command: the one match that names each command's entry
//! point and how it runs (in the calling thread, serving on the async
//! runtime, or on the runtime with the client). What a command needs before
//! it runs (its key, its waits, its run directory, its cost options) is
//! stated once, in [`Command::facts`].

use std::io::{Read, Write};

use crate::calibration;
use crate::cli::{AssetCommand, Cli, Command, CompletionsArgs};
use crate::commands::{self, until_interrupted};
use crate::context::{self, Context};
use crate::exit::ExitStatus;
use crate::failure::Failure;
use crate::interrupt::Interrupt;
use crate::mcp;
use crate::webhook_listener;

/// The streams a command reads and writes.
struct Io<'a> {
    stdin: &'a mut dyn Read,
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
}

/// Runs `cli`'s command over the given streams.
pub(crate) fn dispatch(
    cli: &Cli,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, Failure> {
    use commands::{
        asset, balance, batch, cancel, chain, download, generate, list, mock_server, models,
        publish, schema, status, submit, takes, upload, validate, wait, webhook_listen,
    };
    let global = &cli.global;
    let io = Io { stdin, out, err };
    let done = |r: Result<(), Failure>| r.map(|()| ExitStatus::Ok);
    match &cli.command {
        // Offline: local files only, no runtime (validate --live builds its own).
        Command::Validate(a) if a.live => {
            Ok(validate::run_live(global, a, io.stdin, io.out, io.err))
        }
        Command::Validate(a) => Ok(validate::run(global, a, io.stdin, io.out, io.err)),
        Command::Completions(a) => Ok(completions(a, io.out)),
        Command::Schema(a) => done(schema::run(a, io.out)),
        Command::Takes(a) => done(takes::list(global, a, io.out)),
        Command::Select(a) => done(takes::select(global, a, io.out, io.err)),
        // A run's output directory: read from its manifest, nothing sent.
        Command::Status(a) if status::is_dir_argument(&a.task_id) => {
            done(status::run_dir(global, a, io.out))
        }
        // Serving: on the runtime, without the shared client.
        Command::MockServer(a) => serving(cli, async |i| {
            context::refuse_key_argument(global)?;
            mock_server::run(global, a, io.out, i).await
        }),
        Command::WebhookListen(a) => serving(cli, async |i| {
            webhook_listen::run(global, a, io.out, io.err, i).await
        }),
        Command::Mcp(a) => serving(cli, async |i| mcp::run(global, a, i).await),
        // With the client of the global options.
        Command::Submit(a) => with_client(cli, io, async |ctx, io, i| {
            submit::run(ctx, global, a, io.stdin, io.out, io.err, i).await
        }),
        Command::Status(a) => with_client(cli, io, async |ctx, io, i| {
            until_interrupted(i, status::run(ctx, global, a, io.out)).await
        }),
        Command::Wait(a) => with_client(cli, io, async |ctx, io, i| {
            wait::run(ctx, global, a, io.out, io.err, i).await
        }),
        Command::Download(a) => with_client(cli, io, async |ctx, io, i| {
            until_interrupted(i, download::run(ctx, global, a, io.out)).await
        }),
        Command::Generate(a) => with_client(cli, io, async |ctx, io, i| {
            generate::run(ctx, global, a, io.stdin, io.out, io.err, i).await
        }),
        Command::Chain(a) => with_client(cli, io, async |ctx, io, i| {
            chain::run(ctx, global, a, io.stdin, io.out, io.err, i).await
        }),
        Command::Batch(a) => with_client(cli, io, async |ctx, io, i| {
            batch::run(ctx, global, a, io.stdin, io.out, io.err, i).await
        }),
        Command::Upload(a) => with_client(cli, io, async |ctx, io, i| {
            until_interrupted(i, upload::run(ctx, global, a, io.out)).await
        }),
        Command::Publish(a) => with_client(cli, io, async |ctx, io, i| {
            until_interrupted(i, publish::run(ctx, global, a, io.out)).await
        }),
        Command::Balance(_) => with_client(cli, io, async |ctx, io, i| {
            until_interrupted(i, balance::run(ctx, global, io.out)).await
        }),
        Command::Models(_) => with_client(cli, io, async |ctx, io, i| {
            until_interrupted(i, models::run(ctx, global, io.out)).await
        }),
        Command::List(a) => with_client(cli, io, async |ctx, io, i| {
            until_interrupted(i, list::run(ctx, global, a, io.out)).await
        }),
        Command::Cancel(a) => with_client(cli, io, async |ctx, io, i| {
            until_interrupted(i, cancel::run(ctx, global, a, io.out)).await
        }),
        Command::Asset(AssetCommand::Create(a)) => with_client(cli, io, async |ctx, io, i| {
            until_interrupted(i, asset::create(ctx, global, a, io.out, io.err)).await
        }),
    }
}

/// `seedance completions SHELL`.
fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> ExitStatus {
    // Into a buffer first: clap_complete panics on a closed pipe (`| head`).
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "seedance", &mut script);
    let _ = out.write_all(&script);
    ExitStatus::Ok
}

/// Runs `work` on the async runtime, stopping at Ctrl-C as `work` decides;
/// its failure's hint is put in the words of the provider.
fn serving(
    cli: &Cli,
    work: impl AsyncFnOnce(&Interrupt) -> Result<(), Failure>,
) -> Result<ExitStatus, Failure> {
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
        let interrupt = Interrupt::install();
        work(&interrupt).await
    });
    // Do not let a blocking thread (a file being fsynced, stdin being read)
    // hold the exit back: everything that matters was awaited above.
    runtime.shutdown_timeout(std::time::Duration::from_millis(300));
    let provider = cli.global.provider().unwrap_or_default();
    outcome
        .map(|()| ExitStatus::Ok)
        .map_err(|f| f.for_provider(provider))
}

/// Runs `work` on the async runtime with the context of `cli`'s command
/// (see [`context::for_command`]): the calibration cache loaded and saved
/// however the command ends, webhook pushes received with
/// `--webhook-port`, the cost options settled.
fn with_client(
    cli: &Cli,
    io: Io<'_>,
    work: impl AsyncFnOnce(&Context, &mut Io<'_>, &Interrupt) -> Result<(), Failure>,
) -> Result<ExitStatus, Failure> {
    let global = &cli.global;
    let facts = cli.command.facts();
    serving(cli, async move |interrupt| {
        let mut io = io;
        let mut ctx = context::for_command(global, &facts)?;
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
                io.err,
                "listening for webhook pushes on http://{addr}/callback"
            );
        }
        let ctx = &ctx;
        let _save = SaveCalibration { ctx, path: cache };
        if let Some(cost) = facts.cost {
            cost.resolve(ctx, io.err).await;
        }
        work(ctx, &mut io, interrupt).await
    })
}

/// Saves what the run learned about estimates when the command ends, however it ends.
struct SaveCalibration<'a> {
    ctx: &'a Context,
    path: Option<std::path::PathBuf>,
}

impl Drop for SaveCalibration<'_> {
    fn drop(&mut self) {
        calibration::save(self.path.as_ref(), &self.ctx.client.calibration());
    }
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
