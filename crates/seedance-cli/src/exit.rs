//! Exit codes, the same for every command.

/// What the process exit code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
#[non_exhaustive]
pub enum ExitStatus {
    /// Success (warnings may have been printed).
    Ok = 0,
    /// The request or operation was refused or failed (invalid request, failed task...).
    Failed = 1,
    /// Bad usage or unreadable input (missing file, not JSON).
    Usage = 2,
    /// Interrupted by Ctrl-C (the task, if any, keeps running on the server).
    Interrupted = 130,
    /// The reader of standard output went away (`seedance ... | head`): the
    /// status a shell reports for a program ended by SIGPIPE; nothing printed.
    OutputClosed = 141,
}
