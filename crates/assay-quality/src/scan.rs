//! Scanning a folder of images: list the files, measure each on all cores
//! (rayon), then find issues over the metric rows.
//!
//! Memory stays bounded: each worker holds one decoded image at a time and
//! drops it once measured; only the metric rows (a few hundred bytes per
//! image, hashes included) are kept.

use std::path::{Path, PathBuf};

use assay_core::shard::{check_complete, Shard};
use assay_image::decode::decode;
use assay_image::listing::{list_images, to_file_name, ListError};
use rayon::prelude::*;
use serde::Serialize;

use crate::image_metrics::{measure_file, measure_file_fast, ImageMetrics, Unreadable};
use crate::issues::{find_issues, IssueConfig, IssueReport, Measured};

/// Why a scan could not start.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The folder could not be listed.
    #[error(transparent)]
    Listing(#[from] ListError),
}

/// How images are decoded for measuring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decoding {
    /// Every pixel (CleanVision's values exact): [`measure_file`].
    #[default]
    Exact,
    /// JPEGs at reduced size (`assay scan --fast`): [`measure_file_fast`].
    Fast,
}

impl Decoding {
    fn measure(self, path: &Path) -> Result<ImageMetrics, Unreadable> {
        match self {
            Decoding::Exact => measure_file(path),
            Decoding::Fast => measure_file_fast(path),
        }
    }
}

/// One image file and what was measured on it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ScanRow {
    /// Path relative to the scanned folder, `/`-separated.
    pub path: String,
    /// The metrics, or why the file could not be read.
    pub result: Result<ImageMetrics, Unreadable>,
}

impl ScanRow {
    /// The row as issue detection takes it.
    pub fn measured(&self) -> Measured<'_> {
        self.result.as_ref().map_err(|e| e.reason.as_str())
    }
}

/// A scanned folder: one row per image file, and the issues found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanReport {
    /// The folder scanned.
    pub root: PathBuf,
    /// One row per image file, sorted by path.
    pub rows: Vec<ScanRow>,
    /// Issues over the rows (image indices are row indices).
    pub issues: IssueReport,
}

/// Measures files (relative to `root`) on all cores, calling `on_done`
/// after each; the rows keep the input order.
pub fn measure_files(
    root: &Path,
    files: &[PathBuf],
    decoding: Decoding,
    on_done: &(dyn Fn() + Sync),
) -> Vec<ScanRow> {
    let paths: Vec<PathBuf> = files.iter().map(|rel| root.join(rel)).collect();
    files
        .iter()
        .zip(measure_paths(&paths, decoding, on_done))
        .map(|(rel, result)| ScanRow {
            path: to_file_name(rel),
            result,
        })
        .collect()
}

/// Measures image files on all cores, calling `on_done` after each; the
/// results keep the input order. A file that cannot be read or decoded is
/// an `Unreadable` with the reason.
pub fn measure_paths(
    paths: &[PathBuf],
    decoding: Decoding,
    on_done: &(dyn Fn() + Sync),
) -> Vec<Result<ImageMetrics, Unreadable>> {
    paths
        .par_iter()
        .map(|path| {
            let result = decoding.measure(path);
            on_done();
            result
        })
        .collect()
}

/// Reads and decodes files (relative to `root`) on all cores as
/// [`measure_files`] does, and measures nothing: the decoder's throughput,
/// the floor under a scan. Returns how many files could not be decoded.
pub fn decode_files(root: &Path, files: &[PathBuf], on_done: &(dyn Fn() + Sync)) -> usize {
    files
        .par_iter()
        .map(|rel| {
            let ok = std::fs::read(root.join(rel)).is_ok_and(|bytes| decode(&bytes).is_ok());
            on_done();
            usize::from(!ok)
        })
        .sum()
}

/// What a partial scan file says it is.
pub const PARTIAL_FORMAT: &str = "assay-scan-partial/2";

