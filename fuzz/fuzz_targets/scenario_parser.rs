//! Arbitrary text as a scenario file: loaded through the public loader
//! (`Scenario::load`: TOML, the configuration it names or holds, its patch, the
//! names it uses) and, when it loads and is small, replayed (`replay`). Neither
//! may panic, and a replay must not report one of the runner's engine
//! invariants broken ("no task duplicated", "no task lost", "every offer ends",
//! "time never goes back").
//!
//! The loader takes a path, so the text is written to a file in a sandbox made
//! once per process under the system's temporary folder:
//!
//! ```text
//! switchboard-fuzz-scenario-<pid>/
//!   examples/acme.toml
//!   scenarios/configs/*.toml    (the shared configurations of scenarios/)
//!   scenarios/s/scenario.toml   (the input)
//!   scenarios/s/lists/*.csv     (contact lists)
//! ```
//!
//! so the scenarios of the repository (`config = "../configs/basic.toml"`,
//! `file = "lists/winback.csv"`) load as they are. A scenario naming a file
//! outside the sandbox (an absolute path, too many `..`) is skipped, so a run
//! never reads other files.

#![no_main]

use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use switchboard_core::SimDuration;
use switchboard_sim::scenario::{ConfigSource, ScenarioFile};
use switchboard_sim::{Scenario, replay};

/// Scenarios with more steps and callers than this load but do not replay.
const MAX_REPLAYED: usize = 20;
/// Nor do those whose `end` is later than this (a virtual day).
const MAX_END: SimDuration = SimDuration::from_secs(24 * 3600);

/// The invariants the runner checks on the engine's events; a scenario cannot
/// legitimately break them. (Its `secrets` check is left out: a scenario may
/// declare any text secret, even one every output holds.)
const ENGINE_INVARIANTS: &[&str] = &[
    "invariant \"no task duplicated\"",
    "invariant \"no task lost\"",
    "invariant \"every offer ends\"",
    "invariant \"time never goes back\"",
];

const CONFIGS: &[(&str, &str)] = &[
    (
        "basic.toml",
        include_str!("../../scenarios/configs/basic.toml"),
    ),
    (
        "basic_chat.toml",
        include_str!("../../scenarios/configs/basic_chat.toml"),
    ),
    (
        "basic_helpdesk.toml",
        include_str!("../../scenarios/configs/basic_helpdesk.toml"),
    ),
    (
        "callbacks.toml",
        include_str!("../../scenarios/configs/callbacks.toml"),
    ),
    (
        "campaigns.toml",
        include_str!("../../scenarios/configs/campaigns.toml"),
    ),
    (
        "center.toml",
        include_str!("../../scenarios/configs/center.toml"),
    ),
    (
        "digital.toml",
        include_str!("../../scenarios/configs/digital.toml"),
    ),
];

const LISTS: &[(&str, &str)] = &[
    (
        "renewals.csv",
        include_str!("../../scenarios/campaigns/lists/renewals.csv"),
    ),
    (
        "survey.csv",
        include_str!("../../scenarios/campaigns/lists/survey.csv"),
    ),
    (
        "winback.csv",
        include_str!("../../scenarios/campaigns/lists/winback.csv"),
    ),
];

const ACME: &str = include_str!("../../examples/acme.toml");

/// The sandbox's scenario file, made once per process.
fn scenario_path() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let base =
            std::env::temp_dir().join(format!("switchboard-fuzz-scenario-{}", std::process::id()));
        let scenarios = base.join("scenarios");
        let here = scenarios.join("s");
        let write = |dir: &Path, name: &str, text: &str| {
            std::fs::create_dir_all(dir).expect("make the sandbox");
            std::fs::write(dir.join(name), text).expect("fill the sandbox");
        };
        write(&base.join("examples"), "acme.toml", ACME);
        for (name, text) in CONFIGS {
            write(&scenarios.join("configs"), name, text);
        }
        for (name, text) in LISTS {
            write(&here.join("lists"), name, text);
        }
        here.join("scenario.toml")
    })
}

/// Whether a relative file name stays inside the sandbox, read from
/// `scenarios/s/` (two folders below its top).
fn inside(rel: &str) -> bool {
    let mut depth: i32 = 2;
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// Every file name the scenario gives stays inside the sandbox.
fn confined(file: &ScenarioFile) -> bool {
    let config = match &file.config {
        ConfigSource::Path(p) => Some(p.as_str()),
        ConfigSource::Inline(_) => None,
    };
    let steps = file
        .steps
        .iter()
        .flat_map(|s| [s.file.as_deref(), s.config.as_deref(), s.audio.as_deref()]);
    let callers = file.callers.values().map(|c| c.audio.as_deref());
    let numbers = file.numbers.values().map(|n| n.audio.as_deref());
    std::iter::once(config)
        .chain(steps)
        .chain(callers)
        .chain(numbers)
        .flatten()
        .all(inside)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A text that is no scenario file fails the loader at its first step (the
    // same `toml::from_str`), so it is only run there when its file names are
    // known to stay in the sandbox.
    if let Ok(file) = toml::from_str::<ScenarioFile>(text)
        && !confined(&file)
    {
        return;
    }
    let path = scenario_path();
    std::fs::write(path, text).expect("write the scenario");
    let Ok(scenario) = Scenario::load(path) else {
        return;
    };
    let f = &scenario.file;
    if f.audio
        || f.steps.len() + f.callers.len() > MAX_REPLAYED
        || f.end.is_some_and(|e| e > MAX_END)
    {
        return;
    }
    let Ok(result) = replay(&scenario) else {
        return;
    };
    for failure in &result.failures {
        if ENGINE_INVARIANTS.iter().any(|i| failure.contains(i)) {
            panic!("replay broke an engine invariant: {failure}");
        }
    }
    let _ = result.golden();
});
