//! Helpers shared by the parity tests.
pub mod seeded;
