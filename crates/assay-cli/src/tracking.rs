//! Tracked command runs: every command that computes (evaluate, quality,
//! embed, gen eval, analyze, check) is recorded in its project with its
//! arguments, the files it was given (hashed), the assay version, the git
//! commit of the working directory, its wall and CPU time and its peak
//! memory, as `getrusage` reports them for this process, and the
//! evaluation runs it recorded.

use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use assay_app::tracking::{git_state, input_hashes};
use assay_store::{CommandRun, Store};

use crate::cli::{Cli, Command};
use crate::commands::gen::GenCommand;

/// A command being tracked.
pub struct Tracker {
    started: Instant,
    started_unix: f64,
    command: String,
    project: PathBuf,
    args: Vec<String>,
    runs_before: i64,
}

impl Tracker {
    /// Starts tracking `cli`'s command when it computes and its project
    /// opens; `None` otherwise.
    pub fn start(cli: &Cli, started: Instant) -> Option<Tracker> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let command = tracked(&cli.command, &args)?;
        let project = cli.project.clone().unwrap_or_else(|| PathBuf::from("."));
        let runs_before = Store::open(&project).ok()?.last_run_id().ok()?;
        let started_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
            - started.elapsed().as_secs_f64();
        Some(Tracker {
            started,
            started_unix,
            command,
            project,
            args,
            runs_before,
        })
    }

    /// Records the run with `exit_code`; a failure to record is a warning,
    /// not the command's failure.
    pub fn finish(self, exit_code: i32) {
        if let Err(e) = self.record(exit_code) {
            eprintln!(
                "warning: this run of `{}` was not tracked: {e:#}",
                self.command
            );
        }
    }

    fn record(&self, exit_code: i32) -> anyhow::Result<()> {
        // The process's whole life, as GNU time counts it (loading the
        // binary included), where the system says when it began.
        let wall_s = process_age().unwrap_or_else(|| self.started.elapsed().as_secs_f64());
        let usage = usage();
        let mut store = Store::open(&self.project)?;
        let cwd = std::env::current_dir()?;
        let (git_commit, git_dirty) = git_state(&cwd);
        let run = CommandRun {
            id: 0,
            command: self.command.clone(),
            args: self.args.clone(),
            started_at: String::new(),
            wall_s,
            user_s: usage.user_s,
            system_s: usage.system_s,
            peak_rss_kib: usage.peak_rss_kib,
            assay_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit,
            git_dirty,
            exit_code,
            inputs: input_hashes(&self.args),
            recorded_runs: store.runs_after(self.runs_before)?,
        };
        store.record_command(&run, self.started_unix)?;
        Ok(())
    }
}

/// The name a computing command is tracked under; `None` for the others.
fn tracked(command: &Command, args: &[String]) -> Option<String> {
    let after = |word: &str| {
        let at = args.iter().position(|a| a == word)?;
        args.get(at + 1).map(|sub| format!("{word} {sub}"))
    };
    match command {
        Command::Evaluate(_) => Some("evaluate".into()),
        Command::Quality(_) => Some("quality".into()),
        Command::Embed(_) => Some("embed".into()),
        Command::Check(_) => Some("check".into()),
        Command::Monitor(_) => Some("monitor".into()),
        Command::Analyze(_) => after("analyze"),
        Command::Metrics(_) => after("metrics").filter(|name| name != "metrics list"),
        Command::Gen(GenCommand::Eval(_)) => Some("gen eval".into()),
        _ => None,
    }
}

/// Seconds since the kernel started this process (`/proc/self/stat`'s
/// start time, in clock ticks since boot, against the boot-time clock);
/// `None` where that cannot be read.
fn process_age() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Field 22; the command name (field 2) may hold spaces and ')'.
    let after_name = stat.rsplit_once(')')?.1;
    let start_ticks: f64 = after_name.split_whitespace().nth(19)?.parse().ok()?;
    // SAFETY: sysconf reads a constant; clock_gettime writes into the
    // zeroed struct we own.
    let ticks_per_s = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let mut now: libc::timespec = unsafe { std::mem::zeroed() };
    if ticks_per_s <= 0.0 || unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut now) } != 0 {
        return None;
    }
    let now_s = now.tv_sec as f64 + now.tv_nsec as f64 / 1e9;
    let age = now_s - start_ticks / ticks_per_s;
    (age >= 0.0).then_some(age)
}

/// This process's resource usage so far.
struct Usage {
    user_s: f64,
    system_s: f64,
    peak_rss_kib: i64,
}

fn usage() -> Usage {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } == 0;
    if !ok {
        return Usage {
            user_s: f64::NAN,
            system_s: f64::NAN,
            peak_rss_kib: 0,
        };
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Usage {
        user_s: secs(ru.ru_utime),
        system_s: secs(ru.ru_stime),
        // Linux reports kilobytes.
        peak_rss_kib: ru.ru_maxrss,
    }
}
