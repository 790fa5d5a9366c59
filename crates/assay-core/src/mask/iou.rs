//! maskApi's side-by-side walk over two RLEs: `rleMerge` and `rleIou`.

use super::{MaskError, Rle};

/// One piece of two RLEs walked side by side: a stretch where neither
/// changes, with their values before it and after it.
struct Piece {
    len: u32,
    before: (bool, bool),
    after: (bool, bool),
    last: bool,
}

/// maskApi's simultaneous walk over two count lists (`rleMerge`, `rleIou`).
struct Walk<'a> {
    counts: [&'a [u32]; 2],
    next: [usize; 2],
    left: [u32; 2],
    value: [bool; 2],
    done: bool,
}

impl<'a> Walk<'a> {
    fn new(a: &'a [u32], b: &'a [u32]) -> Walk<'a> {
        let first = |c: &[u32]| c.first().copied().unwrap_or(0);
        Walk {
            counts: [a, b],
            next: [1, 1],
            left: [first(a), first(b)],
            value: [false, false],
            done: false,
        }
    }
}

impl Iterator for Walk<'_> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        if self.done {
            return None;
        }
        let before = (self.value[0], self.value[1]);
        let len = self.left[0].min(self.left[1]);
        let mut moved = false;
        for side in 0..2 {
            self.left[side] -= len;
            let counts = self.counts[side];
            if self.left[side] == 0 && self.next[side] < counts.len() {
                self.left[side] = counts[self.next[side]];
                self.next[side] += 1;
                self.value[side] = !self.value[side];
                moved = true;
            }
        }
        // maskApi stops when nothing is left; it would spin forever when one
        // side ends before the other, so stop there as well.
        let stuck = len == 0 && !moved;
        self.done = self.left[0].wrapping_add(self.left[1]) == 0 || stuck;
        let after = (self.value[0], self.value[1]);
        Some(Piece {
            len,
            before,
            after,
            last: self.done,
        })
    }
}

/// `rleMerge` of two count lists.
pub(super) fn merge_counts(a: &[u32], b: &[u32], intersect: bool) -> Vec<u32> {
    let combine = |(va, vb): (bool, bool)| if intersect { va && vb } else { va || vb };
    let (mut counts, mut run) = (Vec::new(), 0u32);
    for piece in Walk::new(a, b) {
        run = run.wrapping_add(piece.len);
        if combine(piece.after) != combine(piece.before) || piece.last {
            counts.push(run);
            run = 0;
        }
    }
    counts
}

/// IoU of one detection mask with one ground-truth mask, exactly as one
/// entry of [`rle_iou`] (0 when the boxes do not overlap, -1 for masks of
/// different sizes whose boxes overlap).
pub fn rle_pair_iou(dt: &Rle, gt: &Rle, crowd: bool) -> f64 {
    let iou = box_iou(dt.to_bbox(), gt.to_bbox(), crowd);
    if iou > 0.0 {
        pair_iou(dt, gt, crowd)
    } else {
        iou
    }
}

/// `bbIou` of two boxes; a crowd ground truth uses the detection's area as
/// the union.
fn box_iou(d: [f64; 4], g: [f64; 4], crowd: bool) -> f64 {
    let w = (d[2] + d[0]).min(g[2] + g[0]) - d[0].max(g[0]);
    if w <= 0.0 {
        return 0.0;
    }
    let h = (d[3] + d[1]).min(g[3] + g[1]) - d[1].max(g[1]);
    if h <= 0.0 {
        return 0.0;
    }
    let (da, ga, i) = (d[2] * d[3], g[2] * g[3], w * h);
    i / if crowd { da } else { da + ga - i }
}

/// Exact mask IoU of one pair whose boxes overlap, as in `rleIou`.
fn pair_iou(dt: &Rle, gt: &Rle, crowd: bool) -> f64 {
    if (dt.height, dt.width) != (gt.height, gt.width) {
        return -1.0;
    }
    let (mut inter, mut union) = (0u32, 0u32);
    for piece in Walk::new(&dt.counts, &gt.counts) {
        let (va, vb) = piece.before;
        if va || vb {
            union = union.wrapping_add(piece.len);
        }
        if va && vb {
            inter = inter.wrapping_add(piece.len);
        }
    }
    let union = match (inter, crowd) {
        (0, _) => 1.0,
        (_, true) => dt.area() as f64,
        (_, false) => f64::from(union),
    };
    f64::from(inter) / union
}

/// IoU matrix as maskApi rleIou: result[d * gt.len() + g]; crowd gt uses dt
/// area as union.
///
/// As in pycocotools, pairs whose boxes do not overlap are 0 without looking
/// at the masks, and pairs of different image sizes whose boxes overlap are
/// -1. Fails if `iscrowd.len() != gt.len()` or a mask's counts do not sum
/// to `height * width`. An empty `dt` or `gt` gives an empty result.
pub fn rle_iou(dt: &[Rle], gt: &[Rle], iscrowd: &[bool]) -> Result<Vec<f64>, MaskError> {
    if iscrowd.len() != gt.len() {
        return Err(MaskError::CrowdLength {
            expected: gt.len(),
            actual: iscrowd.len(),
        });
    }
    dt.iter().chain(gt).try_for_each(Rle::validate)?;
    let gt_boxes: Vec<[f64; 4]> = gt.iter().map(Rle::to_bbox).collect();
    let mut ious = Vec::with_capacity(dt.len() * gt.len());
    for d in dt {
        let d_box = d.to_bbox();
        for ((g, &g_box), &crowd) in gt.iter().zip(&gt_boxes).zip(iscrowd) {
            let iou = box_iou(d_box, g_box, crowd);
            ious.push(if iou > 0.0 {
                pair_iou(d, g, crowd)
            } else {
                iou
            });
        }
    }
    Ok(ious)
}
