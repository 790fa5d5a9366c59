//! Runs a Python oracle script from `tests/oracles` on a JSON list of cases.
//!
//! The interpreter is `ASSAY_PYTHON`, or `<workspace>/.venv/bin/python`
//! (installed by `scripts/test.sh`); a missing interpreter or a failing
//! oracle fails the test, never skips it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// What to do when the oracles are missing.
pub const SETUP_HINT: &str = "run ./scripts/test.sh, which installs the Python oracles";

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/data` beside the workspace, which must exist.
pub fn shared_data() -> PathBuf {
    let dir = workspace_root().join("../shared/data");
    assert!(
        dir.is_dir(),
        "the shared test data is missing: expected {}",
        dir.display()
    );
    dir
}

/// The Python interpreter that has the oracles' packages.
pub fn python() -> PathBuf {
    let python = std::env::var_os("ASSAY_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    assert!(
        python.exists(),
        "Python interpreter {} not found (set ASSAY_PYTHON, or {SETUP_HINT})",
        python.display()
    );
    python
}

/// Runs `tests/oracles/<script> CASES.json` on `cases` and returns one
/// result per case.
pub fn run_oracle(script: &str, cases: &[Value]) -> Vec<Value> {
    run_oracle_with_args(script, &[], cases)
}

/// Runs `tests/oracles/<script> CASES.json <args>` on `cases` and returns
/// one result per case (the oracle prints a JSON list, or a JSON line per
/// case). `ASSAY_ORACLE_CASES=<file>` keeps a copy of the
/// cases, for debugging.
pub fn run_oracle_with_args(script: &str, args: &[&str], cases: &[Value]) -> Vec<Value> {
    run_oracle_in(&python(), script, args, cases)
}

/// NannyML's interpreter (its own virtual environment: its dependencies
/// clash with the other oracles' pins): `ASSAY_NANNYML_PYTHON`, or
/// `<workspace>/.venv-nannyml/bin/python`. A missing one fails the test.
pub fn nannyml_python() -> PathBuf {
    let python = std::env::var_os("ASSAY_NANNYML_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv-nannyml/bin/python"));
    assert!(
        python.exists(),
        "NannyML's Python interpreter {} not found (set ASSAY_NANNYML_PYTHON, or {SETUP_HINT})",
        python.display()
    );
    python
}

/// [`run_oracle_with_args`] with another interpreter.
pub fn run_oracle_in(python: &Path, script: &str, args: &[&str], cases: &[Value]) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let input = dir.path().join("cases.json");
    let json = serde_json::to_string(cases).expect("cases serialize");
    std::fs::write(&input, &json).expect("write the cases");
    if let Some(copy) = std::env::var_os("ASSAY_ORACLE_CASES") {
        std::fs::write(copy, &json).expect("copy the cases");
    }
    let output = Command::new(python)
        .arg(workspace_root().join("tests/oracles").join(script))
        .arg(&input)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e} ({SETUP_HINT})", python.display()));
    assert!(
        output.status.success(),
        "the oracle {script} failed ({SETUP_HINT}):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // A JSON list, or one JSON line per case (oracles that stream).
    let results: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("oracle prints JSON"))
            .collect()
    });
    assert_eq!(results.len(), cases.len(), "one oracle result per case");
    results
}
