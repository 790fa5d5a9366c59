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

fn tokio_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")
}
