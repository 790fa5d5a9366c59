//! Agreement on boxes and masks: the objects several annotators drew on an
//! image are matched into units (greedily by IoU, one object per annotator
//! per unit, the same class), and Krippendorff's alpha is computed over the
//! units with `1 - IoU` as the distance between two objects of a class
//! (the masks' IoU when both objects have one, else the boxes'), 1 between boxes
//! of different classes or images, 1 between a box and "no box" (an
//! annotator who saw the image but drew nothing there) and 0 between two
//! "no box" values. Alpha is 1 when everyone draws the same boxes, about 0
//! when the boxes agree no better than boxes paired at random.

use serde::Serialize;

use assay_core::geometry::BBox;
use assay_core::mask::{rle_pair_iou, Rle};
use assay_core::union_find::UnionFind;

use crate::EvalError;

/// One annotator's box on an image.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotatedBox {
    /// The annotator (an index).
    pub annotator: usize,
    /// Its class.
    pub class: i64,
    /// The box.
    pub bbox: BBox,
    /// The object's mask, for agreement on masks.
    pub mask: Option<Rle>,
}

impl AnnotatedBox {
    /// The overlap of two objects: their masks' IoU when both have one,
    /// else their boxes'.
    fn iou(&self, other: &AnnotatedBox) -> f64 {
        match (&self.mask, &other.mask) {
            (Some(a), Some(b)) => rle_pair_iou(a, b, false),
            _ => self.bbox.iou(&other.bbox, false),
        }
    }
}

/// What the annotators did on one image.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImageAnnotations {
    /// The annotators who annotated the image (their boxes may be none).
    pub annotators: Vec<usize>,
    /// Their boxes.
    pub boxes: Vec<AnnotatedBox>,
}

/// A unit of the alpha: per annotator of the image, the index of its box
/// among the image's boxes, or `None` for "no box".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    /// The image (index into the input).
    pub image: usize,
    /// The class of the unit's boxes.
    pub class: i64,
    /// (annotator, box index or none), in the order of the image's annotators.
    pub values: Vec<(usize, Option<usize>)>,
}

/// Matches the boxes of each image into units: pairs of boxes of one class
/// from different annotators with IoU at least `threshold`, joined from
/// the highest IoU down as long as a unit holds one box per annotator.
pub fn units(images: &[ImageAnnotations], threshold: f64) -> Vec<Unit> {
    let mut out = Vec::new();
    for (index, image) in images.iter().enumerate() {
        let boxes = &image.boxes;
        let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
        for a in 0..boxes.len() {
            for b in a + 1..boxes.len() {
                let (x, y) = (&boxes[a], &boxes[b]);
                if x.annotator == y.annotator || x.class != y.class {
                    continue;
                }
                let iou = x.iou(y);
                if iou >= threshold {
                    pairs.push((iou, a, b));
                }
            }
        }
        pairs.sort_by(|p, q| q.0.total_cmp(&p.0).then((p.1, p.2).cmp(&(q.1, q.2))));
        let mut sets = UnionFind::new(boxes.len());
        let mut members: Vec<Vec<usize>> = (0..boxes.len()).map(|i| vec![i]).collect();
        for (_, a, b) in pairs {
            let (ra, rb) = (sets.find(a), sets.find(b));
            let shares = members[ra].iter().any(|&i| {
                members[rb]
                    .iter()
                    .any(|&j| boxes[i].annotator == boxes[j].annotator)
            });
            if ra == rb || shares {
                continue;
            }
            let root = sets.union(ra, rb);
            let moved = std::mem::take(&mut members[if root == ra { rb } else { ra }]);
            members[root].extend(moved);
        }
        for group in sets.groups(1) {
            let values = image
                .annotators
                .iter()
                .map(|&who| {
                    (
                        who,
                        group.iter().copied().find(|&i| boxes[i].annotator == who),
                    )
                })
                .collect();
            out.push(Unit {
                image: index,
                class: boxes[group[0]].class,
                values,
            });
        }
    }
    out
}

