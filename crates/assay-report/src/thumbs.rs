//! Images embedded in the report: JPEG thumbnails of the samples' stored
//! files as `data:` URIs, made on all cores. A file that cannot be read or
//! decoded becomes a note saying why, never a failure.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine as _;
use rayon::prelude::*;

use crate::data::Thumbnail;

/// Longest side of an embedded thumbnail, in pixels.
pub const THUMBNAIL_SIDE: usize = 160;

/// Thumbnails of `paths` (relative ones taken from `root`), by path.
pub fn thumbnails(paths: Vec<String>, root: &Path, max_side: usize) -> HashMap<String, Thumbnail> {
    paths
        .into_par_iter()
        .map(|p| {
            let thumbnail = thumbnail(&root.join(&p), max_side);
            (p, thumbnail)
        })
        .collect()
}

/// The thumbnail of one image file.
pub fn thumbnail(path: &Path, max_side: usize) -> Thumbnail {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return Thumbnail::Unavailable(format!("cannot read the file: {e}")),
    };
    match assay_image::thumbnail::jpeg_thumbnail(&bytes, max_side) {
        Ok(jpeg) => Thumbnail::DataUri(jpeg_data_uri(&jpeg)),
        Err(e) => Thumbnail::Unavailable(e.to_string()),
    }
}

/// A JPEG as a `data:` URI.
pub fn jpeg_data_uri(jpeg: &[u8]) -> String {
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_and_missing_files_become_notes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.jpg"), b"\xff\xd8\xff not a jpeg").unwrap();
        let all = thumbnails(
            vec!["bad.jpg".into(), "missing.png".into()],
            dir.path(),
            THUMBNAIL_SIDE,
        );
        for name in ["bad.jpg", "missing.png"] {
            assert!(
                matches!(all[name], Thumbnail::Unavailable(_)),
                "{name}: {:?}",
                all[name]
            );
        }
    }

    #[test]
    fn readable_images_become_small_jpegs() {
        let dir = tempfile::tempdir().unwrap();
        let rgb = vec![128u8; 400 * 200 * 3];
        let jpeg = assay_image::thumbnail::encode_jpeg(&rgb, (400, 200)).unwrap();
        std::fs::write(dir.path().join("big.jpg"), jpeg).unwrap();
        let Thumbnail::DataUri(uri) = thumbnail(&dir.path().join("big.jpg"), 160) else {
            panic!("no thumbnail");
        };
        let b64 = uri.strip_prefix("data:image/jpeg;base64,").unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(&bytes[..2], b"\xff\xd8");
    }

    #[test]
    fn data_uris_are_base64_jpeg() {
        assert_eq!(jpeg_data_uri(b"\xff\xd8"), "data:image/jpeg;base64,/9g=");
    }
}
