//! The engine: one plain struct, driven from outside (sans-IO, in the manner of
//! quinn-proto and str0m).
//!
//! - [`Engine::handle`] takes everything that happens outside, with the time it happened;
//! - [`Engine::poll_output`] yields everything the engine wants done, and its log events;
//! - [`Engine::poll_timeout`] / [`Engine::handle_timeout`] let the engine own its timers
//!   while the driver owns the clock.
//!
//! Timers due at or before an input's time fire before the input is applied: an answer
//! arriving exactly at the RONA deadline is too late. After every input, and after every
//! timer, the engine routes waiting tasks to ready agents. A timer an input arms for
//! its own instant fires before `handle` returns. An automatic wrap-up of 0 s
//! needs no timer: it is submitted the moment the wrap-up starts.
//!
//! The submodules each hold one concern: [`agents`] (presence, work, the ready
//! sets), [`tasks`] (a task's life), [`flow`] (the flow interpreter), [`routing`]
//! (queues, offers, RONA), [`consult`] (consult, transfer, conference), [`media`]
//! (who hears whom, the desktop's controls),
//! [`recording`], [`cad`] (call-associated data), [`outdial`] (calls the engine
//! places), [`timers`], [`audit`] (invariants), [`tally`] (live counters),
//! [`reconfig`] (configuration changes) and [`snapshot`] (the run-time state saved
//! and restored, for a fast restart).

mod agents;
pub mod audit;
mod cad;
mod callbacks;
mod campaigns;
mod consult;
mod conversations;
mod flow;
mod media;
mod outdial;
mod reconfig;
mod recording;
mod routing;
pub mod snapshot;
pub mod tally;
mod tasks;
mod timers;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::{ConfigErrors, Tenant};
use crate::event::{AgentState, Event, EventClass, EventKind, WorkPhase};
use crate::filter::OutputFilter;
use crate::ids::*;
use crate::input::{ActionKind, AgentAction, Input};
use crate::legs::{Channel, Leg};
use crate::output::{Effect, Notice, Output};
use crate::refusal::{Refusal, unknown_agent};
use crate::time::{SimDuration, SimTime};
use crate::window::IdWindow;

use agents::AgentRt;
use routing::QueueRt;
use tasks::{Stage, Task};
use timers::{TimerKind, Timers};

pub use audit::Violation;
pub use cad::MASK;
pub use snapshot::{EngineSnapshot, SnapshotError};

/// How an engine is set up, beside its tenant configuration.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineOptions {
    /// The wall-clock instant of `SimTime(0)`, in microseconds since the Unix epoch (UTC).
    /// Used only to evaluate business hours.
    pub epoch_unix_micros: i64,
    /// Which outputs the driver wants (all by default). The rules are the same
    /// whatever it says; see [`crate::filter`].
    #[serde(default, skip_serializing_if = "OutputFilter::is_all")]
    pub outputs: OutputFilter,
}

/// A task as seen from outside, for expectations and views.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaskView {
    pub task: TaskId,
    pub kind: crate::event::TaskKind,
    pub channel: Channel,
    pub customer: Leg,
    pub stage: &'static str,
    pub queue: Option<QueueIdx>,
    pub position: Option<u32>,
    /// The owner (agent 1), or the agent being offered the task.
    pub agent: Option<AgentIdx>,
    /// The consulted agent, once it accepted (agent 2).
    pub consulted: Option<AgentIdx>,
    pub held: bool,
    pub recording: bool,
    pub recording_paused: bool,
    pub conference: bool,
    /// The call's state in the participants' table, while an agent owns it.
    pub call_state: Option<crate::matrix::CallState>,
    /// Estimated wait while queued (FLW-03).
    pub ewt: Option<SimDuration>,
    /// An open conversation's messages: (from the customer, to the customer).
    pub messages: Option<(u32, u32)>,
}

/// The contact-center engine of one tenant.
pub struct Engine {
    tenant: Arc<Tenant>,
    opts: EngineOptions,
    now: SimTime,
    agents: Vec<AgentRt>,
    queues: Vec<QueueRt>,
    tasks: IdWindow<TaskId, Task>,
    /// Customers' legs that reached us (calls, chats, emails, messages) -> their task.
    calls: IdWindow<CallId, TaskId>,
    /// Live legs the engine dialled -> their task.
    legs: BTreeMap<LegId, TaskId>,
    /// Dials awaiting their result -> (task, leg).
    dials: BTreeMap<RequestId, (TaskId, LegId)>,
    timers: Timers,
    out: VecDeque<Output>,
    next_task: u64,
    next_request: u64,
    next_seq: u64,
    next_leg: u64,
    /// Per channel, whether routing may have something to match.
    route_pending: [bool; 4],
    /// Campaigns' contact lists, by [`CampaignIdx`].
    campaigns: Vec<campaigns::CampaignRt>,
    /// Digital conversations, open and remembered.
    conversations: conversations::Conversations,
    /// The participants' table's enabled controls, per state and participant.
    control_table: crate::matrix::ControlTable,
    /// Tasks created and closed (queue and agent counters live in their run-time state).
    task_tally: tally::TaskTally,
    /// When the configuration last changed, and the last leg dialled before: what
    /// was taken on before may exceed limits the change lowered (see the audit).
    reconfigured: Option<(SimTime, u64)>,
}

