//! Consult, transfer and conference (VOI-03..VOI-18): agent 1 asks a target
//! (an agent, a queue, an entry point, a number) while the customer holds;
//! the consulted party accepts or the consult fails; agent 1 then ends the
//! consult, swaps who is on hold, transfers, or makes a conference; agent 2 can
//! only leave. Every action is first checked against the participants' table
//! ([`crate::matrix`]).

use serde::{Deserialize, Serialize};

use crate::config::{HoursStatus, QueueType, Step};
use crate::dialnum::DialNumber;
use crate::event::*;
use crate::ids::*;
use crate::input::Target;
use crate::legs::{Channel, Leg};
use crate::matrix::{Control, Participant};
use crate::output::{Effect, Notice, RequestKind};
use crate::refusal::Refusal;

use super::Engine;
use super::agents::Work;
use super::routing::QueueKey;
use super::tasks::Stage;

/// A consult in progress on a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Consult {
    pub target: TargetRef,
    /// Placed through a number mapped to an entry point (AGT-12).
    pub via_ep_dn: bool,
    /// The queue the request is routed through (a queue or entry point target).
    pub queue_of_request: Option<QueueIdx>,
    /// Waiting in that queue now, at `key`.
    pub queued: Option<QueueIdx>,
    pub key: QueueKey,
    /// The agent being offered the consult.
    pub offered_to: Option<AgentIdx>,
    /// The number being dialled: (request, leg).
    pub dial: Option<(RequestId, LegId)>,
    /// The consulted party, once it accepted.
    pub party: Option<Leg>,
    /// The consulted party is on hold (the customer talks with agent 1, VOI-06).
    pub party_held: bool,
}

/// A target, resolved.
enum Resolved {
    Agent(AgentIdx),
    Queue(QueueIdx),
    EntryPoint(EpIdx),
    Number(DialNumber),
}

impl Engine {
    /// Which participant `agent` is on `task`.
    pub(crate) fn participant(&self, task: TaskId, agent: AgentIdx) -> Participant {
        let t = &self.tasks[&task];
        if t.owner == Some(agent) {
            Participant::Agent1
        } else {
            Participant::Agent2
        }
    }

    /// The agent's state for a target check, as a word.
    fn agent_word(&self, agent: AgentIdx) -> String {
        crate::render::state_name(&self.tenant, self.agents[agent.ix()].view())
    }

    /// Resolves a consult or transfer target (VOI-03, VOI-08, VOI-09, VOI-15, VOI-20).
    fn resolve(
        &self,
        owner: AgentIdx,
        target: &Target,
        transfer: bool,
    ) -> Result<(Resolved, TargetRef, bool), Refusal> {
        let unknown = |what: &str, index: u32| Refusal::UnknownTarget {
            what: what.to_string(),
            index,
        };
        match target {
            Target::Agent(a) => {
                let agent = self
                    .agents
                    .get(a.ix())
                    .ok_or_else(|| unknown("agent", a.0))?;
                if *a == owner {
                    return Err(Refusal::TargetIsSelf);
                }
                let free = agent.voice().is_none()
                    && !agent.off_hook
                    && self.tenant.profile_of(*a).voice > 0;
                let ok = if transfer {
                    // VOI-15: only Available agents; one in WrapUp is refused.
                    agent.presence == Presence::Available && free
                } else {
                    matches!(agent.presence, Presence::Available | Presence::Idle(_)) && free
                };
                if !ok {
                    let rule = if transfer {
                        "a transfer goes only to an Available agent with no call (VOI-15)"
                    } else {
                        "a consult goes only to an Available or Idle agent with no call (VOI-03)"
                    };
                    return Err(Refusal::TargetUnavailable {
                        agent: self.tenant.agents[a.ix()].id.clone(),
                        state: self.agent_word(*a),
                        rule: rule.to_string(),
                    });
                }
                Ok((Resolved::Agent(*a), TargetRef::Agent(*a), false))
            }
            Target::Queue(q) => {
                self.tenant
                    .queues
                    .get(q.ix())
                    .ok_or_else(|| unknown("queue", q.0))?;
                Ok((Resolved::Queue(*q), TargetRef::Queue(*q), false))
            }
            Target::EntryPoint(e) => {
                self.voice_entry_point(*e)?;
                Ok((Resolved::EntryPoint(*e), TargetRef::EntryPoint(*e), false))
            }
            Target::Number(text) => {
                let number = DialNumber::parse(text).map_err(|e| Refusal::InvalidNumber {
                    error: e.to_string(),
                })?;
                if let Some(&ep) = self.tenant.numbers.get(&number) {
                    // VOI-09: a number mapped to an entry point goes there.
                    return Ok((
                        Resolved::EntryPoint(ep),
                        TargetRef::EntryPointNumber(ep, number),
                        true,
                    ));
                }
                self.check_call_limit()?;
                Ok((
                    Resolved::Number(number.clone()),
                    TargetRef::Number(number),
                    false,
                ))
            }
        }
    }

