//! The production shell on a simulated network (turmoil): the real router of
//! `switchboard serve` ([`switchboard::server::prepare`]) answers HTTP and agent
//! WebSockets over simulated TCP with latency, partitions and dropped
//! connections, and nothing is lost or duplicated:
//!
//! - an admin client that retries `call_arrived` after a timeout creates every
//!   call exactly once: the call id makes the request idempotent, as the server
//!   refuses a call id used before with 409 `duplicate_call`, whether that call
//!   is still in progress (the engine) or has ended (the store's contact ids);
//! - an agent's desktop that loses its WebSocket (partition, or its own socket
//!   dropped) and reconnects with `after=<last seq>` receives every push exactly
//!   once, in order, up to the agent's `push_seq`;
//! - reconnecting over and over while pushes keep coming, with latency jitter,
//!   neither skips nor repeats a push.
//!
//! Only the sockets are simulated: the engine's actor runs on its own OS thread
//! with the wall clock, so the simulation is paced against real time
//! ([`run_paced`]) and the tests assert on outcomes, never on timings.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard::server::{EngineHandle, ServeOptions, prepare};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{Instant, sleep, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use turmoil::net::{TcpListener, TcpStream};

const CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../scenarios/configs/basic.toml"
);
const SERVER: &str = "server";
const PORT: u16 = 8080;
/// The support number of `basic.toml`.
const SUPPORT: &str = "+18005550100";
/// How long a client waits for a connection or an answer before giving up on it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// Between a failed attempt and the next.
const BACKOFF: Duration = Duration::from_millis(100);
/// How long a scripted partition lasts.
const PARTITION: Duration = Duration::from_millis(2500);
/// The longest a client waits for something the test expects to happen.
const PATIENCE: Duration = Duration::from_secs(20);
/// Simulated time runs at most this many times faster than real time, so that
/// the engine's thread (real time) answers well within [`REQUEST_TIMEOUT`].
const SPEEDUP: u32 = 3;

// ---------------------------------------------------------------------------
// The server on the simulated network.

/// Serves axum on turmoil's TCP listener.
struct SimListener(TcpListener);

