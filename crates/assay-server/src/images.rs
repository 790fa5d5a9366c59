//! `GET /api/samples/<id>/image` and `/thumbnail`: a sample's own file, or
//! a JPEG preview cached under `.assay/thumbnails/`. The request names a
//! sample id; the path comes only from the store's record of that sample.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Longer side of thumbnails, in pixels.
pub const THUMBNAIL_SIDE: usize = 256;

/// Answers `GET /api/samples/<id>/image`.
pub async fn image(State(state): State<Arc<AppState>>, Path(id): Path<i64>) -> ApiResult<Response> {
    let bytes = state
        .blocking(move |state| read_image(id, &sample_file(state, id)?))
        .await?;
    let kind =
        assay_image::decode::FileFormat::sniff(&bytes).map_or("application/octet-stream", mime);
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        bytes,
    )
        .into_response())
}

/// Answers `GET /api/samples/<id>/thumbnail`.
pub async fn thumbnail(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let bytes = state
        .blocking(move |state| cached_thumbnail(state, id))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        bytes,
    )
        .into_response())
}

fn cached_thumbnail(state: &AppState, id: i64) -> ApiResult<Vec<u8>> {
    let source = sample_file(state, id)?;
    let dir = state.root.join(assay_store::PROJECT_DIR).join("thumbnails");
    let cached = dir.join(format!("{id}.jpg"));
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(thumb), Some(src)) = (modified(&cached), modified(&source)) {
        if thumb >= src {
            if let Ok(bytes) = std::fs::read(&cached) {
                return Ok(bytes);
            }
        }
    }
    let bytes = read_image(id, &source)?;
    let thumb = assay_image::thumbnail::jpeg_thumbnail(&bytes, THUMBNAIL_SIDE).map_err(|e| {
        ApiError::not_found(format!("sample {id}: the image cannot be decoded: {e}"))
    })?;
    // A cache that cannot be written only costs time.
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(&cached, &thumb);
    }
    Ok(thumb)
}

/// The file recorded for sample `id`.
fn sample_file(state: &AppState, id: i64) -> ApiResult<PathBuf> {
    let (_, path) = state
        .store(|s| s.sample_location(id))?
        .ok_or_else(|| ApiError::not_found(format!("no sample with id {id}")))?;
    let path = path.ok_or_else(|| ApiError::not_found(format!("sample {id} has no image file")))?;
    if !path.is_absolute() {
        return Err(ApiError::not_found(format!(
            "sample {id}: its recorded path is not absolute; import it again"
        )));
    }
    Ok(path)
}

/// The bytes of `path` when it is a regular file that starts like an image
/// (JPEG, PNG, GIF, BMP, WebP, TIFF): the server serves nothing else, even
/// if a store records another file.
fn read_image(id: i64, path: &std::path::Path) -> ApiResult<Vec<u8>> {
    use std::io::Read as _;
    let not_image = || ApiError::not_found(format!("sample {id}: its file is not an image"));
    let meta = std::fs::metadata(path).map_err(|e| unreadable(id, e))?;
    if !meta.is_file() {
        return Err(not_image());
    }
    let mut file = std::fs::File::open(path).map_err(|e| unreadable(id, e))?;
    let mut head = [0u8; 16];
    let n = file.read(&mut head).map_err(|e| unreadable(id, e))?;
    if assay_image::decode::FileFormat::sniff(&head[..n]).is_none() {
        return Err(not_image());
    }
    let mut bytes = head[..n].to_vec();
    file.read_to_end(&mut bytes)
        .map_err(|e| unreadable(id, e))?;
    Ok(bytes)
}

fn unreadable(id: i64, e: std::io::Error) -> ApiError {
    ApiError::not_found(format!("sample {id}: the image file cannot be read: {e}"))
}

fn mime(format: assay_image::decode::FileFormat) -> &'static str {
    use assay_image::decode::FileFormat;
    match format {
        FileFormat::Jpeg => "image/jpeg",
        FileFormat::Png => "image/png",
        FileFormat::Gif => "image/gif",
        FileFormat::Bmp => "image/bmp",
        FileFormat::Webp => "image/webp",
        FileFormat::Tiff => "image/tiff",
    }
}
