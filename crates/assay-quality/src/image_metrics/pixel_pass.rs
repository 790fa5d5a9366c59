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

use assay_image::decode::{ColorMode, Pixels};

use super::brightness::{bucket, BucketCounts, BUCKETS};
use super::color::{ColourSums, COLOUR_TOLERANCE};
use super::pil::luma;

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
    /// The histogram of the greyscale image.
    pub grey_histogram: [u64; 256],
    /// RGB images: the red, green and blue planes (for the blur's resize).
    pub planes: Option<[Vec<u8>; 3]>,
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
#[inline(always)]
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

#[inline(always)]
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
    let grey_histogram = histograms[0];
    let (grey_sum, grey_sum_sq) = sums_from_histogram(&grey_histogram);
    PixelPass {
        histograms,
        grey,
        grey_histogram,
        planes: None,
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
    grey: [u8; BLOCK],
    keys: [u16; BLOCK],
}

/// Tables counted per pixel after the vector loops, [`COPIES`] of each: the
/// brightness buckets, the greyscale histogram, and per maximum channel
/// value the pixel count and the sum of `max - min`, packed in one word
/// (count in the low 32 bits, sum in the high 32) so one increment does
/// both; the packed words are flushed every [`FLUSH_BLOCKS`] blocks, before
/// the sums could overflow.
struct Tallies {
    buckets: Vec<[u32; BUCKETS]>,
    grey: [[u32; 256]; COPIES],
    by_max: [[u64; 256]; COPIES],
}

/// Blocks between flushes of the packed per-maximum words: the sum of
/// `max - min` in one word stays below `255 * BLOCK * FLUSH_BLOCKS`, 2^30.
const FLUSH_BLOCKS: usize = (1 << 30) / (255 * BLOCK);

impl Tallies {
    fn new() -> Self {
        Tallies {
            buckets: vec![[0; BUCKETS]; COPIES],
            grey: [[0; 256]; COPIES],
            by_max: [[0; 256]; COPIES],
        }
    }

    /// Counts one block's pixels.
    #[inline(always)]
    fn add(&mut self, block: &Block, len: usize) {
        let (keys, grey) = (&block.keys[..len], &block.grey[..len]);
        let (max, diff) = (&block.max[..len], &block.diff[..len]);
        let mut count = |copy: usize, key: u16, grey: u8, max: u8, diff: u8| {
            self.buckets[copy][usize::from(key)] += 1;
            self.grey[copy][usize::from(grey)] += 1;
            self.by_max[copy][usize::from(max)] += 1 | (u64::from(diff) << 32);
        };
        let groups = keys
            .chunks_exact(COPIES)
            .zip(grey.chunks_exact(COPIES))
            .zip(max.chunks_exact(COPIES).zip(diff.chunks_exact(COPIES)));
        for ((k, g), (m, d)) in groups {
            for copy in 0..COPIES {
                count(copy, k[copy], g[copy], m[copy], d[copy]);
            }
        }
        for i in len / COPIES * COPIES..len {
            count(0, keys[i], grey[i], max[i], diff[i]);
        }
    }

    /// Moves the packed per-maximum words into `sums`.
    fn flush(&mut self, sums: &mut ColourSums) {
        for copy in &mut self.by_max {
            for (m, word) in copy.iter_mut().enumerate() {
                sums.count_by_max[m] += *word & u64::from(u32::MAX);
                sums.diff_by_max[m] += *word >> 32;
                *word = 0;
            }
        }
    }
}

#[inline(always)]
fn colour_image(pixels: &Pixels) -> PixelPass<'_> {
    if pixels.mode.channels() == 4 {
        colour_pass::<4>(pixels)
    } else {
        colour_pass::<3>(pixels)
    }
}

