//! Consensus labels and annotator quality from several annotators'
//! class labels and a model's predicted probabilities: CROWDLAB, as
//! cleanlab 2.9's `get_label_quality_multiannotator` computes it (its
//! consensus methods `best_quality` and `majority_vote`, its quality
//! methods `crowdlab` and `agreement`, without probability calibration).

use serde::Serialize;

use crate::numeric::pairwise_sum;

/// cleanlab's lower clipping bound of errors and weights.
const CLIPPING_LOWER_BOUND: f64 = 1e-6;

/// How the consensus label is chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Consensus {
    /// The most likely class under the posterior that weighs the model and
    /// the annotators (the majority vote where that ties).
    #[default]
    BestQuality,
    /// The annotators' most frequent label, ties broken by the model, then
    /// by the rarer class, then by the annotators' agreement.
    MajorityVote,
}

/// How quality is scored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityMethod {
    /// CROWDLAB: the model and the annotators weighted by how often each
    /// agrees with the consensus.
    #[default]
    Crowdlab,
    /// The share of annotators agreeing.
    Agreement,
}

/// One annotator's statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnotatorStats {
    /// Overall quality of the annotator's labels (NaN when it cannot be
    /// measured).
    pub annotator_quality: f64,
    /// Share of its labels equal to the consensus.
    pub agreement_with_consensus: f64,
    /// The class it labels worst against the consensus.
    pub worst_class: usize,
    /// Examples it labelled.
    pub num_examples_labeled: usize,
}

/// Consensus labels, their quality and the annotators' quality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiannotatorReport {
    /// The consensus label of each example.
    pub consensus_label: Vec<usize>,
    /// Its quality score.
    pub consensus_quality_score: Vec<f64>,
    /// Share of the example's annotators who gave the consensus label.
    pub annotator_agreement: Vec<f64>,
    /// Labels each example received.
    pub num_annotations: Vec<usize>,
    /// Quality of each annotator's label of each example (`[example][annotator]`).
    pub detailed_label_quality: Vec<Vec<Option<f64>>>,
    /// Per annotator, in input order.
    pub annotators: Vec<AnnotatorStats>,
    /// The model's weight (CROWDLAB).
    pub model_weight: Option<f64>,
    /// Each annotator's weight (CROWDLAB).
    pub annotator_weight: Option<Vec<f64>>,
    /// Examples whose majority vote stayed tied after every tie-break;
    /// cleanlab picks at random among the tied classes, assay the lowest.
    pub random_ties: Vec<usize>,
}

/// The input: `labels[example][annotator]` (`None`: not labelled) and the
/// model's probabilities, `probs[example * classes + class]`.
pub struct Annotations<'a> {
    labels: &'a [Vec<Option<usize>>],
    probs: &'a [f64],
    classes: usize,
}

impl<'a> Annotations<'a> {
    /// Checks the input as cleanlab does.
    pub fn new(
        labels: &'a [Vec<Option<usize>>],
        probs: &'a [f64],
        classes: usize,
    ) -> Result<Self, String> {
        let n = labels.len();
        let m = labels.first().map_or(0, Vec::len);
        if n == 0 || m <= 1 {
            return Err("multi-annotator labels need examples and more than one annotator".into());
        }
        if let Some(i) = labels.iter().position(|r| r.len() != m) {
            return Err(format!(
                "example {i} has {} annotators, the first {m}",
                labels[i].len()
            ));
        }
        if classes == 0 || probs.len() != n * classes {
            return Err(format!(
                "the predicted probabilities have {} values, {n} examples x {classes} classes expected",
                probs.len()
            ));
        }
        if let Some(i) = labels.iter().position(|r| r.iter().all(Option::is_none)) {
            return Err(format!("example {i} has no label; every example needs one"));
        }
        if let Some(j) = (0..m).find(|&j| labels.iter().all(|r| r[j].is_none())) {
            return Err(format!("annotator {j} labelled no example"));
        }
        if labels.iter().all(|r| r.iter().flatten().count() == 1) {
            return Err("every example has one label; use single-annotator label quality".into());
        }
        if let Some(c) = labels.iter().flatten().flatten().find(|&&c| c >= classes) {
            return Err(format!(
                "label {c} is not below the {classes} classes of the probabilities"
            ));
        }
        Ok(Annotations {
            labels,
            probs,
            classes,
        })
    }

    fn n(&self) -> usize {
        self.labels.len()
    }

    fn m(&self) -> usize {
        self.labels[0].len()
    }

