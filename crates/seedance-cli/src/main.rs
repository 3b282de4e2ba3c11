//! The `seedance` binary: see [`seedance_cli::run`].

fn main() {
    // Unlocked handles: each write takes the lock for that write only. Holding
    // `stderr().lock()` for the whole run deadlocked the progress bar's
    // drawing thread against the main thread on a terminal.
    let code = seedance_cli::run(
        std::env::args_os(),
        &mut std::io::stdin(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    std::process::exit(code);
}
