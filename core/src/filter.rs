//! [`OutputFilter`]: which outputs a driver wants from the engine.
//!
//! The engine applies every rule whatever the filter says; the filter only
//! decides which of the resulting [`Output`]s are put in the output stream.
//! An output the driver does not want is not built where building it costs
//! anything (a desktop's controls, a mix), and never queued. So a driver that
//! reads only a few kinds of output (the capacity planner reads four kinds of
//! event and the effects its virtual parties act on) does not pay for the
//! rest, and the outputs it does get are exactly those the unfiltered engine
//! gives, in the same order (a property test checks it).
//!
//! The default wants everything: production, scenarios and traces see every
//! output.
//!
//! One class is split further: [`Effect::Release`] of an agent's phone can be
//! left out while releases of customers and dialled numbers are kept (a
//! driver whose agents all use softphones has nothing to do when an agent's
//! leg is released: the phone hangs up with the call).
//!
//! One detail can be left out: the caller's numbers in
//! [`EventKind::TaskCreated`] (a driver that counts tasks does not read them,
//! and they cost an allocation per task). Such a filter gives the event with
//! `numbers: None`, and otherwise exactly as the unfiltered engine does
//! ([`OutputFilter::shaped`] is what it gives of an unfiltered output).

use serde::{Deserialize, Serialize};

use crate::event::{EventClass, EventKind};
use crate::legs::Leg;
use crate::output::{Effect, EffectClass, Notice, NoticeClass, Output};

/// In the effects' mask, above every class's bit: [`Effect::Release`] of an
/// agent's phone (wanted only with the bit of [`EffectClass::Release`] too).
const AGENT_RELEASE: u64 = 1 << 63;

/// In the events' mask, above every class's bit: the caller's numbers in
/// [`EventKind::TaskCreated`] (wanted only with the bit of
/// [`EventClass::TaskCreated`] too).
const CALL_NUMBERS: u64 = 1 << 63;

/// A set of output kinds: events by [`EventClass`], effects by
/// [`EffectClass`] and, within [`Effect::Notify`], notices by [`NoticeClass`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFilter {
    events: u64,
    effects: u64,
    notices: u64,
}

impl Default for OutputFilter {
    fn default() -> Self {
        OutputFilter::ALL
    }
}

impl OutputFilter {
    /// Every output.
    pub const ALL: OutputFilter = OutputFilter {
        events: u64::MAX,
        effects: u64::MAX,
        notices: u64::MAX,
    };

    /// No output at all (add what is wanted with the `with_` methods).
    pub const NONE: OutputFilter = OutputFilter {
        events: 0,
        effects: 0,
        notices: 0,
    };

    /// Whether this is [`OutputFilter::ALL`].
    pub fn is_all(&self) -> bool {
        *self == OutputFilter::ALL
    }

    /// Everything either filter wants.
    pub const fn union(self, o: OutputFilter) -> Self {
        OutputFilter {
            events: self.events | o.events,
            effects: self.effects | o.effects,
            notices: self.notices | o.notices,
        }
    }

    /// Adds an event kind; [`EventClass::TaskCreated`] comes with the
    /// caller's numbers.
    pub const fn with_event(mut self, c: EventClass) -> Self {
        self.events |= 1 << c as u64;
        if matches!(c, EventClass::TaskCreated) {
            self.events |= CALL_NUMBERS;
        }
        self
    }

    pub const fn without_event(mut self, c: EventClass) -> Self {
        self.events &= !(1 << c as u64);
        if matches!(c, EventClass::TaskCreated) {
            self.events &= !CALL_NUMBERS;
        }
        self
    }

    /// Gives [`EventKind::TaskCreated`] without the caller's numbers.
    pub const fn without_call_numbers(mut self) -> Self {
        self.events &= !CALL_NUMBERS;
        self
    }

