//! `ARCHITECTURE.md` lists every dependency between workspace crates; this
//! test reads `cargo metadata` and fails when the list and the manifests
//! disagree, either way.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// (crate, dependency, dev-only) edges.
type Edges = BTreeSet<(String, String, bool)>;

fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The edges `cargo metadata` reports between workspace crates. A crate
/// that is both a normal and a dev dependency counts as normal.
fn actual_edges() -> Edges {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let ours: BTreeSet<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let mut edges = Edges::new();
    for p in packages {
        let name = p["name"].as_str().unwrap();
        let deps = p["dependencies"].as_array().unwrap();
        let ours_of_kind = |kind: Option<&str>| -> BTreeSet<&str> {
            deps.iter()
                .filter(|d| d["kind"].as_str() == kind)
                .map(|d| d["name"].as_str().unwrap())
                .filter(|d| ours.contains(d))
                .collect()
        };
        let normal = ours_of_kind(None);
        for d in &normal {
            edges.insert((name.to_string(), d.to_string(), false));
        }
        for d in ours_of_kind(Some("dev")).difference(&normal) {
            edges.insert((name.to_string(), d.to_string(), true));
        }
    }
    edges
}

/// The edges drawn in ARCHITECTURE.md's list (`a -> b, c` and
/// `a dev: b`), and the crates it names.
fn drawn_edges(text: &str) -> (Edges, BTreeSet<String>) {
    let start = text
        .find("## Every dependency between workspace crates")
        .expect("ARCHITECTURE.md has the dependency list");
    let block = &text[start..];
    let block = &block[block.find("```text").expect("a text block") + 7..];
    let block = &block[..block.find("```").expect("the block ends")];
    let mut edges = Edges::new();
    let mut crates = BTreeSet::new();
    for line in block.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, rest, dev) = if let Some((n, r)) = line.split_once("->") {
            (n.trim(), r, false)
        } else if let Some((n, r)) = line.split_once("dev:") {
            (n.trim(), r, true)
        } else {
            panic!("ARCHITECTURE.md: cannot read the line {line:?}");
        };
        crates.insert(name.to_string());
        for dep in rest.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            edges.insert((name.to_string(), dep.to_string(), dev));
        }
    }
    (edges, crates)
}

#[test]
fn the_drawn_crate_graph_is_the_real_one() {
    let text = std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md")).unwrap();
    let (drawn, named) = drawn_edges(&text);
    let actual = actual_edges();
    let show = |edges: Vec<&(String, String, bool)>| -> String {
        edges
            .iter()
            .map(|(a, b, dev)| format!("{a} {} {b}", if *dev { "dev:" } else { "->" }))
            .collect::<Vec<_>>()
            .join("\n  ")
    };
    let missing: Vec<_> = actual.difference(&drawn).collect();
    assert!(
        missing.is_empty(),
        "dependencies the code has and ARCHITECTURE.md does not draw:\n  {}",
        show(missing)
    );
    let stale: Vec<_> = drawn.difference(&actual).collect();
    assert!(
        stale.is_empty(),
        "dependencies ARCHITECTURE.md draws that the code does not have:\n  {}",
        show(stale)
    );
    let crates: BTreeSet<String> = actual.iter().map(|(a, _, _)| a.clone()).collect();
    for c in crates {
        assert!(
            named.contains(&c),
            "ARCHITECTURE.md's list does not name {c}"
        );
    }
}

#[test]
fn an_undrawn_edge_is_caught() {
    let text = std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md")).unwrap();
    // The list without the server's edge to the store must disagree.
    let edited = text.replacen(
        "assay-server  -> assay-core, assay-embed, assay-image, assay-index, assay-io, assay-store",
        "assay-server  -> assay-core, assay-embed, assay-image, assay-index, assay-io",
        1,
    );
    assert_ne!(edited, text, "the test edits the server's line");
    let (drawn, _) = drawn_edges(&edited);
    let missing: Vec<_> = actual_edges().difference(&drawn).cloned().collect();
    assert_eq!(
        missing,
        vec![("assay-server".to_string(), "assay-store".to_string(), false)]
    );
}
