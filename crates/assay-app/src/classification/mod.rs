//! Classification outside and inside a project: reading a classifier's
//! output files ([`files`]), the metrics report shared by `assay eval
//! classification` and classification runs ([`report`]), and importing a
//! classifier's output into a project ([`import`]).

pub mod files;
pub mod import;
pub mod inputs;
pub mod report;
