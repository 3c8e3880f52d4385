//! Why the engine refuses an action. Every refusal is one clear sentence; it is
//! returned to the caller of [`crate::Engine::handle`], logged as an event and
//! shown to the agent.

use serde::{Deserialize, Serialize};

use crate::ids::{AgentIdx, CallId, TaskId};
use crate::time::SimTime;

/// The reason an input was refused. Nothing changes when an input is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    #[error("time went back: the input is at {at} but the engine is already at {now}")]
    TimeWentBack { at: SimTime, now: SimTime },
    #[error("there is no agent number {agent}")]
    UnknownAgent { agent: u32 },
    #[error("{task} does not exist or has ended")]
    UnknownTask { task: TaskId },
    #[error("{task} is not this agent's")]
    NotYourTask { task: TaskId },
    #[error("{call} is not a call in progress")]
    UnknownCall { call: CallId },
    #[error("{call} is already in progress")]
    DuplicateCall { call: CallId },
    #[error("the number {number} is not a support number of any entry point")]
    UnknownNumber { number: String },
    #[error("the agent is not logged in")]
    NotLoggedIn,
    #[error("the agent is already logged in")]
    AlreadyLoggedIn,
    #[error(
        "the agent cannot log out while a Connecting or Contact Request notice is showing (AGT-06)"
    )]
    OfferShowing,
    #[error(
        "the agent cannot change state while a Connecting or Contact Request notice is showing"
    )]
    OfferShowingState,
    #[error(
        "{task} is still active; end it and submit its wrap-up first (Idle can be chosen with the wrap-up)"
    )]
    TaskActive { task: TaskId },
    #[error("the agent is already {state}")]
    AlreadyInState { state: String },
    #[error("{task} has not been accepted yet (VOI-01)")]
    NotAccepted { task: TaskId },
    #[error("there is no offer of {task} to accept")]
    NoOffer { task: TaskId },
    #[error("this agent has a physical handset: pick it up to answer")]
    AnswerOnHandset,
    #[error("End is disabled while the customer is on hold; resume first (VOI-02)")]
    EndWhileHeld,
    #[error("the customer is already on hold")]
    AlreadyHeld,
    #[error("the customer is not on hold")]
    NotHeld,
    #[error("{task} is not in wrap-up")]
    NotInWrapUp { task: TaskId },
    #[error("{task} has ended; only wrap-up remains")]
    TaskEnded { task: TaskId },
    #[error("there is no wrap-up reason number {reason}")]
    UnknownWrapUpReason { reason: u32 },
    #[error("there is no idle reason number {reason}")]
    UnknownIdleReason { reason: u32 },
    #[error("the agent's profile allows no voice calls")]
    NoVoiceProfile,
    #[error("the configuration is invalid: {errors}")]
    InvalidConfig { errors: String },
    #[error("the channel type of entry point \"{ep}\" cannot be changed (CHN-07)")]
    ChannelTypeChange { ep: String },
    #[error("entry point \"{ep}\" has active tasks and cannot be deleted (CHN-07)")]
    EntryPointInUse { ep: String },
    #[error("{what} is in use and cannot be removed: {detail}")]
    InUse { what: String, detail: String },
    #[error("a customer cannot start a consult; only an agent can (VOI-14)")]
    CustomerCannotConsult,
    #[error("a customer can only hang up")]
    NotForCustomer,
    #[error("an agent ends a call with End, not by hanging up from the desktop")]
    NotForAgent,
    #[error("this is not available during a conference")]
    InConference,
    #[error("there is no conference to exit")]
    NotInConference,
    #[error("end the consult first")]
    EndConsultFirst,
    #[error("a consult is already in progress")]
    ConsultInProgress,
    #[error("there is no consult in progress")]
    NoConsult,
    #[error("Transfer and Conference are disabled until the consulted party accepts (VOI-05)")]
    ConsultPending,
    #[error("the consult has not been accepted")]
    ConsultNotAccepted,
    #[error("recording cannot be paused or resumed during a consult or a conference (REC-04)")]
    RecordingLocked,
    #[error("the call has not ended; wrap-up comes after it")]
    CallNotEnded,
    #[error("the consulted agent cannot {action} (VOI-13)")]
    ConsultedCannot { action: String },
    #[error("the consulted agent sees the variables but cannot edit them (CAD-05)")]
    ConsultedReadOnly,
    #[error("the consulted agent does not wrap up a consult call (VOI-13)")]
    ConsultedNoWrapUp,
    #[error("agent {agent} is {state}; {rule}")]
    TargetUnavailable {
        agent: String,
        state: String,
        rule: String,
    },
    #[error("an agent cannot consult or transfer to themselves")]
    TargetIsSelf,
    #[error("the dial number is invalid: {error} (VOI-08)")]
    InvalidNumber { error: String },
    #[error("there is no {what} number {index} (VOI-08)")]
    UnknownTarget { what: String, index: u32 },
    #[error("entry point \"{ep}\" routes to no queue now ({why}) (VOI-08)")]
    UnreachableTarget { ep: String, why: String },
    #[error("the tenant's limit of {limit} concurrent calls is reached (VOI-20)")]
    CallLimit { limit: u32 },
    #[error("this call is not being recorded")]
    NotRecording,
    #[error("the recording is already paused")]
    AlreadyPaused,
    #[error("the recording is not paused")]
    NotPaused,
    #[error("there is no variable number {var} on this task")]
    UnknownVariable { var: u32 },
    #[error("variable \"{name}\" is read-only")]
    ReadOnlyVariable { name: String },
    #[error("a value holds at most 256 characters; this one holds {chars} (CAD-02)")]
    ValueTooLong { chars: usize },
    #[error("{message}")]
    BadValue { message: String },
    #[error("variable \"{name}\" was saved by {winner} first; your value was not saved (CAD-03)")]
    StaleValue { name: String, winner: String },
    #[error("variable \"{name}\" is not secure; it is shown as it is")]
    NotSecure { name: String },
    #[error("an outdial needs the agent Available with no call")]
    NotAvailableForOutdial,
    #[error("there is no outbound telephony entry point number {ep}")]
    NoOutdialEntryPoint { ep: u32 },
    #[error("there is no pending request to accept")]
    NothingToAccept,
    #[error("entry point \"{ep}\" is not an inbound chat, email or social entry point")]
    NotDigitalEntryPoint { ep: String },
    #[error("this action is for voice calls; {task} is a {channel}")]
    NotVoice { task: TaskId, channel: String },
    #[error(
        "Cancel is not enabled here; the call rings until it is answered or fails (CBK-05, CMP-07)"
    )]
    CancelDisabled,
    #[error(
        "entry point \"{ep}\" is not an inbound telephony entry point; a callback is reported under one"
    )]
    NotCallbackEntryPoint { ep: String },
    #[error("there is no campaign number {campaign}")]
    UnknownCampaign { campaign: u32 },
    #[error("the agent does not work campaign \"{campaign}\"")]
    NotCampaignMember { campaign: String },
    #[error(
        "campaign \"{campaign}\" pushes its contacts to Available agents; only a preview campaign lets the agent take one"
    )]
    NotPreviewMode { campaign: String },
    #[error("campaign \"{campaign}\" has no contact waiting")]
    NoContacts { campaign: String },
    #[error("the agent must be Available with no call to take a campaign contact (CMP-03)")]
    NotAvailableForCampaign,
    #[error("the agent's license does not include digital outbound conversations (OUT-01)")]
    NotLicensed,
    #[error("the agent's multimedia profile takes no {channel} (OUT-01)")]
    NoChannelInProfile { channel: String },
    #[error(
        "an outbound conversation starts only while the agent is Available or in RONA (OUT-02)"
    )]
    NotAvailableForOutbound,
    #[error(
        "entry point \"{ep}\" is not an SMS or email entry point; outbound conversations go out from one (OUT-03)"
    )]
    NotOutboundEntryPoint { ep: String },
    #[error("{error}")]
    InvalidAddress { error: String },
    #[error("an active conversation with this number/address is already in progress (OUT-04)")]
    ConversationActive,
    #[error(
        "the profile allows {cap} outbound conversations at once, and the agent has them (OUT-05)"
    )]
    OutboundCap { cap: u8 },
    #[error("the agent already holds as many {channel} tasks as the profile allows (OUT-07)")]
    ChannelFull { channel: String },
    #[error("an outbound email needs a subject (OUT-09)")]
    SubjectRequired,
    #[error(
        "subject \"{subject}\" was used in an earlier conversation with this customer; choose another (OUT-09)"
    )]
    SubjectUsed { subject: String },
    #[error("{error} (OUT-10)")]
    BadContent { error: String },
    #[error("no conference and no consult during an outbound conversation (OUT-11)")]
    NoConferenceOutbound,
    #[error("a transfer of this task is already waiting for its target; one at a time (OUT-13)")]
    TransferPending,
    #[error("{task} is a call; messages go to chat, email and social tasks")]
    NotDigital { task: TaskId },
    #[error("a digital task goes to an agent or a queue, not to {target}")]
    DigitalTransferTarget { target: String },
    #[error("a campaign contact is showing: accept, skip or remove it")]
    PreviewShowing,
    #[error("no campaign contact is being previewed on {task}")]
    NotPreviewing { task: TaskId },
    #[error("{action} is disabled for this campaign (CMP-06)")]
    PreviewActionDisabled { action: String },
    #[error("the contact list cannot be used: {message}")]
    BadContactList { message: String },
    #[error(
        "campaign \"{campaign}\" shows column \"{column}\", which the contact list does not have"
    )]
    MissingColumn { campaign: String, column: String },
}

