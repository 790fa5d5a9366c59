//! The review endpoints: who is asking, queues (reviewers see theirs),
//! the next items to review with their labels, verdicts, and agreement.

use std::sync::Arc;

use assay_app::review::{
    create_queue, image_labels, issue_precision, queue_agreement, submit, Forbidden,
    IssuePrecision, Label, QueueAgreement, QueueRequest, Recorded, Source, VerdictInput,
};
use assay_store::{ItemRow, QueueInfo, Role, User, VerdictRow};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most items one `next` call returns.
const MAX_NEXT: usize = 20;

/// `GET /api/me`.
#[derive(Serialize)]
pub struct Me {
    name: Option<String>,
    role: Role,
}

/// Answers `GET /api/me`: the caller's name and role.
pub async fn me(Extension(caller): Extension<Caller>) -> Json<Me> {
    Json(Me {
        name: match &caller {
            Caller::User(u) => Some(u.name.clone()),
            Caller::Owner => None,
        },
        role: caller.role(),
    })
}

fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError {
        status: StatusCode::FORBIDDEN,
        message: message.into(),
    }
}

/// The queue, if the caller may see it (reviewers: assigned ones).
fn visible(state: &AppState, caller: &Caller, queue: i64) -> ApiResult<QueueInfo> {
    let info = state.store(|s| s.queue(queue))?;
    if let Caller::User(u) = caller {
        if u.role == Role::Reviewer && !state.store(|s| s.is_assigned(queue, u.id))? {
            return Err(forbidden(format!(
                "{} is not assigned to queue {queue}",
                u.name
            )));
        }
    }
    Ok(info)
}

/// Answers `GET /api/review/queues`: every queue, or a reviewer's own.
pub async fn queues(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<QueueInfo>>> {
    state
        .blocking(move |state| {
            let only = match &caller {
                Caller::User(u) if u.role == Role::Reviewer => Some(u.id),
                _ => None,
            };
            Ok(Json(state.store(|s| s.queues(only))?))
        })
        .await
}

/// `POST /api/review/queues`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    dataset: String,
    name: String,
    from: String,
    #[serde(default = "one")]
    overlap: u32,
    limit: Option<usize>,
    #[serde(default)]
    assign: Vec<String>,
}

fn one() -> u32 {
    1
}

/// Answers `POST /api/review/queues` (admins).
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Json(req): Json<CreateRequest>,
) -> ApiResult<Json<QueueInfo>> {
    state
        .blocking(move |state| {
            let source =
                Source::parse(&req.from).map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
            let request = QueueRequest {
                dataset: req.dataset,
                name: req.name,
                source,
                overlap: req.overlap,
                limit: req.limit,
                assignees: req.assign,
                created_by: match &caller {
                    Caller::User(u) => Some(u.name.clone()),
                    Caller::Owner => None,
                },
            };
            let info = state
                .store(|s| create_queue(s, &request))
                .map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
            Ok(Json(info))
        })
        .await
}

/// `GET /api/review/queues/{id}`.
#[derive(Serialize)]
pub struct QueueDetail {
    queue: QueueInfo,
    items: Vec<ItemRow>,
    agreement: QueueAgreement,
    precision: Vec<IssuePrecision>,
    verdicts: Vec<VerdictRow>,
}

/// Answers `GET /api/review/queues/{id}`: progress, items, verdicts and
/// agreement.
pub async fn queue(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> ApiResult<Json<QueueDetail>> {
    state
        .blocking(move |state| {
            let queue = visible(state, &caller, id)?;
            let (items, verdicts) = state.store(|s| {
                Ok::<_, assay_store::StoreError>((s.queue_items(id)?, s.verdicts(id)?))
            })?;
            let agreement = state
                .store(|s| queue_agreement(s, id))
                .map_err(|e| ApiError::internal(format!("{e:#}")))?;
            let precision = state
                .store(|s| issue_precision(s, id))
                .map_err(|e| ApiError::internal(format!("{e:#}")))?;
            Ok(Json(QueueDetail {
                queue,
                items,
                agreement,
                precision,
                verdicts,
            }))
        })
        .await
}

/// `?limit=` of `next`.
#[derive(Deserialize)]
pub struct NextQuery {
    limit: Option<usize>,
}

/// An item to review with what the page draws.
#[derive(Serialize)]
pub struct NextItem {
    item: ItemRow,
    file_name: String,
    width: Option<u32>,
    height: Option<u32>,
    labels: Vec<Label>,
    classes: Vec<String>,
}

/// Answers `GET /api/review/queues/{id}/next`: the caller's next items.
pub async fn next(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
    Query(q): Query<NextQuery>,
) -> ApiResult<Json<Vec<NextItem>>> {
    state
        .blocking(move |state| {
            let queue = visible(state, &caller, id)?;
            let Caller::User(user) = &caller else {
                return Err(ApiError::bad_request(
                    "reviewing needs a user: add one with `assay users add` and open the server with their token",
                ));
            };
            let limit = q.limit.unwrap_or(2).clamp(1, MAX_NEXT);
            let classes: Vec<String> = state
                .store(|s| s.class_names(&queue.dataset))?
                .into_iter()
                .map(|c| c.1)
                .collect();
            let items = state.store(|s| s.next_items(id, user.id, limit))?;
            let mut out = Vec::new();
            for item in items {
                let row = state.store(|s| s.sample_row(item.sample))?;
                let labels = state
                    .store(|s| image_labels(s, item.sample))
                    .map_err(|e| ApiError::internal(format!("{e:#}")))?;
                out.push(NextItem {
                    file_name: row.file_name,
                    width: row.width,
                    height: row.height,
                    item,
                    labels,
                    classes: classes.clone(),
                });
            }
            Ok(Json(out))
        })
        .await
}

/// Answers `POST /api/review/items/{id}/verdicts`: records the caller's
/// verdict (reviewers on their queues, admins on any).
pub async fn verdict(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(item): Path<i64>,
    Json(input): Json<VerdictInput>,
) -> ApiResult<Json<Recorded>> {
    state
        .blocking(move |state| {
            let Caller::User(user) = &caller else {
                return Err(ApiError::bad_request(
                    "a verdict needs a user: add one with `assay users add` and use their token",
                ));
            };
            let user: User = user.clone();
            state
                .store(|s| submit(s, &user, item, &input))
                .map_err(|e| {
                    if e.downcast_ref::<Forbidden>().is_some() {
                        forbidden(format!("{e:#}"))
                    } else if let Some(assay_store::StoreError::NotFound(m)) = e.downcast_ref() {
                        ApiError::not_found(m.clone())
                    } else {
                        ApiError::bad_request(format!("{e:#}"))
                    }
                })
                .map(Json)
        })
        .await
}

/// `?dataset=` of the annotators' agreement.
#[derive(Deserialize)]
pub struct DatasetQuery {
    dataset: String,
}

/// Answers `GET /api/review/annotators?dataset=`: how far the dataset's
/// imported annotators agree (404 when it has fewer than two).
pub async fn annotators(
    State(state): State<Arc<AppState>>,
    Query(q): Query<DatasetQuery>,
) -> ApiResult<Json<assay_app::review::AnnotatorAgreement>> {
    state
        .blocking(move |state| {
            state
                .store(|s| assay_app::review::annotator_agreement(s, &q.dataset))
                .map(Json)
                .map_err(|e| ApiError::not_found(format!("{e:#}")))
        })
        .await
}
