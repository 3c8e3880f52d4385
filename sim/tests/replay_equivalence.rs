//! Replay equivalence: the input log of a run, serialized to JSON Lines, read
//! back and replayed into a fresh engine ([`switchboard_sim::inputlog`]), gives
//! a byte-identical trace.
//!
//! Each seed drives a randomized run of a rich tenant (three agents, voice,
//! chat, email and SMS, menus, business hours, wrap-up with auto wrap-up,
//! overflow, courtesy and web callbacks, campaigns, consults and transfers):
//! callers arrive at random times with random patience, talk time and keys;
//! agents log in and out at random, answer late or never, wrap up or not, act
//! on their tasks at random; dialled numbers answer, are busy, fail or are
//! machines; the configuration changes mid-run on some seeds. The run renders
//! its trace as the scenario runner does; the replay renders its own the same
//! way, and the two must be the same bytes.

#[path = "../../core/tests/common/rich.rs"]
mod rich;
use rich::{CONFIG, LISTS};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use compact_str::CompactString;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use switchboard_core::audio::amd::{AmdResult, Cause, Verdict};
use switchboard_core::audio::g711::Law;
use switchboard_core::config::PreviewAction;
use switchboard_core::dtmf::Digit;
use switchboard_core::event::WorkPhase;
use switchboard_core::ids::*;
use switchboard_core::input::{DialOutcome, Target};
use switchboard_core::legs::Leg;
use switchboard_core::media::Media;
use switchboard_core::message::{
    EmailHeaders, InboundMessage, MessageContent, MessagePart, PartKind,
};
use switchboard_core::render::{NumberedCalls, render};
use switchboard_core::{
    AgentAction, Engine, EngineOptions, Input, Output, PhoneEvent, SimDuration, SimTime, Tenant,
};
use switchboard_sim::audio::{AudioSim, tone};
use switchboard_sim::driver::{
    AfterRona, AgentBehaviour, Arrival, CallerBehaviour, Driver, Hooks, NumberBehaviour, Stim,
    WebRequest,
};
use switchboard_sim::inputlog::{Entry, InputLog, replay_log, replay_log_with};

/// The seeds of the main test.
const SEEDS: std::ops::Range<u64> = 0..200;

/// 2024-01-01 00:00 UTC, a Monday, in microseconds since the Unix epoch.
const MONDAY: i64 = 1_704_067_200_000_000;
const HOUR_MICROS: i64 = 3_600_000_000;

fn secs(s: u64) -> SimDuration {
    SimDuration::from_secs(s)
}

fn millis(ms: u64) -> SimDuration {
    SimDuration::from_millis(ms)
}

/// Something scripted: done by [`Run::script`] when due.
#[derive(Clone, Debug)]
enum Act {
    Agent(AgentIdx, AgentAction),
    /// A random desktop action on one of the agent's tasks, drawn when due
    /// (the task ids are the engine's).
    OnTask(AgentIdx),
    /// Agent 1's next move in a consult on the task (transfer, conference...).
    AfterConsult(AgentIdx, TaskId),
    Phone(AgentIdx, PhoneEvent),
    Reconfigure(String),
    Load(CampaignIdx, String),
    /// A caller sends a key as RFC 4733 telephone-events (with audio on).
    TelephoneKey(CallId, Digit),
}

/// The run's hooks: the trace as the scenario runner renders it, the raw
/// outputs, the scripted acts, the checkpoints.
struct Run {
    acts: Vec<Act>,
    rng: ChaCha8Rng,
    trace: Vec<String>,
    outputs: Vec<(SimTime, Output)>,
    checks: Vec<SimTime>,
    next_check: usize,
}

impl Hooks for Run {
    fn output(&mut self, now: SimTime, out: Output, engine: &Engine) {
        self.trace
            .push(render(now, &out, engine.tenant(), &NumberedCalls));
        self.outputs.push((now, out));
    }

