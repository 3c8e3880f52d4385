//! One readable line per output, for traces and golden files:
//! `virtual time, subject, what changed and why`. Effects (what the outside is
//! asked to do) are marked with `>`. Secure values never appear (CAD-01): the
//! engine puts none into events, and a revealed one in a notice is masked here.

use std::fmt::Write;

use crate::config::{HoursStatus, Tenant};
use crate::event::*;
use crate::ids::*;
use crate::input::DialOutcome;
use crate::legs::Leg;
use crate::output::{ContactRequest, Effect, Notice, Output, RequestKind};
use crate::time::SimTime;

/// Names the renderer cannot get from the tenant: the driver's names for calls.
pub trait CallNames {
    fn call_name(&self, call: CallId) -> String;
}

/// Calls named `call N`.
pub struct NumberedCalls;

impl CallNames for NumberedCalls {
    fn call_name(&self, call: CallId) -> String {
        format!("call {}", call.0)
    }
}

fn agent(t: &Tenant, a: AgentIdx) -> String {
    t.agents
        .get(a.ix())
        .map_or_else(|| format!("agent #{}", a.0), |x| format!("agent {}", x.id))
}

fn agent_id(t: &Tenant, a: AgentIdx) -> &str {
    t.agents.get(a.ix()).map_or("?", |x| &x.id)
}

fn queue(t: &Tenant, q: QueueIdx) -> &str {
    t.queues.get(q.ix()).map_or("?", |x| &x.name)
}

fn ep(t: &Tenant, e: EpIdx) -> &str {
    t.entry_points.get(e.ix()).map_or("?", |x| &x.name)
}

fn prompt(t: &Tenant, p: PromptIdx) -> &str {
    t.prompts.get(p.ix()).map_or("?", |x| &x.name)
}

fn leg(t: &Tenant, names: &dyn CallNames, l: Leg) -> String {
    match l {
        Leg::Customer(call) => names.call_name(call),
        Leg::Agent(a) => agent_id(t, a).to_string(),
        Leg::External(id) => format!("number {id}"),
    }
}

fn legs(t: &Tenant, names: &dyn CallNames, ls: &[Leg]) -> String {
    if ls.is_empty() {
        return "nobody".to_string();
    }
    ls.iter()
        .map(|l| leg(t, names, *l))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The state as shown, with an idle reason's name.
pub fn state_name(t: &Tenant, s: AgentState) -> String {
    match s {
        AgentState::Idle(r) => format!("Idle({})", t.idle_reasons.get(r.ix()).map_or("?", |x| x)),
        other => other.name().to_string(),
    }
}

fn presence_name(t: &Tenant, p: Presence) -> String {
    match p {
        Presence::Idle(r) => format!("Idle({})", t.idle_reasons.get(r.ix()).map_or("?", |x| x)),
        other => other.name().to_string(),
    }
}

fn target(t: &Tenant, target: &TargetRef) -> String {
    match target {
        TargetRef::Agent(a) => agent(t, *a),
        TargetRef::Queue(q) => format!("queue {}", queue(t, *q)),
        TargetRef::EntryPoint(e) => format!("entry point {}", ep(t, *e)),
        TargetRef::EntryPointNumber(e, n) => {
            format!("entry point {} via its number {n}", ep(t, *e))
        }
        TargetRef::Number(n) => format!("number {n}"),
    }
}

fn reason_text(r: StateReason) -> &'static str {
    match r {
        StateReason::Login => "login",
        StateReason::Logout => "logout",
        StateReason::AgentChoice => "agent's choice",
        StateReason::Offer => "offer",
        StateReason::ContactRequest => "contact request",
        StateReason::Answered => "answered",
        StateReason::NoAnswer => "no answer in time",
        StateReason::Declined => "declined",
        StateReason::DeviceFailed => "device failed",
        StateReason::OfferWithdrawn => "withdrawn",
        StateReason::CallEnded => "call ended",
        StateReason::WrapUpDone => "wrap-up done",
        StateReason::Reconfigured => "reconfigured",
        StateReason::Consulted => "consult accepted",
        StateReason::ConsultEnded => "consult ended",
        StateReason::Transferred => "transferred",
        StateReason::LeftCall => "left the call",
        StateReason::PreviewDone => "contact done",
    }
}

