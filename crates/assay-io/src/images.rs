//! Finding image files, reading their size from the header, hashing them.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{IoError, Result};

/// File extensions (lowercase) treated as images.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "webp"];

/// Whether a path has an image extension.
pub fn is_image_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Every file under `root` (recursively), sorted by path relative to it.
/// Returns the relative paths; hidden files and folders are skipped.
pub fn list_files(root: &Path) -> Result<Vec<PathBuf>> {
    if !root.exists() {
        return Err(IoError::file(root, "folder not found"));
    }
    if !root.is_dir() {
        return Err(IoError::file(root, "expected a folder, found a file"));
    }
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name();
    let visible =
        |e: &walkdir::DirEntry| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.');
    for entry in walker.into_iter().filter_entry(visible) {
        let entry = entry.map_err(|e| IoError::file(e.path().unwrap_or(root), e.to_string()))?;
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            out.push(rel.to_path_buf());
        }
    }
    Ok(out)
}

/// Relative path as a `/`-separated string, as written in dataset files.
pub fn to_file_name(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Largest plausible image side; larger sizes in a header mean a damaged file.
const MAX_SIDE: u32 = 1 << 17;

/// What the file system says about one image file.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageFile {
    /// Absolute path.
    pub path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// BLAKE3 hash of the file's bytes, hex.
    pub content_hash: String,
    /// `(width, height)` from the header, or why it could not be read.
    pub size: std::result::Result<(u32, u32), String>,
}

/// Reads one image file: its size from the header and its content hash.
/// `Err` only when the file cannot be read at all.
pub fn inspect_image(path: &Path) -> Result<ImageFile> {
    let bytes = std::fs::read(path).map_err(|e| IoError::os(path, e))?;
    let size = if bytes.is_empty() {
        Err("the file is empty".to_string())
    } else {
        imagesize::blob_size(&bytes)
            .map_err(|e| format!("not a readable image ({e})"))
            .and_then(
                |s| match (u32::try_from(s.width), u32::try_from(s.height)) {
                    (Ok(w), Ok(h))
                        if (1..=MAX_SIDE).contains(&w) && (1..=MAX_SIDE).contains(&h) =>
                    {
                        Ok((w, h))
                    }
                    _ => Err(format!(
                        "image header gives an invalid size {}x{}",
                        s.width, s.height
                    )),
                },
            )
    };
    let path = std::path::absolute(path).map_err(|e| IoError::os(path, e))?;
    Ok(ImageFile {
        path,
        bytes: bytes.len() as u64,
        content_hash: blake3::hash(&bytes).to_hex().to_string(),
        size,
    })
}

/// Inspects many images on all cores; `on_done` is called after each.
/// The result for each path is `None` when the file does not exist or cannot be read.
pub fn inspect_images(paths: &[PathBuf], on_done: impl Fn() + Sync) -> Vec<Option<ImageFile>> {
    paths
        .par_iter()
        .map(|p| {
            let r = inspect_image(p).ok();
            on_done();
            r
        })
        .collect()
}

/// The image files of a dataset's samples, found under one folder.
#[derive(Debug, Default)]
pub struct LocatedImages {
    /// Files found, by sample id.
    pub files: std::collections::HashMap<i64, ImageFile>,
    /// Missing, unreadable or mis-sized files.
    pub warnings: crate::error::Warnings,
}

/// Finds each sample's file under `images_dir`, reads its size and hash,
/// and fills in sizes the dataset lacks. Missing and unreadable files are
/// warnings: annotations stay usable without pixels.
pub fn locate_images(
    dataset: &mut assay_core::model::Dataset,
    images_dir: &Path,
    on_done: impl Fn() + Sync,
) -> LocatedImages {
    let paths: Vec<PathBuf> = dataset
        .samples
        .iter()
        .map(|s| images_dir.join(&s.file_name))
        .collect();
    let found = inspect_images(&paths, on_done);
    let mut out = LocatedImages::default();
    for ((sample, path), file) in dataset.samples.iter_mut().zip(&paths).zip(found) {
        let location = path.display().to_string();
        let Some(file) = file else {
            out.warnings.push(
                "missing_image_file",
                location,
                "image file not found or not readable",
            );
            continue;
        };
        match (&file.size, sample.width.zip(sample.height)) {
            (Err(why), _) => out.warnings.push("unreadable_image", location, why.clone()),
            (Ok((w, h)), None) => {
                sample.width = Some(*w);
                sample.height = Some(*h);
            }
            (Ok(actual), Some(declared)) if *actual != declared => {
                let msg = format!(
                    "the file is {}x{} but the annotations say {}x{}; the annotations' size is kept",
                    actual.0, actual.1, declared.0, declared.1
                );
                out.warnings.push("image_size_mismatch", location, msg);
            }
            _ => {}
        }
        out.files.insert(sample.id, file);
    }
    out
}
