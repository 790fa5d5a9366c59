//! CleanVision's brightness: the perceived brightness
//! `sqrt(0.241 R² + 0.691 G² + 0.068 B²) / 255` of the mean colour, and the
//! percentiles of the same quantity over the pixels (`np.percentile`,
//! linear). `dark` reads the 99th percentile, `light` the 5th.
//!
//! The percentiles are order statistics of one value per pixel; instead of
//! sorting every pixel they are found with a coarse histogram of the exact
//! integer key `241 R² + 691 G² + 68 B²` (which orders pixels as the
//! floating-point brightness does), counted by the pixel pass
//! ([`bucket`]), then by selecting among only the pixels of the few
//! buckets that hold the wanted ranks (a second, read-only pass).

use assay_image::decode::{ColorMode, Pixels};

use super::pil::{histogram_mean, lerp, percentile_ranks};

/// The percentiles CleanVision records, in order.
pub const PERCENTILES: [u8; 7] = [1, 5, 10, 15, 90, 95, 99];

/// Brightness of one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Brightness {
    /// Brightness of the mean colour, in [0, 1].
    pub mean: f64,
    /// Percentiles of per-pixel brightness at [`PERCENTILES`], in [0, 1].
    pub percentiles: [f64; 7],
}

/// CleanVision's `calculate_brightness` of one colour.
#[inline]
pub fn perceived(r: f64, g: f64, b: f64) -> f64 {
    (0.241 * (r * r) + 0.691 * (g * g) + 0.068 * (b * b)).sqrt() / 255.0
}

/// Brightness of an image as CleanVision computes it: for modes other than
/// RGB (L, LA, RGBA), `ImageStat`'s first channel stands for all three in the
/// mean; the percentiles read the first three channels of colour images and
/// the grey channel (divided by 255) of greyscale ones.
/// `histograms` holds one 256-bin histogram per channel and `buckets` (for
/// colour images) the pixel counts per [`bucket`], both from the
/// [`pixel_pass`](super::pixel_pass::pixel_pass).
#[inline(always)]
pub fn brightness(
    pixels: &Pixels,
    histograms: &[[u64; 256]],
    buckets: Option<&BucketCounts>,
) -> Brightness {
    let ch = pixels.mode.channels();
    let channel_mean = |c: usize| histogram_mean(&histograms[c]);
    let mean = match pixels.mode {
        ColorMode::Rgb => perceived(channel_mean(0), channel_mean(1), channel_mean(2)),
        _ => {
            let m = channel_mean(0);
            perceived(m, m, m)
        }
    };
    let percentiles = match buckets {
        Some(counts) if pixels.mode.channels() >= 3 => colour_percentiles(&pixels.data, ch, counts),
        _ => grey_percentiles(&histograms[0], pixels.len()),
    };
    Brightness { mean, percentiles }
}

fn grey_percentiles(h: &[u64; 256], n: usize) -> [f64; 7] {
    let value_at = |rank: usize| {
        let mut seen = 0u64;
        for (v, &count) in h.iter().enumerate() {
            seen += count;
            if seen > rank as u64 {
                return v as f64 / 255.0;
            }
        }
        1.0
    };
    PERCENTILES.map(|p| {
        let (lo, hi, t) = percentile_ranks(n, f64::from(p));
        lerp(value_at(lo), value_at(hi), t)
    })
}

const KEY_SHIFT: u32 = 16;
/// Number of brightness-key buckets (4 KiB of counts).
pub const BUCKETS: usize = (((241 + 691 + 68) * 255 * 255) >> KEY_SHIFT) + 1;

/// Pixel counts per brightness bucket, and the range of buckets met in
/// each block of [`BLOCK`](super::pixel_pass::BLOCK) pixels (so the
/// selection pass skips blocks holding none of the wanted buckets).
pub struct BucketCounts {
    /// Pixels per [`bucket`].
    pub counts: Vec<u32>,
    /// Each pixel's bucket.
    pub keys: Vec<u16>,
    /// Per block of pixels, the lowest and highest bucket in it.
    pub block_ranges: Vec<(u16, u16)>,
}

