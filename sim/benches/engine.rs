//! Engine benchmark (issue: the spine): 100,000 inbound calls through one queue
//! served by 50 agents, in virtual time, with the full engine (Connecting and
//! Contact Request, RONA timers armed on every offer, recording, wrap-up, callers
//! who abandon), the event log kept but not rendered. Beside it, in the same run
//! and on the same random traffic, the reference: a minimal hand-written event
//! loop that models only the queue. Reports medians of several runs.
//!
//! Run: `cargo bench -p switchboard-sim --bench engine` (add `-- --runs N`).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt::Write;
use std::sync::Arc;
use std::time::Instant;

use compact_str::CompactString;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use switchboard_core::ids::{AgentIdx, CallId};
use switchboard_core::{
    AgentAction, Engine, EngineOptions, Event, Input, Output, SimDuration, SimTime, Tenant,
};
use switchboard_sim::driver::{AgentBehaviour, Arrival, CallerBehaviour, Driver, Hooks};

const CALLS: usize = 100_000;
const AGENTS: usize = 50;
/// Mean talk time and patience (exponential), answer delay and wrap-up (fixed).
const TALK_MEAN_S: f64 = 180.0;
const PATIENCE_MEAN_S: f64 = 300.0;
const ANSWER_S: u64 = 2;
const WRAP_UP_S: u64 = 10;
/// Arrivals per second: about 92% of what 50 agents can handle.
const RATE: f64 = 0.24;

fn config() -> String {
    let mut c = String::from(
        r#"
[tenant]
name = "bench"
timezone = "UTC"
concurrent_call_limit = 1000

[wrap_up]
reasons = ["Done"]

[profiles.voice]
voice = 1

[teams.all]

[queues.support]
teams = ["all"]
recording = true

[entry_points.Support]
queue_type = "inbound"
channel = "telephony"
flow = "direct"
support_numbers = ["+18005550100"]

[flows.direct]
start = "queue"
[flows.direct.steps.queue]
type = "queue"
queue = "support"
"#,
    );
    for i in 0..AGENTS {
        let _ = write!(
            c,
            "\n[agents.a{i:02}]\nname = \"Agent {i}\"\ndn = \"{}\"\nteam = \"all\"\nprofile = \"voice\"\n",
            2000 + i
        );
    }
    c
}

fn exp(rng: &mut ChaCha8Rng, mean_s: f64) -> SimDuration {
    let u: f64 = rng.random::<f64>();
    SimDuration((-(1.0f64 - u).ln() * mean_s * 1e6) as u64)
}

/// One caller of the traffic: arrival gap, talk, patience.
#[derive(Clone, Copy)]
struct Traffic {
    gap: SimDuration,
    talk: SimDuration,
    patience: SimDuration,
}

fn traffic(seed: u64) -> Vec<Traffic> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..CALLS)
        .map(|_| Traffic {
            gap: exp(&mut rng, 1.0 / RATE),
            talk: exp(&mut rng, TALK_MEAN_S),
            patience: exp(&mut rng, PATIENCE_MEAN_S),
        })
        .collect()
}

/// The engine run: callers are added one arrival ahead, events are kept.
struct Bench<'a> {
    traffic: &'a [Traffic],
    next: usize,
    events: &'a mut Vec<Event>,
    from: CompactString,
    to: CompactString,
}

impl Bench<'_> {
    fn add_next(&mut self, driver: &mut Driver, now: SimTime) {
        if let Some(t) = self.traffic.get(self.next) {
            let at = now + t.gap;
            let call = CallId(self.next as u64 + 1);
            driver.add_caller(
                call,
                Some(at),
                CallerBehaviour {
                    from: self.from.clone(),
                    arrival: Arrival::Call {
                        to: self.to.clone(),
                    },
                    patience: Some(t.patience),
                    talk: Some(t.talk),
                    keys: Vec::new(),
                    key_delay: SimDuration::ZERO,
                },
            );
            self.next += 1;
        }
    }
}

impl Hooks for Bench<'_> {
    fn output(&mut self, _now: SimTime, out: Output, _engine: &Engine) {
        if let Output::Event(e) = out {
            self.events.push(e);
        }
    }
    fn arrival(&mut self, driver: &mut Driver, _call: CallId) {
        let now = driver.now();
        self.add_next(driver, now);
    }
}

struct EngineRun {
    secs: f64,
    events: usize,
    steps: u64,
    handled: usize,
}

