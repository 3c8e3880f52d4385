//! Agents: presence (LoggedOut, Available, Idle, RONA), the voice work they hold
//! (Connecting, Ringing, Engaged, WrapUp), their phone's hook state, and their
//! membership of the queues' ready sets (AGT-01, AGT-02, AGT-05, AGT-06, AGT-14).
//!
//! An agent's visible state is derived ([`AgentRt::view`]); every change of it is
//! logged with its reason by [`Engine::agent_changed`], which also keeps the ready
//! sets right: an agent is *ready* (offered new voice tasks) exactly when Available,
//! without voice work, with a voice-capable profile and, for a handset, on-hook.

use crate::config::RoutingStrategy;
use crate::event::{AgentState, EventKind, Ignored, OfferOutcome, StateReason};
use crate::ids::*;
use crate::input::PhoneEvent;
use crate::refusal::Refusal;
use crate::time::SimTime;

use super::Engine;
use super::tasks::EndKind;
use super::timers::TimerKey;

/// The state an agent chose (or RONA, which only the agent can leave).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum Presence {
    #[default]
    LoggedOut,
    Available,
    Idle(IdleReasonIdx),
    Rona,
}

/// Where an agent's voice task is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Connecting,
    Ringing,
    Engaged,
    WrapUp,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct VoiceWork {
    pub task: TaskId,
    pub phase: Phase,
}

/// An agent's run-time state.
#[derive(Copy, Clone, Debug, Default)]
pub(crate) struct AgentRt {
    pub presence: Presence,
    pub voice: Option<VoiceWork>,
    pub off_hook: bool,
    /// In the ready sets of its queues, keyed with `ready_since`.
    pub ready: bool,
    pub ready_since: SimTime,
    /// The RONA or auto wrap-up timer of the voice work.
    pub timer: Option<TimerKey>,
}

impl AgentRt {
    /// The state the desktop shows (AGT-01).
    pub fn view(&self) -> AgentState {
        match (self.presence, self.voice) {
            (Presence::LoggedOut, _) => AgentState::LoggedOut,
            (_, Some(w)) => match w.phase {
                Phase::Connecting => AgentState::Connecting,
                Phase::Ringing => AgentState::Ringing,
                Phase::Engaged => AgentState::Engaged,
                Phase::WrapUp => AgentState::WrapUp,
            },
            (Presence::Available, None) => AgentState::Available,
            (Presence::Idle(r), None) => AgentState::Idle(r),
            (Presence::Rona, None) => AgentState::Rona,
        }
    }

    /// Whether a Connecting or Contact Request notice is showing.
    pub fn offer_showing(&self) -> bool {
        matches!(
            self.voice,
            Some(VoiceWork {
                phase: Phase::Connecting | Phase::Ringing,
                ..
            })
        )
    }
}

impl Engine {
    /// The key an agent has in a queue's ready set.
    pub(crate) fn ready_key(&self, agent: AgentIdx, queue: QueueIdx, rank: u32) -> u64 {
        match self.tenant.queues[queue.ix()].strategy {
            RoutingStrategy::LongestAvailable => self.agents[agent.ix()].ready_since.0,
            RoutingStrategy::Linear => rank as u64,
        }
    }

    /// Whether an agent should be offered new voice tasks (AGT-02, AGT-14).
    fn routable(&self, agent: AgentIdx) -> bool {
        let a = &self.agents[agent.ix()];
        a.presence == Presence::Available
            && a.voice.is_none()
            && !a.off_hook
            && self.tenant.profile_of(agent).voice > 0
    }

    /// Puts the agent in or takes it out of its queues' ready sets.
    pub(crate) fn refresh_ready(&mut self, agent: AgentIdx) {
        let want = self.routable(agent);
        if want == self.agents[agent.ix()].ready {
            return;
        }
        if want {
            self.agents[agent.ix()].ready_since = self.now;
        }
        let tenant = self.tenant.clone();
        for m in &tenant.agents[agent.ix()].queues {
            let key = (self.ready_key(agent, m.queue, m.rank), agent);
            let set = &mut self.queues[m.queue.ix()].ready;
            if want {
                set.insert(key);
            } else {
                set.remove(&key);
            }
        }
        let a = &mut self.agents[agent.ix()];
        a.ready = want;
        if want {
            self.route_pending = true;
        }
    }

    /// Logs a change of the agent's visible state and keeps the ready sets and the
    /// queues' staffed counts right.
    pub(crate) fn agent_changed(
        &mut self,
        agent: AgentIdx,
        before: AgentState,
        reason: StateReason,
    ) {
        let after = self.agents[agent.ix()].view();
        if after != before {
            self.event(EventKind::AgentState {
                agent,
                from: before,
                to: after,
                reason,
            });
            let (was, is) = (staffed(before), staffed(after));
            if was != is && self.tenant.profile_of(agent).voice > 0 {
                let tenant = self.tenant.clone();
                for m in &tenant.agents[agent.ix()].queues {
                    let q = &mut self.queues[m.queue.ix()];
                    if is {
                        q.staffed += 1;
                    } else {
                        q.staffed -= 1;
                    }
                }
            }
        }
        self.refresh_ready(agent);
    }