    fn voice_entry_point(&self, e: EpIdx) -> Result<(), Refusal> {
        let ep = self
            .tenant
            .entry_points
            .get(e.ix())
            .ok_or_else(|| Refusal::UnknownTarget {
                what: "entry point".into(),
                index: e.0,
            })?;
        if Channel::of(ep.channel) != Channel::Voice
            || ep.queue_type != QueueType::Inbound
            || ep.flow.is_none()
        {
            return Err(Refusal::UnreachableTarget {
                ep: ep.name.clone(),
                why: "it is not an inbound telephony entry point with a flow".into(),
            });
        }
        Ok(())
    }

    /// The queue a consult to an entry point goes to: the entry point's flow followed
    /// without a caller (business hours evaluated now, prompts and sets passed over, a
    /// menu's default or else its first option taken).
    fn entry_point_queue(&self, e: EpIdx) -> Result<QueueIdx, Refusal> {
        let ep = &self.tenant.entry_points[e.ix()];
        let unreachable = |why: &str| Refusal::UnreachableTarget {
            ep: ep.name.clone(),
            why: why.to_string(),
        };
        let flow = &self.tenant.flows[ep.flow.ok_or_else(|| unreachable("it has no flow"))?.ix()];
        let mut step = Some(flow.start);
        for _ in 0..1_000 {
            let Some(s) = step else {
                return Err(unreachable("its flow ends without a queue"));
            };
            step = match &flow.steps[s.ix()] {
                Step::Queue { queue, .. } | Step::Callback { queue, .. } => return Ok(*queue),
                Step::BusinessHours {
                    hours,
                    open,
                    closed,
                    holiday,
                } => {
                    let wall = self
                        .opts
                        .epoch_unix_micros
                        .saturating_add(self.now.0 as i64);
                    match self.tenant.hours[hours.ix()].status_at(ep.timezone, wall) {
                        HoursStatus::Open => Some(*open),
                        HoursStatus::Closed => Some(*closed),
                        HoursStatus::Holiday => Some(*holiday),
                    }
                }
                Step::Play { next, .. } | Step::Set { next, .. } => *next,
                Step::Menu {
                    options, default, ..
                } => default.or_else(|| options.first().map(|o| o.1)),
                Step::Disconnect { .. } => return Err(unreachable("its flow disconnects now")),
            };
        }
        Err(unreachable("its flow does not reach a queue"))
    }

    /// VOI-20: no further call is placed at the tenant's concurrent call limit, which
    /// counts every live call leg: customers' calls and dialled numbers.
    pub(crate) fn check_call_limit(&self) -> Result<(), Refusal> {
        let customers = self
            .tasks
            .values()
            .filter(|t| {
                t.channel == Channel::Voice
                    && t.customer_live
                    && matches!(t.customer, Leg::Customer(_))
            })
            .count();
        let live = customers + self.legs.len();
        let limit = self.tenant.concurrent_call_limit;
        if live >= limit as usize {
            Err(Refusal::CallLimit { limit })
        } else {
            Ok(())
        }
    }

    /// Dials a number for a task (a consult, a transfer); returns (request, leg).
    pub(crate) fn dial(&mut self, task: TaskId, number: DialNumber) -> (RequestId, LegId) {
        self.next_leg += 1;
        let leg = LegId(self.next_leg);
        (self.place_dial(task, leg, number), leg)
    }

