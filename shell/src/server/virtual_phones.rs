//! Virtual telephony for demos (`serve --virtual-phones`): until real SIP, SMTP
//! and SMS drivers exist, simple virtual parties stand in for them, as the
//! simulator's do, but on the wall clock:
//!
//! - an agent's phone rings half a second after the engine asks (a softphone:
//!   the agent answers by accepting on the desktop);
//! - a prompt finishes playing after [`PROMPT`];
//! - a number the engine dials answers after [`DIAL_ANSWER`];
//! - answering-machine detection finds a person after [`AMD_VERDICT`];
//! - a message sent is reported delivered after [`DELIVERY`];
//! - a virtual caller (`POST /api/admin/calls`) hangs up when its patience
//!   runs out unanswered, or its talk time after the answer.
//!
//! What the parties do are inputs like any other: they go through the input
//! log, so a demo day replays like a production one.

use std::collections::BTreeMap;
use std::time::Duration;

use switchboard_core::audio::amd::{AmdResult, Cause, Verdict};
use switchboard_core::engine::Engine;
use switchboard_core::event::EventKind;
use switchboard_core::ids::CallId;
use switchboard_core::input::{DialOutcome, Input, PhoneEvent};
use switchboard_core::{Effect, Output, SimDuration, SimTime};

const RING: SimDuration = SimDuration::from_millis(500);
const PROMPT: SimDuration = SimDuration::from_secs(3);
const DIAL_ANSWER: SimDuration = SimDuration::from_secs(3);
const AMD_VERDICT: SimDuration = SimDuration::from_secs(2);
const DELIVERY: SimDuration = SimDuration::from_secs(1);

/// A virtual caller's patience and talk time.
#[derive(Clone, Copy, Debug)]
struct Caller {
    talk: Option<SimDuration>,
}

/// The virtual parties and what they will do when.
#[derive(Default)]
pub struct VirtualPhones {
    due: BTreeMap<(SimTime, u64), Input>,
    seq: u64,
    callers: BTreeMap<CallId, Caller>,
}

fn dur(d: Duration) -> SimDuration {
    SimDuration::from_millis(d.as_millis() as u64)
}

impl VirtualPhones {
    pub fn new() -> VirtualPhones {
        VirtualPhones::default()
    }

    fn at(&mut self, at: SimTime, input: Input) {
        self.seq += 1;
        self.due.insert((at, self.seq), input);
    }

    /// The next instant a party acts.
    pub fn next_due(&self) -> Option<SimTime> {
        self.due.keys().next().map(|(t, _)| *t)
    }

    /// What the parties do at or before `now`, in order.
    pub fn due(&mut self, now: SimTime) -> Vec<Input> {
        let mut out = Vec::new();
        while let Some(entry) = self.due.first_entry() {
            if entry.key().0 > now {
                break;
            }
            out.push(entry.remove());
        }
        out
    }

    /// A virtual caller is about to call.
    pub fn caller(
        &mut self,
        call: CallId,
        now: SimTime,
        patience: Option<Duration>,
        talk: Option<Duration>,
    ) {
        self.callers.insert(
            call,
            Caller {
                talk: talk.map(dur),
            },
        );
        if let Some(p) = patience {
            self.at(now + dur(p), Input::CustomerHungUp { call });
        }
    }

    /// Reacts to one output of the engine.
    pub fn react(&mut self, now: SimTime, out: &Output, engine: &Engine) {
        match out {
            Output::Effect(Effect::RingAgent { agent, .. }) => self.at(
                now + RING,
                Input::Phone {
                    agent: *agent,
                    event: PhoneEvent::Ringing,
                },
            ),
            Output::Effect(Effect::PlayPrompt { call, request, .. }) => self.at(
                now + PROMPT,
                Input::PromptFinished {
                    call: *call,
                    request: *request,
                },
            ),
            Output::Effect(Effect::Dial { request, .. }) => self.at(
                now + DIAL_ANSWER,
                Input::DialResult {
                    request: *request,
                    outcome: DialOutcome::Answered,
                },
            ),
            Output::Effect(Effect::DetectMachine { leg, .. }) => self.at(
                now + AMD_VERDICT,
                Input::MachineDetected {
                    leg: *leg,
                    result: AmdResult {
                        verdict: Verdict::Human,
                        cause: Cause::Human,
                        after_ms: 2000,
                    },
                },
            ),
            Output::Effect(Effect::SendMessage(m)) => self.at(
                now + DELIVERY,
                Input::MessageResult {
                    request: m.request,
                    delivered: true,
                },
            ),
            Output::Event(e) => {
                if let EventKind::TaskAnswered { task, .. } = &e.kind
                    && let Some(call) = engine.call_of_task(*task)
                    && let Some(c) = self.callers.get(&call)
                {
                    // Answered: patience no longer matters, talk time does.
                    let talk = c.talk;
                    self.due.retain(|_, i| *i != Input::CustomerHungUp { call });
                    if let Some(talk) = talk {
                        self.at(now + talk, Input::CustomerHungUp { call });
                    }
                }
            }
            _ => {}
        }
    }
}
