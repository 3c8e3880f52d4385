//! The engine's timers: an ordered map keyed by (deadline, sequence number),
//! so that expiry order is total and deterministic. Each timer carries the
//! reason it exists; the entity that armed it keeps its key to cancel it.

use std::num::NonZeroU64;

use serde::{Deserialize, Serialize};

use crate::ids::{AgentIdx, QueueIdx, TaskId};
use crate::sorted::SortedMap;
use crate::time::SimTime;

/// The key of an armed timer: (deadline, sequence number). The sequence number
/// is never zero, so an `Option<TimerKey>` takes no more room than a key.
pub(crate) type TimerKey = (SimTime, NonZeroU64);

/// Why a timer exists.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum TimerKind {
    /// The offer of `task` to `agent` goes unanswered (AGT-04).
    Rona { agent: AgentIdx, task: TaskId },
    /// Automatic wrap-up of `task` by `agent` (VOI-19).
    AutoWrapUp { agent: AgentIdx, task: TaskId },
    /// A menu waited long enough for a key.
    MenuTimeout { task: TaskId },
    /// A privacy-shield pause is over: the recording resumes (REC-03).
    PrivacyShield { task: TaskId },
    /// The next callback offer to a waiting caller (CBK-01, CBK-07).
    CallbackOffer { task: TaskId },
    /// A queue's callback hours open (CBK-10).
    CallbackHours { queue: QueueIdx },
    /// A campaign preview times out: its automatic action (CMP-05).
    PreviewTimeout { agent: AgentIdx, task: TaskId },
}

#[derive(Clone, Default, Debug, Serialize, Deserialize)]
pub(crate) struct Timers {
    /// A sequence of (key, timer) pairs in a snapshot: JSON has no tuple keys.
    /// Few timers are armed at once and most are disarmed soon (an offer's
    /// RONA timer when it is answered): a sorted vector beats a B-tree here.
    #[serde(
        serialize_with = "super::snapshot::pairs::serialize_sorted",
        deserialize_with = "super::snapshot::pairs::deserialize_sorted"
    )]
    map: SortedMap<TimerKey, TimerKind>,
    seq: u64,
}

impl Timers {
    /// Arms a timer and returns its key.
    pub fn set(&mut self, at: SimTime, kind: TimerKind) -> TimerKey {
        self.seq += 1;
        let key = (at, NonZeroU64::MIN.saturating_add(self.seq - 1));
        self.map.insert(key, kind);
        key
    }

    /// Disarms a timer (nothing happens if it already fired).
    pub fn cancel(&mut self, key: TimerKey) {
        self.map.remove(&key);
    }

    /// The earliest deadline.
    pub fn next_deadline(&self) -> Option<SimTime> {
        self.map.first_key_value().map(|(k, _)| k.0)
    }

    /// Removes and returns the earliest timer due at or before `now`.
    pub fn pop_due(&mut self, now: SimTime) -> Option<(TimerKey, TimerKind)> {
        let (&key, _) = self.map.first_key_value()?;
        if key.0 > now {
            return None;
        }
        self.map.pop_first()
    }

    /// Every armed timer, in expiry order.
    pub fn iter(&self) -> impl Iterator<Item = (&TimerKey, &TimerKind)> {
        self.map.iter()
    }

    /// The timer with this key, if armed.
    pub fn get(&self, key: &TimerKey) -> Option<&TimerKind> {
        self.map.get(key)
    }

    /// Rewrites every timer's payload (used when a configuration change renumbers agents).
    pub fn remap(&mut self, mut f: impl FnMut(TimerKind) -> TimerKind) {
        for kind in self.map.values_mut() {
            *kind = f(*kind);
        }
    }

    /// Keeps only the timers `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&TimerKind) -> bool) {
        self.map.retain(|_, kind| keep(kind));
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The sequence number of the last timer armed: every key's is at most this.
    pub fn last_seq(&self) -> u64 {
        self.seq
    }
}
