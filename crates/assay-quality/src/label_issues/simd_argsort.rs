//! `np.argsort` of float64 as NumPy 2.x computes it on x86-64 with AVX2
//! (and without AVX-512): Intel's x86-simd-sort `avx2_argsort`, which NumPy
//! dispatches to from its default (`quicksort`) argsort.
//!
//! The sort is not stable, and which of several equal values comes first
//! is decided by the exact sequence of compare-exchanges and stores the
//! vector code performs. This module replays that sequence with scalar code
//! (a "register" is four consecutive slots of an array), so the permutation
//! is the same, ties included. What it reproduces, in order:
//! 1. arrays holding a NaN go to `std::sort` (libstdc++'s introsort) with
//!    NaN last ([`std_sort`]);
//! 2. arrays already in order (no value less than the one before it) are
//!    left as they are;
//! 3. otherwise a quicksort: ranges of at most 256 values are sorted by
//!    bitonic networks over registers of four (keys and indices moved
//!    together, [`network_sort`]); longer ones are split around the median
//!    of four samples by a vectorized partition ([`partition`]) that writes
//!    each register's smaller values to the left end and larger-or-equal
//!    ones to the right end, and a range is not recursed into when it holds
//!    only values equal to the pivot; after `2 * floor(log2(n))` levels the
//!    rest goes to `std::sort`.
//!
//! Only the values' order matters, so -0.0 and +0.0 are equal throughout
//! (as the vector comparisons treat them) and infinities are ordinary
//! values. Written from x86-simd-sort's sources (`xss-common-argsort.h`,
//! `xss-network-keyvaluesort.hpp`, `avx2-64bit-qsort.hpp`,
//! `avx2-emu-funcs.hpp`) as vendored by NumPy 2.4, and checked against
//! NumPy 2.4.6 by `tests/numpy_argsort_parity.rs`.

/// Lanes of one AVX2 register of 64-bit values.
const LANES: usize = 4;
/// Ranges of at most this many values are sorted by the bitonic networks.
const NETWORK_MAX: usize = 256;
/// Registers the partition loads and stores per step (its unroll factor).
const UNROLL: usize = 4;
/// Values per partition step.
const BLOCK: usize = UNROLL * LANES;

/// `np.argsort(values)` (default kind) as NumPy 2.x on x86-64 with AVX2
/// computes it: x86-simd-sort's `avx2_argsort`, ties in its order.
pub(crate) fn argsort(values: &[f64]) -> Vec<usize> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    if n < 2 {
        return order;
    }
    if values.iter().any(|v| v.is_nan()) {
        std_sort(&mut order, |a, b| nan_last_less(values[a], values[b]));
    } else if values.windows(2).any(|w| w[1] < w[0]) {
        let max_depth = 2 * n.ilog2() as usize;
        quicksort(values, &mut order, max_depth);
    }
    order
}

/// The order of `std_argsort_withnan`: numbers by `<`, NaN after them.
fn nan_last_less(a: f64, b: f64) -> bool {
    if a.is_nan() {
        false
    } else {
        b.is_nan() || a < b
    }
}

/// `argsort_`: sorts `order` (indices into `values`, no NaN among them)
/// with at most `depth` more levels of partitioning.
fn quicksort(values: &[f64], order: &mut [usize], depth: usize) {
    if depth == 0 {
        std_sort(order, |a, b| values[a] < values[b]);
        return;
    }
    if order.len() <= NETWORK_MAX {
        network_sort(values, order);
        return;
    }
    let pivot = pivot(values, order);
    let split = partition(values, order, pivot);
    let (low, high) = order.split_at_mut(split.index);
    if pivot != split.smallest {
        quicksort(values, low, depth - 1);
    }
    if pivot != split.biggest {
        quicksort(values, high, depth - 1);
    }
}

/// `get_pivot_64bit` for four lanes: of the values at a quarter, half,
/// three quarters and the end of the range (positions `k * (len - 1) / 4`
/// rounded down per step), the third smallest.
fn pivot(values: &[f64], order: &[usize]) -> f64 {
    let step = (order.len() - 1) / LANES;
    let mut samples = [0.0; LANES];
    for (k, sample) in samples.iter_mut().enumerate() {
        *sample = values[order[(k + 1) * step]];
    }
    samples.sort_by(f64::total_cmp);
    samples[2]
}

// ------------------------------------------------------------ partition

/// The result of partitioning a range.
struct Split {
    /// Where the values not less than the pivot begin.
    index: usize,
    /// The smallest value of the range.
    smallest: f64,
    /// The largest value of the range.
    biggest: f64,
}

