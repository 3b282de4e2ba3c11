//! One module per subcommand, and how each meets Ctrl-C.

pub(crate) mod asset;
pub(crate) mod balance;
pub(crate) mod batch;
pub(crate) mod cancel;
pub(crate) mod chain;
pub(crate) mod download;
pub(crate) mod generate;
pub(crate) mod list;
pub(crate) mod mock_server;
pub(crate) mod models;
pub(crate) mod publish;
pub(crate) mod schema;
pub(crate) mod status;
pub(crate) mod submit;
pub(crate) mod takes;
pub(crate) mod upload;
pub(crate) mod validate;
pub(crate) mod wait;
pub(crate) mod webhook_listen;
pub(crate) mod workflow;

use crate::exit::ExitStatus;
use crate::failure::Failure;
use crate::interrupt::Interrupt;

/// The failure of a command stopped by Ctrl-C; `hint` says how to resume.
pub(crate) fn interrupted(hint: Option<String>) -> Failure {
    Failure {
        status: ExitStatus::Interrupted,
        message: "interrupted".to_owned(),
        hint,
        details: None,
    }
}

/// Runs `work`, or stops with an "interrupted" failure at the first Ctrl-C.
/// For work that is safe to drop at any point (nothing paid is in flight).
pub(crate) async fn until_interrupted<T>(
    interrupt: &Interrupt,
    work: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    interruptible(interrupt, work, || None).await
}

/// Runs `work`, or stops at the first Ctrl-C with `resume()` as the hint.
/// The task keeps running on the server.
pub(crate) async fn interruptible<T>(
    interrupt: &Interrupt,
    work: impl std::future::Future<Output = Result<T, Failure>>,
    resume: impl FnOnce() -> Option<String>,
) -> Result<T, Failure> {
    tokio::select! {
        r = work => r,
        () = interrupt.wait() => Err(interrupted(resume())),
    }
}

/// Runs a chain or batch `work` whose options carry `stop`: the first Ctrl-C
/// raises `stop` (no new submit starts, submits on the wire finish and are
/// recorded, waits and downloads end) and says so on `lines`.
pub(crate) async fn with_stop<T>(
    interrupt: &Interrupt,
    stop: &seedance_workflows::StopSignal,
    lines: &crate::progress::LineSender,
    work: impl std::future::Future<Output = T>,
) -> T {
    let watcher = async {
        interrupt.wait().await;
        stop.request();
        let _ = lines.send(
            "stopping: submits already sent finish and are recorded; nothing new starts (Ctrl-C again to quit now)"
                .to_owned(),
        );
        std::future::pending::<()>().await;
    };
    tokio::select! {
        r = work => r,
        () = watcher => unreachable!("the watcher never finishes"),
    }
}

/// The command line this run was given, to show how to rerun it.
pub(crate) fn this_command_line(global: &crate::cli::GlobalArgs) -> &str {
    &global.command_line
}