impl axum::serve::Listener for SimListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            match self.0.accept().await {
                Ok(accepted) => return accepted,
                Err(_) => sleep(Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sb-net-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A prepared server: its router (with the test's fault layer), the admin
/// token, the engine's thread and the database folder.
struct Prepared {
    router: axum::Router,
    admin: String,
    engine: EngineHandle,
    dir: PathBuf,
}

impl Prepared {
    fn new(name: &str) -> Prepared {
        let dir = temp_dir(name);
        let p = prepare(&ServeOptions {
            config: CONFIG.into(),
            db: dir.join("switchboard.db"),
            listen: "0.0.0.0:8080".parse().expect("address"),
            virtual_phones: false,
            trace: None,
            snapshot_every: 10_000,
        })
        .expect("the server prepares");
        Prepared {
            router: p.router.layer(axum::middleware::from_fn(lose_response)),
            admin: p.admin_token.expect("a new database has an admin token"),
            engine: p.engine,
            dir,
        }
    }

    /// Runs the router on host [`SERVER`].
    fn serve(&self, sim: &mut turmoil::Sim<'_>) {
        let router = self.router.clone();
        sim.host(SERVER, move || {
            let router = router.clone();
            async move {
                let listener =
                    TcpListener::bind((IpAddr::from(Ipv4Addr::UNSPECIFIED), PORT)).await?;
                axum::serve(SimListener(listener), router).await?;
                Ok(())
            }
        });
    }

    fn stop(self) {
        self.engine.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The test's fault: a request carrying `x-lose-response: HOST` is handled as
/// usual, then the server is cut off from HOST (for [`PARTITION`]) before its
/// answer leaves: the input is committed and applied, the client never hears.
async fn lose_response(req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get("x-lose-response")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let res = next.run(req).await;
    if let Some(host) = host {
        cut(SERVER, &host);
    }
    res
}

/// Partitions `a` from `b` now and repairs the link after [`PARTITION`]. Runs
/// on the calling host, inside the simulation.
fn cut(a: &str, b: &str) {
    turmoil::partition(a, b);
    let (a, b) = (a.to_string(), b.to_string());
    tokio::spawn(async move {
        sleep(PARTITION).await;
        turmoil::repair(a.as_str(), b.as_str());
    });
}

fn sim(seed: u64, max_latency: Duration) -> turmoil::Sim<'static> {
    turmoil::Builder::new()
        .simulation_duration(Duration::from_secs(120))
        .tick_duration(Duration::from_millis(1))
        .min_message_latency(Duration::from_millis(1))
        .max_message_latency(max_latency)
        .rng_seed(seed)
        .build()
}

/// Runs the simulation to its end, simulated time never running more than
/// [`SPEEDUP`] times faster than real time.
fn run_paced(sim: &mut turmoil::Sim<'_>) -> turmoil::Result {
    let start = std::time::Instant::now();
    loop {
        if sim.step()? {
            return Ok(());
        }
        let due = sim.elapsed() / SPEEDUP;
        let real = start.elapsed();
        if due > real + Duration::from_millis(1) {
            std::thread::sleep(due - real);
        }
    }
}

// ---------------------------------------------------------------------------
// A small HTTP/1.1 client: one request per connection.

fn bad(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// Sends one request on a new connection and reads the whole answer:
/// (status, JSON body). Gives up after [`REQUEST_TIMEOUT`].
async fn http(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> io::Result<(u16, Value)> {
    timeout(
        REQUEST_TIMEOUT,
        exchange(method, path, token, body, headers),
    )
    .await
    .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no answer in time"))?
}

async fn exchange(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> io::Result<(u16, Value)> {
    let mut s = TcpStream::connect((SERVER, PORT)).await?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {SERVER}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        head += "Content-Type: application/json\r\n";
    }
    if let Some(t) = token {
        head += &format!("Authorization: Bearer {t}\r\n");
    }
    for (k, v) in headers {
        head += &format!("{k}: {v}\r\n");
    }
    head += "\r\n";
    head += &body;
    s.write_all(head.as_bytes()).await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> io::Result<(u16, Value)> {
    let text = std::str::from_utf8(raw).map_err(|_| bad("the answer is not UTF-8"))?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| bad(format!("an incomplete answer: {text:?}")))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(format!("a bad status line in {head:?}")))?;
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        dechunk(body)?
    } else {
        let len: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(body.len());
        if body.len() != len {
            return Err(bad(format!(
                "a truncated body: {} of {len} bytes",
                body.len()
            )));
        }
        body.to_string()
    };
    let value = if body.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).map_err(|e| bad(format!("{e}: {body}")))?
    };
    Ok((status, value))
}

fn dechunk(mut rest: &str) -> io::Result<String> {
    let mut out = String::new();
    loop {
        let (size, after) = rest
            .split_once("\r\n")
            .ok_or_else(|| bad("a truncated chunk"))?;
        let size = usize::from_str_radix(size.trim(), 16).map_err(|_| bad("a bad chunk size"))?;
        if size == 0 {
            return Ok(out);
        }
        let chunk = after.get(..size).ok_or_else(|| bad("a truncated chunk"))?;
        out += chunk;
        rest = after
            .get(size..)
            .and_then(|r| r.strip_prefix("\r\n"))
            .ok_or_else(|| bad("a truncated chunk"))?;
    }
}

/// A request that is safe to repeat, repeated until it is answered: returns
/// the first answer (whatever its status).
async fn until_answered(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let start = Instant::now();
    loop {
        match http(method, path, token, body, &[]).await {
            Ok((503, _)) | Err(_) => {}
            Ok(answer) => return answer,
        }
        assert!(
            start.elapsed() < PATIENCE,
            "{method} {path} was never answered"
        );
        sleep(BACKOFF).await;
    }
}

/// A request the test expects to succeed: 200, or a 409 refusal with one of
/// `already` (what a repeated request is refused with when an earlier attempt
/// went through). Returns the body.
async fn expect_ok(
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
    already: &[&str],
) -> Value {
    let (status, v) = until_answered(method, path, Some(token), body).await;
    let refused_as_done =
        status == 409 && already.iter().any(|code| v["error"].as_str() == Some(code));
    assert!(
        status == 200 || refused_as_done,
        "{method} {path}: {status} {v}"
    );
    v
}

async fn issue_agent_token(admin: &str, agent: &str) -> String {
    let v = expect_ok(
        "POST",
        "/api/admin/tokens",
        admin,
        Some(&json!({ "agent": agent })),
        &[],
    )
    .await;
    assert_eq!(v["subject"], format!("agent:{agent}"), "{v}");
    v["token"].as_str().expect("a token").to_string()
}

fn call_arrived(call: u64) -> Value {
    json!({"input": "call_arrived", "call": call, "from": format!("+1555000{call}"), "to": SUPPORT})
}

fn customer_hung_up(call: u64) -> Value {
    json!({"input": "customer_hung_up", "call": call})
}

/// An admin's raw input, repeated until answered; a repeated `call_arrived`
/// refused as `duplicate_call` went through earlier.
async fn admin_input(admin: &str, input: Value) {
    expect_ok(
        "POST",
        "/api/admin/inputs",
        admin,
        Some(&input),
        &["duplicate_call"],
    )
    .await;
}

/// The agent logs in and makes itself available (a repeat is refused as done).
async fn log_in_available(token: &str) {
    expect_ok(
        "POST",
        "/api/agent/login",
        token,
        None,
        &["already_logged_in"],
    )
    .await;
    expect_ok(
        "POST",
        "/api/agent/available",
        token,
        None,
        &["already_in_state"],
    )
    .await;
}

/// The agent's `push_seq`: the sequence number of its last push.
async fn push_seq(token: &str) -> u64 {
    let v = expect_ok("GET", "/api/agent", token, None, &[]).await;
    v["push_seq"]
        .as_u64()
        .unwrap_or_else(|| panic!("no push_seq in {v}"))
}

/// Waits (in simulated time) until `done` holds.
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "waited too long for {what}");
        sleep(Duration::from_millis(10)).await;
    }
}

