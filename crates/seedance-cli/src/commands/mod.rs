//! One module per subcommand.

pub(crate) mod batch;
pub(crate) mod chain;
pub(crate) mod download;
pub(crate) mod generate;
pub(crate) mod mock_server;
pub(crate) mod status;
pub(crate) mod submit;
pub(crate) mod validate;
pub(crate) mod wait;

use crate::failure::Failure;

/// Runs `work`, or stops with an "interrupted" failure on Ctrl-C. The task
/// keeps running on the server; `resume` says how to pick it up again.
pub(crate) async fn interruptible<T>(
    work: impl std::future::Future<Output = Result<T, Failure>>,
    resume: impl FnOnce() -> String,
) -> Result<T, Failure> {
    tokio::select! {
        r = work => r,
        _ = tokio::signal::ctrl_c() => Err(Failure {
            status: crate::exit::ExitStatus::Interrupted,
            message: "interrupted".to_owned(),
            hint: Some(resume()),
        }),
    }
}
