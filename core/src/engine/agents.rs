//! Agents: presence (LoggedOut, Available, Idle, RONA), the work they hold on
//! tasks (Connecting, Ringing, Engaged, WrapUp; as owner or as consulted agent),
//! their phone's hook state, and their place in the queues' ready sets, per
//! channel (AGT-01, AGT-02, AGT-05, AGT-06, AGT-14).
//!
//! An agent is *ready* for a channel (offered new tasks of it) exactly when
//! Available and under its multimedia profile's cap for that channel; for voice,
//! also with no voice work and, for a handset, on-hook. Every presence change is
//! logged by [`Engine::set_presence`], every work change by [`Engine::set_work`];
//! both keep the ready sets and the queues' staffed counts right.

use serde::{Deserialize, Serialize};

use crate::config::RoutingStrategy;
use crate::event::{
    AgentState, EventClass, EventKind, Ignored, OfferOutcome, Presence, Role, StateReason,
    WorkPhase,
};
use crate::ids::*;
use crate::input::PhoneEvent;
use crate::legs::{Channel, Leg};
use crate::matrix::Controls;
use crate::output::{Effect, Notice, RequestKind, RequestStack};
use crate::refusal::Refusal;
use crate::time::SimTime;

use super::Engine;
use super::tasks::EndKind;
use super::timers::TimerKey;

/// An agent's part in one task.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Work {
    pub task: TaskId,
    pub channel: Channel,
    pub role: Role,
    pub phase: WorkPhase,
    /// What the request is while it is offered.
    pub request: RequestKind,
    /// The RONA timer of an offer, or the automatic wrap-up timer.
    pub timer: Option<TimerKey>,
    /// When the request was made (stack order, AGT-08).
    pub since: SimTime,
    /// The controls last sent to the desktop for this task.
    pub controls: Controls,
}

/// An agent's run-time state.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct AgentRt {
    pub presence: Presence,
    pub work: Vec<Work>,
    pub off_hook: bool,
    /// The softphone's persistent connection is up: its leg stays up between
    /// calls, and a voice offer connects on it at once (docs/persistent-connection.md).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub connected: bool,
    /// In the ready sets of its queues for each channel, keyed with `ready_since`.
    pub ready: [bool; 4],
    pub ready_since: [SimTime; 4],
    /// The agent's live counters.
    pub tally: super::tally::AgentTally,
}

impl AgentRt {
    /// The state the desktop headline shows (AGT-01): the voice work's phase, else presence.
    pub fn view(&self) -> AgentState {
        if self.presence == Presence::LoggedOut {
            return AgentState::LoggedOut;
        }
        match self.voice().map(|w| w.phase) {
            Some(WorkPhase::Connecting) => AgentState::Connecting,
            Some(WorkPhase::Ringing) => AgentState::Ringing,
            Some(WorkPhase::Engaged) => AgentState::Engaged,
            Some(WorkPhase::WrapUp) => AgentState::WrapUp,
            None => match self.presence {
                Presence::Available => AgentState::Available,
                Presence::Idle(r) => AgentState::Idle(r),
                Presence::Rona => AgentState::Rona,
                Presence::LoggedOut => AgentState::LoggedOut,
            },
        }
    }

    /// The voice work (at most one).
    pub fn voice(&self) -> Option<&Work> {
        self.work.iter().find(|w| w.channel == Channel::Voice)
    }

    pub fn work_on(&self, task: TaskId) -> Option<&Work> {
        self.work.iter().find(|w| w.task == task)
    }

    pub fn work_on_mut(&mut self, task: TaskId) -> Option<&mut Work> {
        self.work.iter_mut().find(|w| w.task == task)
    }

    /// Whether a Connecting or Contact Request notice is showing.
    pub fn offer_showing(&self) -> bool {
        self.work
            .iter()
            .any(|w| matches!(w.phase, WorkPhase::Connecting | WorkPhase::Ringing))
    }

    /// Whether the agent counts as staffed for voice in a queue's wait estimate:
    /// logged in, and Available or busy on a call.
    pub fn staffed_voice(&self) -> bool {
        self.presence != Presence::LoggedOut
            && (self.presence == Presence::Available || self.voice().is_some())
    }
}

