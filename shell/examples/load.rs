//! Load tool for `switchboard serve` (see BENCHMARKS.md): starts the server
//! in-process on a fresh database, then measures
//!
//! 1. durable inputs per second through the API: `--clients` keep-alive
//!    clients send inputs as fast as they can for `--seconds`; every one is
//!    committed to the SQLite log (group commit) before it is answered, and
//!    the log's length is checked against the count;
//! 2. action latency at a fixed rate: agents' actions (`--rate` per second,
//!    open loop: latency is measured from each action's scheduled time, so a
//!    stall is not hidden) for `--seconds`; p50, p99 and max.
//!
//! `cargo run --release -p switchboard --example load -- [--clients N] [--rate R] [--seconds S]`

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use switchboard::client::Client;
use switchboard::server::{ServeOptions, start};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The log's length, from the admin's statistics.
fn log_entries(addr: SocketAddr, admin: &str) -> u64 {
    let mut c = Client::connect(addr).expect("connect");
    let (_, stats) = c
        .request("GET", "/api/admin/stats", Some(admin), None)
        .expect("stats");
    serde_json::from_str::<serde_json::Value>(&stats).expect("json")["log_entries"]
        .as_u64()
        .expect("log_entries")
}

/// `clients` keep-alive clients post `body` (carrying `per_request` inputs) as
/// fast as they can for `seconds`. Returns the inputs answered, the time taken
/// and the log's length after; checks that every answered input was logged.
fn durable_inputs(
    addr: SocketAddr,
    admin: &str,
    clients: u64,
    body: &str,
    per_request: u64,
    seconds: u64,
) -> (u64, f64, u64) {
    let before = log_entries(addr, admin);
    let count = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (count, stop) = (count.clone(), stop.clone());
            let (admin, body) = (admin.to_string(), body.to_string());
            std::thread::spawn(move || {
                let mut c = Client::connect(addr).expect("connect");
                while !stop.load(Ordering::Relaxed) {
                    let (status, text) = c
                        .request("POST", "/api/admin/inputs", Some(&admin), Some(&body))
                        .expect("request");
                    assert!(status == 200 || status == 409, "{status} {text}");
                    count.fetch_add(per_request, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("client");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = count.load(Ordering::Relaxed);
    let after = log_entries(addr, admin);
    assert!(
        after - before >= n,
        "{n} inputs answered but only {} logged",
        after - before
    );
    (n, elapsed, after)
}

fn main() {
    let clients = arg("--clients", 32);
    let rate = arg("--rate", 1000);
    let seconds = arg("--seconds", 5);
    let dir = std::env::temp_dir().join(format!("sb-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/configs/basic.toml"
    ));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt
        .block_on(start(ServeOptions {
            config,
            db: dir.join("load.db"),
            listen: "127.0.0.1:0".parse().expect("address"),
            virtual_phones: false,
            trace: None,
            snapshot_every: u64::MAX,
        }))
        .expect("the server starts");
    let addr = server.addr;
    let admin = server.admin_token.clone().expect("admin token");

    // 1. Durable inputs per second, one input per request...
    let one = r#"{"input":"customer_hung_up","call":999999999}"#;
    let (n, elapsed, logged) = durable_inputs(addr, &admin, clients, one, 1, seconds);
    println!(
        "durable inputs: {n} in {elapsed:.2} s = {:.0} inputs/s ({clients} clients; {logged} log entries)",
        n as f64 / elapsed
    );
    // 1b. ...and in lists of `--batch` per request (as a telephony gateway
    // sends its events).
    let batch = arg("--batch", 20);
    let list = format!("[{}]", vec![one; batch as usize].join(","));
    let (n2, elapsed, _) = durable_inputs(addr, &admin, clients.min(8), &list, batch, seconds);
    println!(
        "durable inputs, {batch} per request: {n2} in {elapsed:.2} s = {:.0} inputs/s ({} clients)",
        n2 as f64 / elapsed,
        clients.min(8)
    );
    let mut c = Client::connect(addr).expect("connect");

    // 2. Latency at a fixed rate of agents' actions.
    let mut tokens = Vec::new();
    for a in ["a1", "a2", "a3"] {
        let (_, t) = c
            .request(
                "POST",
                "/api/admin/tokens",
                Some(&admin),
                Some(&format!("{{\"agent\":\"{a}\"}}")),
            )
            .expect("token");
        let v: serde_json::Value = serde_json::from_str(&t).expect("json");
        tokens.push(v["token"].as_str().expect("token").to_string());
    }
    let senders = 16u64;
    let per = rate as f64 / senders as f64;
    let start_at = Instant::now() + Duration::from_millis(100);
    let threads: Vec<_> = (0..senders)
        .map(|i| {
            let token = tokens[i as usize % 3].clone();
            std::thread::spawn(move || {
                let mut c = Client::connect(addr).expect("connect");
                let mut lat = Vec::new();
                let total = (per * seconds as f64) as u64;
                for k in 0..total {
                    let due = start_at
                        + Duration::from_secs_f64((k as f64 + i as f64 / senders as f64) / per);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let path = match k % 4 {
                        0 => "/api/agent/login",
                        1 => "/api/agent/available",
                        2 => "/api/agent/logout",
                        _ => "/api/agent",
                    };
                    let method = if k % 4 == 3 { "GET" } else { "POST" };
                    let (status, text) = c
                        .request(method, path, Some(&token), None)
                        .expect("request");
                    assert!(status == 200 || status == 409, "{status} {text}");
                    lat.push(Instant::now().duration_since(due));
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("sender"))
        .collect();
    lat.sort();
    let q = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "actions at {rate}/s for {seconds} s: {} actions, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        q(0.50).as_secs_f64() * 1e3,
        q(0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    rt.block_on(server.shutdown());
    let _ = std::fs::remove_dir_all(&dir);
}
