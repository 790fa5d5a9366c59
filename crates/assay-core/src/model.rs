//! What a dataset is made of: samples, categories, annotations and predictions.
//!
//! These types are format-neutral: the readers in `assay-io` produce them, the
//! store in `assay-store` persists them, and every later capability reads them.
//! Ids are the ids of the source file (COCO ids, YOLO line order, ...), so an
//! export can give back the file the user imported.

use serde::{Deserialize, Serialize};

use crate::geometry::BBox;
use crate::mask::Rle;

/// One image of a dataset, as a reader found it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Id of the image in the source file (COCO `image.id`); readers without
    /// ids number images from 1 in a stable (sorted) order.
    pub id: i64,
    /// File name as written in the source, relative to the image folder.
    pub file_name: String,
    /// Width in pixels, when known.
    pub width: Option<u32>,
    /// Height in pixels, when known.
    pub height: Option<u32>,
    /// Split the sample belongs to (`train`, `val`, ...), when known.
    pub split: Option<String>,
    /// Metadata of a generated image, when the sample came from a manifest.
    pub generation: Option<Generation>,
}

/// How a generated image was made: the row of a generated-images manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    /// Text prompt the image was generated from.
    pub prompt: String,
    /// Name of the generating model.
    pub model: String,
    /// Random seed, when the manifest gives one.
    pub seed: Option<i64>,
}

/// A class of objects or images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    /// Id in the source file (COCO `category.id`, YOLO class index).
    pub id: i64,
    /// Human-readable name; unique within a dataset.
    pub name: String,
    /// COCO `supercategory`, when given.
    pub supercategory: Option<String>,
    /// Names of the keypoints of this class (COCO keypoint datasets).
    pub keypoints: Vec<String>,
    /// Pairs of 1-based keypoint indices that are joined when drawn.
    pub skeleton: Vec<[u32; 2]>,
}

impl Category {
    /// A category with only an id and a name.
    pub fn named(id: i64, name: impl Into<String>) -> Self {
        Category {
            id,
            name: name.into(),
            supercategory: None,
            keypoints: Vec::new(),
            skeleton: Vec::new(),
        }
    }
}

/// The region of a segmentation mask.
#[derive(Debug, Clone, PartialEq)]
pub enum Segmentation {
    /// One or more polygons `[x1, y1, x2, y2, ...]`; several parts form one object.
    Polygons(Vec<Vec<f64>>),
    /// A run-length encoded mask. `compressed` records whether the source
    /// wrote COCO's compressed string or a plain list of counts, so exports
    /// write it back the same way.
    Rle {
        /// The mask itself.
        rle: Rle,
        /// Whether the source used the compressed string form.
        compressed: bool,
    },
}

/// A ground-truth object or image label, or (with a score) a prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// Id in the source file; readers without ids number from 1.
    pub id: i64,
    /// Id of the sample ([`Sample::id`]) this annotation belongs to.
    pub sample_id: i64,
    /// Id of the category ([`Category::id`]).
    pub category_id: i64,
    /// Axis-aligned box, absent for image-level class labels.
    pub bbox: Option<BBox>,
    /// Mask as polygons or RLE, when the source has one.
    pub segmentation: Option<Segmentation>,
    /// Area as written in the source (COCO evaluation uses this, not a
    /// recomputed one); `None` when the source gives none.
    pub area: Option<f64>,
    /// COCO `iscrowd`: the region covers a group of objects.
    pub iscrowd: bool,
    /// Keypoints as `[x, y, visibility]` triples.
    pub keypoints: Option<Vec<f64>>,
    /// COCO `num_keypoints` as written in the source, which COCO keypoint
    /// evaluation uses (a ground truth stating 0 is ignored) even where it
    /// disagrees with the visibilities; `None` when the source gives none.
    pub stated_num_keypoints: Option<u32>,
    /// Confidence of a prediction; `None` for ground truth.
    pub score: Option<f64>,
}

impl Annotation {
    /// A bare annotation of a class on a sample, to be completed by the caller.
    pub fn new(id: i64, sample_id: i64, category_id: i64) -> Self {
        Annotation {
            id,
            sample_id,
            category_id,
            bbox: None,
            segmentation: None,
            area: None,
            iscrowd: false,
            keypoints: None,
            stated_num_keypoints: None,
            score: None,
        }
    }

    /// What kind of annotation this is, by the richest geometry it carries.
    pub fn kind(&self) -> AnnotationKind {
        match (&self.segmentation, &self.keypoints, &self.bbox) {
            (Some(Segmentation::Polygons(_)), _, _) => AnnotationKind::Polygon,
            (Some(Segmentation::Rle { .. }), _, _) => AnnotationKind::Mask,
            (None, Some(_), _) => AnnotationKind::Keypoints,
            (None, None, Some(_)) => AnnotationKind::Box,
            (None, None, None) => AnnotationKind::Label,
        }
    }

