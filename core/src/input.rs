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
    /// A number the engine dialled (an [`crate::Effect::Dial`]) answered or not.
    DialResult {
        request: RequestId,
        outcome: DialOutcome,
    },
    /// The party of a dialled leg hung up.
    LegHungUp { leg: LegId },
    /// An agent's phone reports something.
    Phone { agent: AgentIdx, event: PhoneEvent },
    /// An agent acts on the desktop.
    Agent {
        agent: AgentIdx,
        action: AgentAction,
    },
    /// The administrator applies a new configuration (the whole TOML text).
    Reconfigure { config: String },
    /// A customer asks to be called back, from a web site or a chat bot (CBK-02).
    /// `contact` names the request as a call id would; `ep` is the inbound
    /// telephony entry point it is reported under.
    WebCallback {
        contact: CallId,
        ep: EpIdx,
        queue: QueueIdx,
        name: CompactString,
        number: String,
    },
    /// A campaign's contact list (the CSV text), replacing the contacts not yet
    /// previewed (CMP-01).
    LoadContacts { campaign: CampaignIdx, csv: String },
    /// A customer's message at a digital entry point (a chat line, an email, an SMS,
    /// a WhatsApp or Messenger message). It joins the customer's open conversation
    /// there (OUT-08) or opens one; `contact` names a new conversation's customer.
    MessageReceived {
        contact: CallId,
        ep: EpIdx,
        message: Box<crate::message::InboundMessage>,
    },
    /// Answering-machine detection on a dialled leg came to a verdict
    /// (asked for by [`crate::Effect::DetectMachine`]).
    MachineDetected {
        leg: LegId,
        result: crate::audio::amd::AmdResult,
    },
    /// Whether a message the engine sent ([`crate::Effect::SendMessage`]) was delivered.
    MessageResult { request: RequestId, delivered: bool },
}

/// How a dialled number answered.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DialOutcome {
    Answered,
    /// An answering machine or voicemail answered (CMP-09, AMD).
    Machine,
    Busy,
    NoAnswer,
    Failed,
}

impl DialOutcome {
    /// Whether the call connected (to a person or a machine).
    pub fn connected(self) -> bool {
        matches!(self, DialOutcome::Answered | DialOutcome::Machine)
    }
}