/// One shard of a scan: the rows of a contiguous run of the folder's
/// files. Issues need every image (duplicates, sizes and outliers are
/// judged over the whole set), so they are found only when the shards are
/// merged ([`merge_scans`]).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PartialScan {
    /// [`PARTIAL_FORMAT`].
    pub format: String,
    /// Which shard, from 0.
    pub shard: usize,
    /// Of how many.
    pub shards: usize,
    /// Files in the whole folder.
    pub files: usize,
    /// The folder, as the shard saw it.
    pub root: PathBuf,
    /// How the shard decoded its images (every shard's must be the same).
    #[serde(default)]
    pub decoding: Decoding,
    /// The shard's rows, in the folder's order.
    pub rows: Vec<ScanRow>,
}

/// Rows of the given files, named by their paths as given, in order.
fn measure_given_paths(
    paths: &[PathBuf],
    decoding: Decoding,
    on_done: &(dyn Fn() + Sync),
) -> Vec<ScanRow> {
    paths
        .iter()
        .zip(measure_paths(paths, decoding, on_done))
        .map(|(path, result)| ScanRow {
            path: path.to_string_lossy().into_owned(),
            result,
        })
        .collect()
}

/// Measures the given image files (on all cores) and finds issues over
/// them; each row's path is the file's path as given, in the given order.
pub fn scan_paths(
    paths: &[PathBuf],
    config: &IssueConfig,
    decoding: Decoding,
    on_done: &(dyn Fn() + Sync),
) -> ScanReport {
    let rows = measure_given_paths(paths, decoding, on_done);
    let measured: Vec<Measured<'_>> = rows.iter().map(ScanRow::measured).collect();
    let issues = find_issues(&measured, config);
    ScanReport {
        root: PathBuf::new(),
        rows,
        issues,
    }
}

/// Measures `paths`, the `shard`-th of `shards` contiguous runs of a list
/// of `files` files (rows named by the paths as given): a shard of a scan
/// of a file list, as a distributed engine hands out batches, for
/// [`merge_scans`].
pub fn scan_paths_shard(
    paths: &[PathBuf],
    shard: Shard,
    files: usize,
    decoding: Decoding,
) -> PartialScan {
    let rows = measure_given_paths(paths, decoding, &|| {});
    PartialScan {
        format: PARTIAL_FORMAT.to_string(),
        shard: shard.index,
        shards: shard.count,
        files,
        root: PathBuf::new(),
        decoding,
        rows,
    }
}

/// Lists the image files under `root` and measures the shard `shard` of
/// them (a contiguous run in listing order).
pub fn scan_shard(
    root: &Path,
    shard: Shard,
    decoding: Decoding,
    on_start: &dyn Fn(usize),
    on_done: &(dyn Fn() + Sync),
) -> Result<PartialScan, ScanError> {
    let files = list_images(root)?;
    let mine = &files[shard.range(files.len())];
    on_start(mine.len());
    Ok(PartialScan {
        format: PARTIAL_FORMAT.to_string(),
        shard: shard.index,
        shards: shard.count,
        files: files.len(),
        root: root.to_path_buf(),
        decoding,
        rows: measure_files(root, mine, decoding, on_done),
    })
}

/// The shards of one scan, all of them, put back in order and searched
/// for issues: the report one `scan_folder` gives. Shards must be those of
/// one listing (the same count and number of files), each once.
pub fn merge_scans(
    mut parts: Vec<PartialScan>,
    config: &IssueConfig,
) -> Result<ScanReport, String> {
    check_parts(&mut parts)?;
    let files = parts[0].files;
    let root = parts[0].root.clone();
    let rows: Vec<ScanRow> = parts.into_iter().flat_map(|p| p.rows).collect();
    if rows.len() != files {
        return Err(format!(
            "the shards hold {} rows for {files} files",
            rows.len()
        ));
    }
    let measured: Vec<Measured<'_>> = rows.iter().map(ScanRow::measured).collect();
    let issues = find_issues(&measured, config);
    Ok(ScanReport { root, rows, issues })
}

