//! Crash recovery: serve under load, kill -9, restart; the state the restarted
//! server shows equals a clean replay of its input log, and no input the
//! server acknowledged is missing from the log.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use switchboard::client::Client;
use switchboard::server::recover::options;
use switchboard::server::store::Store;
use switchboard::server::views;
use switchboard_core::{Input, Tenant};
use switchboard_sim::inputlog::{Entry, InputLog, replay_log_with};

const CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../scenarios/configs/basic.toml"
);

/// Starts `switchboard serve` on a free port: (child, address, admin token if new).
/// The caller kills and waits for the child.
#[allow(clippy::zombie_processes)]
fn serve(db: &Path) -> (Child, SocketAddr, Option<String>) {
    serve_with(db, &[])
}

/// [`serve`] with more options.
#[allow(clippy::zombie_processes)]
fn serve_with(db: &Path, extra: &[&str]) -> (Child, SocketAddr, Option<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "serve",
            "--config",
            CONFIG,
            "--listen",
            "127.0.0.1:0",
            "--snapshot-every",
            "40",
        ])
        .args(extra)
        .arg("--db")
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut admin = None;
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).expect("read") > 0,
            "the server stopped"
        );
        if let Some(t) = line.strip_prefix("admin token (shown once, keep it): ") {
            admin = Some(t.trim().to_string());
        }
        if let Some(rest) = line.split("on http://").nth(1) {
            let addr = rest.split_whitespace().next().expect("address");
            // Keep reading stdout so the child never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut sink = String::new();
                while out.read_line(&mut sink).unwrap_or(0) > 0 {
                    sink.clear();
                }
            });
            return (child, addr.parse().expect("socket address"), admin);
        }
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sb-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn a_killed_server_restarts_with_everything_it_accepted() {
    let dir = temp_dir("crash");
    let db = dir.join("switchboard.db");
    let (mut child, addr, admin) = serve(&db);
    let admin = admin.expect("a new database prints its admin token");
    let mut c = Client::connect(addr).expect("connect");
    let mut tokens = Vec::new();
    for a in ["a1", "a2", "a3"] {
        let body = format!("{{\"agent\":\"{a}\"}}");
        let (status, text) = c
            .request("POST", "/api/admin/tokens", Some(&admin), Some(&body))
            .expect("token");
        assert_eq!(status, 200, "{text}");
        tokens.push(json(&text)["token"].as_str().expect("token").to_string());
    }

    // Load: four clients; calls arrive and hang up, agents come and go and
    // answer their phones. Every acknowledged call is remembered.
    let acknowledged = Arc::new(Mutex::new(Vec::<u64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for n in 0..4u64 {
        let (acknowledged, stop, admin) = (acknowledged.clone(), stop.clone(), admin.clone());
        let token = tokens[n as usize % 3].clone();
        clients.push(std::thread::spawn(move || {
            let Ok(mut c) = Client::connect(addr) else { return };
            for i in 0.. {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let call = n * 1_000_000 + i + 1;
                let (path, body, tok) = match i % 6 {
                    0 | 3 => (
                        "/api/admin/inputs",
                        format!("{{\"input\":\"call_arrived\",\"call\":{call},\"from\":\"+1555{call}\",\"to\":\"+18005550100\"}}"),
                        &admin,
                    ),
                    1 => ("/api/agent/login", String::new(), &token),
                    2 => ("/api/agent/phone", "{\"event\":\"answered\"}".into(), &token),
                    4 => (
                        "/api/admin/inputs",
                        format!("{{\"input\":\"customer_hung_up\",\"call\":{}}}", call - 1),
                        &admin,
                    ),
                    _ => ("/api/agent/available", String::new(), &token),
                };
                match c.request("POST", path, Some(tok), Some(&body)) {
                    Ok((200 | 409, _)) => {
                        if i % 6 == 0 || i % 6 == 3 {
                            acknowledged.lock().expect("lock").push(call);
                        }
                    }
                    Ok((status, text)) => panic!("{path}: {status} {text}"),
                    Err(_) => return, // killed
                }
            }
        }));
    }
    let started = Instant::now();
    while acknowledged.lock().expect("lock").len() < 300
        && started.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().expect("client");
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(
        acknowledged.len() >= 300,
        "only {} calls went through",
        acknowledged.len()
    );

    // Nothing acknowledged is lost.
    let logged: Vec<u64> = {
        let (store, _, _) = Store::open(&db, || unreachable!()).expect("open");
        store
            .read_log(0)
            .expect("log")
            .entries()
            .iter()
            .filter_map(|e| match e {
                Entry::Input {
                    input: Input::CallArrived { call, .. },
                    ..
                } => Some(call.0),
                _ => None,
            })
            .collect()
    };
    for call in &acknowledged {
        assert!(
            logged.contains(call),
            "call {call} was acknowledged but is not in the log"
        );
    }

    // Restart: what the server shows equals a clean replay of the log up to the
    // same entry.
    let (mut child, addr, again) = serve(&db);
    assert_eq!(again, None, "the admin token is kept");
    let mut c = Client::connect(addr).expect("connect");
    let (status, text) = c
        .request("GET", "/api/admin/state", Some(&admin), None)
        .expect("state");
    assert_eq!(status, 200, "{text}");
    let shown = json(&text);
    let entries = shown["log_entries"].as_u64().expect("log_entries");
    let (store, meta, _) = Store::open(&db, || unreachable!()).expect("open");
    let mut log = InputLog::new();
    for e in store
        .read_log(0)
        .expect("log")
        .entries()
        .iter()
        .take(entries as usize)
    {
        match e.clone() {
            Entry::Input { at, input } => log.push_input(at, input),
            Entry::Timeout { at } => log.push_timeout(at),
        }
    }
    let tenant = Arc::new(Tenant::from_toml(&meta.config).expect("config"));
    let engine = replay_log_with(tenant, options(&meta), &log, |_, _, _| {});
    let replayed = views::state(&engine, entries);
    assert_eq!(
        shown, replayed,
        "the restarted server differs from a clean replay"
    );
    assert!(
        shown["live_tasks"].as_u64().unwrap_or(0) > 0,
        "the test should leave live tasks to compare"
    );
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_flight_recorder_prints_the_trace_the_server_wrote() {
    let dir = temp_dir("recorder");
    let db = dir.join("switchboard.db");
    let trace = dir.join("trace.txt");
    let trace_arg = trace.to_string_lossy().to_string();
    let (mut child, addr, admin) = serve_with(&db, &["--virtual-phones", "--trace", &trace_arg]);
    let admin = admin.expect("admin token");
    let mut c = Client::connect(addr).expect("connect");
    let (_, t) = c
        .request(
            "POST",
            "/api/admin/tokens",
            Some(&admin),
            Some("{\"agent\":\"a1\"}"),
        )
        .expect("token");
    let a1 = json(&t)["token"].as_str().expect("token").to_string();
    let (status, _) = c
        .request("POST", "/api/agent/login", Some(&a1), None)
        .expect("login");
    assert_eq!(status, 200);
    let call = r#"{"from":"+15551234567","to":"+18005550100","talk_s":1}"#;
    let (status, text) = c
        .request("POST", "/api/admin/calls", Some(&admin), Some(call))
        .expect("call");
    assert_eq!(status, 200, "{text}");
    std::thread::sleep(Duration::from_millis(1200));
    let (status, text) = c
        .request("POST", "/api/agent/tasks/1/accept", Some(&a1), None)
        .expect("accept");
    assert_eq!(status, 200, "{text}");
    std::thread::sleep(Duration::from_millis(1500));
    let (status, text) = c
        .request(
            "POST",
            "/api/agent/tasks/1/wrap_up",
            Some(&a1),
            Some("{\"reason\":\"Resolved\"}"),
        )
        .expect("wrap up");
    assert_eq!(status, 200, "{text}");
    child.kill().expect("kill");
    let _ = child.wait();
    let written = std::fs::read_to_string(&trace).expect("trace");
    assert!(written.contains("closed: handled"), "{written}");
    let replayed = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["replay", "--from-db"])
        .arg(&db)
        .output()
        .expect("replay");
    assert!(replayed.status.success());
    assert_eq!(String::from_utf8_lossy(&replayed.stdout), written);
    let _ = std::fs::remove_dir_all(&dir);
}