/// Where a consult or a transfer goes (VOI-03, VOI-15).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", content = "target", rename_all = "snake_case")]
pub enum Target {
    Agent(AgentIdx),
    Queue(QueueIdx),
    EntryPoint(EpIdx),
    /// A dial number as typed: normalized (VOI-21); a number mapped to an entry
    /// point goes there (VOI-09), any other is dialled.
    Number(String),
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
    /// Accept every pending request at once ("Accept N requests", AGT-07).
    AcceptAll,
    /// Start a consult: the customer is held and the target asked (VOI-03, VOI-04).
    Consult {
        task: TaskId,
        target: Target,
    },
    /// End the consult (agent 1).
    EndConsult {
        task: TaskId,
    },
    /// Put the consulted party on hold (which resumes the customer, VOI-06).
    HoldConsulted {
        task: TaskId,
    },
    /// Resume the consulted party (which holds the customer, VOI-06).
    ResumeConsulted {
        task: TaskId,
    },
    /// Transfer: to the consulted party (`target` absent), or blind to a target (VOI-15, VOI-18).
    Transfer {
        task: TaskId,
        target: Option<Target>,
    },
    /// Join customer, agent 1 and the consulted party (VOI-12).
    Conference {
        task: TaskId,
    },
    /// Leave a consult (agent 2) or a conference (either agent).
    Exit {
        task: TaskId,
    },
    PauseRecording {
        task: TaskId,
    },
    ResumeRecording {
        task: TaskId,
    },
    /// Save a variable's value; `version` is the version the agent edited (CAD-03).
    SaveVariable {
        task: TaskId,
        var: VarIdx,
        value: String,
        version: u32,
    },
    /// Return the agent's edit to the last saved value (CAD-04).
    RevertVariable {
        task: TaskId,
        var: VarIdx,
    },
    /// Show a secure value to this agent only (CAD-01).
    RevealVariable {
        task: TaskId,
        var: VarIdx,
    },
    /// Place an outbound call from an outbound telephony entry point (AGT-10, VOI-20).
    Outdial {
        number: String,
        ep: Option<EpIdx>,
    },
    /// Take the next contact of a preview campaign (the campaign icon, CMP-01).
    PullContact {
        campaign: CampaignIdx,
    },
    /// Dial the previewed contact (CMP-04).
    PreviewAccept {
        task: TaskId,
    },
    /// Put the previewed contact back in the campaign's list (CMP-04).
    PreviewSkip {
        task: TaskId,
    },
    /// Take the previewed contact off the campaign (CMP-04).
    PreviewRemove {
        task: TaskId,
    },
    /// Write to the customer of a digital task.
    SendMessage {
        task: TaskId,
        content: Box<crate::message::MessageContent>,
    },
    /// Start an SMS or email conversation with a customer from an entry point of
    /// that channel, with its first message (OUT-01..OUT-07, OUT-09, OUT-10).
    StartConversation {
        ep: EpIdx,
        to: String,
        content: Box<crate::message::MessageContent>,
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
            AgentAction::AcceptAll => ActionKind::AcceptAll,
            AgentAction::Consult { .. } => ActionKind::Consult,
            AgentAction::EndConsult { .. } => ActionKind::EndConsult,
            AgentAction::HoldConsulted { .. } => ActionKind::HoldConsulted,
            AgentAction::ResumeConsulted { .. } => ActionKind::ResumeConsulted,
            AgentAction::Transfer { .. } => ActionKind::Transfer,
            AgentAction::Conference { .. } => ActionKind::Conference,
            AgentAction::Exit { .. } => ActionKind::Exit,
            AgentAction::PauseRecording { .. } => ActionKind::PauseRecording,
            AgentAction::ResumeRecording { .. } => ActionKind::ResumeRecording,
            AgentAction::SaveVariable { .. } => ActionKind::SaveVariable,
            AgentAction::RevertVariable { .. } => ActionKind::RevertVariable,
            AgentAction::RevealVariable { .. } => ActionKind::RevealVariable,
            AgentAction::Outdial { .. } => ActionKind::Outdial,
            AgentAction::PullContact { .. } => ActionKind::PullContact,
            AgentAction::PreviewAccept { .. } => ActionKind::PreviewAccept,
            AgentAction::PreviewSkip { .. } => ActionKind::PreviewSkip,
            AgentAction::PreviewRemove { .. } => ActionKind::PreviewRemove,
            AgentAction::SendMessage { .. } => ActionKind::SendMessage,
            AgentAction::StartConversation { .. } => ActionKind::StartConversation,
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
    AcceptAll,
    Consult,
    EndConsult,
    HoldConsulted,
    ResumeConsulted,
    Transfer,
    Conference,
    Exit,
    PauseRecording,
    ResumeRecording,
    SaveVariable,
    RevertVariable,
    RevealVariable,
    Outdial,
    PullContact,
    PreviewAccept,
    PreviewSkip,
    PreviewRemove,
    SendMessage,
    StartConversation,
    Reconfigure,
    WebCallback,
    ReceiveMessage,
    LoadContacts,
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
            ActionKind::AcceptAll => "accept all",
            ActionKind::Consult => "consult",
            ActionKind::EndConsult => "end the consult",
            ActionKind::HoldConsulted => "hold the consulted party",
            ActionKind::ResumeConsulted => "resume the consulted party",
            ActionKind::Transfer => "transfer",
            ActionKind::Conference => "conference",
            ActionKind::Exit => "exit",
            ActionKind::PauseRecording => "pause the recording",
            ActionKind::ResumeRecording => "resume the recording",
            ActionKind::SaveVariable => "save a variable",
            ActionKind::RevertVariable => "revert a variable",
            ActionKind::RevealVariable => "reveal a variable",
            ActionKind::Outdial => "place an outdial",
            ActionKind::PullContact => "take a campaign contact",
            ActionKind::PreviewAccept => "accept the contact",
            ActionKind::PreviewSkip => "skip the contact",
            ActionKind::PreviewRemove => "remove the contact",
            ActionKind::SendMessage => "send a message",
            ActionKind::StartConversation => "start a conversation",
            ActionKind::WebCallback => "request a callback",
            ActionKind::ReceiveMessage => "take a customer's message",
            ActionKind::LoadContacts => "load contacts",
            ActionKind::Reconfigure => "reconfigure",
            ActionKind::Input => "input",
        }
    }
}
