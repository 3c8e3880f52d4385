//! Who is on a voice task and who hears whom. A voice task is a set of legs:
//! the customer, the agents (the one who owns the task, a consulted one) and
//! external numbers. [`Mix`] says exactly which legs talk together and which
//! hear music on hold; the shell's media and the audio pipeline act on it.
//! Channels ([`Channel`]) say what kind of work a task is.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::ChannelKind;
use crate::ids::{AgentIdx, CallId, LegId, TaskId};

/// One party's connection.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "leg", content = "id", rename_all = "snake_case")]
pub enum Leg {
    /// The customer's call that reached us.
    Customer(CallId),
    /// An agent's phone.
    Agent(AgentIdx),
    /// A number the engine dialled (a consulted number, an outdial's customer).
    External(LegId),
}

/// Who hears whom on a task, as a whole: every leg of the task is either talking
/// (with the others listed there), on hold (music on hold), or silent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mix {
    pub task: TaskId,
    /// Legs that hear each other: two for a call, three for a conference.
    pub talking: Legs,
    /// Legs hearing music on hold.
    pub on_hold: Legs,
    /// The music they hear (a prompt played in a loop), or the media's own.
    pub music: Option<crate::ids::PromptIdx>,
}

/// A few legs, kept inline (a call has at most four).
pub type Legs = smallvec::SmallVec<[Leg; 3]>;

/// A mix in a fixed, copyable form: at most three legs talk (a conference) and at
/// most one hears music on hold (never both parties of a consult, VOI-06). The
/// engine keeps the last one it sent per task, to tell whether a mix changed.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MixShape {
    pub talking: [Option<Leg>; 3],
    pub on_hold: Option<Leg>,
}

impl MixShape {
    pub fn new(talking: &[Leg], on_hold: Option<Leg>) -> MixShape {
        let mut t = [None; 3];
        for (slot, leg) in t.iter_mut().zip(talking) {
            *slot = Some(*leg);
        }
        MixShape {
            talking: t,
            on_hold,
        }
    }

    /// The mix as the outside is told it.
    pub fn to_mix(self, task: TaskId, music: Option<crate::ids::PromptIdx>) -> Mix {
        Mix {
            task,
            talking: self.talking.into_iter().flatten().collect(),
            on_hold: self.on_hold.into_iter().collect(),
            music,
        }
    }

    /// Every leg in the mix, mutable (for a live reconfiguration's renumbering).
    pub fn legs_mut(&mut self) -> impl Iterator<Item = &mut Leg> {
        self.talking
            .iter_mut()
            .chain(std::iter::once(&mut self.on_hold))
            .flatten()
    }
}

/// What kind of work a task is; an agent's multimedia profile caps each.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Voice,
    Chat,
    Email,
    Social,
}

impl Channel {
    /// Every channel, in index order.
    pub const ALL: [Channel; 4] = [
        Channel::Voice,
        Channel::Chat,
        Channel::Email,
        Channel::Social,
    ];

    /// A dense index for per-channel arrays.
    pub fn ix(self) -> usize {
        self as usize
    }

    /// The channel of an entry point's channel type.
    pub fn of(kind: ChannelKind) -> Channel {
        match kind {
            ChannelKind::Telephony => Channel::Voice,
            ChannelKind::Chat => Channel::Chat,
            ChannelKind::Email => Channel::Email,
            ChannelKind::Social => Channel::Social,
        }
    }

    /// AGT-08: the order of stacked requests, top first: emails, social, chats, calls.
    pub fn stack_rank(self) -> u8 {
        match self {
            Channel::Email => 0,
            Channel::Social => 1,
            Channel::Chat => 2,
            Channel::Voice => 3,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Channel::Voice => "call",
            Channel::Chat => "chat",
            Channel::Email => "email",
            Channel::Social => "social",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
