//! YOLO (Ultralytics) datasets: one `.txt` label file per image with
//! normalised `class cx cy w h` boxes or `class x1 y1 x2 y2 ...` polygons, and
//! class names in a `data.yaml` (`names:` as a list or an index map).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use assay_core::geometry::{polygon_bbox, BBox};
use assay_core::model::{Annotation, Category, Dataset, Sample, Segmentation};

use crate::error::{read_text, IoError, Result, Warnings};
use crate::images::{
    is_image_path, list_files, locate_images, to_file_name, ImageRoot, LocatedImages,
};
use crate::output::{output_path, write_inside};

/// Class names from a YOLO `data.yaml` / `config.yaml` (`names:` as a list or
/// a map from index to name) or from a plain text file with one name a line
/// (`classes.txt`, Darknet's `obj.names`, or any other name).
///
/// The content decides, not the extension: a file that reads as a YAML
/// mapping is a dataset YAML, anything else a plain list. `.txt` files are
/// always plain lists and `.yaml`/`.yml` files always YAML.
pub fn read_class_names(path: &Path) -> Result<Vec<Category>> {
    let text = read_text(path)?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let yaml = match ext.as_deref() {
        Some("txt") => false,
        Some("yaml" | "yml") => true,
        _ => serde_yaml::from_str::<serde_yaml::Value>(&text).is_ok_and(|v| v.is_mapping()),
    };
    if !yaml {
        return plain_class_names(path, &text);
    }
    let config: DataYaml = parse_yaml(path, &text)?;
    let names = config.names.ok_or_else(|| {
        IoError::at(
            path,
            "names",
            "expected a `names:` list or map of class names",
        )
    })?;
    let mut categories: Vec<Category> = match names {
        Names::List(list) => list
            .into_iter()
            .enumerate()
            .map(|(i, n)| Category::named(i as i64, n))
            .collect(),
        Names::Map(map) => map
            .into_iter()
            .map(|(i, n)| Category::named(i, n))
            .collect(),
    };
    categories.sort_by_key(|c| c.id);
    check_unique_names(path, &categories)?;
    Ok(categories)
}

/// One class name a line; blank lines are skipped.
fn plain_class_names(path: &Path, text: &str) -> Result<Vec<Category>> {
    let names = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let categories: Vec<Category> = names
        .enumerate()
        .map(|(i, n)| Category::named(i as i64, n))
        .collect();
    if categories.is_empty() {
        return Err(IoError::file(
            path,
            "expected class names, one a line (or a YAML file with `names:`), found none",
        ));
    }
    check_unique_names(path, &categories)?;
    Ok(categories)
}

