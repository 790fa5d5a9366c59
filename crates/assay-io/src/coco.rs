//! COCO instances files (ground truth) and COCO results files (predictions).
//!
//! Reading checks what `pycocotools` would trip over later (duplicate ids,
//! dangling references, malformed geometry) and names the JSON path of each
//! problem. Writing gives back the same JSON structure, ids included.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use assay_core::geometry::{polygon_bbox, BBox};
use assay_core::model::{Annotation, Category, Dataset, Sample, Segmentation};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{read_file, IoError, Result, Warnings};
use crate::json::parse_json;

#[derive(Deserialize)]
#[serde(expecting = "a COCO instances object with `images`, `annotations` and `categories`")]
struct CocoFile {
    images: Vec<CocoImage>,
    #[serde(default)]
    annotations: Vec<CocoAnnotation>,
    categories: Vec<CocoCategory>,
}

#[derive(Serialize, Deserialize)]
struct CocoImage {
    id: i64,
    file_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
}

#[derive(Serialize, Deserialize)]
struct CocoCategory {
    id: i64,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    supercategory: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    keypoints: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    skeleton: Vec<[u32; 2]>,
}

#[derive(Serialize, Deserialize)]
struct CocoAnnotation {
    id: i64,
    image_id: i64,
    category_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    bbox: Option<[f64; 4]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    segmentation: Option<Segmentation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    area: Option<f64>,
    #[serde(default, deserialize_with = "flag")]
    iscrowd: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    keypoints: Option<Vec<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    num_keypoints: Option<u32>,
}

#[derive(Serialize, Deserialize)]
struct CocoResult {
    image_id: i64,
    category_id: i64,
    score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    bbox: Option<[f64; 4]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    segmentation: Option<Segmentation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keypoints: Option<Vec<f64>>,
    /// Only results that pycocotools' `loadRes` already prepared carry
    /// one; see [`parse_loaded_coco_results`].
    #[serde(default, skip_serializing)]
    area: Option<f64>,
}

/// Accepts `0`/`1` and `false`/`true` for COCO's integer flags.
fn flag<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<u8, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Int(u8),
        Bool(bool),
    }
    match Flag::deserialize(d)? {
        Flag::Int(v @ (0 | 1)) => Ok(v),
        Flag::Int(v) => Err(serde::de::Error::custom(format!(
            "expected 0 or 1, found {v}"
        ))),
        Flag::Bool(b) => Ok(u8::from(b)),
    }
}

/// A COCO file read into a [`Dataset`], with the warnings found on the way.
#[derive(Debug)]
pub struct CocoRead {
    /// Images, categories and annotations, ids as in the file.
    pub dataset: Dataset,
    /// Usable oddities (boxes leaving the image, missing sizes, ...).
    pub warnings: Warnings,
}

/// Reads a COCO instances file (`images`, `annotations`, `categories`).
pub fn read_coco(path: &Path) -> Result<CocoRead> {
    parse_coco(path, &read_file(path)?)
}

/// [`read_coco`] on a file's contents; `path` names it in errors.
pub fn parse_coco(path: &Path, bytes: &[u8]) -> Result<CocoRead> {
    // Derived struct deserializers also accept a list of the fields in
    // order, which would read `[[], [], []]` as an empty dataset.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(IoError::at(
            path,
            "$",
            "expected a COCO instances object {\"images\": [...], \"annotations\": [...], \"categories\": [...]}, \
             found a list (for a COCO results file, use `assay predictions add --coco`)",
        ));
    }
    let file: CocoFile = parse_json(path, bytes)?;
    let mut warnings = Warnings::default();
    let categories = convert_categories(path, file.categories)?;
    let samples = convert_images(path, file.images, &mut warnings)?;
    let annotations =
        convert_annotations(path, file.annotations, &samples, &categories, &mut warnings)?;
    Ok(CocoRead {
        dataset: Dataset {
            samples,
            categories,
            annotations,
        },
        warnings,
    })
}

