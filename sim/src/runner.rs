//! Replays one scenario: builds the engine and its virtual parties, runs the
//! timeline in virtual time, renders the trace, collects statistics, checks the
//! invariants after every step and the expectations at their times.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use compact_str::CompactString;
use switchboard_core::dtmf::Digit;
use switchboard_core::event::EventKind;
use switchboard_core::ids::*;
use switchboard_core::render::{self, CallNames};
use switchboard_core::stats::{Report, StatsCollector};
use switchboard_core::{
    AgentAction, Engine, EngineOptions, Input, Output, PhoneEvent, Refusal, SimDuration, SimTime,
    Tenant,
};

use crate::driver::{AfterRona, AgentBehaviour, CallerBehaviour, Driver, Hooks, Stim};
use crate::expect::{self, CallerSeen, Seen, When};
use crate::scenario::{LoadError, Scenario, Setup, StepSpec};

/// The outcome of one scenario.
#[derive(Clone, Debug)]
pub struct ScenarioResult {
    pub path: String,
    pub title: String,
    pub rules: Vec<String>,
    /// Every failed expectation or invariant, one sentence each; empty when it passed.
    pub failures: Vec<String>,
    /// One line per output.
    pub trace: Vec<String>,
    pub report: Report,
    pub end: SimTime,
}

impl ScenarioResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The golden form: header, trace and statistics.
    pub fn golden(&self) -> String {
        let mut s = format!("{}\nrules: {}\n\n", self.title, self.rules.join(", "));
        for line in &self.trace {
            s.push_str(line);
            s.push('\n');
        }
        s.push_str(&format!(
            "\n--- statistics at {} ---\n{}",
            self.end, self.report
        ));
        s
    }
}

/// Every `do = "..."` a scripted step accepts.
pub const ACTIONS: &[&str] = &[
    "login",
    "logout",
    "available",
    "idle",
    "accept",
    "hold",
    "resume",
    "end",
    "wrap_up",
    "pick_up",
    "put_down",
    "phone_ringing",
    "phone_fail",
    "hang_up",
    "press",
    "reconfigure",
];

/// Default instant of 00:00:00: Monday 2026-01-05 09:00 UTC.
pub const DEFAULT_START: &str = "2026-01-05T09:00:00Z";

/// What a scripted step does, resolved against the tenant.
#[derive(Clone, Debug)]
enum Action {
    Agent(AgentIdx, AgentAction, Option<String>),
    Phone(AgentIdx, PhoneEvent),
    HangUp(String),
    Press(String, Vec<Digit>),
    Reconfigure(String),
}

/// Where a scripted action comes from.
#[derive(Copy, Clone, Debug)]
enum Origin {
    /// `login = ...` of an agent.
    Login,
    /// The scenario's `[[step]]` number (0-based).
    Step(usize),
}

struct Checkpoint {
    when: When,
    index: usize,
}

struct Run<'a> {
    scenario: &'a Scenario,
    tenant: Arc<Tenant>,
    call_names: BTreeMap<CallId, String>,
    caller_calls: BTreeMap<String, CallId>,
    call_tasks: BTreeMap<CallId, TaskId>,
    trace: Vec<String>,
    stats: StatsCollector,
    failures: Vec<String>,
    checkpoints: Vec<Checkpoint>,
    next_checkpoint: usize,
    last_event: SimTime,
    open_offers: BTreeSet<TaskId>,
    live_tasks: BTreeSet<TaskId>,
    stopped: bool,
    actions: Vec<(Origin, Action)>,
}

struct Names<'a>(&'a BTreeMap<CallId, String>);

impl CallNames for Names<'_> {
    fn call_name(&self, call: CallId) -> String {
        self.0
            .get(&call)
            .map_or_else(|| format!("call {}", call.0), |n| format!("caller {n}"))
    }
}

fn parse_start(text: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|d| d.timestamp_micros())
        .map_err(|_| {
            format!(
                "start \"{text}\" is not an RFC 3339 instant such as \"2026-01-05T09:00:00+01:00\""
            )
        })
}

