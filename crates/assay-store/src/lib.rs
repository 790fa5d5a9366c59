//! The project store: one SQLite database under `<project>/.assay/`.
//!
//! SQLite (bundled, WAL mode) is the system of record for datasets, samples,
//! categories, annotations, models and their predictions. Every import runs
//! in one transaction: it lands whole or not at all, and importing the same
//! files again replaces what they brought instead of duplicating it.

mod browse;
mod details;
mod embeddings;
mod import;
mod quality;
mod read;
mod runs;
mod schema;
mod summary;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub use browse::{DrawnObject, ObjectArea, RunDetail, SampleObject, SampleOutcome, SampleRow};
pub use details::{ClassMetric, NamedCurve, RunTables};
pub use embeddings::{
    EmbeddingKey, EmbeddingLevel, EmbeddingSet, MapPoint, NewEmbeddingSet, IMAGE_LEVEL,
};
pub use import::{DatasetImport, ImportSummary, Injection, SampleFile};
pub use quality::{IssueInfo, IssueRow, Metrics, Properties, QualityRecord};
pub use read::{DatasetIndex, Selection};
pub use runs::{Curve, NewRun, ObjectOutcome, RunInfo};
pub use summary::{ClassCount, DatasetSummary, ModelSummary, ProjectSummary, SplitCount};

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
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        schema::migrate(&mut conn)?;
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        Ok(Store { conn, root })
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
