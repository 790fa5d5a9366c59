//! Versioned schema migrations, tracked in SQLite's `user_version`.

use rusqlite::Connection;

use crate::{Result, StoreError};

/// Each entry moves the schema one version up; never edit a released one.
const MIGRATIONS: &[&str] = &[
    // Version 1: datasets with their samples, classes and ground truth;
    // models with their predictions; an import log; the demo's injected truth.
    r#"
    CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE categories (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        source_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        supercategory TEXT,
        keypoints TEXT,
        skeleton TEXT,
        UNIQUE (dataset_id, name)
    );
    CREATE TABLE samples (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        source_id INTEGER NOT NULL,
        file_name TEXT NOT NULL,
        split TEXT,
        width INTEGER,
        height INTEGER,
        path TEXT,
        content_hash TEXT,
        bytes INTEGER,
        UNIQUE (dataset_id, file_name)
    );
    CREATE INDEX samples_by_source ON samples (dataset_id, source_id);
    CREATE INDEX samples_by_split ON samples (dataset_id, split);
    CREATE INDEX samples_by_hash ON samples (content_hash);
    CREATE TABLE generations (
        sample_id INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
        prompt TEXT NOT NULL,
        model TEXT NOT NULL,
        seed INTEGER
    );
    CREATE TABLE annotations (
        id INTEGER PRIMARY KEY,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
        source_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        x REAL, y REAL, w REAL, h REAL,
        area REAL,
        iscrowd INTEGER NOT NULL DEFAULT 0,
        segmentation TEXT,
        keypoints TEXT
    );
    CREATE INDEX annotations_by_sample ON annotations (sample_id);
    CREATE INDEX annotations_by_category ON annotations (category_id);
    CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE predictions (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
        source_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        score REAL NOT NULL,
        x REAL, y REAL, w REAL, h REAL,
        area REAL,
        segmentation TEXT,
        keypoints TEXT
    );
    CREATE INDEX predictions_by_model_sample ON predictions (model_id, sample_id);
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        format TEXT NOT NULL,
        source TEXT NOT NULL,
        summary TEXT NOT NULL,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE injected_problems (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        sample_id INTEGER REFERENCES samples(id) ON DELETE CASCADE,
        annotation_source_id INTEGER,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    "#,
    // Version 2: evaluation runs with their metrics, curves and per-object
    // outcomes.
    r#"
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        task TEXT NOT NULL,
        params TEXT NOT NULL,
        summary TEXT NOT NULL,
        inputs_hash TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE TABLE run_metrics (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        value REAL,
        PRIMARY KEY (run_id, name)
    );
    CREATE TABLE run_class_metrics (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        value REAL,
        PRIMARY KEY (run_id, category_id, name)
    );
    CREATE TABLE run_curves (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        category_id INTEGER REFERENCES categories(id) ON DELETE CASCADE,
        iou REAL NOT NULL,
        recall TEXT NOT NULL,
        precision TEXT NOT NULL,
        scores TEXT NOT NULL
    );
    CREATE TABLE run_outcomes (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        side TEXT NOT NULL CHECK (side IN ('prediction', 'ground_truth')),
        object_id INTEGER NOT NULL,
        category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
        outcome TEXT NOT NULL,
        matched_id INTEGER,
        iou REAL NOT NULL,
        score REAL,
        error TEXT,
        tp_sweep INTEGER NOT NULL
    );
    CREATE INDEX run_outcomes_by_sample ON run_outcomes (run_id, sample_id);
    "#,
    // Version 3: data-quality metrics of samples and annotations, and the
    // issues found from them.
    r#"
    CREATE TABLE sample_metrics (
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        value REAL,
        PRIMARY KEY (sample_id, name)
    ) WITHOUT ROWID;
    CREATE TABLE annotation_metrics (
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        annotation_source_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        value REAL,
        PRIMARY KEY (sample_id, annotation_source_id, name)
    ) WITHOUT ROWID;
    CREATE TABLE issues (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        annotation_source_id INTEGER,
        kind TEXT NOT NULL,
        score REAL NOT NULL,
        explanation TEXT NOT NULL,
        group_key TEXT
    );
    CREATE INDEX issues_by_kind ON issues (dataset_id, kind, score);
    "#,
    // Version 4: text-valued quality measurements of samples (file format,
    // colour mode, content and perceptual hashes).
    r#"
    CREATE TABLE sample_properties (
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (sample_id, name)
    ) WITHOUT ROWID;
    "#,
    // Version 5: embeddings of images and object crops, one set per
    // dataset, extractor and level; 2-D maps and clusters of a set.
    r#"
    CREATE TABLE embedding_sets (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        extractor TEXT NOT NULL,
        level TEXT NOT NULL,
        weights_hash TEXT NOT NULL,
        source TEXT NOT NULL,
        dim INTEGER NOT NULL,
        comparable INTEGER NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        UNIQUE (dataset_id, extractor, level)
    );
    CREATE TABLE embeddings (
        set_id INTEGER NOT NULL REFERENCES embedding_sets(id) ON DELETE CASCADE,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        annotation_source_id INTEGER NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (set_id, sample_id, annotation_source_id)
    ) WITHOUT ROWID;
    CREATE TABLE embedding_maps (
        set_id INTEGER NOT NULL REFERENCES embedding_sets(id) ON DELETE CASCADE,
        method TEXT NOT NULL,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        annotation_source_id INTEGER NOT NULL,
        x REAL NOT NULL,
        y REAL NOT NULL,
        cluster INTEGER,
        PRIMARY KEY (set_id, method, sample_id, annotation_source_id)
    ) WITHOUT ROWID;
    "#,
    // Version 6: tags users put on samples (in the web UI), and the images
    // behind each cell of a run's detection confusion matrix.
    r#"
    CREATE TABLE tags (
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (sample_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX tags_by_tag ON tags (tag);
    CREATE INDEX predictions_by_sample ON predictions (sample_id);
    CREATE INDEX run_outcomes_of_sample ON run_outcomes (sample_id);
    CREATE TABLE run_confusion (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        row INTEGER NOT NULL,
        col INTEGER NOT NULL,
        objects INTEGER NOT NULL,
        PRIMARY KEY (run_id, row, col, sample_id)
    ) WITHOUT ROWID;
    "#,
    // Version 7: a classifier's output per image: the predicted class and,
    // when given, one score per class of the dataset (in category-id order);
    // `position` keeps the order of the user's file.
    r#"
    CREATE TABLE class_predictions (
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
        scores BLOB,
        position INTEGER NOT NULL,
        PRIMARY KEY (model_id, sample_id)
    ) WITHOUT ROWID;
    "#,
    // Version 8: every command that computes, tracked (what ran, on what,
    // with which version and commit, how long and how much memory it took,
    // what it recorded), series a user logs under a run name, and the
    // user's own image metrics (their values live in sample_metrics).
    r#"
    CREATE TABLE command_runs (
        id INTEGER PRIMARY KEY,
        command TEXT NOT NULL,
        args TEXT NOT NULL,
        started_at TEXT NOT NULL,
        wall_s REAL NOT NULL,
        user_s REAL NOT NULL,
        system_s REAL NOT NULL,
        peak_rss_kib INTEGER NOT NULL,
        assay_version TEXT NOT NULL,
        git_commit TEXT,
        git_dirty INTEGER,
        exit_code INTEGER NOT NULL,
        inputs TEXT NOT NULL,
        outputs TEXT NOT NULL
    );
    CREATE TABLE run_series (
        run_name TEXT NOT NULL,
        key TEXT NOT NULL,
        step INTEGER NOT NULL,
        value REAL NOT NULL,
        logged_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (run_name, key, step)
    ) WITHOUT ROWID;
    CREATE TABLE run_artifacts (
        run_name TEXT NOT NULL,
        step INTEGER NOT NULL,
        name TEXT NOT NULL,
        hash TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        logged_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (run_name, step, name)
    ) WITHOUT ROWID;
    CREATE TABLE custom_metrics (
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        definition TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (dataset_id, name)
    ) WITHOUT ROWID;
    "#,
    // Version 9: custom metrics of objects as well as images (their values
    // live in annotation_metrics), and the run whose outcomes an object
    // expression read.
    r#"
    ALTER TABLE custom_metrics ADD COLUMN level TEXT NOT NULL DEFAULT 'image';
    ALTER TABLE custom_metrics ADD COLUMN run_id INTEGER;
    "#,
    // Version 10: named users with a role and a token (its hash only),
    // review queues of images or objects assigned to reviewers, and their
    // verdicts, kept in full (who, when, the labels before and after).
    r#"
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE TABLE review_queues (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        overlap INTEGER NOT NULL,
        created_by TEXT,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        UNIQUE (dataset_id, name)
    );
    CREATE TABLE review_assignments (
        queue_id INTEGER NOT NULL REFERENCES review_queues(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        PRIMARY KEY (queue_id, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE review_items (
        id INTEGER PRIMARY KEY,
        queue_id INTEGER NOT NULL REFERENCES review_queues(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        annotation_source_id INTEGER,
        reason TEXT NOT NULL
    );
    CREATE INDEX review_items_by_queue ON review_items (queue_id, position);
    CREATE TABLE review_verdicts (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES review_items(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES users(id),
        decision TEXT NOT NULL,
        edits TEXT NOT NULL,
        before TEXT NOT NULL,
        after TEXT NOT NULL,
        note TEXT,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE INDEX review_verdicts_by_item ON review_verdicts (item_id);
    "#,
    // Version 11: labels of the same images from several annotators, kept
    // beside the ground truth (for agreement and consensus), and which
    // images each annotator saw (also those they left unlabelled).
    r#"
    CREATE TABLE annotator_images (
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        annotator TEXT NOT NULL,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        PRIMARY KEY (dataset_id, annotator, sample_id)
    ) WITHOUT ROWID;
    CREATE TABLE annotator_labels (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        annotator TEXT NOT NULL,
        sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
        category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
        x REAL, y REAL, w REAL, h REAL,
        polygons TEXT
    );
    CREATE INDEX annotator_labels_by_sample ON annotator_labels (dataset_id, sample_id);
    "#,
    // Version 12: production monitoring. Each ingested record is a sample
    // of its stream's dataset (its image stored once by content hash) with
    // what the model did, kept whole; ids from the client make ingestion
    // idempotent. Alerts fired on the stream's windows, one per rule and
    // window.
    r#"
    CREATE TABLE monitor_records (
        id INTEGER PRIMARY KEY,
        record_id TEXT NOT NULL UNIQUE,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        sample_id INTEGER REFERENCES samples(id) ON DELETE SET NULL,
        model TEXT NOT NULL,
        version TEXT,
        time_ms INTEGER NOT NULL,
        latency_ms REAL,
        error TEXT,
        output TEXT NOT NULL,
        metadata TEXT,
        labels TEXT,
        received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE INDEX monitor_records_by_time ON monitor_records (dataset_id, time_ms);
    CREATE TABLE monitor_alerts (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        metric TEXT NOT NULL,
        window_start_ms INTEGER NOT NULL,
        window_end_ms INTEGER NOT NULL,
        value REAL,
        lower REAL,
        upper REAL,
        message TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        UNIQUE (dataset_id, rule, window_start_ms)
    );
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`SCHEMA_VERSION`] in one transaction.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    if current == SCHEMA_VERSION {
        return Ok(());
    }
    // Another process may be migrating too: take the write lock, then
    // read the version again under it.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}