impl Engine {
    /// The key an agent has in a queue's ready set for a channel.
    pub(crate) fn ready_key(
        &self,
        agent: AgentIdx,
        channel: Channel,
        queue: QueueIdx,
        rank: u32,
    ) -> u64 {
        match self.tenant.queues[queue.ix()].strategy {
            RoutingStrategy::LongestAvailable => {
                self.agents[agent.ix()].ready_since[channel.ix()].0
            }
            RoutingStrategy::Linear => rank as u64,
        }
    }

    /// Whether an agent should be offered new tasks of a channel (AGT-02, AGT-14).
    pub(crate) fn routable(&self, agent: AgentIdx, channel: Channel) -> bool {
        self.wanted_channels(agent)[channel.ix()]
    }

    /// Per channel, whether the agent should be offered new tasks of it: Available,
    /// below the profile's cap, and for voice with no call and the handset down.
    fn wanted_channels(&self, agent: AgentIdx) -> [bool; 4] {
        let a = &self.agents[agent.ix()];
        if a.presence != Presence::Available {
            return [false; 4];
        }
        let p = self.tenant.profile_of(agent);
        let voice =
            p.voice > 0 && !a.off_hook && !a.work.iter().any(|w| w.channel == Channel::Voice);
        if p.chat == 0 && p.email == 0 && p.social == 0 {
            return [voice, false, false, false];
        }
        let mut held = [0u32; 4];
        for w in &a.work {
            held[w.channel.ix()] += 1;
        }
        [
            voice,
            held[Channel::Chat.ix()] < p.chat as u32,
            held[Channel::Email.ix()] < p.email as u32,
            held[Channel::Social.ix()] < p.social as u32,
        ]
    }

    /// Puts the agent in or takes it out of its queues' ready sets, per channel.
    pub(crate) fn refresh_ready(&mut self, agent: AgentIdx) {
        let wanted = self.wanted_channels(agent);
        if wanted == self.agents[agent.ix()].ready {
            return;
        }
        for channel in Channel::ALL {
            let want = wanted[channel.ix()];
            if want == self.agents[agent.ix()].ready[channel.ix()] {
                continue;
            }
            if want {
                self.agents[agent.ix()].ready_since[channel.ix()] = self.now;
            }
            for k in 0..self.tenant.agents[agent.ix()].queues.len() {
                let m = self.tenant.agents[agent.ix()].queues[k];
                let key = (self.ready_key(agent, channel, m.queue, m.rank), agent);
                let set = &mut self.queues[m.queue.ix()].ready[channel.ix()];
                if want {
                    set.insert(key);
                } else {
                    set.remove(&key);
                }
            }
            self.agents[agent.ix()].ready[channel.ix()] = want;
            if want {
                self.route_pending[channel.ix()] = true;
            }
        }
    }

    /// Keeps the queues' staffed counts right after a change of the agent.
    fn restaff(&mut self, agent: AgentIdx, was: bool) {
        let is = self.agents[agent.ix()].staffed_voice();
        if was == is || self.tenant.profile_of(agent).voice == 0 {
            return;
        }
        let Engine { tenant, queues, .. } = self;
        for m in &tenant.agents[agent.ix()].queues {
            let q = &mut queues[m.queue.ix()];
            if is {
                q.staffed += 1;
            } else {
                q.staffed -= 1;
            }
        }
    }

    /// Per queue, the staffed voice agents counted afresh.
    pub(crate) fn count_staffed(&self) -> Vec<u32> {
        let mut counts = vec![0u32; self.queues.len()];
        for (i, a) in self.agents.iter().enumerate() {
            if a.staffed_voice() && self.tenant.profile_of(AgentIdx(i as u32)).voice > 0 {
                for m in &self.tenant.agents[i].queues {
                    counts[m.queue.ix()] += 1;
                }
            }
        }
        counts
    }

    /// Changes an agent's presence, with its event.
    pub(crate) fn set_presence(&mut self, agent: AgentIdx, to: Presence, reason: StateReason) {
        let was = self.agents[agent.ix()].staffed_voice();
        let from = std::mem::replace(&mut self.agents[agent.ix()].presence, to);
        if from != to {
            self.event(EventKind::AgentState {
                agent,
                from,
                to,
                reason,
            });
        }
        self.restaff(agent, was);
        self.refresh_ready(agent);
    }

