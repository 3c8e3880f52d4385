//! A task's life: arrival (a call at a support number, CHN-03, or a contact at
//! a digital entry point), answer (VOI-01), hold and resume (VOI-02), the end by
//! either side, wrap-up with a reason (VOI-19), and customers who leave before an
//! answer. A task can have several agents at once (an owner, a consulted agent,
//! earlier owners wrapping up after a transfer); it closes when its customer is
//! gone and no agent works on it any more.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::dtmf::Digit;
use crate::event::*;
use crate::ids::*;
use crate::legs::{Channel, Leg, MixShape};
use crate::matrix::Control;
use crate::output::{Effect, Notice, NoticeClass, RequestKind};
use crate::refusal::Refusal;
use crate::time::SimTime;

use super::Engine;
use super::agents::Work;
use super::consult::Consult;
use super::flow::FlowWait;
use super::routing::QueueKey;
use super::timers::{TimerKey, TimerKind};

/// Where a task is, from the customer's side. A live task is in exactly one stage.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Stage {
    /// Running its entry point's flow.
    Flow(FlowWait),
    /// Waiting in `Task::queue`.
    Queued,
    /// Offered to `Task::owner`, who has not accepted yet.
    Offered,
    /// An outbound call (outdial, callback, campaign): the customer is being dialled.
    Dialing,
    /// A campaign contact's preview shows; nothing is dialled yet (CMP-04).
    Preview,
    /// Answered: the customer is connected with the owner (an agent, or a number).
    Connected,
    /// The customer is gone; agents may still be wrapping up.
    Ended,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Flow(_) => "flow",
            Stage::Queued => "queued",
            Stage::Offered => "offered",
            Stage::Dialing => "dialing",
            Stage::Preview => "preview",
            Stage::Connected => "connected",
            Stage::Ended => "wrap_up",
        }
    }
}

/// A call-associated variable's value and its save history (CAD-03).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct VarSlot {
    pub value: Option<CompactString>,
    pub version: u32,
    pub saved_by: Option<AgentIdx>,
    /// The agent who saved it last has since left the configuration.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub saver_left: bool,
    pub saved_at: Option<SimTime>,
}

/// The recording of a call (REC-01..REC-03).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Recording {
    Off,
    On,
    /// Paused; with a privacy shield, the timer that resumes it.
    Paused {
        timer: Option<TimerKey>,
    },
}

/// One live customer interaction.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Task {
    pub kind: TaskKind,
    pub channel: Channel,
    pub customer: Leg,
    pub customer_live: bool,
    pub ep: EpIdx,
    pub from: CompactString,
    pub to: CompactString,
    pub stage: Stage,
    pub flow: Option<FlowIdx>,
    /// The flow's variables (call-associated data), by [`VarIdx`].
    pub vars: Box<[VarSlot]>,
    /// The last key a menu took.
    pub digit: Option<Digit>,
    pub queue: Option<QueueIdx>,
    pub key: QueueKey,
    pub first_queued: Option<SimTime>,
    pub answered: Option<SimTime>,
    /// The agent who owns the task (agent 1), or is being offered it.
    pub owner: Option<AgentIdx>,
    /// A number the customer was transferred to, which now owns the call.
    pub external_owner: Option<LegId>,
    /// A blind transfer to a number being dialled: its leg.
    pub transfer_dial: Option<LegId>,
    pub held: bool,
    pub recording: Recording,
    pub consult: Option<Box<Consult>>,
    pub conference: bool,
    /// An agent this task is never routed back to (VOI-17).
    pub exclude: Option<AgentIdx>,
    /// The next offer of this task is a transfer.
    pub transferred: bool,
    /// Agents holding work on this task.
    pub workers: u8,
    /// How the task ends, once known.
    pub outcome: Option<TaskOutcome>,
    /// The last audio mix sent for the task.
    /// Boxed: a task is moved whole, and most of its life has no mix.
    pub mix: Option<Box<MixShape>>,
    /// A callback's data (CBK-01..CBK-10).
    pub callback: Option<Box<super::callbacks::CallbackInfo>>,
    /// What a caller waiting in a queue is offered (CBK-01, CBK-07).
    pub waiting: Option<Box<super::callbacks::WaitOffer>>,
    /// A campaign contact's data (CMP-01..CMP-10).
    pub campaign: Option<Box<super::campaigns::ContactTask>>,
}

