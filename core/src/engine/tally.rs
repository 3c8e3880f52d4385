//! Live counters the engine keeps as it acts, on its own code paths, independent
//! of the events it emits: tasks created and closed (by outcome), per queue the
//! tasks that entered it, came back to it after a failed offer, were answered
//! from it or abandoned in it, and per agent how its offers ended and how many
//! tasks it wrapped up. The admin API serves them as live statistics, and the
//! simulator recounts the same figures from the event log after every step
//! (sim/src/recount.rs): the two must agree.
//!
//! Queue and agent counters live in the queue's and agent's run-time state, so a
//! configuration change carries them over by name like the rest of that state.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::event::{OfferOutcome, TaskOutcome};

/// Tasks created and closed, by how they ended.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskTally {
    pub created: u64,
    pub handled: u64,
    pub abandoned: u64,
    pub disconnected: u64,
    pub not_reached: u64,
    pub cancelled: u64,
    pub skipped: u64,
    pub removed: u64,
}

impl TaskTally {
    /// Counts a closed task.
    pub fn close(&mut self, outcome: TaskOutcome) {
        *match outcome {
            TaskOutcome::Handled => &mut self.handled,
            TaskOutcome::Abandoned { .. } => &mut self.abandoned,
            TaskOutcome::Disconnected => &mut self.disconnected,
            TaskOutcome::NotReached => &mut self.not_reached,
            TaskOutcome::Cancelled => &mut self.cancelled,
            TaskOutcome::Skipped => &mut self.skipped,
            TaskOutcome::Removed => &mut self.removed,
        } += 1;
    }

    /// Tasks closed, whatever their outcome.
    pub fn closed(&self) -> u64 {
        self.handled
            + self.abandoned
            + self.disconnected
            + self.not_reached
            + self.cancelled
            + self.skipped
            + self.removed
    }
}

/// One queue's counters.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueTally {
    /// Tasks that entered the queue (from a flow, a transfer or a callback).
    pub entered: u64,
    /// Tasks put back at their place after a failed offer (AGT-04).
    pub returned: u64,
    /// Tasks first answered while this was their queue.
    pub answered: u64,
    /// Tasks that were queued, were never answered, and ended abandoned with
    /// this as their queue.
    pub abandoned: u64,
}

/// One agent's counters.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentTally {
    /// Offers the agent accepted.
    pub accepted: u64,
    /// Offers that failed at the agent: no answer, declined, device failure.
    pub failed: u64,
    /// Offers withdrawn (the caller left, the requester withdrew).
    pub withdrawn: u64,
    /// Tasks the agent wrapped up.
    pub handled: u64,
}

impl AgentTally {
    /// Counts an ended offer.
    pub fn offer_ended(&mut self, outcome: OfferOutcome) {
        *match outcome {
            OfferOutcome::Accepted => &mut self.accepted,
            OfferOutcome::NoAnswer | OfferOutcome::Declined | OfferOutcome::DeviceFailed => {
                &mut self.failed
            }
            OfferOutcome::Withdrawn => &mut self.withdrawn,
        } += 1;
    }
}

/// A snapshot of every counter, by queue name and agent id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub tasks: TaskTally,
    pub queues: BTreeMap<String, QueueTally>,
    pub agents: BTreeMap<String, AgentTally>,
}

impl super::Engine {
    /// The live counters, by queue name and agent id of the configuration in force.
    pub fn tally(&self) -> Tally {
        Tally {
            tasks: self.task_tally,
            queues: self
                .tenant
                .queues
                .iter()
                .zip(&self.queues)
                .map(|(q, rt)| (q.name.clone(), rt.tally))
                .collect(),
            agents: self
                .tenant
                .agents
                .iter()
                .zip(&self.agents)
                .map(|(a, rt)| (a.id.clone(), rt.tally))
                .collect(),
        }
    }
}
