//! The HTTP API (axum): agents act on their own tasks, administrators reload
//! the configuration and read live views; see docs/api.md and docs/openapi.yaml.
//!
//! Handlers are thin: they authenticate the token, parse the request into an
//! [`AgentReq`] or a [`Command`], hand it to the engine's actor and turn its
//! answer into JSON. Every failure is a JSON body `{"error": code, "message":
//! one sentence}` with a 4xx status (503 when the server cannot keep the input
//! durable); no request makes a handler panic.

use std::sync::mpsc::{SyncSender, TrySendError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use switchboard_core::Input;
use tokio::sync::oneshot;

use super::actor::{Command, Query};
use super::auth::Tokens;
use super::requests::{AgentReq, ApiError, MessageReq, SIMPLE_VERBS, TargetReq, TaskVerb};

/// The largest request body, but for a configuration.
pub const BODY_LIMIT: usize = 64 * 1024;
/// The largest configuration body.
pub const CONFIG_LIMIT: usize = 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub tx: SyncSender<Command>,
    pub tokens: Tokens,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (
            status,
            axum::Json(json!({"error": self.code, "message": self.message})),
        )
            .into_response()
    }
}

/// A JSON body, size-limited, with one-sentence errors. An empty body reads as `{}`.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        json_body(&read_body(req, BODY_LIMIT).await?)
            .and_then(typed)
            .map(Body)
    }
}

/// A body as JSON; an empty body reads as `{}`.
fn json_body(b: &Bytes) -> Result<Value, ApiError> {
    if b.iter().all(|c| c.is_ascii_whitespace()) {
        return Ok(json!({}));
    }
    serde_json::from_slice(b)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))
}

/// A JSON value as the body a request takes.
fn typed<T: DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(|e| {
        ApiError::bad_request(format!(
            "the request body is not valid for this request: {e}"
        ))
    })
}

async fn read_body(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| {
            ApiError::new(
                413,
                "too_large",
                format!(
                    "the request body is larger than the {} KiB allowed",
                    limit / 1024
                ),
            )
        })
}

/// The token presented: `Authorization: Bearer TOKEN`, or `?token=` (for
/// WebSockets, which browsers open without headers).
pub fn presented_token(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(v) = headers.get("authorization").and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        return Some(t.trim().to_string());
    }
    query?
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .map(str::to_string)
}

/// The id of the agent a request's token names (401 without a valid agent token).
pub fn agent_of(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<String, ApiError> {
    let token = presented_token(headers, query).ok_or_else(|| {
        ApiError::new(
            401,
            "unauthorized",
            "give the agent's token as \"Authorization: Bearer TOKEN\"",
        )
    })?;
    let subject = state
        .tokens
        .subject(&token)
        .ok_or_else(|| ApiError::new(401, "unauthorized", "the token is not valid"))?;
    subject
        .strip_prefix("agent:")
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::new(
                403,
                "forbidden",
                "this is an agent's endpoint; the token is not an agent's",
            )
        })
}

/// Requires an admin token.
fn admin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = presented_token(headers, None).ok_or_else(|| {
        ApiError::new(
            401,
            "unauthorized",
            "give an admin token as \"Authorization: Bearer TOKEN\"",
        )
    })?;
    match state.tokens.subject(&token).as_deref() {
        Some("admin") => Ok(()),
        Some(_) => Err(ApiError::new(
            403,
            "forbidden",
            "this endpoint needs an admin token",
        )),
        None => Err(ApiError::new(401, "unauthorized", "the token is not valid")),
    }
}

/// Sends a command to the actor and waits for its answer.
pub async fn ask<T>(
    state: &AppState,
    make: impl FnOnce(oneshot::Sender<T>) -> Command,
) -> Result<T, ApiError> {
    let (reply, rx) = oneshot::channel();
    state_send(state, make(reply))?;
    rx.await
        .map_err(|_| ApiError::new(503, "unavailable", "the server is shutting down"))
}