impl Engine {
    /// An engine for a compiled tenant, at time zero, with every agent logged out.
    pub fn new(tenant: Arc<Tenant>, opts: EngineOptions) -> Engine {
        Engine {
            agents: tenant.agents.iter().map(|_| AgentRt::default()).collect(),
            conversations: Default::default(),
            campaigns: tenant
                .campaigns
                .iter()
                .map(|_| Default::default())
                .collect(),
            queues: tenant.queues.iter().map(QueueRt::new).collect(),
            tenant,
            opts,
            now: SimTime::ZERO,
            tasks: IdWindow::default(),
            calls: IdWindow::default(),
            legs: BTreeMap::new(),
            dials: BTreeMap::new(),
            timers: Timers::default(),
            out: VecDeque::with_capacity(64),
            next_task: 1,
            next_request: 1,
            next_seq: 0,
            next_leg: 0,
            route_pending: [false; 4],
            control_table: crate::matrix::ControlTable::new(),
            task_tally: Default::default(),
            reconfigured: None,
        }
    }

    /// An engine for a configuration text (validated as a whole first).
    pub fn from_config(text: &str, opts: EngineOptions) -> Result<Engine, ConfigErrors> {
        Ok(Engine::new(Arc::new(Tenant::from_toml(text)?), opts))
    }

    /// Applies one input that happened at `now`. Timers due by then fire first;
    /// those the input arms for `now` itself fire after it, before this returns.
    /// A refused input changes nothing; the refusal is returned, logged and, for an
    /// agent's action, shown to the agent.
    pub fn handle(&mut self, now: SimTime, input: Input) -> Result<(), Refusal> {
        if now < self.now {
            let reason = Refusal::TimeWentBack {
                at: now,
                now: self.now,
            };
            return Err(self.refuse(None, ActionKind::Input, reason));
        }
        self.fire_due(now);
        self.now = now;
        let result = self.apply(input);
        // A timer the input armed for this very instant fires now, before the
        // engine returns: exactly as if the driver had called
        // `handle_timeout(now)` next, which it would have done before
        // anything else due at this instant.
        self.fire_due(now);
        result
    }

    /// [`Engine::handle`]'s input, applied at the engine's current time, then routing.
    fn apply(&mut self, input: Input) -> Result<(), Refusal> {
        let result = match input {
            Input::CallArrived { call, from, to } => self.call_arrived(call, from, to),
            Input::MessageReceived {
                contact,
                ep,
                message,
            } => {
                let r = self.message_received(contact, ep, &message);
                let r = r.map_err(|reason| self.refuse(None, ActionKind::ReceiveMessage, reason));
                self.route();
                return r;
            }
            Input::MessageResult { request, delivered } => {
                self.message_result(request, delivered);
                Ok(())
            }
            Input::CustomerHungUp { call } => self.customer_hung_up(call),
            Input::CustomerDigit { call, digit } => self.customer_digit(call, digit),
            Input::PromptFinished { call, request } => self.prompt_finished(call, request),
            Input::DialResult { request, outcome } => self.dial_result(request, outcome),
            Input::MachineDetected { leg, result } => self.machine_detected(leg, result),
            Input::LegHungUp { leg } => self.leg_hung_up(leg),
            Input::Phone { agent, event } => {
                if agent.ix() >= self.agents.len() {
                    Err(unknown_agent(agent))
                } else {
                    self.phone_event(agent, event);
                    Ok(())
                }
            }
            Input::Agent { agent, action } => {
                return self.agent_action(agent, action).inspect(|_| self.route());
            }
            Input::Reconfigure { config } => {
                return self.reconfigure(&config).inspect(|_| self.route());
            }
            Input::WebCallback {
                contact,
                ep,
                queue,
                name,
                number,
            } => {
                let r = self.web_callback(contact, ep, queue, name, &number);
                let r = r.map_err(|reason| self.refuse(None, ActionKind::WebCallback, reason));
                self.route();
                return r;
            }
            Input::LoadContacts { campaign, csv } => {
                let r = self.load_contacts(campaign, &csv);
                let r = r.map_err(|reason| self.refuse(None, ActionKind::LoadContacts, reason));
                self.route();
                return r;
            }
        };
        let result = result.map_err(|reason| self.refuse(None, ActionKind::Input, reason));
        self.route();
        result
    }

