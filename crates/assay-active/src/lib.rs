//! Active learning: which unlabelled samples to label next, and honest
//! evidence of whether a strategy helps.
//!
//! Strategies ([`strategy`]): uncertainty from a model's class
//! probabilities (least confidence, margin, entropy; Settles 2009,
//! "Active Learning Literature Survey"; for a detector each box is a
//! binary prediction and the image takes the max, mean or sum over its
//! boxes, as [`Aggregation`] names it), diversity from embeddings
//! (k-center greedy, the core-set approach of Sener & Savarese 2018), a
//! hybrid (the most uncertain sample of each of `budget` k-means clusters,
//! as Zhdanov 2019, "Diverse mini-batch Active Learning") and random, the
//! baseline. [`simulate`] runs the labelling loop on a labelled set with a
//! k-nearest-neighbour classifier over the embeddings ([`knn`]), revealing
//! labels as a person would, and records learning curves per strategy.

pub mod knn;
pub mod simulate;
pub mod strategy;

pub use simulate::{simulate, Curve, Simulation, SimulationOptions};
pub use strategy::{select, Aggregation, Pool, Strategy, Uncertainty};
