//! Data problems the demo injects: bad exposure, blur, corrupt files, and
//! label errors.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A photometric problem applied to a whole image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// Nearly black.
    Dark,
    /// Washed out towards white.
    Light,
    /// Strongly blurred.
    Blurry,
}

impl Exposure {
    /// The problem's name in the demo's truth table.
    pub fn name(self) -> &'static str {
        match self {
            Exposure::Dark => "dark",
            Exposure::Light => "light",
            Exposure::Blurry => "blurry",
        }
    }

    /// Applies the problem to RGB pixels of a `width`-wide image.
    pub fn apply(self, px: &mut [u8], width: usize) {
        match self {
            Exposure::Dark => px
                .iter_mut()
                .for_each(|v| *v = (f32::from(*v) * 0.12) as u8),
            Exposure::Light => px
                .iter_mut()
                .for_each(|v| *v = 255 - ((255.0 - f32::from(*v)) * 0.12) as u8),
            Exposure::Blurry => {
                for _ in 0..3 {
                    box_blur(px, width, 4);
                }
            }
        }
    }
}

/// What a poor generator makes of a scene: blurred, with a purple cast.
pub fn degrade(px: &mut [u8], width: usize) {
    box_blur(px, width, 3);
    for pixel in px.chunks_exact_mut(3) {
        pixel[0] = pixel[0].saturating_add(40);
        pixel[1] = (f32::from(pixel[1]) * 0.6) as u8;
        pixel[2] = pixel[2].saturating_add(50);
    }
}

/// The planted shift of the demo's `shifted` split: the same scenes seen
/// darker (80% of the light) and a little soft (a [1, 2, 1] / 4 blur each
/// way), as by a cheaper camera. Much milder than the dark and blurry
/// problems, which the quality checks should not confuse it with, but a
/// split of such images differs measurably from the others.
pub fn shift(px: &mut [u8], width: usize) {
    px.iter_mut().for_each(|v| *v = (f32::from(*v) * 0.8) as u8);
    let height = px.len() / 3 / width;
    let src = px.to_vec();
    let at = |x: usize, y: usize, c: usize| u32::from(src[(y * width + x) * 3 + c]);
    let mut tmp = vec![0u32; src.len()];
    for y in 0..height {
        for x in 0..width {
            let (l, r) = (x.saturating_sub(1), (x + 1).min(width - 1));
            for c in 0..3 {
                tmp[(y * width + x) * 3 + c] = at(l, y, c) + 2 * at(x, y, c) + at(r, y, c);
            }
        }
    }
    for y in 0..height {
        let (u, d) = (y.saturating_sub(1), (y + 1).min(height - 1));
        for x in 0..width {
            for c in 0..3 {
                let v = |yy: usize| tmp[(yy * width + x) * 3 + c];
                px[(y * width + x) * 3 + c] = ((v(u) + 2 * v(y) + v(d) + 8) / 16) as u8;
            }
        }
    }
}

/// Brightens every pixel a little: the near-duplicate of an image.
pub fn nudge(px: &mut [u8]) {
    px.iter_mut().for_each(|v| *v = v.saturating_add(6));
}

/// Separable box blur of the given radius, in place.
fn box_blur(px: &mut [u8], width: usize, radius: usize) {
    let height = px.len() / 3 / width;
    let pass = |src: &[u8],
                dst: &mut [u8],
                len: usize,
                lines: usize,
                at: &dyn Fn(usize, usize) -> usize| {
        for line in 0..lines {
            for i in 0..len {
                let (lo, hi) = (i.saturating_sub(radius), (i + radius).min(len - 1));
                for c in 0..3 {
                    let sum: u32 = (lo..=hi).map(|j| u32::from(src[at(line, j) * 3 + c])).sum();
                    dst[at(line, i) * 3 + c] = (sum / (hi - lo + 1) as u32) as u8;
                }
            }
        }
    };
    let mut tmp = px.to_vec();
    pass(px, &mut tmp, width, height, &|row, x| row * width + x);
    pass(&tmp, px, height, width, &|col, y| y * width + col);
}

/// Corrupt files: (file name, bytes, what was done). `jpeg` is a valid
/// encoded image to truncate.
pub fn corrupt_files(
    jpeg: &[u8],
    rng: &mut ChaCha8Rng,
) -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let garbage: Vec<u8> = (0..4096).map(|_| rng.random()).collect();
    let mut bad_png = b"\x89PNG\r\n\x1a\n".to_vec();
    bad_png.extend_from_slice(&garbage[..512]);
    vec![
        (
            "corrupt_truncated.jpg",
            jpeg[..jpeg.len() * 35 / 100].to_vec(),
            "JPEG cut off after 35% of its bytes",
        ),
        ("corrupt_empty.jpg", Vec::new(), "zero-byte file"),
        ("corrupt_garbage.jpg", garbage, "random bytes named .jpg"),
        (
            "corrupt_header.png",
            bad_png,
            "PNG signature followed by random bytes",
        ),
    ]
}

/// A label error injected into one ground-truth object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelError {
    /// The class was changed.
    WrongClass,
    /// The object was left out of the ground truth.
    MissingBox,
    /// The box was enlarged well past the object.
    LooseBox,
}

impl LabelError {
    /// The error's name in the demo's truth table.
    pub fn name(self) -> &'static str {
        match self {
            LabelError::WrongClass => "wrong_class",
            LabelError::MissingBox => "missing_box",
            LabelError::LooseBox => "loose_box",
        }
    }

    /// Draws the error (if any) for one object: 4% wrong class, 3% missing, 3% loose.
    pub fn draw(rng: &mut ChaCha8Rng) -> Option<LabelError> {
        let u: f64 = rng.random();
        match u {
            u if u < 0.04 => Some(LabelError::WrongClass),
            u if u < 0.07 => Some(LabelError::MissingBox),
            u if u < 0.10 => Some(LabelError::LooseBox),
            _ => None,
        }
    }
}

/// Enlarges a `[x, y, w, h]` box by 20-45% of its size on each side, within the image.
pub fn loosen(b: [f64; 4], width: u32, height: u32, rng: &mut ChaCha8Rng) -> [f64; 4] {
    let mut grow = |size: f64| size * rng.random_range(0.2..0.45);
    let (x1, y1) = ((b[0] - grow(b[2])).max(0.0), (b[1] - grow(b[3])).max(0.0));
    let x2 = (b[0] + b[2] + grow(b[2])).min(f64::from(width));
    let y2 = (b[1] + b[3] + grow(b[3])).min(f64::from(height));
    [x1, y1, x2 - x1, y2 - y1]
}
