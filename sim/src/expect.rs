//! Expectations of a scenario, checked at their time (after everything due at
//! that instant has happened) or at the end of the run. A failed expectation
//! says which one, what was expected and what was seen instead.

use switchboard_core::SimTime;
use switchboard_core::legs::Channel;
use switchboard_core::render::state_name;
use switchboard_core::stats::{Counters, Report};

use crate::scenario::ExpectSpec;

/// When an expectation is checked.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum When {
    At(SimTime),
    End,
}

/// Parses `at`: a duration or "end".
pub fn parse_when(text: &str) -> Result<When, String> {
    if text.trim() == "end" {
        return Ok(When::End);
    }
    switchboard_core::SimDuration::parse(text).map(|d| When::At(SimTime::ZERO + d))
}

/// What the runner knows when it checks.
pub struct Seen<'a> {
    pub trace: &'a [String],
    pub agent: &'a dyn Fn(&str) -> Option<AgentSeen>,
    pub caller: &'a dyn Fn(&str) -> Option<CallerSeen>,
    pub waiting: &'a dyn Fn(&str) -> Option<Vec<String>>,
    pub report: &'a dyn Fn() -> Report,
    /// An entry point's (channel type, queue type).
    pub entry_point: &'a dyn Fn(&str) -> Option<(String, String)>,
    /// A campaign's contacts waiting in its list.
    pub campaign: &'a dyn Fn(&str) -> Option<usize>,
}

/// An agent as seen from outside.
#[derive(Clone, Debug, Default)]
pub struct AgentSeen {
    pub state: String,
    pub presence: String,
    pub off_hook: bool,
    pub connected: bool,
    pub tasks: usize,
}

/// A caller's task as seen from outside.
#[derive(Clone, Debug, Default)]
pub struct CallerSeen {
    pub stage: String,
    pub position: Option<u32>,
    pub queue: Option<String>,
    pub agent: Option<String>,
    pub consulted: Option<String>,
    pub held: bool,
    pub recording: bool,
    pub recording_paused: bool,
    pub call_state: Option<&'static str>,
    /// The expected variable's (value, version), if the task has it.
    pub variable: Option<(String, u32)>,
    pub ewt: Option<switchboard_core::SimDuration>,
    /// An open conversation's messages from the customer.
    pub messages: Option<u32>,
    /// What the owner's transfer lists show, as "queue:NAME" and "agent:ID".
    pub transfer_targets: Option<Vec<String>>,
}

