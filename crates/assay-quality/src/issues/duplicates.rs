//! Exact and near duplicates, as groups.
//!
//! CleanVision groups images by equal MD5 of their pixels (exact) and by
//! equal pHash strings (near), drops near groups identical to an exact
//! group, and scores each member `1 / group size`. Here exact groups use
//! XXH3-128 of the pixels (same groups), and near groups allow a Hamming
//! radius: images are joined (union-find) when their pHashes differ in at
//! most `radius` bits. Candidates come from multi-index hashing: the 64
//! bits are cut into `radius + 1` bands, and two hashes within the radius
//! agree exactly on at least one band (pigeonhole), so only images sharing
//! a band value are compared; identical hashes are merged first. Radius 0
//! is plain grouping by equal hash.
//!
//! assay's `similar` is the same grouping at a radius of 8 bits by default,
//! over images with some contrast only: a nearly flat image's pHash is
//! decided by noise, and flat images of different colours share hashes.
//! Distinct photos rarely come within 8 bits (their hashes differ in 32 on
//! average), while crops of a few percent, resizes and re-encodes mostly
//! stay there. Each pair must also be confirmed by dHash (at most 16 bits
//! apart by default): a chance meeting of two unrelated images in pHash
//! leaves their dHashes about 32 bits apart, while the copies above stay
//! within a dozen.

use std::collections::HashMap;

use assay_core::union_find::UnionFind;
use assay_image::hash::ImageHash;

use super::{IssueConfig, IssueResult, IssueType, Measured, ModeView};

/// Largest supported near-duplicate radius (bands of at least 1 bit).
pub const MAX_NEAR_RADIUS: u32 = 32;

