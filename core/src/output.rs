//! Everything the engine wants done ([`Effect`]) and everything it records
//! ([`crate::Event`]), in one ordered stream of [`Output`]s. A driver drains
//! [`crate::Engine::poll_output`] after every input until it is empty.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::ids::*;
use crate::input::ActionKind;
use crate::refusal::Refusal;
use crate::time::SimDuration;

/// One item of the engine's output stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "output", rename_all = "snake_case")]
pub enum Output {
    /// A fact for the event log (FLW-04).
    Event(Event),
    /// Something the outside must do.
    Effect(Effect),
}

/// Something the outside (telephony, media, desktops) must do now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Alert the agent's phone for a voice offer.
    RingAgent { agent: AgentIdx, task: TaskId },
    /// Stop alerting the agent's phone (offer ended without an answer).
    StopRinging { agent: AgentIdx, task: TaskId },
    /// Play a prompt to the caller; report [`crate::Input::PromptFinished`] with
    /// `request` when done. `collect_digits`: keys pressed during it are wanted (a menu).
    PlayPrompt {
        call: CallId,
        prompt: PromptIdx,
        request: RequestId,
        collect_digits: bool,
    },
    /// Stop the prompt playing to the caller (a key was pressed).
    StopPrompt { call: CallId },
    /// The caller waits in a queue and hears its music.
    QueueMusic { call: CallId, queue: QueueIdx },
    /// Connect the caller and the agent: they hear each other.
    Bridge { call: CallId, agent: AgentIdx },
    /// Put the caller on hold: the caller hears music on hold, the agent hears nothing.
    Hold { call: CallId, agent: AgentIdx },
    /// Release the caller's leg.
    HangUp { call: CallId },
    /// Release the agent's leg (a softphone hangs up by itself; a handset waits for on-hook).
    ReleaseAgent { agent: AgentIdx },
    /// Start recording the call (REC-01).
    StartRecording { task: TaskId, call: CallId },
    /// Stop recording the call.
    StopRecording { task: TaskId, call: CallId },
    /// Tell an agent's desktop something.
    Notify { agent: AgentIdx, notice: Notice },
}

/// What an agent's desktop is told.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// A request is being assigned (AGT-03, first step).
    Connecting { task: TaskId },
    /// The offer proper (AGT-03, second step), with what the popover shows.
    ContactRequest(Box<ContactRequest>),
    /// The offer was withdrawn (the caller hung up).
    OfferWithdrawn { task: TaskId },
    /// The offer went unanswered: the agent is in RONA and chooses Available or Idle (AGT-05).
    Rona { task: TaskId },
    /// The task ended: pick a wrap-up reason (VOI-19).
    WrapUp {
        task: TaskId,
        auto_after: Option<SimDuration>,
    },
    /// An action was refused.
    Refused {
        action: ActionKind,
        reason: Box<Refusal>,
    },
}

/// What a Contact Request popover shows (AGT-03, AGT-09).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactRequest {
    pub task: TaskId,
    pub from: CompactString,
    pub to: CompactString,
    pub queue: QueueIdx,
    /// The flow's variables marked for the popover, in order: (label, value); never a secure one.
    pub variables: Vec<(String, String)>,
    /// How long the agent has to answer (the queue's maximum time available).
    pub timeout: SimDuration,
}
