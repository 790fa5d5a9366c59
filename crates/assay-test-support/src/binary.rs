//! Running the `assay` binary from a test: the path comes from the
//! calling crate (`env!("CARGO_BIN_EXE_assay")`, which only the CLI
//! crate's tests have).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub struct Binary {
    path: PathBuf,
}

impl Binary {
    /// The binary at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Runs it with `args` (after `--project <project>` when given).
    pub fn output(&self, project: Option<&Path>, args: &[&str]) -> Output {
        let mut command = Command::new(&self.path);
        if let Some(project) = project {
            command.arg("--project").arg(project);
        }
        command.args(args).output().expect("the assay binary runs")
    }

    /// Runs it, asserts success and returns stdout.
    pub fn ok(&self, project: Option<&Path>, args: &[&str]) -> String {
        let out = self.output(project, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "assay {args:?} failed:\n{stderr}");
        String::from_utf8(out.stdout).expect("stdout is UTF-8")
    }

    /// Runs it, asserts failure and returns stderr.
    pub fn fails(&self, project: Option<&Path>, args: &[&str]) -> String {
        let out = self.output(project, args);
        assert!(!out.status.success(), "assay {args:?} succeeded");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}
