//! The one pass over the decoded pixels that gathers every per-pixel
//! statistic: channel histograms (entropy, mean brightness, channel
//! shares), the greyscale image and its sums (contrast, and the input of
//! the hashes and [`grey_pass`](super::grey_pass)), the brightness-key
//! bucket counts (brightness percentiles) and the colour sums
//! (colourfulness, saturation, true greyscale).
//!
//! Colour images are read in blocks of [`BLOCK`] pixels: one scalar loop
//! splits the block into channel arrays and does the histogram increments
//! ([`COPIES`] copies of each table, taken in turn by neighbouring pixels,
//! which are often equal, so increments do not wait on each other), then
//! plain loops over the arrays, which the compiler vectorises, compute the
//! greyscale values and the sums.

use std::borrow::Cow;

use super::brightness::{bucket, BucketCounts, BUCKETS};
use super::color::{ColourSums, COLOUR_TOLERANCE};
use super::pil::luma;
use crate::decode::{ColorMode, Pixels};

/// Pixels per block of the colour pass.
pub const BLOCK: usize = 64;
/// Copies of each counting table.
pub const COPIES: usize = 4;

/// What one pass over the pixels gathers.
pub struct PixelPass<'a> {
    /// One 256-bin histogram per channel (PIL's `Image.histogram()`, split).
    pub histograms: Vec<[u64; 256]>,
    /// The greyscale image (`convert("L")`); borrowed for L images.
    pub grey: Cow<'a, [u8]>,
    /// Sum of the greyscale values.
    pub grey_sum: u64,
    /// Sum of their squares.
    pub grey_sum_sq: u64,
    /// Colour images: pixel counts per brightness-key bucket
    /// ([`bucket`]), for the percentiles.
    pub brightness_buckets: Option<BucketCounts>,
    /// Colour images: the sums behind the colour measures.
    pub colour: Option<ColourSums>,
}

/// Gathers the per-pixel statistics of an image in one pass.
pub fn pixel_pass(pixels: &Pixels) -> PixelPass<'_> {
    match pixels.mode {
        ColorMode::L => grey_image(pixels, Cow::Borrowed(&pixels.data)),
        ColorMode::La => {
            let grey: Vec<u8> = pixels.data.chunks_exact(2).map(|p| p[0]).collect();
            grey_image(pixels, Cow::Owned(grey))
        }
        ColorMode::Rgb | ColorMode::Rgba => colour_image(pixels),
    }
}

fn grey_image<'a>(pixels: &'a Pixels, grey: Cow<'a, [u8]>) -> PixelPass<'a> {
    let ch = pixels.mode.channels();
    let mut histograms = vec![[0u64; 256]; ch];
    let mut counts = Counts::<2>::new();
    for group in pixels.data.chunks_exact(COPIES * ch) {
        for (copy, px) in group.chunks_exact(ch).enumerate() {
            for (c, &v) in px.iter().enumerate() {
                counts.tables[copy][c][usize::from(v)] += 1;
            }
        }
    }
    let tail = pixels.data.len() % (COPIES * ch);
    for px in pixels.data[pixels.data.len() - tail..].chunks_exact(ch) {
        for (c, &v) in px.iter().enumerate() {
            counts.tables[0][c][usize::from(v)] += 1;
        }
    }
    counts.add_to(&mut histograms);
    let (grey_sum, grey_sum_sq) = sums_from_histogram(&histograms[0]);
    PixelPass {
        histograms,
        grey,
        grey_sum,
        grey_sum_sq,
        brightness_buckets: None,
        colour: None,
    }
}

fn sums_from_histogram(h: &[u64; 256]) -> (u64, u64) {
    h.iter().enumerate().fold((0, 0), |(s, s2), (v, &n)| {
        let v = v as u64;
        (s + v * n, s2 + v * v * n)
    })
}

/// Histogram tables for `CH` channels, [`COPIES`] of each (merged at the
/// end).
struct Counts<const CH: usize> {
    tables: [[[u32; 256]; CH]; COPIES],
}

impl<const CH: usize> Counts<CH> {
    fn new() -> Self {
        Counts {
            tables: [[[0; 256]; CH]; COPIES],
        }
    }

    fn add_to(&self, histograms: &mut [[u64; 256]]) {
        for copy in &self.tables {
            for (h, t) in histograms.iter_mut().zip(copy) {
                for (a, &b) in h.iter_mut().zip(t) {
                    *a += u64::from(b);
                }
            }
        }
    }
}

