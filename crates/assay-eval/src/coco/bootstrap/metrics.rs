//! The summary numbers and per-category AP of one accumulated resample,
//! computed as `COCOeval.summarize` (and [`super::super::CocoEvaluation`])
//! computes them: the mean, by NumPy's pairwise summation, of the selected
//! entries that are not -1, in the arrays' order.

use super::super::params::Params;
use super::super::summary::summary_specs;
use super::weighted::{Layout, Scratch};
use crate::numeric::mean;

/// Where one metric's values are read.
#[derive(Debug, Clone)]
enum Source {
    /// Precision at (needed index, area), over the thresholds, every
    /// recall threshold and `categories`.
    Precision {
        needed: usize,
        area: usize,
        thresholds: Vec<usize>,
        categories: Option<usize>,
    },
    /// Recall at (max_dets index, area), over the thresholds and every
    /// category.
    Recall {
        m: usize,
        area: usize,
        thresholds: Vec<usize>,
    },
    /// The selection names an area or detection count the parameters lack.
    Missing,
}

/// One metric: its name, its category, where it is read.
#[derive(Debug, Clone)]
pub(crate) struct MetricSpec {
    /// `AP`, `AP50`, `AP_small`, `AR@100`, ...
    pub name: String,
    /// The category id for per-category AP.
    pub class: Option<i64>,
    source: Source,
}

/// The summary metrics (pycocotools' order), then AP per category, and the
/// layout the accumulation must fill for them.
pub(crate) fn metric_specs(params: &Params, category_ids: &[i64]) -> (Vec<MetricSpec>, Layout) {
    let last = params.max_det();
    let mut needed: Vec<usize> = Vec::new();
    let mut need = |m: usize| match needed.iter().position(|&n| n == m) {
        Some(n) => n,
        None => {
            needed.push(m);
            needed.len() - 1
        }
    };
    let thresholds = |iou: Option<f64>| -> Vec<usize> {
        (0..params.iou_thresholds.len())
            .filter(|&t| iou.is_none_or(|v| params.iou_thresholds[t] == v))
            .collect()
    };
    let area_of = |label: &str| params.area_ranges.iter().position(|r| r.label == label);
    let m_of = |max_dets: usize| params.max_dets.iter().position(|&d| d == max_dets);
    let mut specs = Vec::new();
    for (ap, iou, area, max_dets) in summary_specs(params) {
        let source = match (area_of(area), m_of(max_dets)) {
            (Some(a), Some(m)) if ap => Source::Precision {
                needed: need(m),
                area: a,
                thresholds: thresholds(iou),
                categories: None,
            },
            (Some(a), Some(m)) => Source::Recall {
                m,
                area: a,
                thresholds: thresholds(iou),
            },
            _ => Source::Missing,
        };
        specs.push(MetricSpec {
            name: stat_name(ap, iou, area, max_dets),
            class: None,
            source,
        });
    }
    let all = params.area_ranges.first().map(|r| r.label.clone());
    let per_class = (all.as_deref().and_then(area_of), m_of(last));
    for (k, &id) in category_ids.iter().enumerate() {
        let source = match per_class {
            (Some(a), Some(m)) => Source::Precision {
                needed: need(m),
                area: a,
                thresholds: thresholds(None),
                categories: Some(k),
            },
            _ => Source::Missing,
        };
        specs.push(MetricSpec {
            name: "AP".to_string(),
            class: Some(id),
            source,
        });
    }
    let layout = Layout {
        a_n: params.area_ranges.len(),
        t_n: params.iou_thresholds.len(),
        r_n: params.recall_thresholds.len(),
        k_n: category_ids.len(),
        m_n: params.max_dets.len(),
        needed,
    };
    (specs, layout)
}

/// `AP`/`AR`, then the IoU in percent (`AP50`), then `_area` for an area
/// other than `all`, then `@max_dets` for recall (`AR@100`, `AR_small@100`).
fn stat_name(ap: bool, iou: Option<f64>, area: &str, max_dets: usize) -> String {
    let mut name = String::from(if ap { "AP" } else { "AR" });
    if let Some(iou) = iou {
        name.push_str(&format!("{}", (iou * 100.0).round() as i64));
    }
    if area != "all" {
        name.push('_');
        name.push_str(area);
    }
    if !ap {
        name.push_str(&format!("@{max_dets}"));
    }
    name
}

/// Every metric's value from an accumulated resample (-1 where nothing
/// could be measured), into `out`.
///
/// A category's entries at an area range are all -1 when it has no ground
/// truth there and none are otherwise, so the entries above -1 are those
/// of the categories with ground truth.
pub(crate) fn metric_values(
    specs: &[MetricSpec],
    layout: &Layout,
    s: &Scratch,
    buffers: &mut (Vec<f64>, Vec<usize>),
    out: &mut Vec<f64>,
) {
    let (values, present) = buffers;
    out.clear();
    for spec in specs {
        values.clear();
        let mut with_truth = |area: usize| {
            present.clear();
            present.extend((0..layout.k_n).filter(|&k| s.counted[k * layout.a_n + area] > 0));
        };
        match &spec.source {
            Source::Precision {
                needed,
                area,
                thresholds,
                categories: Some(k),
            } => {
                if s.counted[k * layout.a_n + area] > 0 {
                    for &t in thresholds {
                        let start = layout.precision_at(*k, *needed, *area, t, 0);
                        values.extend_from_slice(&s.precision[start..start + layout.r_n]);
                    }
                }
            }
            Source::Precision {
                needed,
                area,
                thresholds,
                categories: None,
            } => {
                with_truth(*area);
                for &t in thresholds {
                    for r in 0..layout.r_n {
                        values.extend(
                            present.iter().map(|&k| {
                                s.precision[layout.precision_at(k, *needed, *area, t, r)]
                            }),
                        );
                    }
                }
            }
            Source::Recall {
                m,
                area,
                thresholds,
            } => {
                with_truth(*area);
                for &t in thresholds {
                    values.extend(
                        present
                            .iter()
                            .map(|&k| s.recall[layout.recall_at(*m, *area, t, k)]),
                    );
                }
            }
            Source::Missing => {}
        }
        out.push(mean(values).unwrap_or(-1.0));
    }
}

#[cfg(test)]
mod tests {
    use super::stat_name;

    #[test]
    fn names() {
        assert_eq!(stat_name(true, None, "all", 100), "AP");
        assert_eq!(stat_name(true, Some(0.5), "all", 100), "AP50");
        assert_eq!(stat_name(true, Some(0.75), "all", 100), "AP75");
        assert_eq!(stat_name(true, None, "small", 100), "AP_small");
        assert_eq!(stat_name(false, None, "all", 10), "AR@10");
        assert_eq!(stat_name(false, None, "large", 100), "AR_large@100");
    }
}
