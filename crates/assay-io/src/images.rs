//! Finding image files, reading their size from the header, hashing them.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{shorten, IoError, Result};

pub use assay_image::listing::{is_image_path, to_file_name, IMAGE_EXTENSIONS};

/// Every file under `root` (recursively), sorted by path relative to it.
/// Returns the relative paths; hidden files and folders are skipped.
/// (`assay_image::listing::list_files`, its error as an [`IoError`].)
pub fn list_files(root: &Path) -> Result<Vec<PathBuf>> {
    assay_image::listing::list_files(root).map_err(IoError::from)
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

/// Where a dataset's image files may be: the folder the user gave at
/// import, and whether file names may lead outside it.
///
/// A dataset file is untrusted: a file name such as `../../etc/passwd` or
/// `/home/me/.ssh/id_rsa`, or a symbolic link inside the folder pointing
/// elsewhere, must not make assay record (and later serve or copy) a file
/// outside the folder. Only with `allow_outside` (the user's explicit
/// `--allow-absolute-paths`, for exporters that write absolute paths) are
/// such names followed.
#[derive(Debug, Clone)]
pub struct ImageRoot {
    /// The folder, as given.
    pub dir: PathBuf,
    /// Whether absolute names and names leading outside `dir` are followed.
    pub allow_outside: bool,
    /// `dir` with links resolved, when it exists.
    real: Option<PathBuf>,
}

impl ImageRoot {
    /// Image files must resolve inside `dir`.
    pub fn new(dir: &Path) -> Self {
        ImageRoot {
            dir: dir.to_path_buf(),
            allow_outside: false,
            real: dir.canonicalize().ok(),
        }
    }

    /// Image files may be anywhere (`--allow-absolute-paths`).
    pub fn allowing_outside(dir: &Path) -> Self {
        ImageRoot {
            allow_outside: true,
            ..ImageRoot::new(dir)
        }
    }

    /// The file a dataset's `file_name` names, after checking that it stays
    /// inside the folder (symbolic links resolved). `Ok(None)` when there is
    /// no such file; `Err` says why the name is refused.
    pub fn resolve(&self, file_name: &str) -> std::result::Result<Option<PathBuf>, String> {
        let name = Path::new(file_name);
        let absolute = name.has_root()
            || name
                .components()
                .any(|c| matches!(c, std::path::Component::Prefix(_)));
        if absolute && !self.allow_outside {
            return Err(format!(
                "absolute image path {}; not read (pass --allow-absolute-paths to follow such paths)",
                quote_short(file_name)
            ));
        }
        let Some(path) = find_lossy(&self.dir, name) else {
            return Ok(None);
        };
        if self.allow_outside {
            return Ok(Some(path));
        }
        let (Ok(real), Some(root)) = (path.canonicalize(), &self.real) else {
            return Ok(None);
        };
        if !real.starts_with(root) {
            return Err(format!(
                "image path {} leads outside the image folder {} (through `..` or a symbolic link); not read (pass --allow-absolute-paths to follow it)",
                quote_short(file_name),
                self.dir.display()
            ));
        }
        Ok(Some(real))
    }
}

/// `name` under `dir`. A file name read from a folder listing whose bytes
/// are not UTF-8 carries U+FFFD in place of those bytes; such a component
/// is found by comparing the folder's entries the same lossy way.
fn find_lossy(dir: &Path, name: &Path) -> Option<PathBuf> {
    let direct = dir.join(name);
    if direct.exists() {
        return Some(direct);
    }
    if !name.to_string_lossy().contains('\u{FFFD}') {
        return None;
    }
    let mut path = dir.to_path_buf();
    for part in name.components() {
        let next = path.join(part);
        if next.exists() {
            path = next;
            continue;
        }
        let wanted = part.as_os_str().to_string_lossy();
        let entry = std::fs::read_dir(&path)
            .ok()?
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy() == wanted)?;
        path = entry.path();
    }
    Some(path)
}

/// `value` in quotes, cut to a short prefix when long.
fn quote_short(value: &str) -> String {
    shorten(&format!("{value:?}"))
}

/// The image files of a dataset's samples, found under one folder.
#[derive(Debug, Default)]
pub struct LocatedImages {
    /// Files found, by sample id.
    pub files: std::collections::HashMap<i64, ImageFile>,
    /// Missing, unreadable or mis-sized files.
    pub warnings: crate::error::Warnings,
}

/// Finds each sample's file under `root`, reads its size and hash, and
/// fills in sizes the dataset lacks. Missing, unreadable and refused files
/// (names leading outside the root) are warnings: annotations stay usable
/// without pixels.
pub fn locate_images(
    dataset: &mut assay_core::model::Dataset,
    root: &ImageRoot,
    on_done: impl Fn() + Sync,
) -> LocatedImages {
    let resolved: Vec<std::result::Result<Option<PathBuf>, String>> = dataset
        .samples
        .par_iter()
        .map(|s| root.resolve(&s.file_name))
        .collect();
    let paths: Vec<PathBuf> = resolved
        .iter()
        .filter_map(|r| r.as_ref().ok().cloned().flatten())
        .collect();
    let mut found = inspect_images(&paths, on_done).into_iter();
    let mut out = LocatedImages::default();
    for (sample, resolved) in dataset.samples.iter_mut().zip(resolved) {
        let path = match resolved {
            Err(why) => {
                out.warnings
                    .push("unsafe_image_path", shorten(&sample.file_name), why);
                continue;
            }
            Ok(None) => {
                let location = root.dir.join(&sample.file_name).display().to_string();
                out.warnings.push(
                    "missing_image_file",
                    location,
                    "image file not found or not readable",
                );
                continue;
            }
            Ok(Some(path)) => path,
        };
        let location = path.display().to_string();
        let Some(file) = found.next().flatten() else {
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn names_leading_outside_the_image_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let images = dir.path().join("images");
        std::fs::create_dir_all(images.join("sub")).unwrap();
        std::fs::write(images.join("sub/a.png"), b"x").unwrap();
        std::fs::write(dir.path().join("secret.png"), b"x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.png"), images.join("link.png")).unwrap();
        let root = ImageRoot::new(&images);
        assert!(root.resolve("sub/a.png").unwrap().is_some());
        assert!(root.resolve("sub/../sub/a.png").unwrap().is_some());
        assert_eq!(root.resolve("missing.png").unwrap(), None);
        let absolute = dir.path().join("secret.png");
        for bad in [
            "../secret.png",
            "sub/../../secret.png",
            "link.png",
            absolute.to_str().unwrap(),
        ] {
            let why = root.resolve(bad).unwrap_err();
            assert!(why.contains("--allow-absolute-paths"), "{bad}: {why}");
        }
        let open = ImageRoot::allowing_outside(&images);
        for fine in ["../secret.png", "link.png", absolute.to_str().unwrap()] {
            assert!(open.resolve(fine).unwrap().is_some(), "{fine}");
        }
    }

    #[test]
    fn a_listed_name_that_is_not_utf8_is_found_again() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let raw = std::ffi::OsStr::from_bytes(b"caf\xe9.png");
        std::fs::write(dir.path().join(raw), b"x").unwrap();
        let name = to_file_name(Path::new(raw));
        assert!(name.contains('\u{FFFD}'));
        let found = ImageRoot::new(dir.path()).resolve(&name).unwrap().unwrap();
        assert_eq!(found.file_name().unwrap(), raw);
    }
}
