//! The tenant configuration file as written (TOML), deserialized with serde.
//! Unknown keys are refused. Nothing here is checked beyond types; the
//! cross-references and ranges are checked by [`super::compile`], which turns
//! this into a [`super::Tenant`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::time::SimDuration;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub tenant: RawTenant,
    #[serde(default)]
    pub wrap_up: RawWrapUp,
    #[serde(default)]
    pub idle: RawIdle,
    #[serde(default)]
    pub profiles: BTreeMap<String, RawProfile>,
    #[serde(default)]
    pub teams: BTreeMap<String, RawTeam>,
    #[serde(default)]
    pub agents: BTreeMap<String, RawAgent>,
    #[serde(default)]
    pub queues: BTreeMap<String, RawQueue>,
    #[serde(default)]
    pub recording: RawRecording,
    #[serde(default)]
    pub business_hours: BTreeMap<String, RawHours>,
    #[serde(default)]
    pub prompts: BTreeMap<String, RawPrompt>,
    #[serde(default)]
    pub entry_points: BTreeMap<String, RawEntryPoint>,
    #[serde(default)]
    pub flows: BTreeMap<String, RawFlow>,
    #[serde(default)]
    pub campaigns: BTreeMap<String, RawCampaign>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTenant {
    pub name: String,
    pub timezone: String,
    pub concurrent_call_limit: i64,
    #[serde(default = "yes")]
    pub noise_removal: bool,
    /// The PCI restriction: outbound emails carry no inline images (OUT-10).
    #[serde(default)]
    pub pci: bool,
    /// The prompt callers hear while they wait in a queue or on hold, where their
    /// entry point sets none (AUD-05).
    pub music_on_hold: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawWrapUp {
    #[serde(default)]
    pub reasons: Vec<String>,
    pub auto_after: Option<SimDuration>,
    pub default_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecording {
    /// With a privacy shield, a pause lasts this long and the recording resumes by itself (REC-03).
    pub privacy_shield: Option<SimDuration>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdle {
    #[serde(default)]
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    #[serde(default)]
    pub voice: i64,
    #[serde(default)]
    pub chat: i64,
    #[serde(default)]
    pub email: i64,
    #[serde(default)]
    pub social: i64,
    /// Concurrent agent-initiated SMS and email conversations (OUT-05); default:
    /// the email and social capacity.
    pub outbound: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTeam {
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgent {
    pub name: String,
    pub dn: String,
    pub team: String,
    pub profile: String,
    #[serde(default)]
    pub handset: bool,
    /// The agent's softphone keeps a persistent connection: its leg stays up
    /// between calls and the next call connects without ringing
    /// (docs/persistent-connection.md).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub persistent_connection: bool,
    /// The agent's license; only premium includes digital outbound (OUT-01).
    #[serde(default)]
    pub license: License,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum License {
    Standard,
    /// Includes the digital channels' outbound conversations (OUT-01).
    #[default]
    Premium,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingStrategy {
    /// The agent who has been available the longest gets the offer.
    #[default]
    LongestAvailable,
    /// Agents in the order the queue lists them (its agents, then its teams' agents).
    Linear,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawQueue {
    #[serde(default)]
    pub description: String,
    pub max_time_available: Option<SimDuration>,
    #[serde(default)]
    pub teams: Vec<String>,
    #[serde(default)]
    pub agents: Vec<String>,
    #[serde(default)]
    pub strategy: RoutingStrategy,
    #[serde(default)]
    pub recording: bool,
    pub service_level: Option<SimDuration>,
    /// The handle time assumed for wait estimates until tasks have been handled (FLW-03).
    pub handle_time_estimate: Option<SimDuration>,
    /// How the queue's callbacks are handled (CBK-04, CBK-05, CBK-10).
    pub callback: Option<RawCallbackPolicy>,
    /// Direct callback as the queue's overflow action (CBK-06).
    pub overflow: Option<RawOverflow>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCallbackPolicy {
    /// Callbacks are offered to agents only while these business hours are open (CBK-10).
    pub hours: Option<String>,
    /// Dial attempts before a callback closes as not reached (CBK-04).
    pub attempts: Option<i64>,
    /// The agent may cancel a callback while the customer's phone rings (CBK-05).
    #[serde(default)]
    pub cancel: bool,
}

/// Direct callback: when it is offered to a waiting caller (CBK-06, CBK-07).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOverflow {
    /// `false` turns the queue's overflow off (in a queue step's override).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Overflow holds when more than this many calls wait in the queue...
    pub waiting_above: Option<i64>,
    /// ...or when the caller's estimated wait is above this.
    pub wait_above: Option<SimDuration>,
    pub offer_prompt: Option<String>,
    pub confirm_prompt: Option<String>,
}

/// A courtesy callback offered while the caller waits in the queue (CBK-01).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCourtesy {
    /// The first offer this long after the caller is queued (default 60s)...
    pub after: Option<SimDuration>,
    /// ...then again this long after each offer began (default 120s).
    pub every: Option<SimDuration>,
    /// The key that accepts (default 1).
    pub key: Option<String>,
    pub prompt: String,
    pub confirm: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignMode {
    /// The agent pulls a contact and accepts or skips it (CMP-01).
    Preview,
    /// The dialer reserves an Available agent and pushes a contact; the agent decides.
    StandardPreview,
    /// The dialer reserves an Available agent and pushes a contact; the customer is
    /// dialled when the preview times out unless the agent skips or removes it.
    DirectPreview,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PreviewAction {
    Accept,
    Skip,
    Remove,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCampaign {
    #[serde(default)]
    pub description: String,
    pub mode: CampaignMode,
    /// The outbound telephony entry point its calls go out from.
    pub entry_point: Option<String>,
    #[serde(default)]
    pub agents: Vec<String>,
    #[serde(default)]
    pub teams: Vec<String>,
    pub preview_timeout: Option<SimDuration>,
    pub timeout_action: Option<PreviewAction>,
    #[serde(default = "yes")]
    pub skip: bool,
    #[serde(default = "yes")]
    pub remove: bool,
    #[serde(default)]
    pub end_call: bool,
    /// Contact-list columns shown in the preview, in order.
    #[serde(default)]
    pub show: Vec<String>,
    pub attempts: Option<i64>,
    pub reservation_timeout: Option<SimDuration>,
    /// Answering-machine detection on answered calls (CMP-09, AUD-04): present
    /// (even empty, for the defaults) turns it on.
    pub amd: Option<crate::audio::amd::AmdParams>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawHours {
    #[serde(default)]
    pub mon: Vec<String>,
    #[serde(default)]
    pub tue: Vec<String>,
    #[serde(default)]
    pub wed: Vec<String>,
    #[serde(default)]
    pub thu: Vec<String>,
    #[serde(default)]
    pub fri: Vec<String>,
    #[serde(default)]
    pub sat: Vec<String>,
    #[serde(default)]
    pub sun: Vec<String>,
    #[serde(default)]
    pub holidays: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrompt {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub file: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueType {
    Inbound,
    Outbound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Telephony,
    Chat,
    Email,
    Social,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SocialKind {
    Messenger,
    Sms,
    Whatsapp,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntryPoint {
    #[serde(default)]
    pub description: String,
    pub queue_type: QueueType,
    pub channel: ChannelKind,
    pub social: Option<SocialKind>,
    pub timezone: Option<String>,
    pub service_level: Option<SimDuration>,
    pub flow: Option<String>,
    #[serde(default)]
    pub support_numbers: Vec<String>,
    pub music_on_hold: Option<String>,
    pub outdial_queue: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawFlow {
    #[serde(default)]
    pub description: String,
    pub start: String,
    #[serde(default)]
    pub variables: BTreeMap<String, RawVariable>,
    #[serde(default)]
    pub steps: BTreeMap<String, RawStep>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VarType {
    #[default]
    String,
    Number,
    Boolean,
    Datetime,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawVariable {
    #[serde(default, rename = "type")]
    pub var_type: VarType,
    pub default: Option<String>,
    pub label: Option<String>,
    #[serde(default)]
    pub editable: bool,
    #[serde(default)]
    pub secure: bool,
    /// Position in the Contact Request popover (1 is first); absent: not shown.
    pub popover: Option<i64>,
}

/// One step of a flow (FLW-01). `next` absent means the flow ends, which
/// disconnects a caller who is not queued.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawStep {
    BusinessHours {
        hours: String,
        open: String,
        closed: String,
        holiday: Option<String>,
    },
    Play {
        prompt: String,
        next: Option<String>,
    },
    Menu {
        prompt: String,
        options: BTreeMap<String, String>,
        timeout: Option<SimDuration>,
        attempts: Option<i64>,
        default: Option<String>,
    },
    Set {
        variable: String,
        value: String,
        next: Option<String>,
    },
    Queue {
        queue: String,
        priority: Option<i64>,
        /// Replaces the queue's overflow settings for tasks queued here (CBK-06).
        overflow: Option<RawOverflow>,
        /// A courtesy callback offered while the caller waits (CBK-01).
        callback: Option<RawCourtesy>,
    },
    /// The caller chooses a callback: confirm, hang up, and queue the callback (CBK-01).
    Callback {
        queue: String,
        /// The number to call back, with placeholders (default `{ani}`).
        number: Option<String>,
        prompt: Option<String>,
        priority: Option<i64>,
        /// Where the flow goes when the number is not a dial number.
        next: Option<String>,
    },
    Disconnect {
        prompt: Option<String>,
    },
}
