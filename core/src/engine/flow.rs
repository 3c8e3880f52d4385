//! The flow interpreter (FLW-01, CHN-06): runs a task through its entry point's
//! flow. Steps that take no time (business-hours branches, sets) run at once; a
//! prompt or a menu waits for its result from outside; a queue step hands the task
//! to routing; a disconnect (or a flow that runs out of steps) ends the call.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::config::Step;
use crate::dtmf::Digit;
use crate::event::{EventClass, EventKind, Ignored, StepOutcome, TaskOutcome};
use crate::ids::*;
use crate::legs::Leg;
use crate::output::Effect;
use crate::refusal::Refusal;

use super::Engine;
use super::tasks::Stage;
use super::timers::{TimerKey, TimerKind};

/// A safety net only: validation already refuses loops of steps that take no time.
const MAX_STEPS_AT_ONCE: usize = 1_000;

/// What a task in its flow waits for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum FlowWait {
    /// Running now (never seen between inputs).
    Running,
    /// A prompt to finish, then the step's `next`.
    Prompt { step: StepIdx, request: RequestId },
    /// A menu's key: `request` while its prompt plays, `timer` after.
    Menu {
        step: StepIdx,
        request: Option<RequestId>,
        attempt: u8,
        timer: Option<TimerKey>,
    },
    /// A goodbye prompt to finish before hanging up.
    Goodbye { request: RequestId },
}

impl Engine {
    fn flow_event(&mut self, task: TaskId, flow: FlowIdx, step: StepIdx, outcome: StepOutcome) {
        self.event_of(EventClass::FlowStep, || EventKind::FlowStep {
            task,
            flow,
            step,
            outcome,
        });
    }

    fn set_wait(&mut self, task: TaskId, wait: FlowWait) {
        self.tasks.get_mut(&task).expect("live task").stage = Stage::Flow(wait);
    }

    /// Runs the flow from `step` until the task waits, queues or ends. `from` is the
    /// step that led here (named if the flow runs out of steps at once).
    pub(crate) fn run_flow(&mut self, task: TaskId, from: StepIdx, step: Option<StepIdx>) {
        let Some(flow) = self.tasks[&task].flow else {
            self.disconnect(task);
            return;
        };
        // The step is looked up afresh at each turn, and what an arm needs is
        // copied out before it changes the engine: no hold on the
        // configuration (an `Arc` clone here cost two atomic operations per
        // call in a plan).
        let mut current = step;
        let mut last = from;
        for _ in 0..MAX_STEPS_AT_ONCE {
            let Some(s) = current else {
                self.flow_event(task, flow, last, StepOutcome::End);
                self.disconnect(task);
                return;
            };
            last = s;
            match &self.tenant.flows[flow.ix()].steps[s.ix()] {
                &Step::BusinessHours {
                    hours,
                    open,
                    closed,
                    holiday,
                } => {
                    let ep = self.tasks[&task].ep;
                    let tz = self.tenant.entry_points[ep.ix()].timezone;
                    let wall = self
                        .opts
                        .epoch_unix_micros
                        .saturating_add(self.now.0 as i64);
                    let status = self.tenant.hours[hours.ix()].status_at(tz, wall);
                    self.flow_event(task, flow, s, StepOutcome::Hours { status });
                    current = Some(match status {
                        crate::config::HoursStatus::Open => open,
                        crate::config::HoursStatus::Closed => closed,
                        crate::config::HoursStatus::Holiday => holiday,
                    });
                }
                &Step::Play { prompt, .. } => {
                    let request = self.new_request();
                    self.set_wait(task, FlowWait::Prompt { step: s, request });
                    self.flow_event(task, flow, s, StepOutcome::Play { prompt });
                    self.play(task, prompt, request, false);
                    return;
                }
                Step::Menu { .. } => {
                    self.start_menu(task, flow, s, 1);
                    return;
                }
                Step::Set { var, value, next } => {
                    let (var, next) = (*var, *next);
                    let text = self.expand(task, &value.0);
                    let secure = self.tenant.flows[flow.ix()].variables[var.ix()].secure;
                    let t = self.tasks.get_mut(&task).expect("live task");
                    if let Some(slot) = t.vars.get_mut(var.ix()) {
                        slot.value = Some(text.clone());
                        slot.version += 1;
                        slot.saved_by = None;
                        slot.saver_left = false;
                    }
                    let shown = (!secure).then(|| Box::<str>::from(text.as_str()));

                    self.flow_event(task, flow, s, StepOutcome::Set { var, value: shown });
                    current = next;
                }
                &Step::Queue {
                    queue,
                    priority,
                    overflow,
                    courtesy,
                } => {
                    self.queue_caller(task, queue, priority, overflow, courtesy);
                    return;
                }
                Step::Callback {
                    queue,
                    number,
                    prompt,
                    priority,
                    next,
                } => {
                    let (queue, prompt, priority, next) = (*queue, *prompt, *priority, *next);
                    let text = self.expand(task, &number.0);
                    match crate::dialnum::DialNumber::parse(&text) {
                        Ok(number) => {
                            self.flow_event(
                                task,
                                flow,
                                s,
                                StepOutcome::Callback {
                                    number: Some(number.clone()),
                                },
                            );
                            self.flow_callback(task, queue, number, prompt, priority);
                            return;
                        }
                        Err(_) => {
                            self.flow_event(task, flow, s, StepOutcome::Callback { number: None });
                            current = next;
                        }
                    }
                }
                &Step::Disconnect { prompt } => {
                    self.flow_event(task, flow, s, StepOutcome::Disconnect);
                    match prompt {
                        Some(prompt) => {
                            let request = self.new_request();
                            self.set_wait(task, FlowWait::Goodbye { request });
                            self.play(task, prompt, request, false);
                        }
                        None => self.disconnect(task),
                    }
                    return;
                }
            }
        }
        self.flow_event(task, flow, last, StepOutcome::End);
        self.disconnect(task);
    }

