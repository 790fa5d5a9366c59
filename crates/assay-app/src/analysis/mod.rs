//! Failure analysis over a project: which measurements of the data predict
//! a run's failures ([`importance`]), how the run performs across a
//! metric's range ([`buckets`]), which slices of the data fail
//! ([`slices`]), whether two groups of samples differ ([`drift`]) and
//! whether one run is really better than another ([`compare`]). The
//! statistics live in `assay-analysis`; this module gathers their inputs
//! from the store and shapes typed results every front end shows.

pub mod buckets;
pub mod compare;
pub mod drift;
pub mod importance;
pub mod slices;
pub mod table;