/// The stores of the vectorized partition: the left end grows rightwards
/// from `left`, the right end leftwards from `right` (exclusive).
struct Stores {
    /// Next slot of the left end.
    left: usize,
    /// One past the last free slot of the right end (may go below `left`
    /// by a register once everything is stored).
    right: isize,
}

/// `argpartition_unrolled` with four registers per step (ranges longer
/// than 256 values only): moves the values less than `pivot` before the
/// others and returns where the others begin.
///
/// First, values at the left end are taken one by one until the rest is a
/// multiple of 16: each one not less than the pivot is swapped with the
/// last value of the range, which then shrinks. Then four registers from
/// each end are set aside, and 16 values at a time are loaded from
/// whichever end has less free room (the left on ties) and stored, one
/// register after another, by [`store_register`]; the set-aside left and
/// then right registers are stored last.
fn partition(values: &[f64], order: &mut [usize], pivot: f64) -> Split {
    let (mut left, mut right) = (0, order.len());
    let mut split = Split {
        index: 0,
        smallest: f64::INFINITY,
        biggest: f64::NEG_INFINITY,
    };
    for _ in 0..order.len() % BLOCK {
        let v = values[order[left]];
        note_extremes(&mut split, v);
        if v < pivot {
            left += 1;
        } else {
            right -= 1;
            order.swap(left, right);
        }
    }
    let first = block(order, left);
    let last = block(order, right - BLOCK);
    let mut stores = Stores {
        left,
        right: right as isize,
    };
    left += BLOCK;
    right -= BLOCK;
    while left != right {
        let free_right = stores.right as usize - right;
        let at = if free_right < left - stores.left {
            right -= BLOCK;
            right
        } else {
            left += BLOCK;
            left - BLOCK
        };
        let loaded = block(order, at);
        store_block(values, order, &loaded, pivot, &mut stores, &mut split);
    }
    store_block(values, order, &first, pivot, &mut stores, &mut split);
    store_block(values, order, &last, pivot, &mut stores, &mut split);
    split.index = stores.left;
    split
}

/// The 16 indices at `order[at..at + 16]`, as four loaded registers.
fn block(order: &[usize], at: usize) -> [usize; BLOCK] {
    let mut loaded = [0; BLOCK];
    loaded.copy_from_slice(&order[at..at + BLOCK]);
    loaded
}

/// Stores the four registers of `loaded`, in order.
fn store_block(
    values: &[f64],
    order: &mut [usize],
    loaded: &[usize; BLOCK],
    pivot: f64,
    stores: &mut Stores,
    split: &mut Split,
) {
    for register in loaded.chunks_exact(LANES) {
        store_register(values, order, register, pivot, stores, split);
    }
}

/// `partition_vec_avx2` with `avx2_double_compressstore64`: orders the
/// register's lanes as its values less than the pivot (in lane order)
/// followed by the others (in reverse lane order), writes all four lanes at
/// the left end, then all four just below the right end, and advances
/// both ends by the number of values each side received.
fn store_register(
    values: &[f64],
    order: &mut [usize],
    register: &[usize],
    pivot: f64,
    stores: &mut Stores,
    split: &mut Split,
) {
    let mut packed = [0; LANES];
    let (mut low, mut high) = (0, LANES);
    for &index in register {
        let v = values[index];
        note_extremes(split, v);
        if v >= pivot {
            high -= 1;
            packed[high] = index;
        } else {
            packed[low] = index;
            low += 1;
        }
    }
    order[stores.left..stores.left + LANES].copy_from_slice(&packed);
    let right = (stores.right - LANES as isize) as usize;
    order[right..right + LANES].copy_from_slice(&packed);
    stores.left += low;
    stores.right -= (LANES - low) as isize;
}

/// Keeps the smallest and largest value seen.
fn note_extremes(split: &mut Split, v: f64) {
    if v < split.smallest {
        split.smallest = v;
    }
    if v > split.biggest {
        split.biggest = v;
    }
}

// ------------------------------------------------------ bitonic networks

/// Registers of four lanes holding keys (values) and their indices, the
/// way `argsort_n_vec` holds a short range.
struct Registers {
    /// The value of each lane (`+inf` in padding lanes).
    keys: Vec<f64>,
    /// The index of each lane (`usize::MAX` in padding lanes).
    indices: Vec<usize>,
}

impl Registers {
    /// Compare-exchange of lanes `a < b`: swaps them only when the value at
    /// `b` is smaller, as `COEX` and `cmp_merge` do (both keep a lane's own
    /// index when its key equals the min or max chosen for it).
    fn exchange(&mut self, a: usize, b: usize) {
        if self.keys[b] < self.keys[a] {
            self.keys.swap(a, b);
            self.indices.swap(a, b);
        }
    }

