//! COCO run-length encoded masks, bit-for-bit compatible with pycocotools.
//!
//! [`Rle`] reproduces the mask API of pycocotools 2.0.11 (`maskApi.c` and
//! `_mask.pyx`): encoding, decoding, areas, boxes, polygon and box
//! rasterisation, merges, compressed strings and [`rle_iou`]. Masks are in
//! COCO's column-major order: pixel `(x, y)` is at index `x * height + y`,
//! and `counts` alternate background and foreground runs, background first.
//!
//! Where pycocotools has undefined behaviour (buffer overruns, endless loops,
//! out-of-range float casts) this module returns an error or a documented
//! result instead; it never panics on bad input.

mod codec;
mod iou;
mod poly;
#[cfg(test)]
mod tests;

use iou::merge_counts;
pub use iou::{rle_iou, rle_pair_iou};

/// Why a mask could not be built or combined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MaskError {
    /// The mask slice does not hold `height * width` pixels.
    #[error("mask has {actual} pixels, expected height * width = {expected}")]
    MaskLength {
        /// `height * width`.
        expected: u64,
        /// Length of the slice given.
        actual: usize,
    },
    /// The run lengths do not add up to the image size.
    #[error("RLE counts sum to {actual}, expected height * width = {expected}")]
    CountsSum {
        /// `height * width`.
        expected: u64,
        /// Sum of the counts.
        actual: u64,
    },
    /// The image has more pixels than a 32-bit run length can describe.
    #[error(
        "a {height}x{width} mask has more than 4294967295 pixels, \
         expected at most u32::MAX (COCO run lengths are 32-bit)"
    )]
    TooLarge {
        /// Height of the mask.
        height: u32,
        /// Width of the mask.
        width: u32,
    },
    /// A compressed string holds a byte outside `'0'..='o'`.
    #[error(
        "invalid byte {byte:#04x} at offset {offset} of compressed RLE counts, \
         expected an ASCII character from '0' to 'o'"
    )]
    InvalidChar {
        /// Byte offset in the string.
        offset: usize,
        /// The byte found.
        byte: u8,
    },
    /// A compressed string ends in the middle of a value.
    #[error(
        "compressed RLE counts end inside a value at offset {offset}, \
         expected the value to end with a character from '0' to 'O'"
    )]
    Truncated {
        /// Byte offset where a character was missing.
        offset: usize,
    },
    /// A compressed value is longer than 7 characters or leaves `u32`.
    #[error(
        "run length ending at offset {offset} of compressed RLE counts is out of range, \
         expected a count from 0 to 4294967295"
    )]
    Overflow {
        /// Byte offset of the value's last character read.
        offset: usize,
    },
    /// [`Rle::merge`] was given no masks.
    #[error("merge needs at least one RLE, got none")]
    EmptyMerge,
    /// Masks to merge have different sizes.
    #[error(
        "RLE {index} is {height}x{width}, expected {expected_height}x{expected_width} \
         like the first RLE"
    )]
    SizeMismatch {
        /// Position of the offending mask.
        index: usize,
        /// Its height.
        height: u32,
        /// Its width.
        width: u32,
        /// Height of the first mask.
        expected_height: u32,
        /// Width of the first mask.
        expected_width: u32,
    },
    /// `iscrowd` does not have one flag per ground-truth mask.
    #[error("iscrowd has {actual} flags, expected one per ground-truth RLE ({expected})")]
    CrowdLength {
        /// Number of ground-truth masks.
        expected: usize,
        /// Number of flags given.
        actual: usize,
    },
}

/// Run-length encoded binary mask in COCO's column-major layout.
///
/// `counts` alternate background and foreground runs, starting with
/// background (a leading `0` when the first pixel is foreground). Masks built
/// by the fallible constructors satisfy `sum(counts) == height * width`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rle {
    /// Image height in pixels.
    pub height: u32,
    /// Image width in pixels.
    pub width: u32,
    /// Alternating background/foreground run lengths.
    pub counts: Vec<u32>,
}

impl Rle {
    /// `height * width`, without overflow.
    fn pixels(&self) -> u64 {
        u64::from(self.height) * u64::from(self.width)
    }

