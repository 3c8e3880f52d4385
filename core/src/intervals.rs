//! Statistics per interval of the day, for capacity planning (FLW-04: derived
//! from the event log). Where [`crate::stats`] reports per entry point, queue
//! and agent over a whole run, this keeps, for each interval of the day (every
//! day folded onto one), the sums a workforce planner reads, counted by the
//! interval in which each call arrived:
//!
//! - *offered*: tasks created; *answered within* the threshold, *answered*,
//!   their total wait; *abandoned*; *callbacks* requested;
//! - *busy time*: from each task's answer to its close (after wrap-up), split
//!   over the intervals it spans.
//!
//! A call that takes a callback is neither answered nor abandoned here: it is
//! a miss for the service level and counts as a callback (its later callback
//! is another piece of work). Calls arriving before the warm-up ends are not
//! counted. The collector is index-based and allocation-free per event, so that
//! millions of calls can be counted; memory holds only live tasks.

use crate::event::{Event, EventClass, EventKind, TaskOutcome};
use crate::filter::OutputFilter;
use crate::ids::TaskId;
use crate::time::{SimDuration, SimTime};
use crate::window::IdWindow;

const DAY_US: u64 = 86_400_000_000;

/// The sums of one interval of the day.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct IntervalSums {
    pub offered: u64,
    pub answered: u64,
    pub within: u64,
    pub wait_s: f64,
    pub abandoned: u64,
    pub callbacks: u64,
    pub busy_s: f64,
}