fn convert_categories(path: &Path, list: Vec<CocoCategory>) -> Result<Vec<Category>> {
    let mut ids = HashMap::new();
    let mut names = HashMap::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, c) in list.into_iter().enumerate() {
        if let Some(first) = ids.insert(c.id, i) {
            let msg = format!(
                "category id {} is used twice (first at $.categories[{first}])",
                c.id
            );
            return Err(IoError::at(path, format!("$.categories[{i}].id"), msg));
        }
        if let Some(first) = names.insert(c.name.clone(), i) {
            let msg = format!(
                "category name {:?} is used twice (first at $.categories[{first}])",
                c.name
            );
            return Err(IoError::at(path, format!("$.categories[{i}].name"), msg));
        }
        out.push(Category {
            id: c.id,
            name: c.name,
            supercategory: c.supercategory,
            keypoints: c.keypoints,
            skeleton: c.skeleton,
        });
    }
    Ok(out)
}

fn convert_images(
    path: &Path,
    list: Vec<CocoImage>,
    warnings: &mut Warnings,
) -> Result<Vec<Sample>> {
    let mut ids = HashMap::new();
    let mut names = HashMap::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, img) in list.into_iter().enumerate() {
        if let Some(first) = ids.insert(img.id, i) {
            let msg = format!(
                "image id {} is used twice (first at $.images[{first}])",
                img.id
            );
            return Err(IoError::at(path, format!("$.images[{i}].id"), msg));
        }
        if let Some(first) = names.insert(img.file_name.clone(), i) {
            let msg = format!(
                "file name {:?} is used twice (first at $.images[{first}])",
                img.file_name
            );
            return Err(IoError::at(path, format!("$.images[{i}].file_name"), msg));
        }
        if img.file_name.trim().is_empty() {
            return Err(IoError::at(
                path,
                format!("$.images[{i}].file_name"),
                "expected a file name, found an empty string",
            ));
        }
        if img.width.is_none()
            || img.height.is_none()
            || img.width == Some(0)
            || img.height == Some(0)
        {
            let location = format!("{}: $.images[{i}]", path.display());
            warnings.push(
                "missing_image_size",
                location,
                "image has no positive width and height",
            );
        }
        out.push(Sample {
            id: img.id,
            file_name: img.file_name,
            width: img.width.filter(|w| *w > 0),
            height: img.height.filter(|h| *h > 0),
            split: None,
            generation: None,
        });
    }
    Ok(out)
}

fn convert_annotations(
    path: &Path,
    list: Vec<CocoAnnotation>,
    samples: &[Sample],
    categories: &[Category],
    warnings: &mut Warnings,
) -> Result<Vec<Annotation>> {
    let samples_by_id: HashMap<i64, &Sample> = samples.iter().map(|s| (s.id, s)).collect();
    let keypoint_counts: HashMap<i64, usize> = categories
        .iter()
        .map(|c| (c.id, c.keypoints.len()))
        .collect();
    let mut ids = HashMap::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, a) in list.into_iter().enumerate() {
        let at = |field: &str| format!("$.annotations[{i}]{field}");
        if let Some(first) = ids.insert(a.id, i) {
            let msg = format!(
                "annotation id {} is used twice (first at $.annotations[{first}])",
                a.id
            );
            return Err(IoError::at(path, at(".id"), msg));
        }
        let sample = samples_by_id.get(&a.image_id).ok_or_else(|| {
            IoError::at(
                path,
                at(".image_id"),
                format!("image id {} is not among the file's images", a.image_id),
            )
        })?;
        let Some(&num_keypoints) = keypoint_counts.get(&a.category_id) else {
            let msg = format!(
                "category id {} is not among the file's categories",
                a.category_id
            );
            return Err(IoError::at(path, at(".category_id"), msg));
        };
        let geometry = Geometry {
            bbox: a.bbox,
            segmentation: a.segmentation,
            keypoints: a.keypoints,
        };
        let size = sample.width.zip(sample.height);
        let geometry =
            check_geometry(path, &at(""), geometry, size, Some(num_keypoints), warnings)?;
        if a.area.is_some_and(|v| !v.is_finite() || v < 0.0) {
            return Err(IoError::at(
                path,
                at(".area"),
                "expected a finite, non-negative area",
            ));
        }
        out.push(Annotation {
            id: a.id,
            sample_id: a.image_id,
            category_id: a.category_id,
            bbox: geometry.bbox.map(|[x, y, w, h]| BBox::new(x, y, w, h)),
            segmentation: geometry.segmentation,
            area: a.area,
            iscrowd: a.iscrowd == 1,
            keypoints: geometry.keypoints,
            stated_num_keypoints: a.num_keypoints,
            score: None,
        });
    }
    Ok(out)
}