    /// Adds, changes or (with `to = None`) removes an agent's work on a task, with its event.
    pub(crate) fn set_work(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        to: Option<Work>,
        reason: StateReason,
    ) {
        let a = &mut self.agents[agent.ix()];
        let at = a.work.iter().position(|w| w.task == task);
        let from = at.map(|i| a.work[i]);
        // Readiness and staffing depend on how many tasks the agent holds, not on
        // their phases: only an added or removed task can change them.
        let counted = from.is_some() != to.is_some();
        let was = counted && a.staffed_voice();
        match (at, to) {
            (Some(i), Some(w)) => a.work[i] = w,
            (Some(i), None) => {
                a.work.remove(i);
            }
            (None, Some(w)) => a.work.push(w),
            (None, None) => return,
        }
        if counted && let Some(t) = self.tasks.get_mut(&task) {
            if to.is_some() {
                t.workers += 1;
            } else {
                t.workers -= 1;
            }
        }
        let (fp, tp) = (from.map(|w| w.phase), to.map(|w| w.phase));
        let (frole, trole) = (from.map(|w| w.role), to.map(|w| w.role));
        if fp != tp || frole != trole {
            let role = trole.or(frole).unwrap_or(Role::Owner);
            self.event_of(EventClass::Work, || EventKind::Work {
                agent,
                task,
                role,
                from: fp,
                to: tp,
                reason,
            });
        }
        let offers_changed = matches!(fp, Some(WorkPhase::Connecting | WorkPhase::Ringing))
            != matches!(tp, Some(WorkPhase::Connecting | WorkPhase::Ringing));
        if offers_changed {
            self.notify_stack(agent);
        }
        if counted {
            self.restaff(agent, was);
            self.refresh_ready(agent);
        }
        // An agent who let go of a digital task may be offered it again (it was
        // held back only while the agent held it, e.g. wrapping it up after
        // transferring it to a queue): look again even if the agent's
        // readiness did not change (found by seed sweep 886).
        if let (Some(w), None) = (from, to)
            && w.channel != Channel::Voice
        {
            self.route_pending[w.channel.ix()] = true;
        }
    }

    /// The agent's stacked requests (AGT-07, AGT-08), for agents whose profile has
    /// digital channels (a voice-only agent never has more than one request).
    fn notify_stack(&mut self, agent: AgentIdx) {
        let p = self.tenant.profile_of(agent);
        if p.chat + p.email + p.social == 0 {
            return;
        }
        let mut pending: Vec<(u8, SimTime, TaskId, Channel)> = self.agents[agent.ix()]
            .work
            .iter()
            .filter(|w| matches!(w.phase, WorkPhase::Connecting | WorkPhase::Ringing))
            .map(|w| (w.channel.stack_rank(), w.since, w.task, w.channel))
            .collect();
        pending.sort();
        let total = pending.len() as u32;
        let shown = pending.iter().take(5).map(|p| (p.2, p.3)).collect();
        self.notify(
            agent,
            Notice::Requests(Box::new(RequestStack { shown, total })),
        );
    }

    pub(crate) fn login(&mut self, agent: AgentIdx) -> Result<(), Refusal> {
        if self.agents[agent.ix()].presence != Presence::LoggedOut {
            return Err(Refusal::AlreadyLoggedIn);
        }
        self.set_presence(agent, Presence::Available, StateReason::Login);
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
        if let Some(w) = a.work.first() {
            return Err(Refusal::TaskActive { task: w.task });
        }
        self.set_presence(agent, Presence::LoggedOut, StateReason::Logout);
        // Logging out hangs up the persistent connection.
        if self.agents[agent.ix()].connected {
            self.hang_up_connection(agent);
        }
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
        if let Some(w) = a.voice() {
            return Err(Refusal::TaskActive { task: w.task });
        }
        Ok(())
    }

    pub(crate) fn set_available(&mut self, agent: AgentIdx) -> Result<(), Refusal> {
        self.check_presence_change(agent)?;
        if self.agents[agent.ix()].presence == Presence::Available {
            return Err(Refusal::AlreadyInState {
                state: "Available".into(),
            });
        }
        self.set_presence(agent, Presence::Available, StateReason::AgentChoice);
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
        if self.agents[agent.ix()].presence == Presence::Idle(reason) {
            return Err(Refusal::AlreadyInState {
                state: "Idle with that reason".into(),
            });
        }
        self.set_presence(agent, Presence::Idle(reason), StateReason::AgentChoice);
        Ok(())
    }

