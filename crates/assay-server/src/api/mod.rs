//! The JSON API's endpoints (see `API.md`), one module per page.

pub mod analysis;
pub mod explore;
pub mod export;
pub mod generative;
pub mod maps;
pub mod monitor;
pub mod overview;
pub mod quality;
pub mod review;
pub mod runs;
pub mod runs_table;
pub mod samples;
pub mod series;
pub mod tags;