    /// Compare-exchange of the same lane pairs in every register of `regs`.
    fn exchange_in(&mut self, regs: std::ops::Range<usize>, pairs: &[(usize, usize)]) {
        for r in regs {
            for &(a, b) in pairs {
                self.exchange(r * LANES + a, r * LANES + b);
            }
        }
    }

    /// Lane-wise compare-exchange of register `a` with register `b`, the
    /// latter's lanes reversed when `reversed`.
    fn exchange_registers(&mut self, a: usize, b: usize, reversed: bool) {
        for lane in 0..LANES {
            let other = if reversed { LANES - 1 - lane } else { lane };
            self.exchange(a * LANES + lane, b * LANES + other);
        }
    }
}

/// `sort_ymm_64bit` (key-value): sorts each register's four lanes.
const SORT_REGISTER: [(usize, usize); 6] = [(0, 1), (2, 3), (0, 3), (1, 2), (0, 1), (2, 3)];
/// `bitonic_merge_ymm_64bit`: sorts a register whose lanes are bitonic.
const MERGE_REGISTER: [(usize, usize); 4] = [(0, 2), (1, 3), (0, 1), (2, 3)];

/// `argsort_n` with up to 256 values: loads the range into the fewest
/// registers (a power of two) holding it at least half full, pads the rest
/// with `+inf` keys, sorts each register, merges them in pairs, fours and so
/// on, and writes back the first `len` indices.
fn network_sort(values: &[f64], order: &mut [usize]) {
    let n = order.len();
    let mut count = NETWORK_MAX / LANES;
    while count > 1 && n * 2 <= count * LANES {
        count /= 2;
    }
    let slots = count * LANES;
    let mut regs = Registers {
        keys: vec![f64::INFINITY; slots],
        indices: vec![usize::MAX; slots],
    };
    for (slot, &index) in order.iter().enumerate() {
        regs.keys[slot] = values[index];
        regs.indices[slot] = index;
    }
    regs.exchange_in(0..count, &SORT_REGISTER);
    let mut width = 2;
    while width <= count {
        for group in (0..count).step_by(width) {
            merge_group(&mut regs, group, width);
        }
        width *= 2;
    }
    order.copy_from_slice(&regs.indices[..n]);
}

/// `bitonic_merge_n_vec`: merges the `width` registers from `first`, whose
/// halves are each sorted, into one sorted run.
fn merge_group(regs: &mut Registers, first: usize, width: usize) {
    for i in 0..width / 2 {
        regs.exchange_registers(first + i, first + width - 1 - i, true);
    }
    let mut span = width / 2;
    while span >= 2 {
        for start in (first..first + width).step_by(span) {
            for i in start..start + span / 2 {
                regs.exchange_registers(i, i + span / 2, false);
            }
        }
        span /= 2;
    }
    regs.exchange_in(first..first + width, &MERGE_REGISTER);
}

// -------------------------------------------------------- std::sort

/// Ranges longer than this are partitioned by `std::sort`.
const STD_THRESHOLD: usize = 16;

/// libstdc++'s `std::sort` of `order` by `less` (introsort: median-of-three
/// quicksort down to ranges of 16, heapsort past `2 * floor(log2(n))`
/// levels, then one insertion sort over everything).
fn std_sort(order: &mut [usize], less: impl Fn(usize, usize) -> bool + Copy) {
    let n = order.len();
    if n < 2 {
        return;
    }
    introsort_loop(order, 2 * n.ilog2() as usize, less);
    if n > STD_THRESHOLD {
        insertion_sort(&mut order[..STD_THRESHOLD], less);
        for i in STD_THRESHOLD..n {
            linear_insert(order, i, less);
        }
    } else {
        insertion_sort(order, less);
    }
}

/// `__introsort_loop`: partitions until ranges are short, recursing into
/// the right part and looping on the left one.
fn introsort_loop(
    order: &mut [usize],
    mut depth: usize,
    less: impl Fn(usize, usize) -> bool + Copy,
) {
    let mut end = order.len();
    while end > STD_THRESHOLD {
        if depth == 0 {
            heap_sort(&mut order[..end], less);
            return;
        }
        depth -= 1;
        let cut = partition_pivot(&mut order[..end], less);
        introsort_loop(&mut order[cut..end], depth, less);
        end = cut;
    }
}

/// `__unguarded_partition_pivot`: moves the median of the second, middle
/// and last elements to the front and partitions the rest around it.
fn partition_pivot(order: &mut [usize], less: impl Fn(usize, usize) -> bool) -> usize {
    let n = order.len();
    median_to_first(order, 1, n / 2, n - 1, &less);
    let (mut lo, mut hi) = (1, n);
    loop {
        while less(order[lo], order[0]) {
            lo += 1;
        }
        hi -= 1;
        while less(order[0], order[hi]) {
            hi -= 1;
        }
        if lo >= hi {
            return lo;
        }
        order.swap(lo, hi);
        lo += 1;
    }
}

