//! Box and polygon geometry.
//!
//! Boxes follow COCO's convention: `[x, y, width, height]` in pixels with the
//! origin at the top-left corner of the image. Masks live in [`crate::mask`].

mod bbox;
mod polygon;

pub use bbox::{bbox_iou_matrix, BBox};
pub use polygon::{polygon_area, polygon_bbox};
