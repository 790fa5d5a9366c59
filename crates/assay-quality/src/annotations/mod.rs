//! Per-annotation metrics (size, shape, position, overlaps, frequency) and
//! the annotation issues derived from them: duplicate labels, tiny boxes,
//! boxes leaving the image and box shapes unusual for their class.

mod issues;
mod metrics;

pub use issues::{annotation_issues, AnnotationIssue, AnnotationIssueKind, AnnotationThresholds};
pub use metrics::{annotation_metrics, AnnotationMetrics};

#[cfg(test)]
mod tests;
