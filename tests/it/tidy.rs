//! The invariants docs/ARCHITECTURE.md writes down, made executable in the
//! manner of rust-analyzer's tidy tests: they read the source as text, so a
//! change that breaks one fails here, naming the file and line.

use std::path::{Path, PathBuf};

/// The library crates: everything but the CLI (which alone knows flags),
/// the benches and the tests.
const LIBRARIES: &[&str] = &[
    "seedance-core",
    "seedance-transport",
    "seedance-sim",
    "seedance-workflows",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each non-test, non-comment line of `crate_name`'s sources, with where it is.
fn code_lines(crate_name: &str) -> Vec<(String, usize, String)> {
    let root = seedance_tests::workspace_root()
        .join("crates")
        .join(crate_name)
        .join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests sit at the end of a file, after `#[cfg(test)]`.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let name = file
            .strip_prefix(seedance_tests::workspace_root())
            .unwrap_or(&file)
            .display()
            .to_string();
        for (i, line) in code.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("//") {
                continue;
            }
            out.push((name.clone(), i + 1, line.to_owned()));
        }
    }
    out
}

fn report(found: &[(String, usize, String)], rule: &str) {
    assert!(
        found.is_empty(),
        "{rule}:\n{}",
        found
            .iter()
            .map(|(f, n, l)| format!("  {f}:{n}: {}", l.trim()))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn only_the_cli_names_command_line_flags() {
    let flag = |line: &str| {
        // A `--flag` inside a string literal.
        line.split('"').skip(1).step_by(2).any(|lit| {
            lit.match_indices("--").any(|(i, _)| {
                lit[i + 2..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase())
                    && (i == 0 || !lit[..i].ends_with(|c: char| c.is_alphanumeric()))
            })
        })
    };
    let found: Vec<_> = LIBRARIES
        .iter()
        .filter(|c| **c != "seedance-sim")
        .flat_map(|c| code_lines(c))
        .filter(|(_, _, l)| flag(l))
        .collect();
    report(
        &found,
        "library messages name CLI flags; only the CLI knows them",
    );
}

#[test]
fn library_code_never_decides_by_the_text_of_an_error() {
    let patterns = [
        ".to_string().contains(",
        "message.contains(",
        "detail.contains(",
        "reason.contains(",
    ];
    let found: Vec<_> = LIBRARIES
        .iter()
        .flat_map(|c| code_lines(c))
        .filter(|(_, _, l)| patterns.iter().any(|p| l.contains(p)))
        .collect();
    report(
        &found,
        "library code matches on error text; decide by the error's type, kind or code",
    );
}

#[test]
fn no_mutable_global_state() {
    let found: Vec<_> = LIBRARIES
        .iter()
        .chain(["seedance-cli"].iter())
        .flat_map(|c| code_lines(c))
        .filter(|(_, _, l)| {
            let t = l.trim_start();
            t.starts_with("static mut ")
                || t.starts_with("thread_local!")
                || (t.starts_with("static ")
                    && ["Mutex<", "RwLock<", "RefCell<", "Cell<"]
                        .iter()
                        .any(|ty| t.contains(ty)))
        })
        .collect();
    report(
        &found,
        "mutable statics (settings belong in a context or a config passed down)",
    );
}

#[test]
fn core_does_no_io() {
    let io = [
        "std::fs::",
        "std::net::",
        "tokio::",
        "reqwest::",
        "std::process::",
    ];
    let found: Vec<_> = code_lines("seedance-core")
        .into_iter()
        .filter(|(_, _, l)| io.iter().any(|p| l.contains(p)))
        .collect();
    report(&found, "seedance-core does I/O or uses a runtime");
}
