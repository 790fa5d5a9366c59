//! Domain types and geometry shared by every assay crate.
//!
//! `assay-core` has no project dependencies. It holds what a dataset is made of
//! ([`model`]), the box and polygon helpers ([`geometry`]) and COCO-compatible
//! run-length encoded masks ([`mask`]) that reproduce `pycocotools.mask` exactly,
//! the one union-find ([`union_find`]) and NumPy's portable `argsort`
//! ([`numpy_sort`]), whose order of ties exact results depend on.

pub mod geometry;
pub mod mask;
pub mod model;
pub mod numpy_sort;
pub mod shard;
pub mod union_find;
