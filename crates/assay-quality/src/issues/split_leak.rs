//! Split leaks: the same or nearly the same image in two splits of one
//! dataset, such as a validation image that is also a training image. A
//! model evaluated on it has seen it, so its scores are optimistic.
//!
//! Two images match when their pixels are identical (pixel hash) or their
//! pHashes are at most the near-duplicate radius apart. An image leaks when
//! it matches an image of another split and is not itself in a training
//! split (a split whose name starts with `train`, any case): the copy to
//! remove or replace is the evaluation one, so training images are never
//! flagged. When neither split is a training split (val and test), both
//! images are flagged. Images without a split take no part.

use assay_image::hash::ImageHash;

use super::near_duplicate_groups;
use super::Measured;
use crate::image_metrics::ImageMetrics;

/// One image that leaks into its split from another.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitLeak {
    /// The flagged image (input index).
    pub image: usize,
    /// The image of another split it matches best: a training image if any,
    /// then identical pixels, then the nearest pHash.
    pub other: usize,
    /// Whether the two have identical pixels.
    pub exact: bool,
    /// pHash Hamming distance between the two.
    pub distance: u32,
    /// Index of the group (into [`SplitLeaks::groups`]).
    pub group: usize,
    /// `distance / 64`, 0 for identical pixels: in [0, 1], lower is worse.
    pub score: f64,
}

/// The split leaks of a dataset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SplitLeaks {
    /// Groups of matching images spanning more than one split, each sorted,
    /// training members included.
    pub groups: Vec<Vec<usize>>,
    /// The flagged images, worst first.
    pub leaks: Vec<SplitLeak>,
}

/// Whether a split is one the model learns from.
pub fn is_training_split(split: &str) -> bool {
    split.to_ascii_lowercase().starts_with("train")
}

/// Finds images that match an image of another split. `splits[i]` is image
/// `i`'s split; unreadable images and images without a split take no part.
/// `radius` is the near-duplicate radius (pHash bits).
pub fn split_leaks(images: &[Measured<'_>], splits: &[Option<&str>], radius: u32) -> SplitLeaks {
    let split = |i: usize| splits.get(i).copied().flatten();
    let hashes: Vec<Option<ImageHash>> = images
        .iter()
        .enumerate()
        .map(|(i, m)| m.ok().filter(|_| split(i).is_some()).map(|m| m.phash))
        .collect();
    let mut out = SplitLeaks::default();
    for group in near_duplicate_groups(&hashes, radius) {
        let mut found = Vec::new();
        for &a in &group {
            let (Some(split_a), Ok(ma)) = (split(a), images[a]) else {
                continue;
            };
            if is_training_split(split_a) {
                continue;
            }
            let best = group
                .iter()
                .filter(|&&b| split(b).is_some_and(|s| s != split_a))
                .filter_map(|&b| {
                    let mb = images[b].ok()?;
                    let m = Match::of(ma, mb);
                    (m.exact || m.distance <= radius).then_some((b, m))
                })
                .min_by_key(|&(b, m)| {
                    let train = split(b).is_some_and(is_training_split);
                    (!train, !m.exact, m.distance, b)
                });
            if let Some((other, m)) = best {
                found.push(SplitLeak {
                    image: a,
                    other,
                    exact: m.exact,
                    distance: m.distance,
                    group: out.groups.len(),
                    score: if m.exact {
                        0.0
                    } else {
                        f64::from(m.distance) / 64.0
                    },
                });
            }
        }
        if !found.is_empty() {
            out.groups.push(group);
            out.leaks.extend(found);
        }
    }
    out.leaks
        .sort_by(|a, b| a.score.total_cmp(&b.score).then(a.image.cmp(&b.image)));
    out
}

/// How close two images are.
#[derive(Debug, Clone, Copy)]
struct Match {
    exact: bool,
    distance: u32,
}

impl Match {
    fn of(a: &ImageMetrics, b: &ImageMetrics) -> Match {
        Match {
            exact: a.pixel_hash == b.pixel_hash,
            distance: a.phash.distance(b.phash),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image_metrics::measure_bytes;
    use crate::image_metrics::tests::encode_png;
    use image::ExtendedColorType;

    fn image(seed: u8) -> ImageMetrics {
        let px: Vec<u8> = (0..64u32 * 64)
            .map(|i| ((i * u32::from(seed) * 7 + i / 64 * 13) % 251) as u8)
            .collect();
        measure_bytes(&encode_png(64, 64, ExtendedColorType::L8, &px)).unwrap()
    }

    #[test]
    fn flags_the_evaluation_copy_and_names_the_training_one() {
        let (a, b, c) = (image(1), image(2), image(3));
        let images: Vec<Measured<'_>> = vec![Ok(&a), Ok(&b), Ok(&a), Ok(&c), Ok(&b), Err("bad")];
        let splits = [
            Some("train"),
            Some("train"),
            Some("val"),
            Some("val"),
            None,
            Some("val"),
        ];
        let found = split_leaks(&images, &splits, 0);
        assert_eq!(found.groups, vec![vec![0, 2]]);
        assert_eq!(found.leaks.len(), 1);
        let leak = &found.leaks[0];
        assert_eq!((leak.image, leak.other, leak.exact), (2, 0, true));
        assert_eq!((leak.distance, leak.score), (0, 0.0));
    }

    #[test]
    fn between_evaluation_splits_both_are_flagged() {
        let a = image(5);
        let images: Vec<Measured<'_>> = vec![Ok(&a), Ok(&a), Ok(&a)];
        let found = split_leaks(&images, &[Some("val"), Some("test"), Some("val")], 0);
        let flagged: Vec<(usize, usize)> = found.leaks.iter().map(|l| (l.image, l.other)).collect();
        assert_eq!(flagged, vec![(0, 1), (1, 0), (2, 1)]);
    }

    #[test]
    fn same_split_duplicates_are_no_leak() {
        let a = image(9);
        let images: Vec<Measured<'_>> = vec![Ok(&a), Ok(&a)];
        let found = split_leaks(&images, &[Some("val"), Some("val")], 0);
        assert!(found.leaks.is_empty() && found.groups.is_empty());
        let found = split_leaks(&images, &[Some("Train2017"), Some("train")], 0);
        assert!(found.leaks.is_empty() && found.groups.is_empty());
        assert!(is_training_split("Train2017"));
        assert!(!is_training_split("val"));
    }
}