/// Checks one expectation; every mismatch becomes one sentence.
pub fn check(e: &ExpectSpec, seen: &Seen<'_>) -> Vec<String> {
    let mut bad = Vec::new();
    if let Some(agent) = &e.agent {
        match (seen.agent)(agent) {
            None => bad.push(format!("there is no agent \"{agent}\"")),
            Some(a) => {
                let same = |want: &str, got: &str| {
                    got.eq_ignore_ascii_case(want)
                        || (want.eq_ignore_ascii_case("idle") && got.starts_with("Idle("))
                };
                if let Some(want) = &e.state
                    && !same(want, &a.state)
                {
                    bad.push(format!(
                        "agent {agent} state: expected {want}, saw {}",
                        a.state
                    ));
                }
                if let Some(want) = &e.presence
                    && !same(want, &a.presence)
                {
                    bad.push(format!(
                        "agent {agent} presence: expected {want}, saw {}",
                        a.presence
                    ));
                }
                if let Some(want) = e.off_hook
                    && want != a.off_hook
                {
                    bad.push(format!(
                        "agent {agent} off-hook: expected {want}, saw {}",
                        a.off_hook
                    ));
                }
                if let Some(want) = e.connected
                    && want != a.connected
                {
                    bad.push(format!(
                        "agent {agent} persistent connection: expected {}, saw {}",
                        if want { "up" } else { "down" },
                        if a.connected { "up" } else { "down" }
                    ));
                }
                if let Some(want) = e.tasks
                    && want != a.tasks
                {
                    bad.push(format!(
                        "agent {agent} tasks: expected {want}, saw {}",
                        a.tasks
                    ));
                }
            }
        }
    }
    if let Some(caller) = &e.caller {
        match (seen.caller)(caller) {
            None => bad.push(format!("there is no caller \"{caller}\"")),
            Some(c) => {
                if let Some(want) = &e.stage
                    && !want.eq_ignore_ascii_case(&c.stage)
                {
                    bad.push(format!(
                        "caller {caller} stage: expected {want}, saw {}",
                        c.stage
                    ));
                }
                if let Some(want) = e.position
                    && c.position != Some(want)
                {
                    bad.push(format!(
                        "caller {caller} position: expected {want}, saw {}",
                        opt(&c.position)
                    ));
                }
                if let (Some(want), None) = (&e.queue, &e.waiting)
                    && c.queue.as_ref() != Some(want)
                {
                    bad.push(format!(
                        "caller {caller} queue: expected {want}, saw {}",
                        opt(&c.queue)
                    ));
                }
                if let Some(want) = &e.with_agent
                    && c.agent.as_ref() != Some(want)
                {
                    bad.push(format!(
                        "caller {caller} agent: expected {want}, saw {}",
                        opt(&c.agent)
                    ));
                }
                if let Some(want) = &e.ewt {
                    let shown = c
                        .ewt
                        .map_or_else(|| "unknown".to_string(), |d| d.to_string());
                    let expected = match switchboard_core::SimDuration::parse(want) {
                        Ok(d) => d.to_string(),
                        Err(_) => want.clone(),
                    };
                    if shown != expected {
                        bad.push(format!(
                            "caller {caller} estimated wait: expected {want}, saw {shown}"
                        ));
                    }
                }
                if let Some(want) = e.messages
                    && c.messages != Some(want)
                {
                    bad.push(format!(
                        "caller {caller} messages: expected {want}, saw {}",
                        opt(&c.messages)
                    ));
                }
                if let Some(want) = &e.transfer_targets
                    && c.transfer_targets.as_ref() != Some(want)
                {
                    bad.push(format!(
                        "caller {caller} transfer targets: expected {want:?}, saw {}",
                        c.transfer_targets.as_ref().map_or_else(
                            || "none (no transfer possible)".to_string(),
                            |t| format!("{t:?}")
                        )
                    ));
                }
                if let Some(want) = e.held
                    && want != c.held
                {
                    bad.push(format!(
                        "caller {caller} held: expected {want}, saw {}",
                        c.held
                    ));
                }
                if let Some(want) = e.recording
                    && want != c.recording
                {
                    bad.push(format!(
                        "caller {caller} recording: expected {want}, saw {}",
                        c.recording
                    ));
                }
                if let Some(want) = e.recording_paused
                    && want != c.recording_paused
                {
                    bad.push(format!(
                        "caller {caller} recording paused: expected {want}, saw {}",
                        c.recording_paused
                    ));
                }
                if let Some(want) = &e.consulted
                    && c.consulted.as_ref() != Some(want)
                {
                    bad.push(format!(
                        "caller {caller} consulted agent: expected {want}, saw {}",
                        opt(&c.consulted)
                    ));
                }
                if let Some(want) = &e.call_state
                    && c.call_state != Some(want.as_str())
                {
                    bad.push(format!(
                        "caller {caller} call state: expected {want}, saw {}",
                        c.call_state.unwrap_or("none")
                    ));
                }
                if let Some(name) = &e.variable {
                    match &c.variable {
                        None => bad.push(format!("caller {caller} has no variable \"{name}\"")),
                        Some((value, version)) => {
                            if let Some(want) = &e.value
                                && want != value
                            {
                                bad.push(format!("caller {caller} variable {name}: expected \"{want}\", saw \"{value}\""));
                            }
                            if let Some(want) = e.version
                                && want != *version
                            {
                                bad.push(format!("caller {caller} variable {name} version: expected {want}, saw {version}"));
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(name) = &e.entry_point {
        match (seen.entry_point)(name) {
            None => bad.push(format!("there is no entry point \"{name}\"")),
            Some((channel, queue_type)) => {
                if let Some(want) = &e.channel
                    && want != &channel
                {
                    bad.push(format!(
                        "entry point {name} channel: expected {want}, saw {channel}"
                    ));
                }
                if let Some(want) = &e.queue_type
                    && want != &queue_type
                {
                    bad.push(format!(
                        "entry point {name} queue type: expected {want}, saw {queue_type}"
                    ));
                }
            }
        }
    }
    if let Some(name) = &e.campaign {
        match ((seen.campaign)(name), e.contacts_left) {
            (None, _) => bad.push(format!("there is no campaign \"{name}\"")),
            (Some(got), Some(want)) if got != want => bad.push(format!(
                "campaign {name} contacts left: expected {want}, saw {got}"
            )),
            _ => {}
        }
    }
    if let (Some(queue), Some(want)) = (&e.queue, &e.waiting) {
        match (seen.waiting)(queue) {
            None => bad.push(format!("there is no queue \"{queue}\"")),
            Some(got) if &got != want => {
                bad.push(format!(
                    "queue {queue} waiting: expected {want:?}, saw {got:?}"
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(text) = &e.trace {
        let n = seen
            .trace
            .iter()
            .filter(|l| l.contains(text.as_str()))
            .count();
        match e.count {
            Some(want) if want != n => bad.push(format!(
                "trace line containing \"{text}\": expected {want} time(s), saw {n}"
            )),
            None if n == 0 => bad.push(format!("no trace line contains \"{text}\"")),
            _ => {}
        }
    }
    if let Some(text) = &e.no_trace
        && let Some(line) = seen.trace.iter().find(|l| l.contains(text.as_str()))
    {
        bad.push(format!("a trace line contains \"{text}\": {line}"));
    }
    if let Some(what) = &e.stats {
        bad.extend(check_stats(what, e.values.as_ref(), &(seen.report)()));
    }
    bad
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "none".to_string(), |v| v.to_string())
}

fn check_stats(what: &str, values: Option<&toml::Table>, report: &Report) -> Vec<String> {
    let mut bad = Vec::new();
    let Some(values) = values else {
        return vec![format!("stats \"{what}\" needs values = {{ ... }}")];
    };
    let (kind, name) = what.split_once(':').unwrap_or((what, ""));
    let counters: Option<&Counters> = match kind {
        "entry_point" => report.entry_points.get(name),
        "queue" => report.queues.get(name),
        "agent" | "channel" => None,
        _ => {
            return vec![format!(
                "stats \"{what}\": use entry_point:NAME, queue:NAME, agent:ID or channel:NAME"
            )];
        }
    };
    let channel = if kind == "channel" {
        match Channel::ALL.into_iter().find(|c| c.name() == name) {
            Some(c) => Some(report.channels.get(&c).cloned().unwrap_or_default()),
            None => {
                return vec![format!(
                    "stats \"{what}\": \"{name}\" is not a channel (call, chat, email, social)"
                )];
            }
        }
    } else {
        None
    };
    for (key, want) in values {
        let got: Option<f64> = if kind == "agent" {
            let a = report.agents.get(name);
            match key.as_str() {
                "handled" => a.map(|a| a.handled as f64),
                "rona" => a.map(|a| a.rona as f64),
                "occupancy" => a.and_then(|a| a.occupancy()),
                "concurrency" => a.and_then(|a| a.concurrency()),
                "max_concurrent" => a.map(|a| a.max_concurrent as f64),
                _ => {
                    bad.push(format!(
                        "stats {what}: unknown figure \"{key}\" (handled, rona, occupancy, concurrency, max_concurrent)"
                    ));
                    continue;
                }
            }
        } else if let Some(c) = &channel {
            match key.as_str() {
                "offered" => Some(c.offered as f64),
                "handled" => Some(c.handled as f64),
                "started" => Some(c.started as f64),
                "first_response" => c.first_response(),
                _ => {
                    bad.push(format!(
                        "stats {what}: unknown figure \"{key}\" (offered, handled, started, first_response)"
                    ));
                    continue;
                }
            }
        } else {
            let c = counters.cloned().unwrap_or_default();
            match key.as_str() {
                "arrived" => Some(c.arrived as f64),
                "offered" => Some(c.offered as f64),
                "answered" => Some(c.answered as f64),
                "abandoned" => Some(c.abandoned as f64),
                "disconnected" => Some(c.disconnected as f64),
                "within_service_level" => Some(c.within_service_level as f64),
                "rona" => Some(c.rona as f64),
                "handled" => Some(c.handled as f64),
                "service_level" => c.service_level(),
                "service_level_answered" => c.service_level_answered(),
                "asa" => c.asa(),
                "aht" => c.aht(),
                "abandonment" => c.abandonment(),
                _ => {
                    bad.push(format!(
                        "stats {what}: unknown figure \"{key}\" (arrived, offered, answered, abandoned, disconnected, within_service_level, rona, handled, service_level, service_level_answered, asa, aht, abandonment)"
                    ));
                    continue;
                }
            }
        };
        let want_num = match want {
            toml::Value::Integer(i) => Some(*i as f64),
            toml::Value::Float(f) => Some(*f),
            toml::Value::String(s) => switchboard_core::SimDuration::parse(s)
                .ok()
                .map(|d| d.as_secs_f64()),
            _ => None,
        };
        let Some(want_num) = want_num else {
            bad.push(format!(
                "stats {what}.{key}: {want} is not a number or a duration"
            ));
            continue;
        };
        match got {
            Some(g) if (g - want_num).abs() <= 0.05 => {}
            Some(g) => bad.push(format!(
                "stats {what}.{key}: expected {want}, saw {}",
                trim_float(g)
            )),
            None => bad.push(format!("stats {what}.{key}: expected {want}, saw none")),
        }
    }
    bad
}

fn trim_float(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The agent's state name for expectations.
pub fn state_text(t: &switchboard_core::Tenant, s: switchboard_core::event::AgentState) -> String {
    state_name(t, s)
}

/// The participants' table's name of a call state, as scenarios write it.
pub fn call_state_name(s: switchboard_core::matrix::CallState) -> &'static str {
    use switchboard_core::matrix::CallState::*;
    match s {
        Talking => "talking",
        CustomerHeld => "customer_held",
        ConsultRequested => "consult_requested",
        ConsultRequestedCustomerResumed => "consult_requested_customer_resumed",
        Consulting => "consulting",
        ConsultingCustomerResumed => "consulting_customer_resumed",
        Conference => "conference",
    }
}
