//! The reference for the plan's own event loop ([`drive`]): the same
//! replication played by the simulator's general [`Driver`], whose parties
//! are set to behave as the plan's. A test checks that both give
//! byte-identical figures on models with every feature, so that the plan's
//! loop is held to the driver every scenario runs on. Test-only.

use std::sync::Arc;

use compact_str::CompactString;
use switchboard_core::ids::{AgentIdx, CallId, PromptIdx};
use switchboard_core::intervals::{IntervalCollector, IntervalSums};
use switchboard_core::{
    AgentAction, Engine, EngineOptions, Input, Output, SimDuration, SimTime, Tenant,
};

use super::drive;
use super::traffic::{Drawn, Model, Staffing, Traffic, secs};
use crate::driver::{
    AfterRona, AgentBehaviour, Arrival, CallerBehaviour, Driver, Hooks, NumberBehaviour, Parties,
};

/// One replication at one staffing level: the hooks that feed callers and count.
struct Replication<'m> {
    m: &'m Model,
    traffic: Traffic,
    next_call: u64,
    from: CompactString,
    to: CompactString,
    counter: IntervalCollector,
    horizon: SimTime,
}

impl Replication<'_> {
    /// Schedules the next caller, if one arrives within the horizon.
    fn add_next(&mut self, driver: &mut Driver) {
        let Some(d) = self.traffic.next(self.m) else {
            return;
        };
        let Drawn {
            at,
            talk,
            patience,
            accepts,
        } = d;
        self.next_call += 1;
        driver.add_caller(
            CallId(self.next_call),
            Some(at),
            CallerBehaviour {
                from: self.from.clone(),
                arrival: Arrival::Call {
                    to: self.to.clone(),
                },
                patience,
                talk: Some(talk),
                keys: if accepts {
                    vec![switchboard_core::dtmf::Digit::ONE]
                } else {
                    Vec::new()
                },
                key_delay: drive::KEY_DELAY,
            },
        );
    }
}

impl Hooks for Replication<'_> {
    fn output(&mut self, _now: SimTime, out: Output, _engine: &Engine) {
        if let Output::Event(e) = out {
            self.counter.observe(&e);
        }
    }

    fn arrival(&mut self, driver: &mut Driver, _call: CallId) {
        self.add_next(driver);
    }

    fn script(&mut self, driver: &mut Driver, _index: usize) {
        // A staffing change at the start of interval `index` of its day.
        let Staffing::Schedule { interval_s, .. } = &self.m.staffing else {
            return;
        };
        let t = driver.now().0 / 1_000_000;
        let want = self.m.agents_at(0, t);
        set_staffing(driver, want);
        let next = SimTime(((t / interval_s) + 1) * interval_s * 1_000_000);
        if next < self.horizon {
            driver.schedule(next, crate::driver::Stim::Script(0));
        }
    }
}

/// Logs agents in or out so that `want` are logged in (those busy log out when
/// they can: a refused logout is retried by the next change).
fn set_staffing(driver: &mut Driver, want: u32) {
    let n = driver.engine.tenant().agents.len() as u32;
    for a in 0..n {
        let agent = AgentIdx(a);
        let on = driver
            .engine
            .agent_state(agent)
            .is_some_and(|s| s != switchboard_core::event::AgentState::LoggedOut);
        let action = match (a < want, on) {
            (true, false) => AgentAction::Login,
            (false, true) => AgentAction::Logout,
            _ => continue,
        };
        let _ = driver.input(Input::Agent { agent, action });
    }
}

/// [`drive::replicate`] on the general driver.
pub(super) fn replicate(
    m: &Model,
    tenant: &Arc<Tenant>,
    level: u32,
    seed: u64,
) -> Vec<IntervalSums> {
    // Wrap-up is the tenant's automatic wrap-up (VOI-19): its time is the
    // model's, and the agents leave it to the engine.
    let b = AgentBehaviour {
        ring_delay: SimDuration::ZERO,
        answer: Some(SimDuration::ZERO),
        no_answer: m.no_answer,
        wrap_up: None,
        after_rona: Some((AfterRona::Available, SimDuration::ZERO)),
        // Softphones set to auto-answer: an offer is answered the moment it
        // arrives, without a ringing step (one that RONA takes still rings).
        auto_answer: true,
        ..AgentBehaviour::default()
    };
    // The planner reads the events its collector counts; the parties act on
    // what they need, as these agents and the tenant's phones say (the plan's
    // traffic is voice only). The rules run whole.
    let parties = Parties {
        digital: false,
        agents_wrap_up: b.wrap_up.is_some(),
        handsets: tenant.agents.iter().any(|a| a.handset),
    };
    let opts = EngineOptions {
        outputs: IntervalCollector::NEEDS.union(Driver::outputs_needed_by(parties)),
        ..EngineOptions::default()
    };
    let mut driver = Driver::new(Engine::new(tenant.clone(), opts));
    driver.set_seed(seed ^ drive::PARTIES_SEED);
    for p in 0..tenant.prompts.len() {
        driver.set_prompt_len(PromptIdx(p as u32), drive::PROMPT);
    }
    for a in 0..tenant.agents.len() {
        driver.set_agent(AgentIdx(a as u32), b);
    }
    // Customers called back answer at once and talk for a mean handle time.
    driver.set_default_number(NumberBehaviour {
        answer: Some(drive::CALLED_BACK_ANSWER),
        talk: Some(secs(m.handle.mean())),
        ..NumberBehaviour::default()
    });
    let horizon = SimTime(m.horizon_s * 1_000_000);
    let mut rep = Replication {
        m,
        traffic: Traffic::new(seed, horizon),
        next_call: 0,
        from: CompactString::from(drive::CALLER),
        to: CompactString::from(drive::SUPPORT),
        counter: IntervalCollector::new(
            SimDuration::from_secs(m.interval_s()),
            secs(m.threshold_s),
            SimTime(m.warm_up_s * 1_000_000),
        ),
        horizon,
    };
    match &m.staffing {
        Staffing::Schedule { .. } => {
            set_staffing(&mut driver, m.agents_at(level, 0));
            if let Staffing::Schedule { interval_s, .. } = m.staffing {
                driver.schedule(
                    SimTime(interval_s * 1_000_000),
                    crate::driver::Stim::Script(0),
                );
            }
        }
        _ => set_staffing(&mut driver, level),
    }
    rep.add_next(&mut driver);
    driver.drain(&mut rep);
    let horizon = rep.horizon;
    driver.run(&mut rep, Some(horizon));
    rep.counter.into_sums()
}