    /// Per queue, the staffed voice agents counted afresh.
    pub(crate) fn count_staffed(&self) -> Vec<u32> {
        let mut counts = vec![0u32; self.queues.len()];
        for (i, a) in self.agents.iter().enumerate() {
            if staffed(a.view()) && self.tenant.profile_of(AgentIdx(i as u32)).voice > 0 {
                for m in &self.tenant.agents[i].queues {
                    counts[m.queue.ix()] += 1;
                }
            }
        }
        counts
    }

    pub(crate) fn login(&mut self, agent: AgentIdx) -> Result<(), Refusal> {
        let before = self.agents[agent.ix()].view();
        if before != AgentState::LoggedOut {
            return Err(Refusal::AlreadyLoggedIn);
        }
        self.agents[agent.ix()].presence = Presence::Available;
        self.agent_changed(agent, before, StateReason::Login);
        Ok(())
    }

    pub(crate) fn logout(&mut self, agent: AgentIdx) -> Result<(), Refusal> {
        let a = &self.agents[agent.ix()];
        if a.presence == Presence::LoggedOut {
            return Err(Refusal::NotLoggedIn);
        }
        if a.offer_showing() {
            return Err(Refusal::OfferShowing);
        }
        if let Some(w) = a.voice {
            return Err(Refusal::TaskActive { task: w.task });
        }
        let before = a.view();
        self.agents[agent.ix()].presence = Presence::LoggedOut;
        self.agent_changed(agent, before, StateReason::Logout);
        Ok(())
    }

    fn check_presence_change(&self, agent: AgentIdx) -> Result<(), Refusal> {
        let a = &self.agents[agent.ix()];
        if a.presence == Presence::LoggedOut {
            return Err(Refusal::NotLoggedIn);
        }
        if a.offer_showing() {
            return Err(Refusal::OfferShowingState);
        }
        if let Some(w) = a.voice {
            return Err(Refusal::TaskActive { task: w.task });
        }
        Ok(())
    }

    pub(crate) fn set_available(&mut self, agent: AgentIdx) -> Result<(), Refusal> {
        self.check_presence_change(agent)?;
        let before = self.agents[agent.ix()].view();
        if self.agents[agent.ix()].presence == Presence::Available {
            return Err(Refusal::AlreadyInState {
                state: "Available".into(),
            });
        }
        self.agents[agent.ix()].presence = Presence::Available;
        self.agent_changed(agent, before, StateReason::AgentChoice);
        Ok(())
    }

    pub(crate) fn set_idle(
        &mut self,
        agent: AgentIdx,
        reason: IdleReasonIdx,
    ) -> Result<(), Refusal> {
        if reason.ix() >= self.tenant.idle_reasons.len() {
            return Err(Refusal::UnknownIdleReason { reason: reason.0 });
        }
        self.check_presence_change(agent)?;
        let before = self.agents[agent.ix()].view();
        if self.agents[agent.ix()].presence == Presence::Idle(reason) {
            return Err(Refusal::AlreadyInState {
                state: "Idle with that reason".into(),
            });
        }
        self.agents[agent.ix()].presence = Presence::Idle(reason);
        self.agent_changed(agent, before, StateReason::AgentChoice);
        Ok(())
    }

    /// What the agent's phone reports. Device events cannot be refused: the
    /// handset is where it is.
    pub(crate) fn phone_event(&mut self, agent: AgentIdx, event: PhoneEvent) {
        let a = self.agents[agent.ix()];
        let phase = a.voice.map(|w| w.phase);
        match (event, phase) {
            (PhoneEvent::Ringing, Some(Phase::Connecting)) => self.contact_request(agent),
            (PhoneEvent::Answered, Some(Phase::Connecting | Phase::Ringing)) => {
                let task = a.voice.map(|w| w.task).expect("phase implies work");
                self.answer(agent, task);
            }
            (PhoneEvent::HungUp, Some(Phase::Connecting | Phase::Ringing)) => {
                self.rona(agent, OfferOutcome::Declined);
            }
            (PhoneEvent::Failed, Some(Phase::Connecting | Phase::Ringing)) => {
                self.rona(agent, OfferOutcome::DeviceFailed);
            }
            (PhoneEvent::HungUp, Some(Phase::Engaged)) => {
                self.agents[agent.ix()].off_hook = false;
                let task = a.voice.map(|w| w.task).expect("phase implies work");
                self.end_call(task, EndKind::AgentHungUp);
            }
            (PhoneEvent::Failed, Some(Phase::Engaged)) => {
                self.agents[agent.ix()].off_hook = false;
                let task = a.voice.map(|w| w.task).expect("phase implies work");
                self.end_call(task, EndKind::AgentDeviceFailed);
            }
            (PhoneEvent::Answered, None | Some(Phase::WrapUp)) if !a.off_hook => {
                self.set_hook(agent, true)
            }
            (PhoneEvent::HungUp, None | Some(Phase::WrapUp)) if a.off_hook => {
                self.set_hook(agent, false)
            }
            _ => self.event(EventKind::Ignored {
                what: Ignored::StalePhone,
            }),
        }
    }

    fn set_hook(&mut self, agent: AgentIdx, off_hook: bool) {
        self.agents[agent.ix()].off_hook = off_hook;
        self.event(EventKind::Hook { agent, off_hook });
        self.refresh_ready(agent);
    }
}

/// Whether an agent in this state is staffed: logged in and neither Idle nor in RONA.
pub(crate) fn staffed(s: AgentState) -> bool {
    !matches!(
        s,
        AgentState::LoggedOut | AgentState::Idle(_) | AgentState::Rona
    )
}