fn invalid(s: &Scenario, message: String) -> LoadError {
    LoadError::Invalid {
        path: s.path.display().to_string(),
        message,
    }
}

fn agent_behaviour(s: &Scenario, t: &Tenant, id: &str) -> Result<AgentBehaviour, LoadError> {
    let spec = &s.file.agents[id];
    let mut b = AgentBehaviour::default();
    if let Some(d) = spec.ring_delay {
        b.ring_delay = d;
    }
    b.answer = match spec.answer.as_deref() {
        None => Some(SimDuration::from_secs(2)),
        Some("never") => None,
        Some(text) => Some(
            SimDuration::parse(text)
                .map_err(|e| invalid(s, format!("agents.{id}.answer: {e} (or \"never\")")))?,
        ),
    };
    b.fail = spec.fail;
    b.end_after = spec.end_after;
    if let Some(reason) = &spec.wrap_up {
        let r = t.wrap_up_reason_by_name(reason).ok_or_else(|| {
            invalid(
                s,
                format!("agents.{id}.wrap_up: \"{reason}\" is not a wrap-up reason"),
            )
        })?;
        b.wrap_up = Some((r, spec.wrap_up_after.unwrap_or(SimDuration::from_secs(5))));
    } else if spec.wrap_up_after.is_some() {
        return Err(invalid(
            s,
            format!("agents.{id}.wrap_up_after needs wrap_up = \"<reason>\""),
        ));
    }
    if let Some(d) = spec.hang_up_after {
        b.hang_up_after = d;
    }
    if let Some(choice) = &spec.after_rona {
        let c = match choice.split_once(':') {
            None if choice == "available" => AfterRona::Available,
            Some(("idle", reason)) => {
                AfterRona::Idle(t.idle_reason_by_name(reason).ok_or_else(|| {
                    invalid(
                        s,
                        format!("agents.{id}.after_rona: \"{reason}\" is not an idle reason"),
                    )
                })?)
            }
            _ => {
                return Err(invalid(
                    s,
                    format!(
                        "agents.{id}.after_rona: \"{choice}\" is neither \"available\" nor \"idle:<reason>\""
                    ),
                ));
            }
        };
        b.after_rona = Some((
            c,
            spec.after_rona_delay.unwrap_or(SimDuration::from_secs(5)),
        ));
    }
    Ok(b)
}

fn parse_keys(s: &Scenario, what: &str, keys: &str) -> Result<Vec<Digit>, LoadError> {
    keys.chars()
        .map(|c| {
            Digit::from_char(c).ok_or_else(|| {
                invalid(
                    s,
                    format!("{what}: '{c}' is not a key of the phone (0-9, *, #)"),
                )
            })
        })
        .collect()
}

