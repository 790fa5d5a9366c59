//! The explorer: datasets held as in-memory columns and the queries over
//! them.

pub mod query;
pub mod table;