fn check_unique_names(path: &Path, categories: &[Category]) -> Result<()> {
    let mut seen = HashMap::new();
    for c in categories {
        if let Some(other) = seen.insert(c.name.clone(), c.id) {
            let msg = format!(
                "class name {:?} is used by classes {other} and {}",
                c.name, c.id
            );
            return Err(IoError::at(path, "names", msg));
        }
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct DataYaml {
    path: Option<PathBuf>,
    train: Option<Folders>,
    val: Option<Folders>,
    test: Option<Folders>,
    names: Option<Names>,
}

/// A split's images: one folder or a list of folders.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Folders {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl Folders {
    fn into_vec(self) -> Vec<PathBuf> {
        match self {
            Folders::One(p) => vec![p],
            Folders::Many(v) => v,
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Names {
    List(Vec<String>),
    Map(std::collections::BTreeMap<i64, String>),
}

fn parse_yaml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    serde_yaml::from_str(text).map_err(|e| {
        let location = e
            .location()
            .map(|l| format!("line {}, column {}", l.line(), l.column()));
        let message = format!("expected a YOLO dataset YAML file: {e}");
        IoError {
            file: path.to_path_buf(),
            location,
            message,
        }
    })
}

/// The image and label folders of each split named in a `data.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub struct YoloSplit {
    /// `train`, `val` or `test`.
    pub name: String,
    /// Folder of images.
    pub images: PathBuf,
    /// Folder of label files (the images folder with `images` replaced by `labels`).
    pub labels: PathBuf,
}

/// The splits a `data.yaml` lists, resolved against its `path:` (itself
/// relative to the YAML file's folder). A split is named by its key
/// (`train`, `val`, `test`), as in Ultralytics; a key may list several folders.
pub fn read_splits(data_yaml: &Path) -> Result<Vec<YoloSplit>> {
    let config: DataYaml = parse_yaml(data_yaml, &read_text(data_yaml)?)?;
    let base = data_yaml
        .parent()
        .unwrap_or(Path::new("."))
        .join(config.path.unwrap_or_default());
    let entries = [
        ("train", config.train),
        ("val", config.val),
        ("test", config.test),
    ];
    let splits: Vec<YoloSplit> = entries
        .into_iter()
        .filter_map(|(name, dirs)| dirs.map(|d| (name, d)))
        .flat_map(|(name, dirs)| dirs.into_vec().into_iter().map(move |d| (name, d)))
        .map(|(name, dir)| (name, base.join(dir)))
        .map(|(name, images)| YoloSplit {
            name: name.to_string(),
            labels: labels_dir_for(&images),
            images,
        })
        .collect();
    if splits.is_empty() {
        return Err(IoError::file(
            data_yaml,
            "expected at least one of `train:`, `val:`, `test:`",
        ));
    }
    Ok(splits)
}

/// Ultralytics' rule: the labels of `.../images/x` live in `.../labels/x`.
pub fn labels_dir_for(images: &Path) -> PathBuf {
    let mut parts: Vec<_> = images
        .components()
        .map(|c| c.as_os_str().to_os_string())
        .collect();
    if let Some(p) = parts.iter_mut().rev().find(|p| *p == "images") {
        *p = "labels".into();
    }
    parts.iter().collect()
}

/// A YOLO folder pair read into a dataset.
#[derive(Debug)]
pub struct YoloRead {
    /// Images numbered from 1 in path order, boxes and polygons in pixels.
    pub dataset: Dataset,
    /// The image files, by sample id.
    pub images: LocatedImages,
    /// Usable oddities.
    pub warnings: Warnings,
}

/// Reads every image under `images_dir` with its label file under
/// `labels_dir` (same relative path, `.txt`). An image without a label file
/// has no objects, as in Ultralytics.
pub fn read_yolo(
    images: &ImageRoot,
    labels_dir: &Path,
    categories: Vec<Category>,
    on_image: impl Fn() + Sync,
) -> Result<YoloRead> {
    let mut dataset = Dataset {
        samples: image_samples(&images.dir)?,
        categories,
        annotations: Vec::new(),
    };
    let images = locate_images(&mut dataset, images, on_image);
    let mut warnings = Warnings::default();
    let class_ids: HashMap<i64, ()> = dataset.categories.iter().map(|c| (c.id, ())).collect();
    for sample in &dataset.samples {
        let label_path = labels_dir.join(&sample.file_name).with_extension("txt");
        if !label_path.exists() {
            continue;
        }
        let Some(size) = sample.width.zip(sample.height) else {
            let msg = "the image's size is unknown, so its normalised labels cannot be placed; labels skipped";
            warnings.push(
                "labels_without_image",
                label_path.display().to_string(),
                msg,
            );
            continue;
        };
        for line in parse_label_file(&label_path, LabelKind::GroundTruth)? {
            if !class_ids.contains_key(&line.class) {
                let msg = format!(
                    "class {} is not among the {} class names",
                    line.class,
                    class_ids.len()
                );
                return Err(IoError::at(
                    &label_path,
                    format!("line {}", line.number),
                    msg,
                ));
            }
            let a = line.to_annotation(dataset.annotations.len() as i64 + 1, sample.id, size);
            if let Some(b) = &a.bbox {
                let location = || format!("{}: line {}", label_path.display(), line.number);
                warnings.box_outside_image(b, size, location);
            }
            dataset.annotations.push(a);
        }
    }
    warn_orphan_labels(labels_dir, &dataset.samples, &mut warnings)?;
    Ok(YoloRead {
        dataset,
        images,
        warnings,
    })
}

/// An image as prediction files refer to it: its id and, when known, its size.
pub type ImageRef = (i64, Option<(u32, u32)>);

/// Reads YOLO prediction files (`class cx cy w h conf`, one file per image
/// named like the image) for the given samples. `samples` maps a sample's
/// file name without extension to its id and size; `num_classes` bounds the
/// class index. Label files for unknown images are errors.
pub fn read_yolo_predictions(
    labels_dir: &Path,
    samples: &HashMap<String, ImageRef>,
    categories: &[Category],
) -> Result<(Vec<Annotation>, Warnings)> {
    let class_ids: std::collections::HashSet<i64> = categories.iter().map(|c| c.id).collect();
    let mut out = Vec::new();
    let mut warnings = Warnings::default();
    for rel in list_files(labels_dir)?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
    {
        let path = labels_dir.join(&rel);
        let stem = to_file_name(&rel.with_extension(""));
        let Some(&(sample_id, size)) = samples.get(&stem) else {
            return Err(IoError::file(
                &path,
                format!("no image named {stem:?} in the dataset"),
            ));
        };
        let Some(size) = size else {
            let msg =
                "the image's size is unknown, so its normalised boxes cannot be placed; skipped";
            warnings.push("labels_without_image", path.display().to_string(), msg);
            continue;
        };
        for line in parse_label_file(&path, LabelKind::Prediction)? {
            if !class_ids.contains(&line.class) {
                let msg = format!(
                    "class {} is not among the dataset's {} classes",
                    line.class,
                    class_ids.len()
                );
                return Err(IoError::at(&path, format!("line {}", line.number), msg));
            }
            out.push(line.to_annotation(out.len() as i64 + 1, sample_id, size));
        }
    }
    Ok((out, warnings))
}

fn image_samples(images_dir: &Path) -> Result<Vec<Sample>> {
    let files = list_files(images_dir)?;
    let images = files.iter().filter(|p| is_image_path(p));
    Ok(images
        .enumerate()
        .map(|(i, rel)| Sample {
            id: i as i64 + 1,
            file_name: to_file_name(rel),
            width: None,
            height: None,
            split: None,
            generation: None,
        })
        .collect())
}

fn warn_orphan_labels(
    labels_dir: &Path,
    samples: &[Sample],
    warnings: &mut Warnings,
) -> Result<()> {
    if !labels_dir.is_dir() {
        let msg = "label folder not found; every image is imported without objects";
        warnings.push(
            "missing_label_folder",
            labels_dir.display().to_string(),
            msg,
        );
        return Ok(());
    }
    let stems: std::collections::HashSet<PathBuf> = samples
        .iter()
        .map(|s| Path::new(&s.file_name).with_extension(""))
        .collect();
    for rel in list_files(labels_dir)? {
        if rel.extension().is_some_and(|e| e == "txt") && !stems.contains(&rel.with_extension("")) {
            let msg = "label file has no image; ignored";
            warnings.push(
                "label_without_image",
                labels_dir.join(&rel).display().to_string(),
                msg,
            );
        }
    }
    Ok(())
}

/// Whether label lines carry a confidence (predictions) or not (ground truth).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelKind {
    /// `class cx cy w h` or `class x1 y1 ... xn yn`.
    GroundTruth,
    /// `class cx cy w h confidence` (Ultralytics `save_conf`).
    Prediction,
}

/// One parsed line of a label file, coordinates still normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelLine {
    /// 1-based line number.
    pub number: usize,
    /// Class index.
    pub class: i64,
    /// Box or polygon.
    pub shape: LabelShape,
    /// Confidence, for predictions.
    pub confidence: Option<f64>,
}

