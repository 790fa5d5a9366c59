//! How far annotators agree: Cohen's kappa for two raters (unweighted,
//! linear, quadratic; scikit-learn's `cohen_kappa_score`), Fleiss' kappa
//! for many (statsmodels' `fleiss_kappa`), and Krippendorff's alpha for any
//! number of raters with missing values at every level of measurement (the
//! `krippendorff` package's `alpha`), which also takes a distance of the
//! caller's (1 - IoU between matched boxes); and consensus labels with
//! each annotator's quality from several annotators and a model (cleanlab's
//! CROWDLAB, `get_label_quality_multiannotator`).

mod boxes;
mod kappa;
mod krippendorff;
mod multiannotator;

pub use boxes::{box_alpha, units, AnnotatedBox, ImageAnnotations, Unit};
pub use kappa::{cohen_kappa, fleiss_kappa, FleissMethod, Weights};
pub use krippendorff::{alpha, alpha_from_coincidences, coincidences, MeasurementLevel};
pub use multiannotator::{
    label_quality_multiannotator, Annotations, AnnotatorStats, Consensus, MultiannotatorReport,
    QualityMethod,
};