fn run_engine(tenant: &Arc<Tenant>, traffic: &[Traffic], log: &mut Vec<Event>) -> EngineRun {
    log.clear();
    let start = Instant::now();
    let mut driver = Driver::new(Engine::new(tenant.clone(), EngineOptions::default()));
    let done = tenant.wrap_up_reason_by_name("Done").expect("reason");
    for a in 0..AGENTS {
        let agent = AgentIdx(a as u32);
        driver.set_agent(
            agent,
            AgentBehaviour {
                answer: Some(SimDuration::from_secs(ANSWER_S)),
                wrap_up: Some((done, SimDuration::from_secs(WRAP_UP_S))),
                ..AgentBehaviour::default()
            },
        );
        let _ = driver.input(Input::Agent {
            agent,
            action: AgentAction::Login,
        });
    }
    let mut bench = Bench {
        traffic,
        next: 0,
        events: log,
        from: CompactString::from("+15550000000"),
        to: CompactString::from("+18005550100"),
    };
    bench.add_next(&mut driver, SimTime::ZERO);
    driver.drain(&mut bench);
    driver.run(&mut bench, None);
    let secs = start.elapsed().as_secs_f64();
    let steps = driver.steps();
    drop(driver);
    let handled = bench
        .events
        .iter()
        .filter(|e| matches!(e.kind, switchboard_core::EventKind::WrapUpSubmitted { .. }))
        .count();
    EngineRun {
        secs,
        events: bench.events.len(),
        steps,
        handled,
    }
}

/// The reference: a minimal event loop of the same queue (c servers, FIFO,
/// abandonment), with none of the contact-center rules.
fn run_minimal(traffic: &[Traffic]) -> (f64, usize) {
    #[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
    enum Ev {
        Arrive(u32),
        Done,
        GiveUp(u32),
    }
    let start = Instant::now();
    let mut heap: BinaryHeap<Reverse<(u64, u64, Ev)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut waiting: VecDeque<u32> = VecDeque::new();
    let mut gone = vec![false; traffic.len()];
    let mut served = vec![false; traffic.len()];
    let mut free = AGENTS;
    let mut handled = 0usize;
    let mut t = traffic[0].gap.0;
    heap.push(Reverse((t, 0, Ev::Arrive(0))));
    while let Some(Reverse((now, _, ev))) = heap.pop() {
        match ev {
            Ev::Arrive(i) => {
                let tr = traffic[i as usize];
                if (i as usize) + 1 < traffic.len() {
                    t = now + traffic[i as usize + 1].gap.0;
                    seq += 1;
                    heap.push(Reverse((t, seq, Ev::Arrive(i + 1))));
                }
                seq += 1;
                heap.push(Reverse((now + tr.patience.0, seq, Ev::GiveUp(i))));
                waiting.push_back(i);
            }
            Ev::Done => {
                free += 1;
                handled += 1;
            }
            Ev::GiveUp(i) => {
                if !served[i as usize] {
                    gone[i as usize] = true;
                }
            }
        }
        while free > 0 {
            let Some(i) = waiting.pop_front() else { break };
            if gone[i as usize] {
                continue;
            }
            served[i as usize] = true;
            free -= 1;
            let busy = (ANSWER_S + WRAP_UP_S) * 1_000_000 + traffic[i as usize].talk.0;
            seq += 1;
            heap.push(Reverse((now + busy, seq, Ev::Done)));
        }
    }
    (start.elapsed().as_secs_f64(), handled)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(7usize);
    let tenant = Arc::new(Tenant::from_toml(&config()).expect("bench config is valid"));
    let traffic = traffic(42);
    let (mut engine_secs, mut minimal_secs) = (Vec::new(), Vec::new());
    let mut last = None;
    let mut minimal_handled = 0;
    // The event log: kept in memory, reused from run to run like a production log buffer
    // (its pages are touched once, outside the timed runs).
    let mut log: Vec<Event> = Vec::new();
    run_engine(&tenant, &traffic, &mut log);
    for _ in 0..runs {
        let r = run_engine(&tenant, &traffic, &mut log);
        engine_secs.push(r.secs);
        last = Some(r);
        let (secs, handled) = run_minimal(&traffic);
        minimal_secs.push(secs);
        minimal_handled = handled;
    }
    let r = last.expect("at least one run");
    let (e, m) = (median(engine_secs), median(minimal_secs));
    println!("engine benchmark: {CALLS} calls, one queue, {AGENTS} agents, {runs} runs (medians)");
    println!(
        "  full engine:        {:>7.3} s  {:>6.2} M calls/s  {:>6.2} M events/s  ({} events, {} engine steps, {} handled)",
        e,
        CALLS as f64 / e / 1e6,
        r.events as f64 / e / 1e6,
        r.events,
        r.steps,
        r.handled
    );
    println!(
        "  minimal queue loop: {:>7.3} s  {:>6.2} M calls/s  ({minimal_handled} handled)",
        m,
        CALLS as f64 / m / 1e6
    );
    println!(
        "  ratio: the engine runs at {:.1}% of the minimal loop's speed ({:.1}x its time)",
        100.0 * m / e,
        e / m
    );
}
