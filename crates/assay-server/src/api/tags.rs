//! `POST /api/tags`: adds a tag to (or removes it from) samples.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Longest tag accepted.
const MAX_TAG: usize = 64;

/// The request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRequest {
    sample_ids: Vec<i64>,
    tag: String,
    #[serde(default)]
    remove: bool,
}

/// The answer.
#[derive(Serialize)]
pub struct Tagged {
    changed: usize,
}

/// Answers `POST /api/tags`.
pub async fn tag(
    State(state): State<Arc<AppState>>,
    Json(req): Json<TagRequest>,
) -> ApiResult<Json<Tagged>> {
    let tag = req.tag.trim().to_string();
    if tag.is_empty() || tag.chars().count() > MAX_TAG || tag.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "a tag is 1 to {MAX_TAG} characters without control characters"
        )));
    }
    state
        .blocking(move |state| {
            let changed = state.store(|s| s.set_tag(&req.sample_ids, &tag, req.remove))?;
            // Keep the explorer's copy of the tags in step with the store.
            for id in &req.sample_ids {
                let Some((dataset, _)) = state.store(|s| s.sample_location(*id))? else {
                    continue;
                };
                let table = state.table(&dataset)?;
                let Some(&i) = table.index_of.get(id) else {
                    continue;
                };
                let mut tags = table.tags.write().unwrap_or_else(|e| e.into_inner());
                let set = tags.by_tag.entry(tag.clone()).or_default();
                if req.remove {
                    set.remove(&i);
                } else {
                    set.insert(i);
                }
            }
            Ok(Json(Tagged { changed }))
        })
        .await
}
