//! The `seedance` binary: see [`seedance_cli::run`].

fn main() {
    let code = seedance_cli::run(
        std::env::args_os(),
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