/// Krippendorff's alpha over `units` of `images` with the distances above.
pub fn box_alpha(images: &[ImageAnnotations], units: &[Unit]) -> Result<f64, EvalError> {
    let pairable: Vec<&Unit> = units.iter().filter(|u| u.values.len() >= 2).collect();
    let distance = |image: usize, a: Option<usize>, b: Option<usize>| match (a, b) {
        (None, None) => 0.0,
        (Some(i), Some(j)) => {
            let boxes = &images[image].boxes;
            let (x, y) = (&boxes[i], &boxes[j]);
            if x.class == y.class {
                1.0 - x.iou(y)
            } else {
                1.0
            }
        }
        _ => 1.0,
    };
    let mut observed = 0.0;
    for u in &pairable {
        let m = u.values.len() as f64;
        let mut sum = 0.0;
        for (p, a) in u.values.iter().enumerate() {
            for (q, b) in u.values.iter().enumerate() {
                if p != q {
                    sum += distance(u.image, a.1, b.1);
                }
            }
        }
        observed += sum / (m - 1.0);
    }
    // Every pairable value: the boxes (each its own value) and "no box"
    // (one value, however often it occurs).
    let mut boxes_of: Vec<Vec<usize>> = vec![Vec::new(); images.len()];
    let mut empties = 0.0;
    for u in &pairable {
        for v in &u.values {
            match v.1 {
                Some(i) => boxes_of[u.image].push(i),
                None => empties += 1.0,
            }
        }
    }
    let n_boxes: f64 = boxes_of.iter().map(|b| b.len() as f64).sum();
    let n = n_boxes + empties;
    if n <= 1.0 {
        return Err(EvalError::Undefined(
            "box agreement needs an image that two annotators annotated".into(),
        ));
    }
    // Sum over ordered pairs of distinct values' occurrences of their
    // distance: every box pair counts 1 less the IoU of same-class boxes on
    // one image; a box and "no box" count 1 each way.
    let mut close = 0.0;
    for (image, list) in boxes_of.iter().enumerate() {
        for (p, &i) in list.iter().enumerate() {
            for &j in &list[p + 1..] {
                close += 2.0 * (1.0 - distance(image, Some(i), Some(j)));
            }
        }
    }
    let expected_sum = n_boxes * (n_boxes - 1.0) - close + 2.0 * n_boxes * empties;
    let expected = expected_sum / (n - 1.0);
    if expected == 0.0 {
        return Err(EvalError::Undefined(
            "box agreement is undefined: every value is the same".into(),
        ));
    }
    Ok(1.0 - observed / expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(annotators: &[usize], boxes: &[(usize, i64, [f64; 4])]) -> ImageAnnotations {
        ImageAnnotations {
            annotators: annotators.to_vec(),
            boxes: boxes
                .iter()
                .map(|&(annotator, class, [x, y, w, h])| AnnotatedBox {
                    annotator,
                    class,
                    bbox: BBox::new(x, y, w, h),
                    mask: None,
                })
                .collect(),
        }
    }

    #[test]
    fn identical_boxes_agree_fully_and_missing_ones_lower_alpha() {
        let same = vec![
            image(
                &[0, 1],
                &[(0, 1, [0., 0., 10., 10.]), (1, 1, [0., 0., 10., 10.])],
            ),
            image(
                &[0, 1],
                &[(0, 2, [5., 5., 10., 10.]), (1, 2, [5., 5., 10., 10.])],
            ),
        ];
        let u = units(&same, 0.5);
        assert_eq!(u.len(), 2);
        assert_eq!(box_alpha(&same, &u).unwrap(), 1.0);
        let mut missing = same.clone();
        missing.push(image(&[0, 1], &[(0, 1, [20., 20., 5., 5.])]));
        let u = units(&missing, 0.5);
        assert_eq!(u.len(), 3);
        assert_eq!(u[2].values, vec![(0, Some(0)), (1, None)]);
        let a = box_alpha(&missing, &u).unwrap();
        assert!(a < 1.0 && a > 0.0, "{a}");
    }

    #[test]
    fn one_box_per_annotator_per_unit() {
        // Annotator 0 drew two overlapping boxes; only one joins 1's box.
        let img = image(
            &[0, 1],
            &[
                (0, 1, [0., 0., 10., 10.]),
                (0, 1, [1., 0., 10., 10.]),
                (1, 1, [0., 0., 10., 10.]),
            ],
        );
        let u = units(std::slice::from_ref(&img), 0.5);
        assert_eq!(u.len(), 2);
        assert!(u
            .iter()
            .all(|u| u.values.iter().filter(|v| v.1.is_some()).count() <= 2));
    }

    #[test]
    fn masks_measure_overlap_when_both_objects_have_one() {
        // Equal boxes, but the masks are the two halves of the box.
        let half = |left: bool| {
            let mut m = vec![0u8; 10 * 10];
            for x in 0..10 {
                for y in 0..10 {
                    if (x < 5) == left {
                        m[x * 10 + y] = 1;
                    }
                }
            }
            Rle::encode(&m, 10, 10).unwrap()
        };
        let mut img = image(
            &[0, 1],
            &[(0, 1, [0., 0., 10., 10.]), (1, 1, [0., 0., 10., 10.])],
        );
        assert_eq!(img.boxes[0].iou(&img.boxes[1]), 1.0);
        img.boxes[0].mask = Some(half(true));
        img.boxes[1].mask = Some(half(false));
        assert_eq!(img.boxes[0].iou(&img.boxes[1]), 0.0);
        assert_eq!(
            units(std::slice::from_ref(&img), 0.5).len(),
            2,
            "no longer matched"
        );
    }
}
