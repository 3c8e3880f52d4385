//! Identifiers. Configured entities (agents, queues, entry points...) are
//! interned to dense `u32` indices when a configuration is compiled; the
//! engine and its inputs, outputs and events use those indices, and the
//! compiled [`crate::config::Tenant`] maps them back to names. Run-time
//! entities (tasks, calls, requests) get monotonically increasing numbers.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// The index as a `usize`, for indexing the tenant's vectors.
            #[inline]
            pub fn ix(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// An agent, by its position in the compiled tenant.
    AgentIdx
);
index_type!(
    /// A team.
    TeamIdx
);
index_type!(
    /// A queue.
    QueueIdx
);
index_type!(
    /// An entry point.
    EpIdx
);
index_type!(
    /// A flow.
    FlowIdx
);
index_type!(
    /// A step within a flow.
    StepIdx
);
index_type!(
    /// A prompt (audio to play to a caller).
    PromptIdx
);
index_type!(
    /// An idle reason code.
    IdleReasonIdx
);
index_type!(
    /// A wrap-up reason code.
    WrapUpReasonIdx
);
index_type!(
    /// A multimedia profile.
    ProfileIdx
);
index_type!(
    /// A business-hours schedule.
    HoursIdx
);
index_type!(
    /// A flow variable (call-associated data), within its flow.
    VarIdx
);
index_type!(
    /// An outbound preview campaign.
    CampaignIdx
);

/// A task (one customer interaction), numbered from 1 in order of creation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(pub u64);

/// A customer's call leg, numbered by the driver that reports it
/// (the shell maps SIP dialogs to these; the simulator numbers its callers).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallId(pub u64);

/// The id of an effect whose result comes back as an input (a prompt played,
/// a number dialled). A result naming an id the engine no longer waits for is
/// ignored, so late and duplicated results are harmless.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub u64);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.0)
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call {}", self.0)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A call leg the engine dialled itself (a consult or transfer to a number, an
/// outdial's customer), numbered from 1.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LegId(pub u64);

impl fmt::Display for LegId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "leg {}", self.0)
    }
}
