//! A voice task's life: arrival at a support number (CHN-03), answer (VOI-01),
//! hold and resume (VOI-02), recording (REC-01), the end by either side, wrap-up
//! with a reason (VOI-19), and callers who abandon anywhere before an answer.

use compact_str::CompactString;

use crate::dtmf::Digit;
use crate::event::{
    AbandonStage, CallNumbers, EndCause, EventKind, Ignored, StateReason, TaskOutcome,
};
use crate::ids::*;
use crate::output::{Effect, Notice};
use crate::refusal::Refusal;
use crate::time::SimTime;

use super::Engine;
use super::agents::{Phase, Presence};
use super::flow::FlowWait;
use super::routing::QueueKey;
use super::timers::{TimerKey, TimerKind};

/// Where a task is. A live task is in exactly one stage (an audited invariant).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Running its entry point's flow.
    Flow(FlowWait),
    /// Waiting in `Task::queue`.
    Queued,
    /// Offered to `Task::agent`.
    Offered,
    /// Answered: the caller and the agent are connected.
    Connected,
    /// The call ended; the agent wraps up.
    WrapUp,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Flow(_) => "flow",
            Stage::Queued => "queued",
            Stage::Offered => "offered",
            Stage::Connected => "connected",
            Stage::WrapUp => "wrap_up",
        }
    }
}

/// One live customer interaction.
#[derive(Clone, Debug)]
pub(crate) struct Task {
    pub call: CallId,
    pub ep: EpIdx,
    pub from: CompactString,
    pub to: CompactString,
    pub stage: Stage,
    pub flow: Option<FlowIdx>,
    /// The flow's variables (call-associated data), by [`VarIdx`].
    pub vars: Vec<Option<CompactString>>,
    /// The last key a menu took.
    pub digit: Option<Digit>,
    pub queue: Option<QueueIdx>,
    pub key: QueueKey,
    pub first_queued: Option<SimTime>,
    pub answered: Option<SimTime>,
    pub agent: Option<AgentIdx>,
    pub held: bool,
    pub recording: bool,
}

/// How an answered call ends.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum EndKind {
    AgentEnded,
    AgentHungUp,
    AgentDeviceFailed,
    CustomerHungUp,
}

impl Engine {
    pub(crate) fn call_arrived(
        &mut self,
        call: CallId,
        from: CompactString,
        to: CompactString,
    ) -> Result<(), Refusal> {
        if self.calls.contains_key(&call) {
            return Err(self.refuse(
                None,
                crate::input::ActionKind::Input,
                Refusal::DuplicateCall { call },
            ));
        }
        let Some(ep) = self.tenant.entry_point_for_number(&to) else {
            let reason = Refusal::UnknownNumber {
                number: to.to_string(),
            };
            let reason = self.refuse(None, crate::input::ActionKind::Input, reason);
            self.effect(Effect::HangUp { call });
            return Err(reason);
        };
        let id = TaskId(self.next_task);
        self.next_task += 1;
        let flow = self.tenant.entry_points[ep.ix()].flow;
        let vars = match flow {
            Some(f) => self.tenant.flows[f.ix()]
                .variables
                .iter()
                .map(|v| v.default.as_deref().map(CompactString::from))
                .collect(),
            None => Vec::new(),
        };
        self.tasks.insert(
            id,
            Task {
                call,
                ep,
                from: from.clone(),
                to: to.clone(),
                stage: Stage::Flow(FlowWait::Running),
                flow,
                vars,
                digit: None,
                queue: None,
                key: (0, 0),
                first_queued: None,
                answered: None,

                agent: None,
                held: false,
                recording: false,
            },
        );
        self.calls.insert(call, id);
        self.event(EventKind::TaskCreated {
            task: id,
            call,
            ep,
            numbers: Box::new(CallNumbers { from, to }),
        });

        let start = flow.map_or(StepIdx(0), |f| self.tenant.flows[f.ix()].start);
        self.run_flow(id, start, Some(start));
        Ok(())
    }