/// The geometry of a label line, normalised to `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelShape {
    /// Centre and size.
    Box([f64; 4]),
    /// Polygon vertices.
    Polygon(Vec<f64>),
}

impl LabelLine {
    /// The line as an annotation in pixels on a `(width, height)` image.
    pub fn to_annotation(
        &self,
        id: i64,
        sample_id: i64,
        (width, height): (u32, u32),
    ) -> Annotation {
        let (w, h) = (f64::from(width), f64::from(height));
        let mut a = Annotation::new(id, sample_id, self.class);
        match &self.shape {
            LabelShape::Box([cx, cy, bw, bh]) => {
                a.bbox = Some(BBox::from_center(cx * w, cy * h, bw * w, bh * h))
            }
            LabelShape::Polygon(p) => {
                let pixels: Vec<f64> = p
                    .chunks_exact(2)
                    .flat_map(|xy| [xy[0] * w, xy[1] * h])
                    .collect();
                let parts = vec![pixels];
                a.bbox = polygon_bbox(&parts);
                a.segmentation = Some(Segmentation::Polygons(parts));
            }
        }
        a.score = self.confidence;
        a
    }
}

/// Parses a label file; every malformed line is an error naming the line.
pub fn parse_label_file(path: &Path, kind: LabelKind) -> Result<Vec<LabelLine>> {
    let text = read_text(path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = parse_label_line(line, i + 1, kind)
            .map_err(|m| IoError::at(path, format!("line {}", i + 1), m))?;
        out.push(parsed);
    }
    Ok(out)
}

