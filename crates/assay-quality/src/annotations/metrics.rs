//! Metrics of every box annotation of a dataset.

use std::collections::HashMap;

use assay_core::geometry::BBox;
use assay_core::model::{Annotation, Dataset};
use rayon::prelude::*;
use serde::Serialize;

/// Measurements of one box annotation.
#[derive(Debug, Clone, Serialize)]
pub struct AnnotationMetrics {
    /// Position in the dataset's annotations.
    pub index: usize,
    /// Annotation id.
    pub id: i64,
    /// Its image.
    pub sample_id: i64,
    /// Its class.
    pub category_id: i64,
    /// Box width in pixels.
    pub width: f64,
    /// Box height in pixels.
    pub height: f64,
    /// Box area in pixels.
    pub area: f64,
    /// Box area over image area, when the image size is known.
    pub relative_area: Option<f64>,
    /// Width over height (0 for a box without height).
    pub aspect_ratio: f64,
    /// Distance from the box to the nearest image border in pixels;
    /// negative when the box reaches outside the image.
    pub border_distance: Option<f64>,
    /// Share of the box inside the image, when the image size is known.
    pub inside_fraction: Option<f64>,
    /// Highest IoU with another box of the same class on the image.
    pub max_iou_same_class: f64,
    /// The annotation with that IoU.
    pub overlaps_same_class: Option<i64>,
    /// Highest IoU with a box of another class on the image.
    pub max_iou_other_class: f64,
    /// Number of annotations on the image.
    pub objects_in_image: usize,
    /// Share of the dataset's boxes that have this class.
    pub class_frequency: f64,
    /// Crowd region.
    pub crowd: bool,
}

/// Metrics of every annotation with a box, in annotation order.
pub fn annotation_metrics(dataset: &Dataset) -> Vec<AnnotationMetrics> {
    let sizes: HashMap<i64, Option<(u32, u32)>> = dataset
        .samples
        .iter()
        .map(|s| (s.id, s.width.zip(s.height)))
        .collect();
    let mut by_image: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut class_counts: HashMap<i64, usize> = HashMap::new();
    let mut boxes = 0;
    for (i, a) in dataset.annotations.iter().enumerate() {
        if a.bbox.is_some() {
            by_image.entry(a.sample_id).or_default().push(i);
            *class_counts.entry(a.category_id).or_default() += 1;
            boxes += 1;
        }
    }
    let images: Vec<(&i64, &Vec<usize>)> = by_image.iter().collect();
    let (sizes, class_counts) = (&sizes, &class_counts);
    let mut out: Vec<AnnotationMetrics> = images
        .par_iter()
        .flat_map_iter(|(image, members)| {
            let size = sizes.get(image).copied().flatten();
            members.iter().map(move |&i| {
                let a = &dataset.annotations[i];
                let frequency = class_counts[&a.category_id] as f64 / boxes as f64;
                measure(i, a, &dataset.annotations, members, size, frequency)
            })
        })
        .collect();
    out.sort_by_key(|m| m.index);
    out
}

fn measure(
    index: usize,
    a: &Annotation,
    all: &[Annotation],
    image_members: &[usize],
    size: Option<(u32, u32)>,
    class_frequency: f64,
) -> AnnotationMetrics {
    let b = a.bbox.unwrap_or(BBox::new(0.0, 0.0, 0.0, 0.0));
    let (mut same, mut same_id, mut other) = (0.0f64, None, 0.0f64);
    for &j in image_members {
        let o = &all[j];
        if j == index {
            continue;
        }
        let Some(ob) = o.bbox else { continue };
        let iou = b.iou(&ob, false);
        if o.category_id == a.category_id {
            if iou > same {
                (same, same_id) = (iou, Some(o.id));
            }
        } else {
            other = other.max(iou);
        }
    }
    let image_area = size.map(|(w, h)| f64::from(w) * f64::from(h));
    AnnotationMetrics {
        index,
        id: a.id,
        sample_id: a.sample_id,
        category_id: a.category_id,
        width: b.w,
        height: b.h,
        area: b.area(),
        relative_area: image_area.filter(|&s| s > 0.0).map(|s| b.area() / s),
        aspect_ratio: if b.h > 0.0 { b.w / b.h } else { 0.0 },
        border_distance: size.map(|(w, h)| border_distance(&b, w, h)),
        inside_fraction: size.map(|(w, h)| inside_fraction(&b, w, h)),
        max_iou_same_class: same,
        overlaps_same_class: same_id,
        max_iou_other_class: other,
        objects_in_image: image_members.len(),
        class_frequency,
        crowd: a.iscrowd,
    }
}

/// Smallest distance from the box's sides to the image borders.
fn border_distance(b: &BBox, w: u32, h: u32) -> f64 {
    let (w, h) = (f64::from(w), f64::from(h));
    b.x.min(b.y).min(w - b.x2()).min(h - b.y2())
}

/// Share of the box's area inside the image (1 for a box without area
/// inside the image bounds).
fn inside_fraction(b: &BBox, w: u32, h: u32) -> f64 {
    if b.area() <= 0.0 {
        return if b.is_inside(f64::from(w), f64::from(h), 0.0) {
            1.0
        } else {
            0.0
        };
    }
    b.clip(f64::from(w), f64::from(h)).area() / b.area()
}
