//! A random world from a seed: a tenant (agents, teams, queues, entry points,
//! flows, profiles, a campaign), its traffic, how its agents and customers
//! behave, and faults and agent actions at random instants. Each seed switches
//! a random subset of features on (swarm testing): RONA-prone agents, failing
//! phones, consults, transfers, conferences, callbacks, campaigns, digital
//! tasks, business hours that close mid-run, configuration reloads (limits,
//! timeouts, teams, strategies, capacities, wrap-up, flow data) and dial results
//! the network reports late or twice.
//!
//! The world is a scenario file (a TOML table), so that the runner checks it
//! with every invariant after every step, a shrunk world is written out as a
//! regression scenario, and a failing seed is read by a person like any other
//! scenario. Every generated step may be refused (it acts at a random
//! instant); every customer gives up or hangs up in the end, and every agent
//! comes back (faults heal), so that the run must settle: `liveness = true`.

use std::collections::BTreeSet;

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use toml::{Table, Value};

/// The features a seed may switch on.
pub const FEATURES: &[&str] = &[
    "rona",
    "phone_failures",
    "hang_ups",
    "consults",
    "transfers",
    "conferences",
    "callbacks",
    "campaigns",
    "digital",
    "business_hours",
    "reloads",
    "recording",
    "dial_faults",
];

/// Features drawn from the seed's second generator (added after the first
/// generator's draws were fixed, so that adding them changed no other world).
const LATE_FEATURES: &[&str] = &["dial_faults"];

/// The generated world of one seed.
#[derive(Clone, Debug)]
pub struct World {
    pub seed: u64,
    pub features: BTreeSet<&'static str>,
    /// The scenario file.
    pub scenario: Table,
}

impl World {
    /// The scenario file's text.
    pub fn to_toml(&self) -> String {
        toml::to_string(&self.scenario).unwrap_or_default()
    }
}

fn secs(s: u64) -> Value {
    Value::String(format!("{s}s"))
}

