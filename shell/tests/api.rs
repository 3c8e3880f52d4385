//! The API's security and its answers to bad requests, end to end against
//! `switchboard serve` in-process (scenarios/configs/center.toml):
//!
//! - requests without a valid token are 401, an agent's token on an admin
//!   endpoint (and the reverse) 403, an agent acting on another's task 403
//!   `not_your_task`;
//! - a secure variable's value reaches no one but the handling agent, and only
//!   in the push that answers that agent's reveal;
//! - every malformed request gets a 4xx JSON error with a one-sentence
//!   message, never a 500;
//! - a revoked token stops working at once (its push stream too), and the last
//!   admin token cannot be revoked.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use switchboard::client::Client;
use switchboard::server::{ServeOptions, Server, start};
use tokio::runtime::Runtime;
use tokio_tungstenite::tungstenite::Message;

const CARD: &str = "4111111111111111";

struct Api {
    rt: Runtime,
    server: Option<Server>,
    addr: SocketAddr,
    admin: String,
    dir: PathBuf,
}

impl Api {
    fn start(name: &str) -> Api {
        let dir = std::env::temp_dir().join(format!("sb-api-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let server = rt
            .block_on(start(ServeOptions {
                config: PathBuf::from(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../scenarios/configs/center.toml"
                )),
                db: dir.join("api.db"),
                listen: "127.0.0.1:0".parse().expect("address"),
                virtual_phones: false,
                trace: None,
                snapshot_every: 1000,
            }))
            .expect("the server starts");
        let (addr, admin) = (server.addr, server.admin_token.clone().expect("admin"));
        Api {
            rt,
            server: Some(server),
            addr,
            admin,
            dir,
        }
    }

    /// (status, JSON body) of one request on a new connection.
    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, Value) {
        let mut c = Client::connect(self.addr).expect("connect");
        let (status, text) = c.request(method, path, token, body).expect("an answer");
        let v = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
        };
        (status, v)
    }

    fn ok(&self, method: &str, path: &str, token: &str, body: Option<&str>) -> Value {
        let (status, v) = self.call(method, path, Some(token), body);
        assert_eq!(status, 200, "{method} {path}: {v}");
        v
    }

    fn token(&self, agent: &str) -> String {
        let v = self.ok(
            "POST",
            "/api/admin/tokens",
            &self.admin,
            Some(&json!({ "agent": agent }).to_string()),
        );
        v["token"].as_str().expect("token").to_string()
    }

    /// A call to support, offered to a1 (the only agent logged in), accepted.
    fn call_for_a1(&self, a1: &str) {
        self.ok("POST", "/api/agent/login", a1, None);
        let arrive =
            json!({"input": "call_arrived", "call": 1, "from": "+15550001", "to": "+18005550100"});
        self.ok(
            "POST",
            "/api/admin/inputs",
            &self.admin,
            Some(&arrive.to_string()),
        );
        self.ok("POST", "/api/agent/tasks/1/accept", a1, None);
    }

    /// Every push of an agent's stream up to its `push_seq` now (the texts).
    fn pushes(&self, token: &str) -> Vec<String> {
        let last = self.ok("GET", "/api/agent", token, None)["push_seq"]
            .as_u64()
            .expect("push_seq");
        let url = format!("ws://{}/api/agent/ws?after=0&token={token}", self.addr);
        self.rt.block_on(async {
            let (mut ws, _) = tokio_tungstenite::connect_async(url)
                .await
                .expect("upgrade");
            let mut out = Vec::new();
            while out.len() < last as usize {
                let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
                    .await
                    .expect("a push in time")
                    .expect("the stream is open")
                    .expect("a message");
                if let Message::Text(t) = m {
                    out.push(t.to_string());
                }
            }
            out
        })
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A 4xx JSON error whose message is one sentence.
fn assert_refusal(what: &str, status: u16, v: &Value) {
    assert!((400..500).contains(&status), "{what}: status {status}: {v}");
    let code = v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no error code: {v}"));
    let message = v["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no message: {v}"));
    assert!(!code.is_empty(), "{what}: {v}");
    assert!(
        !message.is_empty() && !message.contains('\n') && message.len() < 400,
        "{what}: not one sentence: {message:?}"
    );
}

