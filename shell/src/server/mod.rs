//! `switchboard serve`: the production shell around the engine.
//!
//! - [`store`]: the SQLite database (WAL): input log, snapshots, tokens;
//! - [`actor`]: the thread that owns the engine, with group commit;
//! - [`recover`]: rebuilding the engine at start from snapshot + log;
//! - [`snapshot`]: saving the engine's state for fast restarts;
//! - [`api`] and [`ws`]: the HTTP API and the agents' WebSockets (axum);
//! - [`requests`]: API requests by name, resolved into engine inputs;
//! - [`views`]: read-only views of the engine;
//! - [`auth`]: tokens, stored hashed;
//! - [`virtual_phones`]: virtual parties standing in for telephony in demos.
//!
//! Every input is committed to the log before the engine sees it, so a crash
//! loses nothing that was acknowledged, and the log replays in the simulator
//! (`switchboard replay --from-db`) to the same trace.

pub mod actor;
pub mod api;
pub mod auth;
pub mod recover;
pub mod requests;
pub mod snapshot;
pub mod store;
pub mod views;
pub mod virtual_phones;
pub mod ws;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::mpsc::sync_channel;

use switchboard_core::Tenant;

use actor::{Actor, Clock, Command, unix_micros};
use auth::Tokens;
use store::{Meta, Store};

/// How the server is started.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub config: PathBuf,
    pub db: PathBuf,
    pub listen: SocketAddr,
    pub virtual_phones: bool,
    pub trace: Option<PathBuf>,
    pub snapshot_every: u64,
}

/// Commands waiting for the actor before the API answers 503 busy.
const QUEUE: usize = 65_536;

/// The server's parts before any socket: the engine's actor running on its
/// thread, and the HTTP router that talks to it. [`start`] serves the router
/// on a TCP listener; tests may serve it on a simulated network (turmoil).
pub struct Prepared {
    pub router: axum::Router,
    /// The admin token, when this start created it (a new database).
    pub admin_token: Option<String>,
    /// Entries replayed at start.
    pub replayed: u64,
    pub tenant_name: String,
    pub engine: EngineHandle,
}

/// The engine's actor thread, to stop it.
pub struct EngineHandle {
    tx: std::sync::mpsc::SyncSender<Command>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EngineHandle {
    /// Asks the actor to save a snapshot and stop, and waits for it.
    pub fn stop(mut self) {
        let (reply, rx) = tokio::sync::oneshot::channel();
        if self.tx.send(Command::Shutdown { reply }).is_ok() {
            let _ = rx.blocking_recv();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    /// The admin token, when this start created it (a new database).
    pub admin_token: Option<String>,
    /// Entries replayed at start.
    pub replayed: u64,
    pub tenant_name: String,
    engine: EngineHandle,
    http: tokio::task::JoinHandle<()>,
    stop_http: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    /// Stops gracefully: no new requests, the actor saves a snapshot and stops.
    pub async fn shutdown(mut self) {
        if let Some(s) = self.stop_http.take() {
            let _ = s.send(());
        }
        let _ = (&mut self.http).await;
        let engine = self.engine;
        let _ = tokio::task::spawn_blocking(move || engine.stop()).await;
    }
}

/// Starts the server on a TCP listener (see [`prepare`]).
pub async fn start(opts: ServeOptions) -> Result<Server, String> {
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    let p = prepare(&opts)?;
    let app = p.router;
    let (stop_http, stopped) = tokio::sync::oneshot::channel::<()>();
    let http = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(Server {
        addr,
        admin_token: p.admin_token,
        replayed: p.replayed,
        tenant_name: p.tenant_name,
        engine: p.engine,
        http,
        stop_http: Some(stop_http),
    })
}

/// Opens (or creates) the database, rebuilds the engine, applies the
/// configuration file if it changed, and starts the engine's thread. Errors
/// are one sentence.
pub fn prepare(opts: &ServeOptions) -> Result<Prepared, String> {
    let text = std::fs::read_to_string(&opts.config)
        .map_err(|e| format!("cannot read configuration {}: {e}", opts.config.display()))?;
    Tenant::from_toml(&text).map_err(|e| {
        format!(
            "configuration {} is not valid: {}",
            opts.config.display(),
            e.0.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let (mut store, meta, created) = Store::open(&opts.db, || Meta {
        epoch_unix_micros: unix_micros(),
        config: text.clone(),
    })
    .map_err(|e| e.0)?;
    let tokens = Tokens::new(store.tokens().map_err(|e| e.0)?);
    let mut admin_token = None;
    if !tokens.has_admin() {
        let (token, digest) = auth::new_token();
        store.add_token(&digest, "admin").map_err(|e| e.0)?;
        tokens.insert(digest, "admin".into());
        admin_token = Some(token);
    }
    let r = recover::recover(&store, &meta)?;
    let replayed = r.replayed;
    let clock = Clock::new(meta.epoch_unix_micros, r.last_at);
    // A configuration file that differs from the one in force is applied as a
    // logged reconfiguration, through the actor like any input (so that its
    // pushes and trace lines go out): validated whole and applied at once, or
    // the start fails.
    let reconfigure = (!created && text != r.config).then(|| text.clone());
    let trace = match &opts.trace {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| format!("cannot open trace file {}: {e}", p.display()))?,
        )),
        None => None,
    };
    let tenant_name = r.engine.tenant().name.clone();
    let (tx, rx) = sync_channel(QUEUE);
    let actor = Actor::new(
        r.engine,
        store,
        clock,
        r.pushes,
        opts.virtual_phones.then(virtual_phones::VirtualPhones::new),
        trace,
        tokens.clone(),
        r.config,
        opts.snapshot_every,
        r.next_call,
    );
    let actor = std::thread::Builder::new()
        .name("engine".into())
        .spawn(move || actor.run(rx))
        .map_err(|e| format!("cannot start the engine's thread: {e}"))?;
    let engine = EngineHandle {
        tx: tx.clone(),
        thread: Some(actor),
    };
    if let Some(config) = reconfigure {
        let (reply, answer) = std::sync::mpsc::channel();
        let refused = match tx.send(Command::StartupReconfigure { config, reply }) {
            Ok(()) => match answer.recv() {
                Ok(Ok(_)) => None,
                Ok(Err(e)) => Some(e.message),
                Err(_) => Some("the engine stopped".to_string()),
            },
            Err(_) => Some("the engine stopped".to_string()),
        };
        if let Some(why) = refused {
            engine.stop();
            return Err(format!(
                "configuration {} cannot be applied to the running state: {why}",
                opts.config.display()
            ));
        }
    }
    let router = api::router(api::AppState {
        tx: tx.clone(),
        tokens,
    });
    Ok(Prepared {
        router,
        admin_token,
        replayed,
        tenant_name,
        engine,
    })
}

/// `switchboard serve`: runs until SIGTERM or SIGINT, then stops gracefully.
pub fn run(opts: ServeOptions) -> std::process::ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let db = opts.db.clone();
        let server = match start(opts).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        if let Some(t) = &server.admin_token {
            println!("admin token (shown once, keep it): {t}");
        }
        println!(
            "switchboard serving tenant \"{}\" on http://{} (database {}, {} log entries replayed)",
            server.tenant_name,
            server.addr,
            db.display(),
            server.replayed
        );
        wait_for_signal().await;
        println!("stopping: saving a snapshot");
        server.shutdown().await;
        std::process::ExitCode::SUCCESS
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