    /// Number of labelled keypoints: as the source states it, else those
    /// with visibility > 0.
    pub fn num_keypoints(&self) -> usize {
        if let Some(n) = self.stated_num_keypoints {
            return n as usize;
        }
        self.keypoints.as_ref().map_or(0, |k| {
            k.chunks(3).filter(|t| t.len() == 3 && t[2] > 0.0).count()
        })
    }
}

/// The kind of geometry an annotation carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationKind {
    /// Image-level class label (classification).
    Label,
    /// Axis-aligned box only.
    Box,
    /// Polygon mask (with its box).
    Polygon,
    /// RLE mask (with its box).
    Mask,
    /// Keypoints (with their box).
    Keypoints,
}

impl AnnotationKind {
    /// The lowercase name used in the store and in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            AnnotationKind::Label => "label",
            AnnotationKind::Box => "box",
            AnnotationKind::Polygon => "polygon",
            AnnotationKind::Mask => "mask",
            AnnotationKind::Keypoints => "keypoints",
        }
    }
}

/// A dataset as read from files: samples, categories and annotations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// The images.
    pub samples: Vec<Sample>,
    /// The classes.
    pub categories: Vec<Category>,
    /// Ground-truth annotations (or predictions, in a [`PredictionSet`]).
    pub annotations: Vec<Annotation>,
}

/// Predictions of one named model: annotations that carry a score.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PredictionSet {
    /// The model's name.
    pub model: String,
    /// The predictions; `sample_id` and `category_id` refer to the dataset
    /// the predictions are for.
    pub predictions: Vec<Annotation>,
}

/// COCO's JSON form of a segmentation: a list of polygons, or an object
/// `{"size": [height, width], "counts": "..." | [...]}`.
mod segmentation_json {
    use std::fmt;

    use serde::de::{self, MapAccess, SeqAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Segmentation;
    use crate::mask::Rle;

    impl Serialize for Segmentation {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                Segmentation::Polygons(parts) => parts.serialize(serializer),
                Segmentation::Rle { rle, compressed } => {
                    let mut map = serializer.serialize_map(Some(2))?;
                    map.serialize_entry("size", &[rle.height, rle.width])?;
                    if *compressed {
                        map.serialize_entry("counts", &rle.to_compressed())?;
                    } else {
                        map.serialize_entry("counts", &rle.counts)?;
                    }
                    map.end()
                }
            }
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Counts {
        Compressed(String),
        Plain(Vec<u32>),
    }

    struct SegmentationVisitor;

    impl<'de> Visitor<'de> for SegmentationVisitor {
        type Value = Segmentation;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of polygons [[x1, y1, x2, y2, ...], ...] or an RLE object {\"size\": [h, w], \"counts\": ...}")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Segmentation, A::Error> {
            let mut parts: Vec<Vec<f64>> = Vec::new();
            while let Some(part) = seq.next_element::<Vec<f64>>()? {
                if part.len() % 2 != 0 {
                    return Err(de::Error::custom(format!(
                        "polygon {} has an odd number of coordinates ({}); expected x, y pairs",
                        parts.len(),
                        part.len()
                    )));
                }
                if let Some(v) = part.iter().find(|v| !v.is_finite()) {
                    return Err(de::Error::custom(format!(
                        "polygon {} has a non-finite coordinate {v}",
                        parts.len()
                    )));
                }
                parts.push(part);
            }
            Ok(Segmentation::Polygons(parts))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Segmentation, A::Error> {
            let mut size: Option<[u32; 2]> = None;
            let mut counts: Option<Counts> = None;
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "size" => size = Some(map.next_value()?),
                    "counts" => counts = Some(map.next_value()?),
                    _ => {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
            }
            let [height, width] = size.ok_or_else(|| de::Error::missing_field("size"))?;
            let rle = match counts.ok_or_else(|| de::Error::missing_field("counts"))? {
                Counts::Compressed(s) => Segmentation::Rle {
                    rle: Rle::from_compressed(&s, height, width).map_err(de::Error::custom)?,
                    compressed: true,
                },
                Counts::Plain(c) => Segmentation::Rle {
                    rle: Rle::from_uncompressed(c, height, width).map_err(de::Error::custom)?,
                    compressed: false,
                },
            };
            Ok(rle)
        }
    }

    impl<'de> Deserialize<'de> for Segmentation {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(SegmentationVisitor)
        }
    }
}