/// The bucket of a colour: its brightness key `241 R² + 691 G² + 68 B²`
/// shifted right, so buckets are in brightness order.
/// Plain arithmetic, so loops over arrays of channels vectorise.
#[inline]
pub fn bucket(r: u8, g: u8, b: u8) -> usize {
    let (r, g, b) = (u32::from(r), u32::from(g), u32::from(b));
    ((241 * (r * r) + 691 * (g * g) + 68 * (b * b)) >> KEY_SHIFT) as usize
}

#[inline]
fn value(px: &[u8]) -> f64 {
    perceived(f64::from(px[0]), f64::from(px[1]), f64::from(px[2]))
}

#[inline(always)]
fn colour_percentiles(data: &[u8], ch: usize, buckets: &BucketCounts) -> [f64; 7] {
    let counts = &buckets.counts;
    let n = data.len() / ch;
    let ranks = PERCENTILES.map(|p| percentile_ranks(n, f64::from(p)));
    // For each wanted rank: its bucket and its position inside the bucket.
    let mut wanted: Vec<usize> = ranks.iter().flat_map(|&(lo, hi, _)| [lo, hi]).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let located = locate_ranks(counts, &wanted);
    let mut chosen: Vec<usize> = located.iter().map(|&(b, _)| b).collect();
    chosen.dedup();
    // Per bucket, its slot among the chosen ones (or NONE), and how many
    // chosen buckets lie below it (to test a block's range at once).
    const NONE: u8 = u8::MAX;
    let mut slot_of = vec![NONE; BUCKETS];
    for (slot, &b) in chosen.iter().enumerate() {
        slot_of[b] = slot as u8;
    }
    let mut chosen_below = vec![0u16; BUCKETS + 1];
    for b in 0..BUCKETS {
        chosen_below[b + 1] = chosen_below[b] + u16::from(slot_of[b] != NONE);
    }
    let mut gathered: Vec<Vec<u64>> = chosen
        .iter()
        .map(|&b| Vec::with_capacity(counts[b] as usize))
        .collect();
    const BLOCK: usize = super::pixel_pass::BLOCK;
    let blocks = data
        .chunks(BLOCK * ch)
        .zip(buckets.keys.chunks(BLOCK))
        .zip(&buckets.block_ranges);
    for ((pixels, keys), &(lo, hi)) in blocks {
        if chosen_below[usize::from(hi) + 1] == chosen_below[usize::from(lo)] {
            continue;
        }
        let hits = chosen_in_block(keys, &chosen);
        if hits[..keys.len()].iter().all(|&h| !h) {
            continue;
        }
        for ((px, &key), _) in pixels
            .chunks_exact(ch)
            .zip(keys)
            .zip(&hits)
            .filter(|(_, &h)| h)
        {
            gathered[usize::from(slot_of[usize::from(key)])].push(packed(px));
        }
    }
    // Each wanted value is an order statistic inside its bucket: select it
    // (linear time) rather than sorting the bucket.
    let mut value_at = |rank: usize| {
        let i = wanted.binary_search(&rank).unwrap_or(0);
        let (bucket, offset) = located[i];
        order_statistic(&mut gathered[usize::from(slot_of[bucket])], offset)
    };
    ranks.map(|(lo, hi, t)| {
        let (a, b) = (value_at(lo), value_at(hi));
        lerp(a, b, t)
    })
}

/// A pixel as its exact brightness key `241 R² + 691 G² + 68 B²` (26
/// bits) above its colour (24 bits): ordered by key, then colour.
#[inline]
fn packed(px: &[u8]) -> u64 {
    let (r, g, b) = (u64::from(px[0]), u64::from(px[1]), u64::from(px[2]));
    let key = 241 * r * r + 691 * g * g + 68 * b * b;
    key << 24 | r << 16 | g << 8 | b
}