/// `__move_median_to_first`: swaps the median of positions `a`, `b`, `c`
/// into position 0.
fn median_to_first(
    order: &mut [usize],
    a: usize,
    b: usize,
    c: usize,
    less: impl Fn(usize, usize) -> bool,
) {
    let lt = |x: usize, y: usize| less(order[x], order[y]);
    let median = if lt(a, b) {
        if lt(b, c) {
            b
        } else if lt(a, c) {
            c
        } else {
            a
        }
    } else if lt(a, c) {
        a
    } else if lt(b, c) {
        c
    } else {
        b
    };
    order.swap(0, median);
}

/// `__insertion_sort`: an element smaller than the first moves to the
/// front directly; others move left past larger ones.
fn insertion_sort(order: &mut [usize], less: impl Fn(usize, usize) -> bool + Copy) {
    for i in 1..order.len() {
        if less(order[i], order[0]) {
            order[..=i].rotate_right(1);
        } else {
            linear_insert(order, i, less);
        }
    }
}

/// `__unguarded_linear_insert`: moves `order[i]` left past larger elements
/// (one not larger is known to precede it).
fn linear_insert(order: &mut [usize], mut i: usize, less: impl Fn(usize, usize) -> bool) {
    let item = order[i];
    while i > 0 && less(item, order[i - 1]) {
        order[i] = order[i - 1];
        i -= 1;
    }
    order[i] = item;
}

/// `__partial_sort` of a whole range: `__make_heap` then `__sort_heap`.
fn heap_sort(order: &mut [usize], less: impl Fn(usize, usize) -> bool + Copy) {
    let n = order.len();
    for parent in (0..n / 2).rev() {
        let item = order[parent];
        adjust_heap(order, parent, n, item, less);
    }
    for end in (2..=n).rev() {
        let item = order[end - 1];
        order[end - 1] = order[0];
        adjust_heap(order, 0, end - 1, item, less);
    }
}

/// `__adjust_heap`: moves the hole at `hole` down to a leaf along the
/// larger children, then pushes `item` up from there (`__push_heap`).
fn adjust_heap(
    order: &mut [usize],
    mut hole: usize,
    len: usize,
    item: usize,
    less: impl Fn(usize, usize) -> bool,
) {
    let top = hole;
    let mut child = hole;
    while child < (len - 1) / 2 {
        child = 2 * (child + 1);
        if less(order[child], order[child - 1]) {
            child -= 1;
        }
        order[hole] = order[child];
        hole = child;
    }
    if len.is_multiple_of(2) && child == (len - 2) / 2 {
        child = 2 * (child + 1);
        order[hole] = order[child - 1];
        hole = child - 1;
    }
    while hole > top {
        let parent = (hole - 1) / 2;
        if !less(order[parent], item) {
            break;
        }
        order[hole] = order[parent];
        hole = parent;
    }
    order[hole] = item;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_sorted_permutation(values: &[f64], order: &[usize]) -> bool {
        let mut seen = order.to_vec();
        seen.sort_unstable();
        seen == (0..values.len()).collect::<Vec<_>>()
            && order
                .windows(2)
                .all(|w| !nan_last_less(values[w[1]], values[w[0]]))
    }

    #[test]
    fn ties_in_numpys_avx2_order() {
        // np.argsort of this array with NumPy 2.4.6 on an AVX2 CPU.
        let values = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        assert_eq!(argsort(&values), vec![1, 3, 7, 5, 8, 2, 4, 0, 6, 9]);
        // Already in order (ties included): left as it is.
        assert_eq!(argsort(&[0.0, -0.0, 0.0, 1.0]), vec![0, 1, 2, 3]);
    }

    #[test]
    fn sorts_every_path() {
        for n in [0, 1, 2, 3, 4, 5, 8, 9, 100, 256, 257, 300, 1000, 5000] {
            let ties: Vec<f64> = (0..n).map(|i| ((i * 7919) % 13) as f64).collect();
            let mut nans = ties.clone();
            nans.iter_mut().step_by(7).for_each(|v| *v = f64::NAN);
            for values in [ties, nans] {
                assert!(is_sorted_permutation(&values, &argsort(&values)), "n = {n}");
            }
        }
    }

    #[test]
    fn std_sort_falls_back_to_heapsort() {
        let values: Vec<f64> = (0..100).map(|i| ((i * 31) % 17) as f64).collect();
        let mut order: Vec<usize> = (0..100).collect();
        introsort_loop(&mut order, 0, |a, b| values[a] < values[b]);
        assert!(is_sorted_permutation(&values, &order));
    }
}