    fn prob(&self, i: usize, c: usize) -> f64 {
        self.probs[i * self.classes + c]
    }
}

/// cleanlab's `get_label_quality_multiannotator(labels, pred_probs,
/// consensus_method=..., quality_method=...)`.
pub fn label_quality_multiannotator(
    input: &Annotations,
    consensus: Consensus,
    quality: QualityMethod,
) -> MultiannotatorReport {
    let num: Vec<usize> = input
        .labels
        .iter()
        .map(|r| r.iter().flatten().count())
        .collect();
    let (majority, random_ties) = majority_vote(input);
    let mv = consensus_stats(input, &num, &majority, quality);
    let (label, stats) = match consensus {
        Consensus::MajorityVote => (majority, mv),
        Consensus::BestQuality => {
            let best: Vec<usize> = (0..input.n())
                .map(|i| unique_argmax(&mv.post[i]).unwrap_or(majority[i]))
                .collect();
            let stats = consensus_stats(input, &num, &best, quality);
            (best, stats)
        }
    };
    let detailed: Vec<Vec<Option<f64>>> = input
        .labels
        .iter()
        .zip(&stats.post)
        .map(|(row, post)| row.iter().map(|l| l.map(|c| post[c])).collect())
        .collect();
    let annotators = annotator_stats(input, &num, &label, &stats, &detailed, quality);
    MultiannotatorReport {
        consensus_quality_score: stats.quality_score.clone(),
        annotator_agreement: stats.agreement.clone(),
        consensus_label: label,
        num_annotations: num,
        detailed_label_quality: detailed,
        annotators,
        model_weight: stats.model_weight,
        annotator_weight: stats.annotator_weight,
        random_ties,
    }
}

