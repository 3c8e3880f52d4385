//! The event log (FLW-04): every state change of every task, agent and queue,
//! in one ordered log. Statistics ([`crate::stats`]) and traces
//! ([`crate::render`]) are derived from it.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::config::HoursStatus;
use crate::dtmf::Digit;
use crate::ids::*;
use crate::input::ActionKind;
use crate::refusal::Refusal;
use crate::time::{SimDuration, SimTime};

/// One entry of the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: SimTime,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// A call's numbers: who called (ANI) and what they dialled (DNIS).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallNumbers {
    pub from: CompactString,
    pub to: CompactString,
}

/// An agent's state as the desktop shows it (AGT-01).

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum AgentState {
    LoggedOut,
    Available,
    Idle(IdleReasonIdx),
    Rona,
    Connecting,
    Ringing,
    Engaged,
    WrapUp,
}

impl AgentState {
    /// The state's name as shown to people.
    pub fn name(self) -> &'static str {
        match self {
            AgentState::LoggedOut => "LoggedOut",
            AgentState::Available => "Available",
            AgentState::Idle(_) => "Idle",
            AgentState::Rona => "RONA",
            AgentState::Connecting => "Connecting",
            AgentState::Ringing => "Ringing",
            AgentState::Engaged => "Engaged",
            AgentState::WrapUp => "WrapUp",
        }
    }
}

/// Why an agent's state changed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateReason {
    Login,
    Logout,
    AgentChoice,
    Offer,
    ContactRequest,
    Answered,
    NoAnswer,
    Declined,
    DeviceFailed,
    OfferWithdrawn,
    CallEnded,
    WrapUpDone,
    Reconfigured,
}

/// How an offer ended (AGT-04: every offer ends one of these ways).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferOutcome {
    Accepted,
    /// Not answered in time (RONA).
    NoAnswer,
    /// Rejected by hanging up the ringing phone (treated as RONA).
    Declined,
    /// The agent's device failed (treated as RONA).
    DeviceFailed,
    /// The caller hung up while it was offered.
    Withdrawn,
}

/// Who or what ended a call that had been answered.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndCause {
    /// The agent pressed End.
    AgentEnded,
    /// The agent hung up the phone.
    AgentHungUp,
    /// The customer hung up.
    CustomerHungUp,
    /// The agent's device failed mid-call.
    AgentDeviceFailed,
}

/// Where a caller was when they hung up before being answered.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbandonStage {
    Flow,
    Queue,
    Offer,
}

/// How a task finished, once and for all.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum TaskOutcome {
    /// Answered, ended and wrapped up.
    Handled,
    /// The caller hung up before an agent answered.
    Abandoned { stage: AbandonStage },
    /// The flow ended the call (closed hours, a disconnect step, a menu with no choice).
    Disconnected,
}

/// What a flow step did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "did", rename_all = "snake_case")]
pub enum StepOutcome {
    /// A business-hours branch took this status.
    Hours { status: HoursStatus },
    /// A prompt started playing.
    Play { prompt: PromptIdx },
    /// A menu prompt started playing (attempt number, from 1).
    Menu { prompt: PromptIdx, attempt: u8 },
    /// A menu got a key; `matched` says whether an option has it.
    Key { digit: Digit, matched: bool },
    /// A menu waited in vain for a key.
    NoKey,
    /// A menu ran out of attempts.
    MenuExhausted,
    /// A variable was set; a secure variable's value is never logged (CAD-01).
    Set {
        var: VarIdx,
        value: Option<Box<str>>,
    },
    /// The flow disconnects the caller.
    Disconnect,
    /// The flow ran out of steps without queueing the caller.
    End,
}

/// An input with no effect because what it refers to has moved on
/// (a late or duplicated result, a key outside a menu).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ignored {
    StalePrompt,
    DigitOutsideMenu,
    StalePhone,
    CustomerGone,
}

/// A change in the engine's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    AgentState {
        agent: AgentIdx,
        from: AgentState,
        to: AgentState,
        reason: StateReason,
    },
    /// A handset went on- or off-hook outside an offer or a call (AGT-14).
    Hook {
        agent: AgentIdx,
        off_hook: bool,
    },
    TaskCreated {
        task: TaskId,
        call: CallId,
        ep: EpIdx,
        numbers: Box<CallNumbers>,
    },
    FlowStep {
        task: TaskId,
        flow: FlowIdx,
        step: StepIdx,
        outcome: StepOutcome,
    },
    TaskQueued {
        task: TaskId,
        queue: QueueIdx,
        position: u32,
        priority: u8,
        requeued: bool,
        /// Estimated wait at this moment (FLW-03); none while no agent is staffed.
        ewt: Option<SimDuration>,
    },

    /// Connecting: the task is being assigned to the agent (AGT-03).
    OfferConnecting {
        task: TaskId,
        agent: AgentIdx,
    },
    /// The Contact Request is showing (AGT-03).
    ContactRequest {
        task: TaskId,
        agent: AgentIdx,
    },
    OfferEnded {
        task: TaskId,
        agent: AgentIdx,
        outcome: OfferOutcome,
    },
    TaskAnswered {
        task: TaskId,
        agent: AgentIdx,
        waited: SimDuration,
    },
    TaskHeld {
        task: TaskId,
    },
    TaskResumed {
        task: TaskId,
    },
    RecordingStarted {
        task: TaskId,
    },
    RecordingStopped {
        task: TaskId,
    },
    /// An answered call ended; the agent wraps up (VOI-19).
    CallEnded {
        task: TaskId,
        cause: EndCause,
    },
    WrapUpSubmitted {
        task: TaskId,
        agent: AgentIdx,
        reason: WrapUpReasonIdx,
        auto: bool,
    },
    TaskClosed {
        task: TaskId,
        outcome: TaskOutcome,
    },
    Refused {
        agent: Option<AgentIdx>,
        action: ActionKind,
        reason: Box<Refusal>,
    },
    Ignored {
        what: Ignored,
    },
    ConfigApplied,
}

impl EventKind {
    /// The task the event is about, if any.
    pub fn task(&self) -> Option<TaskId> {
        use EventKind::*;
        match self {
            TaskCreated { task, .. }
            | FlowStep { task, .. }
            | TaskQueued { task, .. }
            | OfferConnecting { task, .. }
            | ContactRequest { task, .. }
            | OfferEnded { task, .. }
            | TaskAnswered { task, .. }
            | TaskHeld { task }
            | TaskResumed { task }
            | RecordingStarted { task }
            | RecordingStopped { task }
            | CallEnded { task, .. }
            | WrapUpSubmitted { task, .. }
            | TaskClosed { task, .. } => Some(*task),
            _ => None,
        }
    }
}
