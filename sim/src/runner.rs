//! Replays one scenario: builds the engine and its virtual parties, runs the
//! timeline in virtual time, renders the trace, collects statistics, checks the
//! invariants after every step and the expectations at their times.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use compact_str::CompactString;
use switchboard_core::address::{Address, AddressKind};
use switchboard_core::audio::g711::Law;
use switchboard_core::config::PreviewAction;
use switchboard_core::dialnum::DialNumber;
use switchboard_core::dtmf::Digit;
use switchboard_core::event::{EventKind, Presence};
use switchboard_core::ids::*;
use switchboard_core::legs::Leg;
use switchboard_core::media::Media;
use switchboard_core::message::{EmailHeaders, InboundMessage, MessageContent};
use switchboard_core::render::{self, CallNames};
use switchboard_core::stats::{Report, StatsCollector};
use switchboard_core::{
    AgentAction, Engine, EngineOptions, Input, Output, Refusal, SimDuration, SimTime, Tenant,
};

use crate::audio::AudioSim;
use crate::driver::{
    AfterRona, AgentBehaviour, Arrival, CallerBehaviour, Driver, Hooks, NumberBehaviour, Stim,
    WebRequest,
};
use crate::expect::{self, CallerSeen, Seen, When};
use crate::scenario::{LoadError, Scenario, Setup};
use crate::steps::{self, Action, AgentAct, invalid, parse_keys};

pub use crate::steps::ACTIONS;

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

/// How long a scenario without `end` may run in virtual time.
const SETTLE_LIMIT: SimDuration = SimDuration::from_secs(24 * 3600);

/// Default instant of 00:00:00: Monday 2026-01-05 09:00 UTC.
pub const DEFAULT_START: &str = "2026-01-05T09:00:00Z";

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
    /// The last leg dialled for each number.
    number_legs: BTreeMap<DialNumber, LegId>,
    trace: Vec<String>,
    stats: StatsCollector,
    /// The engine's counters, recounted from its events.
    recount: crate::recount::Recount,
    failures: Vec<String>,
    checkpoints: Vec<Checkpoint>,
    next_checkpoint: usize,
    last_event: SimTime,
    open_offers: BTreeSet<(TaskId, AgentIdx)>,
    live_tasks: BTreeSet<TaskId>,
    /// The customer whose message (or whose conversation an agent starts) the
    /// engine is handling: the conversation it lands in becomes theirs.
    speaking: Option<CallId>,
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

/// Parses a delay or "never".
fn delay_or_never(
    s: &Scenario,
    what: &str,
    text: Option<&str>,
    default: SimDuration,
) -> Result<Option<SimDuration>, LoadError> {
    match text {
        None => Ok(Some(default)),
        Some("never") => Ok(None),
        Some(t) => SimDuration::parse(t)
            .map(Some)
            .map_err(|e| invalid(s, format!("{what}: {e} (or \"never\")"))),
    }
}