pub(super) fn exact(images: &[Measured<'_>], view: ModeView) -> IssueResult {
    let groups = exact_groups(images, view);
    grouped_result(IssueType::ExactDuplicates, images.len(), groups)
}

pub(super) fn near(images: &[Measured<'_>], c: &IssueConfig) -> IssueResult {
    let exact = exact_groups(images, c.mode_view);
    let hashes: Vec<Option<ImageHash>> = images
        .iter()
        .map(|m| m.ok().map(|m| c.properties(m).phash))
        .collect();
    let mut groups = near_duplicate_groups(&hashes, c.near_radius);
    groups.retain(|g| !exact.contains(g));
    grouped_result(IssueType::NearDuplicates, images.len(), groups)
}

pub(super) fn similar(images: &[Measured<'_>], c: &IssueConfig) -> IssueResult {
    let exact = exact_duplicate_groups(images);
    let hashes: Vec<Option<(ImageHash, ImageHash)>> = images
        .iter()
        .map(|m| {
            m.ok()
                .filter(|m| m.contrast >= c.similar_min_contrast)
                .map(|m| (m.phash, m.dhash))
        })
        .collect();
    let mut groups = confirmed_groups(&hashes, c.similar_radius, c.similar_dhash_radius);
    groups.retain(|g| !exact.contains(g));
    grouped_result(IssueType::Similar, images.len(), groups)
}

/// Groups of images linked by pairs whose first hashes (pHash) are at most
/// `radius` bits apart and whose second hashes (dHash) confirm it, at most
/// `confirm` bits apart: two unrelated images that meet by chance in one
/// hash almost never meet in the other too.
pub fn confirmed_groups(
    hashes: &[Option<(ImageHash, ImageHash)>],
    radius: u32,
    confirm: u32,
) -> Vec<Vec<usize>> {
    let present: Vec<(usize, u64, u64)> = hashes
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.map(|(p, d)| (i, p.0, d.0)))
        .collect();
    let keys: Vec<u64> = present.iter().map(|&(_, p, _)| p).collect();
    let mut sets = UnionFind::new(present.len());
    let close = |a: usize, b: usize| (present[a].2 ^ present[b].2).count_ones() <= confirm;
    link_within_radius(&keys, radius.min(MAX_NEAR_RADIUS), close, &mut sets);
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
    for (k, &(i, _, _)) in present.iter().enumerate() {
        by_root.entry(sets.find(k)).or_default().push(i);
    }
    sorted_groups(by_root.into_values())
}

/// Groups (of two or more) of readable images with identical pixels.
pub fn exact_duplicate_groups(images: &[Measured<'_>]) -> Vec<Vec<usize>> {
    exact_groups(images, ModeView::Decoded)
}

/// Exact-duplicate groups in a view: equal decoded pixels (and size), or
/// equal NumPy bytes of Pillow's image, as CleanVision's MD5 compares.
fn exact_groups(images: &[Measured<'_>], view: ModeView) -> Vec<Vec<usize>> {
    let mut by_hash: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, m) in images.iter().enumerate() {
        if let Ok(m) = m {
            let key = match view {
                ModeView::Decoded => m.pixel_hash.as_str(),
                ModeView::Pillow => m.pil_pixel_hash.as_str(),
            };
            by_hash.entry(key).or_default().push(i);
        }
    }
    sorted_groups(by_hash.into_values())
}

/// Groups (of two or more) of images whose hashes are linked by chains of
/// pairs at most `radius` bits apart; `None` entries take no part.
/// `radius` is capped at [`MAX_NEAR_RADIUS`].
pub fn near_duplicate_groups(hashes: &[Option<ImageHash>], radius: u32) -> Vec<Vec<usize>> {
    let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, h) in hashes.iter().enumerate() {
        if let Some(h) = h {
            by_hash.entry(h.0).or_default().push(i);
        }
    }
    if radius == 0 {
        return sorted_groups(by_hash.into_values());
    }
    let distinct: Vec<(u64, Vec<usize>)> = by_hash.into_iter().collect();
    let keys: Vec<u64> = distinct.iter().map(|(h, _)| *h).collect();
    let mut sets = UnionFind::new(keys.len());
    link_within_radius(&keys, radius.min(MAX_NEAR_RADIUS), |_, _| true, &mut sets);
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
    for (k, (_, members)) in distinct.iter().enumerate() {
        by_root.entry(sets.find(k)).or_default().extend(members);
    }
    sorted_groups(by_root.into_values())
}

/// Joins every pair of keys at most `radius` bits apart for which `also`
/// holds too.
fn link_within_radius(
    keys: &[u64],
    radius: u32,
    also: impl Fn(usize, usize) -> bool,
    sets: &mut UnionFind,
) {
    let bands = band_masks(radius + 1);
    for (shift, mask) in bands {
        let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
        for (k, &key) in keys.iter().enumerate() {
            buckets.entry((key >> shift) & mask).or_default().push(k);
        }
        for bucket in buckets.values().filter(|b| b.len() > 1) {
            for (i, &a) in bucket.iter().enumerate() {
                for &b in &bucket[i + 1..] {
                    let near = (keys[a] ^ keys[b]).count_ones() <= radius && also(a, b);
                    if near && sets.find(a) != sets.find(b) {
                        sets.union(a, b);
                    }
                }
            }
        }
    }
}

/// `count` bands covering the 64 bits as evenly as possible: (shift, mask).
fn band_masks(count: u32) -> Vec<(u32, u64)> {
    let count = count.clamp(1, 64);
    let (base, extra) = (64 / count, 64 % count);
    let mut shift = 0;
    (0..count)
        .map(|i| {
            let width = base + u32::from(i < extra);
            let mask = if width == 64 {
                u64::MAX
            } else {
                (1u64 << width) - 1
            };
            let band = (shift, mask);
            shift += width;
            band
        })
        .collect()
}

fn sorted_groups(groups: impl Iterator<Item = Vec<usize>>) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = groups
        .filter(|g| g.len() > 1)
        .map(|mut g| {
            g.sort_unstable();
            g
        })
        .collect();
    out.sort_unstable_by_key(|g| g[0]);
    out
}

fn grouped_result(t: IssueType, n: usize, groups: Vec<Vec<usize>>) -> IssueResult {
    let mut scores = vec![Some(1.0); n];
    for g in &groups {
        for &i in g {
            scores[i] = Some(1.0 / g.len() as f64);
        }
    }
    let mut result = IssueResult::from_scores(t, 1.0, scores);
    result.groups = groups;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: u64) -> Option<ImageHash> {
        Some(ImageHash(v))
    }

    #[test]
    fn confirmed_groups_need_both_hashes_close() {
        let pair = |p: u64, d: u64| Some((ImageHash(p), ImageHash(d)));
        let hashes = [
            pair(0, 0),
            pair(0b111, 0xff),         // 3 and 8 bits from the first: joined
            pair(0xf0_0000, u64::MAX), // pHash 4 bits off, dHash 64: alone
            None,
            pair(0xf0_0001, u64::MAX), // 1 bit from the third in both: joined
        ];
        assert_eq!(
            confirmed_groups(&hashes, 8, 16),
            vec![vec![0, 1], vec![2, 4]]
        );
        assert_eq!(confirmed_groups(&hashes, 8, 64), vec![vec![0, 1, 2, 4]]);
        assert_eq!(confirmed_groups(&hashes, 2, 16), vec![vec![2, 4]]);
    }

    #[test]
    fn bands_cover_all_bits_once() {
        for count in [1, 2, 3, 5, 7, 33] {
            let covered = band_masks(count).iter().fold(0u64, |acc, &(shift, mask)| {
                assert_eq!(acc & (mask << shift), 0);
                acc | (mask << shift)
            });
            assert_eq!(covered, u64::MAX, "{count}");
        }
    }

    #[test]
    fn radius_zero_groups_equal_hashes() {
        let groups = near_duplicate_groups(&[h(1), h(2), h(1), None, h(2), h(3)], 0);
        assert_eq!(groups, vec![vec![0, 2], vec![1, 4]]);
    }

    #[test]
    fn radius_links_chains_and_keeps_far_apart() {
        let a = 0xF0F0_F0F0_F0F0_F0F0u64;
        let hashes = [h(a), h(a ^ 0b11), h(a ^ 0b1111), h(!a), h(a ^ (1 << 63))];
        // a~(a^11): 2 bits; (a^11)~(a^1111): 2 bits; a~(a^1<<63): 1 bit; !a: 64.
        assert_eq!(near_duplicate_groups(&hashes, 2), vec![vec![0, 1, 2, 4]]);
        assert_eq!(near_duplicate_groups(&hashes, 1), vec![vec![0, 4]]);
    }

    #[test]
    fn banded_search_equals_brute_force() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let bases: Vec<u64> = (0..20).map(|_| next()).collect();
        let hashes: Vec<Option<ImageHash>> = (0..400)
            .map(|i| {
                let flips = (next() & next() & next()) & next();
                h(bases[i % 20] ^ flips)
            })
            .collect();
        for radius in [1, 3, 6] {
            let fast = near_duplicate_groups(&hashes, radius);
            assert_eq!(fast, brute_force(&hashes, radius), "radius {radius}");
        }
    }

    fn brute_force(hashes: &[Option<ImageHash>], radius: u32) -> Vec<Vec<usize>> {
        let mut sets = UnionFind::new(hashes.len());
        for i in 0..hashes.len() {
            for j in i + 1..hashes.len() {
                if let (Some(a), Some(b)) = (hashes[i], hashes[j]) {
                    if a.distance(b) <= radius {
                        sets.union(i, j);
                    }
                }
            }
        }
        let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
        for i in 0..hashes.len() {
            by_root.entry(sets.find(i)).or_default().push(i);
        }
        sorted_groups(by_root.into_values())
    }
}