    pub(crate) fn customer_hung_up(&mut self, call: CallId) -> Result<(), Refusal> {
        let Some(&task) = self.calls.get(&call) else {
            self.event(EventKind::Ignored {
                what: Ignored::CustomerGone,
            });
            return Ok(());
        };
        let t = &self.tasks[&task];
        match t.stage {
            Stage::Flow(wait) => {
                self.cancel_flow_wait(wait);
                self.close(
                    task,
                    TaskOutcome::Abandoned {
                        stage: AbandonStage::Flow,
                    },
                );
            }
            Stage::Queued => {
                let (queue, key) = (t.queue.expect("queued"), t.key);
                self.queues[queue.ix()].waiting.remove(&key);
                self.close(
                    task,
                    TaskOutcome::Abandoned {
                        stage: AbandonStage::Queue,
                    },
                );
            }
            Stage::Offered => {
                let agent = t.agent.expect("offered to an agent");
                self.withdraw_offer(agent, task);
                self.close(
                    task,
                    TaskOutcome::Abandoned {
                        stage: AbandonStage::Offer,
                    },
                );
            }
            Stage::Connected => self.end_call(task, EndKind::CustomerHungUp),
            Stage::WrapUp => self.event(EventKind::Ignored {
                what: Ignored::CustomerGone,
            }),
        }
        Ok(())
    }

    pub(crate) fn customer_digit(&mut self, call: CallId, digit: Digit) -> Result<(), Refusal> {
        match self.calls.get(&call) {
            Some(&task) => self.menu_digit(task, digit),
            None => self.event(EventKind::Ignored {
                what: Ignored::CustomerGone,
            }),
        }
        Ok(())
    }

    /// The agent answers the offer (VOI-01, REC-01).
    pub(crate) fn answer(&mut self, agent: AgentIdx, task: TaskId) {
        let a = &mut self.agents[agent.ix()];
        let before = a.view();
        if let Some(key) = a.timer.take() {
            self.timers.cancel(key);
        }
        a.off_hook = true;
        if let Some(w) = a.voice.as_mut() {
            w.phase = Phase::Engaged;
        }
        let now = self.now;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.stage = Stage::Connected;
        t.answered = Some(now);
        let waited = now.since(t.first_queued.unwrap_or(now));
        let (call, queue) = (t.call, t.queue.expect("answered from a queue"));
        self.event(EventKind::OfferEnded {
            task,
            agent,
            outcome: crate::event::OfferOutcome::Accepted,
        });
        self.event(EventKind::TaskAnswered {
            task,
            agent,
            waited,
        });
        self.agent_changed(agent, before, StateReason::Answered);
        self.effect(Effect::Bridge { call, agent });
        if self.tenant.queues[queue.ix()].recording {
            self.tasks.get_mut(&task).expect("live task").recording = true;
            self.event(EventKind::RecordingStarted { task });
            self.effect(Effect::StartRecording { task, call });
        }
    }

    /// The task must exist and be this agent's.
    fn own_task(&self, agent: AgentIdx, task: TaskId) -> Result<&Task, Refusal> {
        let t = self.tasks.get(&task).ok_or(Refusal::UnknownTask { task })?;
        if t.agent != Some(agent) {
            return Err(Refusal::NotYourTask { task });
        }
        Ok(t)
    }

    /// The task must be this agent's and answered (VOI-01).
    fn connected_task(&self, agent: AgentIdx, task: TaskId) -> Result<&Task, Refusal> {
        let t = self.own_task(agent, task)?;
        match t.stage {
            Stage::Connected => Ok(t),
            Stage::WrapUp => Err(Refusal::TaskEnded { task }),
            _ => Err(Refusal::NotAccepted { task }),
        }
    }

    pub(crate) fn accept(&mut self, agent: AgentIdx, task: TaskId) -> Result<(), Refusal> {
        let t = self.own_task(agent, task)?;
        if t.stage != Stage::Offered {
            return Err(Refusal::NoOffer { task });
        }
        if self.tenant.agents[agent.ix()].handset {
            return Err(Refusal::AnswerOnHandset);
        }
        self.answer(agent, task);
        Ok(())
    }

    /// Hold (VOI-02: the caller hears music on hold) or resume.
    pub(crate) fn hold(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        hold: bool,
    ) -> Result<(), Refusal> {
        let t = self.connected_task(agent, task)?;
        match (hold, t.held) {
            (true, true) => return Err(Refusal::AlreadyHeld),
            (false, false) => return Err(Refusal::NotHeld),
            _ => {}
        }
        let call = t.call;
        self.tasks.get_mut(&task).expect("live task").held = hold;
        if hold {
            self.event(EventKind::TaskHeld { task });
            self.effect(Effect::Hold { call, agent });
        } else {
            self.event(EventKind::TaskResumed { task });
            self.effect(Effect::Bridge { call, agent });
        }
        Ok(())
    }