    pub(crate) fn consult(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        target: Target,
    ) -> Result<(), Refusal> {
        self.check_call(agent, task, Control::Consult)?;
        let (resolved, target_ref, via_ep_dn) = self.resolve(agent, &target, false)?;
        let resolved = match resolved {
            Resolved::EntryPoint(e) => Resolved::Queue(self.entry_point_queue(e)?),
            other => other,
        };
        let t = self.tasks.get_mut(&task).expect("live task");
        let was_held = t.held;
        t.held = true;
        t.consult = Some(Box::new(Consult {
            target: target_ref.clone(),
            via_ep_dn,
            queue_of_request: None,
            queued: None,
            key: QueueKey::default(),
            offered_to: None,
            dial: None,
            party: None,
            party_held: false,
        }));
        self.event(EventKind::ConsultRequested {
            task,
            target: Box::new(target_ref),
        });
        if !was_held {
            self.event(EventKind::TaskHeld { task });
        }
        self.media_changed(task);
        match resolved {
            Resolved::Agent(a2) => {
                let queue = self.tasks[&task].queue;
                self.consult_mut(task).offered_to = Some(a2);
                self.offer(task, a2, queue, RequestKind::Consult, Role::Consulted);
            }
            Resolved::Queue(q) => {
                // A consult waits ahead of customers: a customer is already on hold for it.
                self.next_seq += 1;
                let key = QueueKey::new(9, self.next_seq);
                let c = self.consult_mut(task);
                c.queue_of_request = Some(q);
                c.queued = Some(q);
                c.key = key;
                self.queue_consult(task, q, key);
            }
            Resolved::Number(n) => {
                let dial = self.dial(task, n);
                self.consult_mut(task).dial = Some(dial);
            }
            Resolved::EntryPoint(_) => unreachable!("resolved to its queue above"),
        }
        self.refresh_controls(task);
        Ok(())
    }

    fn consult_mut(&mut self, task: TaskId) -> &mut Consult {
        self.tasks
            .get_mut(&task)
            .and_then(|t| t.consult.as_deref_mut())
            .expect("a consult")
    }

    /// The consulted agent accepted (VOI-04): agent 1 and agent 2 talk, the customer
    /// holds; if agent 1 had resumed the customer, agent 2 joins on hold (VOI-06).
    pub(crate) fn consult_accepted(&mut self, agent: AgentIdx, task: TaskId, work: Work) {
        self.engage(agent, task, work, StateReason::Consulted);
        self.consult_party_joined(task, Leg::Agent(agent));
        self.send_variables(task, agent);
    }

    /// A consulted party (agent or number) is on the line.
    pub(crate) fn consult_party_joined(&mut self, task: TaskId, party: Leg) {
        let t = self.tasks.get_mut(&task).expect("live task");
        let customer_talking = !t.held;
        let c = t.consult.as_deref_mut().expect("a consult");
        c.offered_to = None;
        c.dial = None;
        c.party = Some(party);
        c.party_held = customer_talking;
        self.event(EventKind::ConsultAccepted { task, party });
        self.media_changed(task);
    }

    /// The consult failed (VOI-07): agent 1 is told; the customer stays on hold with agent 1.
    pub(crate) fn consult_failed(&mut self, task: TaskId, how: ConsultEnd) {
        let Some(t) = self.tasks.get_mut(&task) else {
            return;
        };
        t.consult = None;
        let owner = t.owner;
        self.event(EventKind::ConsultEnded { task, how });
        if let Some(a1) = owner {
            self.notify(a1, Notice::ConsultFailed { task });
        }
        self.media_changed(task);
    }

    /// Takes the consult down, whatever stage it is in: a pending offer is withdrawn, a
    /// queued request removed, a dial cancelled, the consulted party released (without
    /// wrap-up, VOI-14).
    pub(crate) fn drop_consult(&mut self, task: TaskId, how: ConsultEnd) {
        let Some(c) = self.tasks.get_mut(&task).and_then(|t| t.consult.take()) else {
            return;
        };
        if let Some(a2) = c.offered_to {
            self.withdraw_offer(a2, task);
        }
        if let Some(q) = c.queued {
            self.queues[q.ix()].waiting[Channel::Voice.ix()].remove(&c.key);
        }
        if let Some((request, leg)) = c.dial {
            self.dials.remove(&request);
            self.forget_leg(leg);
            self.effect(Effect::Release {
                leg: Leg::External(leg),
            });
        }
        match c.party {
            Some(Leg::Agent(a2)) => self.release_consulted(a2, task),
            Some(Leg::External(leg)) => {
                self.forget_leg(leg);
                self.effect(Effect::Release {
                    leg: Leg::External(leg),
                });
            }
            _ => {}
        }
        let t = self.tasks.get_mut(&task).expect("live task");
        let conference = std::mem::replace(&mut t.conference, false);
        if !conference {
            self.event(EventKind::ConsultEnded { task, how });
        }
    }