    /// The flow hangs up on the caller.
    fn disconnect(&mut self, task: TaskId) {
        self.release_customer(task);
        self.customer_gone(task, TaskOutcome::Disconnected);
    }

    /// Plays a prompt to the task's caller (a flow speaks only to callers who called in).
    fn play(&mut self, task: TaskId, prompt: PromptIdx, request: RequestId, collect_digits: bool) {
        if let Leg::Customer(call) = self.tasks[&task].customer {
            self.effect(Effect::PlayPrompt {
                call,
                prompt,
                request,
                collect_digits,
            });
        }
    }

    /// Replaces `{ani}`, `{dnis}`, `{digits}` and `{entry_point}` (CAD-02 caps the length).
    fn expand(&self, task: TaskId, template: &str) -> CompactString {
        let t = &self.tasks[&task];
        let mut out = CompactString::default();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    match &after[..close] {
                        "ani" => out.push_str(&t.from),
                        "dnis" => out.push_str(&t.to),
                        "digits" => {
                            if let Some(d) = t.digit {
                                out.push(d.as_char());
                            }
                        }
                        "entry_point" => out.push_str(&self.tenant.entry_points[t.ep.ix()].name),
                        other => {
                            out.push('{');
                            out.push_str(other);
                            out.push('}');
                        }
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        match out
            .char_indices()
            .nth(crate::config::compile::MAX_VALUE_CHARS)
        {
            Some((cut, _)) => CompactString::from(&out[..cut]),
            None => out,
        }
    }

    fn start_menu(&mut self, task: TaskId, flow: FlowIdx, step: StepIdx, attempt: u8) {
        let Step::Menu { prompt, .. } = &self.tenant.flows[flow.ix()].steps[step.ix()] else {
            return;
        };
        let prompt = *prompt;
        let request = self.new_request();
        self.set_wait(
            task,
            FlowWait::Menu {
                step,
                request: Some(request),
                attempt,
                timer: None,
            },
        );
        self.flow_event(task, flow, step, StepOutcome::Menu { prompt, attempt });
        self.play(task, prompt, request, true);
    }

    pub(crate) fn prompt_finished(
        &mut self,
        call: CallId,
        request: RequestId,
    ) -> Result<(), Refusal> {
        let Some(&task) = self.calls.get(&call) else {
            self.event(EventKind::Ignored {
                what: Ignored::StalePrompt,
            });
            return Ok(());
        };
        if self.waiting_prompt_finished(task, request) {
            return Ok(());
        }
        let t = &self.tasks[&task];
        let flow = t.flow;
        match (t.stage, flow) {
            (Stage::Flow(FlowWait::Prompt { step, request: r }), Some(flow)) if r == request => {
                let next = match &self.tenant.flows[flow.ix()].steps[step.ix()] {
                    Step::Play { next, .. } => *next,
                    _ => None,
                };
                self.set_wait(task, FlowWait::Running);
                self.run_flow(task, step, next);
            }
            (
                Stage::Flow(FlowWait::Menu {
                    step,
                    request: Some(r),
                    attempt,
                    ..
                }),
                Some(flow),
            ) if r == request => {
                let Step::Menu { timeout, .. } = &self.tenant.flows[flow.ix()].steps[step.ix()]
                else {
                    return Ok(());
                };
                let timer = self
                    .timers
                    .set(self.now + *timeout, TimerKind::MenuTimeout { task });
                self.set_wait(
                    task,
                    FlowWait::Menu {
                        step,
                        request: None,
                        attempt,
                        timer: Some(timer),
                    },
                );
            }
            (Stage::Flow(FlowWait::Goodbye { request: r }), _) if r == request => {
                self.disconnect(task)
            }
            _ => self.event(EventKind::Ignored {
                what: Ignored::StalePrompt,
            }),
        }
        Ok(())
    }

    /// A key while a menu plays or waits (AUD-03 delivers it; here it chooses).
    pub(crate) fn menu_digit(&mut self, task: TaskId, digit: Digit) {
        let t = &self.tasks[&task];
        let (
            Stage::Flow(FlowWait::Menu {
                step,
                request,
                attempt,
                timer,
            }),
            Some(flow),
        ) = (t.stage, t.flow)
        else {
            self.event(EventKind::Ignored {
                what: Ignored::DigitOutsideMenu,
            });
            return;
        };
        let customer = t.customer;
        if let Some(key) = timer {
            self.timers.cancel(key);
        }
        if let (Some(_), Leg::Customer(call)) = (request, customer) {
            self.effect(Effect::StopPrompt { call });
        }
        let tenant = self.tenant.clone();
        let Step::Menu { options, .. } = &tenant.flows[flow.ix()].steps[step.ix()] else {
            return;
        };
        let target = options.iter().find(|(d, _)| *d == digit).map(|(_, s)| *s);
        self.flow_event(
            task,
            flow,
            step,
            StepOutcome::Key {
                digit,
                matched: target.is_some(),
            },
        );
        self.set_wait(task, FlowWait::Running);
        match target {
            Some(next) => {
                self.tasks.get_mut(&task).expect("live task").digit = Some(digit);
                self.run_flow(task, step, Some(next));
            }
            None => self.menu_retry(task, flow, step, attempt),
        }
    }

    pub(crate) fn menu_timeout(&mut self, key: TimerKey, task: TaskId) {
        let Some(t) = self.tasks.get(&task) else {
            return;
        };
        let (
            Stage::Flow(FlowWait::Menu {
                step,
                attempt,
                timer,
                ..
            }),
            Some(flow),
        ) = (t.stage, t.flow)
        else {
            return;
        };
        if timer != Some(key) {
            return;
        }
        self.flow_event(task, flow, step, StepOutcome::NoKey);
        self.set_wait(task, FlowWait::Running);
        self.menu_retry(task, flow, step, attempt);
    }

    fn menu_retry(&mut self, task: TaskId, flow: FlowIdx, step: StepIdx, attempt: u8) {
        let Step::Menu {
            attempts, default, ..
        } = &self.tenant.flows[flow.ix()].steps[step.ix()]
        else {
            return;
        };
        let (attempts, default) = (*attempts, *default);
        if attempt < attempts {
            self.start_menu(task, flow, step, attempt + 1);
        } else {
            self.flow_event(task, flow, step, StepOutcome::MenuExhausted);
            self.run_flow(task, step, default);
        }
    }

    /// The caller left during the flow: disarm what the flow waited for.
    pub(crate) fn cancel_flow_wait(&mut self, wait: FlowWait) {
        if let FlowWait::Menu {
            timer: Some(key), ..
        } = wait
        {
            self.timers.cancel(key);
        }
    }
}