/// The brightness of rank `offset` among packed pixels. The floating-point
/// brightness never decreases as the integer key grows (keys differ by at
/// least 1 in 65 million, far more than rounding moves a value), but equal
/// keys may round to values an ulp apart: the pixel of that rank is
/// selected by key, then ranked among the pixels sharing its key by value.
fn order_statistic(pixels: &mut [u64], offset: usize) -> f64 {
    let key_of = |p: u64| p >> 24;
    let chosen = *pixels.select_nth_unstable(offset).1;
    let key = key_of(chosen);
    // Usually every pixel with that key has the same colour.
    let (mut below, mut lowest, mut highest) = (0, u64::MAX, 0);
    for &p in pixels.iter() {
        below += usize::from(key_of(p) < key);
        if key_of(p) == key {
            lowest = lowest.min(p);
            highest = highest.max(p);
        }
    }
    let colour = |p: u64| [(p >> 16) as u8, (p >> 8) as u8, p as u8];
    if lowest == highest {
        return value(&colour(chosen));
    }
    let mut tied: Vec<f64> = pixels
        .iter()
        .filter(|&&p| key_of(p) == key)
        .map(|&p| value(&colour(p)))
        .collect();
    tied.sort_unstable_by(f64::total_cmp);
    tied[offset - below]
}

/// Which of a block's keys are among the chosen buckets: one comparison per
/// key and chosen bucket, in loops the compiler vectorises (a few chosen
/// buckets against every pixel costs less than a table lookup per pixel).
#[inline(always)]
fn chosen_in_block(keys: &[u16], chosen: &[usize]) -> [bool; super::pixel_pass::BLOCK] {
    let mut padded = [u16::MAX; super::pixel_pass::BLOCK];
    padded[..keys.len()].copy_from_slice(keys);
    let mut hits = [false; super::pixel_pass::BLOCK];
    for &bucket in chosen {
        let bucket = bucket as u16;
        for (hit, &key) in hits.iter_mut().zip(&padded) {
            *hit |= key == bucket;
        }
    }
    hits
}

/// For each rank (sorted), the bucket holding it and its offset there.
fn locate_ranks(counts: &[u32], ranks: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(ranks.len());
    let mut start = 0usize;
    let mut next = ranks.iter().peekable();
    for (bucket, &count) in counts.iter().enumerate() {
        let end = start + count as usize;
        while let Some(&&rank) = next.peek() {
            if rank >= end {
                break;
            }
            out.push((bucket, rank - start));
            next.next();
        }
        if next.peek().is_none() {
            break;
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(mode: ColorMode, w: usize, h: usize, data: Vec<u8>) -> Pixels {
        Pixels {
            width: w,
            height: h,
            mode,
            data,
        }
    }

    fn brightness(px: &Pixels) -> Brightness {
        let pass = super::super::pixel_pass::pixel_pass(px);
        super::brightness(px, &pass.histograms, pass.brightness_buckets.as_ref())
    }

    #[test]
    fn black_and_white() {
        let black = brightness(&image(ColorMode::Rgb, 4, 4, vec![0; 48]));
        assert_eq!(black.mean, 0.0);
        assert_eq!(black.percentiles, [0.0; 7]);
        let white = brightness(&image(ColorMode::Rgb, 4, 4, vec![255; 48]));
        assert!((white.mean - 1.0).abs() < 1e-12);
        assert!(white.percentiles.iter().all(|p| (p - 1.0).abs() < 1e-12));
    }

    #[test]
    fn percentiles_equal_a_full_sort() {
        let data: Vec<u8> = (0..3 * 997).map(|i| ((i * 7919) % 251) as u8).collect();
        let px = image(ColorMode::Rgb, 997, 1, data.clone());
        let got = brightness(&px).percentiles;
        let values: Vec<f64> = data.chunks_exact(3).map(value).collect();
        for (p, g) in PERCENTILES.iter().zip(got) {
            assert_eq!(g, super::super::pil::percentile(&values, f64::from(*p)));
        }
    }

    #[test]
    fn grey_percentiles_read_values_over_255() {
        let data: Vec<u8> = (0..=255).collect();
        let b = brightness(&image(ColorMode::L, 256, 1, data));
        assert!((b.percentiles[6] - (252.45 / 255.0)).abs() < 1e-9);
        assert!((b.mean - 127.5 / 255.0).abs() < 1e-12);
    }
}