impl Refusal {
    /// A short stable code for the refusal (shown to agents, used in scenarios).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::TimeWentBack { .. } => "time_went_back",
            Refusal::UnknownAgent { .. } => "unknown_agent",
            Refusal::UnknownTask { .. } => "unknown_task",
            Refusal::NotYourTask { .. } => "not_your_task",
            Refusal::UnknownCall { .. } => "unknown_call",
            Refusal::DuplicateCall { .. } => "duplicate_call",
            Refusal::UnknownNumber { .. } => "unknown_number",
            Refusal::NotLoggedIn => "not_logged_in",
            Refusal::AlreadyLoggedIn => "already_logged_in",
            Refusal::OfferShowing => "offer_showing",
            Refusal::OfferShowingState => "offer_showing",
            Refusal::TaskActive { .. } => "task_active",
            Refusal::AlreadyInState { .. } => "already_in_state",
            Refusal::NotAccepted { .. } => "not_accepted",
            Refusal::NoOffer { .. } => "no_offer",
            Refusal::AnswerOnHandset => "answer_on_handset",
            Refusal::EndWhileHeld => "end_while_held",
            Refusal::AlreadyHeld => "already_held",
            Refusal::NotHeld => "not_held",
            Refusal::NotInWrapUp { .. } => "not_in_wrap_up",
            Refusal::TaskEnded { .. } => "task_ended",
            Refusal::UnknownWrapUpReason { .. } => "unknown_wrap_up_reason",
            Refusal::UnknownIdleReason { .. } => "unknown_idle_reason",
            Refusal::NoVoiceProfile => "no_voice_profile",
            Refusal::InvalidConfig { .. } => "invalid_config",
            Refusal::ChannelTypeChange { .. } => "channel_type_change",
            Refusal::EntryPointInUse { .. } => "entry_point_in_use",
            Refusal::InUse { .. } => "in_use",
            Refusal::CustomerCannotConsult => "customer_cannot_consult",
            Refusal::NotForCustomer => "not_for_customer",
            Refusal::NotForAgent => "not_for_agent",
            Refusal::InConference => "in_conference",
            Refusal::NotInConference => "not_in_conference",
            Refusal::EndConsultFirst => "end_consult_first",
            Refusal::ConsultInProgress => "consult_in_progress",
            Refusal::NoConsult => "no_consult",
            Refusal::ConsultPending => "consult_pending",
            Refusal::ConsultNotAccepted => "consult_not_accepted",
            Refusal::RecordingLocked => "recording_locked",
            Refusal::CallNotEnded => "call_not_ended",
            Refusal::ConsultedCannot { .. } => "consulted_cannot",
            Refusal::ConsultedReadOnly => "consulted_read_only",
            Refusal::ConsultedNoWrapUp => "consulted_no_wrap_up",
            Refusal::TargetUnavailable { .. } => "target_unavailable",
            Refusal::TargetIsSelf => "target_is_self",
            Refusal::InvalidNumber { .. } => "invalid_number",
            Refusal::UnknownTarget { .. } => "unknown_target",
            Refusal::UnreachableTarget { .. } => "unreachable_target",
            Refusal::CallLimit { .. } => "call_limit",
            Refusal::NotRecording => "not_recording",
            Refusal::AlreadyPaused => "already_paused",
            Refusal::NotPaused => "not_paused",
            Refusal::UnknownVariable { .. } => "unknown_variable",
            Refusal::ReadOnlyVariable { .. } => "read_only_variable",
            Refusal::ValueTooLong { .. } => "value_too_long",
            Refusal::BadValue { .. } => "bad_value",
            Refusal::StaleValue { .. } => "stale_value",
            Refusal::NotSecure { .. } => "not_secure",
            Refusal::NotAvailableForOutdial => "not_available_for_outdial",
            Refusal::NoOutdialEntryPoint { .. } => "no_outdial_entry_point",
            Refusal::NothingToAccept => "nothing_to_accept",
            Refusal::NotDigitalEntryPoint { .. } => "not_digital_entry_point",
            Refusal::NotVoice { .. } => "not_voice",
            Refusal::CancelDisabled => "cancel_disabled",
            Refusal::NotCallbackEntryPoint { .. } => "not_callback_entry_point",
            Refusal::UnknownCampaign { .. } => "unknown_campaign",
            Refusal::NotCampaignMember { .. } => "not_campaign_member",
            Refusal::NotPreviewMode { .. } => "not_preview_mode",
            Refusal::NoContacts { .. } => "no_contacts",
            Refusal::NotAvailableForCampaign => "not_available_for_campaign",
            Refusal::NotPreviewing { .. } => "not_previewing",
            Refusal::PreviewShowing => "preview_showing",
            Refusal::NotLicensed => "not_licensed",
            Refusal::NoChannelInProfile { .. } => "no_channel_in_profile",
            Refusal::NotAvailableForOutbound => "not_available_for_outbound",
            Refusal::NotOutboundEntryPoint { .. } => "not_outbound_entry_point",
            Refusal::InvalidAddress { .. } => "invalid_address",
            Refusal::ConversationActive => "conversation_active",
            Refusal::OutboundCap { .. } => "outbound_cap",
            Refusal::ChannelFull { .. } => "channel_full",
            Refusal::SubjectRequired => "subject_required",
            Refusal::SubjectUsed { .. } => "subject_used",
            Refusal::BadContent { .. } => "bad_content",
            Refusal::NoConferenceOutbound => "no_conference_outbound",
            Refusal::TransferPending => "transfer_pending",
            Refusal::NotDigital { .. } => "not_digital",
            Refusal::DigitalTransferTarget { .. } => "digital_transfer_target",
            Refusal::PreviewActionDisabled { .. } => "preview_action_disabled",
            Refusal::BadContactList { .. } => "bad_contact_list",
            Refusal::MissingColumn { .. } => "missing_column",
        }
    }
}

/// Used where a refusal names an agent it could not find.
pub fn unknown_agent(a: AgentIdx) -> Refusal {
    Refusal::UnknownAgent { agent: a.0 }
}
