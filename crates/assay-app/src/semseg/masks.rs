//! Label masks: pairing prediction and ground-truth files, and decoding
//! greyscale PNGs into class indices.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use assay_io::images::{list_files, to_file_name};

/// A ground-truth mask and its prediction, if there is one.
#[derive(Debug)]
pub struct MaskPair {
    /// The mask's path under its folder, without extension (`a/b` for
    /// `a/b.png`): the name it is paired, and matched to images, by.
    pub key: String,
    /// The ground-truth file.
    pub gt: PathBuf,
    /// The prediction file with the same relative path (less extension).
    pub pred: Option<PathBuf>,
}

/// What [`pair_masks`] found.
#[derive(Debug)]
pub struct Pairing {
    /// One entry per ground-truth PNG, sorted by relative path.
    pub pairs: Vec<MaskPair>,
    /// Prediction PNGs without a ground truth.
    pub unmatched_preds: Vec<PathBuf>,
    /// Files in the ground-truth folder that are not PNGs.
    pub skipped_gt: Vec<PathBuf>,
}

impl Pairing {
    /// The pairs without a prediction.
    pub fn missing(&self) -> impl Iterator<Item = &MaskPair> {
        self.pairs.iter().filter(|p| p.pred.is_none())
    }
}

fn is_png(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("png"))
}

/// The PNGs under `dir` by relative path without extension (`a/b` for
/// `a/b.png`), and the other files.
fn png_files(dir: &Path) -> Result<(HashMap<String, PathBuf>, Vec<PathBuf>)> {
    let mut pngs = HashMap::new();
    let mut others = Vec::new();
    for rel in list_files(dir)? {
        if !is_png(&rel) {
            others.push(dir.join(rel));
            continue;
        }
        let key = to_file_name(&rel.with_extension(""));
        if let Some(earlier) = pngs.insert(key, dir.join(&rel)) {
            bail!(
                "{} and {} have the same name but for the extension's case; keep one",
                earlier.display(),
                dir.join(&rel).display()
            );
        }
    }
    Ok((pngs, others))
}

/// Pairs every PNG under `gt_dir` with the PNG of the same relative path
/// (without extension) under `pred_dir`.
pub fn pair_masks(pred_dir: &Path, gt_dir: &Path) -> Result<Pairing> {
    let (gt, skipped_gt) = png_files(gt_dir).context("--gt")?;
    let (mut preds, _) = png_files(pred_dir).context("--pred")?;
    if gt.is_empty() {
        bail!(
            "{}: no PNG masks found; expected 8- or 16-bit greyscale PNGs of class indices",
            gt_dir.display()
        );
    }
    let mut keys: Vec<&String> = gt.keys().collect();
    keys.sort();
    let pairs = keys
        .into_iter()
        .map(|key| MaskPair {
            key: key.clone(),
            gt: gt[key].clone(),
            pred: preds.remove(key),
        })
        .collect();
    let mut unmatched_preds: Vec<PathBuf> = preds.into_values().collect();
    unmatched_preds.sort();
    Ok(Pairing {
        pairs,
        unmatched_preds,
        skipped_gt,
    })
}

/// The pixels of a decoded mask.
#[derive(Debug)]
pub enum Pixels {
    /// An 8-bit greyscale mask.
    U8(Vec<u8>),
    /// A 16-bit greyscale mask.
    U16(Vec<u16>),
}

/// A decoded label mask.
#[derive(Debug)]
pub struct Mask {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major class indices.
    pub pixels: Pixels,
}

/// PNG's colour type for palette images (IHDR byte 25 of the file).
const PNG_PALETTE: u8 = 3;

/// Reads a PNG label mask: 8- or 16-bit greyscale, one class index a pixel.
pub fn read_mask(path: &Path) -> Result<Mask> {
    let bytes = assay_io::error::read_file(path)?;
    if bytes.get(25) == Some(&PNG_PALETTE) && bytes.starts_with(b"\x89PNG") {
        bail!(
            "{}: a palette (indexed-colour) PNG; expected an 8- or 16-bit greyscale PNG of \
             class indices (convert it, e.g. in Python: \
             Image.fromarray(numpy.array(Image.open(f))).save(f))",
            path.display()
        );
    }
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .with_context(|| format!("{}: cannot decode the PNG", path.display()))?;
    let (width, height) = (image.width(), image.height());
    let pixels = match image {
        image::DynamicImage::ImageLuma8(buffer) => Pixels::U8(buffer.into_raw()),
        image::DynamicImage::ImageLuma16(buffer) => Pixels::U16(buffer.into_raw()),
        other => bail!(
            "{}: a {:?} image; expected an 8- or 16-bit greyscale PNG of class indices \
             (one channel, no alpha)",
            path.display(),
            other.color()
        ),
    };
    Ok(Mask {
        width,
        height,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_png(path: &Path, image: image::DynamicImage) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        image.save(path).unwrap();
    }

    #[test]
    fn pairs_by_relative_path_without_extension() {
        let dir = tempfile::tempdir().unwrap();
        let (gt, pred) = (dir.path().join("gt"), dir.path().join("pred"));
        let grey = || image::DynamicImage::new_luma8(2, 2);
        write_png(&gt.join("a/x.png"), grey());
        write_png(&gt.join("y.png"), grey());
        write_png(&pred.join("a/x.PNG"), grey());
        write_png(&pred.join("z.png"), grey());
        std::fs::write(gt.join("notes.txt"), "hi").unwrap();
        let pairing = pair_masks(&pred, &gt).unwrap();
        assert_eq!(pairing.pairs.len(), 2);
        assert_eq!(pairing.pairs[0].pred, Some(pred.join("a/x.PNG")));
        assert_eq!(pairing.missing().count(), 1);
        assert_eq!(pairing.unmatched_preds, vec![pred.join("z.png")]);
        assert_eq!(pairing.skipped_gt, vec![gt.join("notes.txt")]);
    }

    #[test]
    fn reads_8_and_16_bit_grey_and_rejects_colour() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.png");
        let grey16 = image::ImageBuffer::from_raw(2, 1, vec![3u16, 1000]).unwrap();
        write_png(&path, image::DynamicImage::ImageLuma16(grey16));
        let mask = read_mask(&path).unwrap();
        assert!(matches!(mask.pixels, Pixels::U16(ref v) if v == &[3, 1000]));
        assert_eq!((mask.width, mask.height), (2, 1));
        write_png(&path, image::DynamicImage::new_rgb8(2, 2));
        let err = read_mask(&path).unwrap_err().to_string();
        assert!(err.contains("m.png") && err.contains("Rgb8"), "{err}");
    }

    #[test]
    fn palette_pngs_get_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("voc.png");
        let mut header = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        header.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 4, 8, PNG_PALETTE, 0, 0, 0]);
        std::fs::write(&path, header).unwrap();
        let err = read_mask(&path).unwrap_err().to_string();
        assert!(
            err.contains("voc.png: a palette (indexed-colour) PNG"),
            "{err}"
        );
    }
}