    /// Check that the counts describe exactly a `height x width` image that
    /// COCO's 32-bit runs can hold.
    fn validate(&self) -> Result<(), MaskError> {
        let expected = self.pixels();
        if expected > u64::from(u32::MAX) {
            return Err(MaskError::TooLarge {
                height: self.height,
                width: self.width,
            });
        }
        let actual = self.counts.iter().map(|&c| u64::from(c)).sum();
        if actual != expected {
            return Err(MaskError::CountsSum { expected, actual });
        }
        Ok(())
    }

    /// `rleEncode`: run lengths of a column-major (Fortran-order) mask where
    /// any nonzero byte is foreground.
    ///
    /// pycocotools starts a new run whenever the byte value changes, so a
    /// mask holding values other than 0 and 1 differs there; for 0/1 masks
    /// the result is identical. Fails if `mask.len() != height * width` or
    /// the image exceeds `u32::MAX` pixels.
    pub fn encode(mask: &[u8], height: u32, width: u32) -> Result<Rle, MaskError> {
        let expected = u64::from(height) * u64::from(width);
        if mask.len() as u64 != expected {
            return Err(MaskError::MaskLength {
                expected,
                actual: mask.len(),
            });
        }
        if expected > u64::from(u32::MAX) {
            return Err(MaskError::TooLarge { height, width });
        }
        let (mut counts, mut run, mut value) = (Vec::new(), 0u32, false);
        for &pixel in mask {
            if (pixel != 0) != value {
                counts.push(run);
                run = 0;
                value = !value;
            }
            run += 1;
        }
        counts.push(run);
        Ok(Rle {
            height,
            width,
            counts,
        })
    }

    /// `rleDecode`: the column-major mask, one byte (0 or 1) per pixel.
    ///
    /// Always `height * width` bytes long: runs past the end are cut and a
    /// short mask is padded with background (pycocotools raises or reads
    /// uninitialised memory for such inconsistent counts).
    pub fn decode(&self) -> Vec<u8> {
        let size = (self.height as usize).saturating_mul(self.width as usize);
        let mut mask = Vec::with_capacity(size);
        let mut value = 0u8;
        for &count in &self.counts {
            let run = (count as usize).min(size - mask.len());
            mask.resize(mask.len() + run, value);
            value ^= 1;
        }
        mask.resize(size, 0);
        mask
    }

    /// `rleArea`: the number of foreground pixels.
    pub fn area(&self) -> u64 {
        self.counts
            .iter()
            .skip(1)
            .step_by(2)
            .map(|&c| u64::from(c))
            .sum()
    }

    /// `rleToBbox`: the tight box `[x, y, width, height]` of the foreground.
    ///
    /// Follows maskApi's 32-bit unsigned arithmetic, including its results
    /// for masks with fewer than two counts (`[0, 0, 0, 0]`) and for masks
    /// whose foreground runs are all empty (for example `[w, h, 2^32 - w + 1,
    /// 2^32 - h + 1]` when every run is zero-length).
    pub fn to_bbox(&self) -> [f64; 4] {
        let (h, w) = (self.height, self.width);
        let paired = self.counts.len() / 2 * 2;
        if paired == 0 {
            return [0.0; 4];
        }
        let (mut xs, mut ys, mut xe, mut ye) = (w, h, 0u32, 0u32);
        let mut end = 0u32;
        for (j, &count) in self.counts[..paired].iter().enumerate() {
            let start = end;
            end = end.wrapping_add(count);
            // maskApi divides by zero here for a zero height; skip instead.
            if j % 2 == 0 || count == 0 || h == 0 {
                continue;
            }
            let (x_start, y_start) = (start / h, start % h);
            let last = end.wrapping_sub(1);
            let (x_end, y_end) = (last / h, last % h);
            xs = xs.min(x_start);
            xe = xe.max(x_end);
            if x_start < x_end {
                (ys, ye) = (0, h.wrapping_sub(1));
            } else {
                ys = ys.min(y_start);
                ye = ye.max(y_end);
            }
        }
        let width = xe.wrapping_sub(xs).wrapping_add(1);
        let height = ye.wrapping_sub(ys).wrapping_add(1);
        [xs, ys, width, height].map(f64::from)
    }

