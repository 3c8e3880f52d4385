//! One readable line per output, for traces and golden files:
//! `virtual time, subject, what changed and why`. Effects (what the outside is
//! asked to do) are marked with `>`. Secure values never reach here (CAD-01):
//! the engine does not put them into events.

use std::fmt::Write;

use crate::config::{HoursStatus, Tenant};
use crate::event::*;
use crate::ids::*;
use crate::output::{ContactRequest, Effect, Notice, Output};
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

fn prompt(t: &Tenant, p: PromptIdx) -> &str {
    t.prompts.get(p.ix()).map_or("?", |x| &x.name)
}

/// The state as shown, with an idle reason's name.
pub fn state_name(t: &Tenant, s: AgentState) -> String {
    match s {
        AgentState::Idle(r) => format!("Idle({})", t.idle_reasons.get(r.ix()).map_or("?", |x| x)),
        other => other.name().to_string(),
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
        StateReason::OfferWithdrawn => "caller hung up",
        StateReason::CallEnded => "call ended",
        StateReason::WrapUpDone => "wrap-up done",
        StateReason::Reconfigured => "reconfigured",
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
                state_name(t, *from),
                state_name(t, *to),
                reason_text(*reason)
            ),
        ),
        Hook { agent: a, off_hook } => (
            agent(t, *a),
            format!("handset {}", if *off_hook { "off-hook" } else { "on-hook" }),
        ),
        TaskCreated {
            task,
            call,
            ep,
            numbers,
        } => (
            task.to_string(),
            format!(
                "created: {} from {} to {} at entry point {}",
                names.call_name(*call),
                numbers.from,
                numbers.to,
                t.entry_points.get(ep.ix()).map_or("?", |e| &e.name)
            ),
        ),
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
                StepOutcome::Disconnect => "disconnect".to_string(),
                StepOutcome::End => "flow ends without queueing".to_string(),
            };
            (
                task.to_string(),
                format!("flow {fname}, step {sname}: {what}"),
            )
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
            (
                task.to_string(),
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

        OfferConnecting { task, agent: a } => (
            task.to_string(),
            format!("offered to {}: Connecting", agent_id(t, *a)),
        ),
        ContactRequest { task, agent: a } => (
            task.to_string(),
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
                OfferOutcome::Withdrawn => "withdrawn: the caller hung up",
            };
            (
                task.to_string(),
                format!("offer to {} {how}", agent_id(t, *a)),
            )
        }
        TaskAnswered {
            task,
            agent: a,
            waited,
        } => (
            task.to_string(),
            format!("answered by {} after {waited} in queue", agent_id(t, *a)),
        ),
        TaskHeld { task } => (task.to_string(), "customer on hold".to_string()),
        TaskResumed { task } => (task.to_string(), "customer resumed".to_string()),
        RecordingStarted { task } => (task.to_string(), "recording started".to_string()),
        RecordingStopped { task } => (task.to_string(), "recording stopped".to_string()),
        CallEnded { task, cause } => {
            let by = match cause {
                EndCause::AgentEnded => "the agent pressed End",
                EndCause::AgentHungUp => "the agent hung up",
                EndCause::CustomerHungUp => "the customer hung up",
                EndCause::AgentDeviceFailed => "the agent's device failed",
            };
            (task.to_string(), format!("call ended: {by}"))
        }
        WrapUpSubmitted {
            task,
            agent: a,
            reason,
            auto,
        } => (
            task.to_string(),
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
                },
                TaskOutcome::Disconnected => "disconnected by the flow".to_string(),
            };
            (task.to_string(), format!("closed: {how}"))
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
            };
            ("engine".to_string(), format!("ignored {why}"))
        }
        ConfigApplied => (
            "config".to_string(),
            "new configuration applied".to_string(),
        ),
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
        Effect::QueueMusic { call, queue: q } => (
            names.call_name(*call),
            format!("queue music of {}", queue(t, *q)),
        ),
        Effect::Bridge { call, agent: a } => (
            names.call_name(*call),
            format!("bridge with {}", agent_id(t, *a)),
        ),
        Effect::Hold { call, agent: a } => (
            names.call_name(*call),
            format!("hold: music on hold, {} hears silence", agent_id(t, *a)),
        ),
        Effect::HangUp { call } => (names.call_name(*call), "hang up".to_string()),
        Effect::ReleaseAgent { agent: a } => (agent(t, *a), "release phone leg".to_string()),
        Effect::StartRecording { task, .. } => (task.to_string(), "start recording".to_string()),
        Effect::StopRecording { task, .. } => (task.to_string(), "stop recording".to_string()),
        Effect::Notify { agent: a, notice } => {
            (agent(t, *a), format!("desktop: {}", notice_text(notice, t)))
        }
    }
}

fn notice_text(n: &Notice, t: &Tenant) -> String {
    match n {
        Notice::Connecting { task } => format!("Connecting ({task})"),
        Notice::ContactRequest(c) => {
            let ContactRequest {
                task,
                from,
                to,
                queue: q,
                variables,
                timeout,
            } = c.as_ref();

            let mut s = format!(
                "Contact Request ({task}) from {from} to {to} via {}, {timeout} to answer",
                queue(t, *q)
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
        Notice::OfferWithdrawn { task } => format!("offer of {task} withdrawn"),
        Notice::Rona { task } => format!("RONA on {task}: choose Available or Idle"),
        Notice::WrapUp { task, auto_after } => match auto_after {
            Some(d) => format!("wrap up {task} (automatic after {d})"),
            None => format!("wrap up {task}"),
        },
        Notice::Refused { action, reason } => format!("cannot {}: {reason}", action.label()),
    }
}
