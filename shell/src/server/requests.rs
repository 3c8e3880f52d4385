//! What API clients ask for, by name, and its translation into the engine's
//! [`Input`]s, by index, against the configuration in force. The translation
//! runs on the engine's thread, so that a configuration change never falls
//! between resolving a name and applying the input.
//!
//! Every failure is an [`ApiError`]: an HTTP status, a stable code and one
//! sentence saying what and where.

use serde::Deserialize;
use switchboard_core::engine::Engine;
use switchboard_core::ids::{AgentIdx, TaskId};
use switchboard_core::input::{AgentAction, Input, PhoneEvent, Target};
use switchboard_core::message::MessageContent;
use switchboard_core::{Refusal, Tenant};

/// A failed request: status, code and one sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(404, "not_found", message)
    }

    /// The engine refused the input: 409 with the refusal's code and sentence.
    pub fn refused(r: &Refusal) -> ApiError {
        ApiError::new(409, r.code(), r.to_string())
    }
}

/// Where a consult or transfer goes, by name.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetReq {
    pub agent: Option<String>,
    pub queue: Option<String>,
    pub entry_point: Option<String>,
    pub number: Option<String>,
}

/// A message an agent writes.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageReq {
    pub text: String,
    pub subject: Option<String>,
}

/// Something an agent does, by name (the agent is the token's).
#[derive(Clone, Debug)]
pub enum AgentReq {
    Login,
    Logout,
    Available,
    Idle {
        reason: String,
    },
    AcceptAll,
    Phone {
        event: String,
    },
    Outdial {
        number: String,
        entry_point: Option<String>,
    },
    PullContact {
        campaign: String,
    },
    StartConversation {
        entry_point: String,
        to: String,
        message: MessageReq,
    },
    /// A verb on one of the agent's tasks.
    Task {
        task: u64,
        verb: TaskVerb,
    },
}

/// What an agent does to one of its tasks.
#[derive(Clone, Debug)]
pub enum TaskVerb {
    /// accept, hold, resume, end, end_consult, hold_consulted, resume_consulted,
    /// conference, exit, pause_recording, resume_recording, preview_accept,
    /// preview_skip, preview_remove.
    Simple(String),
    WrapUp {
        reason: String,
        idle: Option<String>,
    },
    Consult(TargetReq),
    Transfer(Option<TargetReq>),
    SaveVariable {
        name: String,
        value: String,
        version: Option<u32>,
    },
    RevertVariable {
        name: String,
    },
    RevealVariable {
        name: String,
    },
    Send(MessageReq),
}

/// The verbs [`TaskVerb::Simple`] takes.
pub const SIMPLE_VERBS: &[&str] = &[
    "accept",
    "hold",
    "resume",
    "end",
    "end_consult",
    "hold_consulted",
    "resume_consulted",
    "conference",
    "exit",
    "pause_recording",
    "resume_recording",
    "preview_accept",
    "preview_skip",
    "preview_remove",
];

fn target(t: &Tenant, req: &TargetReq) -> Result<Target, ApiError> {
    let given = [&req.agent, &req.queue, &req.entry_point, &req.number]
        .iter()
        .filter(|x| x.is_some())
        .count();
    if given != 1 {
        return Err(ApiError::bad_request(
            "the target must give exactly one of agent, queue, entry_point or number",
        ));
    }
    if let Some(a) = &req.agent {
        return t
            .agent_by_id(a)
            .map(Target::Agent)
            .ok_or_else(|| ApiError::not_found(format!("there is no agent \"{a}\"")));
    }
    if let Some(q) = &req.queue {
        return t
            .queue_by_name(q)
            .map(Target::Queue)
            .ok_or_else(|| ApiError::not_found(format!("there is no queue \"{q}\"")));
    }
    if let Some(e) = &req.entry_point {
        return t
            .entry_point_by_name(e)
            .map(Target::EntryPoint)
            .ok_or_else(|| ApiError::not_found(format!("there is no entry point \"{e}\"")));
    }
    Ok(Target::Number(req.number.clone().unwrap_or_default()))
}

fn content(m: &MessageReq) -> Box<MessageContent> {
    Box::new(MessageContent {
        subject: m.subject.clone(),
        text: m.text.clone(),
        parts: Vec::new(),
    })
}