    fn script(&mut self, driver: &mut Driver, index: usize) {
        let input = match self.acts[index].clone() {
            Act::Agent(agent, action) => Input::Agent { agent, action },
            Act::OnTask(agent) => {
                // Mostly a task the agent is engaged on, where most actions apply.
                let work = driver.engine.agent_work(agent);
                let engaged = work.iter().find(|w| w.2 == WorkPhase::Engaged);
                let task = match engaged.or(work.first()) {
                    Some(w) if self.rng.random_bool(0.9) => w.0,
                    // A stale or unknown task now and then.
                    _ => TaskId(self.rng.random_range(0..12)),
                };
                let action = task_action(&mut self.rng, driver.engine.tenant(), task);
                let consult = matches!(action, AgentAction::Consult { .. });
                if driver.input(Input::Agent { agent, action }).is_ok() && consult {
                    // A consult under way: what agent 1 does next, a little later.
                    let at = driver.now() + millis(self.rng.random_range(1000..20_000));
                    driver.schedule(at, Stim::Script(self.acts.len()));
                    self.acts.push(Act::AfterConsult(agent, task));
                }
                return;
            }
            Act::AfterConsult(agent, task) => {
                let action = match self.rng.random_range(0..6) {
                    0 | 1 => AgentAction::Transfer { task, target: None },
                    2 => AgentAction::Conference { task },
                    3 => AgentAction::EndConsult { task },
                    4 => AgentAction::HoldConsulted { task },
                    _ => AgentAction::ResumeConsulted { task },
                };
                // Again later: after a refusal (the consulted party has not
                // answered yet) or a hold, mostly; after a transfer, to no avail.
                let ok = driver.input(Input::Agent { agent, action }).is_ok();
                if self.rng.random_bool(if ok { 0.4 } else { 0.7 }) {
                    let at = driver.now() + millis(self.rng.random_range(1000..20_000));
                    driver.schedule(at, Stim::Script(self.acts.len()));
                    self.acts.push(Act::AfterConsult(agent, task));
                }
                return;
            }
            Act::Phone(agent, event) => Input::Phone { agent, event },
            Act::Reconfigure(config) => Input::Reconfigure { config },
            Act::Load(campaign, csv) => Input::LoadContacts { campaign, csv },
            Act::TelephoneKey(call, digit) => {
                driver.telephone_events(Leg::Customer(call), &[digit]);
                return;
            }
        };
        let _ = driver.input(input);
    }

    fn next_check(&self) -> Option<SimTime> {
        self.checks.get(self.next_check).copied()
    }

    fn check(&mut self, _driver: &Driver, _at: SimTime) {
        self.next_check += 1;
    }
}

/// A desktop action on `task`, of any kind an agent can take on a task.
fn task_action(rng: &mut ChaCha8Rng, t: &Tenant, task: TaskId) -> AgentAction {
    let target = |rng: &mut ChaCha8Rng| match rng.random_range(0..4) {
        0 => Target::Agent(AgentIdx(rng.random_range(0..t.agents.len() as u32))),
        1 => Target::Queue(QueueIdx(rng.random_range(0..t.queues.len() as u32))),
        2 => Target::EntryPoint(EpIdx(rng.random_range(0..t.entry_points.len() as u32))),
        _ => Target::Number(
            ["+18005550101", "+48221234599", "12"][rng.random_range(0..3)].to_string(),
        ),
    };
    match rng.random_range(0..18) {
        0 => AgentAction::Hold { task },
        1 => AgentAction::Resume { task },
        2 | 3 => AgentAction::End { task },
        4 | 5 => AgentAction::Consult {
            task,
            target: target(rng),
        },
        6 => AgentAction::EndConsult { task },
        7 => AgentAction::Transfer {
            task,
            target: rng.random_bool(0.5).then(|| target(rng)),
        },
        8 => AgentAction::Conference { task },
        9 => AgentAction::Exit { task },
        10 => AgentAction::PauseRecording { task },
        11 => AgentAction::ResumeRecording { task },
        12 => AgentAction::SaveVariable {
            task,
            var: VarIdx(rng.random_range(0..4)),
            value: ["x", "12", "not a number"][rng.random_range(0..3)].to_string(),
            version: rng.random_range(0..3),
        },
        13 => AgentAction::Accept { task },
        14 => AgentAction::WrapUp {
            task,
            reason: WrapUpReasonIdx(rng.random_range(0..2)),
            idle: rng.random_bool(0.3).then_some(IdleReasonIdx(0)),
        },
        15 => AgentAction::PreviewAccept { task },
        16 => AgentAction::SendMessage {
            task,
            content: Box::new(MessageContent {
                text: "On it.".into(),
                ..Default::default()
            }),
        },
        _ => AgentAction::AcceptAll,
    }
}