fn parse_label_line(
    line: &str,
    number: usize,
    kind: LabelKind,
) -> std::result::Result<LabelLine, String> {
    let mut tokens = line.split_whitespace();
    let class_token = tokens.next().unwrap_or_default();
    let class = class_token
        .parse::<i64>()
        .ok()
        .filter(|c| *c >= 0)
        .ok_or_else(|| {
            format!("expected a class index (a non-negative integer), found {class_token:?}")
        })?;
    let mut values = Vec::new();
    for t in tokens {
        let v: f64 = t
            .parse()
            .map_err(|_| format!("expected a number, found {t:?}"))?;
        if !v.is_finite() {
            return Err(format!("expected a finite number, found {t:?}"));
        }
        values.push(v);
    }
    let confidence = match kind {
        LabelKind::Prediction if values.len() == 5 => values.pop(),
        _ => None,
    };
    let shape = match values.len() {
        4 => {
            let b = [values[0], values[1], values[2], values[3]];
            if b[2] < 0.0 || b[3] < 0.0 {
                return Err(format!("box has a negative width or height: {line:?}"));
            }
            LabelShape::Box(b)
        }
        n if n >= 6 && n % 2 == 0 => LabelShape::Polygon(values),
        n => {
            let expected = match kind {
                LabelKind::GroundTruth => "4 box numbers (cx cy w h) or at least 3 polygon points",
                LabelKind::Prediction => "4 box numbers and a confidence (cx cy w h conf)",
            };
            return Err(format!(
                "expected {expected} after the class, found {n} numbers"
            ));
        }
    };
    if kind == LabelKind::Prediction && confidence.is_none() {
        return Err("expected a confidence as the sixth value (cx cy w h conf)".into());
    }
    Ok(LabelLine {
        number,
        class,
        shape,
        confidence,
    })
}

/// Writes a dataset as YOLO label files under `out_dir/labels/<split>/` and
/// a `data.yaml` naming the classes (re-indexed from 0 in category order).
/// Returns the paths written. Samples without a known size are skipped.
pub fn write_yolo(dataset: &Dataset, out_dir: &Path) -> Result<YoloWritten> {
    let class_index: HashMap<i64, usize> = dataset
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let mut by_sample: HashMap<i64, Vec<&Annotation>> = HashMap::new();
    for a in &dataset.annotations {
        by_sample.entry(a.sample_id).or_default().push(a);
    }
    let mut written = YoloWritten::default();
    for s in &dataset.samples {
        let Some((w, h)) = s.width.zip(s.height) else {
            continue;
        };
        let split = s.split.as_deref().unwrap_or("default");
        let path = match label_path(out_dir, split, &s.file_name) {
            Ok(path) => path,
            Err(why) => {
                written.warnings.push(
                    "unsafe_file_name",
                    s.file_name.clone(),
                    format!("{why}; left out"),
                );
                continue;
            }
        };
        let mut text = String::new();
        for a in by_sample
            .get(&s.id)
            .into_iter()
            .flatten()
            .filter(|a| !a.iscrowd)
        {
            if let Some(line) =
                label_line(a, class_index[&a.category_id], f64::from(w), f64::from(h))
            {
                text.push_str(&line);
                text.push('\n');
            }
        }
        write_inside(out_dir, &path, text.as_bytes())?;
        written.files.push(path);
    }
    let yaml_path = out_dir.join("data.yaml");
    write_inside(out_dir, &yaml_path, data_yaml(dataset).as_bytes())?;
    written.files.push(yaml_path);
    Ok(written)
}

/// What [`write_yolo`] wrote.
#[derive(Debug, Default)]
pub struct YoloWritten {
    /// The label files, then `data.yaml`.
    pub files: Vec<PathBuf>,
    /// Images left out because their split or file name would lead outside
    /// the output folder.
    pub warnings: Warnings,
}

/// Where the label file of an image goes: `labels/<split>/<file>.txt`
/// under `out_dir`, or why the names are refused.
fn label_path(
    out_dir: &Path,
    split: &str,
    file_name: &str,
) -> std::result::Result<PathBuf, String> {
    let split = single_folder(split)?;
    Ok(output_path(&out_dir.join("labels").join(split), file_name)?.with_extension("txt"))
}

/// Where an image goes in a YOLO export: `images/<split>/<file>` under
/// `out_dir`, or why the names are refused.
pub fn image_path(
    out_dir: &Path,
    split: &str,
    file_name: &str,
) -> std::result::Result<PathBuf, String> {
    let split = single_folder(split)?;
    output_path(&out_dir.join("images").join(split), file_name)
}

