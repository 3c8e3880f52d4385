//! The agent's WebSocket (`GET /api/agent/ws?after=SEQ`): the server pushes the
//! agent's offers, state changes and notices, each a JSON text message
//! `{"seq": N, "at": MICROS, "push": OUTPUT}` numbered from 1 per agent.
//!
//! A reconnecting desktop gives the last `seq` it saw as `after` and gets every
//! push since, then the live stream, with no gap and no duplicate: the backlog
//! and the live subscription are taken in one step on the engine's thread. The
//! server keeps the last 1024 pushes per agent in memory, and none from before
//! a restart (the numbering carries on across restarts). If it no longer holds
//! everything the desktop missed, the first message is `{"gap": true, "last":
//! N}`, followed by the pushes it does hold: the desktop reloads its state with
//! `GET /api/agent` and carries on with the stream. A desktop too slow to keep
//! up is sent `{"lagged": true}` and disconnected; it reconnects with its last
//! seq. When the token the stream was opened with is revoked, the next push is
//! replaced by `{"revoked": true}` and the stream closes.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::actor::Command;
use super::api::{AppState, agent_of, ask, presented_token};
use super::requests::ApiError;

/// Upgrades an agent's request to its push stream.
pub async fn handler(
    State(s): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let agent = match agent_of(&s, &headers, query.as_deref()) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let after = match query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("after="))
    {
        None => 0,
        Some(v) => match v.parse::<u64>() {
            Ok(n) => n,
            Err(_) => {
                return ApiError::bad_request(format!("after=\"{v}\" is not a sequence number"))
                    .into_response();
            }
        },
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(_) => {
            return ApiError::bad_request(
                "this endpoint is a WebSocket: open it with an upgrade request",
            )
            .into_response();
        }
    };
    // The stream ends when the token it was opened with is revoked.
    let token = presented_token(&headers, query.as_deref())
        .map(|t| super::auth::digest(&t))
        .unwrap_or_default();
    let sub = match ask(&s, |reply| Command::Subscribe {
        agent: agent.clone(),
        after,
        reply,
    })
    .await
    {
        Ok(Ok(sub)) => sub,
        Ok(Err(e)) | Err(e) => return e.into_response(),
    };
    let tokens = s.tokens.clone();
    ws.on_upgrade(move |socket| stream(socket, sub, tokens, token))
}

async fn stream(
    mut socket: WebSocket,
    sub: super::actor::Subscription,
    tokens: super::auth::Tokens,
    token: String,
) {
    let mut live = sub.live;
    if sub.gap
        && socket
            .send(Message::Text(
                json!({"gap": true, "last": sub.last}).to_string().into(),
            ))
            .await
            .is_err()
    {
        return;
    }
    for text in sub.backlog {
        if socket
            .send(Message::Text(text.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
    }
    loop {
        tokio::select! {
            pushed = live.recv() => match pushed {
                Ok(_) if !tokens.holds(&token) => {
                    let _ = socket
                        .send(Message::Text(json!({"revoked": true}).to_string().into()))
                        .await;
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
                Ok(text) => {
                    if socket.send(Message::Text(text.to_string().into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    let _ = socket
                        .send(Message::Text(json!({"lagged": true}).to_string().into()))
                        .await;
                    return;
                }
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
