//! Cutting a job by image into shards that separate processes (or the
//! workers of a distributed engine) run, and whose partial results merge
//! into exactly what one process computes.

use std::collections::HashSet;
use std::ops::Range;
use std::str::FromStr;

use crate::model::Dataset;

/// Shard `index` (from 0) of `count`: a contiguous run of the images in
/// id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 0.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl Shard {
    /// The positions of this shard's images among `n` images sorted by id.
    pub fn range(&self, n: usize) -> Range<usize> {
        self.index * n / self.count..(self.index + 1) * n / self.count
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `K/N`, with K from 1 to N.
    fn from_str(s: &str) -> Result<Self, String> {
        let parsed = s.split_once('/').and_then(|(k, n)| {
            Some((
                k.trim().parse::<usize>().ok()?,
                n.trim().parse::<usize>().ok()?,
            ))
        });
        match parsed {
            Some((k, n)) if n >= 1 && (1..=n).contains(&k) => Ok(Shard {
                index: k - 1,
                count: n,
            }),
            _ => Err(format!(
                "expected K/N with 1 <= K <= N (e.g. 2/7), got {s:?}"
            )),
        }
    }
}

impl Shard {
    /// This shard's part of `dataset`: its images (a contiguous run in id
    /// order) with their annotations; every category is kept, since
    /// results are merged over the whole ground truth's categories.
    pub fn of_dataset(&self, dataset: &Dataset) -> Dataset {
        let keep = self.image_ids(dataset);
        Dataset {
            samples: dataset
                .samples
                .iter()
                .filter(|s| keep.contains(&s.id))
                .cloned()
                .collect(),
            annotations: dataset
                .annotations
                .iter()
                .filter(|a| keep.contains(&a.sample_id))
                .cloned()
                .collect(),
            categories: dataset.categories.clone(),
        }
    }

    /// The ids of this shard's images of `dataset`.
    pub fn image_ids(&self, dataset: &Dataset) -> HashSet<i64> {
        let mut ids: Vec<i64> = dataset.samples.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids[self.range(ids.len())].iter().copied().collect()
    }
}

/// Checks that the shard indices of a run's parts, sorted, name every
/// shard of `count` once: the one completeness check of the merges.
pub fn check_complete(sorted: &[usize], count: usize) -> Result<(), String> {
    for (i, &shard) in sorted.iter().enumerate() {
        if shard > i {
            return Err(format!(
                "shard {}/{count} is missing: give every shard once",
                i + 1
            ));
        }
        if shard < i {
            return Err(format!("shard {}/{count} is given twice", shard + 1));
        }
    }
    if sorted.len() != count {
        return Err(format!(
            "{} of {count} shards given: give every shard once",
            sorted.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_cover_every_image_once() {
        assert_eq!("2/7".parse::<Shard>(), Ok(Shard { index: 1, count: 7 }));
        for bad in ["0/3", "4/3", "1/0", "x", "1-2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        for n in [0, 1, 5, 13, 100] {
            let mut covered = Vec::new();
            for k in 0..7 {
                covered.extend(Shard { index: k, count: 7 }.range(n));
            }
            assert_eq!(covered, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn every_shard_once_is_complete() {
        assert_eq!(check_complete(&[0, 1, 2], 3), Ok(()));
        assert!(check_complete(&[0, 2], 3)
            .unwrap_err()
            .contains("2/3 is missing"));
        assert!(check_complete(&[0, 0, 1], 2)
            .unwrap_err()
            .contains("1/2 is given twice"));
        assert!(check_complete(&[0, 1], 3)
            .unwrap_err()
            .contains("2 of 3 shards"));
    }
}