/// The one index of the largest value, if only one index has it.
fn unique_argmax(values: &[f64]) -> Option<usize> {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut at = values.iter().enumerate().filter(|(_, &v)| v == max);
    match (at.next(), at.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

/// The first index of the largest value (numpy's argmax).
fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

/// Keeps the candidates whose score is the extreme (`max` or min); NaN
/// scores, as numpy's comparisons, keep none.
fn keep_extreme(candidates: &[usize], score: impl Fn(usize) -> f64, max: bool) -> Vec<usize> {
    let scores: Vec<f64> = candidates.iter().map(|&c| score(c)).collect();
    if scores.iter().any(|s| s.is_nan()) {
        return Vec::new();
    }
    let pick = scores.iter().copied().fold(
        if max {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        },
        |a, b| {
            if max {
                a.max(b)
            } else {
                a.min(b)
            }
        },
    );
    candidates
        .iter()
        .zip(&scores)
        .filter(|(_, &s)| s == pick)
        .map(|(&c, _)| c)
        .collect()
}

/// numpy's mean (pairwise summation); NaN when empty.
fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let values: Vec<f64> = values.collect();
    pairwise_sum(&values) / values.len() as f64
}

/// cleanlab's `get_majority_vote_label` with the model's probabilities,
/// and the examples left to chance.
fn majority_vote(input: &Annotations) -> (Vec<usize>, Vec<usize>) {
    let k = input.classes;
    let counts: Vec<Vec<f64>> = input
        .labels
        .iter()
        .map(|row| {
            let mut c = vec![0.0; k];
            for &l in row.iter().flatten() {
                c[l] += 1.0;
            }
            c
        })
        .collect();
    let mut label = vec![0usize; input.n()];
    let mut tied: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut nontied = Vec::new();
    for (i, c) in counts.iter().enumerate() {
        let modes = keep_extreme(&(0..k).collect::<Vec<_>>(), |j| c[j], true);
        match modes[..] {
            [one] => {
                label[i] = one;
                nontied.push(i);
            }
            _ => tied.push((i, modes)),
        }
    }
    let frequency: Vec<f64> = (0..k).map(|j| counts.iter().map(|c| c[j]).sum()).collect();
    let agreement = nontied_agreement(input, &nontied, &label);
    let mut random = Vec::new();
    for (i, modes) in tied {
        let modes = break_tie(input, i, &modes, &frequency, &agreement);
        match modes[..] {
            [one] => label[i] = one,
            _ => {
                label[i] = modes.first().copied().unwrap_or(0);
                random.push(i);
            }
        }
    }
    (label, random)
}

/// The tied classes of example `i` that survive cleanlab's tie-breaks in
/// turn: the model's highest probability, the rarest class over all
/// labels, the highest mean agreement of the annotators who chose it.
fn break_tie(
    input: &Annotations,
    i: usize,
    modes: &[usize],
    frequency: &[f64],
    agreement: &[f64],
) -> Vec<usize> {
    let modes = keep_extreme(modes, |c| input.prob(i, c), true);
    if modes.len() <= 1 {
        return modes;
    }
    let modes = keep_extreme(&modes, |c| frequency[c], false);
    if modes.len() <= 1 {
        return modes;
    }
    let chose = |c: usize| {
        mean(
            input.labels[i]
                .iter()
                .enumerate()
                .filter(|(_, l)| **l == Some(c))
                .map(|(j, _)| agreement[j]),
        )
    };
    keep_extreme(&modes, chose, true)
}

/// Each annotator's agreement with the untied majority votes (missing ones
/// imputed with the mean of the others).
fn nontied_agreement(input: &Annotations, nontied: &[usize], label: &[usize]) -> Vec<f64> {
    let mut agreement: Vec<f64> =
        (0..input.m())
            .map(|j| {
                mean(nontied.iter().filter_map(|&i| {
                    input.labels[i][j].map(|l| f64::from(u8::from(l == label[i])))
                }))
            })
            .collect();
    let known = mean(agreement.iter().copied().filter(|a| !a.is_nan()));
    for a in agreement.iter_mut().filter(|a| a.is_nan()) {
        *a = known;
    }
    agreement
}

/// What a consensus implies: agreement, posterior probabilities, quality
/// scores and weights.
struct Stats {
    agreement: Vec<f64>,
    post: Vec<Vec<f64>>,
    quality_score: Vec<f64>,
    model_weight: Option<f64>,
    annotator_weight: Option<Vec<f64>>,
}

fn consensus_stats(
    input: &Annotations,
    num: &[usize],
    consensus: &[usize],
    quality: QualityMethod,
) -> Stats {
    let agreement: Vec<f64> = input
        .labels
        .iter()
        .zip(consensus)
        .zip(num)
        .map(|((row, &c), &n)| row.iter().filter(|l| **l == Some(c)).count() as f64 / n as f64)
        .collect();
    let (post, model_weight, annotator_weight) = match quality {
        QualityMethod::Crowdlab => {
            let (post, mw, aw) = crowdlab_posterior(input, num, consensus, &agreement);
            (post, Some(mw), Some(aw))
        }
        QualityMethod::Agreement => {
            let post = input
                .labels
                .iter()
                .zip(num)
                .map(|(row, &n)| {
                    let mut p = vec![0.0; input.classes];
                    for &l in row.iter().flatten() {
                        p[l] += 1.0;
                    }
                    p.iter().map(|c| c / n as f64).collect()
                })
                .collect();
            (post, None, None)
        }
    };
    let quality_score = match quality {
        QualityMethod::Crowdlab => post.iter().zip(consensus).map(|(p, &c)| p[c]).collect(),
        QualityMethod::Agreement => agreement.clone(),
    };
    Stats {
        agreement,
        post,
        quality_score,
        model_weight,
        annotator_weight,
    }
}

/// CROWDLAB's posterior: the model's probabilities and each annotator's
/// label, weighted by how much better than always naming the most common
/// class each does.
fn crowdlab_posterior(
    input: &Annotations,
    num: &[usize],
    consensus: &[usize],
    agreement: &[f64],
) -> (Vec<Vec<f64>>, f64, Vec<f64>) {
    let k = input.classes;
    let multi: Vec<usize> = (0..input.n()).filter(|&i| num[i] != 1).collect();
    let likelihood = mean(multi.iter().map(|&i| agreement[i]));
    let other_likelihood = (1.0 - likelihood) / (k as f64 - 1.0);
    let mut bincount = vec![0.0; k];
    for &i in &multi {
        bincount[consensus[i]] += 1.0;
    }
    let common = argmax(&bincount);
    let class_error = mean(
        multi
            .iter()
            .map(|&i| f64::from(u8::from(consensus[i] != common))),
    )
    .max(CLIPPING_LOWER_BOUND);
    let annotator_weight: Vec<f64> = agreement_with_annotators(input, num)
        .iter()
        .map(|a| (1.0 - (1.0 - a) / class_error).max(CLIPPING_LOWER_BOUND))
        .collect();
    let model_error = mean(multi.iter().map(|&i| {
        let row = &input.probs[i * k..(i + 1) * k];
        f64::from(u8::from(argmax(row) != consensus[i]))
    }));
    let mean_num = mean(num.iter().map(|&n| n as f64));
    let model_weight =
        (1.0 - model_error / class_error).max(CLIPPING_LOWER_BOUND) * mean_num.sqrt();
    let post = input
        .labels
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut total = 0.0;
            for (j, l) in row.iter().enumerate() {
                if l.is_some() {
                    total += annotator_weight[j];
                }
            }
            total += model_weight;
            (0..k)
                .map(|c| {
                    let mut p = input.prob(i, c) * model_weight;
                    for (j, l) in row.iter().enumerate() {
                        if let Some(l) = l {
                            let like = if *l == c {
                                likelihood
                            } else {
                                other_likelihood
                            };
                            p += annotator_weight[j] * like;
                        }
                    }
                    p / total
                })
                .collect()
        })
        .collect();
    (post, model_weight, annotator_weight)
}