/// Sorts the parts of one sharded run by shard and checks that they belong
/// together: one format and decoding, the same shard count and number of
/// files, every shard once.
pub fn check_parts(parts: &mut [PartialScan]) -> Result<(), String> {
    let Some(first) = parts.first() else {
        return Err("no partial scans given".into());
    };
    let (shards, files, first_shard) = (first.shards, first.files, first.shard);
    let decoding = first.decoding;
    parts.sort_by_key(|p| p.shard);
    for p in parts.iter() {
        if p.format != PARTIAL_FORMAT {
            return Err(format!(
                "format {:?}, expected {PARTIAL_FORMAT:?}",
                p.format
            ));
        }
        if p.decoding != decoding {
            return Err(format!(
                "shard {}/{} was decoded {:?} and shard {}/{} {:?}: merge shards of one mode",
                p.shard + 1,
                p.shards,
                p.decoding,
                first_shard + 1,
                shards,
                decoding
            ));
        }
        if p.shards != shards || p.files != files {
            return Err(format!(
                "shard {}/{} of {} files does not belong with shard {}/{} of {} files",
                p.shard + 1,
                p.shards,
                p.files,
                first_shard + 1,
                shards,
                files
            ));
        }
    }
    let sorted: Vec<usize> = parts.iter().map(|p| p.shard).collect();
    check_complete(&sorted, shards)
}

/// Lists the image files under `root` (`assay_image::listing::list_images`),
/// measures them and finds issues. `on_start` receives the number of files
/// found, `on_done` is called after each file.
pub fn scan_folder(
    root: &Path,
    config: &IssueConfig,
    decoding: Decoding,
    on_start: &dyn Fn(usize),
    on_done: &(dyn Fn() + Sync),
) -> Result<ScanReport, ScanError> {
    let files = list_images(root)?;
    on_start(files.len());
    let rows = measure_files(root, &files, decoding, on_done);
    let measured: Vec<Measured<'_>> = rows.iter().map(ScanRow::measured).collect();
    let issues = find_issues(&measured, config);
    Ok(ScanReport {
        root: root.to_path_buf(),
        rows,
        issues,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image_metrics::tests::encode_png;
    use crate::issues::IssueType;
    use image::ExtendedColorType;

    #[test]
    fn scans_a_folder_with_good_and_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let png = encode_png(8, 8, ExtendedColorType::L8, &[0; 64]);
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("a.png"), &png).unwrap();
        std::fs::write(dir.path().join("sub/b.png"), &png).unwrap();
        std::fs::write(dir.path().join("empty.jpg"), b"").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"not listed").unwrap();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let report = scan_folder(
            dir.path(),
            &IssueConfig::default(),
            Decoding::Exact,
            &|n| assert_eq!(n, 3),
            &|| {
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            },
        )
        .unwrap();
        assert_eq!(done.into_inner(), 3);
        let paths: Vec<&str> = report.rows.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["a.png", "empty.jpg", "sub/b.png"]);
        let unreadable = report.issues.get(IssueType::Unreadable).unwrap();
        assert_eq!(unreadable.flagged[0].image, 1);
        let exact = report.issues.get(IssueType::ExactDuplicates).unwrap();
        assert_eq!(exact.groups, vec![vec![0, 2]]);
    }

    #[test]
    fn decode_only_counts_failures() {
        let dir = tempfile::tempdir().unwrap();
        let png = encode_png(4, 4, ExtendedColorType::L8, &[7; 16]);
        std::fs::write(dir.path().join("a.png"), &png).unwrap();
        std::fs::write(dir.path().join("b.jpg"), b"not a jpeg").unwrap();
        let files = list_images(dir.path()).unwrap();
        assert_eq!(decode_files(dir.path(), &files, &|| {}), 1);
    }

    #[test]
    fn missing_folder_is_an_error() {
        assert!(scan_folder(
            Path::new("/no/such/folder"),
            &IssueConfig::default(),
            Decoding::Exact,
            &|_| {},
            &|| {}
        )
        .is_err());
    }
}
