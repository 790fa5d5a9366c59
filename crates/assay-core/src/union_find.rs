//! Disjoint sets (union-find) with path halving and union by size: the one
//! every grouping in assay uses (duplicate and near-duplicate groups,
//! repeated generations, objects matched across annotators).

/// Disjoint sets over `0..n`.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    /// The representative of `x`'s set.
    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the sets of `a` and `b`; returns the new representative.
    pub fn union(&mut self, a: usize, b: usize) -> usize {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return ra;
        }
        if self.size[ra] < self.size[rb] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb] = ra;
        self.size[ra] += self.size[rb];
        ra
    }

    /// The sets with at least `min_size` members, each sorted, ordered by
    /// their first member.
    pub fn groups(&mut self, min_size: usize) -> Vec<Vec<usize>> {
        let n = self.parent.len();
        let mut by_root: Vec<Vec<usize>> = vec![Vec::new(); n];
        for i in 0..n {
            let r = self.find(i);
            by_root[r].push(i);
        }
        let mut groups: Vec<Vec<usize>> = by_root
            .into_iter()
            .filter(|g| !g.is_empty() && g.len() >= min_size)
            .collect();
        groups.sort_unstable_by_key(|g| g[0]);
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unions_join_and_groups_list_them() {
        let mut sets = UnionFind::new(6);
        sets.union(4, 1);
        sets.union(1, 3);
        sets.union(5, 0);
        assert_eq!(sets.find(3), sets.find(4));
        assert_ne!(sets.find(2), sets.find(4));
        assert_eq!(sets.groups(2), vec![vec![0, 5], vec![1, 3, 4]]);
        assert_eq!(sets.groups(1).len(), 3);
    }
}
