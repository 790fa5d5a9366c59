//! Production monitoring: records a deployed model sends (what it saw and
//! made) are ingested into a stream, cut into windows by time or count,
//! measured per window and compared with a reference; alert rules fire on
//! windows that leave their bounds.
//!
//! - [`record`]: the records and labels as sent, checked with the JSON
//!   path of every mistake;
//! - [`ingest`]: storing them (images once by content hash), for the
//!   server and `assay ingest`;
//! - [`windows`]: a stream cut into windows, measured, with the
//!   reference bands;
//! - [`features`]: the metrics that need a model's vectors (embedding
//!   drift; a generator's FID and CLIPScore), embedded once per record;
//! - [`alerts`]: rules from `assay.toml`, evaluated on the windows, stored
//!   once and sent to stdout, a file or a webhook;
//! - [`view`]: what the Monitoring page shows, read without side effects.

pub mod alerts;
pub mod features;
pub mod ingest;
pub mod record;
pub mod view;
pub mod windows;
