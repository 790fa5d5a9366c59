//! The `assay` binary: parses the command line and runs one command.

#[macro_use]
mod output;
mod cli;
mod commands;
mod demo;

use clap::Parser;

fn main() -> std::process::ExitCode {
    end_quietly_on_closed_output();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // The reader went away (`| head`): not an error of ours.
        Err(err) if is_broken_pipe(&err) => std::process::ExitCode::SUCCESS,
        Err(err) if err.is::<commands::check::CheckExit>() => {
            let exit = err.downcast_ref::<commands::check::CheckExit>();
            eprintln!("error: {err:#}");
            std::process::ExitCode::from(exit.map_or(1, |e| e.code()))
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
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