/// Each annotator's agreement with the other annotators of the examples it
/// labelled (cleanlab's `_get_annotator_agreement_with_annotators`).
fn agreement_with_annotators(input: &Annotations, num: &[usize]) -> Vec<f64> {
    let mut agreement: Vec<f64> = (0..input.m())
        .map(|j| {
            let (mut sum, mut weights) = (0.0, 0.0);
            for (i, row) in input.labels.iter().enumerate() {
                let Some(mine) = row[j] else { continue };
                let w = num[i] as f64 - 1.0;
                if num[i] > 1 {
                    let same = row.iter().filter(|l| **l == Some(mine)).count() as f64;
                    sum += (same - 1.0) / w * w;
                }
                weights += w;
            }
            if weights == 0.0 {
                f64::NAN
            } else {
                sum / weights
            }
        })
        .collect();
    let known = mean(agreement.iter().copied().filter(|a| !a.is_nan()));
    for a in agreement.iter_mut().filter(|a| a.is_nan()) {
        *a = known;
    }
    agreement
}

fn annotator_stats(
    input: &Annotations,
    num: &[usize],
    consensus: &[usize],
    stats: &Stats,
    detailed: &[Vec<Option<f64>>],
    quality: QualityMethod,
) -> Vec<AnnotatorStats> {
    let m = input.m();
    let agrees =
        |i: usize, j: usize| input.labels[i][j].map(|l| f64::from(u8::from(l == consensus[i])));
    let on_shared: Vec<f64> = (0..m)
        .map(|j| {
            mean(
                (0..input.n())
                    .filter(|&i| num[i] != 1)
                    .filter_map(|i| agrees(i, j)),
            )
        })
        .collect();
    let quality: Vec<f64> = match (quality, stats.model_weight, &stats.annotator_weight) {
        (QualityMethod::Crowdlab, Some(mw), Some(aw)) => {
            let frac = mean(num.iter().map(|&n| n as f64)) / aw.len() as f64;
            let adjusted = aw.iter().sum::<f64>() * frac;
            let w = mw / (mw + adjusted);
            (0..m)
                .map(|j| {
                    let lqs = mean(detailed.iter().filter_map(|r| r[j]));
                    w * lqs + (1.0 - w) * on_shared[j]
                })
                .collect()
        }
        _ => on_shared,
    };
    (0..m)
        .map(|j| AnnotatorStats {
            annotator_quality: quality[j],
            agreement_with_consensus: mean((0..input.n()).filter_map(|i| agrees(i, j))),
            worst_class: worst_class(input, j, consensus, &stats.quality_score),
            num_examples_labeled: input.labels.iter().filter(|r| r[j].is_some()).count(),
        })
        .collect()
}

/// The class annotator `j` labels least accurately against the consensus;
/// ties go to the class it labels most, then to the one whose consensus
/// quality is highest, then to the lowest.
fn worst_class(input: &Annotations, j: usize, consensus: &[usize], score: &[f64]) -> usize {
    let k = input.classes;
    let (mut right, mut count, mut quality) = (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
    for (i, row) in input.labels.iter().enumerate() {
        if let Some(l) = row[j] {
            count[l] += 1.0;
            right[l] += f64::from(u8::from(l == consensus[i]));
            quality[l] += score[i];
        }
    }
    let used: Vec<usize> = (0..k).filter(|&c| count[c] > 0.0).collect();
    let mut candidates = keep_extreme(&used, |c| right[c] / count[c], false);
    if candidates.len() > 1 {
        candidates = keep_extreme(&candidates, |c| count[c], true);
    }
    if candidates.len() > 1 {
        candidates = keep_extreme(&candidates, |c| quality[c] / count[c], true);
    }
    candidates.first().copied().unwrap_or(0)
}
