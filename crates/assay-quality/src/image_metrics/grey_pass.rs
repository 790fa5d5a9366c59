//! Per-pixel work on the full-resolution greyscale image, in one walk over
//! its rows: each interior row is seen with the rows above and below it,
//! so 3x3 neighbourhood measures need no copy of the image.
//!
//! This is the place for further full-resolution greyscale measures (for
//! example exposure statistics or a sharpness measure): give the measure a
//! row accumulator like [`Noise`], call it in the loop of [`grey_pass`] and
//! add its result to [`GreyStats`]. The walk reads rows that the pixel pass
//! has just written, so an extra accumulator costs only its own arithmetic;
//! keep it to plain loops over the row slices, which vectorise.

use super::stats::Noise;

/// What the walk over the greyscale image measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GreyStats {
    /// Immerkær's noise estimate, in grey levels ([`Noise`]).
    pub noise: f64,
}

/// Walks the greyscale image (`width * height` bytes, row-major) once.
#[inline(always)]
pub fn grey_pass(grey: &[u8], width: usize, height: usize) -> GreyStats {
    let mut noise = Noise::default();
    if width >= 3 && height >= 3 {
        for y in 1..height - 1 {
            let above = &grey[(y - 1) * width..y * width];
            let row = &grey[y * width..(y + 1) * width];
            let below = &grey[(y + 1) * width..(y + 2) * width];
            noise.add_row(above, row, below);
        }
    }
    GreyStats {
        noise: noise.sigma(width, height),
    }
}
