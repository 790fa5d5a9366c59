//! Weak slices of a run, found automatically: conjunctions of up to
//! `max_predicates` conditions over binned metrics, classes, splits and
//! tags where the run errs more than elsewhere. The search (SliceLine as
//! the `sliceline` package runs it, or deepchecks' trees over property
//! pairs) proposes candidates; each is compared with the rest (difference
//! of error rates, Newcombe's interval, a z-test p-value, Benjamini-Hochberg
//! over all candidates); they are listed by the search's score
//! (significant first), leaving out ones that repeat a listed slice. Each comes with the error
//! kinds it holds and the images it covers (what the explorer shows).
//! Rows of one image are not independent, so the p-values are optimistic
//! when a slice's errors crowd into few images; the image count is shown.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use assay_analysis::binning::{equal_count, Bins};
use assay_analysis::multiple_testing::benjamini_hochberg;
use assay_analysis::slices::sliceline::{sliceline, MinSup, SliceLineParams};
use assay_analysis::slices::stats::compare_rows;
use assay_analysis::slices::tree::{weak_segments, TreeParams};
use serde::{Deserialize, Serialize};

use super::table::{Level, RunTable};

/// Which rows are slices cut from, and what counts as an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Ground truths; an error is a miss (object metrics usable).
    Missed,
    /// Ground truths and false positives; an error is either.
    Errors,
    /// Ground truths and false positives; an error is one of this kind
    /// (`missed`, `wrong_detection`, `classification`, `localization`,
    /// `both`, `duplicate`, `background`).
    Kind(String),
}

impl Target {
    /// Parses `missed`, `errors` or an error kind.
    pub fn parse(s: &str) -> Target {
        match s {
            "missed" | "misses" => Target::Missed,
            "errors" | "all" => Target::Errors,
            kind => Target::Kind(kind.to_string()),
        }
    }

    /// What the target means, for people.
    pub fn describe(&self) -> String {
        match self {
            Target::Missed => "missed ground truths".into(),
            Target::Errors => "errors (missed ground truths and false positives)".into(),
            Target::Kind(k) => {
                format!("errors of kind {k} among ground truths and false positives")
            }
        }
    }

    /// Whether row `i` of `table` takes part.
    fn includes(&self, table: &RunTable, i: usize) -> bool {
        !(matches!(self, Target::Missed) && table.rows[i].prediction)
    }

    /// Row `i`'s error, 0 or 1.
    fn error(&self, table: &RunTable, i: usize) -> f64 {
        let row = &table.rows[i];
        let is = match self {
            Target::Missed | Target::Errors => row.error,
            Target::Kind(k) => row.error_kind.as_deref() == Some(k.as_str()),
        };
        f64::from(u8::from(is))
    }

    /// Whether a column can describe the target's rows: object metrics
    /// exist on ground truths only, so with false positives among the rows
    /// their absence would mark the errors.
    fn usable(&self, level: Level) -> bool {
        level != Level::Model && (matches!(self, Target::Missed) || level != Level::Object)
    }
}

/// How slices are searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// SliceLine's scored lattice search.
    Sliceline,
    /// deepchecks' shallow regression trees over pairs of metrics.
    Tree,
}

/// What to search.
#[derive(Debug, Clone)]
pub struct SliceOptions {
    /// Rows and errors.
    pub target: Target,
    /// The search.
    pub method: Method,
    /// Equal-count bins per metric.
    pub bins: usize,
    /// Slices to report.
    pub k: usize,
    /// Most conditions per slice (SliceLine).
    pub max_predicates: usize,
    /// Fewest rows per slice (SliceLine; default: 1% of the rows, at
    /// least 10).
    pub min_support: Option<usize>,
    /// SliceLine's weight of error rate against size.
    pub alpha: f64,
    /// Significance level of the adjusted p-values.
    pub significance: f64,
}

impl Default for SliceOptions {
    fn default() -> Self {
        SliceOptions {
            target: Target::Missed,
            method: Method::Sliceline,
            bins: 5,
            k: 10,
            max_predicates: 3,
            min_support: None,
            alpha: 0.95,
            significance: 0.05,
        }
    }
}

/// One condition of a slice, as the explorer applies it: a column equal to
/// a label, or a metric within `[low, high)` (`low` left out when
/// `low_exclusive`, `high` included when `high_inclusive`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// The column (metric, `class`, `split` or `tag`).
    pub column: String,
    /// For categorical columns: the label; for metrics, the bin as text.
    pub label: String,
    /// Lower edge of a metric's bin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// Whether `low` is inside the bin (bins: yes; tree ranges: no).
    #[serde(default)]
    pub low_exclusive: bool,
    /// Upper edge of a metric's bin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// Whether `high` is inside the bin (the last bin).
    #[serde(default)]
    pub high_inclusive: bool,
    /// A metric without a value (unmeasured).
    #[serde(default)]
    pub missing: bool,
}

