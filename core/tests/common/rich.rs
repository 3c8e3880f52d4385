//! A rich tenant shared by the engine's property tests
//! (core/tests/never_panics.rs), the simulator's replay-equivalence test
//! (sim/tests/replay_equivalence.rs) and the engine fuzz target
//! (fuzz/fuzz_targets/engine_inputs.rs): agents, queues, flows with menus
//! and business hours, callbacks, campaigns and digital entry points, the
//! contact lists its campaigns load, and configuration changes of every kind.
//! Each includes it with `#[path = ...] mod rich;`.

#![allow(dead_code)]

pub const CONFIG: &str = r#"
[tenant]
name = "t"
timezone = "Europe/Warsaw"
concurrent_call_limit = 4

[recording]
privacy_shield = "5s"

[wrap_up]
reasons = ["Done", "Other"]
auto_after = "20s"
default_reason = "Done"

[idle]
reasons = ["Break"]

[profiles.voice]
voice = 1

[profiles.blended]
voice = 1
chat = 2
email = 1
social = 2
outbound = 1

[teams.t1]

[agents.a1]
name = "A One"
dn = "1001"
team = "t1"
profile = "blended"

[agents.a2]
name = "A Two"
dn = "1002"
team = "t1"
profile = "voice"
handset = true

[agents.a3]
name = "A Three"
dn = "1003"
team = "t1"
profile = "blended"
persistent_connection = true

[queues.q]
teams = ["t1"]
max_time_available = "10s"
recording = true
overflow = { waiting_above = 0, offer_prompt = "p", confirm_prompt = "p" }
callback = { hours = "h", attempts = 2, cancel = true }

[queues.r]
agents = ["a2"]
strategy = "linear"

[queues.chat]
agents = ["a1", "a3"]

[business_hours.h]
mon = ["00:00-12:00"]
tue = ["00:00-24:00"]

[prompts.p]

[entry_points.Line]
queue_type = "inbound"
channel = "telephony"
flow = "f"
support_numbers = ["+18005550100", "+18005550101"]

[entry_points.Chat]
queue_type = "inbound"
channel = "chat"
flow = "c"

[entry_points.Out]
queue_type = "outbound"
channel = "telephony"
outdial_queue = "q"

[entry_points.Mail]
queue_type = "inbound"
channel = "email"
flow = "c"

[entry_points.Text]
queue_type = "inbound"
channel = "social"
social = "sms"
flow = "c"

[flows.c]
start = "q"
[flows.c.steps.q]
type = "queue"
queue = "chat"

[flows.f]
start = "hours"
[flows.f.variables.v]
popover = 1
editable = true
[flows.f.variables.n]
type = "number"
popover = 2
editable = true
default = "1"
[flows.f.variables.w]
popover = 3
[flows.f.variables.s]
secure = true
editable = true
[flows.f.steps.hours]
type = "business_hours"
hours = "h"
open = "menu"
closed = "bye"
[flows.f.steps.menu]
type = "menu"
prompt = "p"
options = { 1 = "set", 2 = "to_r", 3 = "cb" }
timeout = "2s"
attempts = 2
default = "to_q"
[flows.f.steps.set]
type = "set"
variable = "v"
value = "{ani}/{digits}"
next = "to_q"
[flows.f.steps.to_q]
type = "queue"
queue = "q"
[flows.f.steps.to_r]
type = "queue"
queue = "r"
priority = 3
callback = { after = "5s", every = "10s", key = "2", prompt = "p", confirm = "p" }
[flows.f.steps.cb]
type = "callback"
queue = "q"
prompt = "p"
next = "to_q"
[flows.f.steps.bye]
type = "disconnect"
prompt = "p"

[campaigns.std]
mode = "standard_preview"
agents = ["a1", "a3"]
preview_timeout = "5s"
end_call = true
show = ["name"]
attempts = 2

[campaigns.pull]
mode = "preview"
agents = ["a3"]
remove = false
preview_timeout = "6s"

[campaigns.direct]
mode = "direct_preview"
agents = ["a2"]
preview_timeout = "7s"
"#;

/// Contact lists: good, with bad rows, unusable, and one missing a shown column.
pub const LISTS: [&str; 4] = [
    "number,name\n+48221234567,Ann\n+48221234568,Bob\n12,Bad\n",
    "number,name\n+48221234569,Cy\n+48221234569,Again\n\"+48 22 123 45 70\",\"Di, Jr.\"\n",
    "name\nno number column\n",
    "number\n+48221234571\n",
];

/// Configuration changes of every kind: none, a shorter RONA time, a removed agent,
/// a removed queue, a flow step of another kind, an entry point renamed, garbage.
pub fn reconfiguration(i: usize) -> String {
    match i {
        0 => CONFIG.to_string(),
        // Shorter offers, and a3's persistent connection turned off.
        1 => CONFIG
            .replace(
                "max_time_available = \"10s\"",
                "max_time_available = \"3s\"",
            )
            .replace("persistent_connection = true\n", ""),
        2 => CONFIG
            .replace("[agents.a2]", "[agents.a9]")
            .replace("agents = [\"a2\"]", "agents = [\"a9\"]"),
        3 => CONFIG
            .replace("[queues.r]\nagents = [\"a2\"]\nstrategy = \"linear\"\n", "")
            .replace("queue = \"r\"\npriority = 3", "queue = \"q\"\npriority = 3"),
        4 => {
            // The same steps, but "menu" is now a play step (a caller at the menu blocks it).
            let flow = CONFIG.find("[flows.f]").expect("the flow");
            format!(
                "{}{}",
                &CONFIG[..flow],
                r#"[flows.f]
start = "hours"
[flows.f.variables.v]
popover = 1
[flows.f.variables.n]
popover = 2
[flows.f.variables.w]
popover = 3
[flows.f.steps.hours]
type = "business_hours"
hours = "h"
open = "menu"
closed = "bye"
[flows.f.steps.menu]
type = "play"
prompt = "p"
next = "set"
[flows.f.steps.set]
type = "set"
variable = "v"
value = "{ani}"
next = "to_r"
[flows.f.steps.to_r]
type = "queue"
queue = "r"
[flows.f.steps.bye]
type = "disconnect"
prompt = "p"
"#
            )
        }
        5 => CONFIG.replace("[entry_points.Line]", "[entry_points.Renamed]"),
        _ => "[tenant]\nname = 3".to_string(),
    }
}
