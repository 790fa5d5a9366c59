//! Readers and writers for the dataset formats vision teams use.
//!
//! Each format has its own module that reads files into the format-neutral
//! types of [`assay_core::model`] and writes them back. Readers never panic:
//! a file that cannot be understood is an [`IoError`] naming the file, the
//! place in it and what was expected; a problem that leaves the data usable
//! is a [`Warning`], counted in the import summary.

pub mod coco;
pub mod cvat;
pub mod error;
pub mod folder;
pub mod generated;
pub mod images;
pub mod json;
pub mod labelme;
pub mod names;
pub mod npy;
pub mod npz;
pub mod output;
pub mod parquet_rows;
pub mod table;
pub mod voc;
pub mod yolo;

pub use error::{IoError, Result, Warning, Warnings};