/// A slice as the explorer asks for it: a run, a target and conditions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceFilter {
    /// The run.
    pub run: i64,
    /// Rows and errors.
    pub target: Target,
    /// All must hold.
    pub conditions: Vec<Condition>,
}

/// A slice found, compared with the rest.
#[derive(Debug, Clone, Serialize)]
pub struct FoundSlice {
    /// Its conditions.
    pub conditions: Vec<Condition>,
    /// The conditions, for people.
    pub description: String,
    /// The search's score (SliceLine's score, or the tree leaf's error).
    pub score: f64,
    /// Rows in the slice.
    pub rows: usize,
    /// Errors among them.
    pub errors: usize,
    /// Error rate in the slice.
    pub error_rate: f64,
    /// Error rate of the other rows.
    pub rest_error_rate: f64,
    /// `error_rate - rest_error_rate`.
    pub difference: f64,
    /// 95% interval of the difference (Newcombe's).
    pub interval: [f64; 2],
    /// Two-sided p-value of no difference.
    pub p_value: f64,
    /// Benjamini-Hochberg adjusted p-value over all the search's candidates.
    pub p_adjusted: f64,
    /// Adjusted p-value below the significance level.
    pub significant: bool,
    /// Error kinds of its errors, most frequent first.
    pub error_kinds: Vec<(String, usize)>,
    /// Images with a row in the slice (what the explorer shows).
    pub samples: usize,
    /// The filter that opens it in the explorer.
    pub filter: SliceFilter,
}

/// The weak slices of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Slices {
    /// The run.
    pub run: i64,
    /// Its model.
    pub model: String,
    /// What counts as an error, for people.
    pub target: String,
    /// The search.
    pub method: Method,
    /// Rows searched.
    pub rows: usize,
    /// Their error rate.
    pub error_rate: f64,
    /// Fewest rows per slice used.
    pub min_support: usize,
    /// Significance level of `significant`.
    pub significance: f64,
    /// Columns searched.
    pub columns: Vec<String>,
    /// Candidates the search proposed (distinct row sets), all tested.
    pub candidates: usize,
    /// Slices, best first.
    pub slices: Vec<FoundSlice>,
}

/// A column as slices see it: per row a code, and each code's condition.
struct Feature {
    name: String,
    codes: Vec<u32>,
    conditions: Vec<Condition>,
}

/// Finds the weak slices of `table`.
pub fn slices(table: &RunTable, options: &SliceOptions) -> Result<Slices> {
    let rows: Vec<usize> = (0..table.rows.len())
        .filter(|&i| options.target.includes(table, i))
        .collect();
    if rows.is_empty() {
        bail!(
            "run {} has no rows for {}",
            table.run,
            options.target.describe()
        );
    }
    let errors: Vec<f64> = rows
        .iter()
        .map(|&i| options.target.error(table, i))
        .collect();
    let features = features(table, &rows, options)?;
    let min_support = options
        .min_support
        .unwrap_or_else(|| (rows.len() / 100).max(10));
    let found: Vec<(Vec<Condition>, f64)> = match options.method {
        Method::Sliceline => by_sliceline(&features, &errors, min_support, options)?,
        Method::Tree => by_tree(table, &rows, &errors, options)?,
    };
    let mut candidates: Vec<(FoundSlice, Vec<usize>)> = Vec::new();
    for (conditions, score) in found {
        let filter = SliceFilter {
            run: table.run,
            target: options.target.clone(),
            conditions,
        };
        let members = rows_of(table, &filter);
        if candidates.iter().any(|(_, m)| *m == members) {
            continue;
        }
        if let Some(slice) = describe(table, &rows, &errors, filter, score) {
            candidates.push((slice, members));
        }
    }
    let adjusted = benjamini_hochberg(
        &candidates
            .iter()
            .map(|(s, _)| s.p_value)
            .collect::<Vec<_>>(),
    )?;
    for ((s, _), p) in candidates.iter_mut().zip(adjusted) {
        s.p_adjusted = p;
        s.significant = p < options.significance;
    }
    candidates.sort_by(|(a, _), (b, _)| {
        b.significant
            .cmp(&a.significant)
            .then(b.score.total_cmp(&a.score))
    });
    let tested = candidates.len();
    let out = diverse(candidates, options.k);
    let total: f64 = errors.iter().sum();
    Ok(Slices {
        run: table.run,
        model: table.subject.model.clone(),
        target: options.target.describe(),
        method: options.method,
        rows: rows.len(),
        error_rate: total / rows.len() as f64,
        min_support,
        significance: options.significance,
        columns: features.into_iter().map(|f| f.name).collect(),
        candidates: tested,
        slices: out,
    })
}

