//! `POST /api/ingest`: production records in, acknowledged once durable.
//!
//! Each request's records are checked and their images stored and
//! measured on the blocking pool (all cores), then handed to one writer
//! thread with its own store connection. The writer commits whatever
//! requests are waiting in one transaction (group commit) and answers
//! each only after the commit, so an acknowledged record survives the
//! server being killed. The queue to the writer is bounded: when it is
//! full a request waits up to [`QUEUE_WAIT`], then gets 503 with
//! `Retry-After`, so memory stays bounded however fast clients send.
//! Ingestion never holds the connection the UI reads through.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use assay_app::monitor::ingest::{blob_dir, parse_batch, prepare_all, ImagePolicy};
use assay_store::{IngestCounts, NewRecord, Store};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::sync::{mpsc, oneshot};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Largest ingestion request, in bytes.
pub const MAX_INGEST_BODY: usize = 32 << 20;
/// Requests waiting for the writer at most.
const QUEUE: usize = 64;
/// Records the writer commits together at most.
const GROUP_RECORDS: usize = 20_000;
/// How long a request waits for room in the queue before 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(5);

/// One request's records and where its answer goes.
struct Job {
    records: Vec<NewRecord>,
    reply: oneshot::Sender<Result<IngestCounts, String>>,
}

/// The writer's queue.
pub struct IngestQueue {
    jobs: mpsc::Sender<Job>,
    policy: ImagePolicy,
    blobs: std::path::PathBuf,
}

impl IngestQueue {
    /// Starts the writer thread on its own connection to the project.
    pub fn start(root: &Path, policy: ImagePolicy) -> assay_store::Result<Self> {
        let store = Store::open(root)?;
        let blobs = blob_dir(&store);
        let (jobs, queue) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("assay-ingest".into())
            .spawn(move || write_loop(store, queue))
            .map_err(|e| assay_store::StoreError::Io {
                path: root.to_path_buf(),
                source: e,
            })?;
        Ok(IngestQueue {
            jobs,
            policy,
            blobs,
        })
    }
}

/// Commits waiting jobs together until every sender is gone.
fn write_loop(mut store: Store, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.blocking_recv() {
        let mut jobs = vec![first];
        let mut records = jobs[0].records.len();
        while records < GROUP_RECORDS {
            match queue.try_recv() {
                Ok(job) => {
                    records += job.records.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let groups: Vec<&[NewRecord]> = jobs.iter().map(|j| j.records.as_slice()).collect();
        let results: Vec<Result<IngestCounts, String>> = match store.ingest_groups(&groups) {
            Ok(counts) => counts.into_iter().map(Ok).collect(),
            // One request's records may be what failed: each on its own,
            // so the others still land.
            Err(_) => groups
                .iter()
                .map(|g| store.ingest_records(g).map_err(|e| e.to_string()))
                .collect(),
        };
        for (job, result) in jobs.into_iter().zip(results) {
            // A client that went away does not stop the others.
            let _ = job.reply.send(result);
        }
    }
}

/// Answers `POST /api/ingest`: `{"records": [...]}` in, `{"stored": n,
/// "duplicates": m}` out once the records are durable.
pub async fn ingest(State(state): State<Arc<AppState>>, body: Bytes) -> ApiResult<Response> {
    let queue = state.ingest_queue()?;
    let policy = queue.policy.clone();
    let blobs = queue.blobs.clone();
    let records = state
        .blocking(move |_| {
            let records = parse_batch(&body).map_err(ApiError::bad_request)?;
            prepare_all(&records, &policy, &blobs).map_err(ApiError::bad_request)
        })
        .await?;
    let (reply, answer) = oneshot::channel();
    let job = Job { records, reply };
    match tokio::time::timeout(QUEUE_WAIT, queue.jobs.send(job)).await {
        Ok(Ok(())) => {}
        Ok(Err(_)) => return Err(ApiError::internal("the ingestion writer has stopped")),
        Err(_) => return Ok(busy()),
    }
    let counts = answer
        .await
        .map_err(|_| ApiError::internal("the ingestion writer has stopped"))?
        .map_err(|e| ApiError::internal(format!("the records were not stored: {e}")))?;
    Ok(Json(counts).into_response())
}

/// 503 with `Retry-After`: the writer is behind.
fn busy() -> Response {
    let mut response = ApiError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message: format!(
            "ingestion is behind: no room in the queue within {} s; send the batch again later (records are idempotent by id)",
            QUEUE_WAIT.as_secs()
        ),
    }
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    response
}
