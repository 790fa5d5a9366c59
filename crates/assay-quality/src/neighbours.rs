//! Label consistency from nearest neighbours: the seam where embeddings
//! (computed elsewhere) feed label-error detection without predictions.

use serde::Serialize;

/// How well one item's label agrees with its nearest neighbours'.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Consistency {
    /// Share of the neighbours with the same label (1 when there are none).
    pub agreement: f64,
    /// The label most neighbours carry, when it differs from the item's and
    /// holds a strict majority.
    pub suggested_label: Option<usize>,
}

/// Label consistency of every item, given each item's nearest neighbours
/// (indices into `labels`, itself excluded, nearest first).
///
/// Neighbour indices out of range are ignored.
pub fn label_consistency(labels: &[usize], neighbours: &[Vec<usize>]) -> Vec<Consistency> {
    labels
        .iter()
        .zip(neighbours)
        .enumerate()
        .map(|(i, (&label, near))| {
            let near: Vec<usize> = near
                .iter()
                .copied()
                .filter(|&j| j != i && j < labels.len())
                .map(|j| labels[j])
                .collect();
            consistency(label, &near)
        })
        .collect()
}

fn consistency(label: usize, near: &[usize]) -> Consistency {
    if near.is_empty() {
        return Consistency {
            agreement: 1.0,
            suggested_label: None,
        };
    }
    let same = near.iter().filter(|&&l| l == label).count();
    let mut counts: Vec<(usize, usize)> = Vec::new();
    for &l in near {
        match counts.iter_mut().find(|(k, _)| *k == l) {
            Some((_, n)) => *n += 1,
            None => counts.push((l, 1)),
        }
    }
    let (top, n) = counts
        .iter()
        .copied()
        .max_by_key(|&(l, n)| (n, std::cmp::Reverse(l)))
        .unwrap_or((label, 0));
    Consistency {
        agreement: same as f64 / near.len() as f64,
        suggested_label: (top != label && 2 * n > near.len()).then_some(top),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_is_the_share_of_neighbours_with_the_same_label() {
        let labels = [0, 0, 0, 1, 1];
        let neighbours = vec![vec![1, 2, 3], vec![0, 2], vec![3, 4, 0], vec![4], vec![]];
        let c = label_consistency(&labels, &neighbours);
        assert!((c[0].agreement - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(c[0].suggested_label, None);
        assert_eq!(c[1].agreement, 1.0);
        // Two of three neighbours say 1: a likely label error.
        assert_eq!(c[2].suggested_label, Some(1));
        assert_eq!(c[3].agreement, 1.0);
        assert_eq!(
            c[4].agreement, 1.0,
            "no neighbours, nothing to disagree with"
        );
    }

    #[test]
    fn itself_and_out_of_range_neighbours_are_ignored() {
        let c = label_consistency(&[0, 1], &[vec![0, 1, 7], vec![]]);
        assert_eq!(c[0].agreement, 0.0);
        assert_eq!(c[0].suggested_label, Some(1));
    }
}
