//! Limits on what a client may send, checked before any handler runs, and
//! the freshness check of the caches.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;
use crate::{BODY_TIMEOUT, MAX_BODY};

/// Reads the request body whole before the handler runs: a declared
/// `Content-Length` over [`MAX_BODY`] (ingestion: its own larger limit) is refused at once (413, before the
/// body arrives), a body that grows past it too, and one that takes longer
/// than [`BODY_TIMEOUT`] to arrive gets 408.
pub async fn read_body(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let limit = if request.uri().path() == "/api/ingest" {
        crate::ingest::MAX_INGEST_BODY
    } else {
        MAX_BODY
    };
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit);
    }
    let (parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return too_large(limit),
        Err(_) => {
            let msg = format!(
                "the request body did not arrive within {} s",
                BODY_TIMEOUT.as_secs()
            );
            return ApiError {
                status: StatusCode::REQUEST_TIMEOUT,
                message: msg,
            }
            .into_response();
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn too_large(limit: usize) -> Response {
    ApiError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!("request bodies are limited to {limit} bytes"),
    }
    .into_response()
}

/// Before each API request: reload what another process changed in the
/// store since the caches were built.
pub async fn refresh(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let checked = state.blocking(|state| state.refresh_if_changed()).await;
    match checked {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}
