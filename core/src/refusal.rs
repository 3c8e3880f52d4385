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
        }
    }
}

/// Used where a refusal names an agent it could not find.
pub fn unknown_agent(a: AgentIdx) -> Refusal {
    Refusal::UnknownAgent { agent: a.0 }
}
