//! Tenant configuration (CHN-02, CHN-08, FLW-01): the TOML file as written
//! ([`raw`]), its validation into the compiled, index-based [`Tenant`]
//! ([`compile`], flows in [`flows`]), locating each error in the source text ([`locate`]), and
//! business hours ([`hours`]).
//!
//! A configuration is validated as a whole: [`Tenant::from_toml`] returns
//! either a tenant or every error found, each with its line, column and path.
//! Nothing of an invalid configuration is ever applied.

pub mod compile;
pub mod flows;
pub mod hours;
pub mod locate;
pub mod outbound;
pub mod raw;

use std::collections::BTreeMap;
use std::fmt;

use chrono_tz::Tz;

use crate::dialnum::DialNumber;
use crate::dtmf::Digit;
use crate::ids::*;
use crate::time::SimDuration;

pub use hours::{BusinessHours, HoursStatus};
pub use raw::{
    CampaignMode, ChannelKind, License, PreviewAction, QueueType, RoutingStrategy, SocialKind,
    VarType,
};

/// The name of the outbound entry point every tenant has (CHN-04).
pub const OUTDIAL_TRANSFER_EP: &str = "Outdial_Transfer_to_Queue";

/// One configuration error: where it is and what is wrong, in one sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// 1-based line in the source text (0 when the error has no place, e.g. a missing table).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The path of the value, e.g. `queues.support.teams[0]` (empty for a syntax error).
    pub path: locate::Path,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: ", self.line, self.column)?;
        }
        if !self.path.0.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Every error of one configuration, in source order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// A compiled, validated tenant configuration. Entities are stored in vectors
/// indexed by the id types of [`crate::ids`], in the order of their names.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub name: String,
    pub timezone: Tz,
    pub concurrent_call_limit: u32,
    pub noise_removal: bool,
    /// The PCI restriction: outbound emails carry no inline images (OUT-10).
    pub pci: bool,
    /// What callers hear waiting or on hold where their entry point sets nothing.
    pub music_on_hold: Option<PromptIdx>,
    /// A recording pause lasts this long, then resumes by itself (REC-03); absent: until resumed.
    pub privacy_shield: Option<SimDuration>,
    pub wrap_up: WrapUpPolicy,
    pub idle_reasons: Vec<String>,
    pub profiles: Vec<Profile>,
    pub teams: Vec<Team>,
    pub agents: Vec<Agent>,
    pub queues: Vec<Queue>,
    pub hours: Vec<BusinessHours>,
    pub prompts: Vec<Prompt>,
    pub entry_points: Vec<EntryPoint>,
    pub flows: Vec<Flow>,
    pub campaigns: Vec<Campaign>,
    /// Some queue offers its callbacks only in business hours (CBK-10).
    pub callback_hours: bool,
    /// Support number (normalized) -> its inbound telephony entry point (CHN-03).
    pub numbers: BTreeMap<DialNumber, EpIdx>,
    /// The configuration text this tenant was compiled from.
    pub source: String,
}

#[derive(Clone, Debug)]
pub struct WrapUpPolicy {
    pub reasons: Vec<String>,
    /// Submit `default_reason` automatically after this long in wrap-up (VOI-19).
    pub auto_after: Option<SimDuration>,
    pub default_reason: Option<WrapUpReasonIdx>,
}

/// Per-channel concurrency of an agent (a multimedia profile).
#[derive(Clone, Debug)]
pub struct Profile {
    pub name: String,
    pub voice: u8,
    pub chat: u8,
    pub email: u8,
    pub social: u8,
    /// Concurrent agent-initiated conversations (OUT-05).
    pub outbound: u8,
}

#[derive(Clone, Debug)]
pub struct Team {
    pub name: String,
    pub description: String,
    pub agents: Vec<AgentIdx>,
}

#[derive(Clone, Debug)]
pub struct Agent {
    /// The agent's id (the key under `[agents]`).
    pub id: String,
    pub name: String,
    pub dn: DialNumber,
    pub team: TeamIdx,
    pub profile: ProfileIdx,
    /// A physical handset must be hung up before the next call (AGT-14).
    pub handset: bool,
    /// The softphone's leg stays up between calls: once up, a voice offer
    /// connects at once, without ringing (docs/persistent-connection.md).
    pub persistent_connection: bool,
    pub license: License,
    /// The queues this agent serves, in index order.
    pub queues: Vec<Membership>,
    /// The campaigns this agent works, in index order.
    pub campaigns: Vec<CampaignIdx>,
}

