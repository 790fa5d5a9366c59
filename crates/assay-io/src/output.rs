//! Files written under an output folder the user chose, with names that
//! come from a dataset.
//!
//! A dataset is untrusted: a file name such as `../../x.jpg` or
//! `/etc/passwd`, or a symbolic link already inside the output folder,
//! must not make an export write outside that folder, and no export may
//! open an existing file for writing (a copy of an image onto itself
//! would truncate it). So names are checked first ([`output_path`]), the
//! real parent folder is checked after it is created, and every file is
//! written to a fresh temporary file that then replaces the destination by
//! renaming, which replaces a link or an existing file instead of writing
//! through it.

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::error::{shorten, IoError, Result};

/// `out` joined with `relative` (a `/`-separated name from a dataset), or
/// why the name is refused: empty, absolute, or holding `..`.
pub fn output_path(out: &Path, relative: &str) -> std::result::Result<PathBuf, String> {
    let refuse = |why: &str| {
        Err(format!(
            "file name {} {why}",
            shorten(&format!("{relative:?}"))
        ))
    };
    let mut clean = PathBuf::new();
    for part in Path::new(relative).components() {
        match part {
            Component::Normal(p) => clean.push(p),
            Component::CurDir => {}
            Component::ParentDir => return refuse("holds `..`"),
            Component::RootDir | Component::Prefix(_) => return refuse("is absolute"),
        }
    }
    if clean.as_os_str().is_empty() {
        return refuse("is empty");
    }
    Ok(out.join(clean))
}

/// Creates `path`'s folder and checks that, with links resolved, it lies
/// inside `out`.
fn prepare_parent(out: &Path, path: &Path) -> Result<PathBuf> {
    let dir = path
        .parent()
        .ok_or_else(|| IoError::file(path, "expected a file path"))?;
    std::fs::create_dir_all(dir).map_err(|e| IoError::os(dir, e))?;
    let real_out = out.canonicalize().map_err(|e| IoError::os(out, e))?;
    let real_dir = dir.canonicalize().map_err(|e| IoError::os(dir, e))?;
    if !real_dir.starts_with(&real_out) {
        return Err(IoError::file(
            path,
            format!(
                "refused: its folder leads outside the output folder {} (a symbolic link?)",
                out.display()
            ),
        ));
    }
    Ok(real_dir)
}

/// Writes `bytes` to `path` (inside `out`) through a new temporary file
/// renamed over it: an existing file or link at `path` is replaced, never
/// written through.
pub fn write_inside(out: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = prepare_parent(out, path)?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| IoError::os(&dir, e))?;
    tmp.write_all(bytes).map_err(|e| IoError::os(path, e))?;
    tmp.persist(path).map_err(|e| IoError::os(path, e.error))?;
    Ok(())
}

/// What [`copy_inside`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copied {
    /// The file was copied.
    Copied,
    /// The destination is the source file itself; nothing was written.
    SameFile,
}

/// Copies `src` to `dest` (inside `out`) through a new temporary file
/// renamed over `dest`. When `dest` already is `src` (the same path, a link
/// to it, or a hard link), nothing is written.
pub fn copy_inside(out: &Path, src: &Path, dest: &Path) -> Result<Copied> {
    let dir = prepare_parent(out, dest)?;
    if same_file(src, dest) {
        return Ok(Copied::SameFile);
    }
    let mut input = std::fs::File::open(src).map_err(|e| IoError::os(src, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| IoError::os(&dir, e))?;
    std::io::copy(&mut input, tmp.as_file_mut()).map_err(|e| IoError::os(dest, e))?;
    tmp.persist(dest).map_err(|e| IoError::os(dest, e.error))?;
    Ok(Copied::Copied)
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_leaving_the_folder_are_refused() {
        let out = Path::new("/tmp/out");
        assert_eq!(
            output_path(out, "a/./b.jpg").unwrap(),
            Path::new("/tmp/out/a/b.jpg")
        );
        for bad in ["../x.jpg", "a/../../x", "/etc/passwd", "", ".", "a/.."] {
            assert!(output_path(out, bad).is_err(), "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_are_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let outside = dir.path().join("precious.txt");
        std::fs::write(&outside, "keep").unwrap();
        // A link at the destination is replaced by the new file.
        std::os::unix::fs::symlink(&outside, out.join("a.txt")).unwrap();
        write_inside(&out, &out.join("a.txt"), b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep");
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "new");
        // A linked folder leading outside is refused.
        std::os::unix::fs::symlink(dir.path(), out.join("up")).unwrap();
        assert!(write_inside(&out, &out.join("up/b.txt"), b"x").is_err());
        assert!(!dir.path().join("b.txt").exists());
        // Copying a file onto itself writes nothing.
        let src = out.join("a.txt");
        assert_eq!(copy_inside(&out, &src, &src).unwrap(), Copied::SameFile);
        assert_eq!(std::fs::read_to_string(&src).unwrap(), "new");
        assert_eq!(
            copy_inside(&out, &outside, &out.join("c/copy.txt")).unwrap(),
            Copied::Copied
        );
        assert_eq!(
            std::fs::read_to_string(out.join("c/copy.txt")).unwrap(),
            "keep"
        );
    }
}