#[test]
fn tokens_decide_who_may_do_what() {
    let api = Api::start("auth");
    let a1 = api.token("a1");
    let a2 = api.token("a2");
    for (what, token, status) in [
        ("no token", None, 401),
        ("a made-up token", Some("sb_0000"), 401),
        ("an agent's token", Some(a1.as_str()), 403),
    ] {
        let (s, v) = api.call("GET", "/api/admin/stats", token, None);
        assert_eq!(s, status, "admin endpoint with {what}: {v}");
        assert_refusal(what, s, &v);
    }
    let (s, v) = api.call("GET", "/api/agent", Some(&api.admin), None);
    assert_eq!(s, 403, "the admin's token on an agent endpoint: {v}");
    let (s, v) = api.call("GET", "/api/agent", None, None);
    assert_eq!(s, 401, "{v}");

    api.call_for_a1(&a1);
    api.ok("POST", "/api/agent/login", &a2, None);
    for (method, path, body) in [
        ("POST", "/api/agent/tasks/1/hold", None),
        ("POST", "/api/agent/tasks/1/end", None),
        ("POST", "/api/agent/tasks/1/variables/card/reveal", None),
        (
            "PUT",
            "/api/agent/tasks/1/variables/case",
            Some(r#"{"value":"mine"}"#),
        ),
        (
            "POST",
            "/api/agent/tasks/1/transfer",
            Some(r#"{"agent":"a2"}"#),
        ),
    ] {
        let (s, v) = api.call(method, path, Some(&a2), body);
        assert_eq!(
            (s, v["error"].as_str()),
            (403, Some("not_your_task")),
            "a2: {method} {path}: {v}"
        );
    }
    // a1's own task: the same actions are a1's to take.
    api.ok("POST", "/api/agent/tasks/1/hold", &a1, None);
}

#[test]
fn a_secure_value_reaches_only_the_agent_who_reveals_it() {
    let api = Api::start("secure");
    let a1 = api.token("a1");
    api.call_for_a1(&a1);
    api.ok(
        "POST",
        "/api/agent/tasks/1/variables/card/reveal",
        &a1,
        None,
    );
    let pushes = api.pushes(&a1);
    let shown: Vec<&String> = pushes.iter().filter(|p| p.contains(CARD)).collect();
    assert_eq!(
        shown.len(),
        1,
        "the card is in exactly the reveal's push: {pushes:#?}"
    );
    assert!(
        pushes.iter().any(|p| p.contains("********")),
        "the card is masked in the other pushes: {pushes:#?}"
    );
    for path in [
        "/api/admin/state",
        "/api/admin/tasks/1",
        "/api/admin/agents",
        "/api/admin/queues",
    ] {
        let v = api.ok("GET", path, &api.admin, None);
        assert!(!v.to_string().contains(CARD), "{path} shows the card: {v}");
    }
    let v = api.ok("GET", "/api/agent", &a1, None);
    assert!(
        !v.to_string().contains(CARD),
        "the agent view shows the card: {v}"
    );
}

#[test]
fn every_malformed_request_gets_a_4xx_in_one_sentence() {
    let api = Api::start("malformed");
    let a1 = api.token("a1");
    api.call_for_a1(&a1);
    let admin = api.admin.as_str();
    let big = format!(r#"{{"value":"{}"}}"#, "x".repeat(70 * 1024));
    let many = format!(
        "[{}]",
        vec![r#"{"input":"customer_hung_up","call":9}"#; 1001].join(",")
    );
    let far = json!({"input": "call_arrived", "call": u64::MAX, "from": "1", "to": "+18005550100"})
        .to_string();
    let cases: Vec<(&str, &str, &str, Option<&str>)> = vec![
        ("POST", "/api/agent/login", &a1, Some("{")),
        ("POST", "/api/agent/login", &a1, Some("[1,2]")),
        ("POST", "/api/agent/idle", &a1, Some(r#"{"reason": 7}"#)),
        ("POST", "/api/agent/idle", &a1, Some(r#"{"reason": "Nap"}"#)),
        ("POST", "/api/agent/dance", &a1, None),
        ("POST", "/api/agent/tasks/abc/accept", &a1, None),
        (
            "POST",
            "/api/agent/tasks/99999999999999999999999/accept",
            &a1,
            None,
        ),
        ("POST", "/api/agent/tasks/1/juggle", &a1, None),
        (
            "POST",
            "/api/agent/tasks/1/hold",
            &a1,
            Some(r#"{"extra": true}"#),
        ),
        (
            "POST",
            "/api/agent/tasks/1/transfer",
            &a1,
            Some(r#"{"agent":"a2","queue":"support"}"#),
        ),
        (
            "POST",
            "/api/agent/tasks/1/transfer",
            &a1,
            Some(r#"{"agent":"nobody"}"#),
        ),
        (
            "PUT",
            "/api/agent/tasks/1/variables/nope",
            &a1,
            Some(r#"{"value":"x"}"#),
        ),
        (
            "PUT",
            "/api/agent/tasks/1/variables/case",
            &a1,
            Some(r#"{"value": 5}"#),
        ),
        ("PUT", "/api/agent/tasks/1/variables/case", &a1, Some(&big)),
        ("POST", "/api/agent/campaigns/nope/pull", &a1, None),
        (
            "POST",
            "/api/agent/outdial",
            &a1,
            Some(r#"{"number": "not a number"}"#),
        ),
        ("DELETE", "/api/agent", &a1, None),
        ("GET", "/api/nowhere", &a1, None),
        ("GET", "/api/agent/ws?after=minus-one", &a1, None),
        ("GET", "/api/agent/ws", &a1, None),
        ("PUT", "/api/admin/config", admin, Some("[tenant\nname = ")),
        (
            "PUT",
            "/api/admin/config",
            admin,
            Some("[tenant]\nname = \"X\"\nbogus = 1\n"),
        ),
        (
            "POST",
            "/api/admin/inputs",
            admin,
            Some(r#"{"input":"nope"}"#),
        ),
        (
            "POST",
            "/api/admin/inputs",
            admin,
            Some(r#"{"input":"agent","agent":99,"action":{"action":"login"}}"#),
        ),
        ("POST", "/api/admin/inputs", admin, Some(&many)),
        ("POST", "/api/admin/inputs", admin, Some(&far)),
        (
            "POST",
            "/api/admin/tokens",
            admin,
            Some(r#"{"agent":"ghost"}"#),
        ),
        (
            "POST",
            "/api/admin/tokens",
            admin,
            Some(r#"{"agent":"a1","admin":true}"#),
        ),
        ("POST", "/api/admin/tokens/revoke", admin, Some("{}")),
        (
            "POST",
            "/api/admin/calls",
            admin,
            Some(r#"{"from":"1","to":"2"}"#),
        ),
        ("GET", "/api/admin/tasks/0", admin, None),
        ("GET", "/api/admin/tasks/x", admin, None),
    ];
    for (method, path, token, body) in cases {
        let what = format!(
            "{method} {path} {}",
            body.map_or("", |b| &b[..b.len().min(60)])
        );
        let (s, v) = api.call(method, path, Some(token), body);
        assert_refusal(&what, s, &v);
    }
    // Still serving, and nothing of the above reached the engine's state.
    let v = api.ok("GET", "/api/agent", &a1, None);
    assert_eq!(v["state"]["state"], "engaged", "{v}");
}

#[test]
fn a_revoked_token_stops_working_at_once() {
    let api = Api::start("revoke");
    let a1 = api.token("a1");
    let spare = api.token("a1");
    api.ok("POST", "/api/agent/login", &a1, None);
    let v = api.ok(
        "POST",
        "/api/admin/tokens/revoke",
        &api.admin,
        Some(&json!({ "token": a1 }).to_string()),
    );
    assert_eq!(v["revoked"], 1, "{v}");
    let (s, v) = api.call("GET", "/api/agent", Some(&a1), None);
    assert_eq!(s, 401, "a revoked token: {v}");
    api.ok("GET", "/api/agent", &spare, None);
    // Every token of the agent at once.
    let v = api.ok(
        "POST",
        "/api/admin/tokens/revoke",
        &api.admin,
        Some(r#"{"agent":"a1"}"#),
    );
    assert_eq!(v["revoked"], 1, "{v}");
    let (s, _) = api.call("GET", "/api/agent", Some(&spare), None);
    assert_eq!(s, 401);
    let (s, v) = api.call(
        "POST",
        "/api/admin/tokens/revoke",
        Some(&api.admin),
        Some(r#"{"agent":"a1"}"#),
    );
    assert_eq!((s, v["error"].as_str()), (404, Some("not_found")), "{v}");

    // The last admin token stays; with a second one, the first can go.
    let revoke_admin = json!({ "token": api.admin }).to_string();
    let (s, v) = api.call(
        "POST",
        "/api/admin/tokens/revoke",
        Some(&api.admin),
        Some(&revoke_admin),
    );
    assert_eq!(
        (s, v["error"].as_str()),
        (409, Some("last_admin_token")),
        "{v}"
    );
    let second = api.ok(
        "POST",
        "/api/admin/tokens",
        &api.admin,
        Some(r#"{"admin":true}"#),
    )["token"]
        .as_str()
        .expect("token")
        .to_string();
    api.ok(
        "POST",
        "/api/admin/tokens/revoke",
        &second,
        Some(&revoke_admin),
    );
    let (s, _) = api.call("GET", "/api/admin/stats", Some(&api.admin), None);
    assert_eq!(s, 401, "the revoked admin token");
    api.ok("GET", "/api/admin/stats", &second, None);
}

#[test]
fn a_push_stream_ends_when_its_token_is_revoked() {
    let api = Api::start("revoke-ws");
    let a1 = api.token("a1");
    let url = format!("ws://{}/api/agent/ws?after=0&token={a1}", api.addr);
    let mut ws = api.rt.block_on(async {
        tokio_tungstenite::connect_async(url)
            .await
            .expect("upgrade")
            .0
    });
    api.ok("POST", "/api/agent/login", &a1, None);
    let first = api.rt.block_on(async { next_text(&mut ws).await });
    assert!(
        first.is_some_and(|t| t.contains("\"seq\":1")),
        "the login's push"
    );
    api.ok(
        "POST",
        "/api/admin/tokens/revoke",
        &api.admin,
        Some(&json!({ "token": a1 }).to_string()),
    );
    // The next push (a1 goes idle by an admin's raw input) is not delivered.
    let idle = json!({"input": "agent", "agent": 0, "action": {"action": "set_idle", "reason": 0}});
    api.ok(
        "POST",
        "/api/admin/inputs",
        &api.admin,
        Some(&idle.to_string()),
    );
    let mut rest = Vec::new();
    api.rt.block_on(async {
        while let Some(t) = next_text(&mut ws).await {
            rest.push(t);
        }
    });
    assert_eq!(
        rest,
        [json!({"revoked": true}).to_string()],
        "after the revocation"
    );
}

/// The next text message, or None once the stream ends (or stays silent 10 s).
async fn next_text(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Option<String> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return Some(t.to_string()),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
            Ok(Some(Ok(_))) => {}
        }
    }
}