/// The colour pass for `CH` (3 or 4) interleaved channels.
#[inline(always)]
fn colour_pass<const CH: usize>(pixels: &Pixels) -> PixelPass<'_> {
    let n = pixels.len();
    let mut counts = Counts::<CH>::new();
    let mut tallies = Tallies::new();
    let mut sums = ColourSums::new();
    // Filled block by block (not zeroed first).
    let mut grey = Vec::with_capacity(n);
    let mut keys = Vec::with_capacity(n);
    let mut planes = (CH == 3).then(|| std::array::from_fn(|_| Vec::with_capacity(n)));
    let mut block_ranges = Vec::with_capacity(n.div_ceil(BLOCK));
    let mut block = Block {
        r: [0; BLOCK],
        g: [0; BLOCK],
        b: [0; BLOCK],
        max: [0; BLOCK],
        diff: [0; BLOCK],
        grey: [0; BLOCK],
        keys: [0; BLOCK],
    };
    for (index, data) in pixels.data.chunks(BLOCK * CH).enumerate() {
        let len = data.len() / CH;
        split_and_count(data, &mut block, &mut counts);
        if let Some([r, g, b]) = planes.as_mut() {
            append(r, &block.r, len);
            append(g, &block.g, len);
            append(b, &block.b, len);
        }
        // Vectorised: greyscale, colour sums, keys, max and max - min.
        let (r, g, b) = (&block.r[..len], &block.g[..len], &block.b[..len]);
        for (((l, &r), &g), &b) in block.grey.iter_mut().zip(r).zip(g).zip(b) {
            *l = luma(r, g, b);
        }
        sums.add_block(r, g, b);
        for (i, key) in block.keys[..len].iter_mut().enumerate() {
            let (r, g, b) = (block.r[i], block.g[i], block.b[i]);
            let (max, min) = (r.max(g).max(b), r.min(g).min(b));
            block.max[i] = max;
            block.diff[i] = max - min;
            *key = bucket(r, g, b) as u16;
        }
        sums.coloured += block.diff[..len]
            .iter()
            .filter(|&&d| d > COLOUR_TOLERANCE)
            .count() as u64;
        let block_keys = &block.keys[..len];
        let lowest = block_keys.iter().fold(u16::MAX, |a, &b| a.min(b));
        let highest = block_keys.iter().fold(0, |a, &b| a.max(b));
        block_ranges.push((lowest, highest));
        append(&mut grey, &block.grey, len);
        append(&mut keys, &block.keys, len);
        tallies.add(&block, len);
        if (index + 1) % FLUSH_BLOCKS == 0 {
            tallies.flush(&mut sums);
        }
    }
    tallies.flush(&mut sums);
    let mut histograms = vec![[0u64; 256]; CH];
    counts.add_to(&mut histograms);
    let grey_histogram =
        std::array::from_fn(|v| tallies.grey.iter().map(|c| u64::from(c[v])).sum());
    let (grey_sum, grey_sum_sq) = sums_from_histogram(&grey_histogram);
    let merged: Vec<u32> = (0..BUCKETS)
        .map(|k| tallies.buckets.iter().map(|copy| copy[k]).sum())
        .collect();
    PixelPass {
        histograms,
        grey: Cow::Owned(grey),
        grey_histogram,
        planes,
        grey_sum,
        grey_sum_sq,
        brightness_buckets: Some(BucketCounts {
            counts: merged,
            keys,
            block_ranges,
        }),
        colour: Some(sums),
    }
}

/// Appends the first `len` values of a block's array: whole blocks as a
/// fixed-size copy the compiler inlines, rather than a call to `memcpy`.
#[inline(always)]
fn append<T: Copy>(to: &mut Vec<T>, block: &[T; BLOCK], len: usize) {
    if len == BLOCK {
        to.extend_from_slice(block);
    } else {
        to.extend_from_slice(&block[..len]);
    }
}

/// Splits one block into channel arrays and counts the channel histograms,
/// neighbouring pixels in different copies of the tables.
#[inline(always)]
fn split_and_count<const CH: usize>(data: &[u8], block: &mut Block, counts: &mut Counts<CH>) {
    let mut split = |copy: usize, i: usize, px: &[u8]| {
        block.r[i] = px[0];
        block.g[i] = px[1];
        block.b[i] = px[2];
        let t = &mut counts.tables[copy];
        for c in 0..CH {
            t[c][usize::from(px[c])] += 1;
        }
    };
    let mut groups = data.chunks_exact(COPIES * CH);
    for (g, group) in groups.by_ref().enumerate() {
        for (copy, px) in group.chunks_exact(CH).enumerate() {
            split(copy, g * COPIES + copy, px);
        }
    }
    let done = data.len() / (COPIES * CH) * COPIES;
    for (i, px) in groups.remainder().chunks_exact(CH).enumerate() {
        split(0, done + i, px);
    }
}