/// Renders one output at `now` as a trace line.
pub fn render(now: SimTime, out: &Output, t: &Tenant, names: &dyn CallNames) -> String {
    let (subject, text) = match out {
        Output::Event(e) => event_line(&e.kind, t, names),
        Output::Effect(e) => {
            let (s, x) = effect_line(e, t, names);
            (s, format!("> {x}"))
        }
    };
    let at = match out {
        Output::Event(e) => e.at,
        Output::Effect(_) => now,
    };
    format!("{at}  {subject:<14} {text}")
}

fn event_line(kind: &EventKind, t: &Tenant, names: &dyn CallNames) -> (String, String) {
    use EventKind::*;
    let task_line = |task: &TaskId, text: String| (task.to_string(), text);
    match kind {
        AgentState {
            agent: a,
            from,
            to,
            reason,
        } => (
            agent(t, *a),
            format!(
                "{} -> {} ({})",
                presence_name(t, *from),
                presence_name(t, *to),
                reason_text(*reason)
            ),
        ),
        Work {
            agent: a,
            task,
            role,
            from,
            to,
            reason,
        } => {
            let phase = |p: &Option<WorkPhase>| p.map_or("finished", |p| p.name());
            let role = match role {
                Role::Owner => "",
                Role::Consulted => " (consulted)",
            };
            let text = if from.is_none() {
                format!("{task}{role}: {} ({})", phase(to), reason_text(*reason))
            } else if from == to {
                format!(
                    "{task}: now owns the call, {} ({})",
                    phase(to),
                    reason_text(*reason)
                )
            } else {
                format!(
                    "{task}{role}: {} -> {} ({})",
                    phase(from),
                    phase(to),
                    reason_text(*reason)
                )
            };
            (agent(t, *a), text)
        }
        Hook { agent: a, off_hook } => (
            agent(t, *a),
            format!("handset {}", if *off_hook { "off-hook" } else { "on-hook" }),
        ),
        Connection { agent: a, up } => (
            agent(t, *a),
            format!("persistent connection {}", if *up { "up" } else { "down" }),
        ),
        TaskCreated {
            task,
            kind,
            channel,
            customer,
            ep: e,
            numbers,
        } => {
            let what = match kind {
                TaskKind::Inbound => "created",
                TaskKind::Outdial => "outdial created",
                TaskKind::Callback => "callback created",
                TaskKind::Campaign => "campaign contact created",
                TaskKind::Conversation => "outbound conversation created",
            };
            task_line(
                task,
                format!(
                    "{what}: {channel} {}{} at entry point {}",
                    leg(t, names, *customer),
                    numbers
                        .as_ref()
                        .map(|n| format!(" from {} to {}", n.from, n.to))
                        .unwrap_or_default(),
                    ep(t, *e)
                ),
            )
        }
        FlowStep {
            task,
            flow,
            step,
            outcome,
        } => {
            let f = t.flows.get(flow.ix());
            let fname = f.map_or("?", |f| &f.name);
            let sname = f
                .and_then(|f| f.step_names.get(step.ix()))
                .map_or("?", |s| s);
            let what = match outcome {
                StepOutcome::Hours { status } => match status {
                    HoursStatus::Open => "business hours: open".to_string(),
                    HoursStatus::Closed => "business hours: closed".to_string(),
                    HoursStatus::Holiday => "business hours: holiday".to_string(),
                },
                StepOutcome::Play { prompt: p } => format!("play {}", prompt(t, *p)),
                StepOutcome::Menu { prompt: p, attempt } => {
                    format!("menu {} (attempt {attempt})", prompt(t, *p))
                }
                StepOutcome::Key {
                    digit,
                    matched: true,
                } => format!("key {digit} chosen"),
                StepOutcome::Key {
                    digit,
                    matched: false,
                } => format!("key {digit} matches no option"),
                StepOutcome::NoKey => "no key pressed in time".to_string(),
                StepOutcome::MenuExhausted => "menu out of attempts".to_string(),
                StepOutcome::Set { var, value } => {
                    let vname = f
                        .and_then(|f| f.variables.get(var.ix()))
                        .map_or("?", |v| &v.name);
                    match value {
                        Some(v) => format!("set {vname} = \"{v}\""),
                        None => format!("set {vname} = ******** (secure)"),
                    }
                }
                StepOutcome::Callback { number: Some(n) } => format!("callback to {n}"),
                StepOutcome::Callback { number: None } => {
                    "no callback: the number is not a dial number".to_string()
                }
                StepOutcome::Disconnect => "disconnect".to_string(),
                StepOutcome::End => "flow ends without queueing".to_string(),
            };
            task_line(task, format!("flow {fname}, step {sname}: {what}"))
        }
        TaskQueued {
            task,
            queue: q,
            position,
            priority,
            requeued,
            ewt,
        } => {
            let ewt = ewt.map_or_else(|| "unknown".to_string(), |d| d.to_string());
            task_line(
                task,
                if *requeued {
                    format!(
                        "back in queue {} at position {position} (original place kept), estimated wait {ewt}",
                        queue(t, *q)
                    )
                } else {
                    format!(
                        "queued in {} at position {position} (priority {priority}), estimated wait {ewt}",
                        queue(t, *q)
                    )
                },
            )
        }
        OfferConnecting { task, agent: a } => {
            task_line(task, format!("offered to {}: Connecting", agent_id(t, *a)))
        }
        ContactRequest { task, agent: a } => task_line(
            task,
            format!("Contact Request showing to {}", agent_id(t, *a)),
        ),
        OfferEnded {
            task,
            agent: a,
            outcome,
        } => {
            let how = match outcome {
                OfferOutcome::Accepted => "accepted",
                OfferOutcome::NoAnswer => "not answered in time (RONA)",
                OfferOutcome::Declined => "declined (RONA)",
                OfferOutcome::DeviceFailed => "device failed (RONA)",
                OfferOutcome::Withdrawn => "withdrawn",
            };
            task_line(task, format!("offer to {} {how}", agent_id(t, *a)))
        }
        TaskAnswered {
            task,
            agent: a,
            waited,
        } => task_line(
            task,
            format!("answered by {} after {waited} in queue", agent_id(t, *a)),
        ),
        TaskHeld { task } => task_line(task, "customer on hold".to_string()),
        TaskResumed { task } => task_line(task, "customer resumed".to_string()),
        RecordingStarted { task } => task_line(task, "recording started".to_string()),
        RecordingStopped { task } => task_line(task, "recording stopped".to_string()),
        RecordingPaused { task, until } => task_line(
            task,
            match until {
                Some(at) => format!("recording paused by the privacy shield until {at}"),
                None => "recording paused".to_string(),
            },
        ),
        RecordingResumed { task, auto } => task_line(
            task,
            if *auto {
                "recording resumed by itself (privacy shield over)"
            } else {
                "recording resumed"
            }
            .to_string(),
        ),
        ConsultRequested { task, target: to } => task_line(
            task,
            format!("consult requested with {}; customer on hold", target(t, to)),
        ),
        ConsultQueued {
            task,
            queue: q,
            position,
        } => task_line(
            task,
            format!(
                "consult request waits in {} at position {position}",
                queue(t, *q)
            ),
        ),
        ConsultAccepted { task, party } => task_line(
            task,
            format!("consult accepted by {}", leg(t, names, *party)),
        ),
        ConsultedHeld { task } => task_line(task, "consulted party on hold".to_string()),
        ConsultedResumed { task } => task_line(task, "consulted party resumed".to_string()),
        ConsultEnded { task, how } => {
            let how = match how {
                ConsultEnd::Ended => "ended by agent 1",
                ConsultEnd::Exited => "the consulted party left",
                ConsultEnd::Failed => "failed",
                ConsultEnd::Transferred => "turned into a transfer",
                ConsultEnd::Conferenced => "turned into a conference",
                ConsultEnd::CustomerLeft => "ended: the customer hung up",
                ConsultEnd::Agent1HungUp => "ended: the call ended",
            };
            task_line(task, format!("consult {how}"))
        }
        ConferenceStarted { task } => task_line(task, "conference started".to_string()),
        LeftConference { task, leg: l } => {
            task_line(task, format!("{} left the conference", leg(t, names, *l)))
        }
        TransferRequested { task, target: to } => {
            task_line(task, format!("blind transfer to {}", target(t, to)))
        }
        Transferred { task, to } => {
            task_line(task, format!("transferred to {}", leg(t, names, *to)))
        }
        Dialing {
            task,
            leg: l,
            number,
        } => task_line(task, format!("dialling {number} as {l}")),
        DialEnded {
            task,
            leg: l,
            outcome,
        } => {
            let how = dial_outcome(*outcome);
            task_line(task, format!("{l} {how}"))
        }
        LegEnded { task, leg: l } => task_line(task, format!("{l} hung up")),
        MachineDetected {
            task,
            leg: l,
            result,
        } => {
            use crate::audio::amd::{Cause, Verdict};
            let verdict = match result.verdict {
                Verdict::Human => "a person",
                Verdict::Machine => "an answering machine",
                Verdict::NotSure => "not sure",
            };
            let cause = match result.cause {
                Cause::InitialSilence => "silence at first",
                Cause::LongGreeting => "a long greeting",
                Cause::MaxWords => "too many words",
                Cause::MaxWordLength => "a word too long",
                Cause::Human => "a short greeting, then silence",
                Cause::TooLong => "no decision in time",
            };
            task_line(
                task,
                format!(
                    "{l} answering-machine detection: {verdict} ({cause}, after {} ms)",
                    result.after_ms
                ),
            )
        }
        CallEnded { task, cause } => {
            let by = match cause {
                EndCause::AgentEnded => "the agent pressed End",
                EndCause::AgentHungUp => "the agent hung up",
                EndCause::CustomerHungUp => "the customer hung up",
                EndCause::AgentDeviceFailed => "the agent's device failed",
                EndCause::TransferredOut => "the transferred call ended",
            };
            task_line(task, format!("call ended: {by}"))
        }
        VariableSaved {
            task,
            var,
            agent: a,
            version,
            value,
        } => {
            let shown = value
                .as_deref()
                .map_or_else(|| "******** (secure)".to_string(), |v| format!("\"{v}\""));
            task_line(
                task,
                format!(
                    "variable #{} saved by {} as version {version}: {shown}",
                    var.0,
                    agent_id(t, *a)
                ),
            )
        }
        WrapUpSubmitted {
            task,
            agent: a,
            reason,
            auto,
        } => task_line(
            task,
            format!(
                "wrap-up \"{}\" {} {}",
                t.wrap_up.reasons.get(reason.ix()).map_or("?", |r| r),
                if *auto {
                    "submitted automatically for"
                } else {
                    "submitted by"
                },
                agent_id(t, *a)
            ),
        ),
        TaskClosed { task, outcome } => {
            let how = match outcome {
                TaskOutcome::Handled => "handled".to_string(),
                TaskOutcome::Abandoned { stage } => match stage {
                    AbandonStage::Flow => "abandoned in the flow".to_string(),
                    AbandonStage::Queue => "abandoned in queue".to_string(),
                    AbandonStage::Offer => "abandoned while offered".to_string(),
                    AbandonStage::Transfer => "abandoned: the transfer was not taken".to_string(),
                },
                TaskOutcome::Disconnected => "disconnected by the flow".to_string(),
                TaskOutcome::NotReached => "the customer was not reached".to_string(),
                TaskOutcome::Cancelled => "cancelled".to_string(),
                TaskOutcome::Skipped => "contact skipped".to_string(),
                TaskOutcome::Removed => "contact removed".to_string(),
            };
            task_line(task, format!("closed: {how}"))
        }
        Refused {
            agent: a,
            action,
            reason,
        } => (
            a.map_or_else(|| "engine".to_string(), |a| agent(t, a)),
            format!(
                "refused to {}: {reason} [{}]",
                action.label(),
                reason.code()
            ),
        ),
        Ignored { what } => {
            let why = match what {
                crate::event::Ignored::StalePrompt => "a prompt result no longer awaited",
                crate::event::Ignored::DigitOutsideMenu => "a key pressed outside a menu",
                crate::event::Ignored::StalePhone => "a phone event that matches nothing",
                crate::event::Ignored::CustomerGone => "an input for a call already gone",
                crate::event::Ignored::StaleDial => "a dial result no longer awaited",
            };
            ("engine".to_string(), format!("ignored {why}"))
        }
        ConfigApplied => (
            "config".to_string(),
            "new configuration applied".to_string(),
        ),
        OverflowHolds { task, queue: q } => task_line(
            task,
            format!(
                "overflow holds in {}: direct callback will be offered",
                queue(t, *q)
            ),
        ),
        CallbackOffered {
            task,
            source,
            offer,
        } => task_line(
            task,
            format!("{} callback offer #{offer}", source_text(*source)),
        ),
        CallbackRequested {
            task,
            source,
            number,
        } => task_line(
            task,
            format!(
                "{} callback requested to {number}; it keeps its place",
                source_text(*source)
            ),
        ),
        CallbackWaitsForHours { task, opens } => task_line(
            task,
            match opens {
                Some(at) => format!("callback waits for the callback hours, which open at {at}"),
                None => "callback waits for the callback hours, which never open".to_string(),
            },
        ),
        DialCancelled { task, leg: l } => {
            task_line(task, format!("dial of leg {} cancelled by the agent", l.0))
        }
        ContactsLoaded {
            campaign: c,
            kept,
            rejected,
        } => {
            let mut text = format!(
                "contact list loaded: {kept} kept, {} rejected",
                rejected.len()
            );
            // Each reason names its line.
            for (_, why) in rejected.iter() {
                let _ = write!(text, "; {why}");
            }
            (format!("campaign {}", campaign(t, *c)), text)
        }
        ContactReserved {
            task,
            campaign: c,
            agent: a,
            number,
        } => task_line(
            task,
            format!(
                "contact {number} of campaign {} for {}",
                campaign(t, *c),
                agent_id(t, *a)
            ),
        ),
        PreviewShown { task, agent: a } => {
            task_line(task, format!("preview shown to {}", agent_id(t, *a)))
        }
        PreviewChosen { task, action, auto } => task_line(
            task,
            format!(
                "{} {}",
                preview_action(*action),
                if *auto {
                    "at the preview timeout"
                } else {
                    "by the agent"
                }
            ),
        ),
        ConversationOpened {
            task,
            address,
            outbound,
            previous,
        } => {
            let mut text = format!(
                "{} conversation with {address}",
                if *outbound { "outbound" } else { "new" }
            );
            if let Some(p) = previous {
                let _ = write!(text, ", continuing {p} (its history kept)");
            }
            task_line(task, text)
        }
        MessageReceived { task, count } => task_line(task, format!("customer message #{count}")),
        MessageSent {
            task,
            agent: a,
            count,
        } => task_line(
            task,
            format!("message #{count} sent by {}", agent_id(t, *a)),
        ),
        MessageDelivery { task, delivered } => task_line(
            task,
            if *delivered {
                "message delivered".to_string()
            } else {
                "message not delivered".to_string()
            },
        ),
        ConversationClosed { task } => task_line(task, "conversation closed".to_string()),
        TransferRejected { task, target } => task_line(
            task,
            format!(
                "transfer to {} not accepted: the task stays",
                agent_id(t, *target)
            ),
        ),
        ContactDone {
            campaign: c,
            number,
            fate,
            attempts,
        } => {
            let what = match fate {
                ContactFate::Skipped => "skipped: back at the end of the list",
                ContactFate::Removed => "removed from the campaign",
                ContactFate::Retry => "not reached: back at the end of the list",
                ContactFate::Exhausted => "not reached: out of attempts, dropped",
                ContactFate::Done => "reached: done",
                ContactFate::Returned => "back at the front of the list",
            };
            (
                format!("campaign {}", campaign(t, *c)),
                format!("contact {number} {what} (attempts {attempts})"),
            )
        }
    }
}