fn resolve_step(s: &Scenario, t: &Tenant, n: usize, step: &StepSpec) -> Result<Action, LoadError> {
    let at = format!("step #{} (at {})", n + 1, step.at);
    let agent = match &step.agent {
        Some(id) => Some(t.agent_by_id(id).ok_or_else(|| {
            invalid(
                s,
                format!("{at}: there is no agent \"{id}\" in the configuration"),
            )
        })?),
        None => None,
    };
    if let Some(c) = &step.caller
        && !s.file.callers.contains_key(c)
    {
        return Err(invalid(
            s,
            format!("{at}: there is no caller \"{c}\" under [callers]"),
        ));
    }
    let need_agent = || {
        agent.ok_or_else(|| {
            invalid(
                s,
                format!("{at}: do = \"{}\" needs agent = \"...\"", step.action),
            )
        })
    };
    let reason_idle = |name: &Option<String>| -> Result<Option<IdleReasonIdx>, LoadError> {
        match name {
            None => Ok(None),
            Some(r) => t
                .idle_reason_by_name(r)
                .map(Some)
                .ok_or_else(|| invalid(s, format!("{at}: \"{r}\" is not an idle reason"))),
        }
    };
    let task_action = |f: fn(TaskId) -> AgentAction| -> Result<Action, LoadError> {
        Ok(Action::Agent(
            need_agent()?,
            f(TaskId(0)),
            step.caller.clone(),
        ))
    };
    Ok(match step.action.as_str() {
        "login" => Action::Agent(need_agent()?, AgentAction::Login, None),
        "logout" => Action::Agent(need_agent()?, AgentAction::Logout, None),
        "available" => Action::Agent(need_agent()?, AgentAction::SetAvailable, None),
        "idle" => {
            let reason = reason_idle(&step.reason)?
                .ok_or_else(|| invalid(s, format!("{at}: do = \"idle\" needs reason = \"...\"")))?;
            Action::Agent(need_agent()?, AgentAction::SetIdle { reason }, None)
        }
        "accept" => task_action(|task| AgentAction::Accept { task })?,
        "hold" => task_action(|task| AgentAction::Hold { task })?,
        "resume" => task_action(|task| AgentAction::Resume { task })?,
        "end" => task_action(|task| AgentAction::End { task })?,
        "wrap_up" => {
            let name = step.reason.as_ref().ok_or_else(|| {
                invalid(s, format!("{at}: do = \"wrap_up\" needs reason = \"...\""))
            })?;
            let reason = t
                .wrap_up_reason_by_name(name)
                .ok_or_else(|| invalid(s, format!("{at}: \"{name}\" is not a wrap-up reason")))?;
            let idle = reason_idle(&step.idle)?;
            Action::Agent(
                need_agent()?,
                AgentAction::WrapUp {
                    task: TaskId(0),
                    reason,
                    idle,
                },
                step.caller.clone(),
            )
        }
        "pick_up" => Action::Phone(need_agent()?, PhoneEvent::Answered),
        "put_down" => Action::Phone(need_agent()?, PhoneEvent::HungUp),
        "phone_ringing" => Action::Phone(need_agent()?, PhoneEvent::Ringing),
        "phone_fail" => Action::Phone(need_agent()?, PhoneEvent::Failed),
        "hang_up" => {
            Action::HangUp(step.caller.clone().ok_or_else(|| {
                invalid(s, format!("{at}: do = \"hang_up\" needs caller = \"...\""))
            })?)
        }
        "press" => {
            let caller = step.caller.clone().ok_or_else(|| {
                invalid(s, format!("{at}: do = \"press\" needs caller = \"...\""))
            })?;
            let keys = step
                .keys
                .as_deref()
                .ok_or_else(|| invalid(s, format!("{at}: do = \"press\" needs keys = \"...\"")))?;
            Action::Press(caller, parse_keys(s, &at, keys)?)
        }
        "reconfigure" => Action::Reconfigure(
            s.reconfigure_text(step)
                .map_err(|e| invalid(s, format!("{at}: {e}")))?,
        ),
        other => {
            return Err(invalid(
                s,
                format!(
                    "{at}: unknown action \"{other}\"; use one of {} (docs/scenarios.md)",
                    ACTIONS.join(", ")
                ),
            ));
        }
    })
}

/// Checks the names an expectation uses before the run, so a typo is a load error.
fn validate_expect(
    s: &Scenario,
    t: &Tenant,
    n: usize,
    e: &crate::scenario::ExpectSpec,
) -> Result<When, LoadError> {
    let at = format!("expect #{}", n + 1);
    let when = expect::parse_when(&e.at).map_err(|m| invalid(s, format!("{at}: at = {m}")))?;
    if let Some(a) = &e.agent
        && t.agent_by_id(a).is_none()
    {
        return Err(invalid(
            s,
            format!("{at}: there is no agent \"{a}\" in the configuration"),
        ));
    }
    if let Some(a) = &e.with_agent
        && t.agent_by_id(a).is_none()
    {
        return Err(invalid(
            s,
            format!("{at}: there is no agent \"{a}\" in the configuration"),
        ));
    }
    if let Some(c) = &e.caller
        && !s.file.callers.contains_key(c)
    {
        return Err(invalid(
            s,
            format!("{at}: there is no caller \"{c}\" under [callers]"),
        ));
    }
    if let Some(q) = &e.queue
        && t.queue_by_name(q).is_none()
    {
        return Err(invalid(
            s,
            format!("{at}: there is no queue \"{q}\" in the configuration"),
        ));
    }
    let checks = [
        e.state.is_some(),
        e.off_hook.is_some(),
        e.stage.is_some(),
        e.position.is_some(),
        e.with_agent.is_some(),
        e.held.is_some(),
        e.recording.is_some(),
        e.waiting.is_some(),
        e.trace.is_some(),
        e.no_trace.is_some(),
        e.stats.is_some(),
        e.queue.is_some() && e.caller.is_some(),
        e.ewt.is_some(),
        e.entry_point.is_some(),
    ];
    if !checks.iter().any(|c| *c) {
        return Err(invalid(
            s,
            format!("{at}: expects nothing; give state, stage, position, waiting, trace, stats..."),
        ));
    }
    Ok(when)
}

