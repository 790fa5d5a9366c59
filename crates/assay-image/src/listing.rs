//! Finding image files in a folder: every file under it, sorted, hidden
//! entries skipped; image files told apart by their extension; relative
//! paths written as dataset files write them.
//!
//! `assay-io` lists folders with these same functions (re-exported from
//! `assay_io::images`, its errors turned into `IoError`s), so imports and
//! scans see the same files.

use std::path::{Path, PathBuf};

/// File extensions (lowercase) treated as images.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "webp"];

/// A folder that could not be listed: the path at fault and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct ListError {
    /// The folder, or the entry under it, that could not be read.
    pub path: PathBuf,
    /// What was wrong.
    pub message: String,
}

impl ListError {
    fn new(path: &Path, message: impl Into<String>) -> Self {
        ListError {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// Whether a path has an image extension (any case).
pub fn is_image_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Every file under `root` (recursively, links followed), sorted by path
/// relative to it. Returns the relative paths; hidden files and folders
/// (names starting with `.`) are skipped.
pub fn list_files(root: &Path) -> Result<Vec<PathBuf>, ListError> {
    if !root.exists() {
        return Err(ListError::new(root, "folder not found"));
    }
    if !root.is_dir() {
        return Err(ListError::new(root, "expected a folder, found a file"));
    }
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name();
    let visible =
        |e: &walkdir::DirEntry| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.');
    for entry in walker.into_iter().filter_entry(visible) {
        let entry = entry.map_err(|e| ListError::new(e.path().unwrap_or(root), e.to_string()))?;
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            out.push(rel.to_path_buf());
        }
    }
    Ok(out)
}

/// The image files under `root` (see [`list_files`]), by extension, as
/// paths relative to `root`, sorted.
pub fn list_images(root: &Path) -> Result<Vec<PathBuf>, ListError> {
    let mut files = list_files(root)?;
    files.retain(|p| is_image_path(p));
    Ok(files)
}

/// Relative path as a `/`-separated string, as written in dataset files.
pub fn to_file_name(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_paths_by_extension_in_any_case() {
        for name in ["a.jpg", "b.JPEG", "c/d.Png", "e.webp", "f.tif"] {
            assert!(is_image_path(Path::new(name)), "{name}");
        }
        for name in ["a.txt", "jpg", "b.jpg.txt", ".png/x"] {
            assert!(!is_image_path(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn lists_sorted_relative_paths_without_hidden_entries() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("sub/.hidden")).unwrap();
        for name in ["b.png", "a.txt", "sub/c.JPG", ".d.png", "sub/.hidden/e.png"] {
            std::fs::write(root.join(name), b"x").unwrap();
        }
        let names: Vec<String> = list_files(root)
            .unwrap()
            .iter()
            .map(|p| to_file_name(p))
            .collect();
        assert_eq!(names, ["a.txt", "b.png", "sub/c.JPG"]);
        let images: Vec<String> = list_images(root)
            .unwrap()
            .iter()
            .map(|p| to_file_name(p))
            .collect();
        assert_eq!(images, ["b.png", "sub/c.JPG"]);
    }

    #[test]
    fn a_missing_folder_or_a_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let err = list_files(&missing).unwrap_err();
        assert_eq!(err.path, missing);
        assert_eq!(err.message, "folder not found");
        assert_eq!(
            err.to_string(),
            format!("{}: folder not found", missing.display())
        );
        let file = dir.path().join("f.png");
        std::fs::write(&file, b"x").unwrap();
        assert_eq!(
            list_files(&file).unwrap_err().message,
            "expected a folder, found a file"
        );
    }
}