/// The geometry fields shared by ground truth and results.
struct Geometry {
    bbox: Option<[f64; 4]>,
    segmentation: Option<Segmentation>,
    keypoints: Option<Vec<f64>>,
}

/// Checks boxes, masks and keypoints of one annotation at JSON path `at`,
/// filling in the box from the mask when the file gives none.
fn check_geometry(
    path: &Path,
    at: &str,
    mut g: Geometry,
    image_size: Option<(u32, u32)>,
    num_keypoints: Option<usize>,
    warnings: &mut Warnings,
) -> Result<Geometry> {
    if let Some(Segmentation::Rle { rle, .. }) = &g.segmentation {
        if let Some((w, h)) = image_size.filter(|&s| s != (rle.width, rle.height)) {
            let msg = format!(
                "mask size is {}x{} (height x width) but the image is {h}x{w}",
                rle.height, rle.width
            );
            return Err(IoError::at(path, format!("{at}.segmentation.size"), msg));
        }
    }
    if g.bbox.is_none() {
        g.bbox = match &g.segmentation {
            Some(Segmentation::Polygons(parts)) => polygon_bbox(parts).map(BBox::to_array),
            Some(Segmentation::Rle { rle, .. }) => Some(rle.to_bbox()),
            None => None,
        };
    }
    if let Some(b) = g.bbox {
        let bbox = BBox::new(b[0], b[1], b[2], b[3]);
        if !bbox.to_array().iter().all(|v| v.is_finite()) {
            return Err(IoError::at(
                path,
                format!("{at}.bbox"),
                format!("expected finite numbers, found {b:?}"),
            ));
        }
        if bbox.w < 0.0 || bbox.h < 0.0 {
            let msg =
                format!("box {b:?} has a negative width or height; expected [x, y, width, height]");
            return Err(IoError::at(path, format!("{at}.bbox"), msg));
        }
        let location = || format!("{}: {at}.bbox", path.display());
        if bbox.w == 0.0 || bbox.h == 0.0 {
            warnings.push(
                "degenerate_box",
                location(),
                format!("box {b:?} has no area"),
            );
        }
        if let Some(size) = image_size {
            warnings.box_outside_image(&bbox, size, location);
        }
    }
    if let Some(k) = &g.keypoints {
        check_keypoints(path, at, k, num_keypoints)?;
    }
    Ok(g)
}

fn check_keypoints(path: &Path, at: &str, k: &[f64], expected: Option<usize>) -> Result<()> {
    let location = format!("{at}.keypoints");
    if !k.len().is_multiple_of(3) {
        let msg = format!(
            "expected x, y, visibility triples, found {} numbers",
            k.len()
        );
        return Err(IoError::at(path, location, msg));
    }
    if let Some(n) = expected.filter(|&n| n > 0 && n * 3 != k.len()) {
        let msg = format!(
            "the category has {n} keypoints, found {} triples",
            k.len() / 3
        );
        return Err(IoError::at(path, location, msg));
    }
    if k.iter().any(|v| !v.is_finite()) {
        return Err(IoError::at(path, location, "expected finite numbers"));
    }
    Ok(())
}

/// Reads a COCO results file: a JSON list of predictions with `image_id`,
/// `category_id`, `score` and a `bbox`, `segmentation` or `keypoints`.
///
/// Predictions are numbered from 1 in file order, as `pycocotools` does.
/// `images` gives the known image sizes by id and `category_ids` the known
/// classes; a prediction for anything else is an error.
pub fn read_coco_results(
    path: &Path,
    images: &HashMap<i64, Option<(u32, u32)>>,
    category_ids: &HashSet<i64>,
) -> Result<(Vec<Annotation>, Warnings)> {
    read_coco_results_with(path, images, category_ids, UnknownCategory::Error)
}