    /// A consulted agent leaves the call without wrap-up.
    fn release_consulted(&mut self, a2: AgentIdx, task: TaskId) {
        self.call_left_phone(a2, true);
        self.set_work(a2, task, None, StateReason::LeftCall);
    }

    /// The call continues between agent 1 and the customer.
    fn back_to_customer(&mut self, task: TaskId) {
        let t = self.tasks.get_mut(&task).expect("live task");
        if std::mem::replace(&mut t.held, false) {
            self.event(EventKind::TaskResumed { task });
        }
        self.media_changed(task);
    }

    pub(crate) fn end_consult(&mut self, agent: AgentIdx, task: TaskId) -> Result<(), Refusal> {
        self.check_call(agent, task, Control::EndConsult)?;
        self.drop_consult(task, ConsultEnd::Ended);
        self.back_to_customer(task);
        Ok(())
    }

    /// Hold or resume the consulted party; the customer takes the other side (VOI-06).
    pub(crate) fn hold_consulted(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        hold: bool,
    ) -> Result<(), Refusal> {
        self.check_call(
            agent,
            task,
            if hold {
                Control::HoldConsulted
            } else {
                Control::ResumeConsulted
            },
        )?;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.held = !hold;
        t.consult.as_deref_mut().expect("a consult").party_held = hold;
        if hold {
            self.event(EventKind::ConsultedHeld { task });
            self.event(EventKind::TaskResumed { task });
        } else {
            self.event(EventKind::ConsultedResumed { task });
            self.event(EventKind::TaskHeld { task });
        }
        self.media_changed(task);
        Ok(())
    }

    pub(crate) fn conference(&mut self, agent: AgentIdx, task: TaskId) -> Result<(), Refusal> {
        self.check_call(agent, task, Control::Conference)?;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.conference = true;
        t.held = false;
        t.consult.as_deref_mut().expect("a consult").party_held = false;
        self.event(EventKind::ConsultEnded {
            task,
            how: ConsultEnd::Conferenced,
        });
        self.event(EventKind::ConferenceStarted { task });
        self.media_changed(task);
        Ok(())
    }

    /// Transfer: to the consulted party (VOI-11), or blind to a target (VOI-15, VOI-18).
    pub(crate) fn transfer(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        target: Option<Target>,
    ) -> Result<(), Refusal> {
        match target {
            None => {
                self.check_call(agent, task, Control::Transfer)?;
                self.hand_over_to_party(agent, task, ConsultEnd::Transferred);
                Ok(())
            }
            Some(target) => {
                self.check_call(agent, task, Control::BlindTransfer)?;
                let (resolved, target_ref, _) = self.resolve(agent, &target, true)?;
                self.blind_transfer(agent, task, resolved, target_ref);
                Ok(())
            }
        }
    }

    /// Agent 1 leaves; the consulted party owns the call with the customer.
    fn hand_over_to_party(&mut self, a1: AgentIdx, task: TaskId, how: ConsultEnd) {
        let t = self.tasks.get_mut(&task).expect("live task");
        let c = t.consult.take().expect("an accepted consult");
        let party = c.party.expect("an accepted consult has a party");
        let conference = std::mem::replace(&mut t.conference, false);
        t.held = false;
        if conference {
            self.event(EventKind::LeftConference {
                task,
                leg: Leg::Agent(a1),
            });
        } else {
            self.event(EventKind::ConsultEnded { task, how });
        }
        self.start_wrap_up(a1, task, true, true);
        let t = self.tasks.get_mut(&task).expect("live task");
        match party {
            Leg::Agent(a2) => {
                t.owner = Some(a2);
                if let Some(mut w) = self.agents[a2.ix()].work_on(task).copied() {
                    w.role = Role::Owner;
                    self.set_work(a2, task, Some(w), StateReason::Transferred);
                }
            }
            Leg::External(leg) => {
                t.owner = None;
                t.external_owner = Some(leg);
            }
            Leg::Customer(_) => {}
        }
        self.event(EventKind::Transferred { task, to: party });
        self.media_changed(task);
    }