fn effect_line(e: &Effect, t: &Tenant, names: &dyn CallNames) -> (String, String) {
    match e {
        Effect::RingAgent { agent: a, task } => (agent(t, *a), format!("ring phone for {task}")),
        Effect::StopRinging { agent: a, task } => {
            (agent(t, *a), format!("stop ringing for {task}"))
        }
        Effect::PlayPrompt {
            call,
            prompt: p,
            request,
            collect_digits,
        } => (
            names.call_name(*call),
            format!(
                "play prompt {} {request}{}",
                prompt(t, *p),
                if *collect_digits {
                    " (collect keys)"
                } else {
                    ""
                }
            ),
        ),
        Effect::StopPrompt { call } => (names.call_name(*call), "stop prompt".to_string()),
        Effect::QueueMusic { call, queue: q, .. } => (
            names.call_name(*call),
            format!("queue music of {}", queue(t, *q)),
        ),
        Effect::Mix(m) => {
            let mut parts = Vec::new();
            if !m.talking.is_empty() {
                parts.push(format!("{} talk", legs(t, names, &m.talking)));
            }
            if !m.on_hold.is_empty() {
                parts.push(format!("{} on hold (music)", legs(t, names, &m.on_hold)));
            }
            let text = format!("mix: {}", parts.join("; "));
            (m.task.to_string(), text)
        }
        Effect::Dial {
            task,
            leg: l,
            number,
            request,
        } => (task.to_string(), format!("dial {number} as {l} {request}")),
        Effect::Release { leg: l } => match l {
            Leg::Customer(call) => (names.call_name(*call), "hang up".to_string()),
            Leg::Agent(a) => (agent(t, *a), "release phone leg".to_string()),
            Leg::External(id) => (format!("number {id}"), "hang up".to_string()),
        },
        Effect::StartRecording { task } => (task.to_string(), "start recording".to_string()),
        Effect::DetectMachine { task, leg: l, .. } => (
            task.to_string(),
            format!("listen for an answering machine on {l}"),
        ),
        Effect::StopRecording { task } => (task.to_string(), "stop recording".to_string()),
        Effect::PauseRecording { task } => {
            (task.to_string(), "pause recording (gap marked)".to_string())
        }
        Effect::ResumeRecording { task } => (task.to_string(), "resume recording".to_string()),
        Effect::Notify { agent: a, notice } => {
            (agent(t, *a), format!("desktop: {}", notice_text(notice, t)))
        }
        Effect::SendMessage(m) => {
            let mut text = format!("send to {} from {}", m.to, ep(t, m.ep));
            if let Some(s) = &m.content.subject {
                let _ = write!(text, ", subject \"{s}\"");
            }
            let _ = write!(text, ": \"{}\"", m.content.text);
            if let Some(id) = &m.email.message_id {
                let _ = write!(text, " [Message-ID {id}");
                if let Some(r) = &m.email.in_reply_to {
                    let _ = write!(text, ", in reply to {r}");
                }
                text.push(']');
            }
            for h in &m.hosted {
                let _ = write!(
                    text,
                    "; image {} hosted at {} until {}",
                    h.name,
                    h.url,
                    wall_date(h.retain_until)
                );
            }
            let _ = write!(text, " {}", m.request);
            (m.task.to_string(), text)
        }
    }
}