/// The result of a scenario whose configuration is rejected: each expected piece of
/// text must be found in its own error, and there must be no other error.
fn rejected(s: &Scenario, lines: &[String], expected: &[String]) -> ScenarioResult {
    let mut failures = Vec::new();
    let mut unmatched: Vec<&String> = lines.iter().collect();
    for want in expected {
        match unmatched.iter().position(|l| l.contains(want.as_str())) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => failures.push(format!(
                "{}: no configuration error contains \"{want}\"",
                s.path.display()
            )),
        }
    }
    for extra in unmatched {
        failures.push(format!(
            "{}: an unexpected configuration error: {extra}",
            s.path.display()
        ));
    }
    let mut trace = vec![format!(
        "configuration rejected with {} error(s):",
        lines.len()
    )];
    trace.extend(lines.iter().cloned());
    ScenarioResult {
        path: s.path.display().to_string(),
        title: s.file.title.clone(),
        rules: s.file.rules.clone(),
        failures,
        trace,
        report: Report::default(),
        end: SimTime::ZERO,
    }
}

/// Loads and replays a scenario file.
pub fn replay_file(path: &Path) -> Result<ScenarioResult, LoadError> {
    let scenario = Scenario::load(path)?;
    replay(&scenario)
}

/// Replays a loaded scenario.
pub fn replay(s: &Scenario) -> Result<ScenarioResult, LoadError> {
    let tenant = match (&s.setup, &s.file.config_errors) {
        (Setup::Rejected(lines), Some(expected)) => return Ok(rejected(s, lines, expected)),
        (Setup::Rejected(lines), None) => return Err(LoadError::Config(lines.join("\n"))),
        (Setup::Ready(_), Some(_)) => {
            return Ok(ScenarioResult {
                path: s.path.display().to_string(),
                title: s.file.title.clone(),
                rules: s.file.rules.clone(),
                failures: vec![format!(
                    "{}: config_errors expects the configuration to be rejected, but it is valid",
                    s.path.display()
                )],
                trace: Vec::new(),
                report: Report::default(),
                end: SimTime::ZERO,
            });
        }
        (Setup::Ready(t), None) => Arc::new((**t).clone()),
    };
    let epoch =
        parse_start(s.file.start.as_deref().unwrap_or(DEFAULT_START)).map_err(|m| invalid(s, m))?;
    let engine = Engine::new(
        tenant.clone(),
        EngineOptions {
            epoch_unix_micros: epoch,
        },
    );
    let mut driver = Driver::new(engine);

    for (name, len) in &s.file.prompts {
        let p = tenant.prompt_by_name(name).ok_or_else(|| {
            invalid(
                s,
                format!("prompts.{name}: there is no prompt \"{name}\" in the configuration"),
            )
        })?;
        driver.set_prompt_len(p, *len);
    }
    let mut script: Vec<(SimTime, usize)> = Vec::new();
    let mut actions = Vec::new();
    for id in s.file.agents.keys() {
        let a = tenant.agent_by_id(id).ok_or_else(|| {
            invalid(
                s,
                format!("agents.{id}: there is no agent \"{id}\" in the configuration"),
            )
        })?;
        driver.set_agent(a, agent_behaviour(s, &tenant, id)?);
        if let Some(at) = s.file.agents[id].login {
            script.push((SimTime::ZERO + at, actions.len()));
            actions.push((Origin::Login, Action::Agent(a, AgentAction::Login, None)));
        }
    }
    let mut call_names = BTreeMap::new();
    let mut caller_calls = BTreeMap::new();
    for (i, (name, c)) in s.file.callers.iter().enumerate() {
        let call = CallId(i as u64 + 1);
        let keys = c
            .keys
            .iter()
            .map(|k| {
                let mut ch = k.chars();
                match (ch.next().and_then(Digit::from_char), ch.next()) {
                    (Some(d), None) => Ok(d),
                    _ => Err(invalid(
                        s,
                        format!("callers.{name}.keys: \"{k}\" is not one key of the phone"),
                    )),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        driver.add_caller(
            call,
            SimTime::ZERO + c.at,
            CallerBehaviour {
                from: CompactString::from(c.from.as_str()),
                to: CompactString::from(c.to.as_str()),
                patience: c.patience,
                talk: c.talk,
                keys,
                key_delay: c.key_delay.unwrap_or(SimDuration::from_secs(1)),
            },
        );
        call_names.insert(call, name.clone());
        caller_calls.insert(name.clone(), call);
    }
    for (n, step) in s.file.steps.iter().enumerate() {
        let action = resolve_step(s, &tenant, n, step)?;
        script.push((SimTime::ZERO + step.at, actions.len()));
        actions.push((Origin::Step(n), action));
    }
    // Logins first at equal times (stable sort keeps the file's order otherwise).
    script.sort_by_key(|&(at, _)| at);
    for (at, i) in script {
        driver.schedule(at, Stim::Script(i));
    }
    let mut checkpoints = Vec::new();
    for (n, e) in s.file.expects.iter().enumerate() {
        let when = validate_expect(s, &tenant, n, e)?;
        checkpoints.push(Checkpoint { when, index: n });
    }
    checkpoints.sort_by_key(|c| c.when);

    let mut run = Run {
        scenario: s,
        tenant: tenant.clone(),
        call_names,
        caller_calls,
        call_tasks: BTreeMap::new(),
        trace: Vec::new(),
        stats: StatsCollector::new(),
        failures: Vec::new(),
        checkpoints,
        next_checkpoint: 0,
        last_event: SimTime::ZERO,
        open_offers: BTreeSet::new(),
        live_tasks: BTreeSet::new(),
        stopped: false,
        actions,
    };
    let end = s.file.end.map(|d| SimTime::ZERO + d);
    let finished = driver.run(&mut run, end);
    if !run.stopped {
        // Expectations at times after the last activity, then those "at end".
        while run.next_checkpoint < run.checkpoints.len() {
            let i = run.next_checkpoint;
            run.next_checkpoint += 1;
            let c = &run.checkpoints[i];
            let (when, index) = (c.when, c.index);
            if let When::At(t) = when
                && end.is_some_and(|e| t > e)
            {
                run.failures.push(format!(
                    "{}: expect #{} is at {t}, after the scenario's end",
                    s.path.display(),
                    index + 1
                ));
                continue;
            }
            run.check_expectation(&driver, index, when);
        }
        if end.is_none() && !run.open_offers.is_empty() {
            run.failures.push(format!(
                "{}: invariant \"every offer ends\" broken at the end: offers of {:?} never ended",
                s.path.display(),
                run.open_offers
            ));
        }
    }
    let report = run.stats.report(finished);
    Ok(ScenarioResult {
        path: s.path.display().to_string(),
        title: s.file.title.clone(),
        rules: s.file.rules.clone(),
        failures: run.failures,
        trace: run.trace,
        report,
        end: finished,
    })
}

impl Run<'_> {
    fn fail(&mut self, message: String) {
        self.failures
            .push(format!("{}: {message}", self.scenario.path.display()));
    }

    fn check_expectation(&mut self, driver: &Driver, index: usize, when: When) {
        let e = &self.scenario.file.expects[index];
        let engine = &driver.engine;
        let tenant = engine.tenant().clone();
        let agent_state = |id: &str| {
            let a = tenant.agent_by_id(id)?;
            Some((
                expect::state_text(&tenant, engine.agent_state(a)?),
                engine.agent_off_hook(a)?,
            ))
        };
        let caller = |name: &str| -> Option<CallerSeen> {
            let call = *self.caller_calls.get(name)?;
            let Some(task) = self.call_tasks.get(&call) else {
                return Some(CallerSeen {
                    stage: "not_arrived".into(),
                    ..Default::default()
                });
            };
            let Some(v) = engine.task_view(*task) else {
                return Some(CallerSeen {
                    stage: "closed".into(),
                    ..Default::default()
                });
            };
            Some(CallerSeen {
                stage: v.stage.to_string(),
                position: v.position,
                queue: v.queue.map(|q| tenant.queues[q.ix()].name.clone()),
                agent: v.agent.map(|a| tenant.agents[a.ix()].id.clone()),
                held: v.held,
                recording: v.recording,
                ewt: v.ewt,
            })
        };
        let task_callers: BTreeMap<TaskId, String> = self
            .call_tasks
            .iter()
            .filter_map(|(call, task)| Some((*task, self.call_names.get(call)?.clone())))
            .collect();
        let waiting = |q: &str| {
            let q = tenant.queue_by_name(q)?;
            Some(
                engine
                    .queue_tasks(q)
                    .into_iter()
                    .map(|t| {
                        task_callers
                            .get(&t)
                            .cloned()
                            .unwrap_or_else(|| t.to_string())
                    })
                    .collect(),
            )
        };
        let now = driver.now();
        let report = || self.stats.report(now);
        let entry_point = |name: &str| {
            let ep = tenant.entry_point_by_name(name)?;
            let ep = &tenant.entry_points[ep.ix()];
            Some((
                channel_name(ep.channel).to_string(),
                queue_type_name(ep.queue_type).to_string(),
            ))
        };
        let seen = Seen {
            entry_point: &entry_point,
            trace: &self.trace,
            agent_state: &agent_state,
            caller: &caller,
            waiting: &waiting,
            report: &report,
        };
        let bad = expect::check(e, &seen);
        let when_text = match when {
            When::At(t) => t.to_string(),
            When::End => format!("end ({now})"),
        };
        for b in bad {
            self.fail(format!("expect #{} at {when_text}: {b}", index + 1));
        }
    }

    fn task_for(&self, driver: &Driver, agent: AgentIdx, caller: &Option<String>) -> TaskId {
        match caller {
            Some(name) => self
                .caller_calls
                .get(name)
                .and_then(|c| self.call_tasks.get(c))
                .copied()
                .unwrap_or(TaskId(0)),
            None => driver.engine.agent_task(agent).unwrap_or(TaskId(0)),
        }
    }

    fn step_result(&mut self, origin: Origin, result: Result<(), Refusal>) {
        let step_no = match origin {
            Origin::Login => {
                if let Err(r) = result {
                    self.fail(format!("the login of an agent was refused: {r}"));
                }
                return;
            }
            Origin::Step(n) => n,
        };
        let step = &self.scenario.file.steps[step_no];
        let label = format!(
            "step #{} (at {}, do = \"{}\")",
            step_no + 1,
            step.at,
            step.action
        );
        match (&step.refused, result) {
            (None, Ok(())) => {}
            (None, Err(r)) => self.fail(format!("{label} was refused: {r} [{}]", r.code())),
            (Some(code), Ok(())) => self.fail(format!("{label} should have been refused with \"{code}\", but it was done")),
            (Some(code), Err(r)) if r.code() != code => self.fail(format!(
                "{label} should have been refused with \"{code}\", but was refused with \"{}\": {r}",
                r.code()
            )),
            (Some(_), Err(_)) => {}
        }
    }
}

impl Hooks for Run<'_> {
    fn output(&mut self, now: SimTime, out: Output, engine: &Engine) {
        if !Arc::ptr_eq(&self.tenant, engine.tenant()) {
            self.tenant = engine.tenant().clone();
        }
        self.trace.push(render::render(
            now,
            &out,
            &self.tenant,
            &Names(&self.call_names),
        ));
        let Output::Event(e) = &out else { return };
        self.stats.observe(e, &self.tenant);
        if e.at < self.last_event {
            self.fail(format!(
                "invariant \"time never goes back\" broken: an event at {} follows one at {}",
                e.at, self.last_event
            ));
            self.stopped = true;
        }
        self.last_event = e.at;
        let broken = match &e.kind {
            EventKind::TaskCreated { task, call, .. } => {
                self.call_tasks.insert(*call, *task);
                (!self.live_tasks.insert(*task))
                    .then(|| format!("invariant \"no task duplicated\" broken: {task} created twice"))
            }
            EventKind::TaskClosed { task, .. } => (!self.live_tasks.remove(task))
                .then(|| format!("invariant \"no task lost\" broken: {task} closed but was not live")),
            EventKind::OfferConnecting { task, .. } => (!self.open_offers.insert(*task)).then(|| {
                format!("invariant \"every offer ends\" broken: {task} offered again before its offer ended")
            }),
            EventKind::OfferEnded { task, .. } => (!self.open_offers.remove(task))
                .then(|| format!("invariant \"every offer ends\" broken: an offer of {task} ended twice")),
            kind => kind.task().filter(|t| !self.live_tasks.contains(t)).map(|task| {
                format!("invariant \"no task lost\" broken: an event about {task}, which is not live")
            }),
        };
        if let Some(message) = broken {
            self.fail(message);
            self.stopped = true;
        }
    }

    fn script(&mut self, driver: &mut Driver, index: usize) {
        let (origin, action) = self.actions[index].clone();
        let result = match action {
            Action::Agent(agent, mut act, caller) => {
                let task = self.task_for(driver, agent, &caller);
                match &mut act {
                    AgentAction::Accept { task: t }
                    | AgentAction::Hold { task: t }
                    | AgentAction::Resume { task: t }
                    | AgentAction::End { task: t }
                    | AgentAction::WrapUp { task: t, .. } => *t = task,
                    _ => {}
                }
                driver.input(Input::Agent { agent, action: act })
            }
            Action::Phone(agent, event) => driver.input(Input::Phone { agent, event }),
            Action::HangUp(caller) => {
                let call = self.caller_calls[&caller];
                driver.input(Input::CustomerHungUp { call })
            }
            Action::Press(caller, keys) => {
                let call = self.caller_calls[&caller];
                let mut r = Ok(());
                for digit in keys {
                    r = r.and(driver.input(Input::CustomerDigit { call, digit }));
                }
                r
            }
            Action::Reconfigure(text) => driver.input(Input::Reconfigure { config: text }),
        };
        self.step_result(origin, result);
    }

    fn stepped(&mut self, driver: &Driver) -> bool {
        if let Err(v) = driver.engine.audit() {
            self.fail(format!(
                "{v} after engine step {} at {}",
                driver.steps(),
                driver.now()
            ));
            self.stopped = true;
        }
        !self.stopped
    }

    fn next_check(&self) -> Option<SimTime> {
        match self.checkpoints.get(self.next_checkpoint)?.when {
            When::At(t) => Some(t),
            When::End => None,
        }
    }

    fn check(&mut self, driver: &Driver, _at: SimTime) {
        let c = &self.checkpoints[self.next_checkpoint];
        let (index, when) = (c.index, c.when);
        self.next_checkpoint += 1;
        self.check_expectation(driver, index, when);
    }
}

fn channel_name(c: switchboard_core::config::ChannelKind) -> &'static str {
    use switchboard_core::config::ChannelKind::*;
    match c {
        Telephony => "telephony",
        Chat => "chat",
        Email => "email",
        Social => "social",
    }
}

fn queue_type_name(q: switchboard_core::config::QueueType) -> &'static str {
    match q {
        switchboard_core::config::QueueType::Inbound => "inbound",
        switchboard_core::config::QueueType::Outbound => "outbound",
    }
}
