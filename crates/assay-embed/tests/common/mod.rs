//! Helpers shared by the model parity tests.
pub mod seeded;