    /// Whether [`EventKind::TaskCreated`] carries the caller's numbers.
    #[inline]
    pub fn wants_call_numbers(&self) -> bool {
        self.events & CALL_NUMBERS != 0 && self.wants_event_class(EventClass::TaskCreated)
    }

    /// What an engine with this filter gives of an output of the unfiltered
    /// engine that the filter wants (see [`OutputFilter::wants`]): the same,
    /// but without the caller's numbers if the filter leaves them out.
    pub fn shaped(&self, mut o: Output) -> Output {
        if let Output::Event(e) = &mut o
            && let EventKind::TaskCreated { numbers, .. } = &mut e.kind
            && !self.wants_call_numbers()
        {
            *numbers = None;
        }
        o
    }

    /// Adds an effect kind; [`EffectClass::Notify`] is governed by the notices.
    /// [`EffectClass::Release`] adds the release of every kind of leg.
    pub const fn with_effect(mut self, c: EffectClass) -> Self {
        self.effects |= 1 << c as u64;
        if matches!(c, EffectClass::Release) {
            self.effects |= AGENT_RELEASE;
        }
        self
    }

    pub const fn without_effect(mut self, c: EffectClass) -> Self {
        self.effects &= !(1 << c as u64);
        if matches!(c, EffectClass::Release) {
            self.effects &= !AGENT_RELEASE;
        }
        self
    }

    /// Leaves out [`Effect::Release`] of agents' phones, keeping the release
    /// of customers and dialled numbers.
    pub const fn without_agent_release(mut self) -> Self {
        self.effects &= !AGENT_RELEASE;
        self
    }

    pub const fn with_notice(mut self, c: NoticeClass) -> Self {
        self.notices |= 1 << c as u64;
        self
    }

    pub const fn without_notice(mut self, c: NoticeClass) -> Self {
        self.notices &= !(1 << c as u64);
        self
    }

    #[inline]
    pub fn wants_event_class(&self, c: EventClass) -> bool {
        self.events & (1 << c as u64) != 0
    }

    #[inline]
    pub fn wants_effect_class(&self, c: EffectClass) -> bool {
        self.effects & (1 << c as u64) != 0
    }

    #[inline]
    pub fn wants_notice_class(&self, c: NoticeClass) -> bool {
        self.notices & (1 << c as u64) != 0
    }

    #[inline]
    pub fn wants_event(&self, e: &EventKind) -> bool {
        self.events == u64::MAX || self.wants_event_class(EventClass::from(e))
    }

    #[inline]
    pub fn wants_effect(&self, e: &Effect) -> bool {
        match e {
            Effect::Notify { notice, .. } => self.wants_notice(notice),
            Effect::Release { leg: Leg::Agent(_) } => {
                self.effects == u64::MAX
                    || (self.effects & AGENT_RELEASE != 0
                        && self.wants_effect_class(EffectClass::Release))
            }
            _ => self.effects == u64::MAX || self.wants_effect_class(EffectClass::from(e)),
        }
    }

    #[inline]
    pub fn wants_notice(&self, n: &Notice) -> bool {
        self.notices == u64::MAX || self.wants_notice_class(NoticeClass::from(n))
    }