    pub(crate) fn end(&mut self, agent: AgentIdx, task: TaskId) -> Result<(), Refusal> {
        if self.connected_task(agent, task)?.held {
            return Err(Refusal::EndWhileHeld);
        }
        self.end_call(task, EndKind::AgentEnded);
        Ok(())
    }

    /// An answered call ends; the agent goes to wrap-up (VOI-19).
    pub(crate) fn end_call(&mut self, task: TaskId, how: EndKind) {
        let t = self.tasks.get_mut(&task).expect("live task");
        t.stage = Stage::WrapUp;
        t.held = false;
        let (call, agent, recording) =
            (t.call, t.agent.expect("connected to an agent"), t.recording);
        t.recording = false;
        if recording {
            self.event(EventKind::RecordingStopped { task });
            self.effect(Effect::StopRecording { task, call });
        }
        let cause = match how {
            EndKind::AgentEnded => EndCause::AgentEnded,
            EndKind::AgentHungUp => EndCause::AgentHungUp,
            EndKind::AgentDeviceFailed => EndCause::AgentDeviceFailed,
            EndKind::CustomerHungUp => EndCause::CustomerHungUp,
        };
        self.event(EventKind::CallEnded { task, cause });
        self.calls.remove(&call);
        if how != EndKind::CustomerHungUp {
            self.effect(Effect::HangUp { call });
        }
        let handset = self.tenant.agents[agent.ix()].handset;
        let auto_after = self.tenant.wrap_up.auto_after;
        let timer = auto_after.map(|d| {
            self.timers
                .set(self.now + d, TimerKind::AutoWrapUp { agent, task })
        });
        let a = &mut self.agents[agent.ix()];
        let before = a.view();
        if let Some(w) = a.voice.as_mut() {
            w.phase = Phase::WrapUp;
        }
        a.timer = timer;
        if !handset {
            // A softphone hangs up with the call; a handset waits for on-hook (AGT-14).
            a.off_hook = false;
        }
        if matches!(how, EndKind::AgentEnded | EndKind::CustomerHungUp) {
            self.effect(Effect::ReleaseAgent { agent });
        }
        self.agent_changed(agent, before, StateReason::CallEnded);
        self.notify(agent, Notice::WrapUp { task, auto_after });
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
        let t = self.own_task(agent, task)?;
        if t.stage != Stage::WrapUp {
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
        let a = &mut self.agents[agent.ix()];
        let before = a.view();
        if let Some(key) = a.timer.take() {
            self.timers.cancel(key);
        }
        a.voice = None;
        if let Some(r) = idle {
            a.presence = Presence::Idle(r);
        }
        self.event(EventKind::WrapUpSubmitted {
            task,
            agent,
            reason,
            auto,
        });
        self.agent_changed(agent, before, StateReason::WrapUpDone);
        let t = &self.tasks[&task];
        if let (Some(queue), Some(answered)) = (t.queue, t.answered) {
            self.learn_handle_time(queue, self.now.since(answered));
        }
        self.close(task, TaskOutcome::Handled);
        Ok(())
    }

    pub(crate) fn auto_wrap_up(&mut self, key: TimerKey, agent: AgentIdx, task: TaskId) {
        if self.agents[agent.ix()].timer != Some(key) {
            return;
        }
        self.agents[agent.ix()].timer = None;
        let reason = self
            .tenant
            .wrap_up
            .default_reason
            .expect("validated: auto wrap-up has a default");
        // Cannot be refused: the task is this agent's and in wrap-up (the timer lives exactly that long).
        let _ = self.wrap_up(agent, task, reason, None, true);
    }

    /// The task is over for good.
    pub(crate) fn close(&mut self, task: TaskId, outcome: TaskOutcome) {
        if let Some(t) = self.tasks.remove(&task) {
            if self.calls.get(&t.call) == Some(&task) {
                self.calls.remove(&t.call);
            }
            self.event(EventKind::TaskClosed { task, outcome });
        }
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
                let value = t.vars.get(i).cloned().flatten().unwrap_or_default();
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