fn notice_text(n: &Notice, t: &Tenant) -> String {
    match n {
        Notice::Connecting { task } => format!("Connecting ({task})"),
        Notice::ContactRequest(c) => {
            let ContactRequest {
                task,
                kind,
                channel,
                from,
                to,
                queue: q,
                variables,
                timeout,
                since,
            } = c.as_ref();
            let kind = match kind {
                RequestKind::Inbound => "",
                RequestKind::Outdial => "outdial ",
                RequestKind::Consult => "consult ",
                RequestKind::ConsultViaEntryPoint => "consult via entry point number ",
                RequestKind::Transfer | RequestKind::QueuedTransfer => "transfer ",
                RequestKind::Callback => "Callback ",
                RequestKind::Reservation => "campaign reservation ",
                RequestKind::Conversation => "conversation ",
            };
            let via = q.map_or_else(String::new, |q| format!(" via {}", queue(t, q)));
            let received = since.map_or_else(String::new, |at| format!(", received at {at}"));
            let mut s = format!(
                "{kind}Contact Request ({task}, {channel}) from {from} to {to}{via}{received}, {timeout} to answer"
            );
            if !variables.is_empty() {
                s.push_str(" [");
                for (i, (label, value)) in variables.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    let _ = write!(s, "{label}: {value}");
                }
                s.push(']');
            }
            s
        }
        Notice::OfferWithdrawn { task } => format!("request of {task} withdrawn"),
        Notice::Rona { task } => format!("RONA on {task}: choose Available or Idle"),
        Notice::WrapUp {
            task,
            auto_after,
            controls,
        } => match auto_after {
            Some(d) => format!("wrap up {task} (automatic after {d}); controls: {controls}"),
            None => format!("wrap up {task}; controls: {controls}"),
        },
        Notice::Refused { action, reason } => format!("cannot {}: {reason}", action.label()),
        Notice::Controls { task, controls } => format!("controls on {task}: {controls}"),
        Notice::ConsultFailed { task } => {
            format!("consult on {task} failed; the customer is still on hold")
        }
        Notice::Requests(stack) => {
            let shown: Vec<String> = stack
                .shown
                .iter()
                .map(|(task, channel)| format!("{task} {channel}"))
                .collect();
            if stack.total as usize > stack.shown.len() {
                format!(
                    "requests 1-{} of {}: {}",
                    stack.shown.len(),
                    stack.total,
                    shown.join(", ")
                )
            } else {
                format!(
                    "requests ({}): {}",
                    stack.total,
                    if shown.is_empty() {
                        "none".into()
                    } else {
                        shown.join(", ")
                    }
                )
            }
        }
        Notice::Variable(v) => {
            // A revealed secure value goes to the desktop, never into a trace.
            let value = if v.secure {
                crate::engine::MASK.to_string()
            } else {
                format!("\"{}\"", v.value)
            };
            let revealed = if v.revealed {
                " (revealed to this agent)"
            } else {
                ""
            };
            let by = v
                .saved_by
                .map_or_else(String::new, |a| format!(", saved by {}", agent_id(t, a)));
            format!(
                "variable #{} of {} = {value}{revealed}, version {}{by}",
                v.var.0, v.task, v.version
            )
        }
        Notice::VariableConflict { task, var, winner } => format!(
            "your save of variable #{} of {task} lost: {} saved first",
            var.0,
            agent_id(t, *winner)
        ),
        Notice::Dialing {
            task,
            since,
            cancel,
        } => {
            if *cancel {
                format!("{task} dialling the customer: Cancel (since {since})")
            } else {
                format!("{task} dialling the customer: Ringing (since {since})")
            }
        }
        Notice::NotReached { task, outcome } => {
            format!(
                "{task}: the customer was not reached ({})",
                dial_outcome(*outcome)
            )
        }
        Notice::AnsweringMachine { task } => {
            format!("{task}: an answering machine answered; leave a message or end the call")
        }
        Notice::Preview(p) => {
            let mut s = format!(
                "preview of {} ({}, campaign {}): accept",
                p.number,
                p.task,
                campaign(t, p.campaign)
            );
            if p.skip {
                s.push_str(", skip");
            }
            if p.remove {
                s.push_str(", remove");
            }
            let _ = write!(
                s,
                "; {} after {}",
                preview_action(p.timeout_action),
                p.timeout
            );
            if !p.values.is_empty() {
                s.push_str(" [");
                for (i, (label, value)) in p.values.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    let _ = write!(s, "{label}: {value}");
                }
                s.push(']');
            }
            s
        }
        Notice::PreviewTimedOut { task, action } => {
            format!("preview of {task} timed out: {}", preview_action(*action))
        }
        Notice::Message { task, messages } => {
            format!("{task}: the customer wrote (message #{messages})")
        }
        Notice::ConversationStarted { task } => {
            format!("{task}: outbound conversation started and accepted")
        }
        Notice::TransferRejected { task } => {
            format!("{task}: the transfer was not accepted; the task stays with you")
        }
        Notice::MessageFailed { task } => format!("{task}: a message was not delivered"),
        Notice::CampaignIcon {
            campaign: c,
            enabled,
        } => format!(
            "campaign {} icon {}",
            campaign(t, *c),
            if *enabled { "enabled" } else { "disabled" }
        ),
    }
}

/// A Unix instant in microseconds as a UTC date.
fn wall_date(micros: i64) -> String {
    chrono::DateTime::from_timestamp(micros.div_euclid(1_000_000), 0)
        .map_or_else(|| micros.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

fn dial_outcome(o: DialOutcome) -> &'static str {
    match o {
        DialOutcome::Answered => "answered",
        DialOutcome::Machine => "answered by a machine (AMD)",
        DialOutcome::Busy => "busy",
        DialOutcome::NoAnswer => "no answer",
        DialOutcome::Failed => "failed",
    }
}

fn source_text(s: CallbackSource) -> &'static str {
    match s {
        CallbackSource::Flow => "flow",
        CallbackSource::Courtesy => "courtesy",
        CallbackSource::Direct => "direct",
        CallbackSource::Web => "web",
    }
}

fn preview_action(a: crate::config::PreviewAction) -> &'static str {
    match a {
        crate::config::PreviewAction::Accept => "accept",
        crate::config::PreviewAction::Skip => "skip",
        crate::config::PreviewAction::Remove => "remove",
    }
}

fn campaign(t: &Tenant, c: CampaignIdx) -> &str {
    t.campaigns.get(c.ix()).map_or("?", |c| &c.name)
}