/// Slices sharing more of their rows (Jaccard) with a better one are not
/// listed: SliceLine's top slices are often one slice with an extra
/// condition that changes little.
pub const MAX_OVERLAP: f64 = 0.8;

/// Candidates asked of the search per slice listed: they are ranked by
/// effect, tested, and overlapping ones dropped.
const CANDIDATES_PER_SLICE: usize = 10;

/// Up to `k` slices in order, leaving out one that mostly repeats the
/// rows of one listed (Jaccard above [`MAX_OVERLAP`]) and one that only
/// adds conditions to one listed without raising its error rate by
/// [`MIN_REFINEMENT_GAIN`].
fn diverse(candidates: Vec<(FoundSlice, Vec<usize>)>, k: usize) -> Vec<FoundSlice> {
    let mut listed: Vec<(FoundSlice, Vec<usize>)> = Vec::new();
    for (slice, members) in candidates {
        if listed.len() == k {
            break;
        }
        let repeats = listed.iter().any(|(l, m)| {
            let refines = l.conditions.iter().all(|c| slice.conditions.contains(c));
            jaccard(m, &members) > MAX_OVERLAP
                || (refines && slice.error_rate < l.error_rate + MIN_REFINEMENT_GAIN)
        });
        if !repeats {
            listed.push((slice, members));
        }
    }
    listed.into_iter().map(|(s, _)| s).collect()
}

/// How much more often a slice with extra conditions must err than the
/// listed slice it refines to be listed too.
pub const MIN_REFINEMENT_GAIN: f64 = 0.05;

/// |a ∩ b| / |a ∪ b| of two ascending row lists.
fn jaccard(a: &[usize], b: &[usize]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        1.0
    } else {
        both as f64 / union as f64
    }
}

/// The target's usable columns as codes: metrics in equal-count bins,
/// categorical columns by label; a column with one value on these rows, or
/// whose codes repeat an earlier one's, is left out.
fn features(table: &RunTable, rows: &[usize], options: &SliceOptions) -> Result<Vec<Feature>> {
    let mut out: Vec<Feature> = Vec::new();
    for column in table
        .numeric
        .iter()
        .filter(|c| options.target.usable(c.level))
    {
        let values: Vec<f64> = rows.iter().map(|&i| column.values[i]).collect();
        let bins = equal_count(&values, options.bins)?;
        if bins.n_bins() < 2 && bins.codes.iter().all(|&c| c != bins.missing_code) {
            continue;
        }
        out.push(Feature {
            name: column.name.clone(),
            conditions: bin_conditions(&column.name, &bins),
            codes: bins.codes,
        });
    }
    for column in &table.categorical {
        let first = rows.first().map(|&i| column.codes[i]);
        if rows.iter().all(|&i| Some(column.codes[i]) == first) {
            continue;
        }
        out.push(Feature {
            name: column.name.clone(),
            codes: rows.iter().map(|&i| column.codes[i]).collect(),
            conditions: column
                .labels
                .iter()
                .map(|l| Condition {
                    column: column.name.clone(),
                    label: l.clone(),
                    low: None,
                    low_exclusive: false,
                    high: None,
                    high_inclusive: false,
                    missing: false,
                })
                .collect(),
        });
    }
    let mut distinct: Vec<Feature> = Vec::new();
    for f in out {
        if !distinct.iter().any(|d| d.codes == f.codes) {
            distinct.push(f);
        }
    }
    Ok(distinct)
}

/// One condition per bin code, then one for the missing code.
fn bin_conditions(name: &str, bins: &Bins) -> Vec<Condition> {
    let n = bins.n_bins();
    let mut out: Vec<Condition> = (0..n)
        .map(|b| {
            let (low, high) = (bins.edges[b], bins.edges[b + 1]);
            let last = b + 1 == n;
            Condition {
                column: name.to_string(),
                label: format!(
                    "[{}, {}{}",
                    short(low),
                    short(high),
                    if last { "]" } else { ")" }
                ),
                low: Some(low),
                low_exclusive: false,
                high: Some(high),
                high_inclusive: last,
                missing: false,
            }
        })
        .collect();
    out.push(Condition {
        column: name.to_string(),
        label: "unmeasured".into(),
        low: None,
        low_exclusive: false,
        high: None,
        high_inclusive: false,
        missing: true,
    });
    out
}