/// Translates an agent's request into an input, checking that a task it names
/// is one of the agent's own (403 otherwise).
pub fn resolve(engine: &Engine, agent: AgentIdx, req: &AgentReq) -> Result<Input, ApiError> {
    let t = engine.tenant();
    let act = |action| Ok(Input::Agent { agent, action });
    match req {
        AgentReq::Login => act(AgentAction::Login),
        AgentReq::Logout => act(AgentAction::Logout),
        AgentReq::Available => act(AgentAction::SetAvailable),
        AgentReq::AcceptAll => act(AgentAction::AcceptAll),
        AgentReq::Idle { reason } => {
            let reason = t.idle_reason_by_name(reason).ok_or_else(|| {
                ApiError::not_found(format!("there is no idle reason \"{reason}\""))
            })?;
            act(AgentAction::SetIdle { reason })
        }
        AgentReq::Phone { event } => {
            let event = match event.as_str() {
                "ringing" => PhoneEvent::Ringing,
                "answered" => PhoneEvent::Answered,
                "hung_up" => PhoneEvent::HungUp,
                "failed" => PhoneEvent::Failed,
                other => {
                    return Err(ApiError::bad_request(format!(
                        "phone event \"{other}\" is not one of ringing, answered, hung_up, failed"
                    )));
                }
            };
            Ok(Input::Phone { agent, event })
        }
        AgentReq::Outdial {
            number,
            entry_point,
        } => {
            let ep = match entry_point {
                Some(e) => Some(t.entry_point_by_name(e).ok_or_else(|| {
                    ApiError::not_found(format!("there is no entry point \"{e}\""))
                })?),
                None => None,
            };
            act(AgentAction::Outdial {
                number: number.clone(),
                ep,
            })
        }
        AgentReq::PullContact { campaign } => {
            let campaign = t.campaign_by_name(campaign).ok_or_else(|| {
                ApiError::not_found(format!("there is no campaign \"{campaign}\""))
            })?;
            act(AgentAction::PullContact { campaign })
        }
        AgentReq::StartConversation {
            entry_point,
            to,
            message,
        } => {
            let ep = t.entry_point_by_name(entry_point).ok_or_else(|| {
                ApiError::not_found(format!("there is no entry point \"{entry_point}\""))
            })?;
            act(AgentAction::StartConversation {
                ep,
                to: to.clone(),
                content: content(message),
            })
        }
        AgentReq::Task { task, verb } => {
            let task = TaskId(*task);
            if !engine.agent_work(agent).iter().any(|(t, ..)| *t == task) {
                return Err(ApiError::new(
                    403,
                    "not_your_task",
                    format!(
                        "{task} is not one of agent \"{}\"'s tasks",
                        t.agent(agent).id
                    ),
                ));
            }
            let var = |name: &str| {
                engine.variable_by_name(task, name).ok_or_else(|| {
                    ApiError::not_found(format!("{task} has no variable \"{name}\""))
                })
            };
            let action = match verb {
                TaskVerb::Simple(v) => match v.as_str() {
                    "accept" => AgentAction::Accept { task },
                    "hold" => AgentAction::Hold { task },
                    "resume" => AgentAction::Resume { task },
                    "end" => AgentAction::End { task },
                    "end_consult" => AgentAction::EndConsult { task },
                    "hold_consulted" => AgentAction::HoldConsulted { task },
                    "resume_consulted" => AgentAction::ResumeConsulted { task },
                    "conference" => AgentAction::Conference { task },
                    "exit" => AgentAction::Exit { task },
                    "pause_recording" => AgentAction::PauseRecording { task },
                    "resume_recording" => AgentAction::ResumeRecording { task },
                    "preview_accept" => AgentAction::PreviewAccept { task },
                    "preview_skip" => AgentAction::PreviewSkip { task },
                    "preview_remove" => AgentAction::PreviewRemove { task },
                    other => {
                        return Err(ApiError::not_found(format!(
                            "\"{other}\" is not something an agent does to a task"
                        )));
                    }
                },
                TaskVerb::WrapUp { reason, idle } => {
                    let reason = t.wrap_up_reason_by_name(reason).ok_or_else(|| {
                        ApiError::not_found(format!("there is no wrap-up reason \"{reason}\""))
                    })?;
                    let idle = match idle {
                        Some(r) => Some(t.idle_reason_by_name(r).ok_or_else(|| {
                            ApiError::not_found(format!("there is no idle reason \"{r}\""))
                        })?),
                        None => None,
                    };
                    AgentAction::WrapUp { task, reason, idle }
                }
                TaskVerb::Consult(to) => AgentAction::Consult {
                    task,
                    target: target(t, to)?,
                },
                TaskVerb::Transfer(to) => AgentAction::Transfer {
                    task,
                    target: to.as_ref().map(|to| target(t, to)).transpose()?,
                },
                TaskVerb::SaveVariable {
                    name,
                    value,
                    version,
                } => {
                    let var = var(name)?;
                    let current = engine.variable(task, var).map_or(0, |(_, v)| v);
                    AgentAction::SaveVariable {
                        task,
                        var,
                        value: value.clone(),
                        version: version.unwrap_or(current),
                    }
                }
                TaskVerb::RevertVariable { name } => AgentAction::RevertVariable {
                    task,
                    var: var(name)?,
                },
                TaskVerb::RevealVariable { name } => AgentAction::RevealVariable {
                    task,
                    var: var(name)?,
                },
                TaskVerb::Send(m) => AgentAction::SendMessage {
                    task,
                    content: content(m),
                },
            };
            act(action)
        }
    }
}