impl IntervalSums {
    pub fn add(&mut self, o: &IntervalSums) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.within += o.within;
        self.wait_s += o.wait_s;
        self.abandoned += o.abandoned;
        self.callbacks += o.callbacks;
        self.busy_s += o.busy_s;
    }

    /// Answered within the threshold / offered (0 when nothing was offered).
    pub fn service_level(&self) -> f64 {
        ratio(self.within as f64, self.offered as f64)
    }

    /// Answered within the threshold / answered.
    pub fn service_level_among_answered(&self) -> f64 {
        ratio(self.within as f64, self.answered as f64)
    }

    /// Mean wait of the answered calls, seconds.
    pub fn asa(&self) -> f64 {
        ratio(self.wait_s, self.answered as f64)
    }

    pub fn abandonment(&self) -> f64 {
        ratio(self.abandoned as f64, self.offered as f64)
    }

    pub fn callback_share(&self) -> f64 {
        ratio(self.callbacks as f64, self.offered as f64)
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// A live task as the collector follows it: 16 bytes (one window slot per
/// task id between the oldest live task and the newest).
#[derive(Clone, Copy)]
struct Live {
    /// When it was answered, if `answered`.
    answered_at: SimTime,
    /// The interval of the day it arrived in; [`Live::WARM_UP`] during the
    /// warm-up.
    interval: u32,
    answered: bool,
    callback: bool,
}

impl Live {
    const WARM_UP: u32 = u32::MAX;

    /// The interval it arrived in; `None` during the warm-up.
    fn interval(&self) -> Option<usize> {
        (self.interval != Live::WARM_UP).then_some(self.interval as usize)
    }
}

/// Collects [`IntervalSums`] from events.
pub struct IntervalCollector {
    interval: u64,
    threshold: SimDuration,
    warm_up: SimTime,
    live: IdWindow<TaskId, Live>,
    sums: Vec<IntervalSums>,
    /// The interval of the day last looked up: `[lo, hi)` in absolute time
    /// and its index. Events come in time order, nearly all in the interval
    /// of the one before, so a lookup is rarely a division.
    lo: u64,
    hi: u64,
    ix: usize,
    /// The interval divides the day: an interval of the day is also a
    /// multiple of the interval in absolute time.
    divides_day: bool,
}

impl IntervalCollector {
    /// The events the collector reads (see [`crate::OutputFilter`]): not
    /// the callers' numbers.
    pub const NEEDS: OutputFilter = OutputFilter::NONE
        .with_event(EventClass::TaskCreated)
        .with_event(EventClass::TaskAnswered)
        .with_event(EventClass::CallbackRequested)
        .with_event(EventClass::TaskClosed)
        .without_call_numbers();

    /// Intervals of `interval` (a divisor of a day, at least a second),
    /// service-level `threshold`, nothing counted before `warm_up`.
    pub fn new(interval: SimDuration, threshold: SimDuration, warm_up: SimTime) -> Self {
        let interval = interval.0.clamp(1_000_000, DAY_US);
        IntervalCollector {
            interval,
            threshold,
            warm_up,
            live: IdWindow::default(),
            sums: vec![IntervalSums::default(); DAY_US.div_ceil(interval) as usize],
            lo: 0,
            hi: 0,
            ix: 0,
            divides_day: DAY_US.is_multiple_of(interval),
        }
    }

    /// The interval of the day `t` falls in, `None` during the warm-up:
    /// `(t % day) / interval`.
    fn interval_of(&mut self, t: SimTime) -> Option<usize> {
        if t < self.warm_up {
            return None;
        }
        let t = t.0;
        if !(self.lo <= t && t < self.hi) {
            let day = t - t % DAY_US;
            let ix = (t - day) / self.interval;
            self.lo = day + ix * self.interval;
            self.hi = (self.lo + self.interval).min(day + DAY_US);
            self.ix = ix as usize;
        }
        Some(self.ix)
    }

    /// Takes one event into account.
    pub fn observe(&mut self, e: &Event) {
        let now = e.at;
        match e.kind {
            EventKind::TaskCreated { task, .. } => {
                let interval = self.interval_of(now);
                if let Some(i) = interval {
                    self.sums[i].offered += 1;
                }
                self.live.insert(
                    task,
                    Live {
                        answered_at: SimTime::ZERO,
                        // A day has fewer intervals than this (at least a second each).
                        interval: interval.map_or(Live::WARM_UP, |i| i as u32),
                        answered: false,
                        callback: false,
                    },
                );
            }
            EventKind::TaskAnswered { task, waited, .. } => {
                if let Some(l) = self.live.get_mut(&task) {
                    l.answered_at = now;
                    l.answered = true;
                    if let (Some(i), false) = (l.interval(), l.callback) {
                        let s = &mut self.sums[i];
                        s.answered += 1;
                        s.wait_s += waited.as_secs_f64();
                        if waited <= self.threshold {
                            s.within += 1;
                        }
                    }
                }
            }
            EventKind::CallbackRequested { task, .. } => {
                if let Some(l) = self.live.get_mut(&task) {
                    l.callback = true;
                    if let Some(i) = l.interval() {
                        self.sums[i].callbacks += 1;
                    }
                }
            }
            EventKind::TaskClosed { task, outcome } => {
                if let Some(l) = self.live.remove(&task) {
                    if let (TaskOutcome::Abandoned { .. }, Some(i), false) =
                        (outcome, l.interval(), l.callback)
                    {
                        self.sums[i].abandoned += 1;
                    }
                    if l.answered {
                        self.busy(l.answered_at, now);
                    }
                }
            }
            _ => {}
        }
    }

    /// Adds busy time from `from` to `to`, split over the intervals it spans.
    fn busy(&mut self, from: SimTime, to: SimTime) {
        let mut t = from.max(self.warm_up);
        while t < to {
            let i = self.interval_of(t);
            // The next multiple of the interval after `t`: the end of the
            // interval of the day just looked up when the interval divides
            // the day.
            let next = if self.divides_day {
                self.hi
            } else {
                (t.0 / self.interval + 1) * self.interval
            };
            let end = SimTime(next).min(to);
            if let Some(i) = i {
                self.sums[i].busy_s += (end.0 - t.0) as f64 / 1e6;
            }
            t = end;
        }
    }

    /// The tasks created and not closed yet.
    pub fn live(&self) -> usize {
        self.live.len()
    }

    /// The sums, one per interval of the day.
    pub fn sums(&self) -> &[IntervalSums] {
        &self.sums
    }

    pub fn into_sums(self) -> Vec<IntervalSums> {
        self.sums
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AbandonStage, CallNumbers, CallbackSource, TaskKind};
    use crate::ids::{AgentIdx, CallId, EpIdx};
    use crate::legs::{Channel, Leg};

    fn at(s: u64, kind: EventKind) -> Event {
        Event {
            at: SimTime(s * 1_000_000),
            kind,
        }
    }

    fn created(s: u64, task: u64) -> Event {
        at(
            s,
            EventKind::TaskCreated {
                task: TaskId(task),
                kind: TaskKind::Inbound,
                channel: Channel::Voice,
                customer: Leg::Customer(CallId(task)),
                ep: EpIdx(0),
                numbers: Some(Box::new(CallNumbers {
                    from: "+1".into(),
                    to: "+2".into(),
                })),
            },
        )
    }

    #[test]
    fn calls_count_in_the_interval_they_arrived_in() {
        let hour = SimDuration::from_secs(3600);
        let mut c = IntervalCollector::new(hour, SimDuration::from_secs(20), SimTime(60_000_000));
        let answered = |s, task, wait| {
            at(
                s,
                EventKind::TaskAnswered {
                    task: TaskId(task),
                    agent: AgentIdx(0),
                    waited: SimDuration::from_secs(wait),
                },
            )
        };
        let closed = |s, task, outcome| {
            at(
                s,
                EventKind::TaskClosed {
                    task: TaskId(task),
                    outcome,
                },
            )
        };
        for e in [
            // Before the warm-up: not counted.
            created(10, 1),
            answered(12, 1, 2),
            closed(30, 1, TaskOutcome::Handled),
            // Answered within 20 s, busy from 3590 s to 3700 s: over two intervals.
            created(3570, 2),
            answered(3590, 2, 20),
            closed(3700, 2, TaskOutcome::Handled),
            // Answered late.
            created(3580, 3),
            answered(3640, 3, 60),
            closed(3650, 3, TaskOutcome::Handled),
            // Abandoned.
            created(3585, 4),
            closed(
                3600,
                4,
                TaskOutcome::Abandoned {
                    stage: AbandonStage::Queue,
                },
            ),
            // A callback: a miss, neither answered nor abandoned.
            created(3586, 5),
            at(
                3590,
                EventKind::CallbackRequested {
                    task: TaskId(5),
                    source: CallbackSource::Courtesy,
                    number: crate::dialnum::DialNumber::parse("+15551234567").unwrap(),
                },
            ),
            answered(4000, 5, 400),
            closed(4100, 5, TaskOutcome::Handled),
        ] {
            c.observe(&e);
        }
        let s = c.sums();
        assert_eq!(s.len(), 24);
        assert_eq!((s[0].offered, s[0].answered, s[0].within), (4, 2, 1));
        assert_eq!((s[0].abandoned, s[0].callbacks), (1, 1));
        assert_eq!(s[0].service_level(), 0.25);
        assert_eq!(s[0].asa(), 40.0);
        assert_eq!(s[0].busy_s, 10.0);
        // The second interval holds the rest of task 2, task 3 and the callback's work.
        assert_eq!(s[1].busy_s, 100.0 + 10.0 + 100.0);
        assert_eq!(s[1].offered, 0);
    }

    /// The remembered interval gives exactly the arithmetic's answer, for
    /// intervals that divide the day and one that does not, over several
    /// days, with times in order and out of it; busy time is split at the
    /// same places.
    #[test]
    fn the_remembered_interval_is_the_arithmetics() {
        // A small seeded generator (SplitMix64): below `n`.
        let mut state = 7u64;
        let mut below = |n: u64| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % n
        };
        for interval_s in [1, 900, 1800, 3600, 7000, 86_400] {
            let interval = SimDuration::from_secs(interval_s);
            let warm_up = SimTime(1_000_000_000);
            let mut c = IntervalCollector::new(interval, SimDuration::ZERO, warm_up);
            let mut t = 0u64;
            for _ in 0..5000 {
                t = if below(10) < 9 {
                    t + below(400_000_000)
                } else {
                    below(4 * DAY_US)
                };
                let want = (t >= warm_up.0).then(|| ((t % DAY_US) / interval.0) as usize);
                assert_eq!(c.interval_of(SimTime(t)), want, "{interval_s} s at {t}");
            }
            // Busy time, split at every multiple of the interval.
            let mut c = IntervalCollector::new(interval, SimDuration::ZERO, SimTime::ZERO);
            let mut want = vec![0.0; c.sums().len()];
            for _ in 0..200 {
                let from = below(3 * DAY_US);
                let to = from + below(2 * DAY_US / 3);
                c.busy(SimTime(from), SimTime(to));
                let mut t = from;
                while t < to {
                    let end = ((t / interval.0 + 1) * interval.0).min(to);
                    want[((t % DAY_US) / interval.0) as usize] += (end - t) as f64 / 1e6;
                    t = end;
                }
            }
            let got: Vec<f64> = c.sums().iter().map(|s| s.busy_s).collect();
            assert_eq!(got, want, "{interval_s} s");
        }
    }
}