/// A bin edge in four significant digits.
fn short(v: f64) -> String {
    if v == 0.0 || (1e-3..1e5).contains(&v.abs()) {
        format!("{}", (v * 1e4).round() / 1e4)
    } else {
        format!("{v:.3e}")
    }
}

fn by_sliceline(
    features: &[Feature],
    errors: &[f64],
    min_support: usize,
    options: &SliceOptions,
) -> Result<Vec<(Vec<Condition>, f64)>> {
    let columns: Vec<&[u32]> = features.iter().map(|f| f.codes.as_slice()).collect();
    let params = SliceLineParams {
        alpha: options.alpha,
        k: options.k * CANDIDATES_PER_SLICE,
        max_l: options.max_predicates,
        min_sup: MinSup::Count(min_support as u64),
    };
    let result = sliceline(&columns, errors, &params)?;
    Ok(result
        .slices
        .into_iter()
        .map(|s| {
            let conditions = s
                .predicates
                .iter()
                .map(|p| features[p.feature].conditions[p.code as usize].clone())
                .collect();
            (conditions, s.score)
        })
        .collect())
}

fn by_tree(
    table: &RunTable,
    rows: &[usize],
    errors: &[f64],
    options: &SliceOptions,
) -> Result<Vec<(Vec<Condition>, f64)>> {
    let columns: Vec<(&str, Vec<f64>)> = table
        .numeric
        .iter()
        .filter(|c| options.target.usable(c.level))
        .map(|c| (c.name.as_str(), rows.iter().map(|&i| c.values[i]).collect()))
        .collect();
    let values: Vec<&[f64]> = columns.iter().map(|(_, v)| v.as_slice()).collect();
    let params = TreeParams {
        n_top_features: columns.len(),
        ..TreeParams::default()
    };
    // deepchecks looks for low scores; an error rate is high where it fails.
    let scores: Vec<f64> = errors.iter().map(|e| 1.0 - e).collect();
    let segments = weak_segments(&values, &scores, &params)?;
    let range = |f: usize, r: assay_analysis::slices::tree::Range| Condition {
        column: columns[f].0.to_string(),
        label: format!("({}, {}]", short(r.low), short(r.high)),
        low: r.low.is_finite().then_some(r.low),
        low_exclusive: true,
        high: r.high.is_finite().then_some(r.high),
        high_inclusive: true,
        missing: false,
    };
    Ok(segments
        .into_iter()
        .map(|s| {
            let mut conditions = vec![range(s.feature1, s.range1)];
            if let (Some(f), Some(r)) = (s.feature2, s.range2) {
                conditions.push(range(f, r));
            }
            (conditions, 1.0 - s.score)
        })
        .collect())
}

/// Whether row `i` meets every condition.
pub fn matches(table: &RunTable, i: usize, conditions: &[Condition]) -> bool {
    conditions.iter().all(|c| {
        if let Some(column) = table.categorical.iter().find(|k| k.name == c.column) {
            return column.labels[column.codes[i] as usize] == c.label;
        }
        let Some(column) = table.numeric.iter().find(|k| k.name == c.column) else {
            return false;
        };
        let v = column.values[i];
        if c.missing {
            return v.is_nan();
        }
        let above = c.low.is_none_or(|lo| match c.low_exclusive {
            true => v > lo,
            false => v >= lo,
        });
        let below = c.high.is_none_or(|hi| match c.high_inclusive {
            true => v <= hi,
            false => v < hi,
        });
        !v.is_nan() && above && below
    })
}

/// A predicate `COLUMN OP VALUE` (`<`, `<=`, `>`, `>=`, `=`) as a slice
/// condition of `table`; the error names what does not fit.
pub fn parse_condition(table: &RunTable, text: &str) -> Result<Condition, String> {
    let (column, op, value) = split_predicate(text)?;
    let mut c = Condition {
        column: column.to_string(),
        label: value.to_string(),
        low: None,
        low_exclusive: false,
        high: None,
        high_inclusive: false,
        missing: false,
    };
    if let Some(k) = table.categorical.iter().find(|k| k.name == column) {
        if op != "=" {
            return Err(format!(
                "{text:?}: {column} is categorical; compare it with ="
            ));
        }
        if !k.labels.iter().any(|l| l == value) {
            return Err(format!(
                "{text:?}: run {} has no {column} {value:?}; it has {}",
                table.run,
                k.labels.join(", ")
            ));
        }
        return Ok(c);
    }
    if !table.numeric.iter().any(|k| k.name == column) {
        let mut names: Vec<&str> = table.categorical.iter().map(|k| k.name.as_str()).collect();
        names.extend(table.numeric.iter().map(|k| k.name.as_str()));
        return Err(format!(
            "{text:?}: run {} has no column {column:?}; it has {}",
            table.run,
            names.join(", ")
        ));
    }
    let v: f64 = value
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("{text:?}: {column} is a number; {value:?} is not"))?;
    match op {
        "<" => c.high = Some(v),
        "<=" => (c.high, c.high_inclusive) = (Some(v), true),
        ">" => (c.low, c.low_exclusive) = (Some(v), true),
        ">=" => c.low = Some(v),
        _ => (c.low, c.high, c.high_inclusive) = (Some(v), Some(v), true),
    }
    Ok(c)
}

