use super::BBox;

/// Area enclosed by a polygon `[x1, y1, x2, y2, ...]` (shoelace formula).
///
/// This is the exact geometric area; COCO's `area` field for polygons is the
/// pixel count of the rasterised mask, which [`crate::mask::Rle`] computes.
pub fn polygon_area(poly: &[f64]) -> f64 {
    let n = poly.len() / 2;
    if n < 3 {
        return 0.0;
    }
    let twice: f64 = (0..n)
        .map(|i| {
            let j = (i + 1) % n;
            poly[2 * i] * poly[2 * j + 1] - poly[2 * j] * poly[2 * i + 1]
        })
        .sum();
    twice.abs() / 2.0
}

/// The smallest box holding every vertex of every part, or `None` when
/// there is no vertex.
pub fn polygon_bbox(parts: &[Vec<f64>]) -> Option<BBox> {
    let mut points = parts.iter().flat_map(|p| p.chunks_exact(2));
    let first = points.next()?;
    let (mut x1, mut y1, mut x2, mut y2) = (first[0], first[1], first[0], first[1]);
    for p in points {
        x1 = x1.min(p[0]);
        y1 = y1.min(p[1]);
        x2 = x2.max(p[0]);
        y2 = y2.max(p[1]);
    }
    Some(BBox::from_corners(x1, y1, x2, y2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_of_a_square_either_winding() {
        let sq = [0.0, 0.0, 4.0, 0.0, 4.0, 4.0, 0.0, 4.0];
        assert_eq!(polygon_area(&sq), 16.0);
        let rev = [0.0, 4.0, 4.0, 4.0, 4.0, 0.0, 0.0, 0.0];
        assert_eq!(polygon_area(&rev), 16.0);
    }

    #[test]
    fn degenerate_polygons_have_no_area() {
        assert_eq!(polygon_area(&[1.0, 1.0, 2.0, 2.0]), 0.0);
        assert_eq!(polygon_area(&[]), 0.0);
    }

    #[test]
    fn bbox_spans_all_parts() {
        let parts = vec![
            vec![1.0, 2.0, 3.0, 4.0, 2.0, 8.0],
            vec![-1.0, 5.0, 0.0, 0.0],
        ];
        assert_eq!(
            polygon_bbox(&parts),
            Some(BBox::from_corners(-1.0, 0.0, 3.0, 8.0))
        );
        assert_eq!(polygon_bbox(&[]), None);
    }
}