/// What to do with a result whose category is not among the known ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownCategory {
    /// Reject the file.
    Error,
    /// Leave the result out with an `unknown_category` warning, as
    /// pycocotools' evaluation leaves it out (numbering is unchanged).
    Skip,
}

/// [`read_coco_results`] with a choice for results of unknown categories.
pub fn read_coco_results_with(
    path: &Path,
    images: &HashMap<i64, Option<(u32, u32)>>,
    category_ids: &HashSet<i64>,
    unknown: UnknownCategory,
) -> Result<(Vec<Annotation>, Warnings)> {
    parse_coco_results_with(path, &read_file(path)?, images, category_ids, unknown)
}

/// [`read_coco_results_with`] on a file's contents; `path` names it in
/// errors.
pub fn parse_coco_results_with(
    path: &Path,
    bytes: &[u8],
    images: &HashMap<i64, Option<(u32, u32)>>,
    category_ids: &HashSet<i64>,
    unknown: UnknownCategory,
) -> Result<(Vec<Annotation>, Warnings)> {
    parse_results(path, bytes, images, category_ids, unknown, false)
}

/// Results as pycocotools' `loadRes` left them (its `COCO.dataset`'s
/// `annotations`): each result's `area`, when it has one, is used as
/// given, as pycocotools' evaluation uses it; results of unknown
/// categories are left out.
pub fn parse_loaded_coco_results(
    path: &Path,
    bytes: &[u8],
    images: &HashMap<i64, Option<(u32, u32)>>,
    category_ids: &HashSet<i64>,
) -> Result<(Vec<Annotation>, Warnings)> {
    parse_results(
        path,
        bytes,
        images,
        category_ids,
        UnknownCategory::Skip,
        true,
    )
}

fn parse_results(
    path: &Path,
    bytes: &[u8],
    images: &HashMap<i64, Option<(u32, u32)>>,
    category_ids: &HashSet<i64>,
    unknown: UnknownCategory,
    given_area: bool,
) -> Result<(Vec<Annotation>, Warnings)> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return Err(IoError::at(
            path,
            "$",
            "expected a COCO results list [{\"image_id\", \"category_id\", \"score\", \"bbox\"}, ...], \
             found an object (for a COCO instances file, use `assay import coco`)",
        ));
    }
    let list: Vec<CocoResult> = parse_json(path, bytes)?;
    let area_rule = list.first().map_or(ResultArea::Box, ResultArea::of_first);
    let mut warnings = Warnings::default();
    if list.is_empty() {
        warnings.push(
            "no_detections",
            path.display().to_string(),
            "the results list is empty: there are no detections, so every precision and recall is 0",
        );
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, r) in list.into_iter().enumerate() {
        let at = format!("$[{i}]");
        let Some(&size) = images.get(&r.image_id) else {
            let msg = format!("image id {} is not in the dataset", r.image_id);
            return Err(IoError::at(path, format!("{at}.image_id"), msg));
        };
        if !category_ids.contains(&r.category_id) {
            let msg = format!("category id {} is not in the dataset", r.category_id);
            if unknown == UnknownCategory::Error {
                return Err(IoError::at(path, format!("{at}.category_id"), msg));
            }
            let location = format!("{}: {at}.category_id", path.display());
            warnings.push("unknown_category", location, format!("{msg}; left out"));
            continue;
        }
        if !r.score.is_finite() {
            return Err(IoError::at(
                path,
                format!("{at}.score"),
                "expected a finite score",
            ));
        }
        if r.bbox.is_none() && r.segmentation.is_none() && r.keypoints.is_none() {
            return Err(IoError::at(
                path,
                at,
                "expected a bbox, a segmentation or keypoints",
            ));
        }
        let geometry = Geometry {
            bbox: r.bbox,
            segmentation: r.segmentation,
            keypoints: r.keypoints,
        };
        let g = check_geometry(path, &at, geometry, size, None, &mut warnings)?;
        let mut a = Annotation::new(i as i64 + 1, r.image_id, r.category_id);
        a.area = match r.area {
            Some(area) if given_area => Some(area),
            _ => area_rule.area(&g),
        };
        a.bbox = g.bbox.map(|[x, y, w, h]| BBox::new(x, y, w, h));
        a.segmentation = g.segmentation;
        a.keypoints = g.keypoints;
        a.score = Some(r.score);
        out.push(a);
    }
    Ok((out, warnings))
}

