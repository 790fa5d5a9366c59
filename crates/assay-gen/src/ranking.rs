//! Worst prompts: order prompts by one of their per-prompt metrics
//! (CLIPScore, diversity, near-duplicate count, ...), worst first.

use std::collections::BTreeMap;

use crate::GenError;

/// Which end of a metric is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Worse {
    /// Low values are bad (CLIPScore, diversity).
    Lower,
    /// High values are bad (near-duplicate count, outlier share).
    Higher,
}

/// One prompt and its metric values by name.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct PromptMetrics {
    /// The prompt text (or an id).
    pub prompt: String,
    /// Metric values by name; a metric may be missing for some prompts.
    pub values: BTreeMap<String, f64>,
}

/// A prompt's place in a ranking.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RankedPrompt {
    /// The prompt's position in the input.
    pub index: usize,
    /// The prompt text.
    pub prompt: String,
    /// Its value of the ranking metric.
    pub value: f64,
}

/// The prompts with a finite value of `metric`, worst first (ties keep the
/// input order), at most `limit` of them when given.
///
/// Prompts without the metric, or with NaN or infinity, are left out. An
/// error when no prompt has the metric at all (a misspelt name), naming
/// the metrics there are.
pub fn worst_prompts(
    prompts: &[PromptMetrics],
    metric: &str,
    worse: Worse,
    limit: Option<usize>,
) -> Result<Vec<RankedPrompt>, GenError> {
    if !prompts.is_empty() && !prompts.iter().any(|p| p.values.contains_key(metric)) {
        return Err(unknown_metric(prompts, metric));
    }
    let mut ranked: Vec<RankedPrompt> = prompts
        .iter()
        .enumerate()
        .filter_map(|(index, p)| {
            let value = *p.values.get(metric)?;
            value.is_finite().then(|| RankedPrompt {
                index,
                prompt: p.prompt.clone(),
                value,
            })
        })
        .collect();
    ranked.sort_by(|a, b| match worse {
        Worse::Lower => a.value.total_cmp(&b.value),
        Worse::Higher => b.value.total_cmp(&a.value),
    });
    ranked.truncate(limit.unwrap_or(usize::MAX));
    Ok(ranked)
}

fn unknown_metric(prompts: &[PromptMetrics], metric: &str) -> GenError {
    let mut names: Vec<&str> = prompts
        .iter()
        .flat_map(|p| p.values.keys().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    GenError::Shape(format!(
        "no prompt has the metric '{metric}'; the metrics are: {}",
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(name: &str, values: &[(&str, f64)]) -> PromptMetrics {
        PromptMetrics {
            prompt: name.into(),
            values: values.iter().map(|&(k, v)| (k.to_string(), v)).collect(),
        }
    }

    fn order(ranked: &[RankedPrompt]) -> Vec<&str> {
        ranked.iter().map(|r| r.prompt.as_str()).collect()
    }

    #[test]
    fn orders_worst_first_in_either_direction() {
        let prompts = [
            prompt("a", &[("clip", 0.30), ("dups", 0.0)]),
            prompt("b", &[("clip", 0.20), ("dups", 3.0)]),
            prompt("c", &[("clip", 0.25), ("dups", 3.0)]),
            prompt("d", &[("dups", 1.0)]),
            prompt("e", &[("clip", f64::NAN)]),
        ];
        let low = worst_prompts(&prompts, "clip", Worse::Lower, None).unwrap();
        assert_eq!(order(&low), ["b", "c", "a"]);
        assert_eq!((low[0].index, low[0].value), (1, 0.20));
        let high = worst_prompts(&prompts, "dups", Worse::Higher, Some(3)).unwrap();
        // b and c tie: input order.
        assert_eq!(order(&high), ["b", "c", "d"]);
    }

    #[test]
    fn unknown_metrics_and_empty_input() {
        let prompts = [prompt("a", &[("clip", 0.3), ("diversity", 0.5)])];
        let e = worst_prompts(&prompts, "clipscore", Worse::Lower, None).unwrap_err();
        assert!(
            e.to_string().contains("the metrics are: clip, diversity"),
            "{e}"
        );
        assert!(worst_prompts(&[], "clip", Worse::Lower, None)
            .unwrap()
            .is_empty());
        assert!(worst_prompts(&prompts, "clip", Worse::Lower, Some(0))
            .unwrap()
            .is_empty());
    }
}
