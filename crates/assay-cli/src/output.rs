//! Terminal output: progress bars, tables and warning summaries, and
//! [`outln!`] for everything a command prints on stdout.

/// `println!` that hands back the write's error instead of panicking, so a
/// closed stdout (`assay scan DIR --json | head`) ends the command quietly:
/// `main` treats a broken pipe as a normal exit.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressStyle};

use assay_io::Warnings;

/// A progress bar on stderr for `len` steps; hidden when stderr is not a terminal.
pub fn progress(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    let style = ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

/// A counter on stderr for work of unknown length.
pub fn spinner(what: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    let style = ProgressStyle::with_template("{spinner} {msg}: {pos}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

/// A table with a header row, in the house style.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    t
}

/// Prints warning counts and the first few warnings to stderr.
pub fn print_warnings(warnings: &Warnings) {
    if warnings.is_empty() {
        return;
    }
    let counts: Vec<String> = warnings
        .counts()
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    eprintln!("warnings: {}", counts.join(", "));
    const SHOWN: usize = 5;
    for w in warnings.all().iter().take(SHOWN) {
        eprintln!("  {w}");
    }
    if warnings.all().len() > SHOWN {
        eprintln!("  ... and {} more", warnings.all().len() - SHOWN);
    }
}

/// Progress bars on stderr for the application layer's long steps.
#[derive(Default)]
pub struct Bars {
    bar: std::sync::Mutex<Option<ProgressBar>>,
}

impl assay_app::progress::Progress for Bars {
    fn start(&self, what: &str, total: u64) {
        let bar = match total {
            0 => spinner(what),
            n => progress(n as usize, what),
        };
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(slot) = self.bar.lock() {
            if let Some(bar) = slot.as_ref() {
                bar.inc(n);
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }
}