    /// A blind transfer: the call is handed over at once and agent 1 wraps up (VOI-18);
    /// it never comes back to agent 1 (VOI-17).
    fn blind_transfer(
        &mut self,
        a1: AgentIdx,
        task: TaskId,
        resolved: Resolved,
        target: TargetRef,
    ) {
        self.stop_recording(task);
        self.event(EventKind::TransferRequested {
            task,
            target: Box::new(target),
        });
        self.start_wrap_up(a1, task, true, true);
        let t = self.tasks.get_mut(&task).expect("live task");
        t.owner = None;
        t.held = false;
        t.exclude = Some(a1);
        t.transferred = true;
        match resolved {
            Resolved::Agent(a2) => {
                t.stage = Stage::Offered;
                t.owner = Some(a2);
                let queue = t.queue;
                self.media_changed(task);
                self.offer(task, a2, queue, RequestKind::Transfer, Role::Owner);
            }
            Resolved::Queue(q) => {
                let priority = t.key.priority();
                self.enqueue(task, q, priority);
            }
            Resolved::EntryPoint(e) => {
                // VOI-17: the call runs the entry point's flow from its start.
                let flow = self.tenant.entry_points[e.ix()].flow;
                if flow != t.flow {
                    t.vars = match flow {
                        Some(f) => self.tenant.flows[f.ix()]
                            .variables
                            .iter()
                            .map(|v| super::tasks::VarSlot {
                                value: v.default.as_deref().map(compact_str::CompactString::from),
                                ..Default::default()
                            })
                            .collect(),
                        None => Box::default(),
                    };
                }
                t.ep = e;
                t.flow = flow;
                t.stage = Stage::Flow(super::flow::FlowWait::Running);
                let start = flow.map_or(StepIdx(0), |f| self.tenant.flows[f.ix()].start);
                self.media_changed(task);
                self.run_flow(task, start, Some(start));
            }
            Resolved::Number(n) => {
                t.stage = Stage::Offered;
                self.media_changed(task);
                let dial = self.dial(task, n);
                self.tasks.get_mut(&task).expect("live task").transfer_dial = Some(dial.1);
            }
        }
    }

    /// Exit: agent 2 leaves a consult or a conference; agent 1 leaves a conference.
    pub(crate) fn exit(&mut self, agent: AgentIdx, task: TaskId) -> Result<(), Refusal> {
        self.check_call(agent, task, Control::Exit)?;
        match self.participant(task, agent) {
            Participant::Agent1 => self.hand_over_to_party(agent, task, ConsultEnd::Exited),
            _ => self.consulted_left(task, agent),
        }
        Ok(())
    }

    /// The consulted agent left (Exit, or hung up): the call continues between agent 1
    /// and the customer (VOI-13).
    pub(crate) fn consulted_left(&mut self, task: TaskId, a2: AgentIdx) {
        let t = self.tasks.get_mut(&task).expect("live task");
        if t.conference {
            self.event(EventKind::LeftConference {
                task,
                leg: Leg::Agent(a2),
            });
        }
        self.drop_consult(task, ConsultEnd::Exited);
        self.back_to_customer(task);
    }

    /// A consulted number hung up.
    pub(crate) fn consulted_number_left(&mut self, task: TaskId, leg: LegId) {
        if self.tasks[&task].conference {
            self.event(EventKind::LeftConference {
                task,
                leg: Leg::External(leg),
            });
        }
        if let Some(c) = self
            .tasks
            .get_mut(&task)
            .and_then(|t| t.consult.as_deref_mut())
        {
            c.party = None;
        }
        self.forget_leg(leg);
        self.drop_consult(task, ConsultEnd::Exited);
        self.back_to_customer(task);
    }
}
