//! docs/ARCHITECTURE.md's layer table against `cargo metadata`: each
//! workspace crate depends on exactly the workspace crates the table lists
//! (normal and dev dependencies apart), and never, even transitively, on
//! what the table forbids. The document cannot drift from the code.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// One row of the layer table.
#[derive(Debug)]
struct Layer {
    depends_on: BTreeSet<String>,
    dev: BTreeSet<String>,
    never: BTreeSet<String>,
}

fn names(cell: &str) -> BTreeSet<String> {
    cell.split(',')
        .map(|n| n.trim().trim_matches('`').to_owned())
        .filter(|n| !n.is_empty() && n != "—")
        .collect()
}

fn layer_table() -> BTreeMap<String, Layer> {
    let doc =
        std::fs::read_to_string(seedance_tests::workspace_root().join("docs/ARCHITECTURE.md"))
            .unwrap();
    let start = doc
        .find("<!-- layers:")
        .expect("the layer table marker in docs/ARCHITECTURE.md");
    doc[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .skip(2) // header and separator
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split('|').collect();
            assert_eq!(cells.len(), 4, "layer table row: {row}");
            (
                cells[0].trim().trim_matches('`').to_owned(),
                Layer {
                    depends_on: names(cells[1]),
                    dev: names(cells[2]),
                    never: names(cells[3]),
                },
            )
        })
        .collect()
}

fn metadata() -> Value {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(seedance_tests::workspace_root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_layer_table_is_the_dependency_graph() {
    let table = layer_table();
    let meta = metadata();
    let members: BTreeSet<String> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    let packages: Vec<&Value> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| members.contains(p["id"].as_str().unwrap()))
        .collect();
    let workspace: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        table.keys().cloned().collect::<BTreeSet<_>>(),
        workspace,
        "the table lists exactly the workspace's crates"
    );
    for p in &packages {
        let name = p["name"].as_str().unwrap();
        let layer = &table[name];
        let mut normal = BTreeSet::new();
        let mut dev = BTreeSet::new();
        for d in p["dependencies"].as_array().unwrap() {
            let dep = d["name"].as_str().unwrap().to_owned();
            if !workspace.contains(&dep) {
                continue;
            }
            match d["kind"].as_str() {
                Some("dev") => dev.insert(dep),
                _ => normal.insert(dep),
            };
        }
        assert_eq!(normal, layer.depends_on, "{name}: workspace dependencies");
        assert_eq!(dev, layer.dev, "{name}: workspace dev-dependencies");
    }
}

/// Every package `package` reaches through normal dependencies on this
/// platform (`cargo tree`, which needs nothing downloaded for other targets).
fn reached(package: &str) -> BTreeSet<String> {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            package,
        ])
        .current_dir(seedance_tests::workspace_root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn no_crate_reaches_what_its_layer_forbids() {
    for (name, layer) in layer_table() {
        if layer.never.is_empty() {
            continue;
        }
        let reached = reached(&name);
        assert!(reached.contains(&name), "cargo tree of {name}: {reached:?}");
        for forbidden in &layer.never {
            assert!(
                !reached.contains(forbidden),
                "{name} reaches {forbidden}, which its layer forbids"
            );
        }
    }
}
