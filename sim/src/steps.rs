//! Scripted steps: what a scenario's `[[step]]` tables ask, resolved against
//! the tenant when the scenario loads (so a misspelt agent, queue or reason is a
//! load error naming the step), and carried out at their time.

use std::path::Path;

use switchboard_core::dialnum::DialNumber;
use switchboard_core::dtmf::Digit;
use switchboard_core::ids::*;
use switchboard_core::input::Target;
use switchboard_core::media::Pcm;
use switchboard_core::message::{
    EmailHeaders, InboundMessage, MessageContent, MessagePart, PartKind,
};
use switchboard_core::{AgentAction, PhoneEvent, Tenant};

use crate::scenario::{LoadError, PartSpec, Scenario, StepSpec};

/// Every `do = "..."` a scripted step accepts.
pub const ACTIONS: &[&str] = &[
    "login",
    "logout",
    "available",
    "idle",
    "accept",
    "accept_all",
    "hold",
    "resume",
    "end",
    "wrap_up",
    "consult",
    "end_consult",
    "hold_consulted",
    "resume_consulted",
    "transfer",
    "conference",
    "exit",
    "pause_recording",
    "resume_recording",
    "save",
    "revert",
    "reveal",
    "outdial",
    "pull_contact",
    "preview_accept",
    "preview_skip",
    "preview_remove",
    "load_contacts",
    "pick_up",
    "put_down",
    "phone_ringing",
    "phone_fail",
    "hang_up",
    "press",
    "play",
    "write",
    "send",
    "start_conversation",
    "reconfigure",
];

/// What an agent does, with the task (and variable) filled in when it happens.
#[derive(Clone, Debug)]
pub enum AgentAct {
    /// An action that names no task.
    Plain(AgentAction),
    /// An action on the agent's task.
    OnTask(fn(TaskId) -> AgentAction),
    Consult(Target),
    Transfer(Option<Target>),
    WrapUp {
        reason: WrapUpReasonIdx,
        idle: Option<IdleReasonIdx>,
    },
    Save {
        variable: String,
        value: String,
        version: Option<u32>,
    },
    Revert {
        variable: String,
    },
    Reveal {
        variable: String,
    },
    /// Write to the customer of the task.
    Send(Box<MessageContent>),
    /// Start a conversation; with a caller, the conversation becomes that caller's.
    Start {
        ep: EpIdx,
        to: String,
        content: Box<MessageContent>,
    },
}

/// A scripted step, resolved.
#[derive(Clone, Debug)]
pub enum Action {
    /// An agent acts; on the named caller's task, or else on its own current task.
    Agent {
        agent: AgentIdx,
        act: AgentAct,
        caller: Option<String>,
    },
    Phone(AgentIdx, PhoneEvent),
    /// A caller hangs up (or closes the chat).
    HangUp(String),
    /// A dialled number hangs up.
    NumberHangUp(DialNumber),
    Press(String, Vec<Digit>),
    /// Keys as in-band DTMF tones in the caller's audio.
    PressTones(String, Vec<Digit>),
    /// Keys as RFC 4733 telephone-events from the caller's phone.
    PressEvents(String, Vec<Digit>),
    /// The caller says something (a WAV fixture).
    Play(String, Pcm),
    Reconfigure(String),
    /// A campaign's contact list is loaded (the CSV text).
    LoadContacts(CampaignIdx, String),
    /// A digital customer writes at an entry point.
    Write {
        caller: String,
        ep: EpIdx,
        message: Box<InboundMessage>,
    },
}

pub(crate) fn invalid(s: &Scenario, message: String) -> LoadError {
    LoadError::Invalid {
        path: s.path.display().to_string(),
        message,
    }
}

/// Loads a WAV file named in a scenario (relative to the scenario's folder);
/// `what` says where it was named. Needs `audio = true`.
pub(crate) fn audio_file(s: &Scenario, what: &str, rel: &str) -> Result<Pcm, LoadError> {
    if !s.file.audio {
        return Err(invalid(
            s,
            format!("{what}: audio needs `audio = true` at the top of the scenario"),
        ));
    }
    let path = s.path.parent().unwrap_or(Path::new(".")).join(rel);
    crate::audio::load(&path).map_err(|e| invalid(s, format!("{what}: {e}")))
}

pub(crate) fn parse_keys(s: &Scenario, what: &str, keys: &str) -> Result<Vec<Digit>, LoadError> {
    keys.chars()
        .map(|c| {
            Digit::from_char(c).ok_or_else(|| {
                invalid(
                    s,
                    format!("{what}: '{c}' is not a key of the phone (0-9, *, #)"),
                )
            })
        })
        .collect()
}

