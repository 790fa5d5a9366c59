//! Progress of long steps, reported to whatever front end shows it (the
//! CLI draws bars on stderr; the server and tests show nothing).

/// Receives the progress of a workflow's long steps.
pub trait Progress: Sync {
    /// A step of `total` units named `what` (`images`, `embedding`) begins;
    /// `total` is 0 when the length is not known in advance.
    fn start(&self, what: &str, total: u64);
    /// `n` more units of the current step are done.
    fn advance(&self, n: u64);
    /// The current step is over.
    fn finish(&self);
}

/// Progress nobody watches.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