fn shared<T: Default>() -> Rc<RefCell<T>> {
    Rc::new(RefCell::new(T::default()))
}

// ---------------------------------------------------------------------------
// a. Requests under latency and partitions.

const ADMIN: &str = "admin";
const AGENT: &str = "agent";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    None,
    /// The client is cut off from the server before its first attempt.
    LoseRequest,
    /// The server applies the first attempt, then is cut off before answering.
    LoseResponse,
}

/// How one intended call went.
#[derive(Debug)]
struct Delivery {
    call: u64,
    fault: Fault,
    attempts: u32,
    /// Attempts with no answer (timeout, broken connection).
    unanswered: u32,
    /// The status of the answer that ended the retries: 200 created, 409 already there.
    answer: u16,
}

/// Creates call `call`, retrying after a timeout with the same call id until
/// the server answers that it created it (200) or that it already exists (409
/// `duplicate_call`: an earlier attempt went through).
async fn deliver_call(admin: &str, call: u64, fault: Fault) -> Delivery {
    let mut d = Delivery {
        call,
        fault,
        attempts: 0,
        unanswered: 0,
        answer: 0,
    };
    if fault == Fault::LoseRequest {
        cut(ADMIN, SERVER);
    }
    let body = call_arrived(call);
    loop {
        d.attempts += 1;
        let headers: &[(&str, &str)] = if fault == Fault::LoseResponse && d.attempts == 1 {
            &[("x-lose-response", ADMIN)]
        } else {
            &[]
        };
        match http(
            "POST",
            "/api/admin/inputs",
            Some(admin),
            Some(&body),
            headers,
        )
        .await
        {
            Ok((200, v)) => {
                assert_eq!(v["call"], call, "{v}");
                d.answer = 200;
                return d;
            }
            Ok((409, v)) if v["error"] == "duplicate_call" => {
                d.answer = 409;
                return d;
            }
            Ok((503, _)) => {}
            Ok((status, v)) => panic!("call {call}: {status} {v}"),
            Err(_) => d.unanswered += 1,
        }
        assert!(d.attempts < 100, "call {call} never went through: {d:?}");
        sleep(BACKOFF).await;
    }
}

/// What the admin sees at the end.
#[derive(Debug, Default)]
struct Outcome {
    deliveries: Vec<Delivery>,
    created: u64,
    live_tasks: u64,
    /// The customer call of every live task, one entry per task.
    customers: Vec<u64>,
    agent_logged_in: bool,
}