/// The parts of a message as a step gives them.
fn parts(s: &Scenario, at: &str, specs: &[PartSpec]) -> Result<Vec<MessagePart>, LoadError> {
    specs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let kind = match p.kind.as_str() {
                "inline_image" => PartKind::InlineImage,
                "attachment" => PartKind::Attachment,
                other => {
                    return Err(invalid(
                        s,
                        format!(
                            "{at}: parts[{i}].kind \"{other}\" is neither \"inline_image\" nor \"attachment\""
                        ),
                    ));
                }
            };
            Ok(MessagePart {
                kind,
                name: p.name.clone(),
                bytes: p.bytes,
                content_id: p.content_id.clone(),
            })
        })
        .collect()
}

/// The content of a message a step gives: `text` (default "Hello"), `subject`, `parts`.
fn content(s: &Scenario, at: &str, step: &StepSpec) -> Result<MessageContent, LoadError> {
    Ok(MessageContent {
        subject: step.subject.clone(),
        text: step.text.clone().unwrap_or_else(|| "Hello".to_string()),
        parts: parts(s, at, &step.parts)?,
    })
}

/// The entry point a digital caller writes at.
pub(crate) fn caller_entry_point(
    s: &Scenario,
    t: &Tenant,
    at: &str,
    caller: &str,
) -> Result<EpIdx, LoadError> {
    let spec = s.file.callers.get(caller).ok_or_else(|| {
        invalid(
            s,
            format!("{at}: there is no caller \"{caller}\" under [callers]"),
        )
    })?;
    let name = spec.entry_point.as_deref().ok_or_else(|| {
        invalid(
            s,
            format!(
                "{at}: caller \"{caller}\" is not a digital customer: give it entry_point = \"<name>\""
            ),
        )
    })?;
    t.entry_point_by_name(name).ok_or_else(|| {
        invalid(
            s,
            format!("{at}: there is no entry point \"{name}\" in the configuration"),
        )
    })
}

/// The target a step names with `to_agent`, `to_queue`, `to_entry_point` or `to_number`.
fn target(
    s: &Scenario,
    t: &Tenant,
    at: &str,
    step: &StepSpec,
) -> Result<Option<Target>, LoadError> {
    let given = [
        &step.to_agent,
        &step.to_queue,
        &step.to_entry_point,
        &step.to_number,
    ];
    if given.iter().filter(|g| g.is_some()).count() > 1 {
        return Err(invalid(
            s,
            format!("{at}: give one target: to_agent, to_queue, to_entry_point or to_number"),
        ));
    }
    Ok(if let Some(a) = &step.to_agent {
        Some(Target::Agent(t.agent_by_id(a).ok_or_else(|| {
            invalid(
                s,
                format!("{at}: there is no agent \"{a}\" in the configuration"),
            )
        })?))
    } else if let Some(q) = &step.to_queue {
        Some(Target::Queue(t.queue_by_name(q).ok_or_else(|| {
            invalid(
                s,
                format!("{at}: there is no queue \"{q}\" in the configuration"),
            )
        })?))
    } else if let Some(e) = &step.to_entry_point {
        Some(Target::EntryPoint(t.entry_point_by_name(e).ok_or_else(
            || {
                invalid(
                    s,
                    format!("{at}: there is no entry point \"{e}\" in the configuration"),
                )
            },
        )?))
    } else {
        step.to_number.as_ref().map(|n| Target::Number(n.clone()))
    })
}

