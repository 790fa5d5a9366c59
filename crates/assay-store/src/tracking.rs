//! Tracked command runs (what ran, on which inputs, with what resources,
//! and what it recorded) and the series users log under a run name.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::{Result, Store};

/// One command as it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandRun {
    /// Its id (0 before it is recorded).
    pub id: i64,
    /// The command (`quality`, `evaluate`, `analyze slices`, ...).
    pub command: String,
    /// Its arguments as given.
    pub args: Vec<String>,
    /// Start time (UTC, ISO 8601).
    pub started_at: String,
    /// Wall time in seconds.
    pub wall_s: f64,
    /// CPU time in user mode, seconds.
    pub user_s: f64,
    /// CPU time in the kernel, seconds.
    pub system_s: f64,
    /// Peak resident memory, KiB (`getrusage`'s `ru_maxrss`).
    pub peak_rss_kib: i64,
    /// The assay version.
    pub assay_version: String,
    /// The git commit of the working directory, where it is in a repository.
    pub git_commit: Option<String>,
    /// Whether that working tree had uncommitted changes.
    pub git_dirty: Option<bool>,
    /// The exit code.
    pub exit_code: i32,
    /// Files named in the arguments, with their BLAKE3 hashes.
    pub inputs: Vec<(String, String)>,
    /// Evaluation runs it recorded (ids in `runs`).
    pub recorded_runs: Vec<i64>,
}

/// One logged value of a series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesPoint {
    /// The run name it was logged under.
    pub run: String,
    /// The key (`loss`, `map50`, ...).
    pub key: String,
    /// The step.
    pub step: i64,
    /// The value.
    pub value: f64,
}