/// The customer call ids of every live task, through the admin's views.
async fn live_customers(admin: &str) -> Vec<u64> {
    let state = expect_ok("GET", "/api/admin/state", admin, None, &[]).await;
    let mut tasks = BTreeSet::new();
    for q in state["queues"].as_array().expect("queues") {
        for w in q["waiting"].as_array().expect("waiting") {
            tasks.insert(w["task"].as_u64().expect("task"));
        }
    }
    for a in state["agents"].as_array().expect("agents") {
        for t in a["tasks"].as_array().expect("tasks") {
            tasks.insert(t["task"].as_u64().expect("task"));
        }
    }
    let mut customers = Vec::new();
    for t in tasks {
        let v = expect_ok("GET", &format!("/api/admin/tasks/{t}"), admin, None, &[]).await;
        assert_eq!(v["customer"]["leg"], "customer", "{v}");
        customers.push(v["customer"]["id"].as_u64().expect("call id"));
    }
    customers
}

const CALLS: u64 = 12;

fn fault_of(call: u64) -> Fault {
    match call {
        4 => Fault::LoseRequest,
        8 => Fault::LoseResponse,
        _ => Fault::None,
    }
}

#[test]
fn retried_requests_create_every_call_exactly_once() {
    let server = Prepared::new("retries");
    let mut sim = sim(7, Duration::from_millis(40));
    server.serve(&mut sim);
    let agent_token: Rc<RefCell<Option<String>>> = shared();
    let outcome: Rc<RefCell<Outcome>> = shared();

    let (token, out) = (agent_token.clone(), outcome.clone());
    sim.client(AGENT, async move {
        wait_until("the agent's token", || token.borrow().is_some()).await;
        let t = token.borrow().clone().expect("token");
        log_in_available(&t).await;
        out.borrow_mut().agent_logged_in = true;
        Ok(())
    });

    let (admin, token, out) = (server.admin.clone(), agent_token.clone(), outcome.clone());
    sim.client(ADMIN, async move {
        *token.borrow_mut() = Some(issue_agent_token(&admin, "a1").await);
        wait_until("the agent's login", || out.borrow().agent_logged_in).await;
        for call in 1..=CALLS {
            let d = deliver_call(&admin, call, fault_of(call)).await;
            out.borrow_mut().deliveries.push(d);
        }
        let stats = expect_ok("GET", "/api/admin/stats", &admin, None, &[]).await;
        let customers = live_customers(&admin).await;
        let mut o = out.borrow_mut();
        o.created = stats["counters"]["tasks"]["created"]
            .as_u64()
            .expect("created");
        o.live_tasks = stats["live_tasks"].as_u64().expect("live tasks");
        o.customers = customers;
        Ok(())
    });

    run_paced(&mut sim).expect("the simulation completes");
    server.stop();

    let o = outcome.borrow();
    for d in &o.deliveries {
        match d.fault {
            // A refusal on the first attempt would mean the id was used before.
            Fault::None => assert!(d.answer == 200 || d.attempts > 1, "{d:?}"),
            // Never reached the server: created by a retry.
            Fault::LoseRequest => assert!(d.unanswered >= 1 && d.answer == 200, "{d:?}"),
            // Created by the lost attempt: the retry is refused as a duplicate.
            Fault::LoseResponse => assert!(d.unanswered >= 1 && d.answer == 409, "{d:?}"),
        }
    }
    let intended: Vec<u64> = o.deliveries.iter().map(|d| d.call).collect();
    assert_eq!(intended, (1..=CALLS).collect::<Vec<_>>());
    assert!(o.agent_logged_in);
    // Nothing lost, nothing duplicated.
    assert_eq!(o.created, CALLS, "tasks created: {o:?}");
    assert_eq!(o.live_tasks, CALLS, "live tasks: {o:?}");
    let mut customers = o.customers.clone();
    customers.sort_unstable();
    assert_eq!(customers, (1..=CALLS).collect::<Vec<_>>(), "{o:?}");
}

/// How the retried call of [`a_retry_after_the_call_ended_does_not_create_it_again`] went.
#[derive(Debug, Default)]
struct LateRetry {
    hung_up: bool,
    /// The answer to the retry: (status, body).
    retry: Option<(u16, Value)>,
    created: u64,
    live_tasks: u64,
}

const PHONES: &str = "phones";