/// How an answered call ends.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum EndKind {
    AgentEnded,
    AgentHungUp,
    AgentDeviceFailed,
    CustomerHungUp,
    TransferredOut,
}

impl Engine {
    /// Creates a task and runs its entry point's flow.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create_task(
        &mut self,
        kind: TaskKind,
        channel: Channel,
        customer: Leg,
        ep: EpIdx,
        from: CompactString,
        to: CompactString,
    ) -> TaskId {
        let id = TaskId(self.next_task);
        self.next_task += 1;
        let flow = self.tenant.entry_points[ep.ix()].flow;
        let vars = match flow {
            Some(f) => self.tenant.flows[f.ix()]
                .variables
                .iter()
                .map(|v| VarSlot {
                    value: v.default.as_deref().map(CompactString::from),
                    ..VarSlot::default()
                })
                .collect(),
            None => Box::default(),
        };
        self.tasks.insert(
            id,
            Task {
                kind,
                channel,
                customer,
                customer_live: kind == TaskKind::Inbound,
                ep,
                from: from.clone(),
                to: to.clone(),
                stage: Stage::Flow(FlowWait::Running),
                flow,
                vars,
                digit: None,
                queue: None,
                key: QueueKey::default(),
                first_queued: None,
                answered: None,
                owner: None,
                external_owner: None,
                transfer_dial: None,
                held: false,
                recording: Recording::Off,
                consult: None,
                conference: false,
                exclude: None,
                transferred: false,
                workers: 0,
                outcome: None,
                mix: None,
                callback: None,
                waiting: None,
                campaign: None,
            },
        );
        if let Leg::Customer(call) = customer {
            self.calls.insert(call, id);
        }
        self.task_tally.created += 1;
        let numbers = self.opts.outputs.wants_call_numbers();
        self.event_of(EventClass::TaskCreated, || EventKind::TaskCreated {
            task: id,
            kind,
            channel,
            customer,
            ep,
            numbers: numbers.then(|| Box::new(CallNumbers { from, to })),
        });
        id
    }

    pub(crate) fn call_arrived(
        &mut self,
        call: CallId,
        from: CompactString,
        to: CompactString,
    ) -> Result<(), Refusal> {
        if self.calls.contains_key(&call) {
            return Err(Refusal::DuplicateCall { call });
        }
        let Some(ep) = self.tenant.entry_point_for_number(&to) else {
            self.effect(Effect::Release {
                leg: Leg::Customer(call),
            });
            return Err(Refusal::UnknownNumber {
                number: to.to_string(),
            });
        };
        let task = self.create_task(
            TaskKind::Inbound,
            Channel::Voice,
            Leg::Customer(call),
            ep,
            from,
            to,
        );
        self.start_flow(task);
        Ok(())
    }

    pub(crate) fn start_flow(&mut self, task: TaskId) {
        let flow = self.tasks[&task].flow;
        let start = flow.map_or(StepIdx(0), |f| self.tenant.flows[f.ix()].start);
        self.run_flow(task, start, Some(start));
    }

    pub(crate) fn customer_hung_up(&mut self, call: CallId) -> Result<(), Refusal> {
        match self.calls.get(&call) {
            Some(&task) => self.customer_left(task),
            None => self.event(EventKind::Ignored {
                what: Ignored::CustomerGone,
            }),
        }
        Ok(())
    }

    /// The customer left (hung up, closed the chat).
    pub(crate) fn customer_left(&mut self, task: TaskId) {
        let t = &self.tasks[&task];
        // The caller of a callback hanging up (during the confirmation): the callback stays.
        if t.kind == TaskKind::Callback && matches!(t.customer, Leg::Customer(_)) {
            self.callback_caller_left(task);
            return;
        }
        match t.stage {
            Stage::Flow(wait) => {
                self.cancel_flow_wait(wait);
                self.customer_gone(
                    task,
                    TaskOutcome::Abandoned {
                        stage: AbandonStage::Flow,
                    },
                );
            }
            Stage::Queued => {
                let (queue, key, channel) = (t.queue.expect("queued"), t.key, t.channel);
                self.queues[queue.ix()].waiting[channel.ix()].remove(&key);
                self.customer_gone(
                    task,
                    TaskOutcome::Abandoned {
                        stage: AbandonStage::Queue,
                    },
                );
            }
            Stage::Offered => {
                if let Some(agent) = t.owner {
                    self.withdraw_offer(agent, task);
                }
                self.customer_gone(
                    task,
                    TaskOutcome::Abandoned {
                        stage: AbandonStage::Offer,
                    },
                );
            }
            Stage::Dialing => self.customer_gone(task, TaskOutcome::NotReached),
            // No customer is on the line while a campaign contact is previewed.
            Stage::Preview => self.event(EventKind::Ignored {
                what: Ignored::CustomerGone,
            }),
            Stage::Connected => self.end_call(task, EndKind::CustomerHungUp),
            Stage::Ended => self.event(EventKind::Ignored {
                what: Ignored::CustomerGone,
            }),
        }
    }

    /// Releases the customer's leg (the engine hangs up on them).
    pub(crate) fn release_customer(&mut self, task: TaskId) {
        let t = &self.tasks[&task];
        if t.customer_live {
            let leg = t.customer;
            self.effect(Effect::Release { leg });
        }
    }

    /// The customer is gone for good; the task ends once its agents are done.
    pub(crate) fn customer_gone(&mut self, task: TaskId, outcome: TaskOutcome) {
        let t = &self.tasks[&task];
        let (waiting, digital) = (t.waiting.is_some(), t.channel != Channel::Voice);
        if waiting {
            self.stop_waiting_offer(task);
        }
        if digital {
            self.close_conversation(task);
        }
        let t = self.tasks.get_mut(&task).expect("live task");
        t.customer_live = false;
        t.stage = Stage::Ended;
        t.held = false;
        t.outcome.get_or_insert(outcome);
        let customer = t.customer;
        if let Some(leg) = t.transfer_dial.take() {
            // A transfer still dialling is cancelled.
            self.forget_leg(leg);
            self.effect(Effect::Release {
                leg: Leg::External(leg),
            });
        }
        match customer {
            Leg::Customer(call) => {
                if self.calls.get(&call) == Some(&task) {
                    self.calls.remove(&call);
                }
            }
            Leg::External(leg) => {
                self.forget_leg(leg);
            }
            Leg::Agent(_) => {}
        }
        self.close_if_done(task);
    }

    /// Closes the task if its customer is gone and no agent works on it.
    pub(crate) fn close_if_done(&mut self, task: TaskId) {
        let Some(t) = self.tasks.get(&task) else {
            return;
        };
        if t.stage != Stage::Ended || t.workers > 0 {
            return;
        }
        let outcome = t.outcome.unwrap_or(TaskOutcome::Handled);
        let abandoned_in = match (outcome, t.queue, t.first_queued, t.answered) {
            (TaskOutcome::Abandoned { .. }, Some(q), Some(_), None) => Some(q),
            _ => None,
        };
        if let Some(ext) = t.external_owner {
            self.forget_leg(ext);
        }
        self.task_tally.close(outcome);
        if let Some(q) = abandoned_in {
            self.queues[q.ix()].tally.abandoned += 1;
        }
        self.tasks.delete(&task);
        self.event_of(EventClass::TaskClosed, || EventKind::TaskClosed {
            task,
            outcome,
        });
    }

    pub(crate) fn customer_digit(&mut self, call: CallId, digit: Digit) -> Result<(), Refusal> {
        match self.calls.get(&call) {
            Some(&task) => {
                if !self.waiting_digit(task, digit) {
                    self.menu_digit(task, digit);
                }
            }
            None => self.event(EventKind::Ignored {
                what: Ignored::CustomerGone,
            }),
        }
        Ok(())
    }

    /// The agent accepted an offer (answered the phone, or Accept on the desktop).
    pub(crate) fn accept_offer(&mut self, agent: AgentIdx, task: TaskId) {
        let Some(work) = self.agents[agent.ix()].work_on(task).copied() else {
            return;
        };
        self.accept_work(agent, task, work);
    }

    /// Accepts an offer's work: the agent's (offered) work on the task, or the
    /// work of an offer that connects at once on a persistent connection,
    /// which the agent does not hold yet.
    pub(crate) fn accept_work(&mut self, agent: AgentIdx, task: TaskId, work: Work) {
        match work.request {
            RequestKind::Transfer if self.digital_transfer_to(task) == Some(agent) => {
                self.digital_transfer_accepted(agent, task, work)
            }
            RequestKind::Inbound | RequestKind::Transfer | RequestKind::QueuedTransfer => {
                self.answer(agent, task, work)
            }
            // Never offered: an agent's own conversation is accepted when created.
            RequestKind::Conversation => {}
            RequestKind::Outdial => self.outdial_accepted(agent, task, work),
            RequestKind::Callback => self.callback_accepted(agent, task, work),
            RequestKind::Reservation => self.reservation_answered(agent, task, work),
            RequestKind::Consult | RequestKind::ConsultViaEntryPoint => {
                self.consult_accepted(agent, task, work)
            }
        }
    }

    /// Counts an ended offer and logs it.
    pub(crate) fn offer_ended(&mut self, agent: AgentIdx, task: TaskId, outcome: OfferOutcome) {
        self.agents[agent.ix()].tally.offer_ended(outcome);
        self.event_of(EventClass::OfferEnded, || EventKind::OfferEnded {
            task,
            agent,
            outcome,
        });
    }

    /// Puts an accepted offer's work into Engaged (or another phase) and logs the end of the offer.
    pub(crate) fn engage(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        mut work: Work,
        reason: StateReason,
    ) {
        if let Some(key) = work.timer.take() {
            self.timers.cancel(key);
        }
        work.phase = WorkPhase::Engaged;
        self.offer_ended(agent, task, OfferOutcome::Accepted);
        self.set_work(agent, task, Some(work), reason);
    }

    /// The agent answers a customer's task (VOI-01, REC-01), first or after a transfer.
    fn answer(&mut self, agent: AgentIdx, task: TaskId, work: Work) {
        self.engage(agent, task, work, StateReason::Answered);
        if self.tasks[&task].waiting.is_some() {
            self.stop_waiting_offer(task);
        }
        let now = self.now;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.stage = Stage::Connected;
        t.owner = Some(agent);
        t.held = false;
        let first = t.answered.is_none();
        if first {
            t.answered = Some(now);
            if let (Some(q), Some(_)) = (t.queue, t.first_queued) {
                self.queues[q.ix()].tally.answered += 1;
            }
            let waited = now.since(t.first_queued.unwrap_or(now));
            self.event_of(EventClass::TaskAnswered, || EventKind::TaskAnswered {
                task,
                agent,
                waited,
            });
        } else {
            t.transferred = false;
            self.event(EventKind::Transferred {
                task,
                to: Leg::Agent(agent),
            });
        }
        self.start_recording_if_configured(task);
        self.media_changed(task);
        self.send_variables(task, agent);
    }

    /// The task must exist and this agent must work on it.
    pub(crate) fn own_task(&self, agent: AgentIdx, task: TaskId) -> Result<&Task, Refusal> {
        let t = self.tasks.get(&task).ok_or(Refusal::UnknownTask { task })?;
        if self.agents[agent.ix()].work_on(task).is_none() {
            return Err(Refusal::NotYourTask { task });
        }
        Ok(t)
    }

    pub(crate) fn accept(&mut self, agent: AgentIdx, task: TaskId) -> Result<(), Refusal> {
        self.own_task(agent, task)?;
        let work = *self.agents[agent.ix()].work_on(task).expect("checked");
        if !matches!(work.phase, WorkPhase::Connecting | WorkPhase::Ringing) {
            return Err(Refusal::NoOffer { task });
        }
        if work.channel == Channel::Voice && self.tenant.agents[agent.ix()].handset {
            return Err(Refusal::AnswerOnHandset);
        }
        if work.channel == Channel::Voice {
            self.agents[agent.ix()].off_hook = true;
        }
        self.accept_offer(agent, task);
        Ok(())
    }

    /// Accepts every pending request the desktop can accept (AGT-07).
    pub(crate) fn accept_all(&mut self, agent: AgentIdx) -> Result<(), Refusal> {
        let handset = self.tenant.agents[agent.ix()].handset;
        let mut pending: Vec<(u8, SimTime, TaskId, Channel)> = self.agents[agent.ix()]
            .work
            .iter()
            .filter(|w| matches!(w.phase, WorkPhase::Connecting | WorkPhase::Ringing))
            .filter(|w| !(handset && w.channel == Channel::Voice))
            .map(|w| (w.channel.stack_rank(), w.since, w.task, w.channel))
            .collect();
        if pending.is_empty() {
            return Err(Refusal::NothingToAccept);
        }
        pending.sort();
        for (_, _, task, channel) in pending {
            if channel == Channel::Voice {
                self.agents[agent.ix()].off_hook = true;
            }
            self.accept_offer(agent, task);
        }
        Ok(())
    }

    /// Checks an owner's action on a voice call against the participants' table.
    pub(crate) fn check_call(
        &self,
        agent: AgentIdx,
        task: TaskId,
        control: Control,
    ) -> Result<(), Refusal> {
        let t = self.own_task(agent, task)?;
        let work = self.agents[agent.ix()].work_on(task).expect("checked");
        if t.kind == TaskKind::Conversation
            && matches!(control, Control::Consult | Control::Conference)
        {
            return Err(Refusal::NoConferenceOutbound);
        }
        if t.channel != Channel::Voice
            && !matches!(
                control,
                Control::End | Control::EditVariables | Control::WrapUp
            )
        {
            return Err(Refusal::NotVoice {
                task,
                channel: t.channel.name().to_string(),
            });
        }
        match work.phase {
            WorkPhase::Connecting | WorkPhase::Ringing => {
                return Err(match work.role {
                    Role::Owner => Refusal::NotAccepted { task },
                    Role::Consulted => Refusal::ConsultNotAccepted,
                });
            }
            WorkPhase::WrapUp => {
                // After the call only the wrap-up and the call data remain (agents
                // often complete the data during wrap-up).
                return match control {
                    Control::WrapUp | Control::EditVariables => Ok(()),
                    _ => Err(Refusal::TaskEnded { task }),
                };
            }
            WorkPhase::Engaged => {}
        }
        let who = self.participant(task, agent);
        match self.call_state(task) {
            Some(state) => crate::matrix::rule(state, who, control).map(|_| ()),
            // A digital task, or a call being dialled: only End and the variables.
            None => match control {
                Control::End | Control::EditVariables => Ok(()),
                Control::WrapUp => Err(Refusal::CallNotEnded),
                _ => Err(Refusal::NotAccepted { task }),
            },
        }
    }

    /// Hold (VOI-02: the customer hears music on hold) or resume.
    pub(crate) fn hold(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        hold: bool,
    ) -> Result<(), Refusal> {
        self.check_call(
            agent,
            task,
            if hold { Control::Hold } else { Control::Resume },
        )?;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.held = hold;
        if let Some(c) = t.consult.as_mut() {
            // VOI-06: never both legs on hold.
            if c.party.is_some() {
                c.party_held = !hold;
            }
        }
        self.event(if hold {
            EventKind::TaskHeld { task }
        } else {
            EventKind::TaskResumed { task }
        });
        self.media_changed(task);
        Ok(())
    }

    pub(crate) fn end(&mut self, agent: AgentIdx, task: TaskId) -> Result<(), Refusal> {
        self.check_call(agent, task, Control::End)?;
        match self.tasks[&task].stage {
            Stage::Dialing => return self.cancel_dial(agent, task),
            Stage::Preview => return Err(Refusal::PreviewShowing),
            _ => {}
        }
        self.end_call(task, EndKind::AgentEnded);
        Ok(())
    }

    /// The owner's phone hung up or failed during the call: during a consult this
    /// removes the customer and agent 2 too (VOI-10).
    pub(crate) fn owner_hung_up(&mut self, agent: AgentIdx, task: TaskId, how: EndKind) {
        if self.tasks[&task].stage == Stage::Preview {
            // No customer was called: the preview ends and the contact goes back.
            self.preview_hung_up(agent, task);
            return;
        }
        self.end_call(task, how);
    }

    /// An answered call ends for everyone; the owner goes to wrap-up (VOI-19), a
    /// consulted agent leaves without wrap-up (VOI-14).
    pub(crate) fn end_call(&mut self, task: TaskId, how: EndKind) {
        let consult_end = match how {
            EndKind::CustomerHungUp => ConsultEnd::CustomerLeft,
            _ => ConsultEnd::Agent1HungUp,
        };
        self.drop_consult(task, consult_end);
        self.stop_recording(task);
        let cause = match how {
            EndKind::AgentEnded => EndCause::AgentEnded,
            EndKind::AgentHungUp => EndCause::AgentHungUp,
            EndKind::AgentDeviceFailed => EndCause::AgentDeviceFailed,
            EndKind::CustomerHungUp => EndCause::CustomerHungUp,
            EndKind::TransferredOut => EndCause::TransferredOut,
        };
        self.event_of(EventClass::CallEnded, || EventKind::CallEnded {
            task,
            cause,
        });
        if how != EndKind::CustomerHungUp {
            self.release_customer(task);
        }
        let t = self.tasks.get_mut(&task).expect("live task");
        t.conference = false;
        let (owner, external) = (t.owner, t.external_owner.take());
        if let Some(leg) = external {
            self.forget_leg(leg);
            if how != EndKind::TransferredOut {
                self.effect(Effect::Release {
                    leg: Leg::External(leg),
                });
            }
        }
        if let Some(agent) = owner
            && self.agents[agent.ix()]
                .work_on(task)
                .is_some_and(|w| w.phase == WorkPhase::Engaged)
        {
            let release = matches!(
                how,
                EndKind::AgentEnded | EndKind::CustomerHungUp | EndKind::TransferredOut
            );
            self.start_wrap_up(
                agent,
                task,
                release,
                how != EndKind::AgentHungUp && how != EndKind::AgentDeviceFailed,
            );
        }
        self.customer_gone(task, TaskOutcome::Handled);
    }

    /// An agent's engaged work on a task goes to wrap-up (VOI-19).
    pub(crate) fn start_wrap_up(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        release: bool,
        phone_still_up: bool,
    ) {
        let Some(mut work) = self.agents[agent.ix()].work_on(task).copied() else {
            return;
        };
        if work.channel == Channel::Voice {
            if !phone_still_up {
                self.agents[agent.ix()].off_hook = false;
            }
            self.call_left_phone(agent, release);
        }
        let auto_after = self.tenant.wrap_up.auto_after;
        // An automatic wrap-up of 0 s is submitted the moment wrap-up starts
        // (below), without a timer.
        let at_once = self
            .tenant
            .wrap_up
            .default_reason
            .filter(|_| auto_after == Some(crate::time::SimDuration::ZERO));
        work.phase = WorkPhase::WrapUp;
        work.role = Role::Owner;
        work.timer = auto_after.filter(|_| at_once.is_none()).map(|d| {
            self.timers
                .set(self.now + d, TimerKind::AutoWrapUp { agent, task })
        });
        // The wrap-up notice tells the desktop its controls.
        let controls = crate::matrix::Controls::wrap_up();
        work.controls = controls;
        self.set_work(agent, task, Some(work), StateReason::CallEnded);
        self.notify_of(agent, NoticeClass::WrapUp, || Notice::WrapUp {
            task,
            auto_after,
            controls,
        });
        if let Some(reason) = at_once {
            // Cannot be refused: the task is this agent's and in wrap-up.
            let _ = self.wrap_up(agent, task, reason, None, true);
        }
    }

    /// The agent submits a wrap-up reason and becomes Available, or Idle by choice (VOI-19).
    pub(crate) fn wrap_up(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        reason: WrapUpReasonIdx,
        idle: Option<IdleReasonIdx>,
        auto: bool,
    ) -> Result<(), Refusal> {
        self.own_task(agent, task)?;
        let work = *self.agents[agent.ix()].work_on(task).expect("checked");
        if work.phase != WorkPhase::WrapUp {
            // Not in wrap-up yet: the participants' table says why.
            self.check_call(agent, task, Control::WrapUp)?;
            return Err(Refusal::NotInWrapUp { task });
        }
        if reason.ix() >= self.tenant.wrap_up.reasons.len() {
            return Err(Refusal::UnknownWrapUpReason { reason: reason.0 });
        }
        if let Some(r) = idle
            && r.ix() >= self.tenant.idle_reasons.len()
        {
            return Err(Refusal::UnknownIdleReason { reason: r.0 });
        }
        if let Some(key) = work.timer {
            self.timers.cancel(key);
        }
        self.agents[agent.ix()].tally.handled += 1;
        self.event_of(EventClass::WrapUpSubmitted, || EventKind::WrapUpSubmitted {
            task,
            agent,
            reason,
            auto,
        });
        self.set_work(agent, task, None, StateReason::WrapUpDone);
        if let Some(r) = idle {
            self.set_presence(agent, Presence::Idle(r), StateReason::AgentChoice);
        }
        let t = &self.tasks[&task];
        if t.workers == 0
            && let (Some(queue), Some(answered)) = (t.queue, t.answered)
        {
            self.learn_handle_time(queue, self.now.since(answered));
        }
        self.close_if_done(task);
        Ok(())
    }

    pub(crate) fn auto_wrap_up(&mut self, key: TimerKey, agent: AgentIdx, task: TaskId) {
        let armed = self.agents[agent.ix()]
            .work_on(task)
            .is_some_and(|w| w.timer == Some(key));
        if !armed {
            return;
        }
        if let Some(w) = self.agents[agent.ix()].work_on_mut(task) {
            w.timer = None;
        }
        // Validated with the rule; a configuration change that removes the rule
        // also disarms its timers (reconfig.rs), so this always holds.
        let Some(reason) = self.tenant.wrap_up.default_reason else {
            return;
        };
        // Cannot be refused: the task is this agent's and in wrap-up (the timer lives exactly that long).
        let _ = self.wrap_up(agent, task, reason, None, true);
    }

    /// The variables the Contact Request shows: those the flow marks for the popover,
    /// in the configured order, never a secure one (AGT-09).
    pub(crate) fn popover_variables(&self, task: TaskId) -> Vec<(String, String)> {
        let t = &self.tasks[&task];
        let Some(flow) = t.flow else {
            return Vec::new();
        };
        let vars = &self.tenant.flows[flow.ix()].variables;
        let mut shown: Vec<(u8, String, String)> = vars
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.secure)
            .filter_map(|(i, v)| {
                let order = v.popover?;
                let value = t
                    .vars
                    .get(i)
                    .and_then(|s| s.value.clone())
                    .unwrap_or_default();
                Some((order, v.label.clone(), value.to_string()))
            })
            .collect();
        shown.sort_by_key(|s| s.0);
        shown
            .into_iter()
            .map(|(_, label, value)| (label, value))
            .collect()
    }
}
