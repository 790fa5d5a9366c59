//! Fuzz harness shared by the cargo-fuzz targets in `fuzz/` and by the
//! regression test `fuzz_regressions.rs`.
//!
//! Each entry point writes the input bytes into files of a fresh scratch
//! folder (on `/dev/shm` when there is one) and calls the public reader, as
//! the CLI does. A reader must return `Ok` or an [`IoError`] that names a
//! file in that folder; a panic is a bug. The first input byte picks a mode
//! where a target covers several readers.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use assay_core::model::Category;
use assay_io::{coco, generated, images, npy, npz, voc, yolo, IoError};

/// A harness entry point: one fuzz input in, a panic on a bug.
pub type Harness = fn(&[u8]);

/// Every target: its name (the folder under `fuzz/corpus/` and
/// `fuzz/artifacts/`) and its entry point.
pub const TARGETS: &[(&str, Harness)] = &[
    ("coco", coco),
    ("coco_results", coco_results),
    ("yolo", yolo),
    ("voc", voc),
    ("manifest", manifest),
    ("image_header", image_header),
    ("npy", npy),
    ("npz", npz),
];

/// A 4x3 greyscale PNG, so that YOLO labels have an image size to attach to.
pub const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x00, 0x00, 0x91, 0x9f, 0xf1,
    0x1a, 0x00, 0x00, 0x00, 0x0e, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x68, 0x00, 0x02, 0x06,
    0x38, 0x01, 0x00, 0x2d, 0x0f, 0x06, 0x01, 0xad, 0x02, 0xe3, 0x5e, 0x00, 0x00, 0x00, 0x00, 0x49,
    0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A fresh folder, removed when dropped.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    pub fn new() -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("assay-fuzz-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("cannot create the scratch folder");
        Scratch { dir }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` to `rel` under the folder (creating parents).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("cannot create a scratch subfolder");
        }
        std::fs::write(&path, bytes).expect("cannot write a scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The mode (`data[0] % modes`) and the rest of the input.
fn mode(data: &[u8], modes: u8) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&m, rest)) => (m % modes, rest),
        None => (0, data),
    }
}

/// The bytes before and after the first 0 byte, if there is one.
fn split_at_nul(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = data.iter().position(|&b| b == 0)?;
    Some((&data[..i], &data[i + 1..]))
}

/// The value of a reader's result; an error must name a file under `dir`
/// and say what is wrong.
fn check<T>(dir: &Path, result: Result<T, IoError>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            assert!(
                e.file.starts_with(dir),
                "error names {} outside {}: {e}",
                e.file.display(),
                dir.display()
            );
            assert!(!e.message.is_empty(), "error without a message: {e:?}");
            let text = e.to_string();
            assert!(text.contains(&e.message), "{text}");
            None
        }
    }
}

fn classes(n: i64) -> Vec<Category> {
    (0..n)
        .map(|i| Category::named(i, format!("class{i}")))
        .collect()
}

/// `coco::read_coco` on the input; what it reads must survive a round
/// trip through `coco::write_coco`.
pub fn coco(data: &[u8]) {
    let s = Scratch::new();
    let path = s.write("instances.json", data);
    let Some(read) = check(s.path(), coco::read_coco(&path)) else {
        return;
    };
    let d = &read.dataset;
    for w in read.warnings.all() {
        let _ = w.to_string();
    }
    let out = s.path().join("written.json");
    coco::write_coco(d, &out).expect("cannot write back a COCO file that was read");
    let again = coco::read_coco(&out)
        .unwrap_or_else(|e| panic!("cannot read back a written COCO file: {e}"));
    let a = &again.dataset;
    assert_eq!(a.samples, d.samples);
    assert_eq!(a.categories, d.categories);
    assert_eq!(a.annotations.len(), d.annotations.len());
}

/// `coco::read_coco_results_with` on the input against three images and
/// four categories; the first byte picks what to do with unknown classes.
pub fn coco_results(data: &[u8]) {
    let (m, data) = mode(data, 2);
    let s = Scratch::new();
    let path = s.write("results.json", data);
    let images: HashMap<i64, Option<(u32, u32)>> =
        HashMap::from([(1, Some((640, 480))), (2, None), (3, Some((4, 3)))]);
    let categories: HashSet<i64> = HashSet::from([1, 2, 3, 18]);
    let unknown = if m == 0 {
        coco::UnknownCategory::Error
    } else {
        coco::UnknownCategory::Skip
    };
    let result = if unknown == coco::UnknownCategory::Error {
        coco::read_coco_results(&path, &images, &categories)
    } else {
        coco::read_coco_results_with(&path, &images, &categories, unknown)
    };
    if let Some((annotations, _)) = check(s.path(), result) {
        for a in &annotations {
            assert!(images.contains_key(&a.sample_id));
            assert!(categories.contains(&a.category_id));
        }
        let out = s.path().join("written.json");
        coco::write_coco_results(&annotations, &out).expect("cannot write back results");
    }
}

/// YOLO: by the first byte, class lists (`.txt`, `data.yaml`, `.names`),
/// one label file (ground truth or predictions), a dataset tree, or a
/// prediction folder.
pub fn yolo(data: &[u8]) {
    let (m, data) = mode(data, 7);
    let s = Scratch::new();
    let dir = s.path();
    match m {
        0..=2 => {
            let name = ["classes.txt", "data.yaml", "coco.names"][usize::from(m)];
            let path = s.write(name, data);
            if let Some(cats) = check(dir, yolo::read_class_names(&path)) {
                let ids: HashSet<i64> = cats.iter().map(|c| c.id).collect();
                assert_eq!(ids.len(), cats.len(), "duplicate class ids");
            }
            if m == 1 {
                let _ = check(dir, yolo::read_splits(&path));
            }
        }
        3 | 4 => {
            let kind = if m == 3 {
                yolo::LabelKind::GroundTruth
            } else {
                yolo::LabelKind::Prediction
            };
            let path = s.write("label.txt", data);
            for line in check(dir, yolo::parse_label_file(&path, kind)).unwrap_or_default() {
                let _ = line.to_annotation(1, 1, (640, 480));
            }
        }
        5 => {
            // `data.yaml` NUL label file, or only a label file (4 classes).
            s.write("images/train/a.png", TINY_PNG);
            let (yaml, label) = match split_at_nul(data) {
                Some((yaml, label)) => (Some(yaml), label),
                None => (None, data),
            };
            let categories = match yaml {
                Some(yaml) => {
                    let path = s.write("data.yaml", yaml);
                    let _ = check(dir, yolo::read_splits(&path));
                    check(dir, yolo::read_class_names(&path)).unwrap_or_else(|| classes(4))
                }
                None => classes(4),
            };
            s.write("labels/train/a.txt", label);
            let images = dir.join("images/train");
            let labels = yolo::labels_dir_for(&images);
            if let Some(read) = check(
                dir,
                yolo::read_yolo(
                    &assay_io::images::ImageRoot::new(&images),
                    &labels,
                    categories,
                    || {},
                ),
            ) {
                assert_eq!(read.dataset.samples.len(), 1);
            }
        }
        _ => {
            s.write("pred/a.txt", data);
            let samples = HashMap::from([
                ("a".to_string(), (1, Some((4, 3)))),
                ("b".to_string(), (2, None)),
            ]);
            let result = yolo::read_yolo_predictions(&dir.join("pred"), &samples, &classes(4));
            let _ = check(dir, result);
        }
    }
}

/// `voc::read_voc` on one XML file (no class list, or a given one) or, by
/// the first byte, on two files split at the first 0 byte.
pub fn voc(data: &[u8]) {
    let (m, data) = mode(data, 3);
    let s = Scratch::new();
    let dir = s.path().join("Annotations");
    let classes = match m {
        1 => Some(vec![
            "person".to_string(),
            "car".to_string(),
            "dog".to_string(),
        ]),
        _ => None,
    };
    match (m, split_at_nul(data)) {
        (2, Some((a, b))) => {
            s.write("Annotations/a.xml", a);
            s.write("Annotations/b.xml", b);
        }
        _ => {
            s.write("Annotations/a.xml", data);
        }
    }
    if let Some(read) = check(s.path(), voc::read_voc(&dir, classes)) {
        let d = &read.dataset;
        let ids: HashSet<i64> = d.categories.iter().map(|c| c.id).collect();
        assert!(d.annotations.iter().all(|a| ids.contains(&a.category_id)));
    }
}

/// `generated::read_manifest` on a `.csv` or (by the first byte) `.jsonl`.
pub fn manifest(data: &[u8]) {
    let (m, data) = mode(data, 2);
    let s = Scratch::new();
    let path = s.write(["manifest.csv", "manifest.jsonl"][usize::from(m)], data);
    if let Some(read) = check(s.path(), generated::read_manifest(&path)) {
        assert!(!read.dataset.samples.is_empty());
    }
}

/// `images::inspect_image` (header size and hash) on the input.
pub fn image_header(data: &[u8]) {
    let s = Scratch::new();
    let path = s.write("image.bin", data);
    if let Some(file) = check(s.path(), images::inspect_image(&path)) {
        assert_eq!(file.bytes, data.len() as u64);
        if let Ok((w, h)) = file.size {
            assert!(w >= 1 && h >= 1);
        }
    }
}

/// `npy::read_npy` on the input, then the array's accessors.
pub fn npy(data: &[u8]) {
    let s = Scratch::new();
    let path = s.write("array.npy", data);
    if let Some(array) = check(s.path(), npy::read_npy(&path)) {
        check_array(s.path(), &path, &array);
    }
}

fn check_array(dir: &Path, path: &Path, array: &npy::NpyArray) {
    let count = array
        .shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d));
    assert_eq!(count, Some(array.values.len()), "{}", array.shape_text());
    if let Some(rows) = check(dir, array.rows(path)) {
        let _ = rows.map(<[f64]>::len).sum::<usize>();
    }
    let _ = check(dir, array.as_class_indices(path));
}

/// `.npz` archives: by the first byte, `npz::read_npz`,
/// `npz::read_fid_stats`, or `NpzFile`'s member access.
pub fn npz(data: &[u8]) {
    let (m, data) = mode(data, 3);
    let s = Scratch::new();
    let dir = s.path();
    let path = s.write("arrays.npz", data);
    match m {
        0 => {
            for (_, array) in check(dir, npz::read_npz(&path)).unwrap_or_default() {
                check_array(dir, &path, &array);
            }
        }
        1 => {
            if let Some(stats) = check(dir, npz::read_fid_stats(&path)) {
                assert_eq!(stats.sigma.len(), stats.dim() * stats.dim());
                assert!(stats.mu.iter().chain(&stats.sigma).all(|v| v.is_finite()));
            }
        }
        _ => {
            if let Some(file) = check(dir, npz::NpzFile::open(&path)) {
                for name in file.names() {
                    assert!(file.contains(name));
                    if let Some(array) = check(dir, file.array(name)) {
                        check_array(dir, &path, &array);
                    }
                }
                let _ = check(dir, file.array("no such array"));
            }
        }
    }
}