/// An agent's place in a queue.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub queue: QueueIdx,
    /// The agent's position in the queue's member list (the `linear` strategy's order).
    pub rank: u32,
}

#[derive(Clone, Debug)]
pub struct Queue {
    pub name: String,
    pub description: String,
    /// Maximum time available: the RONA timeout (AGT-04).
    pub max_time_available: SimDuration,
    /// Eligible agents in the queue's order: listed agents, then teams' agents.
    pub members: Vec<AgentIdx>,
    pub strategy: RoutingStrategy,
    pub recording: bool,
    /// Service-level threshold for this queue's statistics; absent: the entry point's.
    pub service_level: Option<SimDuration>,
    /// The handle time assumed by the wait estimate before any task is handled (FLW-03).
    pub handle_time_estimate: SimDuration,
    pub callback: CallbackPolicy,
    /// Direct callback (CBK-06); a queue step may override it.
    pub overflow: Option<Overflow>,
}

/// How a queue handles its callbacks.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CallbackPolicy {
    /// Offered to agents only while these hours are open, in the tenant's time zone (CBK-10).
    pub hours: Option<HoursIdx>,
    /// Dial attempts before the callback closes as not reached (CBK-04).
    pub attempts: u8,
    /// The agent may cancel while the customer's phone rings (CBK-05).
    pub cancel: bool,
}

/// Direct callback as an overflow action (CBK-06, CBK-07): offered to a waiting
/// caller once the queue holds more than `waiting_above` calls or the caller's
/// estimated wait exceeds `wait_above`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Overflow {
    pub waiting_above: Option<u32>,
    pub wait_above: Option<SimDuration>,
    pub offer: PromptIdx,
    pub confirm: PromptIdx,
}

/// The first direct-callback offer, this long after overflow holds (CBK-07).
pub const DIRECT_CALLBACK_FIRST: SimDuration = SimDuration::from_secs(30);
/// Later offers, this long after the previous one began (CBK-07).
pub const DIRECT_CALLBACK_EVERY: SimDuration = SimDuration::from_secs(120);

/// A queue step's overflow: the queue's own, none, or its own rule (CBK-06).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum OverflowChoice {
    Queue,
    Off,
    Rule(Overflow),
}

/// A courtesy callback offered while the caller waits (CBK-01).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Courtesy {
    pub after: SimDuration,
    pub every: SimDuration,
    pub key: Digit,
    pub prompt: PromptIdx,
    pub confirm: PromptIdx,
}

/// An outbound preview campaign (CMP-01..CMP-10).
#[derive(Clone, Debug)]
pub struct Campaign {
    pub name: String,
    pub description: String,
    pub mode: CampaignMode,
    /// The outbound telephony entry point its calls go out from.
    pub entry_point: EpIdx,
    /// The agents who work it: listed agents, then teams' agents.
    pub members: Vec<AgentIdx>,
    pub preview_timeout: SimDuration,
    pub timeout_action: PreviewAction,
    pub skip: bool,
    pub remove: bool,
    /// Cancel replaces Ringing while the customer's phone rings (CMP-07).
    pub end_call: bool,
    /// Contact columns shown in the preview, in order.
    pub show: Vec<String>,
    /// Attempts per contact before it is dropped (CMP-08).
    pub attempts: u8,
    /// How long the reservation call rings the agent (CMP-02).
    pub reservation_timeout: SimDuration,
    /// Answering-machine detection's parameters, when it is on (CMP-09).
    pub amd: Option<Box<crate::audio::amd::AmdParams>>,
}

#[derive(Clone, Debug)]
pub struct Prompt {
    pub name: String,
    pub text: String,
    pub file: String,
}

#[derive(Clone, Debug)]
pub struct EntryPoint {
    pub name: String,
    pub description: String,
    pub queue_type: QueueType,
    pub channel: ChannelKind,
    pub social: Option<SocialKind>,
    pub timezone: Tz,
    pub service_level: SimDuration,
    pub flow: Option<FlowIdx>,
    pub support_numbers: Vec<DialNumber>,
    pub music_on_hold: Option<PromptIdx>,
    pub outdial_queue: Option<QueueIdx>,
    /// Created by the system (CHN-04), not by the configuration.
    pub system: bool,
}