fn agent_behaviour(s: &Scenario, t: &Tenant, id: &str) -> Result<AgentBehaviour, LoadError> {
    let spec = &s.file.agents[id];
    let mut b = AgentBehaviour::default();
    if let Some(d) = spec.ring_delay {
        b.ring_delay = d;
    }
    b.answer = delay_or_never(
        s,
        &format!("agents.{id}.answer"),
        spec.answer.as_deref(),
        SimDuration::from_secs(2),
    )?;
    b.accept = delay_or_never(
        s,
        &format!("agents.{id}.accept"),
        spec.accept.as_deref(),
        SimDuration::from_secs(2),
    )?;
    b.fail = spec.fail;
    b.end_after = spec.end_after;
    b.reply = spec.reply;
    if let Some(p) = spec.no_answer {
        if !(0.0..=1.0).contains(&p) {
            return Err(invalid(
                s,
                format!("agents.{id}.no_answer: {p} is not a chance between 0 and 1"),
            ));
        }
        b.no_answer = p;
    }
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
    if let Some(choice) = &spec.preview {
        let action = match choice.as_str() {
            "accept" => PreviewAction::Accept,
            "skip" => PreviewAction::Skip,
            "remove" => PreviewAction::Remove,
            other => {
                return Err(invalid(
                    s,
                    format!(
                        "agents.{id}.preview: \"{other}\" is none of \"accept\", \"skip\", \"remove\""
                    ),
                ));
            }
        };
        b.preview = Some((
            action,
            spec.preview_after.unwrap_or(SimDuration::from_secs(5)),
        ));
    } else if spec.preview_after.is_some() {
        return Err(invalid(
            s,
            format!("agents.{id}.preview_after needs preview = \"accept\", \"skip\" or \"remove\""),
        ));
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

/// Checks the names an expectation uses before the run, so a typo is a load error.
fn validate_expect(
    s: &Scenario,
    t: &Tenant,
    n: usize,
    e: &crate::scenario::ExpectSpec,
) -> Result<When, LoadError> {
    let at = format!("expect #{}", n + 1);
    let when = expect::parse_when(&e.at).map_err(|m| invalid(s, format!("{at}: at = {m}")))?;
    for a in [&e.agent, &e.with_agent, &e.consulted]
        .into_iter()
        .flatten()
    {
        if t.agent_by_id(a).is_none() {
            return Err(invalid(
                s,
                format!("{at}: there is no agent \"{a}\" in the configuration"),
            ));
        }
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
    if (e.value.is_some() || e.version.is_some()) && e.variable.is_none() {
        return Err(invalid(
            s,
            format!("{at}: value and version belong with variable = \"...\""),
        ));
    }
    let checks = [
        e.state.is_some(),
        e.presence.is_some(),
        e.tasks.is_some(),
        e.off_hook.is_some(),
        e.connected.is_some(),
        e.stage.is_some(),
        e.position.is_some(),
        e.with_agent.is_some(),
        e.consulted.is_some(),
        e.held.is_some(),
        e.recording.is_some(),
        e.recording_paused.is_some(),
        e.call_state.is_some(),
        e.variable.is_some(),
        e.waiting.is_some(),
        e.trace.is_some(),
        e.no_trace.is_some(),
        e.stats.is_some(),
        e.queue.is_some() && e.caller.is_some(),
        e.ewt.is_some(),
        e.messages.is_some(),
        e.transfer_targets.is_some(),
        e.entry_point.is_some(),
        e.contacts_left.is_some(),
        e.recording_length.is_some() || e.recording_gaps.is_some(),
        e.noise_removal.is_some(),
    ];
    if e.noise_removal.is_some() && (e.caller.is_none() || !s.file.audio) {
        return Err(invalid(
            s,
            format!("{at}: noise_removal needs caller = \"...\" and `audio = true`"),
        ));
    }
    if (e.recording_length.is_some() || e.recording_gaps.is_some())
        && (e.caller.is_none() || !s.file.audio)
    {
        return Err(invalid(
            s,
            format!(
                "{at}: recording_length and recording_gaps need caller = \"...\" and `audio = true`"
            ),
        ));
    }
    if let Some(c) = &e.campaign
        && t.campaign_by_name(c).is_none()
    {
        return Err(invalid(
            s,
            format!("{at}: there is no campaign \"{c}\" in the configuration"),
        ));
    }
    if e.contacts_left.is_some() != e.campaign.is_some() {
        return Err(invalid(
            s,
            format!("{at}: contacts_left goes with campaign = \"...\""),
        ));
    }
    if !checks.iter().any(|c| *c) {
        return Err(invalid(
            s,
            format!("{at}: expects nothing; give state, stage, position, waiting, trace, stats..."),
        ));
    }
    Ok(when)
}

/// Checks a caller's recording, as read back from the WAV file written.
fn check_recording(
    e: &crate::scenario::ExpectSpec,
    driver: &Driver,
    task: Option<TaskId>,
) -> Vec<String> {
    let recorded = task.and_then(|t| driver.audio()?.recorded.get(&t));
    let Some(r) = recorded else {
        return vec!["the caller's call has no finished recording".to_string()];
    };
    let Some(path) = &r.path else {
        return vec!["the recording was not written".to_string()];
    };
    let (samples, gaps) = match std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| switchboard_core::audio::wav::read_recording(&b))
    {
        Ok(x) => x,
        Err(err) => return vec![format!("{}: {err}", path.display())],
    };
    let ms = |n: u64| SimDuration::from_millis(n / 8);
    let mut bad = Vec::new();
    if let Some(len) = e.recording_length
        && ms(samples) != len
    {
        bad.push(format!("the recording lasts {}, not {len}", ms(samples)));
    }
    if let Some(want) = &e.recording_gaps {
        let got: Vec<String> = gaps
            .iter()
            .map(|g| format!("{} for {}", ms(g.start), ms(g.len)))
            .collect();
        let want: Vec<String> = want
            .iter()
            .map(|g| format!("{} for {}", g.at, g.length))
            .collect();
        if got != want {
            bad.push(format!(
                "the recording's marked pauses are [{}], not [{}]",
                got.join(", "),
                want.join(", ")
            ));
        }
    }
    bad
}

/// Loads and replays a scenario file.
pub fn replay_file(path: &Path) -> Result<ScenarioResult, LoadError> {
    let scenario = Scenario::load(path)?;
    replay(&scenario)
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
    result(s, failures, trace, Report::default(), SimTime::ZERO)
}

fn result(
    s: &Scenario,
    failures: Vec<String>,
    trace: Vec<String>,
    report: Report,
    end: SimTime,
) -> ScenarioResult {
    ScenarioResult {
        path: s.path.display().to_string(),
        title: s.file.title.clone(),
        rules: s.file.rules.clone(),
        failures,
        trace,
        report,
        end,
    }
}

/// Replays a loaded scenario.
/// Where a scenario's recordings are written: `SWITCHBOARD_RECORDINGS` (a
/// folder) if set, else the system's temporary folder; in a subfolder named
/// after the scenario file.
fn recordings_dir(s: &Scenario) -> PathBuf {
    let base = std::env::var_os("SWITCHBOARD_RECORDINGS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("switchboard-recordings"));
    let stem = s
        .path
        .file_stem()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_default();
    base.join(stem)
}

/// The media plane of a scenario with audio: the tenant's prompts read from
/// their WAV files (relative to the configuration file).
fn audio_for(s: &Scenario, tenant: &Tenant, dir: PathBuf) -> Result<AudioSim, LoadError> {
    let config_dir = match &s.file.config {
        crate::scenario::ConfigSource::Path(p) => s
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .join(p)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        crate::scenario::ConfigSource::Inline(_) => {
            s.path.parent().map(Path::to_path_buf).unwrap_or_default()
        }
    };
    let prompts = tenant
        .prompts
        .iter()
        .map(|p| {
            if p.file.is_empty() {
                return Ok(None);
            }
            crate::audio::load(&config_dir.join(&p.file))
                .map(Some)
                .map_err(|e| invalid(s, format!("prompts.{}.file: {e}", p.name)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let law = Law::MuLaw;
    Ok(AudioSim::new(
        Media::new(law, tenant.noise_removal, prompts),
        law,
        Some(dir),
    ))
}

pub fn replay(s: &Scenario) -> Result<ScenarioResult, LoadError> {
    let tenant = match (&s.setup, &s.file.config_errors) {
        (Setup::Rejected(lines), Some(expected)) => return Ok(rejected(s, lines, expected)),
        (Setup::Rejected(lines), None) => return Err(LoadError::Config(lines.join("\n"))),
        (Setup::Ready(_), Some(_)) => {
            let why = format!(
                "{}: config_errors expects the configuration to be rejected, but it is valid",
                s.path.display()
            );
            return Ok(result(
                s,
                vec![why],
                Vec::new(),
                Report::default(),
                SimTime::ZERO,
            ));
        }
        (Setup::Ready(t), None) => Arc::new((**t).clone()),
    };
    let epoch =
        parse_start(s.file.start.as_deref().unwrap_or(DEFAULT_START)).map_err(|m| invalid(s, m))?;
    let engine = Engine::new(
        tenant.clone(),
        EngineOptions {
            epoch_unix_micros: epoch,
            ..Default::default()
        },
    );
    let mut driver = Driver::new(engine);
    if s.file.audio {
        driver.enable_audio(audio_for(s, &tenant, recordings_dir(s))?);
    }

    for (name, len) in &s.file.prompts {
        let p = tenant.prompt_by_name(name).ok_or_else(|| {
            invalid(
                s,
                format!("prompts.{name}: there is no prompt \"{name}\" in the configuration"),
            )
        })?;
        driver.set_prompt_len(p, *len);
    }
    for (text, spec) in &s.file.numbers {
        let number =
            DialNumber::parse(text).map_err(|e| invalid(s, format!("numbers.\"{text}\": {e}")))?;
        let answer = delay_or_never(
            s,
            &format!("numbers.\"{text}\".answer"),
            spec.answer.as_deref(),
            SimDuration::from_secs(3),
        )?;
        driver.set_number(
            number,
            NumberBehaviour {
                answer,
                busy: spec.busy,
                fail: spec.fail,
                talk: spec.talk,
                machine: spec.machine,
                audio: spec
                    .audio
                    .as_deref()
                    .map(|f| steps::audio_file(s, &format!("numbers.\"{text}\".audio"), f))
                    .transpose()?,
                late: spec.late,
                duplicate: spec.duplicate,
            },
        );
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
            actions.push((
                Origin::Login,
                Action::Agent {
                    agent: a,
                    act: AgentAct::Plain(AgentAction::Login),
                    caller: None,
                },
            ));
        }
    }
    let mut call_names = BTreeMap::new();
    let mut caller_calls = BTreeMap::new();
    for (i, (name, c)) in s.file.callers.iter().enumerate() {
        let call = CallId(i as u64 + 1);
        let keys = c
            .keys
            .iter()
            .map(|k| parse_keys(s, &format!("callers.{name}.keys"), k))
            .collect::<Result<Vec<_>, _>>()?;
        if keys.iter().any(|k: &Vec<Digit>| k.len() != 1) {
            return Err(invalid(
                s,
                format!("callers.{name}.keys: each entry is one key, such as \"1\""),
            ));
        }
        let arrival = match (&c.to, &c.entry_point) {
            _ if c.callback_queue.is_some() => {
                let qname = c.callback_queue.as_deref().unwrap_or_default();
                let queue = tenant.queue_by_name(qname).ok_or_else(|| {
                    invalid(
                        s,
                        format!("callers.{name}.callback_queue: there is no queue \"{qname}\""),
                    )
                })?;
                let ep = c
                    .entry_point
                    .as_deref()
                    .and_then(|e| tenant.entry_point_by_name(e))
                    .ok_or_else(|| {
                        invalid(
                            s,
                            format!(
                                "callers.{name}: a web callback needs entry_point = \"<inbound telephony entry point>\""
                            ),
                        )
                    })?;
                Arrival::WebCallback(Box::new(WebRequest {
                    ep,
                    queue,
                    name: CompactString::from(c.name.as_deref().unwrap_or_default()),
                }))
            }
            (Some(to), None) => Arrival::Call {
                to: CompactString::from(to.as_str()),
            },
            (None, Some(ep)) => {
                let ep = tenant.entry_point_by_name(ep).ok_or_else(|| {
                    invalid(
                        s,
                        format!("callers.{name}.entry_point: there is no entry point \"{ep}\""),
                    )
                })?;
                let e = &tenant.entry_points[ep.ix()];
                if c.undelivered
                    && let Ok(a) = Address::parse(AddressKind::of(e.channel, e.social), &c.from)
                {
                    driver.set_undelivered(a);
                }
                Arrival::Digital {
                    ep,
                    message: Box::new(InboundMessage {
                        from: c.from.clone(),
                        content: MessageContent {
                            subject: c.subject.clone(),
                            text: c.text.clone().unwrap_or_else(|| "Hello".to_string()),
                            parts: Vec::new(),
                        },
                        email: EmailHeaders {
                            message_id: c.message_id.as_deref().map(Into::into),
                            in_reply_to: c.in_reply_to.as_deref().map(Into::into),
                            references: Vec::new(),
                        },
                    }),
                }
            }
            _ => {
                return Err(invalid(
                    s,
                    format!(
                        "callers.{name}: give to = \"<number>\" for a call or entry_point = \"<name>\" for a digital contact"
                    ),
                ));
            }
        };
        if c.at.is_none() && !matches!(arrival, Arrival::Digital { .. }) {
            return Err(invalid(
                s,
                format!(
                    "callers.{name}: give at = \"<time>\"; only a digital customer (entry_point) may go without"
                ),
            ));
        }
        driver.add_caller(
            call,
            c.at.map(|at| SimTime::ZERO + at),
            CallerBehaviour {
                from: CompactString::from(c.from.as_str()),
                arrival,
                patience: c.patience,
                talk: c.talk,
                keys: keys.into_iter().flatten().collect(),
                key_delay: c.key_delay.unwrap_or(SimDuration::from_secs(1)),
            },
        );
        if let Some(f) = &c.audio {
            driver.set_caller_audio(
                call,
                steps::audio_file(s, &format!("callers.{name}.audio"), f)?,
            );
        }
        call_names.insert(call, name.clone());
        caller_calls.insert(name.clone(), call);
    }
    for (n, step) in s.file.steps.iter().enumerate() {
        let action = steps::resolve(s, &tenant, n, step)?;
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
        number_legs: BTreeMap::new(),
        trace: Vec::new(),
        stats: StatsCollector::new(),
        recount: crate::recount::Recount::new(),
        failures: Vec::new(),
        checkpoints,
        next_checkpoint: 0,
        last_event: SimTime::ZERO,
        open_offers: BTreeSet::new(),
        live_tasks: BTreeSet::new(),
        speaking: None,
        stopped: false,
        actions,
    };
    let end = s.file.end.map(|d| SimTime::ZERO + d);
    // A scenario without an end runs until nothing is left to happen; one that never
    // settles (an agent who never accepts, offered the same task again and again)
    // is stopped after a virtual day and fails, rather than running forever.
    let finished = driver.run_until(&mut run, end, Some(SimTime::ZERO + SETTLE_LIMIT));
    if end.is_none() && driver.pending() {
        run.fail(format!(
            "the scenario was still running after {SETTLE_LIMIT} of virtual time; give it end = \"...\" or let its parties finish"
        ));
        run.stopped = true;
    }
    if !run.stopped {
        // Expectations at times after the last activity, then those "at end".
        while run.next_checkpoint < run.checkpoints.len() {
            let i = run.next_checkpoint;
            run.next_checkpoint += 1;
            let (when, index) = (run.checkpoints[i].when, run.checkpoints[i].index);
            if let When::At(t) = when
                && end.is_some_and(|e| t > e)
            {
                run.fail(format!(
                    "expect #{} is at {t}, after the scenario's end",
                    index + 1
                ));
                continue;
            }
            run.check_expectation(&driver, index, when);
        }
        if s.file.liveness && driver.engine.live_tasks() > 0 {
            run.fail(format!(
                "liveness broken: {} task(s) still live when the run ended at {} (traffic stopped, faults healed): {}",
                driver.engine.live_tasks(),
                finished,
                run.live_tasks
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if end.is_none() && !run.open_offers.is_empty() {
            let offers: Vec<String> = run
                .open_offers
                .iter()
                .map(|(t, a)| format!("{t} to agent {}", a.0))
                .collect();
            run.fail(format!(
                "invariant \"every offer ends\" broken at the end: offers never ended: {}",
                offers.join(", ")
            ));
        }
    }
    // The audio side's own problems (a recording that could not be written, a
    // malformed telephone-event) fail the scenario too.
    for e in driver.audio().map_or(&[][..], |a| &a.errors[..]) {
        run.fail(format!("audio: {e}"));
    }
    let report = run.stats.report(finished);
    Ok(result(s, run.failures, run.trace, report, finished))
}

fn presence_text(t: &Tenant, p: Presence) -> String {
    match p {
        Presence::Idle(r) => format!("Idle({})", t.idle_reasons.get(r.ix()).map_or("?", |x| x)),
        other => other.name().to_string(),
    }
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
            Some(expect::AgentSeen {
                state: expect::state_text(&tenant, engine.agent_state(a)?),
                presence: presence_text(&tenant, engine.agent_presence(a)?),
                off_hook: engine.agent_off_hook(a)?,
                connected: engine.agent_connected(a)?,
                tasks: engine.agent_work(a).len(),
            })
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
            let variable = e.variable.as_ref().and_then(|name| {
                let var = engine.variable_by_name(*task, name)?;
                engine.variable(*task, var)
            });
            Some(CallerSeen {
                stage: v.stage.to_string(),
                position: v.position,
                queue: v.queue.map(|q| tenant.queues[q.ix()].name.clone()),
                agent: v.agent.map(|a| tenant.agents[a.ix()].id.clone()),
                consulted: v.consulted.map(|a| tenant.agents[a.ix()].id.clone()),
                held: v.held,
                recording: v.recording,
                recording_paused: v.recording_paused,
                call_state: v.call_state.map(expect::call_state_name),
                ewt: v.ewt,
                variable,
                messages: v.messages.map(|m| m.0),
                transfer_targets: v.agent.and_then(|a| engine.transfer_targets(a, *task)).map(
                    |(queues, agents)| {
                        let queues = queues
                            .into_iter()
                            .map(|q| format!("queue:{}", tenant.queues[q.ix()].name));
                        let agents = agents
                            .into_iter()
                            .map(|a| format!("agent:{}", tenant.agents[a.ix()].id));
                        queues.chain(agents).collect()
                    },
                ),
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
        let campaign = |name: &str| {
            let c = tenant.campaign_by_name(name)?;
            engine.campaign_pending(c)
        };
        let seen = Seen {
            campaign: &campaign,
            entry_point: &entry_point,
            trace: &self.trace,
            agent: &agent_state,
            caller: &caller,
            waiting: &waiting,
            report: &report,
        };
        let mut bad = expect::check(e, &seen);
        if e.recording_length.is_some() || e.recording_gaps.is_some() {
            let task = e
                .caller
                .as_ref()
                .and_then(|c| self.caller_calls.get(c))
                .and_then(|call| self.call_tasks.get(call));
            bad.extend(check_recording(e, driver, task.copied()));
        }
        if let Some(want) = e.noise_removal {
            let call = e.caller.as_ref().and_then(|c| self.caller_calls.get(c));
            let got = call.is_some_and(|call| {
                driver
                    .audio()
                    .is_some_and(|a| a.media.denoising(Leg::Customer(*call)))
            });
            if got != want {
                bad.push(format!(
                    "noise removal is {} on the caller's audio",
                    if got { "on" } else { "off" }
                ));
            }
        }
        let when_text = match when {
            When::At(t) => t.to_string(),
            When::End => format!("end ({now})"),
        };
        for b in bad {
            self.fail(format!("expect #{} at {when_text}: {b}", index + 1));
        }
    }

    /// The task an agent's step acts on: the named caller's, or the agent's own
    /// voice task, or else its first task.
    fn task_for(&self, driver: &Driver, agent: AgentIdx, caller: &Option<String>) -> TaskId {
        match caller {
            Some(name) => self
                .caller_calls
                .get(name)
                .and_then(|c| self.call_tasks.get(c))
                .copied()
                .unwrap_or(TaskId(0)),
            None => driver
                .engine
                .agent_task(agent)
                .or_else(|| driver.engine.agent_work(agent).first().map(|w| w.0))
                .unwrap_or(TaskId(0)),
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
            (None, Err(_)) if step.may_be_refused => {}
            (None, Err(r)) => self.fail(format!("{label} was refused: {r} [{}]", r.code())),
            (Some(code), Ok(())) => self.fail(format!("{label} should have been refused with \"{code}\", but it was done")),
            (Some(code), Err(r)) if r.code() != code => self.fail(format!(
                "{label} should have been refused with \"{code}\", but was refused with \"{}\": {r}",
                r.code()
            )),
            (Some(_), Err(_)) => {}
        }
    }

    /// The agent action a step asks for, on its task.
    fn agent_action(
        &self,
        driver: &Driver,
        agent: AgentIdx,
        act: AgentAct,
        caller: &Option<String>,
    ) -> AgentAction {
        let task = self.task_for(driver, agent, caller);
        let var = |name: &str| {
            driver
                .engine
                .variable_by_name(task, name)
                .unwrap_or(VarIdx(u32::MAX))
        };
        match act {
            AgentAct::Plain(a) => a,
            AgentAct::OnTask(f) => f(task),
            AgentAct::Consult(target) => AgentAction::Consult { task, target },
            AgentAct::Transfer(target) => AgentAction::Transfer { task, target },
            AgentAct::WrapUp { reason, idle } => AgentAction::WrapUp { task, reason, idle },
            AgentAct::Save {
                variable,
                value,
                version,
            } => {
                let var = var(&variable);
                let version = version
                    .or_else(|| driver.engine.variable(task, var).map(|v| v.1))
                    .unwrap_or(0);
                AgentAction::SaveVariable {
                    task,
                    var,
                    value,
                    version,
                }
            }
            AgentAct::Revert { variable } => AgentAction::RevertVariable {
                task,
                var: var(&variable),
            },
            AgentAct::Reveal { variable } => AgentAction::RevealVariable {
                task,
                var: var(&variable),
            },
            AgentAct::Send(content) => AgentAction::SendMessage { task, content },
            AgentAct::Start { ep, to, content } => {
                AgentAction::StartConversation { ep, to, content }
            }
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
        if !self.scenario.file.secrets.is_empty() {
            let shown = format!("{out:?}");
            if let Some(secret) = self
                .scenario
                .file
                .secrets
                .iter()
                .find(|s| shown.contains(*s))
            {
                self.fail(format!(
                    "invariant \"secure call data never leaves the engine\" broken: \"{secret}\" appears in an output at {now}: {}",
                    self.trace.last().map_or("", |l| l.as_str())
                ));
                self.stopped = true;
            }
        }
        let Output::Event(e) = &out else { return };
        self.stats.observe(e, &self.tenant);
        self.recount.observe(e, &self.tenant);
        if e.at < self.last_event {
            self.fail(format!(
                "invariant \"time never goes back\" broken: an event at {} follows one at {}",
                e.at, self.last_event
            ));
            self.stopped = true;
        }
        self.last_event = e.at;
        let broken = match &e.kind {
            EventKind::TaskCreated { task, customer, .. } => {
                if let Leg::Customer(call) = customer {
                    self.call_tasks.insert(*call, *task);
                }
                (!self.live_tasks.insert(*task))
                    .then(|| format!("invariant \"no task duplicated\" broken: {task} created twice"))
            }
            EventKind::ConversationOpened { task, .. } | EventKind::MessageReceived { task, .. } => {
                if let Some(call) = self.speaking {
                    self.call_tasks.insert(call, *task);
                }
                None
            }
            EventKind::Dialing { leg, number, .. } => {
                self.number_legs.insert(number.clone(), *leg);
                None
            }
            EventKind::TaskClosed { task, .. } => (!self.live_tasks.remove(task))
                .then(|| format!("invariant \"no task lost\" broken: {task} closed but was not live")),
            EventKind::OfferConnecting { task, agent } => (!self.open_offers.insert((*task, *agent))).then(|| {
                format!("invariant \"every offer ends\" broken: {task} offered to agent {} again before its offer ended", agent.0)
            }),
            EventKind::OfferEnded { task, agent, .. } => (!self.open_offers.remove(&(*task, *agent)))
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
            Action::Agent { agent, act, caller } => {
                if let (AgentAct::Start { .. }, Some(name)) = (&act, &caller) {
                    self.speaking = self.caller_calls.get(name).copied();
                }
                let action = self.agent_action(driver, agent, act, &caller);
                driver.input(Input::Agent { agent, action })
            }
            Action::Write {
                caller,
                ep,
                message,
            } => {
                let contact = self.caller_calls[&caller];
                self.speaking = Some(contact);
                driver.input(Input::MessageReceived {
                    contact,
                    ep,
                    message,
                })
            }
            Action::Phone(agent, event) => driver.input(Input::Phone { agent, event }),
            Action::HangUp(caller) => {
                let call = self.caller_calls[&caller];
                driver.input(Input::CustomerHungUp { call })
            }
            Action::NumberHangUp(number) => match self.number_legs.get(&number) {
                Some(&leg) => driver.input(Input::LegHungUp { leg }),
                None => {
                    self.fail(format!(
                        "the number {number} hangs up, but it was never dialled"
                    ));
                    Ok(())
                }
            },
            Action::Press(caller, keys) => {
                let call = self.caller_calls[&caller];
                let mut r = Ok(());
                for digit in keys {
                    r = r.and(driver.input(Input::CustomerDigit { call, digit }));
                }
                r
            }
            Action::PressTones(caller, keys) => {
                let call = self.caller_calls[&caller];
                let pcm: Vec<i16> = keys
                    .iter()
                    .flat_map(|d| crate::audio::tone(*d).to_vec())
                    .collect();
                driver.play(Leg::Customer(call), pcm.into());
                Ok(())
            }
            Action::PressEvents(caller, keys) => {
                let call = self.caller_calls[&caller];
                driver.telephone_events(Leg::Customer(call), &keys);
                Ok(())
            }
            Action::Play(caller, pcm) => {
                let call = self.caller_calls[&caller];
                driver.play(Leg::Customer(call), pcm);
                Ok(())
            }
            Action::Reconfigure(text) => driver.input(Input::Reconfigure { config: text }),
            Action::LoadContacts(campaign, csv) => {
                driver.input(Input::LoadContacts { campaign, csv })
            }
        };
        self.step_result(origin, result);
    }

    fn arrival(&mut self, _driver: &mut Driver, call: CallId) {
        self.speaking = Some(call);
    }

    fn stepped(&mut self, driver: &Driver) -> bool {
        self.speaking = None;
        if let Err(v) = driver.engine.audit() {
            self.fail(format!(
                "{v} after engine step {} at {}",
                driver.steps(),
                driver.now()
            ));
            self.stopped = true;
        } else if let Some(diff) = self.recount.differs(&driver.engine.tally()) {
            self.fail(format!(
                "invariant \"statistics recomputed from the event log equal the engine's counters\" broken after engine step {} at {}: {diff}",
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