/// The retry of a `call_arrived` whose answer was lost can reach the server
/// after the call ended (the caller hung up meanwhile, reported by telephony on
/// a healthy link). The call id was used: the retry should be refused like a
/// retry while the call is in progress, and no second task created.
#[test]
fn a_retry_after_the_call_ended_does_not_create_it_again() {
    let server = Prepared::new("late-retry");
    let mut sim = sim(5, Duration::from_millis(20));
    server.serve(&mut sim);
    let state: Rc<RefCell<LateRetry>> = shared();

    let (admin, st) = (server.admin.clone(), state.clone());
    sim.client(PHONES, async move {
        // The call is in (the admin's answer is lost on the way back)...
        wait_until_created(&admin, 1).await;
        // ...and its caller hangs up before the admin's retry gets through.
        admin_input(&admin, customer_hung_up(1)).await;
        st.borrow_mut().hung_up = true;
        Ok(())
    });

    let (admin, st) = (server.admin.clone(), state.clone());
    sim.client(ADMIN, async move {
        let body = call_arrived(1);
        let lost = http(
            "POST",
            "/api/admin/inputs",
            Some(&admin),
            Some(&body),
            &[("x-lose-response", ADMIN)],
        )
        .await;
        assert!(lost.is_err(), "the answer was not lost: {lost:?}");
        wait_until("the hang-up", || st.borrow().hung_up).await;
        let retry = until_answered("POST", "/api/admin/inputs", Some(&admin), Some(&body)).await;
        let stats = expect_ok("GET", "/api/admin/stats", &admin, None, &[]).await;
        let mut s = st.borrow_mut();
        s.retry = Some(retry);
        s.created = stats["counters"]["tasks"]["created"]
            .as_u64()
            .expect("created");
        s.live_tasks = stats["live_tasks"].as_u64().expect("live tasks");
        Ok(())
    });

    run_paced(&mut sim).expect("the simulation completes");
    server.stop();

    let s = state.borrow();
    assert!(s.hung_up);
    let (status, _) = s.retry.as_ref().expect("the retry was answered");
    assert_eq!(*status, 409, "the late retry was not refused: {s:?}");
    assert_eq!(s.created, 1, "a second task was created: {s:?}");
    assert_eq!(s.live_tasks, 0, "a phantom call is live: {s:?}");
}

/// Waits until the engine created `n` tasks.
async fn wait_until_created(admin: &str, n: u64) {
    let start = Instant::now();
    loop {
        let stats = expect_ok("GET", "/api/admin/stats", admin, None, &[]).await;
        if stats["counters"]["tasks"]["created"].as_u64() >= Some(n) {
            return;
        }
        assert!(start.elapsed() < PATIENCE, "{n} tasks were never created");
        sleep(BACKOFF).await;
    }
}

// ---------------------------------------------------------------------------
// b. and c. The agent's WebSocket across reconnects.

const OPS: &str = "ops";
const DESK: &str = "desk";
/// A desktop that hears nothing (not even a pong) for this long reconnects.
const SILENCE: Duration = Duration::from_secs(1);
/// A quiet desktop pings the server this often.
const PING_EVERY: Duration = Duration::from_millis(200);

type Ws = WebSocketStream<TcpStream>;

/// Opens the agent's push stream after sequence `after`.
async fn open_ws(token: &str, after: u64) -> io::Result<Ws> {
    let url = format!("ws://{SERVER}:{PORT}/api/agent/ws?after={after}&token={token}");
    let open = async {
        let stream = TcpStream::connect((SERVER, PORT)).await?;
        tokio_tungstenite::client_async(url, stream)
            .await
            .map(|(ws, _)| ws)
            .map_err(io::Error::other)
    };
    timeout(REQUEST_TIMEOUT, open)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no upgrade in time"))?
}

/// One connection of the desktop: the `after` it opened with and the
/// sequence numbers it received, in order.
#[derive(Debug, Default)]
struct Connection {
    after: u64,
    seqs: Vec<u64>,
}

/// What the desktop saw, shared with the host that drives the scenario.
#[derive(Debug, Default)]
struct Desk {
    token: Option<String>,
    connections: Vec<Connection>,
    /// Messages that were not pushes (`gap`, `lagged`, anything else).
    unexpected: Vec<String>,
    /// The last sequence number seen.
    last: u64,
    /// Set by the driver: close the socket and stay away until `resume`.
    go_away: bool,
    /// Set by the desktop once it closed the socket for `go_away`.
    away: bool,
    resume: bool,
    /// Set by the driver at the end: the agent's `push_seq`, to read up to.
    done_at: Option<u64>,
}