fn table(pairs: &[(&str, Value)]) -> Value {
    let mut t = Table::new();
    for (k, v) in pairs {
        t.insert((*k).to_string(), v.clone());
    }
    Value::Table(t)
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

/// A secret (secure call data) unique to the seed.
pub fn secret(seed: u64) -> String {
    format!("SECRET{seed:016x}")
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

/// Whether agent `a` of the world of `seed` keeps a persistent connection
/// (a quarter of them, SplitMix64 of the seed and the agent).
fn persistent_connection(seed: u64, a: usize) -> bool {
    let mut z = seed ^ (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)).is_multiple_of(4)
}

/// The tenant configuration of a world.
fn config(rng: &mut ChaCha8Rng, f: &BTreeSet<&'static str>, seed: u64) -> (String, Shape) {
    // A transferred task never goes back to the agent who transferred it
    // (VOI-17): with transfers, two agents at least, all able to take any task.
    let transfers = f.contains("transfers");
    let agents = rng.random_range(if transfers { 2 } else { 1 }..=6usize);
    // Every team has an agent (agent i is in team i mod teams), so that no
    // queue is left without members for ever.
    let teams = if transfers {
        1
    } else {
        rng.random_range(1..=2usize).min(agents)
    };
    let queues = rng.random_range(1..=3usize);
    let limit = rng.random_range(1..=8u32);
    let mut c = format!(
        "[tenant]\nname = \"Sweep {seed}\"\ntimezone = \"UTC\"\nconcurrent_call_limit = {limit}\n\n\
         [wrap_up]\nreasons = [\"Done\", \"Escalated\"]\n"
    );
    if rng.random_bool(0.3) {
        c += &format!(
            "auto_after = \"{}s\"\ndefault_reason = \"Done\"\n",
            // One in five with no wrap-up time (submitted as the call ends).
            match rng.random_range(5..60) {
                s @ 16.. => s,
                _ => 0,
            }
        );
    }
    c += "\n[idle]\nreasons = [\"Break\"]\n\n[profiles.voice]\nvoice = 1\n\n";
    let digital = f.contains("digital");
    if digital {
        c += "[profiles.blended]\nvoice = 1\nchat = 2\n\n";
    }
    for t in 0..teams {
        c += &format!("[teams.t{t}]\n\n");
    }
    let mut blended = Vec::new();
    for a in 0..agents {
        let profile = if digital && (transfers || rng.random_bool(0.5)) {
            blended.push(a);
            "blended"
        } else {
            "voice"
        };
        c += &format!(
            "[agents.a{a}]\nname = \"Agent {a}\"\ndn = \"{}\"\nteam = \"t{}\"\nprofile = \"{profile}\"\n",
            1000 + a,
            a % teams
        );
        // A quarter of the agents keep a persistent connection, chosen from the
        // seed (not drawn, so that the rest of the world is what it was).
        if persistent_connection(seed, a) {
            c += "persistent_connection = true\n";
        }
        c += "\n";
    }
    if digital && blended.is_empty() {
        blended.push(0);
        c = c.replacen(
            "[agents.a0]\nname = \"Agent 0\"\ndn = \"1000\"\nteam = \"t0\"\nprofile = \"voice\"",
            "[agents.a0]\nname = \"Agent 0\"\ndn = \"1000\"\nteam = \"t0\"\nprofile = \"blended\"",
            1,
        );
    }
    let hours = f.contains("business_hours");
    if hours {
        // Open from 09:00 to 09:05 on the run's day (it starts at 09:00 UTC):
        // calls after five minutes find the line closed.
        c += "[business_hours.short]\nmon = [\"09:00-09:05\"]\n\n";
    }
    c += "[prompts.offer]\ntext = \"Press 1 to be called back.\"\n\n\
          [prompts.confirm]\ntext = \"We will call you back.\"\n\n\
          [prompts.closed]\ntext = \"We are closed.\"\n\n";
    for q in 0..queues {
        let rona = rng.random_range(5..=30);
        c += &format!(
            "[queues.q{q}]\nteams = [\"t{}\"]\nmax_time_available = \"{rona}s\"\n",
            q % teams
        );
        if f.contains("recording") && rng.random_bool(0.5) {
            c += "recording = true\n";
        }
        c += "\n";
    }
    if digital {
        let members: Vec<String> = blended.iter().map(|a| format!("\"a{a}\"")).collect();
        c += &format!("[queues.chat]\nagents = [{}]\n\n", members.join(", "));
    }
    let mut numbers = Vec::new();
    for q in 0..queues {
        let number = format!("+1800555{:04}", q);
        numbers.push(number.clone());
        c += &format!(
            "[entry_points.Ep{q}]\nqueue_type = \"inbound\"\nchannel = \"telephony\"\nflow = \"f{q}\"\nsupport_numbers = [\"{number}\"]\n\n"
        );
        c += &format!(
            "[flows.f{q}]\nstart = \"{}\"\n\n\
             [flows.f{q}.variables.account]\nlabel = \"Account\"\npopover = 1\n\n\
             [flows.f{q}.variables.tier]\nlabel = \"Tier\"\npopover = 2\ndefault = \"gold\"\n\n\
             [flows.f{q}.variables.case]\nlabel = \"Case\"\npopover = 3\neditable = true\ndefault = \"none\"\n\n\
             [flows.f{q}.variables.card]\nlabel = \"Card\"\nsecure = true\neditable = true\ndefault = \"{}\"\n\n",
            if hours { "hours" } else { "set" },
            secret(seed)
        );
        if hours {
            c += &format!(
                "[flows.f{q}.steps.hours]\ntype = \"business_hours\"\nhours = \"short\"\nopen = \"set\"\nclosed = \"closed\"\n\n\
                 [flows.f{q}.steps.closed]\ntype = \"play\"\nprompt = \"closed\"\n\n"
            );
        }
        c += &format!(
            "[flows.f{q}.steps.set]\ntype = \"set\"\nvariable = \"account\"\nvalue = \"{{ani}}\"\nnext = \"queue\"\n\n\
             [flows.f{q}.steps.queue]\ntype = \"queue\"\nqueue = \"q{q}\"\n"
        );
        if f.contains("callbacks") && rng.random_bool(0.7) {
            c += &format!(
                "callback = {{ after = \"{}s\", every = \"60s\", key = \"1\", prompt = \"offer\", confirm = \"confirm\" }}\n",
                rng.random_range(5..40)
            );
        }
        c += "\n";
    }
    if digital {
        c += "[entry_points.Chat]\nqueue_type = \"inbound\"\nchannel = \"chat\"\nflow = \"digital\"\n\n\
              [flows.digital]\nstart = \"queue\"\n\n[flows.digital.steps.queue]\ntype = \"queue\"\nqueue = \"chat\"\n\n";
    }
    let outbound = f.contains("campaigns") || f.contains("transfers");
    if outbound {
        c += "[entry_points.Outbound]\nqueue_type = \"outbound\"\nchannel = \"telephony\"\noutdial_queue = \"q0\"\n\n";
    }
    if f.contains("campaigns") {
        let a = rng.random_range(0..agents);
        c += &format!(
            "[campaigns.c0]\nmode = \"{}\"\nentry_point = \"Outbound\"\nagents = [\"a{a}\"]\npreview_timeout = \"{}s\"\ntimeout_action = \"{}\"\nshow = [\"name\"]\nattempts = {}\n\n",
            *pick(rng, &["preview", "standard_preview"]),
            rng.random_range(5..30),
            "remove",
            rng.random_range(1..=3)
        );
    }
    (
        c,
        Shape {
            agents,
            teams,
            queues,
            numbers,
            blended,
        },
    )
}

/// What the traffic needs to know of the tenant.
struct Shape {
    agents: usize,
    teams: usize,
    queues: usize,
    numbers: Vec<String>,
    blended: Vec<usize>,
}

/// A configuration change mid-run: one to four of the tenant's call limit, a
/// queue's RONA timeout, teams and routing strategy, the blended profile's chat
/// capacity (which may drop below what agents hold), the automatic wrap-up and
/// a flow's variable default. Nothing is taken away that a healing world needs:
/// every queue keeps a staffed team, and chats keep their agents.
fn reload_patch(rng: &mut ChaCha8Rng, shape: &Shape) -> Value {
    let mut patch = Table::new();
    let entry = |patch: &mut Table, section: &str, name: String| -> Table {
        patch
            .get(section)
            .and_then(|v| v.as_table())
            .and_then(|t| t.get(&name))
            .and_then(|v| v.as_table())
            .cloned()
            .unwrap_or_default()
    };
    let put = |patch: &mut Table, section: &str, name: String, value: Table| {
        let Value::Table(t) = patch
            .entry(section.to_string())
            .or_insert_with(|| Value::Table(Table::new()))
        else {
            unreachable!("sections are tables")
        };
        t.insert(name, Value::Table(value));
    };
    for _ in 0..rng.random_range(1..=4) {
        match rng.random_range(0..7) {
            0 => {
                let mut tenant = Table::new();
                tenant.insert(
                    "concurrent_call_limit".into(),
                    Value::Integer(rng.random_range(1..=8)),
                );
                patch.insert("tenant".into(), Value::Table(tenant));
            }
            1..=3 => {
                let name = format!("q{}", rng.random_range(0..shape.queues));
                let mut q = entry(&mut patch, "queues", name.clone());
                match rng.random_range(0..3) {
                    0 => {
                        q.insert("max_time_available".into(), secs(rng.random_range(5..=30)));
                    }
                    1 => {
                        let team = format!("t{}", rng.random_range(0..shape.teams));
                        q.insert("teams".into(), Value::Array(vec![s(&team)]));
                    }
                    _ => {
                        let strategy = *pick(rng, &["linear", "longest_available"]);
                        q.insert("strategy".into(), s(strategy));
                    }
                }
                put(&mut patch, "queues", name, q);
            }
            4 if !shape.blended.is_empty() => {
                let mut p = Table::new();
                p.insert("voice".into(), Value::Integer(1));
                p.insert("chat".into(), Value::Integer(rng.random_range(1..=3)));
                put(&mut patch, "profiles", "blended".into(), p);
            }
            5 => {
                let mut w = Table::new();
                w.insert(
                    "reasons".into(),
                    Value::Array(vec![s("Done"), s("Escalated")]),
                );
                if rng.random_bool(0.5) {
                    w.insert("auto_after".into(), secs(rng.random_range(5..60)));
                    w.insert("default_reason".into(), s("Done"));
                }
                patch.insert("wrap_up".into(), Value::Table(w));
            }
            _ => {
                let q = rng.random_range(0..shape.queues);
                let mut v = Table::new();
                v.insert("label".into(), s("Tier"));
                v.insert("popover".into(), Value::Integer(2));
                v.insert(
                    "default".into(),
                    s(pick::<&str>(rng, &["gold", "silver", "bronze"])),
                );
                let mut vars = Table::new();
                vars.insert("tier".into(), Value::Table(v));
                let mut flow = Table::new();
                flow.insert("variables".into(), Value::Table(vars));
                put(&mut patch, "flows", format!("f{q}"), flow);
            }
        }
    }
    Value::Table(patch)
}

/// The world of `seed`.
pub fn generate(seed: u64) -> World {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut late = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_fa17_0000_0001);
    let mut features: BTreeSet<&'static str> = FEATURES
        .iter()
        .copied()
        .filter(|f| !LATE_FEATURES.contains(f))
        .filter(|_| rng.random_bool(0.5))
        .collect();
    features.extend(LATE_FEATURES.iter().filter(|_| late.random_bool(0.5)));
    let f = &features;
    let (config_text, shape) = config(&mut rng, f, seed);
    let config: Table = toml::from_str(&config_text).unwrap_or_default();
    // The traffic lasts `window` seconds; then only the healing steps remain.
    let window = rng.random_range(60..=600u64);
    let mut sc = Table::new();
    sc.insert("title".into(), s(&format!("seed {seed}: {}", join(f))));
    sc.insert(
        "description".into(),
        s("Generated by switchboard sweep; every step may be refused."),
    );
    sc.insert("config".into(), Value::Table(config));
    sc.insert("liveness".into(), Value::Boolean(true));
    sc.insert("secrets".into(), Value::Array(vec![s(&secret(seed))]));

    let mut agents = Table::new();
    for a in 0..shape.agents {
        let mut t = Table::new();
        t.insert("login".into(), secs(rng.random_range(0..30)));
        // A RONA-prone agent lets some offers ring out (one who never answers,
        // or always too late, would be a fault that never heals).
        t.insert("answer".into(), secs(rng.random_range(0..5)));
        if f.contains("rona") && rng.random_bool(0.5) {
            let p = rng.random_range(1..=6) as f64 / 10.0;
            t.insert("no_answer".into(), Value::Float(p));
        }
        t.insert("wrap_up".into(), s("Done"));
        t.insert("wrap_up_after".into(), secs(rng.random_range(0..20)));
        t.insert("after_rona".into(), s("available"));
        t.insert("after_rona_delay".into(), secs(rng.random_range(1..20)));
        if rng.random_bool(0.4) || shape.blended.contains(&a) {
            t.insert("end_after".into(), secs(rng.random_range(10..300)));
        }
        if f.contains("campaigns") {
            t.insert(
                "preview".into(),
                // Skipping puts the contact back in the list: an agent who
                // always skips would be offered it for ever.
                s(pick::<&str>(&mut rng, &["accept", "remove"])),
            );
            t.insert("preview_after".into(), secs(rng.random_range(1..40)));
        }
        if shape.blended.contains(&a) {
            t.insert("reply".into(), secs(rng.random_range(5..60)));
        }
        agents.insert(format!("a{a}"), Value::Table(t));
    }
    sc.insert("agents".into(), Value::Table(agents));

    let mut callers = Table::new();
    let mut numbers = Table::new();
    let calls = rng.random_range(1..=25usize);
    for c in 0..calls {
        let mut t = Table::new();
        let from = format!("+1555000{c:04}");
        t.insert("at".into(), secs(rng.random_range(0..window)));
        t.insert("from".into(), s(&from));
        let digital = f.contains("digital") && rng.random_bool(0.3);
        if digital {
            t.insert("entry_point".into(), s("Chat"));
            t.insert("text".into(), s("Hello"));
        } else {
            t.insert("to".into(), s(pick(&mut rng, &shape.numbers).as_str()));
            // Every caller gives up in the end, and hangs up after talking.
            t.insert("patience".into(), secs(rng.random_range(5..400)));
            t.insert("talk".into(), secs(rng.random_range(5..400)));
            if f.contains("callbacks") && rng.random_bool(0.5) {
                t.insert("keys".into(), Value::Array(vec![s("1")]));
            }
        }
        callers.insert(format!("c{c}"), Value::Table(t));
        // Called back: answers, is busy, or never answers.
        let mut n = Table::new();
        match rng.random_range(0..4) {
            0 => {
                n.insert("answer".into(), s("never"));
            }
            1 => {
                n.insert("busy".into(), Value::Boolean(true));
            }
            _ => {
                n.insert("answer".into(), secs(rng.random_range(1..20)));
            }
        }
        n.insert("talk".into(), secs(rng.random_range(5..200)));
        numbers.insert(from, Value::Table(n));
    }
    for (i, number) in ["+15559990001", "+15559990002"].iter().enumerate() {
        let mut n = Table::new();
        n.insert("answer".into(), secs(2 + i as u64 * 10));
        n.insert("talk".into(), secs(rng.random_range(5..200)));
        numbers.insert((*number).to_string(), Value::Table(n));
    }
    if f.contains("dial_faults") {
        // The network reports some dial results late (after an agent may have
        // cancelled, or the consult been withdrawn) or twice.
        for (_, n) in numbers.iter_mut() {
            let Value::Table(n) = n else { continue };
            if late.random_bool(0.4) {
                n.insert("late".into(), secs(late.random_range(1..=40)));
            }
            if late.random_bool(0.4) {
                n.insert("duplicate".into(), secs(late.random_range(0..=10)));
            }
        }
    }
    sc.insert("callers".into(), Value::Table(callers));
    sc.insert("numbers".into(), Value::Table(numbers));

    let mut steps = Vec::new();
    let actions = rng.random_range(0..=40usize);
    let agent = |rng: &mut ChaCha8Rng| s(&format!("a{}", rng.random_range(0..shape.agents)));
    let caller = |rng: &mut ChaCha8Rng| s(&format!("c{}", rng.random_range(0..calls)));
    for _ in 0..actions {
        let at = secs(rng.random_range(0..window + 60));
        let mut kinds: Vec<&str> = vec![
            "hold",
            "resume",
            "end",
            "idle",
            "available",
            "logout",
            "login",
            "wrap_up",
        ];
        if f.contains("hang_ups") {
            kinds.extend(["hang_up", "hang_up"]);
        }
        if f.contains("phone_failures") {
            kinds.extend(["phone_fail", "put_down"]);
        }
        if f.contains("consults") {
            kinds.extend([
                "consult_agent",
                "consult_queue",
                "end_consult",
                "hold_consulted",
            ]);
        }
        if f.contains("transfers") {
            kinds.extend(["transfer_agent", "transfer_queue", "transfer_number"]);
        }
        if f.contains("conferences") {
            kinds.extend(["consult_agent", "conference", "exit"]);
        }
        if f.contains("recording") {
            kinds.extend(["pause_recording", "resume_recording"]);
        }
        if f.contains("campaigns") {
            kinds.extend(["pull_contact", "load_contacts"]);
        }
        if f.contains("digital") {
            kinds.push("send");
        }
        if f.contains("reloads") {
            kinds.push("reconfigure");
        }
        let kind = *pick(&mut rng, &kinds);
        let mut t = Table::new();
        t.insert("at".into(), at);
        match kind {
            "hang_up" => {
                t.insert("caller".into(), caller(&mut rng));
                t.insert("do".into(), s("hang_up"));
            }
            "phone_fail" | "put_down" => {
                t.insert("agent".into(), agent(&mut rng));
                t.insert("do".into(), s(kind));
            }
            "idle" => {
                t.insert("agent".into(), agent(&mut rng));
                t.insert("do".into(), s("idle"));
                t.insert("reason".into(), s("Break"));
            }
            "wrap_up" => {
                t.insert("agent".into(), agent(&mut rng));
                t.insert("do".into(), s("wrap_up"));
                t.insert("reason".into(), s("Escalated"));
            }
            "consult_agent" | "transfer_agent" => {
                t.insert("agent".into(), agent(&mut rng));
                t.insert(
                    "do".into(),
                    s(&kind[..kind.find('_').unwrap_or(kind.len())]),
                );
                t.insert("to_agent".into(), agent(&mut rng));
            }
            "consult_queue" | "transfer_queue" => {
                t.insert("agent".into(), agent(&mut rng));
                t.insert(
                    "do".into(),
                    s(&kind[..kind.find('_').unwrap_or(kind.len())]),
                );
                t.insert(
                    "to_queue".into(),
                    s(&format!("q{}", rng.random_range(0..shape.queues))),
                );
            }
            "transfer_number" => {
                t.insert("agent".into(), agent(&mut rng));
                t.insert("do".into(), s("transfer"));
                t.insert(
                    "to_number".into(),
                    s(pick::<&str>(&mut rng, &["+15559990001", "+15559990002"])),
                );
            }
            "pull_contact" => {
                t.insert("agent".into(), agent(&mut rng));
                t.insert("do".into(), s("pull_contact"));
                t.insert("campaign".into(), s("c0"));
            }
            "load_contacts" => {
                t.insert("do".into(), s("load_contacts"));
                t.insert("campaign".into(), s("c0"));
                let mut csv = String::from("number,name\n");
                for _ in 0..rng.random_range(1..4) {
                    csv += &format!("+1555000{:04},Contact\n", rng.random_range(0..calls as u32));
                }
                t.insert("csv".into(), s(&csv));
            }
            "send" => {
                t.insert("agent".into(), agent(&mut rng));
                t.insert("do".into(), s("send"));
                t.insert("text".into(), s("On it."));
            }
            "reconfigure" => {
                t.insert("do".into(), s("reconfigure"));
                t.insert("patch".into(), reload_patch(&mut rng, &shape));
            }
            "login" => {
                // After every agent's own login (within the first 30 s).
                t.insert("at".into(), secs(rng.random_range(30..window + 60)));
                t.insert("agent".into(), agent(&mut rng));
                t.insert("do".into(), s("login"));
            }
            other => {
                t.insert("agent".into(), agent(&mut rng));
                t.insert("do".into(), s(other));
            }
        }
        t.insert("may_be_refused".into(), Value::Boolean(true));
        steps.push(Value::Table(t));
    }
    // Faults heal: after the traffic, every agent picks up its phone, comes
    // back and is available.
    let heal = window + 120;
    for a in 0..shape.agents {
        for (i, what) in ["put_down", "login", "available"].iter().enumerate() {
            steps.push(table(&[
                ("at", secs(heal + i as u64)),
                ("agent", s(&format!("a{a}"))),
                ("do", s(what)),
                ("may_be_refused", Value::Boolean(true)),
            ]));
        }
    }
    sc.insert("step".into(), Value::Array(steps));
    World {
        seed,
        features,
        scenario: sc,
    }
}

fn join(f: &BTreeSet<&'static str>) -> String {
    if f.is_empty() {
        "no features".into()
    } else {
        f.iter().copied().collect::<Vec<_>>().join(", ")
    }
}

/// A random seed from outside the sweep (for CI's extra seed).
pub fn fresh_seed(rng: &mut impl Rng) -> u64 {
    rng.next_u64() >> 16
}