fn maybe<T>(rng: &mut ChaCha8Rng, p: f64, f: impl FnOnce(&mut ChaCha8Rng) -> T) -> Option<T> {
    if rng.random_bool(p) {
        Some(f(rng))
    } else {
        None
    }
}

/// A randomized run, set up but not started.
struct Setup {
    tenant: Arc<Tenant>,
    opts: EngineOptions,
    driver: Driver,
    run: Run,
    /// Where the run ends (`None`: when nothing is left, or at `limit`).
    end: Option<SimTime>,
    limit: SimTime,
}

/// How big a run is.
#[derive(Copy, Clone)]
struct Size {
    callers: u32,
    /// Callers arrive within this many seconds.
    span_s: u64,
    task_acts: u32,
}

fn setup(seed: u64, size: Size, audio: bool) -> Setup {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let tenant = Arc::new(Tenant::from_toml(CONFIG).expect("the test configuration is valid"));
    // Tuesday (open all day), Monday 11:50 local (closing within the run), or
    // Wednesday (closed): the flow's business hours go every way.
    let epoch = match rng.random_range(0..3) {
        0 => MONDAY + 24 * HOUR_MICROS,
        1 => MONDAY + 10 * HOUR_MICROS + 50 * 60_000_000,
        _ => MONDAY + 48 * HOUR_MICROS,
    };
    let opts = EngineOptions {
        epoch_unix_micros: epoch,
        // Now and then only what the parties need (the rules are the same).
        outputs: if rng.random_bool(0.1) {
            Driver::outputs_needed(true)
        } else {
            Default::default()
        },
    };
    // Not recording yet: the caller turns it on (nothing reaches the engine
    // before the run starts).
    let mut driver = Driver::new(Engine::new(tenant.clone(), opts));
    driver.set_seed(seed ^ 0x5eed);
    if audio {
        let law = Law::MuLaw;
        let media = Media::new(law, tenant.noise_removal, vec![None; tenant.prompts.len()]);
        driver.enable_audio(AudioSim::new(media, law, None));
    }

    let p = tenant.prompt_by_name("p").expect("prompt p");
    driver.set_prompt_len(p, millis(rng.random_range(500..6000)));
    driver.set_default_number(NumberBehaviour {
        answer: maybe(&mut rng, 0.8, |r| millis(r.random_range(0..20_000))),
        busy: rng.random_bool(0.1),
        fail: rng.random_bool(0.05),
        talk: maybe(&mut rng, 0.7, |r| secs(r.random_range(1..120))),
        machine: rng.random_bool(0.15),
        audio: None,
        late: maybe(&mut rng, 0.2, |r| secs(r.random_range(1..40))),
        duplicate: maybe(&mut rng, 0.2, |r| secs(r.random_range(0..10))),
    });

    let done = tenant.wrap_up_reason_by_name("Done").expect("Done");
    let other = tenant.wrap_up_reason_by_name("Other").expect("Other");
    let brk = tenant.idle_reason_by_name("Break").expect("Break");
    let mut acts = Vec::new();
    let mut schedule = |driver: &mut Driver, at: SimTime, act: Act| {
        driver.schedule(at, Stim::Script(acts.len()));
        acts.push(act);
    };
    let horizon = size.span_s + 300;
    for a in 0..tenant.agents.len() {
        let agent = AgentIdx(a as u32);
        let b = AgentBehaviour {
            ring_delay: millis(rng.random_range(0..2000)),
            answer: maybe(&mut rng, 0.85, |r| millis(r.random_range(0..15_000))),
            accept: maybe(&mut rng, 0.85, |r| millis(r.random_range(0..10_000))),
            fail: rng.random_bool(0.05),
            end_after: maybe(&mut rng, 0.8, |r| secs(r.random_range(1..180))),
            wrap_up: maybe(&mut rng, 0.7, |r| {
                let reason = if r.random_bool(0.5) { done } else { other };
                (reason, millis(r.random_range(0..30_000)))
            }),
            hang_up_after: millis(rng.random_range(0..5000)),
            after_rona: maybe(&mut rng, 0.7, |r| {
                let to = if r.random_bool(0.7) {
                    AfterRona::Available
                } else {
                    AfterRona::Idle(brk)
                };
                (to, millis(r.random_range(0..20_000)))
            }),
            preview: maybe(&mut rng, 0.8, |r| {
                let choice = match r.random_range(0..3) {
                    0 => PreviewAction::Accept,
                    1 => PreviewAction::Skip,
                    _ => PreviewAction::Remove,
                };
                (choice, millis(r.random_range(0..8000)))
            }),
            reply: maybe(&mut rng, 0.6, |r| secs(r.random_range(1..60))),
            no_answer: if rng.random_bool(0.5) {
                rng.random_range(0.0..0.4)
            } else {
                0.0
            },
            // Every third agent's phone answers by itself (no ringing step).
            auto_answer: a % 3 == 0,
        };
        driver.set_agent(agent, b);
        if rng.random_bool(0.9) {
            let at = SimTime(rng.random_range(0..120_000_000));
            schedule(&mut driver, at, Act::Agent(agent, AgentAction::Login));
        }
        for _ in 0..rng.random_range(0..4) {
            let at = SimTime(rng.random_range(0..horizon * 1_000_000));
            let action = match rng.random_range(0..6) {
                0 => AgentAction::Logout,
                1 => AgentAction::Login,
                2 => AgentAction::SetIdle { reason: brk },
                3 => AgentAction::Outdial {
                    number: "+48221234567".into(),
                    ep: tenant.entry_point_by_name("Out"),
                },
                4 => AgentAction::PullContact {
                    campaign: CampaignIdx(rng.random_range(0..tenant.campaigns.len() as u32)),
                },
                _ => AgentAction::SetAvailable,
            };
            schedule(&mut driver, at, Act::Agent(agent, action));
        }
        if tenant.agents[a].handset && rng.random_bool(0.3) {
            let at = SimTime(rng.random_range(0..horizon * 1_000_000));
            schedule(&mut driver, at, Act::Phone(agent, PhoneEvent::Answered));
        }
    }
    for c in 0..tenant.campaigns.len() {
        if rng.random_bool(0.5) {
            let at = SimTime(rng.random_range(0..60_000_000));
            let csv = LISTS[rng.random_range(0..LISTS.len())].to_string();
            schedule(&mut driver, at, Act::Load(CampaignIdx(c as u32), csv));
        }
    }
    for _ in 0..size.task_acts {
        let agent = AgentIdx(rng.random_range(0..tenant.agents.len() as u32));
        let at = SimTime(rng.random_range(0..horizon * 1_000_000));
        schedule(&mut driver, at, Act::OnTask(agent));
    }
    if rng.random_bool(0.2) {
        let at = SimTime(rng.random_range(0..size.span_s * 1_000_000));
        let config = if rng.random_bool(0.8) {
            CONFIG.replace(
                "max_time_available = \"10s\"",
                "max_time_available = \"3s\"",
            )
        } else {
            "not a configuration".to_string()
        };
        schedule(&mut driver, at, Act::Reconfigure(config));
    }

    let line = tenant.entry_point_by_name("Line").expect("Line");
    let digital = ["Chat", "Mail", "Text"].map(|n| tenant.entry_point_by_name(n).expect(n));
    let queues = tenant.queues.len() as u32;
    for n in 1..=size.callers {
        let call = CallId(n as u64);
        let at = SimTime(rng.random_range(0..size.span_s * 1_000_000));
        let kind = rng.random_range(0..100);
        let from = CompactString::from(format!("+4860100{:04}", rng.random_range(0..30)));
        let arrival = if kind < 70 {
            let to =
                ["+18005550100", "+18005550101", "+1 800 555 0100", "999"][rng.random_range(0..4)];
            Arrival::Call { to: to.into() }
        } else if kind < 90 {
            let ep = digital[rng.random_range(0..digital.len())];
            let sender = ["v@example.com", "+48601000001", "visitor-1", ""][rng.random_range(0..4)];
            Arrival::Digital {
                ep,
                message: Box::new(InboundMessage {
                    from: sender.to_string(),
                    content: MessageContent {
                        subject: maybe(&mut rng, 0.5, |_| "Order".to_string()),
                        text: "hi".into(),
                        parts: Vec::new(),
                    },
                    email: EmailHeaders::default(),
                }),
            }
        } else {
            Arrival::WebCallback(Box::new(WebRequest {
                ep: line,
                queue: QueueIdx(rng.random_range(0..queues)),
                name: "Web".into(),
            }))
        };
        let keys = (0..rng.random_range(0..4))
            .map(|_| {
                let k = ['1', '2', '3', '9', '#'][rng.random_range(0..5)];
                Digit::from_char(k).expect("a key")
            })
            .collect::<Vec<_>>();
        if audio && matches!(arrival, Arrival::Call { .. }) {
            if let Some(&k) = keys.first()
                && rng.random_bool(0.5)
            {
                driver.set_caller_audio(call, tone(k));
            }
            if rng.random_bool(0.3) {
                let when = at + millis(rng.random_range(500..8000));
                let k = Digit::from_char(['1', '2', '3'][rng.random_range(0..3)]).expect("a key");
                schedule(&mut driver, when, Act::TelephoneKey(call, k));
            }
        }
        driver.add_caller(
            call,
            Some(at),
            CallerBehaviour {
                from,
                arrival,
                patience: maybe(&mut rng, 0.7, |r| secs(r.random_range(2..300))),
                talk: maybe(&mut rng, 0.8, |r| secs(r.random_range(2..200))),
                keys,
                key_delay: millis(rng.random_range(0..3000)),
            },
        );
    }

    let mut checks = (0..rng.random_range(0..6))
        .map(|_| SimTime(rng.random_range(0..horizon * 1_000_000)))
        .collect::<Vec<_>>();
    checks.sort();
    let end = maybe(&mut rng, 0.6, |r| {
        SimTime(r.random_range(size.span_s / 2..horizon) * 1_000_000)
    });
    Setup {
        tenant,
        opts,
        driver,
        run: Run {
            acts,
            rng: ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            trace: Vec::new(),
            outputs: Vec::new(),
            checks,
            next_check: 0,
        },
        end,
        limit: SimTime((horizon + 1800) * 1_000_000),
    }
}