impl Desk {
    fn received(&mut self, text: &str) {
        let seq = serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| v["push"].is_object().then(|| v["seq"].as_u64())?);
        match seq {
            Some(seq) => {
                self.connections
                    .last_mut()
                    .expect("a connection")
                    .seqs
                    .push(seq);
                self.last = seq;
            }
            None => self.unexpected.push(text.to_string()),
        }
    }

    fn finished(&self) -> bool {
        self.done_at.is_some_and(|d| self.last >= d)
    }

    /// Every sequence number received, over every connection, in order.
    fn all_seqs(&self) -> Vec<u64> {
        self.connections
            .iter()
            .flat_map(|c| c.seqs.iter().copied())
            .collect()
    }
}

/// What ends a connection of the desktop.
enum Ended {
    /// The desktop is finished.
    Finished,
    /// The connection broke, or went silent: reconnect.
    Broken,
    /// The driver asked the desktop to go away for a while.
    Away,
}

/// Reads pushes until the connection ends, pinging when it is quiet; after
/// `budget` pushes the desktop drops the socket itself (a browser reload).
async fn read_pushes(
    ws: &mut Ws,
    desk: &Rc<RefCell<Desk>>,
    budget: Option<usize>,
    deadline: Instant,
) -> Ended {
    let mut heard = Instant::now();
    let mut read = 0;
    loop {
        assert!(
            Instant::now() < deadline,
            "the desktop never read up to the end: {:?}",
            desk.borrow()
        );
        if desk.borrow().finished() {
            return Ended::Finished;
        }
        if desk.borrow().go_away && !desk.borrow().away {
            return Ended::Away;
        }
        if budget.is_some_and(|b| read >= b) {
            return Ended::Broken;
        }
        match timeout(PING_EVERY, ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                heard = Instant::now();
                read += 1;
                desk.borrow_mut().received(text.as_str());
            }
            Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => return Ended::Broken,
            Ok(Some(Ok(_))) => heard = Instant::now(),
            Err(_) if heard.elapsed() >= SILENCE => return Ended::Broken,
            Err(_) => {
                let _ = timeout(PING_EVERY, ws.send(Message::Ping(Vec::new().into()))).await;
            }
        }
    }
}

/// The agent's desktop: connects with `after=0`, and after any break
/// reconnects with `after=<last seq seen>`, until it has read up to
/// `done_at`. With `budgets`, drops its socket after that many pushes on each
/// connection in turn (cycling).
async fn desktop(desk: Rc<RefCell<Desk>>, budgets: &[usize]) {
    wait_until("the agent's token", || desk.borrow().token.is_some()).await;
    let token = desk.borrow().token.clone().expect("token");
    let deadline = Instant::now() + 3 * PATIENCE;
    loop {
        assert!(
            Instant::now() < deadline,
            "the desktop never read up to the end: {:?}",
            desk.borrow()
        );
        if desk.borrow().finished() {
            return;
        }
        let after = desk.borrow().last;
        let Ok(mut ws) = open_ws(&token, after).await else {
            sleep(BACKOFF).await;
            continue;
        };
        let budget = {
            let mut d = desk.borrow_mut();
            d.connections.push(Connection {
                after,
                seqs: Vec::new(),
            });
            (!budgets.is_empty()).then(|| budgets[(d.connections.len() - 1) % budgets.len()])
        };
        match read_pushes(&mut ws, &desk, budget, deadline).await {
            Ended::Finished => return,
            Ended::Broken => drop(ws),
            Ended::Away => {
                drop(ws);
                desk.borrow_mut().away = true;
                wait_until("the end of the break", || desk.borrow().resume).await;
            }
        }
    }
}

/// The pushes received are exactly 1..=`push_seq`, each once and in order,
/// and every connection picked up right after the `after` it gave.
fn assert_exactly_once(desk: &Desk, push_seq: u64) {
    assert!(
        desk.unexpected.is_empty(),
        "not pushes: {:?}",
        desk.unexpected
    );
    let all = desk.all_seqs();
    let expected: Vec<u64> = (1..=push_seq).collect();
    assert_eq!(
        all,
        expected,
        "over {} connections: {:?}",
        desk.connections.len(),
        desk.connections
    );
    for c in &desk.connections {
        let want: Vec<u64> = (c.after + 1..).take(c.seqs.len()).collect();
        assert_eq!(c.seqs, want, "a connection after {}: {c:?}", c.after);
    }
}

