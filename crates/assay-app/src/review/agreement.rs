//! How far a queue's reviewers agree: on their decisions (Krippendorff's
//! alpha, nominal; Cohen's kappa per pair) and on the boxes they leave
//! (alpha with `1 - IoU`, overall, per class and per pair), over the
//! items two or more reviewers gave a verdict on.

use std::collections::BTreeSet;

use anyhow::Result;
use assay_core::geometry::BBox;
use assay_eval::agreement::{
    alpha, box_alpha, cohen_kappa, units, AnnotatedBox, ImageAnnotations, MeasurementLevel, Weights,
};
use assay_store::Store;
use serde::Serialize;

use super::{parse_stored, Decision, Label};

/// Two reviewers' agreement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairAgreement {
    /// One reviewer.
    pub a: String,
    /// The other.
    pub b: String,
    /// Items both gave a verdict on.
    pub items: usize,
    /// Cohen's kappa of their decisions (none where undefined).
    pub kappa: Option<f64>,
    /// Alpha of their boxes.
    pub box_alpha: Option<f64>,
}

/// A queue's agreement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueAgreement {
    /// Items with verdicts from two or more reviewers.
    pub items: usize,
    /// Alpha of the decisions (nominal).
    pub decision_alpha: Option<f64>,
    /// Alpha of the boxes (`1 - IoU`).
    pub box_alpha: Option<f64>,
    /// Alpha of the boxes of each class.
    pub per_class: Vec<(String, Option<f64>)>,
    /// Per pair of reviewers.
    pub pairs: Vec<PairAgreement>,
    /// How it is measured, for people.
    pub method: String,
}

/// One reviewer's latest verdict (other than skip) on one item.
struct Given {
    reviewer: usize,
    item: usize,
    decision: Decision,
    after: Vec<Label>,
}

/// The agreement of queue `queue`'s reviewers.
pub fn queue_agreement(store: &Store, queue: i64) -> Result<QueueAgreement> {
    let verdicts = store.verdicts(queue)?;
    let reviewers: Vec<String> = verdicts
        .iter()
        .map(|v| v.reviewer.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let items: Vec<i64> = verdicts
        .iter()
        .map(|v| v.item)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut given: Vec<Given> = Vec::new();
    for v in verdicts.iter().rev().filter(|v| v.decision != "skip") {
        let reviewer = reviewers
            .iter()
            .position(|r| *r == v.reviewer)
            .expect("listed");
        let item = items.iter().position(|i| *i == v.item).expect("listed");
        if given
            .iter()
            .any(|g| g.reviewer == reviewer && g.item == item)
        {
            continue;
        }
        given.push(Given {
            reviewer,
            item,
            decision: Decision::parse(&v.decision).unwrap_or(Decision::Reject),
            after: parse_stored(&v.after, "label list")?,
        });
    }
    let shared: Vec<usize> = (0..items.len())
        .filter(|&i| given.iter().filter(|g| g.item == i).count() >= 2)
        .collect();
    let given: Vec<Given> = given
        .into_iter()
        .filter(|g| shared.contains(&g.item))
        .collect();
    let everyone: Vec<usize> = (0..reviewers.len()).collect();
    let classes: BTreeSet<String> = given
        .iter()
        .flat_map(|g| g.after.iter().map(|l| l.class.clone()))
        .collect();
    let mut pairs = Vec::new();
    for a in 0..reviewers.len() {
        for b in a + 1..reviewers.len() {
            let both: Vec<usize> = shared
                .iter()
                .copied()
                .filter(|&i| {
                    [a, b]
                        .iter()
                        .all(|r| given.iter().any(|g| g.item == i && g.reviewer == *r))
                })
                .collect();
            if both.is_empty() {
                continue;
            }
            let code = |r: usize| -> Vec<i64> {
                both.iter()
                    .map(|&i| {
                        decision_code(
                            given
                                .iter()
                                .find(|g| g.item == i && g.reviewer == r)
                                .expect("both")
                                .decision,
                        )
                    })
                    .collect()
            };
            pairs.push(PairAgreement {
                a: reviewers[a].clone(),
                b: reviewers[b].clone(),
                items: both.len(),
                kappa: cohen_kappa(&code(a), &code(b), Weights::Unweighted).ok(),
                box_alpha: boxes_alpha(&given, &[a, b], None),
            });
        }
    }
    let data: Vec<Vec<Option<f64>>> = everyone
        .iter()
        .map(|&r| {
            shared
                .iter()
                .map(|&i| {
                    given
                        .iter()
                        .find(|g| g.item == i && g.reviewer == r)
                        .map(|g| decision_code(g.decision) as f64)
                })
                .collect()
        })
        .collect();
    Ok(QueueAgreement {
        items: shared.len(),
        decision_alpha: alpha(&data, MeasurementLevel::Nominal).ok(),
        box_alpha: boxes_alpha(&given, &everyone, None),
        per_class: classes
            .iter()
            .map(|c| (c.clone(), boxes_alpha(&given, &everyone, Some(c))))
            .collect(),
        pairs,
        method: "over items two or more reviewers gave a verdict on (each reviewer's latest, skips left out): Krippendorff's alpha (nominal) of the decisions and Cohen's kappa per pair; for boxes, the labels each reviewer left matched into units by IoU >= 0.5 within a class, alpha with 1 - IoU as distance and a missing box at distance 1".into(),
    })
}

fn decision_code(d: Decision) -> i64 {
    match d {
        Decision::Accept => 0,
        Decision::Reject => 1,
        Decision::Fix => 2,
        Decision::Skip => 3,
    }
}

/// Box alpha of the chosen reviewers' labels (of one class, if given).
fn boxes_alpha(given: &[Given], reviewers: &[usize], class: Option<&String>) -> Option<f64> {
    let items: BTreeSet<usize> = given.iter().map(|g| g.item).collect();
    let classes: Vec<String> = given
        .iter()
        .flat_map(|g| g.after.iter().map(|l| l.class.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let images: Vec<ImageAnnotations> = items
        .iter()
        .map(|&i| {
            let here: Vec<&Given> = given
                .iter()
                .filter(|g| g.item == i && reviewers.contains(&g.reviewer))
                .collect();
            ImageAnnotations {
                annotators: here.iter().map(|g| g.reviewer).collect(),
                boxes: here
                    .iter()
                    .flat_map(|g| {
                        g.after
                            .iter()
                            .filter(|l| class.is_none_or(|c| &l.class == c))
                            .map(|l| AnnotatedBox {
                                annotator: g.reviewer,
                                class: classes.iter().position(|c| *c == l.class).unwrap_or(0)
                                    as i64,
                                bbox: BBox::new(l.bbox[0], l.bbox[1], l.bbox[2], l.bbox[3]),
                                mask: None,
                            })
                    })
                    .collect(),
            }
        })
        .collect();
    let found = units(&images, 0.5);
    box_alpha(&images, &found).ok()
}