/// How pycocotools' `loadRes` sets the `area` of results, decided by the
/// first result of the file: box area when it has a box (even for mask or
/// keypoint results), else mask area, else the keypoints' extent.
#[derive(Clone, Copy)]
enum ResultArea {
    Box,
    Mask,
    Keypoints,
}

impl ResultArea {
    fn of_first(r: &CocoResult) -> ResultArea {
        match (&r.bbox, &r.segmentation) {
            (Some(_), _) => ResultArea::Box,
            (None, Some(_)) => ResultArea::Mask,
            (None, None) => ResultArea::Keypoints,
        }
    }

    fn area(self, g: &Geometry) -> Option<f64> {
        match (self, &g.segmentation, &g.keypoints) {
            (ResultArea::Mask, Some(Segmentation::Rle { rle, .. }), _) => Some(rle.area() as f64),
            (ResultArea::Keypoints, _, Some(k)) => Some(keypoint_extent_area(k)),
            _ => g.bbox.map(|b| b[2] * b[3]),
        }
    }
}

/// `(max x - min x) * (max y - min y)` over all keypoints, labelled or not.
fn keypoint_extent_area(k: &[f64]) -> f64 {
    let span = |vals: Vec<f64>| {
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if lo <= hi {
            hi - lo
        } else {
            0.0
        }
    };
    let xs = k.iter().step_by(3).copied().collect();
    let ys = k.iter().skip(1).step_by(3).copied().collect();
    span(xs) * span(ys)
}

/// Writes a dataset as a COCO instances file.
pub fn write_coco(dataset: &Dataset, path: &Path) -> Result<()> {
    #[derive(Serialize)]
    struct Out {
        images: Vec<CocoImage>,
        annotations: Vec<CocoAnnotation>,
        categories: Vec<CocoCategory>,
    }
    let out = Out {
        images: dataset.samples.iter().map(coco_image).collect(),
        annotations: dataset.annotations.iter().map(coco_annotation).collect(),
        categories: dataset.categories.iter().map(coco_category).collect(),
    };
    crate::json::write_json(path, &out)
}

/// Writes predictions as a COCO results file.
pub fn write_coco_results(predictions: &[Annotation], path: &Path) -> Result<()> {
    let out: Vec<CocoResult> = predictions
        .iter()
        .map(|a| CocoResult {
            image_id: a.sample_id,
            category_id: a.category_id,
            score: a.score.unwrap_or(1.0),
            bbox: a.bbox.map(BBox::to_array),
            segmentation: a.segmentation.clone(),
            keypoints: a.keypoints.clone(),
            area: None,
        })
        .collect();
    crate::json::write_json(path, &out)
}

fn coco_image(s: &Sample) -> CocoImage {
    CocoImage {
        id: s.id,
        file_name: s.file_name.clone(),
        width: s.width,
        height: s.height,
    }
}

fn coco_category(c: &Category) -> CocoCategory {
    CocoCategory {
        id: c.id,
        name: c.name.clone(),
        supercategory: c.supercategory.clone(),
        keypoints: c.keypoints.clone(),
        skeleton: c.skeleton.clone(),
    }
}

fn coco_annotation(a: &Annotation) -> CocoAnnotation {
    CocoAnnotation {
        id: a.id,
        image_id: a.sample_id,
        category_id: a.category_id,
        bbox: a.bbox.map(BBox::to_array),
        segmentation: a.segmentation.clone(),
        area: a.area,
        iscrowd: u8::from(a.iscrowd),
        num_keypoints: a.keypoints.as_ref().map(|_| a.num_keypoints() as u32),
        keypoints: a.keypoints.clone(),
    }
}
