//! Domain types and geometry shared by every assay crate.
//!
//! `assay-core` has no project dependencies. It holds what a dataset is made of
//! ([`model`]), the box and polygon helpers ([`geometry`]) and COCO-compatible
//! run-length encoded masks ([`mask`]) that reproduce `pycocotools.mask` exactly,
//! and the one union-find ([`union_find`]).

pub mod geometry;
pub mod mask;
pub mod model;
pub mod union_find;
