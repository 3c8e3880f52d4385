//! Everything that happens outside the engine enters as an [`Input`]: a
//! customer's call and keys, an agent's phone and desktop actions, results of
//! earlier effects, configuration changes. Inputs are plain serializable data,
//! so a production input log replays in the simulator unchanged.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::dtmf::Digit;
use crate::ids::*;

/// One thing that happened outside the engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Input {
    /// A customer's call reaches a number of ours (CHN-03).
    CallArrived {
        call: CallId,
        from: CompactString,
        to: CompactString,
    },
    /// The customer hung up.
    CustomerHungUp { call: CallId },
    /// The customer pressed a key (in-band or RFC 4733: the same event).
    CustomerDigit { call: CallId, digit: Digit },
    /// A prompt asked for by [`crate::Effect::PlayPrompt`] finished playing.
    PromptFinished { call: CallId, request: RequestId },
    /// An agent's phone reports something.
    Phone { agent: AgentIdx, event: PhoneEvent },
    /// An agent acts on the desktop.
    Agent {
        agent: AgentIdx,
        action: AgentAction,
    },
    /// The administrator applies a new configuration (the whole TOML text).
    Reconfigure { config: String },
}

/// What an agent's phone reports.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneEvent {
    /// The phone is alerting (the offer proper can be shown).
    Ringing,
    /// Off-hook: the agent answered (or lifted the handset).
    Answered,
    /// On-hook: the agent hung up.
    HungUp,
    /// The device could not be reached or failed.
    Failed,
}

/// What an agent does on the desktop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AgentAction {
    Login,
    Logout,
    /// Become Available (also the way out of RONA and Idle, AGT-05).
    SetAvailable,
    /// Become Idle with a reason code.
    SetIdle {
        reason: IdleReasonIdx,
    },
    /// Accept an offer from the desktop (a softphone answers; a handset must be picked up).
    Accept {
        task: TaskId,
    },
    Hold {
        task: TaskId,
    },
    Resume {
        task: TaskId,
    },
    End {
        task: TaskId,
    },
    /// Submit the wrap-up reason; `idle` chooses Idle instead of Available afterwards.
    WrapUp {
        task: TaskId,
        reason: WrapUpReasonIdx,
        idle: Option<IdleReasonIdx>,
    },
}

impl AgentAction {
    /// The action's kind, for refusals and traces.
    pub fn kind(&self) -> ActionKind {
        match self {
            AgentAction::Login => ActionKind::Login,
            AgentAction::Logout => ActionKind::Logout,
            AgentAction::SetAvailable => ActionKind::SetAvailable,
            AgentAction::SetIdle { .. } => ActionKind::SetIdle,
            AgentAction::Accept { .. } => ActionKind::Accept,
            AgentAction::Hold { .. } => ActionKind::Hold,
            AgentAction::Resume { .. } => ActionKind::Resume,
            AgentAction::End { .. } => ActionKind::End,
            AgentAction::WrapUp { .. } => ActionKind::WrapUp,
        }
    }
}

/// The kind of an action, without its data.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Login,
    Logout,
    SetAvailable,
    SetIdle,
    Accept,
    Hold,
    Resume,
    End,
    WrapUp,
    Reconfigure,
    Input,
}

impl ActionKind {
    /// The action as a desktop would label it.
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Login => "log in",
            ActionKind::Logout => "log out",
            ActionKind::SetAvailable => "become Available",
            ActionKind::SetIdle => "become Idle",
            ActionKind::Accept => "accept",
            ActionKind::Hold => "hold",
            ActionKind::Resume => "resume",
            ActionKind::End => "end",
            ActionKind::WrapUp => "wrap up",
            ActionKind::Reconfigure => "reconfigure",
            ActionKind::Input => "input",
        }
    }
}
