//! Everything the engine wants done ([`Effect`]) and everything it records
//! ([`crate::Event`]), in one ordered stream of [`Output`]s. A driver drains
//! [`crate::Engine::poll_output`] after every input until it is empty.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::dialnum::DialNumber;
use crate::event::Event;
use crate::ids::*;
use crate::input::ActionKind;
use crate::legs::{Channel, Leg, Mix};
use crate::matrix::Controls;
use crate::refusal::Refusal;
use crate::time::{SimDuration, SimTime};

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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, strum::EnumDiscriminants)]
#[strum_discriminants(
    name(EffectClass),
    derive(Hash, PartialOrd, Ord, strum::EnumIter),
    doc = "The kind of a [`Effect`], without its data (see [`crate::filter::OutputFilter`])."
)]
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
    /// The caller waits in a queue and hears its music: `music` (a prompt played
    /// in a loop), or the media's own when the tenant sets none.
    QueueMusic {
        call: CallId,
        queue: QueueIdx,
        music: Option<PromptIdx>,
    },
    /// Who hears whom on the task from now on (bridges, hold, consult, conference).
    Mix(Box<Mix>),
    /// Dial a number; report [`crate::Input::DialResult`] with `request`, and later
    /// [`crate::Input::LegHungUp`] for `leg`.
    Dial {
        task: TaskId,
        leg: LegId,
        number: DialNumber,
        request: RequestId,
    },
    /// Release a leg: hang up on a customer or a dialled number; clear an agent's
    /// phone (a softphone goes on-hook, a handset waits for the agent).
    Release { leg: Leg },
    /// Start recording the call (REC-01).
    StartRecording { task: TaskId },
    /// Stop recording the call.
    StopRecording { task: TaskId },
    /// Pause the recording; the recording marks the gap (REC-02).
    PauseRecording { task: TaskId },
    /// Resume a paused recording.
    ResumeRecording { task: TaskId },
    /// Listen to a dialled party's first words and tell whether a person or an
    /// answering machine took the call (CMP-09, AUD-04); report
    /// [`crate::Input::MachineDetected`] for `leg`.
    DetectMachine {
        task: TaskId,
        leg: LegId,
        params: Box<crate::audio::amd::AmdParams>,
    },
    /// Tell an agent's desktop something.
    Notify { agent: AgentIdx, notice: Notice },
    /// Send a message to a customer (SMS, email, chat...); report
    /// [`crate::Input::MessageResult`] with its request id.
    SendMessage(Box<OutboundMessage>),
}

/// A message the engine sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundMessage {
    pub task: TaskId,
    pub request: RequestId,
    /// The entry point it goes out from (its address is the sender).
    pub ep: EpIdx,
    pub to: crate::address::Address,
    pub content: crate::message::MessageContent,
    /// For an email: its Message-ID and the thread it answers.
    pub email: crate::message::EmailHeaders,
    /// Inline images hosted and linked by URL in the HTML (OUT-10).
    pub hosted: Vec<HostedImage>,
}

/// An inline image of an outbound email, hosted and referenced by URL (OUT-10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostedImage {
    pub name: String,
    /// The path the image is served from.
    pub url: String,
    /// Kept until then (six months), in microseconds since the Unix epoch.
    pub retain_until: i64,
}

