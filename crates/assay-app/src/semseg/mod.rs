//! Semantic segmentation from folders of label masks: pairing prediction
//! and ground-truth files ([`masks`]) and summing them, decoded in
//! parallel, one accumulator per worker (one pair of masks in memory per
//! worker), into mmseg's totals.

pub mod masks;

use anyhow::{bail, Context, Result};
use assay_eval::semseg::SemsegAccumulator;
use rayon::prelude::*;

use crate::progress::Progress;
use masks::{read_mask, Mask, MaskPair, Pixels};

/// Decodes every pair in parallel, each worker adding to its own
/// accumulator; returns their merged totals.
pub fn accumulate(
    pairs: &[MaskPair],
    empty: &SemsegAccumulator,
    progress: &dyn Progress,
) -> Result<SemsegAccumulator> {
    progress.start("masks", pairs.len() as u64);
    let total = pairs
        .par_iter()
        .try_fold(
            || empty.empty_like(),
            |mut acc, pair| {
                add_pair(&mut acc, pair)?;
                progress.advance(1);
                Ok::<_, anyhow::Error>(acc)
            },
        )
        .try_reduce(
            || empty.empty_like(),
            |mut a, b| {
                a.merge(&b)?;
                Ok(a)
            },
        )?;
    progress.finish();
    Ok(total)
}

/// Adds one pair: the prediction against the ground truth, or (prediction
/// missing) the ground truth's pixels as ignored.
pub fn add_pair(acc: &mut SemsegAccumulator, pair: &MaskPair) -> Result<()> {
    let gt = read_mask(&pair.gt)?;
    let Some(pred_path) = &pair.pred else {
        let pixels = gt.width as usize * gt.height as usize;
        let ignored = vec![acc.ignore_index(); pixels];
        return Ok(acc.add(&vec![0u8; pixels], &ignored)?);
    };
    let pred = read_mask(pred_path)?;
    if (pred.width, pred.height) != (gt.width, gt.height) {
        bail!(
            "{} is {}x{} but its ground truth {} is {}x{}; expected masks of the same size",
            pred_path.display(),
            pred.width,
            pred.height,
            pair.gt.display(),
            gt.width,
            gt.height
        );
    }
    add_masks(acc, &pred, &gt)
        .with_context(|| format!("{} against {}", pred_path.display(), pair.gt.display()))
}

fn add_masks(acc: &mut SemsegAccumulator, pred: &Mask, gt: &Mask) -> Result<()> {
    use Pixels::{U16, U8};
    match (&pred.pixels, &gt.pixels) {
        (U8(p), U8(g)) => acc.add(p, g),
        (U8(p), U16(g)) => acc.add(p, g),
        (U16(p), U8(g)) => acc.add(p, g),
        (U16(p), U16(g)) => acc.add(p, g),
    }?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use assay_eval::semseg::SemsegAccumulator;

    #[test]
    fn a_missing_prediction_counts_as_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let gt = dir.path().join("a.png");
        let buffer = image::ImageBuffer::from_raw(2, 1, vec![0u8, 1]).unwrap();
        image::DynamicImage::ImageLuma8(buffer).save(&gt).unwrap();
        let mut acc = SemsegAccumulator::new(2, 255).unwrap();
        add_pair(
            &mut acc,
            &MaskPair {
                key: "a".into(),
                gt,
                pred: None,
            },
        )
        .unwrap();
        let report = acc.finish();
        assert_eq!((report.images, report.ignored_pixels), (1, 2));
        assert_eq!(report.evaluated_pixels, 0);
    }

    #[test]
    fn missing_masks_name_a_file() {
        let path = Path::new("/nowhere/x.png");
        let err = read_mask(path).unwrap_err().to_string();
        assert!(err.contains("/nowhere/x.png"), "{err}");
    }
}
