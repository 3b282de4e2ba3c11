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
        .args(["metadata", "--format-version", "1", "--offline"])
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

#[test]
fn no_crate_reaches_what_its_layer_forbids() {
    let table = layer_table();
    let meta = metadata();
    let name_of: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    // Normal (non-dev, non-build) dependency edges of the resolved graph.
    let edges: BTreeMap<&str, Vec<&str>> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["kind"].is_null())
                })
                .map(|d| d["pkg"].as_str().unwrap())
                .collect();
            (n["id"].as_str().unwrap(), deps)
        })
        .collect();
    for id in meta["workspace_members"].as_array().unwrap() {
        let id = id.as_str().unwrap();
        let name = name_of[id];
        let mut seen = BTreeSet::new();
        let mut stack = vec![id];
        while let Some(at) = stack.pop() {
            for &next in edges.get(at).map(Vec::as_slice).unwrap_or_default() {
                if seen.insert(next) {
                    stack.push(next);
                }
            }
        }
        let reached: BTreeSet<&str> = seen.iter().map(|id| name_of[id]).collect();
        for forbidden in &table[name].never {
            assert!(
                !reached.contains(forbidden.as_str()),
                "{name} reaches {forbidden}, which its layer forbids"
            );
        }
    }
}