    /// Fires every timer due at or before `now`.
    pub fn handle_timeout(&mut self, now: SimTime) {
        if now < self.now {
            return;
        }
        self.fire_due(now);
        self.now = now;
    }

    /// The next instant at which the engine wants [`Engine::handle_timeout`].
    pub fn poll_timeout(&self) -> Option<SimTime> {
        self.timers.next_deadline()
    }

    /// The next output; drain until `None` after every input and timeout.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// The engine's current time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The configuration in force.
    pub fn tenant(&self) -> &Arc<Tenant> {
        &self.tenant
    }

    /// The options the engine was made with.
    pub fn options(&self) -> EngineOptions {
        self.opts
    }

    /// An agent's state as the desktop headline shows it (AGT-01).
    pub fn agent_state(&self, agent: AgentIdx) -> Option<AgentState> {
        self.agents.get(agent.ix()).map(AgentRt::view)
    }

    /// An agent's presence.
    pub fn agent_presence(&self, agent: AgentIdx) -> Option<crate::event::Presence> {
        self.agents.get(agent.ix()).map(|a| a.presence)
    }

    /// An agent's tasks and its phase on each, in the order it got them.
    pub fn agent_work(&self, agent: AgentIdx) -> Vec<(TaskId, Channel, WorkPhase)> {
        self.agents
            .get(agent.ix())
            .map(|a| {
                a.work
                    .iter()
                    .map(|w| (w.task, w.channel, w.phase))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The contacts waiting in a campaign's list.
    pub fn campaign_pending(&self, campaign: CampaignIdx) -> Option<usize> {
        self.campaigns.get(campaign.ix()).map(|c| c.pending.len())
    }

    /// An agent's phase on one task, if it works on it.
    pub fn agent_phase(&self, agent: AgentIdx, task: TaskId) -> Option<WorkPhase> {
        self.agents.get(agent.ix())?.work_on(task).map(|w| w.phase)
    }

    /// Whether an agent's phone is off-hook.
    pub fn agent_off_hook(&self, agent: AgentIdx) -> Option<bool> {
        self.agents.get(agent.ix()).map(|a| a.off_hook)
    }

    /// Whether an agent's persistent connection is up.
    pub fn agent_connected(&self, agent: AgentIdx) -> Option<bool> {
        self.agents.get(agent.ix()).map(|a| a.connected)
    }

    /// The voice task an agent holds (offered, engaged or in wrap-up), if any.
    pub fn agent_task(&self, agent: AgentIdx) -> Option<TaskId> {
        self.agents
            .get(agent.ix())
            .and_then(|a| a.voice())
            .map(|w| w.task)
    }

    /// The customer's call of a live task, if the customer called in.
    pub fn call_of_task(&self, task: TaskId) -> Option<CallId> {
        match self.tasks.get(&task)?.customer {
            Leg::Customer(call) => Some(call),
            _ => None,
        }
    }

    /// The task a customer's call belongs to, while the call lasts.
    pub fn task_of_call(&self, call: CallId) -> Option<TaskId> {
        self.calls.get(&call).copied()
    }

    /// A live task, as seen from outside.
    pub fn task_view(&self, task: TaskId) -> Option<TaskView> {
        let t = self.tasks.get(&task)?;
        let position = match (t.stage, t.queue) {
            (Stage::Queued, Some(q)) => Some(self.position(q, t.channel, t.key)),
            _ => None,
        };
        let consulted = match t.consult.as_ref().and_then(|c| c.party) {
            Some(Leg::Agent(a)) => Some(a),
            _ => None,
        };
        Some(TaskView {
            task,
            kind: t.kind,
            channel: t.channel,
            customer: t.customer,
            stage: t.stage.name(),
            queue: t.queue,
            position,
            agent: t.owner,
            consulted,
            held: t.held,
            recording: t.recording != tasks::Recording::Off,
            recording_paused: matches!(t.recording, tasks::Recording::Paused { .. }),
            conference: t.conference,
            call_state: self.call_state(task),
            ewt: position.and_then(|p| self.ewt(t.queue?, t.channel, p)),
            messages: self
                .conversations
                .open
                .get(&task)
                .map(|c| (c.received, c.sent)),
        })
    }

    /// A variable's saved value (masked when secure) and version.
    pub fn variable(&self, task: TaskId, var: VarIdx) -> Option<(String, u32)> {
        let t = self.tasks.get(&task)?;
        let slot = t.vars.get(var.ix())?;
        let secure = t
            .flow
            .and_then(|f| self.tenant.flows[f.ix()].variables.get(var.ix()))
            .is_some_and(|v| v.secure);
        let value = if secure {
            MASK.to_string()
        } else {
            slot.value.as_deref().unwrap_or_default().to_string()
        };
        Some((value, slot.version))
    }

    /// A variable of the task's flow, by name.
    pub fn variable_by_name(&self, task: TaskId, name: &str) -> Option<VarIdx> {
        let t = self.tasks.get(&task)?;
        let flow = &self.tenant.flows[t.flow?.ix()];
        flow.variables
            .iter()
            .position(|v| v.name == name)
            .map(|i| VarIdx(i as u32))
    }

    /// The number of live tasks.
    pub fn live_tasks(&self) -> usize {
        self.tasks.len()
    }

    /// The tasks waiting in a queue, in order (position 1 first), for every channel.
    pub fn queue_tasks(&self, queue: QueueIdx) -> Vec<TaskId> {
        self.queues
            .get(queue.ix())
            .map(|q| {
                q.waiting
                    .iter()
                    .flat_map(|m| m.values().filter(|e| !e.consult).map(|e| e.task))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The number of armed timers.
    pub fn armed_timers(&self) -> usize {
        self.timers.len()
    }

    // ---- internal helpers shared by the submodules ----

    fn fire_due(&mut self, now: SimTime) {
        while let Some((key, kind)) = self.timers.pop_due(now) {
            self.now = key.0;
            self.fire(key, kind);
            self.route();
        }
    }

    fn fire(&mut self, key: timers::TimerKey, kind: TimerKind) {
        match kind {
            TimerKind::Rona { agent, task } => self.rona_timer(key, agent, task),
            TimerKind::AutoWrapUp { agent, task } => self.auto_wrap_up(key, agent, task),
            TimerKind::MenuTimeout { task } => self.menu_timeout(key, task),
            TimerKind::PrivacyShield { task } => self.privacy_shield_over(key, task),
            TimerKind::CallbackOffer { task } => self.callback_offer_due(key, task),
            TimerKind::CallbackHours { queue } => self.callback_hours_opened(key, queue),
            TimerKind::PreviewTimeout { agent, task } => self.preview_timed_out(key, agent, task),
        }
    }

    fn agent_action(&mut self, agent: AgentIdx, action: AgentAction) -> Result<(), Refusal> {
        let kind = action.kind();
        if agent.ix() >= self.agents.len() {
            return Err(self.refuse(None, kind, unknown_agent(agent)));
        }
        let result = match action {
            AgentAction::Login => self.login(agent),
            AgentAction::Logout => self.logout(agent),
            AgentAction::SetAvailable => self.set_available(agent),
            AgentAction::SetIdle { reason } => self.set_idle(agent, reason),
            AgentAction::Accept { task } => self.accept(agent, task),
            AgentAction::AcceptAll => self.accept_all(agent),
            AgentAction::Hold { task } => self.hold(agent, task, true),
            AgentAction::Resume { task } => self.hold(agent, task, false),
            AgentAction::End { task } => self.end(agent, task),
            AgentAction::WrapUp { task, reason, idle } => {
                self.wrap_up(agent, task, reason, idle, false)
            }
            AgentAction::Consult { task, target } => self.consult(agent, task, target),
            AgentAction::EndConsult { task } => self.end_consult(agent, task),
            AgentAction::HoldConsulted { task } => self.hold_consulted(agent, task, true),
            AgentAction::ResumeConsulted { task } => self.hold_consulted(agent, task, false),
            AgentAction::Transfer { task, target } => {
                if self
                    .tasks
                    .get(&task)
                    .is_some_and(|t| t.channel != crate::legs::Channel::Voice)
                {
                    self.transfer_digital(agent, task, target)
                } else {
                    self.transfer(agent, task, target)
                }
            }
            AgentAction::SendMessage { task, content } => self.send_message(agent, task, *content),
            AgentAction::StartConversation { ep, to, content } => {
                self.start_conversation(agent, ep, &to, *content)
            }
            AgentAction::Conference { task } => self.conference(agent, task),
            AgentAction::Exit { task } => self.exit(agent, task),
            AgentAction::PauseRecording { task } => self.pause_recording(agent, task),
            AgentAction::ResumeRecording { task } => self.resume_recording(agent, task),
            AgentAction::SaveVariable {
                task,
                var,
                value,
                version,
            } => self.save_variable(agent, task, var, value, version),
            AgentAction::RevertVariable { task, var } => self.revert_variable(agent, task, var),
            AgentAction::RevealVariable { task, var } => self.reveal_variable(agent, task, var),
            AgentAction::Outdial { number, ep } => self.outdial(agent, &number, ep),
            AgentAction::PullContact { campaign } => self.pull_contact(agent, campaign),
            AgentAction::PreviewAccept { task } => self.preview_accept(agent, task),
            AgentAction::PreviewSkip { task } => self.preview_skip(agent, task),
            AgentAction::PreviewRemove { task } => self.preview_remove(agent, task),
        };
        result.map_err(|reason| self.refuse(Some(agent), kind, reason))
    }

    #[inline]
    fn event(&mut self, kind: EventKind) {
        if self.opts.outputs.wants_event(&kind) {
            self.push_event(kind);
        }
    }

    #[inline]
    fn push_event(&mut self, kind: EventKind) {
        self.out
            .push_back(Output::Event(Event { at: self.now, kind }));
    }

    /// Queues the output `make` builds, building it in its place in the
    /// queue: room is made first, then `make` writes the output straight
    /// into it. Built before and then moved, an output is first stored on
    /// the stack field by field (it must outlive the queue's possible
    /// growth) and then copied in wider loads, which stall until those
    /// stores reach the cache: about 5% of a plan's time.
    #[inline]
    fn push_output(&mut self, make: impl FnOnce() -> Output) {
        let mut make = Some(make);
        let n = self.out.len() + 1;
        self.out.resize_with(n, || match make.take() {
            Some(f) => f(),
            // Never called twice: the queue grows by one.
            None => Output::Event(Event {
                at: SimTime::ZERO,
                kind: EventKind::TaskHeld { task: TaskId(0) },
            }),
        });
    }

    /// [`Engine::event`] for the events of every call's path, asked by class
    /// before the event is built: one the driver does not want costs a bit
    /// test, not a build and a drop, and one it wants is built in its place
    /// in the queue ([`Engine::push_output`]).
    #[inline]
    fn event_of(&mut self, class: EventClass, kind: impl FnOnce() -> EventKind) {
        if self.opts.outputs.wants_event_class(class) {
            let at = self.now;
            self.push_output(|| {
                let kind = kind();
                debug_assert_eq!(EventClass::from(&kind), class);
                Output::Event(Event { at, kind })
            });
        }
    }

    #[inline]
    fn effect(&mut self, effect: Effect) {
        if self.opts.outputs.wants_effect(&effect) {
            self.out.push_back(Output::Effect(effect));
        }
    }

    #[inline]
    fn notify(&mut self, agent: AgentIdx, notice: Notice) {
        if self.opts.outputs.wants_notice(&notice) {
            self.out
                .push_back(Output::Effect(Effect::Notify { agent, notice }));
        }
    }

    /// [`Engine::notify`] asked by class before the notice is built (see
    /// [`Engine::event_of`]).
    #[inline]
    fn notify_of(
        &mut self,
        agent: AgentIdx,
        class: crate::output::NoticeClass,
        notice: impl FnOnce() -> Notice,
    ) {
        if self.opts.outputs.wants_notice_class(class) {
            let notice = notice();
            debug_assert_eq!(crate::output::NoticeClass::from(&notice), class);
            self.out
                .push_back(Output::Effect(Effect::Notify { agent, notice }));
        }
    }

    /// Whether the driver wants outputs of this kind: for those that cost
    /// something to build, asked before building them.
    fn wants_effect(&self, c: crate::output::EffectClass) -> bool {
        self.opts.outputs.wants_effect_class(c)
    }

    fn wants_notice(&self, c: crate::output::NoticeClass) -> bool {
        self.opts.outputs.wants_notice_class(c)
    }

    /// Records a refusal and returns it.
    fn refuse(&mut self, agent: Option<AgentIdx>, action: ActionKind, reason: Refusal) -> Refusal {
        self.event(EventKind::Refused {
            agent,
            action,
            reason: Box::new(reason.clone()),
        });
        if let Some(agent) = agent {
            self.notify(
                agent,
                Notice::Refused {
                    action,
                    reason: Box::new(reason.clone()),
                },
            );
        }
        reason
    }

    fn new_request(&mut self) -> RequestId {
        let r = RequestId(self.next_request);
        self.next_request += 1;
        r
    }
}