/// Resolves a `[[step]]` against the tenant.
pub fn resolve(s: &Scenario, t: &Tenant, n: usize, step: &StepSpec) -> Result<Action, LoadError> {
    let at = format!("step #{} (at {})", n + 1, step.at);
    let agent = match &step.agent {
        Some(id) => Some(t.agent_by_id(id).ok_or_else(|| {
            invalid(
                s,
                format!("{at}: there is no agent \"{id}\" in the configuration"),
            )
        })?),
        None => None,
    };
    if let Some(c) = &step.caller
        && !s.file.callers.contains_key(c)
    {
        return Err(invalid(
            s,
            format!("{at}: there is no caller \"{c}\" under [callers]"),
        ));
    }
    let needs = |what: &str| invalid(s, format!("{at}: do = \"{}\" needs {what}", step.action));
    let need_agent = || agent.ok_or_else(|| needs("agent = \"...\""));
    let idle_reason = |name: &Option<String>| -> Result<Option<IdleReasonIdx>, LoadError> {
        match name {
            None => Ok(None),
            Some(r) => t
                .idle_reason_by_name(r)
                .map(Some)
                .ok_or_else(|| invalid(s, format!("{at}: \"{r}\" is not an idle reason"))),
        }
    };
    let on_agent = |act: AgentAct| -> Result<Action, LoadError> {
        Ok(Action::Agent {
            agent: need_agent()?,
            act,
            caller: step.caller.clone(),
        })
    };
    let on_task = |f: fn(TaskId) -> AgentAction| on_agent(AgentAct::OnTask(f));
    let variable = || {
        step.variable
            .clone()
            .ok_or_else(|| needs("variable = \"...\""))
    };
    let campaign = || -> Result<CampaignIdx, LoadError> {
        let name = step
            .campaign
            .as_ref()
            .ok_or_else(|| needs("campaign = \"...\""))?;
        t.campaign_by_name(name).ok_or_else(|| {
            invalid(
                s,
                format!("{at}: there is no campaign \"{name}\" in the configuration"),
            )
        })
    };
    Ok(match step.action.as_str() {
        "login" => on_agent(AgentAct::Plain(AgentAction::Login))?,
        "logout" => on_agent(AgentAct::Plain(AgentAction::Logout))?,
        "available" => on_agent(AgentAct::Plain(AgentAction::SetAvailable))?,
        "idle" => {
            let reason = idle_reason(&step.reason)?.ok_or_else(|| needs("reason = \"...\""))?;
            on_agent(AgentAct::Plain(AgentAction::SetIdle { reason }))?
        }
        "accept" => on_task(|task| AgentAction::Accept { task })?,
        "accept_all" => on_agent(AgentAct::Plain(AgentAction::AcceptAll))?,
        "hold" => on_task(|task| AgentAction::Hold { task })?,
        "resume" => on_task(|task| AgentAction::Resume { task })?,
        "end" => on_task(|task| AgentAction::End { task })?,
        "end_consult" => on_task(|task| AgentAction::EndConsult { task })?,
        "hold_consulted" => on_task(|task| AgentAction::HoldConsulted { task })?,
        "resume_consulted" => on_task(|task| AgentAction::ResumeConsulted { task })?,
        "conference" => on_task(|task| AgentAction::Conference { task })?,
        "exit" => on_task(|task| AgentAction::Exit { task })?,
        "pause_recording" => on_task(|task| AgentAction::PauseRecording { task })?,
        "resume_recording" => on_task(|task| AgentAction::ResumeRecording { task })?,
        "wrap_up" => {
            let name = step
                .reason
                .as_ref()
                .ok_or_else(|| needs("reason = \"...\""))?;
            let reason = t
                .wrap_up_reason_by_name(name)
                .ok_or_else(|| invalid(s, format!("{at}: \"{name}\" is not a wrap-up reason")))?;
            on_agent(AgentAct::WrapUp {
                reason,
                idle: idle_reason(&step.idle)?,
            })?
        }
        "consult" => {
            let to = target(s, t, &at, step)?
                .ok_or_else(|| needs("a target (to_agent, to_queue, to_entry_point, to_number)"))?;
            on_agent(AgentAct::Consult(to))?
        }
        "transfer" => on_agent(AgentAct::Transfer(target(s, t, &at, step)?))?,
        "save" => {
            let value = step.value.clone().ok_or_else(|| needs("value = \"...\""))?;
            on_agent(AgentAct::Save {
                variable: variable()?,
                value,
                version: step.version,
            })?
        }
        "revert" => on_agent(AgentAct::Revert {
            variable: variable()?,
        })?,
        "reveal" => on_agent(AgentAct::Reveal {
            variable: variable()?,
        })?,
        "outdial" => {
            let number = step
                .number
                .clone()
                .ok_or_else(|| needs("number = \"...\""))?;
            let ep = match &step.entry_point {
                Some(e) => Some(t.entry_point_by_name(e).ok_or_else(|| {
                    invalid(
                        s,
                        format!("{at}: there is no entry point \"{e}\" in the configuration"),
                    )
                })?),
                None => None,
            };
            on_agent(AgentAct::Plain(AgentAction::Outdial { number, ep }))?
        }
        "pull_contact" => {
            let campaign = campaign()?;
            on_agent(AgentAct::Plain(AgentAction::PullContact { campaign }))?
        }
        "preview_accept" => on_task(|task| AgentAction::PreviewAccept { task })?,
        "preview_skip" => on_task(|task| AgentAction::PreviewSkip { task })?,
        "preview_remove" => on_task(|task| AgentAction::PreviewRemove { task })?,
        "load_contacts" => Action::LoadContacts(
            campaign()?,
            s.contacts_text(step)
                .map_err(|e| invalid(s, format!("{at}: {e}")))?,
        ),
        "pick_up" => Action::Phone(need_agent()?, PhoneEvent::Answered),
        "put_down" => Action::Phone(need_agent()?, PhoneEvent::HungUp),
        "phone_ringing" => Action::Phone(need_agent()?, PhoneEvent::Ringing),
        "phone_fail" => Action::Phone(need_agent()?, PhoneEvent::Failed),
        "hang_up" => match (&step.caller, &step.number) {
            (Some(c), None) => Action::HangUp(c.clone()),
            (None, Some(n)) => Action::NumberHangUp(
                DialNumber::parse(n).map_err(|e| invalid(s, format!("{at}: number: {e}")))?,
            ),
            _ => return Err(needs("caller = \"...\" or number = \"...\"")),
        },
        "press" => {
            let caller = step
                .caller
                .clone()
                .ok_or_else(|| needs("caller = \"...\""))?;
            let keys = step
                .keys
                .as_deref()
                .ok_or_else(|| needs("keys = \"...\""))?;
            let keys = parse_keys(s, &at, keys)?;
            match step.via.as_deref() {
                None => Action::Press(caller, keys),
                Some(_) if !s.file.audio => {
                    return Err(invalid(
                        s,
                        format!("{at}: via needs `audio = true` at the top of the scenario"),
                    ));
                }
                Some("tone") => Action::PressTones(caller, keys),
                Some("rfc4733") => Action::PressEvents(caller, keys),
                Some(other) => {
                    return Err(invalid(
                        s,
                        format!("{at}: via = \"{other}\" is neither \"tone\" nor \"rfc4733\""),
                    ));
                }
            }
        }
        "play" => {
            let caller = step
                .caller
                .clone()
                .ok_or_else(|| needs("caller = \"...\""))?;
            let file = step
                .audio
                .as_deref()
                .ok_or_else(|| needs("audio = \"<file.wav>\""))?;
            Action::Play(caller, audio_file(s, &format!("{at}.audio"), file)?)
        }
        "write" => {
            let caller = step
                .caller
                .clone()
                .ok_or_else(|| needs("caller = \"...\""))?;
            let ep = caller_entry_point(s, t, &at, &caller)?;
            let from = s.file.callers[&caller].from.clone();
            Action::Write {
                caller,
                ep,
                message: Box::new(InboundMessage {
                    from,
                    content: content(s, &at, step)?,
                    email: EmailHeaders {
                        message_id: step.message_id.as_deref().map(Into::into),
                        in_reply_to: step.in_reply_to.as_deref().map(Into::into),
                        references: Vec::new(),
                    },
                }),
            }
        }
        "send" => on_agent(AgentAct::Send(Box::new(content(s, &at, step)?)))?,
        "start_conversation" => {
            let ep = match (&step.entry_point, &step.caller) {
                (Some(e), _) => t.entry_point_by_name(e).ok_or_else(|| {
                    invalid(
                        s,
                        format!("{at}: there is no entry point \"{e}\" in the configuration"),
                    )
                })?,
                (None, Some(c)) => caller_entry_point(s, t, &at, c)?,
                (None, None) => return Err(needs("entry_point = \"...\"")),
            };
            let to = match (&step.address, &step.caller) {
                (Some(a), None) => a.clone(),
                (None, Some(c)) => s.file.callers[c].from.clone(),
                _ => {
                    return Err(needs(
                        "the customer: caller = \"...\" (a digital caller) or address = \"...\"",
                    ));
                }
            };
            on_agent(AgentAct::Start {
                ep,
                to,
                content: Box::new(content(s, &at, step)?),
            })?
        }
        "reconfigure" => Action::Reconfigure(
            s.reconfigure_text(step)
                .map_err(|e| invalid(s, format!("{at}: {e}")))?,
        ),
        other => {
            return Err(invalid(
                s,
                format!(
                    "{at}: unknown action \"{other}\"; use one of {} (docs/scenarios.md)",
                    ACTIONS.join(", ")
                ),
            ));
        }
    })
}
