//! assay's application layer: the workflows a front end runs over a
//! project (evaluate a model and record the run, import a classifier's
//! output), and the typed run summaries every reader shares. The CLI, the
//! web server and the report call these; they parse, show and print.

pub mod analysis;
pub mod captions;
pub mod check;
pub mod classification;
#[cfg(feature = "embed")]
pub mod embed;
pub mod evaluate;
pub mod export;
pub mod generative;
pub mod import;
pub mod metrics;
pub mod monitor;
pub mod progress;
pub mod project;
pub mod quality;
pub mod review;
pub mod runs;
pub mod select;
pub mod semseg;
pub mod summary;
pub mod tables;
pub mod tracking;