/// What one seed's check found.
struct Checked {
    entries: usize,
    timeouts: usize,
    lines: usize,
}

/// Runs one seed with recording on, round-trips its log through JSON Lines,
/// replays it and compares; `Err` says how the two differ.
fn check_seed(seed: u64, size: Size, audio: bool) -> Result<Checked, String> {
    let Setup {
        tenant,
        opts,
        mut driver,
        mut run,
        end,
        limit,
    } = setup(seed, size, audio);
    driver.record_inputs();
    // The limit stops runs that would not settle (a caller who never gives
    // up, offered a callback every 10 s); the run ends there, like any other.
    driver.run_until(&mut run, end, Some(limit));
    let log = driver.take_input_log();
    if log.is_empty() {
        return Err(format!("seed {seed}: nothing was recorded"));
    }
    if !driver.take_input_log().is_empty() {
        return Err(format!("seed {seed}: a second take is not empty"));
    }

    let text = log.to_jsonl();
    let read = InputLog::from_jsonl(&text).map_err(|e| format!("seed {seed}: {e}"))?;
    if read != log {
        return Err(format!(
            "seed {seed}: the log read back from JSON Lines differs from the one written"
        ));
    }

    let mut replayed = Vec::new();
    replay_log_with(tenant.clone(), opts, &read, |at, out, engine| {
        replayed.push(render(at, &out, engine.tenant(), &NumberedCalls));
    });
    let (a, b) = (run.trace.join("\n"), replayed.join("\n"));
    if a != b {
        let i = run
            .trace
            .iter()
            .zip(&replayed)
            .position(|(x, y)| x != y)
            .unwrap_or(run.trace.len().min(replayed.len()));
        let none = "(none)".to_string();
        return Err(format!(
            "seed {seed}: the replayed trace differs at line {} (of {} run, {} replayed):\n  run:      {}\n  replayed: {}",
            i + 1,
            run.trace.len(),
            replayed.len(),
            run.trace.get(i).unwrap_or(&none),
            replayed.get(i).unwrap_or(&none),
        ));
    }
    // The raw outputs too, through the plain API.
    let outputs = replay_log(tenant, opts, &read);
    if outputs != run.outputs {
        let i = outputs
            .iter()
            .zip(&run.outputs)
            .position(|(x, y)| x != y)
            .unwrap_or(outputs.len().min(run.outputs.len()));
        return Err(format!(
            "seed {seed}: replay_log's output {} differs: run {:?}, replayed {:?}",
            i + 1,
            run.outputs.get(i),
            outputs.get(i)
        ));
    }
    Ok(Checked {
        entries: log.len(),
        timeouts: log
            .entries()
            .iter()
            .filter(|e| matches!(e, Entry::Timeout { .. }))
            .count(),
        lines: run.trace.len(),
    })
}

