//! How far annotators agree: Cohen's kappa for two raters (unweighted,
//! linear, quadratic; scikit-learn's `cohen_kappa_score`), Fleiss' kappa
//! for many (statsmodels' `fleiss_kappa`), and Krippendorff's alpha for any
//! number of raters with missing values at every level of measurement (the
//! `krippendorff` package's `alpha`), which also takes a distance of the
//! caller's (1 - IoU between matched boxes).

mod kappa;
mod krippendorff;

pub use kappa::{cohen_kappa, fleiss_kappa, FleissMethod, Weights};
pub use krippendorff::{alpha, alpha_from_coincidences, coincidences, MeasurementLevel};
