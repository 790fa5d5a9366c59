//! LabelMe: one JSON file per image (`imagePath`, `imageWidth`,
//! `imageHeight`, `shapes`: `{label, points, shape_type}`), usually next
//! to the image. `rectangle` shapes (two corners, in any order) become
//! boxes; `polygon` shapes become segmentations with their bounding box;
//! other shape types (points, lines, circles) are left out. Classes are
//! numbered from 1 in name order.

use std::collections::BTreeSet;
use std::path::Path;

use assay_core::geometry::{polygon_area, polygon_bbox, BBox};
use assay_core::model::{Annotation, Category, Dataset, Sample, Segmentation};
use serde::{Deserialize, Serialize};

use crate::error::{IoError, Result};
use crate::images::list_files;
use crate::json::parse_json;
use crate::output::{output_path, write_inside};

/// One LabelMe file, as the tool writes it (fields assay does not use are
/// kept out on reading and written with their defaults).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LabelMeFile {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    flags: serde_json::Map<String, serde_json::Value>,
    shapes: Vec<Shape>,
    image_path: String,
    #[serde(default)]
    image_data: Option<String>,
    image_height: u32,
    image_width: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct Shape {
    label: String,
    points: Vec<[f64; 2]>,
    #[serde(default)]
    group_id: Option<i64>,
    #[serde(default = "polygon")]
    shape_type: String,
    #[serde(default)]
    flags: serde_json::Map<String, serde_json::Value>,
}

fn polygon() -> String {
    "polygon".into()
}

/// Reads every `*.json` under `dir` as a LabelMe file.
pub fn read_labelme(dir: &Path) -> Result<Dataset> {
    let files: Vec<_> = list_files(dir)?
        .into_iter()
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        })
        .collect();
    if files.is_empty() {
        return Err(IoError::file(
            dir,
            "expected LabelMe .json files, found none",
        ));
    }
    let mut read = Vec::new();
    for rel in &files {
        let path = dir.join(rel);
        let bytes =
            std::fs::read(&path).map_err(|e| IoError::file(&path, format!("cannot read: {e}")))?;
        let file: LabelMeFile = parse_json(&path, &bytes)?;
        // The image's name relative to `dir`: the file's folder joined
        // with imagePath (LabelMe writes it relative to the JSON file).
        let folder = rel
            .parent()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let image = file.image_path.replace('\\', "/");
        let name = if folder.is_empty() {
            image
        } else {
            format!("{folder}/{image}")
        };
        read.push((path, name, file));
    }
    let names: Vec<String> = read
        .iter()
        .flat_map(|(_, _, f)| f.shapes.iter().map(|s| s.label.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut dataset = Dataset {
        categories: names
            .iter()
            .enumerate()
            .map(|(i, n)| Category::named(i as i64 + 1, n))
            .collect(),
        ..Dataset::default()
    };
    for (i, (path, file_name, file)) in read.into_iter().enumerate() {
        let id = i as i64 + 1;
        for (k, shape) in file.shapes.iter().enumerate() {
            let class = names
                .iter()
                .position(|n| *n == shape.label)
                .expect("collected") as i64
                + 1;
            let mut a = Annotation::new(dataset.annotations.len() as i64 + 1, id, class);
            let at = || format!("shapes[{k}]");
            match shape.shape_type.as_str() {
                "rectangle" => {
                    let [[x1, y1], [x2, y2]] = shape.points[..] else {
                        return Err(IoError::at(&path, at(), "a rectangle has two points"));
                    };
                    a.bbox = Some(BBox::from_corners(
                        x1.min(x2),
                        y1.min(y2),
                        x1.max(x2),
                        y1.max(y2),
                    ));
                }
                "polygon" => {
                    if shape.points.len() < 3 {
                        return Err(IoError::at(
                            &path,
                            at(),
                            "a polygon needs at least three points",
                        ));
                    }
                    let flat: Vec<f64> = shape.points.iter().flatten().copied().collect();
                    a.area = Some(polygon_area(&flat));
                    a.bbox = polygon_bbox(std::slice::from_ref(&flat));
                    a.segmentation = Some(Segmentation::Polygons(vec![flat]));
                }
                _ => continue,
            }
            dataset.annotations.push(a);
        }
        dataset.samples.push(Sample {
            id,
            file_name,
            width: Some(file.image_width),
            height: Some(file.image_height),
            split: None,
            generation: None,
        });
    }
    Ok(dataset)
}

/// Writes one LabelMe file per image under `out` (`<image name>.json`,
/// `imagePath` the image's base name, no embedded image data): boxes as
/// rectangles, polygon segmentations as polygons.
pub fn write_labelme(dataset: &Dataset, out: &Path) -> Result<usize> {
    let name = |id: i64| {
        dataset
            .categories
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.name.clone())
    };
    let mut written = 0;
    for s in &dataset.samples {
        let mut shapes = Vec::new();
        for a in dataset.annotations.iter().filter(|a| a.sample_id == s.id) {
            let label = name(a.category_id);
            match (&a.segmentation, a.bbox) {
                (Some(Segmentation::Polygons(parts)), _) => {
                    for part in parts {
                        shapes.push(shape(
                            &label,
                            part.chunks(2).map(|p| [p[0], p[1]]).collect(),
                            "polygon",
                        ));
                    }
                }
                (_, Some(b)) => {
                    shapes.push(shape(
                        &label,
                        vec![[b.x, b.y], [b.x + b.w, b.y + b.h]],
                        "rectangle",
                    ));
                }
                _ => {}
            }
        }
        let base = s
            .file_name
            .rsplit('/')
            .next()
            .unwrap_or(&s.file_name)
            .to_string();
        let file = LabelMeFile {
            version: Some("5.5.0".into()),
            flags: Default::default(),
            shapes,
            image_path: base,
            image_data: None,
            image_height: s.height.unwrap_or(0),
            image_width: s.width.unwrap_or(0),
        };
        let relative = match s.file_name.rsplit_once('.') {
            Some((stem, _)) => format!("{stem}.json"),
            None => format!("{}.json", s.file_name),
        };
        let path = output_path(out, &relative).map_err(|why| IoError::file(out, why))?;
        let bytes =
            serde_json::to_vec_pretty(&file).map_err(|e| IoError::file(&path, e.to_string()))?;
        write_inside(out, &path, &bytes)?;
        written += 1;
    }
    Ok(written)
}

fn shape(label: &str, points: Vec<[f64; 2]>, kind: &str) -> Shape {
    Shape {
        label: label.to_string(),
        points,
        group_id: None,
        shape_type: kind.to_string(),
        flags: Default::default(),
    }
}