/// What an agent's desktop is told.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, strum::EnumDiscriminants)]
#[strum_discriminants(
    name(NoticeClass),
    derive(Hash, PartialOrd, Ord, strum::EnumIter),
    doc = "The kind of a [`Notice`], without its data (see [`crate::filter::OutputFilter`])."
)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// A request is being assigned (AGT-03, first step).
    Connecting { task: TaskId },
    /// The offer proper (AGT-03, second step), with what the popover shows.
    ContactRequest(Box<ContactRequest>),
    /// The offer was withdrawn (the caller hung up, or the request was taken back).
    OfferWithdrawn { task: TaskId },
    /// The offer went unanswered: the agent is in RONA and chooses Available or Idle (AGT-05).
    Rona { task: TaskId },
    /// The task ended: pick a wrap-up reason (VOI-19). It carries the controls the
    /// desktop enables from now on (no separate [`Notice::Controls`] follows).
    WrapUp {
        task: TaskId,
        auto_after: Option<SimDuration>,
        controls: crate::matrix::Controls,
    },
    /// An action was refused.
    Refused {
        action: ActionKind,
        reason: Box<Refusal>,
    },
    /// The controls enabled for this agent on this task now (the participants' table).
    Controls { task: TaskId, controls: Controls },
    /// The consult failed: the agent did not answer, or the number did not (VOI-07).
    ConsultFailed { task: TaskId },
    /// The pending requests, stacked in order (AGT-07, AGT-08).
    Requests(Box<RequestStack>),
    /// A variable's current value (masked when secure) and version (CAD-01, CAD-03).
    Variable(Box<VariableView>),
    /// A save lost to an earlier one: the winner's value stands (CAD-03).
    VariableConflict {
        task: TaskId,
        var: VarIdx,
        winner: AgentIdx,
    },
    /// The customer's phone is ringing: the card shows Ringing with a timer since
    /// `since`, or a Cancel button when `cancel` (CBK-05, CMP-07).
    Dialing {
        task: TaskId,
        since: SimTime,
        cancel: bool,
    },
    /// The customer was not reached (busy, no answer, failure) (CBK-04, CMP-08).
    NotReached {
        task: TaskId,
        outcome: crate::input::DialOutcome,
    },
    /// An answering machine or voicemail took the call; the agent may leave a
    /// message (CMP-09).
    AnsweringMachine { task: TaskId },
    /// A campaign contact to accept, skip or remove (CMP-02, CMP-04, CMP-05).
    Preview(Box<Preview>),
    /// The preview timed out and its automatic action was taken (CMP-05).
    PreviewTimedOut {
        task: TaskId,
        action: crate::config::PreviewAction,
    },
    /// Whether the agent can take a contact from a preview campaign now (the
    /// campaign icon, CMP-01, CMP-07).
    CampaignIcon {
        campaign: CampaignIdx,
        enabled: bool,
    },
    /// The customer wrote: `messages` in the conversation so far (OUT-08).
    Message { task: TaskId, messages: u32 },
    /// An outbound conversation was created and accepted for the agent (OUT-06).
    ConversationStarted { task: TaskId },
    /// The transfer was not accepted: the task stays with the agent (OUT-13).
    TransferRejected { task: TaskId },
    /// A message the agent sent was not delivered.
    MessageFailed { task: TaskId },
}

/// A campaign contact as the preview shows it (CMP-04).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub task: TaskId,
    pub campaign: CampaignIdx,
    pub number: DialNumber,
    /// The campaign's shown columns, (column, value), in its order.
    pub values: Vec<(String, String)>,
    /// When the preview times out, and what then happens.
    pub timeout: SimDuration,
    pub timeout_action: crate::config::PreviewAction,
    /// Whether Skip and Remove are enabled (CMP-06).
    pub skip: bool,
    pub remove: bool,
}

/// What kind of request a Contact Request is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A customer's call, chat, email or message (AGT-09).
    Inbound,
    /// The agent's own outbound call (AGT-10).
    Outdial,
    /// A consult from another agent (AGT-11).
    Consult,
    /// A consult placed through a number mapped to an entry point (AGT-12).
    ConsultViaEntryPoint,
    /// A task another agent transferred to this one.
    Transfer,
    /// A task another agent transferred to a queue, offered from there: one not
    /// accepted goes back to its place in the queue, like any queued task.
    QueuedTransfer,
    /// A customer who asked to be called back (AGT-13, CBK-03).
    Callback,
    /// A preview campaign reserving the agent with a call (CMP-02).
    Reservation,
    /// A conversation the agent started: accepted at once (OUT-06).
    Conversation,
}

/// What a Contact Request popover shows (AGT-03, AGT-09..AGT-12).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactRequest {
    pub task: TaskId,
    pub kind: RequestKind,
    pub channel: Channel,
    pub from: CompactString,
    pub to: CompactString,
    pub queue: Option<QueueIdx>,
    /// (label, value) in the configured order; never a secure one.
    pub variables: Vec<(String, String)>,
    /// How long the agent has to answer.
    pub timeout: SimDuration,
    /// When the request was received: a callback's timer runs from it (AGT-13).
    pub since: Option<SimTime>,
}

/// The requests pending for an agent: at most five shown ("1-5 of N", AGT-07),
/// ordered emails, social, chats, calls, earliest first (AGT-08).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestStack {
    pub shown: Vec<(TaskId, Channel)>,
    pub total: u32,
}

/// A variable as one agent sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableView {
    pub task: TaskId,
    pub var: VarIdx,
    /// The value; `********` for a secure one unless `revealed`.
    pub value: String,
    pub secure: bool,
    pub revealed: bool,
    pub version: u32,
    pub saved_by: Option<AgentIdx>,
    pub saved_at: Option<SimTime>,
}
