//! PyTorch's `F.interpolate` without antialiasing, `align_corners=False`:
//! bicubic for resizing position-embedding grids (cubic convolution with
//! A = -0.75, source coordinate `(dst + 0.5) * in / out - 0.5`, indices
//! clamped to the edge), and bilinear for resizing images to Inception's
//! input (the same source coordinate, clamped at 0, in `f32` as PyTorch's
//! CPU kernel computes it).

const A: f64 = -0.75;

fn near(x: f64) -> f64 {
    ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0
}

fn far(x: f64) -> f64 {
    ((A * x - 5.0 * A) * x + 8.0 * A) * x - 4.0 * A
}

/// The four taps (first source index, weights) of output position `dst`.
fn taps(dst: usize, input: usize, output: usize) -> (isize, [f64; 4]) {
    let scale = input as f64 / output as f64;
    let real = scale * (dst as f64 + 0.5) - 0.5;
    let floor = real.floor();
    let t = real - floor;
    let weights = [far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)];
    (floor as isize - 1, weights)
}

fn clamp(index: isize, len: usize) -> usize {
    index.clamp(0, len as isize - 1) as usize
}

/// Resizes a grid of `rows` x `cols` cells of `dim` values each (row-major,
/// values of a cell contiguous) to `out_rows` x `out_cols` cells.
pub fn bicubic_resize_grid(
    grid: &[f32],
    rows: usize,
    cols: usize,
    dim: usize,
    out_rows: usize,
    out_cols: usize,
) -> Vec<f32> {
    let col_taps: Vec<_> = (0..out_cols).map(|c| taps(c, cols, out_cols)).collect();
    let mut out = vec![0f32; out_rows * out_cols * dim];
    let mut acc = vec![0f64; dim];
    for r in 0..out_rows {
        let (r0, wr) = taps(r, rows, out_rows);
        for (c, (c0, wc)) in col_taps.iter().enumerate() {
            acc.iter_mut().for_each(|a| *a = 0.0);
            for (i, wy) in wr.iter().enumerate() {
                let y = clamp(r0 + i as isize, rows);
                for (j, wx) in wc.iter().enumerate() {
                    let x = clamp(c0 + j as isize, cols);
                    let cell = &grid[(y * cols + x) * dim..][..dim];
                    let w = wy * wx;
                    acc.iter_mut()
                        .zip(cell)
                        .for_each(|(a, &v)| *a += w * v as f64);
                }
            }
            let target = &mut out[(r * out_cols + c) * dim..][..dim];
            target
                .iter_mut()
                .zip(&acc)
                .for_each(|(t, &a)| *t = a as f32);
        }
    }
    out
}

/// The two taps of output position `dst` along an axis of `input` values
/// resized to `output`: (first index, second index, first weight, second
/// weight), as PyTorch's `upsample_bilinear2d` computes them in `f32`.
fn linear_taps(dst: usize, input: usize, output: usize) -> (usize, usize, f32, f32) {
    let scale = input as f32 / output as f32;
    let real = (scale * (dst as f32 + 0.5) - 0.5).max(0.0);
    let first = (real.floor() as usize).min(input - 1);
    let lambda = (real - first as f32).clamp(0.0, 1.0);
    let second = if first + 1 < input { first + 1 } else { first };
    (first, second, 1.0 - lambda, lambda)
}

/// Resizes one plane of `rows` x `cols` values (row-major) to `out_rows` x
/// `out_cols` by bilinear interpolation, as
/// `F.interpolate(mode="bilinear", align_corners=False)`. An empty or
/// too short `plane` gives an empty result.
pub fn bilinear_resize(
    plane: &[f32],
    rows: usize,
    cols: usize,
    out_rows: usize,
    out_cols: usize,
) -> Vec<f32> {
    if rows == 0 || cols == 0 || plane.len() < rows * cols {
        return Vec::new();
    }
    let col_taps: Vec<_> = (0..out_cols)
        .map(|c| linear_taps(c, cols, out_cols))
        .collect();
    let mut out = Vec::with_capacity(out_rows * out_cols);
    for r in 0..out_rows {
        let (y0, y1, wy0, wy1) = linear_taps(r, rows, out_rows);
        let (row0, row1) = (&plane[y0 * cols..][..cols], &plane[y1 * cols..][..cols]);
        out.extend(col_taps.iter().map(|&(x0, x1, wx0, wx1)| {
            let top = wx0 * row0[x0] + wx1 * row0[x1];
            let bottom = wx0 * row1[x0] + wx1 * row1[x1];
            wy0 * top + wy1 * bottom
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilinear_same_size_is_the_identity() {
        let plane: Vec<f32> = (0..12).map(|v| v as f32 * 0.25).collect();
        assert_eq!(bilinear_resize(&plane, 3, 4, 3, 4), plane);
        assert!(bilinear_resize(&plane, 4, 4, 2, 2).is_empty());
        assert!(bilinear_resize(&[], 0, 0, 2, 2).is_empty());
    }

    #[test]
    fn bilinear_upscaling_by_two_matches_pytorch() {
        // torch.nn.functional.interpolate(torch.tensor([[[[0., 1.], [2., 3.]]]]),
        // size=(4, 4), mode="bilinear", align_corners=False)
        let out = bilinear_resize(&[0.0, 1.0, 2.0, 3.0], 2, 2, 4, 4);
        let expected = [
            0.0, 0.25, 0.75, 1.0, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2.0, 2.25, 2.75, 3.0,
        ];
        assert_eq!(out, expected);
    }

    #[test]
    fn same_size_is_the_identity() {
        let grid: Vec<f32> = (0..3 * 4 * 2).map(|v| v as f32 * 0.5 - 3.0).collect();
        let out = bicubic_resize_grid(&grid, 3, 4, 2, 3, 4);
        for (a, b) in grid.iter().zip(&out) {
            assert!((a - b).abs() < 1e-6, "{a} {b}");
        }
    }

    #[test]
    fn constant_grid_stays_constant() {
        let grid = vec![2.5f32; 5 * 5];
        let out = bicubic_resize_grid(&grid, 5, 5, 1, 3, 7);
        assert!(out.iter().all(|v| (v - 2.5).abs() < 1e-6), "{out:?}");
    }
}
