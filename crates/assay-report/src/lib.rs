//! A project's store rendered as a report: one self-contained HTML file
//! (inline CSS, inline SVG charts, images embedded as JPEG thumbnails, no
//! external requests) or a Markdown summary for CI comments.
//!
//! [`collect`] reads the store into a plain [`ReportData`]; [`html`] and
//! [`markdown`] render it. Every number is written with [`format`], the
//! rules the command line prints with, so the report and the CLI agree.

pub mod collect;
pub mod data;
pub mod escape;
pub mod format;
pub mod html;
pub mod markdown;
pub mod svg;
pub mod thumbs;

pub use collect::{collect, ReportOptions};
pub use data::ReportData;

/// What can go wrong while building a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Reading the project store failed.
    #[error("cannot read the project store: {0}")]
    Store(#[from] assay_store::StoreError),
    /// A failure analysis could not be computed.
    #[error("cannot analyse the project: {0}")]
    Analysis(String),
    /// The raw-numbers block could not be serialised.
    #[error("cannot serialise the report's data: {0}")]
    Json(#[from] serde_json::Error),
}

/// Result of building a report.
pub type Result<T, E = ReportError> = std::result::Result<T, E>;
