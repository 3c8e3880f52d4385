//! The event log (FLW-04): every state change of every task, agent and queue,
//! in one ordered log. Statistics ([`crate::stats`]) and traces
//! ([`crate::render`]) are derived from it. Secure values never enter it (CAD-01).

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::config::HoursStatus;
use crate::dialnum::DialNumber;
use crate::dtmf::Digit;
use crate::ids::*;
use crate::input::{ActionKind, DialOutcome};
use crate::legs::{Channel, Leg};
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

/// The state an agent chose, or RONA, which only the agent leaves (AGT-01, AGT-05).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "presence", content = "reason", rename_all = "snake_case")]
pub enum Presence {
    #[default]
    LoggedOut,
    Available,
    Idle(IdleReasonIdx),
    Rona,
}

impl Presence {
    pub fn name(self) -> &'static str {
        match self {
            Presence::LoggedOut => "LoggedOut",
            Presence::Available => "Available",
            Presence::Idle(_) => "Idle",
            Presence::Rona => "RONA",
        }
    }
}

/// Where an agent is with one task (AGT-01's per-task states).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkPhase {
    /// A request is being assigned (AGT-03, first step).
    Connecting,
    /// The Contact Request shows (the phone rings for a call).
    Ringing,
    Engaged,
    WrapUp,
}

impl WorkPhase {
    pub fn name(self) -> &'static str {
        match self {
            WorkPhase::Connecting => "Connecting",
            WorkPhase::Ringing => "Ringing",
            WorkPhase::Engaged => "Engaged",
            WorkPhase::WrapUp => "WrapUp",
        }
    }
}

/// An agent's part in a task.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The agent who handles (owns) the task: agent 1.
    Owner,
    /// An agent consulted by the owner: agent 2 (VOI-13).
    Consulted,
}

/// An agent's state as the desktop headline shows it (AGT-01): its voice task's
/// phase if it has one, else its presence.
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

/// Why an agent's presence or work changed.
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
    Consulted,
    ConsultEnded,
    Transferred,
    LeftCall,
    /// A preview was skipped or removed, or a dial cancelled: no wrap-up needed.
    PreviewDone,
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
    /// The caller hung up, or the agent who asked withdrew the request.
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
    /// The customer's call went to a number outside (a transfer to a dial number) and ended there.
    TransferredOut,
}

/// Where a customer was when they hung up before being answered.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbandonStage {
    Flow,
    Queue,
    Offer,
    /// A transfer the target did not accept (VOI-16).
    Transfer,
}

/// How a task finished, once and for all.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum TaskOutcome {
    /// Answered, ended and wrapped up.
    Handled,
    /// The customer left (or was dropped) before an agent answered.
    Abandoned {
        stage: AbandonStage,
    },
    /// The flow ended the call (closed hours, a disconnect step, a menu with no choice).
    Disconnected,
    /// An outbound call did not reach the customer.
    NotReached,
    /// The agent did not start the outdial (its request was not answered), or
    /// cancelled a callback or campaign call while it rang (CBK-05, CMP-07).
    Cancelled,
    /// A campaign contact was skipped or removed without a call (CMP-04).
    Skipped,
    Removed,
}

/// What kind of interaction a task is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// A customer reached us (a call, a chat, an email, a message).
    Inbound,
    /// An agent calls a customer (AGT-10).
    Outdial,
    /// We call back a customer who asked (CBK-01..CBK-10).
    Callback,
    /// A contact of an outbound preview campaign (CMP-01..CMP-10).
    Campaign,
    /// An SMS or email conversation an agent started (OUT-01..OUT-13).
    Conversation,
}

/// Where a callback request came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackSource {
    /// A flow's callback step (an IVR choice, CBK-01).
    Flow,
    /// The courtesy offer while waiting in the queue (CBK-01).
    Courtesy,
    /// Direct callback, the queue's overflow action (CBK-06..CBK-08).
    Direct,
    /// A web site or chat bot (CBK-02).
    Web,
}

/// Why a campaign contact left the list or went back to it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactFate {
    /// Skipped: back at the end of the list (CMP-04).
    Skipped,
    /// Removed by the agent (CMP-04).
    Removed,
    /// Not reached; back at the end of the list for another attempt (CMP-08).
    Retry,
    /// Not reached and out of attempts.
    Exhausted,
    /// Reached (a person or a machine): done.
    Done,
    /// The reservation or the accept could not go ahead; back at the front.
    Returned,
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
    /// A callback step queued a callback to this number (or could not: not a dial number).
    Callback { number: Option<DialNumber> },
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
    StaleDial,
}

