//! `assay serve`: the web UI on the project.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result};
use assay_server::AppState;

use clap::Args;

/// Options of `assay serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port, printed).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Address to listen on. Anything but loopback requires an access token.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Require this access token (default: none on loopback, a random one
    /// elsewhere).
    #[arg(long)]
    pub token: Option<String>,
    /// A folder whose image files ingested records may name by path
    /// (repeatable; without it, records must carry their images' bytes).
    #[arg(long = "ingest-images", value_name = "DIR")]
    pub ingest_images: Vec<std::path::PathBuf>,
}

/// Opens the project, loads its datasets and serves until Ctrl-C.
pub fn run(project: &Path, args: &ServeArgs) -> Result<()> {
    let token = match (&args.token, args.host.is_loopback()) {
        (Some(t), _) if t.trim().is_empty() => anyhow::bail!("--token must not be empty"),
        (Some(t), _) => Some(t.clone()),
        (None, true) => None,
        (None, false) => Some(assay_server::new_token()),
    };
    let state = AppState::open(project, token.clone())?;
    if !args.ingest_images.is_empty() {
        let policy = assay_app::monitor::ingest::ImagePolicy::under(&args.ingest_images)?;
        state.allow_ingest_paths(policy);
    }
    start_watcher(state.root.clone());
    eprintln!("Loading the project's datasets ...");
    state.preload().map_err(|e| anyhow::anyhow!(e.message))?;
    let runtime = tokio_runtime()?;
    runtime.block_on(async {
        let addr = SocketAddr::new(args.host, args.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let bound = listener.local_addr()?;
        let shown = if bound.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            bound.ip().to_string()
        };
        let host = if bound.is_ipv6() {
            format!("[{shown}]")
        } else {
            shown
        };
        let mut url = format!("http://{host}:{}/", bound.port());
        if let Some(t) = &token {
            url.push_str(&format!("?token={t}"));
        }
        println!("Serving {} at {url}", state.root.display());
        println!("Press Ctrl-C to stop.");
        std::io::stdout().flush()?;
        assay_server::serve(listener, state)
            .await
            .context("the server failed")
    })
}

/// How often the server evaluates the project's alert rules.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Evaluates the alert rules of `<project>/assay.toml` every
/// [`WATCH_EVERY`] while the server runs (as `assay monitor` does: new
/// records embedded when a model is configured, each alert stored once,
/// new ones sent to their sinks).
fn start_watcher(root: std::path::PathBuf) {
    use assay_app::monitor::{alerts::watch, view::project_config};
    let config = match project_config(&root) {
        Ok(c) if c.rules.is_empty() && !c.features.any() => return,
        Ok(c) => c,
        Err(e) => {
            eprintln!("warning: alert rules are not evaluated: {e:#}");
            return;
        }
    };
    eprintln!(
        "Watching the streams every {} s ({} alert rules).",
        WATCH_EVERY.as_secs(),
        config.rules.len()
    );
    std::thread::spawn(move || loop {
        std::thread::sleep(WATCH_EVERY);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let watched = assay_store::Store::open(&root)
            .map_err(anyhow::Error::from)
            .and_then(|mut store| {
                // Nothing ingested yet: nothing to watch.
                if store.monitor_streams()?.is_empty() {
                    return Ok(Vec::new());
                }
                watch(&mut store, &config, now, &assay_app::progress::Quiet)
            });
        match watched {
            Ok(streams) => {
                for w in streams.iter().filter(|w| !w.new_alerts.is_empty()) {
                    eprintln!("{} new alerts on {}", w.new_alerts.len(), w.windows.stream);
                }
            }
            Err(e) => eprintln!("warning: evaluating the alert rules failed: {e:#}"),
        }
    });
}

fn tokio_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")
}
