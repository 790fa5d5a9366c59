use serde::{Deserialize, Serialize};

/// An axis-aligned box `[x, y, width, height]` in pixels (COCO convention).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width (may be zero for degenerate boxes).
    pub w: f64,
    /// Height (may be zero for degenerate boxes).
    pub h: f64,
}

impl BBox {
    /// A box from its left, top, width and height.
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Self {
        BBox { x, y, w, h }
    }

    /// A box from its corners `(x1, y1)` top-left and `(x2, y2)` bottom-right.
    pub fn from_corners(x1: f64, y1: f64, x2: f64, y2: f64) -> Self {
        BBox::new(x1, y1, x2 - x1, y2 - y1)
    }

    /// A box from its centre and size (YOLO convention, in pixels).
    pub fn from_center(cx: f64, cy: f64, w: f64, h: f64) -> Self {
        BBox::new(cx - w / 2.0, cy - h / 2.0, w, h)
    }

    /// The box as `[x, y, w, h]`.
    pub fn to_array(self) -> [f64; 4] {
        [self.x, self.y, self.w, self.h]
    }

    /// Right edge.
    pub fn x2(&self) -> f64 {
        self.x + self.w
    }

    /// Bottom edge.
    pub fn y2(&self) -> f64 {
        self.y + self.h
    }

    /// Area `w * h`.
    pub fn area(&self) -> f64 {
        self.w * self.h
    }

    /// Whether all four numbers are finite and the size is not negative.
    pub fn is_valid(&self) -> bool {
        self.to_array().iter().all(|v| v.is_finite()) && self.w >= 0.0 && self.h >= 0.0
    }

    /// Whether the box lies inside a `width` x `height` image, allowing
    /// `tolerance` pixels of slack on every side.
    pub fn is_inside(&self, width: f64, height: f64, tolerance: f64) -> bool {
        self.x >= -tolerance
            && self.y >= -tolerance
            && self.x2() <= width + tolerance
            && self.y2() <= height + tolerance
    }

    /// The part of the box inside a `width` x `height` image.
    pub fn clip(&self, width: f64, height: f64) -> BBox {
        let x1 = self.x.clamp(0.0, width);
        let y1 = self.y.clamp(0.0, height);
        let x2 = self.x2().clamp(0.0, width);
        let y2 = self.y2().clamp(0.0, height);
        BBox::from_corners(x1, y1, x2.max(x1), y2.max(y1))
    }

    /// Area of the overlap of two boxes.
    pub fn intersection(&self, other: &BBox) -> f64 {
        let w = self.x2().min(other.x2()) - self.x.max(other.x);
        let h = self.y2().min(other.y2()) - self.y.max(other.y);
        if w <= 0.0 || h <= 0.0 {
            0.0
        } else {
            w * h
        }
    }

    /// Intersection over union, as `pycocotools.mask.iou` computes it for
    /// boxes: with `crowd` the union is the area of `self` (the detection).
    pub fn iou(&self, other: &BBox, crowd: bool) -> f64 {
        let inter = self.intersection(other);
        if inter <= 0.0 {
            return 0.0;
        }
        let union = if crowd {
            self.area()
        } else {
            self.area() + other.area() - inter
        };
        inter / union
    }
}

/// IoU of every detection with every ground truth, row-major
/// (`result[d * gt.len() + g]`), with COCO's crowd rule per ground truth.
pub fn bbox_iou_matrix(dt: &[BBox], gt: &[BBox], iscrowd: &[bool]) -> Vec<f64> {
    let mut out = Vec::with_capacity(dt.len() * gt.len());
    for d in dt {
        for (g, crowd) in gt
            .iter()
            .zip(iscrowd.iter().chain(std::iter::repeat(&false)))
        {
            out.push(d.iou(g, *crowd));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_of_identical_boxes_is_one() {
        let b = BBox::new(10.0, 20.0, 30.0, 40.0);
        assert_eq!(b.iou(&b, false), 1.0);
    }

    #[test]
    fn iou_of_half_overlap() {
        let a = BBox::new(0.0, 0.0, 10.0, 10.0);
        let b = BBox::new(5.0, 0.0, 10.0, 10.0);
        assert!((a.iou(&b, false) - 50.0 / 150.0).abs() < 1e-15);
        // Crowd: union is the detection's own area.
        assert!((a.iou(&b, true) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn touching_boxes_do_not_overlap() {
        let a = BBox::new(0.0, 0.0, 10.0, 10.0);
        let b = BBox::new(10.0, 0.0, 10.0, 10.0);
        assert_eq!(a.iou(&b, false), 0.0);
    }

    #[test]
    fn clip_keeps_the_inside_part() {
        let b = BBox::new(-5.0, 90.0, 20.0, 20.0).clip(100.0, 100.0);
        assert_eq!(b, BBox::new(0.0, 90.0, 15.0, 10.0));
        assert!(b.is_inside(100.0, 100.0, 0.0));
    }

    #[test]
    fn invalid_boxes_are_detected() {
        assert!(!BBox::new(0.0, 0.0, -1.0, 3.0).is_valid());
        assert!(!BBox::new(f64::NAN, 0.0, 1.0, 3.0).is_valid());
        assert!(BBox::new(0.0, 0.0, 0.0, 0.0).is_valid());
    }

    #[test]
    fn matrix_is_row_major() {
        let dt = [BBox::new(0.0, 0.0, 1.0, 1.0), BBox::new(5.0, 5.0, 1.0, 1.0)];
        let gt = [BBox::new(5.0, 5.0, 1.0, 1.0)];
        assert_eq!(bbox_iou_matrix(&dt, &gt, &[false]), vec![0.0, 1.0]);
    }
}