/// Per-block channel arrays and what the vector loops derive from them.
struct Block {
    r: [u8; BLOCK],
    g: [u8; BLOCK],
    b: [u8; BLOCK],
    max: [u8; BLOCK],
    diff: [u8; BLOCK],
    bucket: [u16; BLOCK],
}

fn colour_image(pixels: &Pixels) -> PixelPass<'_> {
    if pixels.mode.channels() == 4 {
        colour_pass::<4>(pixels)
    } else {
        colour_pass::<3>(pixels)
    }
}

/// The colour pass for `CH` (3 or 4) interleaved channels.
fn colour_pass<const CH: usize>(pixels: &Pixels) -> PixelPass<'_> {
    let n = pixels.len();
    let mut counts = Counts::<CH>::new();
    let mut buckets = vec![[0u32; BUCKETS]; COPIES];
    let mut diff_by_max = [[0u64; 256]; COPIES];
    let mut count_by_max = [[0u32; 256]; COPIES];
    let mut sums = ColourSums::new();
    let mut grey = vec![0u8; n];
    let (mut grey_sum, mut grey_sum_sq) = (0u64, 0u64);
    let mut block_ranges = Vec::with_capacity(n.div_ceil(BLOCK));
    let mut block = Block {
        r: [0; BLOCK],
        g: [0; BLOCK],
        b: [0; BLOCK],
        max: [0; BLOCK],
        diff: [0; BLOCK],
        bucket: [0; BLOCK],
    };
    for (data, grey) in pixels.data.chunks(BLOCK * CH).zip(grey.chunks_mut(BLOCK)) {
        let len = grey.len();
        // Scalar: split channels, histogram increments.
        for (i, px) in data.chunks_exact(CH).enumerate() {
            block.r[i] = px[0];
            block.g[i] = px[1];
            block.b[i] = px[2];
            let t = &mut counts.tables[i % COPIES];
            for c in 0..CH {
                t[c][usize::from(px[c])] += 1;
            }
        }
        // Vectorised: greyscale, colour sums, buckets, max and max - min.
        let (r, g, b) = (&block.r[..len], &block.g[..len], &block.b[..len]);
        let (mut s, mut s2) = (0u32, 0u32);
        for (((l, &r), &g), &b) in grey.iter_mut().zip(r).zip(g).zip(b) {
            *l = luma(r, g, b);
            s += u32::from(*l);
            s2 += u32::from(*l) * u32::from(*l);
        }
        grey_sum += u64::from(s);
        grey_sum_sq += u64::from(s2);
        sums.add_block(r, g, b);
        for i in 0..len {
            let (r, g, b) = (block.r[i], block.g[i], block.b[i]);
            let (max, min) = (r.max(g).max(b), r.min(g).min(b));
            block.max[i] = max;
            block.diff[i] = max - min;
            block.bucket[i] = bucket(r, g, b) as u16;
        }
        sums.coloured += block.diff[..len]
            .iter()
            .filter(|&&d| d > COLOUR_TOLERANCE)
            .count() as u64;
        let range = &block.bucket[..len];
        let lowest = range.iter().fold(u16::MAX, |a, &b| a.min(b));
        let highest = range.iter().fold(0, |a, &b| a.max(b));
        block_ranges.push((lowest, highest));
        // Scalar: bucket counts and saturation's sums per maximum.
        for i in 0..len {
            let copy = i % COPIES;
            buckets[copy][usize::from(block.bucket[i])] += 1;
            diff_by_max[copy][usize::from(block.max[i])] += u64::from(block.diff[i]);
            count_by_max[copy][usize::from(block.max[i])] += 1;
        }
    }
    for (m, total) in sums.diff_by_max.iter_mut().enumerate() {
        *total = diff_by_max.iter().map(|copy| copy[m]).sum();
    }
    for (m, total) in sums.count_by_max.iter_mut().enumerate() {
        *total = count_by_max.iter().map(|copy| u64::from(copy[m])).sum();
    }
    let mut histograms = vec![[0u64; 256]; CH];
    counts.add_to(&mut histograms);
    let merged: Vec<u32> = (0..BUCKETS)
        .map(|k| buckets.iter().map(|copy| copy[k]).sum())
        .collect();
    PixelPass {
        histograms,
        grey: Cow::Owned(grey),
        grey_sum,
        grey_sum_sq,
        brightness_buckets: Some(BucketCounts {
            counts: merged,
            block_ranges,
        }),
        colour: Some(sums),
    }
}