    /// Whether an output passes the filter.
    pub fn wants(&self, o: &Output) -> bool {
        match o {
            Output::Event(e) => self.wants_event(&e.kind),
            Output::Effect(e) => self.wants_effect(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AgentIdx, TaskId};

    #[test]
    fn all_none_and_single_kinds() {
        let ring = Effect::RingAgent {
            agent: AgentIdx(0),
            task: TaskId(1),
        };
        let notice = Effect::Notify {
            agent: AgentIdx(0),
            notice: Notice::Rona { task: TaskId(1) },
        };
        assert!(OutputFilter::ALL.wants_effect(&ring));
        assert!(OutputFilter::ALL.wants_effect(&notice));
        assert!(!OutputFilter::NONE.wants_effect(&ring));
        assert!(!OutputFilter::NONE.wants_effect(&notice));
        let f = OutputFilter::NONE
            .with_effect(EffectClass::RingAgent)
            .with_notice(NoticeClass::Rona);
        assert!(f.wants_effect(&ring));
        assert!(f.wants_effect(&notice));
        let f = f.without_notice(NoticeClass::Rona);
        assert!(!f.wants_effect(&notice));
        // Notices are not governed by the effect bit of Notify.
        let f = OutputFilter::ALL.without_effect(EffectClass::Notify);
        assert!(f.wants_effect(&notice));
        assert!(OutputFilter::default().is_all());
    }

    #[test]
    fn agents_releases_apart() {
        let agent = Effect::Release {
            leg: Leg::Agent(AgentIdx(0)),
        };
        let customer = Effect::Release {
            leg: Leg::Customer(crate::ids::CallId(1)),
        };
        let f = OutputFilter::NONE.with_effect(EffectClass::Release);
        assert!(f.wants_effect(&agent) && f.wants_effect(&customer));
        let f = f.without_agent_release();
        assert!(!f.wants_effect(&agent) && f.wants_effect(&customer));
        assert!(!f.wants(&Output::Effect(agent.clone())));
        let f = OutputFilter::ALL.without_effect(EffectClass::Release);
        assert!(!f.wants_effect(&agent) && !f.wants_effect(&customer));
        // Without the class, the agent's bit alone wants nothing.
        let f = OutputFilter::NONE.with_effect(EffectClass::Release);
        let f = f.without_effect(EffectClass::Release);
        assert!(!f.wants_effect(&agent));
        assert!(
            OutputFilter::ALL
                .without_agent_release()
                .wants_effect(&customer)
        );
        assert!(
            !OutputFilter::ALL
                .without_agent_release()
                .wants_effect(&agent)
        );
    }

    #[test]
    fn call_numbers_apart() {
        let f = OutputFilter::NONE.with_event(EventClass::TaskCreated);
        assert!(f.wants_call_numbers());
        let f = f.without_call_numbers();
        assert!(!f.wants_call_numbers() && f.wants_event_class(EventClass::TaskCreated));
        assert!(OutputFilter::ALL.wants_call_numbers());
        assert!(
            !OutputFilter::ALL
                .without_call_numbers()
                .wants_call_numbers()
        );
        // Without the class, the numbers' bit alone wants nothing.
        let f = OutputFilter::ALL.without_event(EventClass::TaskCreated);
        assert!(!f.wants_call_numbers());
        let created = |numbers: Option<Box<crate::event::CallNumbers>>| {
            Output::Event(crate::event::Event {
                at: crate::time::SimTime(1),
                kind: EventKind::TaskCreated {
                    task: TaskId(1),
                    kind: crate::event::TaskKind::Inbound,
                    channel: crate::legs::Channel::Voice,
                    customer: Leg::Customer(crate::ids::CallId(1)),
                    ep: crate::ids::EpIdx(0),
                    numbers,
                },
            })
        };
        let full = created(Some(Box::new(crate::event::CallNumbers {
            from: "+1".into(),
            to: "+2".into(),
        })));
        assert_eq!(OutputFilter::ALL.shaped(full.clone()), full);
        assert_eq!(
            OutputFilter::ALL.without_call_numbers().shaped(full),
            created(None)
        );
    }

    #[test]
    fn every_class_fits_the_masks() {
        use strum::IntoEnumIterator;
        // The events' top bit is the caller's numbers.
        assert!(EventClass::iter().count() <= 63);
        // The effects' top bit is the release of agents' phones.
        assert!(EffectClass::iter().count() <= 63);
        assert!(NoticeClass::iter().count() <= 64);
        // Each class has its own bit.
        let mut f = OutputFilter::NONE;
        for c in EventClass::iter() {
            assert!(!f.wants_event_class(c));
            f = f.with_event(c);
            assert!(f.wants_event_class(c));
        }
    }
}
