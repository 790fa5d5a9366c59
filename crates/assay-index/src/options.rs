//! Search results and options: hits, filters, exclusions.

use serde::{Deserialize, Serialize};

/// One search result: a row id and its score (similarity for cosine,
/// distance for Euclidean).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The row's id: its position in the data the index was built from.
    pub id: u32,
    /// Cosine similarity (higher is better) or L2 distance (lower is
    /// better), computed exactly in f32 (see [`crate::metric`]).
    pub score: f32,
}

/// A predicate over row ids: `true` keeps the row.
pub type AllowFn<'a> = &'a (dyn Fn(u32) -> bool + Sync);

/// Which rows a search may return.
#[derive(Clone, Copy, Default)]
pub struct SearchOptions<'a> {
    /// Only rows for which this returns `true` (e.g. one split, class or
    /// tag); all rows when `None`. [`IdSet::contains`] makes a fast one.
    pub allow: Option<AllowFn<'a>>,
    /// A row never returned, e.g. the query's own row ("neighbours of
    /// sample i").
    pub exclude: Option<u32>,
}

impl std::fmt::Debug for SearchOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchOptions")
            .field("allow", &self.allow.map(|_| "<fn>"))
            .field("exclude", &self.exclude)
            .finish()
    }
}

impl<'a> SearchOptions<'a> {
    /// Whether a row may be returned.
    #[inline]
    pub fn admits(&self, id: u32) -> bool {
        self.exclude != Some(id) && self.allow.is_none_or(|f| f(id))
    }
}

/// A set of row ids as a bit set, for filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdSet {
    words: Vec<u64>,
}

impl IdSet {
    /// An empty set.
    pub fn new() -> IdSet {
        IdSet::default()
    }

    /// Adds an id.
    pub fn insert(&mut self, id: u32) {
        let w = id as usize / 64;
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << (id % 64);
    }

    /// Whether the set holds `id`.
    #[inline]
    pub fn contains(&self, id: u32) -> bool {
        self.words
            .get(id as usize / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// Number of ids in the set.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }
}

impl FromIterator<u32> for IdSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> IdSet {
        let mut set = IdSet::new();
        for id in iter {
            set.insert(id);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_set_membership() {
        let s: IdSet = [0, 5, 64, 1000].into_iter().collect();
        assert!(s.contains(0) && s.contains(64) && s.contains(1000));
        assert!(!s.contains(1) && !s.contains(5000));
        assert_eq!(s.len(), 4);
        let allow = |id| s.contains(id);
        let o = SearchOptions {
            allow: Some(&allow),
            exclude: Some(5),
        };
        assert!(o.admits(0) && !o.admits(5) && !o.admits(6));
    }
}
