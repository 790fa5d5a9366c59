//! The project store: one SQLite database under `<project>/.assay/`.
//!
//! SQLite (bundled, WAL mode) is the system of record for datasets, samples,
//! categories, annotations, models and their predictions. Every import runs
//! in one transaction: it lands whole or not at all, and importing the same
//! files again replaces what they brought instead of duplicating it.

mod analysis;
mod browse;
mod classes;
mod custom;
mod details;
mod embeddings;
mod import;
mod monitor;
mod paths;
mod quality;
mod read;
mod review;
mod runs;
mod schema;
mod summary;
mod tracking;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub use analysis::{RunObject, RunSubject, SampleFacts};
pub use browse::{DrawnObject, ObjectArea, RunDetail, SampleObject, SampleOutcome, SampleRow};
pub use classes::ClassPrediction;
pub use custom::{CustomMetric, MetricLevel};
pub use details::{ClassMetric, NamedCurve, RunTables};
pub use embeddings::{
    EmbeddingKey, EmbeddingLevel, EmbeddingSet, MapPoint, NewEmbeddingSet, IMAGE_LEVEL,
};
pub use import::{DatasetImport, ImportSummary, Injection, SampleFile};
pub use monitor::{
    AlertRow, IngestCounts, NewAlert, NewRecord, RecordBox, RecordImage, RecordIssue, RecordRow,
    StreamInfo,
};
pub use quality::{IssueInfo, IssueRow, Metrics, Properties, QualityRecord, CLASS_LABEL_ISSUE};
pub use read::{DatasetIndex, Selection};
pub use review::{
    AnnotatorLabel, IssueItem, ItemRow, MultiAnnotations, NewItem, NewQueue, NewVerdict, QueueInfo,
    Role, User, VerdictRow,
};
pub use runs::{Curve, NewRun, ObjectOutcome, RunInfo};
pub use summary::{ClassCount, DatasetSummary, ModelSummary, ProjectSummary, SplitCount};
pub use tracking::{Artifact, CommandRun, SeriesPoint};

/// Name of the folder that marks a project.
pub const PROJECT_DIR: &str = ".assay";
const DB_FILE: &str = "project.db";

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No project at or above the given folder.
    #[error("no assay project in {0} or any parent folder; run `assay init` first")]
    NotAProject(PathBuf),
    /// `init` found an existing project.
    #[error("{0} already holds an assay project")]
    AlreadyAProject(PathBuf),
    /// A dataset, model or similar that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Input that contradicts what the store holds.
    #[error("{0}")]
    Conflict(String),
    /// The database was written by a newer assay.
    #[error("the project database has schema version {found}, newer than this assay ({supported}); upgrade assay")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// Creating the project folder failed.
    #[error("cannot create {path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open project.
pub struct Store {
    conn: Connection,
    root: PathBuf,
}

/// How long a command waits for another process writing the project.
const WRITER_WAIT: std::time::Duration = std::time::Duration::from_secs(600);
/// Pause between tries while waiting.
const WAIT_STEP: std::time::Duration = std::time::Duration::from_millis(20);

/// SQLite's busy handler: called with the number of tries so far while
/// another connection holds the lock it needs. Waits (saying once, after
/// a second, what for) up to [`WRITER_WAIT`]; then the operation fails
/// with "database is locked".
fn wait_for_writer(tries: i32) -> bool {
    let waited = WAIT_STEP * tries.max(0) as u32;
    if waited == std::time::Duration::from_secs(1) {
        eprintln!(
            "waiting for another assay process that is writing this project (up to {} s)...",
            WRITER_WAIT.as_secs()
        );
    }
    if waited >= WRITER_WAIT {
        return false;
    }
    std::thread::sleep(WAIT_STEP);
    true
}

impl Store {
    /// Creates a project in `dir` (created if needed) and opens it.
    pub fn init(dir: &Path) -> Result<Store> {
        let assay_dir = dir.join(PROJECT_DIR);
        if assay_dir.join(DB_FILE).exists() {
            return Err(StoreError::AlreadyAProject(dir.to_path_buf()));
        }
        std::fs::create_dir_all(&assay_dir).map_err(|source| StoreError::Io {
            path: assay_dir.clone(),
            source,
        })?;
        Store::open_db(dir)
    }

    /// Opens the project in `dir` or the nearest parent folder that has one.
    pub fn open(dir: &Path) -> Result<Store> {
        let start = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let root = start
            .ancestors()
            .find(|d| d.join(PROJECT_DIR).join(DB_FILE).is_file())
            .ok_or_else(|| StoreError::NotAProject(start.clone()))?;
        Store::open_db(root)
    }

    fn open_db(root: &Path) -> Result<Store> {
        let mut conn = Connection::open(root.join(PROJECT_DIR).join(DB_FILE))?;
        // Another assay process may be writing: wait for it (first thing,
        // so the pragmas below wait too).
        conn.busy_handler(Some(wait_for_writer))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        schema::migrate(&mut conn)?;
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        Ok(Store { conn, root })
    }

    /// Starts a write transaction, taking the write lock at once (so a
    /// transaction that reads first cannot fail later when another process
    /// wrote meanwhile); waits while another process holds it.
    pub(crate) fn write(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    /// A number that changes whenever another connection (another process,
    /// or another `Store` in this one) commits a change to the project:
    /// SQLite's `data_version`. Caches built from the store compare it to
    /// know when to reload.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    /// The project folder (the one holding `.assay/`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    fn dataset_id(&self, name: &str) -> Result<i64> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT id FROM datasets WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| {
                let known = self.dataset_names().unwrap_or_default().join(", ");
                StoreError::NotFound(format!("no dataset named {name:?} (datasets: {known})"))
            })
    }

    /// Names of all datasets, oldest first.
    pub fn dataset_names(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT name FROM datasets ORDER BY id")?;
        let names = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(names)
    }
}
