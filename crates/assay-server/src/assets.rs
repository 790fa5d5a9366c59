//! The web UI's files, compiled into the binary by `build.rs` and served by
//! name from that fixed list: a request can never name a file on disk.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// Environment variable naming a folder to read the UI's files from
/// instead of the embedded copies (same names only), for editing the UI
/// without rebuilding.
pub const UI_DIR_VAR: &str = "ASSAY_UI_DIR";

/// The bytes of the asset `name`, when it is one of the UI's files.
pub fn asset(name: &str) -> Option<Vec<u8>> {
    let embedded = ASSETS.iter().find(|(n, _)| *n == name)?.1;
    if let Some(dir) = std::env::var_os(UI_DIR_VAR) {
        if let Ok(bytes) = std::fs::read(std::path::Path::new(&dir).join(name)) {
            return Some(bytes);
        }
    }
    Some(embedded.to_vec())
}

/// The content type of an asset, from its extension.
fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// Serves `/assets/<name>`.
pub async fn serve_asset(Path(name): Path<String>) -> Response {
    respond(&name)
}

/// Serves the page itself.
pub async fn index() -> Response {
    respond("index.html")
}

fn respond(name: &str) -> Response {
    match asset(name) {
        Some(bytes) => (
            [
                (header::CONTENT_TYPE, content_type(name)),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        None => {
            crate::error::ApiError::not_found(format!("no UI file named {name:?}")).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_names_are_served() {
        assert!(asset("index.html").is_some());
        for name in [
            "../Cargo.toml",
            "/etc/passwd",
            "..",
            "",
            "assets/index.html",
        ] {
            assert!(asset(name).is_none(), "{name}");
        }
    }
}