/// A compiled flow (FLW-01).
#[derive(Clone, Debug)]
pub struct Flow {
    pub name: String,
    pub description: String,
    pub start: StepIdx,
    pub steps: Vec<Step>,
    pub step_names: Vec<String>,
    pub variables: Vec<Variable>,
}

#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    pub var_type: VarType,
    pub default: Option<String>,
    pub label: String,
    pub editable: bool,
    pub secure: bool,
    pub popover: Option<u8>,
}

/// A value a `set` step assigns: literal text with `{ani}`, `{dnis}`,
/// `{digits}` and `{entry_point}` replaced when the step runs.
#[derive(Clone, Debug)]
pub struct ValueTemplate(pub String);

#[derive(Clone, Debug)]
pub enum Step {
    BusinessHours {
        hours: HoursIdx,
        open: StepIdx,
        closed: StepIdx,
        holiday: StepIdx,
    },
    Play {
        prompt: PromptIdx,
        next: Option<StepIdx>,
    },
    Menu {
        prompt: PromptIdx,
        options: Vec<(Digit, StepIdx)>,
        timeout: SimDuration,
        attempts: u8,
        default: Option<StepIdx>,
    },
    Set {
        var: VarIdx,
        value: ValueTemplate,
        next: Option<StepIdx>,
    },
    Queue {
        queue: QueueIdx,
        priority: u8,
        overflow: OverflowChoice,
        courtesy: Option<Courtesy>,
    },
    Callback {
        queue: QueueIdx,
        number: ValueTemplate,
        prompt: Option<PromptIdx>,
        priority: u8,
        next: Option<StepIdx>,
    },
    Disconnect {
        prompt: Option<PromptIdx>,
    },
}

impl Tenant {
    /// Parses and validates a whole configuration (CHN-08).
    pub fn from_toml(text: &str) -> Result<Tenant, ConfigErrors> {
        compile::compile(text)
    }

    /// The agent with this id.
    pub fn agent_by_id(&self, id: &str) -> Option<AgentIdx> {
        position(&self.agents, |a| a.id == id).map(AgentIdx)
    }

    /// The queue with this name.
    pub fn queue_by_name(&self, name: &str) -> Option<QueueIdx> {
        position(&self.queues, |q| q.name == name).map(QueueIdx)
    }

    /// The entry point with this name.
    pub fn entry_point_by_name(&self, name: &str) -> Option<EpIdx> {
        position(&self.entry_points, |e| e.name == name).map(EpIdx)
    }

    /// The idle reason with this name.
    pub fn idle_reason_by_name(&self, name: &str) -> Option<IdleReasonIdx> {
        position(&self.idle_reasons, |r| r == name).map(IdleReasonIdx)
    }

    /// The wrap-up reason with this name.
    pub fn wrap_up_reason_by_name(&self, name: &str) -> Option<WrapUpReasonIdx> {
        position(&self.wrap_up.reasons, |r| r == name).map(WrapUpReasonIdx)
    }

    /// The campaign with this name.
    pub fn campaign_by_name(&self, name: &str) -> Option<CampaignIdx> {
        position(&self.campaigns, |c| c.name == name).map(CampaignIdx)
    }

    /// The prompt with this name.
    pub fn prompt_by_name(&self, name: &str) -> Option<PromptIdx> {
        position(&self.prompts, |p| p.name == name).map(PromptIdx)
    }

    /// The inbound entry point a dialled number reaches, if any (CHN-03).
    pub fn entry_point_for_number(&self, dialled: &str) -> Option<EpIdx> {
        // Most numbers arrive normalized already: look them up as they are first.
        if let Some(ep) = self.numbers.get(dialled) {
            return Some(*ep);
        }
        let number = DialNumber::parse(dialled).ok()?;
        self.numbers.get(&number).copied()
    }

    pub fn agent(&self, a: AgentIdx) -> &Agent {
        &self.agents[a.ix()]
    }
    pub fn queue(&self, q: QueueIdx) -> &Queue {
        &self.queues[q.ix()]
    }
    pub fn entry_point(&self, e: EpIdx) -> &EntryPoint {
        &self.entry_points[e.ix()]
    }
    pub fn flow(&self, f: FlowIdx) -> &Flow {
        &self.flows[f.ix()]
    }
    pub fn profile_of(&self, a: AgentIdx) -> &Profile {
        &self.profiles[self.agent(a).profile.ix()]
    }
}

fn position<T>(items: &[T], pred: impl Fn(&T) -> bool) -> Option<u32> {
    items.iter().position(pred).map(|i| i as u32)
}