impl Store {
    /// Records a command run; returns its id. `started_unix` is the start
    /// in seconds since the Unix epoch.
    pub fn record_command(&mut self, run: &CommandRun, started_unix: f64) -> Result<i64> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO command_runs (command, args, started_at, wall_s, user_s, system_s,
                 peak_rss_kib, assay_version, git_commit, git_dirty, exit_code, inputs, outputs)
             VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', ?3, 'unixepoch'), ?4, ?5, ?6, ?7, ?8,
                 ?9, ?10, ?11, ?12, ?13)",
            params![
                run.command,
                serde_json::to_string(&run.args).unwrap_or_default(),
                started_unix,
                run.wall_s,
                run.user_s,
                run.system_s,
                run.peak_rss_kib,
                run.assay_version,
                run.git_commit,
                run.git_dirty,
                run.exit_code,
                serde_json::to_string(&run.inputs).unwrap_or_default(),
                serde_json::to_string(&run.recorded_runs).unwrap_or_default(),
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Tracked command runs, newest first; only `command` (or commands
    /// starting with it and a space) when given.
    pub fn command_runs(&self, command: Option<&str>) -> Result<Vec<CommandRun>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, command, args, started_at, wall_s, user_s, system_s, peak_rss_kib,
                    assay_version, git_commit, git_dirty, exit_code, inputs, outputs
             FROM command_runs
             WHERE ?1 IS NULL OR command = ?1 OR command LIKE ?1 || ' %'
             ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([command], |r| {
            let json = |i: usize| -> rusqlite::Result<String> { r.get(i) };
            Ok(CommandRun {
                id: r.get(0)?,
                command: r.get(1)?,
                args: serde_json::from_str(&json(2)?).unwrap_or_default(),
                started_at: r.get(3)?,
                wall_s: r.get(4)?,
                user_s: r.get(5)?,
                system_s: r.get(6)?,
                peak_rss_kib: r.get(7)?,
                assay_version: r.get(8)?,
                git_commit: r.get(9)?,
                git_dirty: r.get(10)?,
                exit_code: r.get(11)?,
                inputs: serde_json::from_str(&json(12)?).unwrap_or_default(),
                recorded_runs: serde_json::from_str(&json(13)?).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The id of the newest evaluation run (0 when there is none).
    pub fn last_run_id(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM runs", [], |r| r.get(0))?)
    }

    /// Evaluation runs recorded after run `after`.
    pub fn runs_after(&self, after: i64) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM runs WHERE id > ?1 ORDER BY id")?;
        let rows = stmt.query_map([after], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Logs values under a run name at a step, replacing values logged
    /// before for the same key and step; in one transaction.
    pub fn log_series(&mut self, run: &str, step: i64, values: &[(String, f64)]) -> Result<()> {
        let tx = self.write()?;
        {
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO run_series (run_name, key, step, value) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (key, value) in values {
                stmt.execute(params![run, key, step, value])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The series logged under `run` (every run when `None`), by run, key
    /// and step.
    pub fn series(&self, run: Option<&str>) -> Result<Vec<SeriesPoint>> {
        let mut stmt = self.conn.prepare(
            "SELECT run_name, key, step, value FROM run_series
             WHERE ?1 IS NULL OR run_name = ?1 ORDER BY run_name, key, step",
        )?;
        let rows = stmt.query_map([run], |r| {
            Ok(SeriesPoint {
                run: r.get(0)?,
                key: r.get(1)?,
                step: r.get(2)?,
                value: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_runs_and_series_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::init(dir.path()).unwrap();
        let run = CommandRun {
            id: 0,
            command: "quality".into(),
            args: vec!["quality".into(), "--model".into(), "m".into()],
            started_at: String::new(),
            wall_s: 1.5,
            user_s: 2.0,
            system_s: 0.25,
            peak_rss_kib: 123_456,
            assay_version: "0.1.0".into(),
            git_commit: Some("abc".into()),
            git_dirty: Some(true),
            exit_code: 0,
            inputs: vec![("a.json".into(), "ff".into())],
            recorded_runs: vec![3],
        };
        let id = store.record_command(&run, 1_765_000_000.5).unwrap();
        let got = store.command_runs(Some("quality")).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].id, id);
        assert_eq!(got[0].started_at, "2025-12-06T05:46:40.500Z");
        assert_eq!(
            CommandRun {
                id,
                started_at: got[0].started_at.clone(),
                ..run
            },
            got[0]
        );
        assert!(store.command_runs(Some("evaluate")).unwrap().is_empty());
        store
            .log_series("train-1", 1, &[("loss".into(), 0.5), ("map".into(), 0.1)])
            .unwrap();
        store
            .log_series("train-1", 1, &[("loss".into(), 0.4)])
            .unwrap();
        store
            .log_series("train-1", 2, &[("loss".into(), 0.3)])
            .unwrap();
        let points = store.series(Some("train-1")).unwrap();
        let loss: Vec<(i64, f64)> = points
            .iter()
            .filter(|p| p.key == "loss")
            .map(|p| (p.step, p.value))
            .collect();
        assert_eq!(loss, [(1, 0.4), (2, 0.3)]);
        assert_eq!(points.len(), 3);
        // The same content twice is kept once.
        let a = store
            .log_artifact("train-1", 1, "weights.pt", b"abc")
            .unwrap();
        let b = store
            .log_artifact("train-1", 2, "weights.pt", b"abc")
            .unwrap();
        assert_eq!(a.hash, b.hash);
        assert_eq!(std::fs::read(store.artifact_path(&a.hash)).unwrap(), b"abc");
        assert_eq!(store.artifacts(Some("train-1")).unwrap().len(), 2);
    }
}

/// A file logged under a run name, stored once by content hash under
/// `.assay/artifacts/`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Artifact {
    /// The run name.
    pub run: String,
    /// The step.
    pub step: i64,
    /// Its name (the file's name when logged).
    pub name: String,
    /// BLAKE3 hash of its content (hex).
    pub hash: String,
    /// Its size in bytes.
    pub bytes: u64,
}

impl Store {
    /// Where an artifact with `hash` is kept.
    pub fn artifact_path(&self, hash: &str) -> std::path::PathBuf {
        self.root()
            .join(crate::PROJECT_DIR)
            .join("artifacts")
            .join(hash)
    }

    /// Stores `content` as an artifact of run `run` at `step` under
    /// `name`: the bytes once per content hash (written to a temporary
    /// file, then renamed), the record in one transaction.
    pub fn log_artifact(
        &mut self,
        run: &str,
        step: i64,
        name: &str,
        content: &[u8],
    ) -> Result<Artifact> {
        let hash = blake3::hash(content).to_hex().to_string();
        let path = self.artifact_path(&hash);
        if !path.is_file() {
            let io = |path: &std::path::Path| {
                let path = path.to_path_buf();
                move |source| crate::StoreError::Io { path, source }
            };
            let dir = path.parent().unwrap_or(&path).to_path_buf();
            std::fs::create_dir_all(&dir).map_err(io(&dir))?;
            let tmp = dir.join(format!(".{hash}.partial"));
            std::fs::write(&tmp, content).map_err(io(&tmp))?;
            std::fs::rename(&tmp, &path).map_err(io(&path))?;
        }
        let artifact = Artifact {
            run: run.to_string(),
            step,
            name: name.to_string(),
            hash,
            bytes: content.len() as u64,
        };
        let tx = self.write()?;
        tx.execute(
            "INSERT OR REPLACE INTO run_artifacts (run_name, step, name, hash, bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![artifact.run, artifact.step, artifact.name, artifact.hash, artifact.bytes as i64],
        )?;
        tx.commit()?;
        Ok(artifact)
    }

    /// The artifacts logged under `run` (every run when `None`).
    pub fn artifacts(&self, run: Option<&str>) -> Result<Vec<Artifact>> {
        let mut stmt = self.conn.prepare(
            "SELECT run_name, step, name, hash, bytes FROM run_artifacts
             WHERE ?1 IS NULL OR run_name = ?1 ORDER BY run_name, step, name",
        )?;
        let rows = stmt.query_map([run], |r| {
            Ok(Artifact {
                run: r.get(0)?,
                step: r.get(1)?,
                name: r.get(2)?,
                hash: r.get(3)?,
                bytes: r.get::<_, i64>(4)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
