//! The `assay` binary: parses the command line and runs one command.

#[macro_use]
mod output;
mod cli;
mod commands;
mod demo;
mod tracking;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let started = std::time::Instant::now();
    end_quietly_on_closed_output();
    let cli = cli::Cli::parse();
    let tracker = tracking::Tracker::start(&cli, started);
    let code: u8 = match commands::run(cli) {
        Ok(()) => 0,
        // The reader went away (`| head`): not an error of ours.
        Err(err) if is_broken_pipe(&err) => 0,
        Err(err) => {
            eprintln!("error: {err:#}");
            err.downcast_ref::<commands::check::CheckExit>()
                .map_or(1, |e| e.code())
        }
    };
    if let Some(tracker) = tracker {
        tracker.finish(i32::from(code));
    }
    std::process::ExitCode::from(code)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Restores the default action of SIGPIPE, which Rust's runtime ignores:
/// when the reader of our output goes away (`assay info | head -1`), the
/// process ends at its next write, quietly, as `cat` and `grep` do, instead
/// of `println!` panicking with "failed printing to stdout". Store writes
/// are transactions, so ending mid-command leaves the project as it was.
fn end_quietly_on_closed_output() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any
    // thread is started has no memory-safety requirements.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
