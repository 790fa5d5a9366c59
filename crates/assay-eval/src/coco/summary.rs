//! The summary numbers of an evaluation: `COCOeval.summarize` and
//! per-category AP/AR.

use serde::Serialize;

use super::{CocoEvaluation, IouType, Params};
use crate::numeric::mean;

/// One line of pycocotools' summary.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryStat {
    /// `AP` or `AR`.
    pub metric: &'static str,
    /// The IoU threshold, or `None` for the mean over 0.50:0.95.
    pub iou: Option<f64>,
    /// The area range label.
    pub area: String,
    /// Detections per image.
    pub max_dets: usize,
    /// The value, -1 when nothing could be measured.
    pub value: f64,
}

impl SummaryStat {
    /// The line as pycocotools prints it.
    pub fn line(&self) -> String {
        let (title, kind) = match self.metric {
            "AP" => ("Average Precision", "(AP)"),
            _ => ("Average Recall", "(AR)"),
        };
        let iou = match self.iou {
            Some(t) => format!("{t:.2}"),
            None => "0.50:0.95".to_string(),
        };
        format!(
            " {title:<18} {kind} @[ IoU={iou:<9} | area={:>6} | maxDets={:>3} ] = {:.3}",
            self.area, self.max_dets, self.value
        )
    }
}

/// AP and AR of one category.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryMetrics {
    /// The category id.
    pub category_id: i64,
    /// AP over IoU 0.50:0.95 (all areas, most detections); -1 without
    /// ground truth.
    pub ap: f64,
    /// AP at IoU 0.50.
    pub ap50: f64,
    /// AP at IoU 0.75.
    pub ap75: f64,
    /// AR over IoU 0.50:0.95 at the most detections.
    pub ar: f64,
    /// AP per area range after `all`, in parameter order.
    pub ap_by_area: Vec<(String, f64)>,
}

impl CocoEvaluation {
    fn dims(&self) -> [usize; 5] {
        let p = &self.params;
        [
            p.iou_thresholds.len(),
            p.recall_thresholds.len(),
            self.category_ids.len(),
            p.area_ranges.len(),
            p.max_dets.len(),
        ]
    }

    /// `_summarize`: the mean of the precision (`ap`) or recall entries
    /// selected by threshold, area and detections that are not -1.
    pub fn summarize_one(&self, ap: bool, iou: Option<f64>, area: &str, max_dets: usize) -> f64 {
        let cats: Vec<usize> = (0..self.category_ids.len()).collect();
        self.mean_over(ap, iou, area, max_dets, &cats)
    }

    fn mean_over(
        &self,
        ap: bool,
        iou: Option<f64>,
        area: &str,
        max_dets: usize,
        cats: &[usize],
    ) -> f64 {
        let p = &self.params;
        let [t_n, r_n, k_n, a_n, m_n] = self.dims();
        let ts: Vec<usize> = (0..t_n)
            .filter(|&t| iou.is_none_or(|v| p.iou_thresholds[t] == v))
            .collect();
        let a = p.area_ranges.iter().position(|r| r.label == area);
        let m = p.max_dets.iter().position(|&d| d == max_dets);
        let (Some(a), Some(m)) = (a, m) else {
            return -1.0;
        };
        let mut values = Vec::new();
        for &t in &ts {
            if ap {
                for r in 0..r_n {
                    for &k in cats {
                        values
                            .push(self.precision[(((t * r_n + r) * k_n + k) * a_n + a) * m_n + m]);
                    }
                }
            } else {
                for &k in cats {
                    values.push(self.recall[((t * k_n + k) * a_n + a) * m_n + m]);
                }
            }
        }
        values.retain(|&v| v > -1.0);
        mean(&values).unwrap_or(-1.0)
    }

    /// The summary lines in pycocotools' order: 12 for boxes and masks, 10
    /// for keypoints.
    pub fn summary(&self) -> Vec<SummaryStat> {
        let specs = summary_specs(&self.params);
        specs
            .into_iter()
            .map(|(ap, iou, area, max_dets)| self.stat(ap, iou, area, max_dets))
            .collect()
    }

    fn stat(&self, ap: bool, iou: Option<f64>, area: &str, max_dets: usize) -> SummaryStat {
        SummaryStat {
            metric: if ap { "AP" } else { "AR" },
            iou,
            area: area.to_string(),
            max_dets,
            value: self.summarize_one(ap, iou, area, max_dets),
        }
    }

    /// The summary values in pycocotools' order (`COCOeval.stats`).
    pub fn stats(&self) -> Vec<f64> {
        self.summary().iter().map(|s| s.value).collect()
    }

    /// AR at IoU 0.50 and 0.75 (all areas, most detections), which
    /// pycocotools does not print for boxes and masks (its keypoint summary
    /// has them, so this is empty there).
    pub fn extra_recall(&self) -> Vec<SummaryStat> {
        if self.params.iou_type == IouType::Keypoints {
            return Vec::new();
        }
        let last = self.params.max_det();
        vec![
            self.stat(false, Some(0.5), "all", last),
            self.stat(false, Some(0.75), "all", last),
        ]
    }

    /// AP and AR of every category.
    pub fn per_category(&self) -> Vec<CategoryMetrics> {
        let last = self.params.max_det();
        let all = self.params.area_ranges[0].label.clone();
        (0..self.category_ids.len())
            .map(|k| {
                let m = |ap, iou, area: &str| self.mean_over(ap, iou, area, last, &[k]);
                CategoryMetrics {
                    category_id: self.category_ids[k],
                    ap: m(true, None, &all),
                    ap50: m(true, Some(0.5), &all),
                    ap75: m(true, Some(0.75), &all),
                    ar: m(false, None, &all),
                    ap_by_area: self.params.area_ranges[1..]
                        .iter()
                        .map(|r| (r.label.clone(), m(true, None, &r.label)))
                        .collect(),
                }
            })
            .collect()
    }
}

/// The summary lines' selections in pycocotools' order: `(ap, iou, area,
/// max_dets)`, AP when `ap` else AR, `iou` `None` for the mean over all
/// thresholds.
pub(crate) fn summary_specs(params: &Params) -> Vec<(bool, Option<f64>, &'static str, usize)> {
    let last = params.max_det();
    let dets = &params.max_dets;
    match params.iou_type {
        IouType::Keypoints => vec![
            (true, None, "all", 20),
            (true, Some(0.5), "all", 20),
            (true, Some(0.75), "all", 20),
            (true, None, "medium", 20),
            (true, None, "large", 20),
            (false, None, "all", 20),
            (false, Some(0.5), "all", 20),
            (false, Some(0.75), "all", 20),
            (false, None, "medium", 20),
            (false, None, "large", 20),
        ],
        _ => {
            let d = |i: usize| dets.get(i).copied().unwrap_or(last);
            vec![
                (true, None, "all", last),
                (true, Some(0.5), "all", d(2)),
                (true, Some(0.75), "all", d(2)),
                (true, None, "small", d(2)),
                (true, None, "medium", d(2)),
                (true, None, "large", d(2)),
                (false, None, "all", d(0)),
                (false, None, "all", d(1)),
                (false, None, "all", d(2)),
                (false, None, "small", d(2)),
                (false, None, "medium", d(2)),
                (false, None, "large", d(2)),
            ]
        }
    }
}