fn check_seeds(seeds: std::ops::Range<u64>, size: Size, audio: bool) {
    let start = Instant::now();
    let mut failures = String::new();
    let (mut entries, mut timeouts, mut lines) = (0, 0, 0);
    for seed in seeds.clone() {
        match check_seed(seed, size, audio) {
            Ok(c) => {
                entries += c.entries;
                timeouts += c.timeouts;
                lines += c.lines;
            }
            Err(e) => {
                let _ = writeln!(failures, "{e}");
            }
        }
    }
    eprintln!(
        "seeds {seeds:?}: {entries} calls ({timeouts} timeouts), {lines} trace lines, {:.2?}",
        start.elapsed()
    );
    assert!(failures.is_empty(), "replay is not equivalent:\n{failures}");
    // The runs did something: many calls, timers among them, long traces.
    let n = (seeds.end - seeds.start) as usize;
    assert!(entries > n * 20, "only {entries} calls recorded");
    assert!(timeouts > n, "only {timeouts} timeouts recorded");
    assert!(lines > n * 50, "only {lines} trace lines");
}

#[test]
fn replayed_log_gives_the_same_trace() {
    check_seeds(
        SEEDS,
        Size {
            callers: 30,
            span_s: 900,
            task_acts: 80,
        },
        false,
    );
}