    /// What the agent's phone reports. Device events cannot be refused: the
    /// handset is where it is.
    pub(crate) fn phone_event(&mut self, agent: AgentIdx, event: PhoneEvent) {
        let voice = self.agents[agent.ix()].voice().copied();
        let (off_hook, connected) = {
            let a = &self.agents[agent.ix()];
            (a.off_hook, a.connected)
        };
        match (event, voice.map(|w| (w.phase, w.role))) {
            (PhoneEvent::Ringing, Some((WorkPhase::Connecting, _))) => {
                self.contact_request(agent, voice.expect("voice work").task)
            }
            (PhoneEvent::Answered, Some((WorkPhase::Connecting | WorkPhase::Ringing, _))) => {
                self.agents[agent.ix()].off_hook = true;
                self.accept_offer(agent, voice.expect("voice work").task);
            }
            (PhoneEvent::HungUp, Some((WorkPhase::Connecting | WorkPhase::Ringing, _))) => {
                self.offer_failed(
                    agent,
                    voice.expect("voice work").task,
                    OfferOutcome::Declined,
                );
            }
            (PhoneEvent::Failed, Some((WorkPhase::Connecting | WorkPhase::Ringing, _))) => {
                self.offer_failed(
                    agent,
                    voice.expect("voice work").task,
                    OfferOutcome::DeviceFailed,
                );
            }
            (PhoneEvent::HungUp | PhoneEvent::Failed, Some((WorkPhase::Engaged, role))) => {
                self.agents[agent.ix()].off_hook = false;
                self.set_connected(agent, false);
                let task = voice.expect("voice work").task;
                match role {
                    Role::Owner => {
                        let how = if event == PhoneEvent::HungUp {
                            EndKind::AgentHungUp
                        } else {
                            EndKind::AgentDeviceFailed
                        };
                        self.owner_hung_up(agent, task, how);
                    }
                    Role::Consulted => self.consulted_left(task, agent),
                }
            }
            // The persistent connection is already up: nothing to answer.
            (PhoneEvent::Answered, None | Some((WorkPhase::WrapUp, _))) if connected => {
                self.event(EventKind::Ignored {
                    what: Ignored::StalePhone,
                })
            }
            // The softphone hung up (or failed) between calls: the persistent
            // connection is down, and the next call rings.
            (PhoneEvent::HungUp | PhoneEvent::Failed, None | Some((WorkPhase::WrapUp, _)))
                if connected =>
            {
                self.set_connected(agent, false)
            }
            (PhoneEvent::Answered, None | Some((WorkPhase::WrapUp, _))) if !off_hook => {
                self.set_hook(agent, true)
            }
            (PhoneEvent::HungUp, None | Some((WorkPhase::WrapUp, _))) if off_hook => {
                self.set_hook(agent, false)
            }
            _ => self.event(EventKind::Ignored {
                what: Ignored::StalePhone,
            }),
        }
    }

    /// A call left the agent's phone. If the phone was still on it (the agent
    /// did not hang up), a persistent connection keeps its leg up for the next
    /// call; otherwise the agent's leg is released (when `release`), a
    /// softphone goes on-hook with the call, and a handset stays off-hook until
    /// put down (AGT-14).
    pub(crate) fn call_left_phone(&mut self, agent: AgentIdx, release: bool) {
        let (persistent, handset) = {
            let a = &self.tenant.agents[agent.ix()];
            (a.persistent_connection, a.handset)
        };
        if persistent {
            let on_call = std::mem::replace(&mut self.agents[agent.ix()].off_hook, false);
            self.set_connected(agent, on_call);
            if on_call {
                return;
            }
        }
        if release {
            self.effect(Effect::Release {
                leg: Leg::Agent(agent),
            });
        }
        if !handset {
            self.agents[agent.ix()].off_hook = false;
        }
    }

    /// The engine hangs up an agent's standing leg: the persistent connection
    /// is down.
    pub(crate) fn hang_up_connection(&mut self, agent: AgentIdx) {
        self.effect(Effect::Release {
            leg: Leg::Agent(agent),
        });
        self.set_connected(agent, false);
    }

    /// The persistent connection goes up or down, with its event.
    pub(crate) fn set_connected(&mut self, agent: AgentIdx, up: bool) {
        if std::mem::replace(&mut self.agents[agent.ix()].connected, up) != up {
            self.event(EventKind::Connection { agent, up });
        }
    }

    fn set_hook(&mut self, agent: AgentIdx, off_hook: bool) {
        self.agents[agent.ix()].off_hook = off_hook;
        self.event(EventKind::Hook { agent, off_hook });
        self.refresh_ready(agent);
    }
}
