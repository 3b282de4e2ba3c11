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

/// A crate's modules and who imports whom: each top-level module (a file,
/// or a folder with its files) is a node, `lib` the root. An arrow A -> B
/// is a `crate::B` path in A (a name the root re-exports counts as the
/// module that defines it), or, in the root, a `use B::`.
struct ModuleGraph {
    /// (from, to) -> the first line that made the arrow.
    arrows: std::collections::BTreeMap<(String, String), String>,
}

impl ModuleGraph {
    fn of(crate_name: &str) -> ModuleGraph {
        let src = seedance_tests::workspace_root()
            .join("crates")
            .join(crate_name)
            .join("src");
        // `file` as code_lines names it: relative to the workspace root.
        let prefix = Path::new("crates").join(crate_name).join("src");
        let module_of = |file: &str| -> String {
            let rel = Path::new(file)
                .strip_prefix(&prefix)
                .unwrap_or(Path::new(file));
            let first = rel.components().next().unwrap();
            let first = first.as_os_str().to_string_lossy();
            match first.strip_suffix(".rs") {
                Some("lib" | "main") => "lib".to_owned(),
                Some(stem) => stem.to_owned(),
                None => first.into_owned(),
            }
        };
        let lines = code_lines(crate_name);
        let modules: std::collections::BTreeSet<String> =
            lines.iter().map(|(f, _, _)| module_of(f)).collect();
        // Names the root re-exports: `pub use module::{A, B};` -> A, B.
        let mut reexported = std::collections::BTreeMap::new();
        let root_text = std::fs::read_to_string(src.join("lib.rs")).unwrap();
        for statement in root_text.split(';') {
            let s = statement.trim();
            let Some(rest) = s.strip_prefix("pub use ") else {
                continue;
            };
            let Some((module, names)) = rest.split_once("::") else {
                continue;
            };
            for name in names.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if !name.is_empty() {
                    reexported.insert(name.to_owned(), module.trim().to_owned());
                }
            }
        }
        let mut arrows = std::collections::BTreeMap::new();
        for (file, n, line) in &lines {
            let from = module_of(file);
            let mut targets = Vec::new();
            for (i, _) in line.match_indices("crate::") {
                if i > 0 && line[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                    continue; // `seedance_crate::`, not `crate::`
                }
                let rest = &line[i + "crate::".len()..];
                if let Some(group) = rest.strip_prefix('{') {
                    targets.extend(
                        group
                            .split(',')
                            .map(|p| p.trim().split("::").next().unwrap_or("").to_owned()),
                    );
                } else {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    targets.push(name);
                }
            }
            if from == "lib" {
                let t = line.trim_start();
                if let Some(rest) = t
                    .strip_prefix("pub use ")
                    .or_else(|| t.strip_prefix("use "))
                {
                    targets.push(rest.split("::").next().unwrap_or("").to_owned());
                }
            }
            for name in targets {
                let to = if modules.contains(&name) {
                    name
                } else if let Some(m) = reexported.get(&name) {
                    m.clone()
                } else if name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                    // An item the root defines itself.
                    "lib".to_owned()
                } else {
                    continue;
                };
                if to != from {
                    arrows
                        .entry((from.clone(), to))
                        .or_insert_with(|| format!("{file}:{n}: {}", line.trim()));
                }
            }
        }
        ModuleGraph { arrows }
    }

    /// Every circle of arrows, each as the modules on it with the line
    /// behind each arrow.
    fn circles(&self) -> Vec<Vec<String>> {
        let next = |m: &str| -> Vec<&String> {
            self.arrows
                .keys()
                .filter(|(from, _)| from == m)
                .map(|(_, to)| to)
                .collect()
        };
        let nodes: std::collections::BTreeSet<&String> =
            self.arrows.keys().flat_map(|(a, b)| [a, b]).collect();
        let mut found = Vec::new();
        let mut seen_cycles = std::collections::BTreeSet::new();
        for start in &nodes {
            // Shortest way back to `start`, breadth first.
            let mut parent: std::collections::BTreeMap<&String, &String> = Default::default();
            let mut queue = std::collections::VecDeque::from([*start]);
            let mut closed = None;
            while let Some(m) = queue.pop_front() {
                for to in next(m) {
                    if to == *start {
                        closed = Some(m);
                        break;
                    }
                    if !parent.contains_key(to) {
                        parent.insert(to, m);
                        queue.push_back(to);
                    }
                }
                if closed.is_some() {
                    break;
                }
            }
            let Some(mut m) = closed else { continue };
            let mut path = vec![m.clone()];
            while m != *start {
                m = parent[m];
                path.push(m.clone());
            }
            path.reverse();
            let mut key = path.clone();
            key.sort();
            if seen_cycles.insert(key) {
                let mut lines = Vec::new();
                for (i, from) in path.iter().enumerate() {
                    let to = &path[(i + 1) % path.len()];
                    lines.push(format!(
                        "{from} -> {to} ({})",
                        self.arrows[&(from.clone(), to.clone())]
                    ));
                }
                found.push(lines);
            }
        }
        found
    }
}

#[test]
fn no_crate_has_an_import_circle_between_its_modules() {
    let mut report_lines = Vec::new();
    for crate_name in LIBRARIES.iter().chain(["seedance-cli"].iter()) {
        let graph = ModuleGraph::of(crate_name);
        assert!(
            graph.arrows.len() > 5,
            "{crate_name}: the graph reader found almost no imports; it is broken"
        );
        for circle in graph.circles() {
            report_lines.push(format!("{crate_name}:\n    {}", circle.join("\n    ")));
        }
    }
    assert!(
        report_lines.is_empty(),
        "modules import each other in a circle (move the shared piece below both):\n{}",
        report_lines.join("\n")
    );
}

#[test]
fn the_circle_finder_sees_a_circle() {
    let arrows = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
        .into_iter()
        .map(|(a, b)| ((a.to_owned(), b.to_owned()), format!("{a} uses {b}")))
        .collect();
    let circles = ModuleGraph { arrows }.circles();
    assert_eq!(circles.len(), 1, "{circles:?}");
    assert_eq!(circles[0].len(), 3);
}

#[test]
fn a_runs_records_import_no_store_and_do_no_io() {
    let banned = ["crate::", "std::fs", "tokio::", "std::io::Write"];
    let found: Vec<_> = code_lines("seedance-workflows")
        .into_iter()
        .filter(|(f, _, _)| f.contains("/src/records/"))
        .filter(|(_, _, l)| banned.iter().any(|b| l.contains(b)))
        .filter(|(_, _, l)| !l.contains("crate::records"))
        .collect();
    report(
        &found,
        "records are pure data below the store: they import nothing else of the crate and do no I/O",
    );
}

#[test]
fn output_goes_to_the_streams_a_command_is_given() {
    // `seedance_cli::run` takes its stdout and stderr as arguments (the MCP
    // server and in-process tests hand it their own); a print to the
    // process's streams would go around them. Ctrl-C's handler is the one
    // exception: it runs outside any command.
    let found: Vec<_> = LIBRARIES
        .iter()
        .chain(["seedance-cli"].iter())
        .flat_map(|c| code_lines(c))
        .filter(|(f, _, _)| !f.ends_with("seedance-cli/src/interrupt.rs"))
        .filter(|(_, _, l)| {
            ["println!(", "eprintln!(", "print!(", "eprint!("]
                .iter()
                .any(|p| l.contains(p))
        })
        .collect();
    report(
        &found,
        "prints to the process's streams; write to the streams the command was given",
    );
}