/// `COLUMN OP VALUE` split at its operator (`<=`, `>=`, `<`, `>`, `=`,
/// `==`), each part trimmed; quotes around the value are dropped.
fn split_predicate(text: &str) -> Result<(&str, &str, &str), String> {
    let at = text
        .find(['<', '>', '='])
        .ok_or_else(|| format!("{text:?}: expected COLUMN OP VALUE, with OP one of < <= > >= ="))?;
    let rest = &text[at..];
    let op = ["<=", ">=", "==", "<", ">", "="]
        .into_iter()
        .find(|op| rest.starts_with(op))
        .unwrap_or("=");
    let column = text[..at].trim();
    let value = rest[op.len()..].trim().trim_matches(['"', '\'']);
    if column.is_empty() || value.is_empty() {
        return Err(format!(
            "{text:?}: expected COLUMN OP VALUE, with OP one of < <= > >= ="
        ));
    }
    Ok((column, if op == "==" { "=" } else { op }, value))
}

/// The rows of `table` a filter selects.
pub fn rows_of(table: &RunTable, filter: &SliceFilter) -> Vec<usize> {
    (0..table.rows.len())
        .filter(|&i| filter.target.includes(table, i) && matches(table, i, &filter.conditions))
        .collect()
}

/// The images (sample row ids, ascending) a filter selects.
pub fn samples_of(table: &RunTable, filter: &SliceFilter) -> Vec<i64> {
    let mut samples: Vec<i64> = rows_of(table, filter)
        .into_iter()
        .map(|i| table.rows[i].sample)
        .collect();
    samples.sort_unstable();
    samples.dedup();
    samples
}

/// A slice's statistics against the rest of the target's rows.
fn describe(
    table: &RunTable,
    rows: &[usize],
    errors: &[f64],
    filter: SliceFilter,
    score: f64,
) -> Option<FoundSlice> {
    let inside: Vec<usize> = (0..rows.len())
        .filter(|&j| matches(table, rows[j], &filter.conditions))
        .collect();
    let comparison = compare_rows(errors, &inside).ok()?;
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for &j in &inside {
        if errors[j] > 0.0 {
            let kind = table.rows[rows[j]].error_kind.clone();
            *kinds
                .entry(kind.unwrap_or_else(|| "error".into()))
                .or_default() += 1;
        }
    }
    let mut error_kinds: Vec<(String, usize)> = kinds.into_iter().collect();
    error_kinds.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let description = filter
        .conditions
        .iter()
        .map(|c| format!("{} {}", c.column, c.label))
        .collect::<Vec<_>>()
        .join(" and ");
    Some(FoundSlice {
        description,
        score,
        rows: inside.len(),
        errors: inside.iter().filter(|&&j| errors[j] > 0.0).count(),
        error_rate: comparison.slice_error,
        rest_error_rate: comparison.rest_error,
        difference: comparison.difference,
        interval: [comparison.ci_low, comparison.ci_high],
        p_value: comparison.p_value,
        p_adjusted: f64::NAN,
        significant: false,
        error_kinds,
        samples: samples_of(table, &filter).len(),
        conditions: filter.conditions.clone(),
        filter,
    })
}

#[cfg(test)]
mod tests {
    use super::split_predicate;

    #[test]
    fn predicates_split_at_their_operator() {
        assert_eq!(
            split_predicate("brightness <= 0.3").unwrap(),
            ("brightness", "<=", "0.3")
        );
        assert_eq!(
            split_predicate("class == 'cat'").unwrap(),
            ("class", "=", "cat")
        );
        assert_eq!(
            split_predicate("box_area>40").unwrap(),
            ("box_area", ">", "40")
        );
        assert!(split_predicate("brightness").is_err());
        assert!(split_predicate("< 3").is_err());
        assert!(split_predicate("split =").is_err());
    }
}