#[test]
fn a_reconnecting_desktop_gets_every_push_exactly_once() {
    let server = Prepared::new("ws-reconnect");
    let mut sim = sim(11, Duration::from_millis(30));
    server.serve(&mut sim);
    let desk: Rc<RefCell<Desk>> = shared();
    // (push_seq before the partition, push_seq when it was repaired).
    let partition: Rc<RefCell<(u64, u64)>> = shared();
    let away: Rc<RefCell<(u64, u64)>> = shared();

    let d = desk.clone();
    sim.client(DESK, async move {
        desktop(d, &[]).await;
        Ok(())
    });

    let (admin, d, part, gone) = (
        server.admin.clone(),
        desk.clone(),
        partition.clone(),
        away.clone(),
    );
    sim.client(OPS, async move {
        let token = issue_agent_token(&admin, "a1").await;
        d.borrow_mut().token = Some(token.clone());
        // Connected: the login, availability and an offer are pushed.
        log_in_available(&token).await;
        admin_input(&admin, call_arrived(1)).await;
        let before = push_seq(&token).await;
        wait_until("the first pushes", || d.borrow().last >= before).await;

        // The desktop is cut off while the offer is withdrawn and others come.
        turmoil::partition(DESK, SERVER);
        admin_input(&admin, customer_hung_up(1)).await;
        admin_input(&admin, call_arrived(2)).await;
        admin_input(&admin, customer_hung_up(2)).await;
        admin_input(&admin, call_arrived(3)).await;
        sleep(PARTITION).await;
        let during = push_seq(&token).await;
        turmoil::repair(DESK, SERVER);
        *part.borrow_mut() = (before, during);
        wait_until("the desktop to catch up after the partition", || {
            d.borrow().last >= during
        })
        .await;

        // The desktop drops its own socket; pushes go on while it is away.
        d.borrow_mut().go_away = true;
        wait_until("the desktop to go away", || d.borrow().away).await;
        let left = push_seq(&token).await;
        admin_input(&admin, customer_hung_up(3)).await;
        admin_input(&admin, call_arrived(4)).await;
        admin_input(&admin, customer_hung_up(4)).await;
        admin_input(&admin, call_arrived(5)).await;
        let back = push_seq(&token).await;
        *gone.borrow_mut() = (left, back);
        d.borrow_mut().resume = true;

        // Live again.
        admin_input(&admin, customer_hung_up(5)).await;
        let last = push_seq(&token).await;
        d.borrow_mut().done_at = Some(last);
        Ok(())
    });

    run_paced(&mut sim).expect("the simulation completes");
    server.stop();

    let desk = desk.borrow();
    let (before, during) = *partition.borrow();
    let (left, back) = *away.borrow();
    assert!(
        during > before,
        "no pushes during the partition: {before} {during}"
    );
    assert!(
        back > left,
        "no pushes while the desktop was away: {left} {back}"
    );
    assert!(desk.connections.len() >= 3, "{:?}", desk.connections);
    assert_exactly_once(&desk, desk.done_at.expect("the end"));
}

#[test]
fn reconnecting_over_and_over_under_jitter_never_repeats_a_push() {
    let server = Prepared::new("ws-storm");
    // Up to 100 ms per segment: segments of one connection overtake each
    // other (TCP puts them back in order) and connections overlap.
    let mut sim = sim(23, Duration::from_millis(100));
    server.serve(&mut sim);
    let desk: Rc<RefCell<Desk>> = shared();

    let d = desk.clone();
    sim.client(DESK, async move {
        // Drops the socket after 0, 1, 3 or 2 pushes, over and over.
        desktop(d, &[0, 1, 3, 2]).await;
        Ok(())
    });

    let (admin, d) = (server.admin.clone(), desk.clone());
    sim.client(OPS, async move {
        let token = issue_agent_token(&admin, "a1").await;
        d.borrow_mut().token = Some(token.clone());
        log_in_available(&token).await;
        for call in 1..=15 {
            admin_input(&admin, call_arrived(call)).await;
            admin_input(&admin, customer_hung_up(call)).await;
        }
        let last = push_seq(&token).await;
        d.borrow_mut().done_at = Some(last);
        Ok(())
    });

    run_paced(&mut sim).expect("the simulation completes");
    server.stop();

    let desk = desk.borrow();
    let last = desk.done_at.expect("the end");
    assert!(last >= 30, "too few pushes to tell: {last}");
    assert!(desk.connections.len() >= 10, "{:?}", desk.connections);
    assert_exactly_once(&desk, last);
}