    /// `rleFrPoly`: rasterise one polygon `[x0, y0, x1, y1, ...]`.
    ///
    /// Same result as pycocotools (5x upsampling, its rounding, even-odd
    /// filling, clipping at the border) for any number of points, including
    /// fewer than three (an empty mask) and a trailing odd value (ignored).
    /// Differences: a zero-width image gives the empty mask `[0]`, where
    /// maskApi returns counts that do not sum to zero, and coordinates beyond
    /// about ±4.29e8 (where maskApi's `int` arithmetic overflows) are walked
    /// without overflow.
    pub fn from_polygon(poly: &[f64], height: u32, width: u32) -> Rle {
        let counts = poly::rasterize(poly, height, width);
        Rle {
            height,
            width,
            counts,
        }
    }

    /// The union of several polygons, as COCO's `annToRLE` builds a polygon
    /// segmentation (`frPyObjects` on the list, then `merge`).
    ///
    /// Parts and "holes" are all unioned, as in pycocotools. Every inner list
    /// is taken as a polygon, even when the first has exactly 4 values (where
    /// `frPyObjects` would try to read the list as boxes). No polygons give
    /// an empty mask.
    pub fn from_polygons(polys: &[Vec<f64>], height: u32, width: u32) -> Rle {
        let mut parts = polys.iter().map(|p| Rle::from_polygon(p, height, width));
        let first = parts
            .next()
            .unwrap_or_else(|| Rle::from_polygon(&[], height, width));
        let counts = parts.fold(first.counts, |acc, part| {
            merge_counts(&acc, &part.counts, false)
        });
        Rle {
            height,
            width,
            counts,
        }
    }

    /// `rleFrBbox`: rasterise the box `[x, y, width, height]` as the polygon
    /// through its four corners.
    pub fn from_bbox(bbox: [f64; 4], height: u32, width: u32) -> Rle {
        let [x, y, w, h] = bbox;
        let (xe, ye) = (x + w, y + h);
        Rle::from_polygon(&[x, y, x, ye, xe, ye, xe, y], height, width)
    }

    /// An RLE from uncompressed COCO counts (`{"size": [h, w], "counts":
    /// [...]}`). Fails unless the counts sum to `height * width`.
    pub fn from_uncompressed(counts: Vec<u32>, height: u32, width: u32) -> Result<Rle, MaskError> {
        let rle = Rle {
            height,
            width,
            counts,
        };
        rle.validate()?;
        Ok(rle)
    }

    /// `rleFrString`: an RLE from COCO's compressed counts string.
    ///
    /// Fails on characters outside `'0'..='o'`, on a string ending inside a
    /// value, on values that leave `u32`, and unless the counts sum to
    /// `height * width`. Values of 7 characters are decoded correctly, where
    /// pycocotools 2.0.11 corrupts negative ones (differences below -2^29,
    /// only possible in images of more than 536,870,912 pixels).
    pub fn from_compressed(s: &str, height: u32, width: u32) -> Result<Rle, MaskError> {
        Rle::from_uncompressed(codec::decode(s)?, height, width)
    }

    /// `rleToString`: COCO's compressed counts string.
    pub fn to_compressed(&self) -> String {
        codec::encode(&self.counts)
    }

    /// `rleMerge`: the union (or with `intersect`, the intersection) of
    /// same-sized masks.
    ///
    /// Fails on an empty slice, on sizes that differ from the first mask's
    /// (where pycocotools returns an empty 0x0 mask) and on counts that do
    /// not sum to `height * width`.
    pub fn merge(rles: &[Rle], intersect: bool) -> Result<Rle, MaskError> {
        let first = rles.first().ok_or(MaskError::EmptyMerge)?;
        for (index, rle) in rles.iter().enumerate() {
            if (rle.height, rle.width) != (first.height, first.width) {
                return Err(MaskError::SizeMismatch {
                    index,
                    height: rle.height,
                    width: rle.width,
                    expected_height: first.height,
                    expected_width: first.width,
                });
            }
            rle.validate()?;
        }
        let counts = rles[1..].iter().fold(first.counts.clone(), |acc, rle| {
            merge_counts(&acc, &rle.counts, intersect)
        });
        Ok(Rle { counts, ..*first })
    }
}
