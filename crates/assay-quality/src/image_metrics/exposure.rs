//! Exposure from histograms gathered by the pixel pass: the darkest tones of
//! the greyscale image, the brightest of the pixels' largest channels, and
//! the share of pixels clipped at white.
//!
//! These feed assay's own `underexposed` and `overexposed` types: an image
//! whose brightest channel values stay below mid-grey could be made twice as
//! bright without clipping anything (a vivid blue is bright in its blue
//! channel, though its perceived brightness is low); an image with no tone
//! darker than light grey is washed out (`overexposed`). The clipped share
//! is kept as a metric of its own (the scan table, drift analysis).

/// Exposure of one image; every value in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exposure {
    /// 1st percentile of the greyscale (PIL `L`) values over 255: the
    /// darkest tones.
    pub shadows: f64,
    /// 99.9th percentile of each pixel's largest channel value over 255: the
    /// brightest tones, ignoring a few specks.
    pub highlights: f64,
    /// Share of pixels at 255 in the channel that has the most of them.
    pub clipped: f64,
}

/// Exposure from the greyscale histogram and one histogram per channel
/// (colour channels only are read: alpha is skipped for LA and RGBA), and
/// the histogram of each pixel's largest colour channel (`max_channel`;
/// the greyscale histogram itself for greyscale modes).
pub fn exposure(luma: &[u64; 256], max_channel: &[u64; 256], channels: &[[u64; 256]]) -> Exposure {
    let n: u64 = luma.iter().sum();
    if n == 0 {
        return Exposure {
            shadows: 0.0,
            highlights: 0.0,
            clipped: 0.0,
        };
    }
    let colour = match channels.len() {
        2 => &channels[..1],
        4 => &channels[..3],
        _ => channels,
    };
    let at_white = colour.iter().map(|h| h[255]).max().unwrap_or(0);
    Exposure {
        shadows: f64::from(lower_value(luma, n, 0.01)) / 255.0,
        highlights: f64::from(lower_value(max_channel, n, 0.999)) / 255.0,
        clipped: at_white as f64 / n as f64,
    }
}

/// The value below which lies a share `q` of the `n` counted values (the
/// value of rank `floor(q (n - 1))`).
fn lower_value(h: &[u64; 256], n: u64, q: f64) -> u8 {
    let rank = (q * (n - 1) as f64).floor() as u64;
    let mut seen = 0u64;
    for (v, &count) in h.iter().enumerate() {
        seen += count;
        if seen > rank {
            return v as u8;
        }
    }
    255
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(values: &[u8]) -> [u64; 256] {
        let mut h = [0u64; 256];
        for &v in values {
            h[usize::from(v)] += 1;
        }
        h
    }

    #[test]
    fn a_ramp_spans_the_range() {
        let ramp: Vec<u8> = (0..=255).collect();
        let h = histogram(&ramp);
        let e = exposure(&h, &h, &[h]);
        assert_eq!(e.shadows, 2.0 / 255.0);
        assert_eq!(e.highlights, 254.0 / 255.0);
        assert_eq!(e.clipped, 1.0 / 256.0);
    }

    #[test]
    fn halved_image_keeps_below_mid_grey() {
        let dim: Vec<u8> = (0..=255u32).map(|v| (v / 2) as u8).collect();
        let h = histogram(&dim);
        let e = exposure(&h, &h, &[h]);
        assert!(e.highlights < 0.5);
        assert_eq!(e.clipped, 0.0);
    }

    #[test]
    fn clipping_counts_the_worst_colour_channel() {
        // 3 of 4 pixels with red at 255, half with green, none with blue.
        let red = histogram(&[255, 255, 255, 10]);
        let green = histogram(&[255, 255, 0, 0]);
        let blue = histogram(&[0, 0, 0, 0]);
        let alpha = histogram(&[255; 4]);
        let luma = histogram(&[200, 200, 76, 3]);
        let e = exposure(&luma, &luma, &[red, green, blue, alpha]);
        assert_eq!(e.clipped, 0.75);
    }

    #[test]
    fn empty_image_is_all_zero() {
        let e = exposure(&[0; 256], &[0; 256], &[]);
        assert_eq!((e.shadows, e.highlights, e.clipped), (0.0, 0.0, 0.0));
    }
}