async fn act(
    state: &AppState,
    agent: String,
    req: AgentReq,
) -> Result<axum::Json<Value>, ApiError> {
    ask(state, |reply| Command::Agent { agent, req, reply })
        .await?
        .map(axum::Json)
}

fn task_id(text: &str) -> Result<u64, ApiError> {
    text.strip_prefix("T")
        .unwrap_or(text)
        .parse()
        .map_err(|_| ApiError::bad_request(format!("\"{text}\" is not a task number")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdleBody {
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhoneBody {
    event: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutdialBody {
    number: String,
    entry_point: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConversationBody {
    entry_point: String,
    to: String,
    text: String,
    subject: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WrapUpBody {
    reason: String,
    idle: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VariableBody {
    value: String,
    version: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Empty {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    agent: Option<String>,
    #[serde(default)]
    admin: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallBody {
    from: String,
    to: String,
    patience_s: Option<u32>,
    talk_s: Option<u32>,
}

/// The router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(|| async { axum::Json(json!({"ok": true})) }))
        .route("/api/agent", get(agent_view))
        .route("/api/agent/ws", get(super::ws::handler))
        .route("/api/agent/{what}", post(agent_plain))
        .route("/api/agent/campaigns/{campaign}/pull", post(pull))
        .route("/api/agent/conversations", post(conversation))
        .route("/api/agent/tasks/{task}/{verb}", post(task_verb))
        .route(
            "/api/agent/tasks/{task}/variables/{name}",
            put(save_variable),
        )
        .route(
            "/api/agent/tasks/{task}/variables/{name}/{verb}",
            post(variable_verb),
        )
        .route("/api/admin/config", put(reload))
        .route(
            "/api/admin/stats",
            get(|s, h| admin_query(s, h, Query::Stats)),
        )
        .route(
            "/api/admin/queues",
            get(|s, h| admin_query(s, h, Query::Queues)),
        )
        .route(
            "/api/admin/agents",
            get(|s, h| admin_query(s, h, Query::Agents)),
        )
        .route(
            "/api/admin/state",
            get(|s, h| admin_query(s, h, Query::State)),
        )
        .route("/api/admin/tasks/{task}", get(admin_task))
        .route("/api/admin/tokens", post(issue_token))
        .route("/api/admin/tokens/revoke", post(revoke_tokens))
        .route("/api/admin/inputs", post(raw_input))
        .route("/api/admin/calls", post(virtual_call))
        .fallback(|| async { ApiError::not_found("there is no such endpoint; see docs/api.md") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                405,
                "method_not_allowed",
                "this endpoint does not take that method; see docs/api.md",
            )
        })
        // Bodies are read with their own limits (`read_body`), after the token is
        // checked, so that a refusal is always a one-sentence JSON error.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(state)
}

async fn agent_view(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, ApiError> {
    let agent = agent_of(&s, &headers, None)?;
    ask(&s, |reply| Command::Query {
        query: Query::Agent(agent),
        reply,
    })
    .await?
    .map(axum::Json)
}

async fn agent_plain(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(what): Path<String>,
    req: Request,
) -> Result<axum::Json<Value>, ApiError> {
    let agent = agent_of(&s, &headers, None)?;
    let body = read_body(req, BODY_LIMIT).await?;
    let v = json_body(&body)?;
    let req = match what.as_str() {
        "login" => AgentReq::Login,
        "logout" => AgentReq::Logout,
        "available" => AgentReq::Available,
        "accept_all" => AgentReq::AcceptAll,
        "idle" => AgentReq::Idle {
            reason: typed::<IdleBody>(v)?.reason,
        },
        "phone" => AgentReq::Phone {
            event: typed::<PhoneBody>(v)?.event,
        },
        "outdial" => {
            let b: OutdialBody = typed(v)?;
            AgentReq::Outdial {
                number: b.number,
                entry_point: b.entry_point,
            }
        }
        other => {
            return Err(ApiError::not_found(format!(
                "\"{other}\" is not an agent action; see docs/api.md"
            )));
        }
    };
    act(&s, agent, req).await
}

async fn pull(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(campaign): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let agent = agent_of(&s, &headers, None)?;
    act(&s, agent, AgentReq::PullContact { campaign }).await
}

async fn conversation(
    State(s): State<AppState>,
    headers: HeaderMap,
    Body(b): Body<ConversationBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let agent = agent_of(&s, &headers, None)?;
    act(
        &s,
        agent,
        AgentReq::StartConversation {
            entry_point: b.entry_point,
            to: b.to,
            message: MessageReq {
                text: b.text,
                subject: b.subject,
            },
        },
    )
    .await
}

async fn task_verb(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((task, verb)): Path<(String, String)>,
    req: Request,
) -> Result<axum::Json<Value>, ApiError> {
    let agent = agent_of(&s, &headers, None)?;
    let body = read_body(req, BODY_LIMIT).await?;
    let task = task_id(&task)?;
    let v = json_body(&body)?;
    let verb = match verb.as_str() {
        "wrap_up" => {
            let b: WrapUpBody = typed(v)?;
            TaskVerb::WrapUp {
                reason: b.reason,
                idle: b.idle,
            }
        }
        "consult" => TaskVerb::Consult(typed::<TargetReq>(v)?),
        "transfer" => {
            let t: TargetReq = typed(v)?;
            let any = t.agent.is_some()
                || t.queue.is_some()
                || t.entry_point.is_some()
                || t.number.is_some();
            TaskVerb::Transfer(any.then_some(t))
        }
        "messages" => TaskVerb::Send(typed::<MessageReq>(v)?),
        simple if SIMPLE_VERBS.contains(&simple) => {
            typed::<Empty>(v)?;
            TaskVerb::Simple(simple.to_string())
        }
        other => {
            return Err(ApiError::not_found(format!(
                "\"{other}\" is not something an agent does to a task; see docs/api.md"
            )));
        }
    };
    act(&s, agent, AgentReq::Task { task, verb }).await
}

async fn save_variable(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((task, name)): Path<(String, String)>,
    Body(b): Body<VariableBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let agent = agent_of(&s, &headers, None)?;
    let task = task_id(&task)?;
    let verb = TaskVerb::SaveVariable {
        name,
        value: b.value,
        version: b.version,
    };
    act(&s, agent, AgentReq::Task { task, verb }).await
}

async fn variable_verb(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((task, name, verb)): Path<(String, String, String)>,
) -> Result<axum::Json<Value>, ApiError> {
    let agent = agent_of(&s, &headers, None)?;
    let task = task_id(&task)?;
    let verb = match verb.as_str() {
        "revert" => TaskVerb::RevertVariable { name },
        "reveal" => TaskVerb::RevealVariable { name },
        other => {
            return Err(ApiError::not_found(format!(
                "\"{other}\" is not something an agent does to a variable (revert, reveal)"
            )));
        }
    };
    act(&s, agent, AgentReq::Task { task, verb }).await
}

async fn reload(
    State(s): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> Result<axum::Json<Value>, ApiError> {
    admin(&s, &headers)?;
    let bytes = read_body(req, CONFIG_LIMIT).await?;
    let config = String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::bad_request("the configuration is not UTF-8 text"))?;
    let input = Input::Reconfigure { config };
    ask(&s, |reply| Command::Input { input, reply })
        .await?
        .map(axum::Json)
}

async fn admin_query(
    State(s): State<AppState>,
    headers: HeaderMap,
    query: Query,
) -> Result<axum::Json<Value>, ApiError> {
    admin(&s, &headers)?;
    ask(&s, |reply| Command::Query { query, reply })
        .await?
        .map(axum::Json)
}

async fn admin_task(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(task): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    admin(&s, &headers)?;
    let query = Query::Task(task_id(&task)?);
    ask(&s, |reply| Command::Query { query, reply })
        .await?
        .map(axum::Json)
}

async fn issue_token(
    State(s): State<AppState>,
    headers: HeaderMap,
    Body(b): Body<TokenBody>,
) -> Result<axum::Json<Value>, ApiError> {
    admin(&s, &headers)?;
    let subject = match (b.agent, b.admin) {
        (Some(a), false) => format!("agent:{a}"),
        (None, true) => "admin".to_string(),
        _ => {
            return Err(ApiError::bad_request(
                "give either \"agent\": ID or \"admin\": true",
            ));
        }
    };
    ask(&s, |reply| Command::IssueToken { subject, reply })
        .await?
        .map(axum::Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    token: Option<String>,
    agent: Option<String>,
}

async fn revoke_tokens(
    State(s): State<AppState>,
    headers: HeaderMap,
    Body(b): Body<RevokeBody>,
) -> Result<axum::Json<Value>, ApiError> {
    admin(&s, &headers)?;
    let which = match (b.token, b.agent) {
        (Some(t), None) => super::auth::Revoke::Token(t),
        (None, Some(a)) => super::auth::Revoke::Agent(a),
        _ => {
            return Err(ApiError::bad_request(
                "give either \"token\": TOKEN or \"agent\": ID",
            ));
        }
    };
    ask(&s, |reply| Command::RevokeTokens { which, reply })
        .await?
        .map(axum::Json)
}

/// The most inputs one request may carry.
pub const MAX_INPUTS: usize = 1000;

async fn raw_input(
    State(s): State<AppState>,
    headers: HeaderMap,
    Body(body): Body<Value>,
) -> Result<axum::Json<Value>, ApiError> {
    admin(&s, &headers)?;
    let parse = |v: Value, at: Option<usize>| -> Result<Input, ApiError> {
        serde_json::from_value(v).map_err(|e| match at {
            Some(i) => {
                ApiError::bad_request(format!("input {i} of the list is not a valid input: {e}"))
            }
            None => ApiError::bad_request(format!("the body is not a valid input: {e}")),
        })
    };
    let Value::Array(list) = body else {
        let input = parse(body, None)?;
        return ask(&s, |reply| Command::Input { input, reply })
            .await?
            .map(axum::Json);
    };
    // A list: every input is sent before any answer is awaited, so they share
    // group commits; each is answered in order, applied or refused on its own.
    if list.len() > MAX_INPUTS {
        return Err(ApiError::new(
            413,
            "too_many_inputs",
            format!(
                "a request carries at most {MAX_INPUTS} inputs, not {}",
                list.len()
            ),
        ));
    }
    let inputs = list
        .into_iter()
        .enumerate()
        .map(|(i, v)| parse(v, Some(i)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut answers = Vec::with_capacity(inputs.len());
    for input in inputs {
        let (reply, rx) = oneshot::channel();
        state_send(&s, Command::Input { input, reply })?;
        answers.push(rx);
    }
    let mut results = Vec::with_capacity(answers.len());
    for rx in answers {
        results.push(match rx.await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => json!({"error": e.code, "message": e.message}),
            Err(_) => json!({"error": "unavailable", "message": "the server is shutting down"}),
        });
    }
    Ok(axum::Json(Value::Array(results)))
}

fn state_send(state: &AppState, cmd: Command) -> Result<(), ApiError> {
    state.tx.try_send(cmd).map_err(|e| match e {
        TrySendError::Full(_) => {
            ApiError::new(503, "busy", "the server is overloaded; retry shortly")
        }
        TrySendError::Disconnected(_) => {
            ApiError::new(503, "unavailable", "the server is shutting down")
        }
    })
}

async fn virtual_call(
    State(s): State<AppState>,
    headers: HeaderMap,
    Body(b): Body<CallBody>,
) -> Result<axum::Json<Value>, ApiError> {
    admin(&s, &headers)?;
    ask(&s, |reply| Command::VirtualCall {
        from: b.from,
        to: b.to,
        patience: b.patience_s.map(|p| Duration::from_secs(p as u64)),
        talk: b.talk_s.map(|t| Duration::from_secs(t as u64)),
        reply,
    })
    .await?
    .map(axum::Json)
}