/// A split name used as one folder name.
fn single_folder(split: &str) -> std::result::Result<&str, String> {
    if split.is_empty() || split == "." || split == ".." || split.contains(['/', '\\']) {
        return Err(format!("split name {split:?} is not a plain folder name"));
    }
    Ok(split)
}

fn label_line(a: &Annotation, class: usize, w: f64, h: f64) -> Option<String> {
    let mut line = class.to_string();
    match (&a.segmentation, a.bbox) {
        (Some(Segmentation::Polygons(parts)), _) if parts.len() == 1 => {
            for xy in parts[0].chunks_exact(2) {
                let _ = write!(line, " {} {}", decimal(xy[0] / w), decimal(xy[1] / h));
            }
        }
        (_, Some(b)) => {
            let c = [
                (b.x + b.w / 2.0) / w,
                (b.y + b.h / 2.0) / h,
                b.w / w,
                b.h / h,
            ];
            for v in c {
                let _ = write!(line, " {}", decimal(v));
            }
        }
        _ => return None,
    }
    if let Some(score) = a.score {
        let _ = write!(line, " {}", decimal(score));
    }
    Some(line)
}

/// A normalised coordinate with 8 decimals and no trailing zeros, so that
/// values read from a YOLO file are written back as they were.
fn decimal(v: f64) -> String {
    let s = format!("{v:.8}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// The Ultralytics key (`train`, `val`, `test`) a split is listed under:
/// by its name's start (`val2017` is `val`), `train` for any other name.
fn yolo_key(split: &str) -> &'static str {
    let lower = split.to_ascii_lowercase();
    ["val", "test"]
        .into_iter()
        .find(|k| lower.starts_with(k))
        .unwrap_or("train")
}

fn data_yaml(dataset: &Dataset) -> String {
    let mut splits: Vec<&str> = dataset
        .samples
        .iter()
        .map(|s| s.split.as_deref().unwrap_or("default"))
        .collect();
    splits.sort_unstable();
    splits.dedup();
    let mut yaml = String::from("path: .\n");
    for key in ["train", "val", "test"] {
        let folders: Vec<String> = splits
            .iter()
            .filter(|s| yolo_key(s) == key)
            .map(|s| format!("images/{s}"))
            .collect();
        if !folders.is_empty() {
            let list = serde_json::to_string(&folders).unwrap_or_default();
            let _ = writeln!(yaml, "{key}: {list}");
        }
    }
    yaml.push_str("names:\n");
    for (i, c) in dataset.categories.iter().enumerate() {
        let _ = writeln!(
            yaml,
            "  {i}: {}",
            serde_json::to_string(&c.name).unwrap_or_default()
        );
    }
    yaml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_boxes_polygons_and_predictions() {
        let b = parse_label_line("3 0.5 0.5 0.2 0.1", 1, LabelKind::GroundTruth).unwrap();
        assert_eq!(b.shape, LabelShape::Box([0.5, 0.5, 0.2, 0.1]));
        let p = parse_label_line("0 0.1 0.1 0.2 0.1 0.2 0.2", 2, LabelKind::GroundTruth).unwrap();
        assert!(matches!(p.shape, LabelShape::Polygon(ref v) if v.len() == 6));
        let d = parse_label_line("1 0.5 0.5 0.2 0.1 0.9", 3, LabelKind::Prediction).unwrap();
        assert_eq!(d.confidence, Some(0.9));
    }

    #[test]
    fn rejects_malformed_lines() {
        for bad in [
            "x 0.5 0.5 0.1 0.1",
            "-1 0.5 0.5 0.1 0.1",
            "0 0.5 0.5 0.1",
            "0 a b c d",
            "0 0.5 0.5 0.1 0.1 0.2 0.3 0.4",
            "0 nan 0.5 0.1 0.1",
        ] {
            assert!(
                parse_label_line(bad, 1, LabelKind::GroundTruth).is_err(),
                "{bad}"
            );
        }
        assert!(parse_label_line("0 0.5 0.5 0.1 0.1", 1, LabelKind::Prediction).is_err());
    }

    #[test]
    fn decimals_round_trip_six_digit_labels() {
        assert_eq!(decimal(0.479492 * 640.0 / 640.0), "0.479492");
        assert_eq!(decimal(1.0), "1");
        assert_eq!(decimal(0.0), "0");
    }

    #[test]
    fn labels_folder_mirrors_images_folder() {
        assert_eq!(
            labels_dir_for(Path::new("/d/images/train")),
            PathBuf::from("/d/labels/train")
        );
    }
}