/// Where a consult or transfer went, as logged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", content = "target", rename_all = "snake_case")]
pub enum TargetRef {
    Agent(AgentIdx),
    Queue(QueueIdx),
    EntryPoint(EpIdx),
    /// A number mapped to an entry point (EP-DN, VOI-09).
    EntryPointNumber(EpIdx, DialNumber),
    Number(DialNumber),
}

/// How a consult ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsultEnd {
    /// Agent 1 ended it (End Consult).
    Ended,
    /// The consulted party left (Exit, or hung up).
    Exited,
    /// The consulted agent did not answer, or the number was busy, unanswered or failed (VOI-07).
    Failed,
    /// Agent 1 transferred the call to the consulted party (VOI-11).
    Transferred,
    /// It became a conference (VOI-12).
    Conferenced,
    /// The customer hung up (VOI-14).
    CustomerLeft,
    /// Agent 1 hung up the phone (VOI-10).
    Agent1HungUp,
}

/// A change in the engine's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, strum::EnumDiscriminants)]
#[strum_discriminants(
    name(EventClass),
    derive(Hash, PartialOrd, Ord, strum::EnumIter),
    doc = "The kind of a [`EventKind`], without its data (see [`crate::filter::OutputFilter`])."
)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// An agent's presence changed.
    AgentState {
        agent: AgentIdx,
        from: Presence,
        to: Presence,
        reason: StateReason,
    },
    /// An agent's part in a task changed (`None`: no part).
    Work {
        agent: AgentIdx,
        task: TaskId,
        role: Role,
        from: Option<WorkPhase>,
        to: Option<WorkPhase>,
        reason: StateReason,
    },
    /// A handset went on- or off-hook outside an offer or a call (AGT-14).
    Hook {
        agent: AgentIdx,
        off_hook: bool,
    },
    TaskCreated {
        task: TaskId,
        kind: TaskKind,
        channel: Channel,
        customer: Leg,
        ep: EpIdx,
        /// The caller's numbers; `None` only under an output filter that
        /// leaves them out ([`crate::OutputFilter::without_call_numbers`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        numbers: Option<Box<CallNumbers>>,
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
    /// Connecting: the task (or a consult about it) is being assigned to the agent (AGT-03).
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
    /// Paused (REC-02); with a privacy shield, until the given time (REC-03).
    RecordingPaused {
        task: TaskId,
        until: Option<SimTime>,
    },
    RecordingResumed {
        task: TaskId,
        auto: bool,
    },
    /// Agent 1 asked for a consult; the customer is on hold (VOI-04).
    ConsultRequested {
        task: TaskId,
        target: Box<TargetRef>,
    },
    /// A consult request waits in a queue for an agent.
    ConsultQueued {
        task: TaskId,
        queue: QueueIdx,
        position: u32,
    },
    ConsultAccepted {
        task: TaskId,
        party: Leg,
    },
    ConsultedHeld {
        task: TaskId,
    },
    ConsultedResumed {
        task: TaskId,
    },
    ConsultEnded {
        task: TaskId,
        how: ConsultEnd,
    },
    ConferenceStarted {
        task: TaskId,
    },
    /// A party left a conference; the call goes on with the others.
    LeftConference {
        task: TaskId,
        leg: Leg,
    },
    /// A blind transfer was asked (VOI-18); the call waits for the target.
    TransferRequested {
        task: TaskId,
        target: Box<TargetRef>,
    },
    /// The call now belongs to another party (VOI-11, VOI-15).
    Transferred {
        task: TaskId,
        to: Leg,
    },
    /// The engine dials a number for the task.
    Dialing {
        task: TaskId,
        leg: LegId,
        number: DialNumber,
    },
    DialEnded {
        task: TaskId,
        leg: LegId,
        outcome: DialOutcome,
    },
    /// Answering-machine detection's verdict on a dialled leg (CMP-09, AUD-04).
    MachineDetected {
        task: TaskId,
        leg: LegId,
        result: crate::audio::amd::AmdResult,
    },
    /// A dialled party hung up.
    LegEnded {
        task: TaskId,
        leg: LegId,
    },
    /// An answered call ended; the agent who owns it wraps up (VOI-19).
    CallEnded {
        task: TaskId,
        cause: EndCause,
    },
    /// A variable was saved (CAD-03); a secure value is never logged.
    VariableSaved {
        task: TaskId,
        var: VarIdx,
        agent: AgentIdx,
        version: u32,
        value: Option<Box<str>>,
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
    /// Direct callback's overflow condition holds for a waiting caller (CBK-06).
    OverflowHolds {
        task: TaskId,
        queue: QueueIdx,
    },
    /// A callback offer played to a waiting caller (CBK-01, CBK-07).
    CallbackOffered {
        task: TaskId,
        source: CallbackSource,
        offer: u32,
    },
    /// The task became a callback to `number`; it keeps its place in the queue (CBK-08).
    CallbackRequested {
        task: TaskId,
        source: CallbackSource,
        number: DialNumber,
    },
    /// A callback waits for its queue's callback hours to open (CBK-10).
    CallbackWaitsForHours {
        task: TaskId,
        opens: Option<SimTime>,
    },
    /// The agent cancelled the dial while the customer's phone rang (CBK-05, CMP-07).
    DialCancelled {
        task: TaskId,
        leg: LegId,
    },
    /// A contact list was loaded: good rows kept, bad rows listed (line, why).
    ContactsLoaded {
        campaign: CampaignIdx,
        kept: u32,
        rejected: Box<Vec<(u32, String)>>,
    },
    /// A campaign contact went to an agent: by a reservation call (CMP-02) or pulled (CMP-01).
    ContactReserved {
        task: TaskId,
        campaign: CampaignIdx,
        agent: AgentIdx,
        number: DialNumber,
    },
    /// The preview shows (CMP-04).
    PreviewShown {
        task: TaskId,
        agent: AgentIdx,
    },
    /// The agent (or the timeout, `auto`) chose for the previewed contact (CMP-04, CMP-05).
    PreviewChosen {
        task: TaskId,
        action: crate::config::PreviewAction,
        auto: bool,
    },
    /// A conversation opened: a customer's first message, or an agent's outbound
    /// start; `previous` is the closed conversation whose history it keeps (OUT-12).
    ConversationOpened {
        task: TaskId,
        address: Box<crate::address::Address>,
        outbound: bool,
        previous: Option<TaskId>,
    },
    /// A customer's message joined the conversation (OUT-08): `count` so far.
    MessageReceived {
        task: TaskId,
        count: u32,
    },
    /// An agent's message went out: `count` the agent side has sent so far.
    MessageSent {
        task: TaskId,
        agent: AgentIdx,
        count: u32,
    },
    /// Whether a sent message was delivered.
    MessageDelivery {
        task: TaskId,
        delivered: bool,
    },
    /// The conversation closed; a later message opens a new one (OUT-12).
    ConversationClosed {
        task: TaskId,
    },
    /// A transfer of a digital task to an agent was not accepted; it stays (OUT-13).
    TransferRejected {
        task: TaskId,
        target: AgentIdx,
    },
    /// A contact went back to its campaign's list or left it.
    ContactDone {
        campaign: CampaignIdx,
        number: DialNumber,
        fate: ContactFate,
        attempts: u8,
    },
    /// An agent's persistent connection went up (its leg stays up after a
    /// call) or down (the softphone hung up, or the agent logged out).
    Connection {
        agent: AgentIdx,
        up: bool,
    },
}

impl EventKind {
    /// The task the event is about, if any.
    pub fn task(&self) -> Option<TaskId> {
        use EventKind::*;
        match self {
            Work { task, .. }
            | TaskCreated { task, .. }
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
            | RecordingPaused { task, .. }
            | RecordingResumed { task, .. }
            | ConsultRequested { task, .. }
            | ConsultQueued { task, .. }
            | ConsultAccepted { task, .. }
            | ConsultedHeld { task }
            | ConsultedResumed { task }
            | ConsultEnded { task, .. }
            | ConferenceStarted { task }
            | LeftConference { task, .. }
            | TransferRequested { task, .. }
            | Transferred { task, .. }
            | Dialing { task, .. }
            | DialEnded { task, .. }
            | LegEnded { task, .. }
            | MachineDetected { task, .. }
            | CallEnded { task, .. }
            | VariableSaved { task, .. }
            | WrapUpSubmitted { task, .. }
            | OverflowHolds { task, .. }
            | CallbackOffered { task, .. }
            | CallbackRequested { task, .. }
            | CallbackWaitsForHours { task, .. }
            | DialCancelled { task, .. }
            | ContactReserved { task, .. }
            | PreviewShown { task, .. }
            | PreviewChosen { task, .. }
            | ConversationOpened { task, .. }
            | MessageReceived { task, .. }
            | MessageSent { task, .. }
            | MessageDelivery { task, .. }
            | ConversationClosed { task }
            | TransferRejected { task, .. }
            | TaskClosed { task, .. } => Some(*task),
            AgentState { .. }
            | Hook { .. }
            | Connection { .. }
            | Refused { .. }
            | Ignored { .. }
            | ConfigApplied
            | ContactsLoaded { .. }
            | ContactDone { .. } => None,
        }
    }
}