#[test]
fn replayed_log_gives_the_same_trace_with_audio() {
    check_seeds(
        0..12,
        Size {
            callers: 6,
            span_s: 60,
            task_acts: 5,
        },
        true,
    );
}

#[test]
fn recording_is_off_by_default_and_changes_nothing() {
    let size = Size {
        callers: 30,
        span_s: 900,
        task_acts: 80,
    };
    for seed in 0..20 {
        let traces = [false, true].map(|record| {
            let mut s = setup(seed, size, false);
            if record {
                s.driver.record_inputs();
            }
            s.driver.run_until(&mut s.run, s.end, Some(s.limit));
            let log = s.driver.take_input_log();
            assert_eq!(log.is_empty(), !record, "seed {seed}, recording {record}");
            s.run.trace.join("\n")
        });
        assert!(
            traces[0] == traces[1],
            "seed {seed}: recording changed the run"
        );
    }
}

#[test]
fn every_kind_of_input_round_trips() {
    let mut log = InputLog::new();
    let inputs = [
        Input::CallArrived {
            call: CallId(1),
            from: "+48 \"601\" \\ ünï\n".into(),
            to: "+18005550100".into(),
        },
        Input::CustomerHungUp { call: CallId(1) },
        Input::CustomerDigit {
            call: CallId(1),
            digit: Digit::from_char('#').expect("a key"),
        },
        Input::PromptFinished {
            call: CallId(1),
            request: RequestId(u64::MAX),
        },
        Input::Phone {
            agent: AgentIdx(2),
            event: PhoneEvent::Failed,
        },
        Input::Agent {
            agent: AgentIdx(0),
            action: AgentAction::Transfer {
                task: TaskId(3),
                target: Some(Target::Number("+1 (800) 555-0199".into())),
            },
        },
        Input::Reconfigure {
            config: CONFIG.to_string(),
        },
        Input::LoadContacts {
            campaign: CampaignIdx(1),
            csv: LISTS[1].to_string(),
        },
        Input::MessageResult {
            request: RequestId(9),
            delivered: false,
        },
        Input::DialResult {
            request: RequestId(2),
            outcome: DialOutcome::Machine,
        },
        Input::LegHungUp { leg: LegId(4) },
        Input::MachineDetected {
            leg: LegId(4),
            result: AmdResult {
                verdict: Verdict::Machine,
                cause: Cause::LongGreeting,
                after_ms: 1250,
            },
        },
        Input::WebCallback {
            contact: CallId(5),
            ep: EpIdx(0),
            queue: QueueIdx(1),
            name: "Web".into(),
            number: "+48221234599".into(),
        },
        Input::MessageReceived {
            contact: CallId(6),
            ep: EpIdx(1),
            message: Box::new(InboundMessage {
                from: "v@example.com".into(),
                content: MessageContent {
                    subject: Some("RE: order".into()),
                    text: "line 1\nline 2 \u{1F600}".into(),
                    parts: vec![MessagePart {
                        kind: PartKind::InlineImage,
                        name: "p.png".into(),
                        bytes: 1234,
                        content_id: Some("c1".into()),
                    }],
                },
                email: EmailHeaders {
                    message_id: Some("<a@x>".into()),
                    in_reply_to: Some("<b@x>".into()),
                    references: vec!["<b@x>".into()],
                },
            }),
        },
        Input::Agent {
            agent: AgentIdx(1),
            action: AgentAction::WrapUp {
                task: TaskId(8),
                reason: WrapUpReasonIdx(1),
                idle: Some(IdleReasonIdx(0)),
            },
        },
    ];
    for (i, input) in inputs.into_iter().enumerate() {
        log.push_input(SimTime(i as u64 * 1000), input);
        log.push_timeout(SimTime(i as u64 * 1000 + 1));
    }
    let text = log.to_jsonl();
    assert_eq!(text.lines().count(), log.len());
    assert_eq!(InputLog::from_jsonl(&text), Ok(log));
}

#[test]
fn a_malformed_line_is_named() {
    let good = "{\"entry\":\"timeout\",\"at\":5}";
    let bad = [
        ("not json", "line 3"),
        ("{\"entry\":\"timeout\"}", "line 3"),
        ("{\"entry\":\"nap\",\"at\":1}", "line 3"),
        (
            "{\"entry\":\"input\",\"at\":1,\"input\":{\"input\":\"no_such_input\"}}",
            "line 3",
        ),
        ("{\"entry\":\"timeout\",\"at\":-1}", "line 3"),
        ("{\"entry\":\"timeout\",\"at\":1", "line 3"),
    ];
    for (line, named) in bad {
        // A blank line counts: lines are numbered as an editor shows them.
        let text = format!("{good}\n\n{line}\n{good}\n");
        let e = InputLog::from_jsonl(&text).expect_err(line);
        assert!(
            e.starts_with(&format!("input log {named} is not a valid entry: ")),
            "{line}: {e}"
        );
        assert!(!e.contains('\n'), "{line}: {e}");
        eprintln!("{e}");
    }
    assert_eq!(
        InputLog::from_jsonl("").map(|l| l.len()),
        Ok(0),
        "an empty text is an empty log"
    );
}
