//! Scenario files (TOML): the executable specification. A scenario names the
//! rules it exercises, the tenant configuration (a file, optionally patched, or
//! inline), how the virtual parties behave, a timeline of scripted steps, and
//! the expectations that must hold. The whole vocabulary is documented, with an
//! example per construct, in docs/scenarios.md.

use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};

use serde::Deserialize;
use switchboard_core::SimDuration;
use switchboard_core::config::locate::{Locator, Path, Seg};
use switchboard_core::config::{ConfigErrors, Tenant};

/// A scenario file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub title: String,
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// The tenant configuration: a path relative to the scenario file, or an inline table.
    pub config: ConfigSource,
    /// Deep-merged over the configuration (tables merge, other values replace).
    #[serde(default)]
    pub patch: Option<toml::Table>,
    /// Wall-clock instant of 00:00:00 (RFC 3339), for business hours.
    pub start: Option<String>,
    /// Stop the run at this virtual time (default: when nothing is left to happen).
    pub end: Option<SimDuration>,
    /// How long each prompt plays in the simulator (default 3s); with `audio`, a
    /// prompt with a WAV file plays for as long as the file.
    #[serde(default)]
    pub prompts: BTreeMap<String, SimDuration>,
    /// Run the media plane: prompts and music from their WAV files, the parties'
    /// `audio`, keys heard as tones or telephone-events, answering machines
    /// heard, recordings written.
    #[serde(default)]
    pub audio: bool,
    #[serde(default)]
    pub agents: BTreeMap<String, AgentSpec>,
    #[serde(default)]
    pub callers: BTreeMap<String, CallerSpec>,
    /// How numbers the engine dials behave (consulted experts, outdialled customers).
    #[serde(default)]
    pub numbers: BTreeMap<String, NumberSpec>,
    #[serde(default, rename = "step")]
    pub steps: Vec<StepSpec>,
    #[serde(default, rename = "expect")]
    pub expects: Vec<ExpectSpec>,
    /// The configuration must be rejected with exactly these errors (each a piece of
    /// one error's text), and nothing runs.
    pub config_errors: Option<Vec<String>>,
    /// Every task must have reached its end when the run ends (liveness: after
    /// the traffic stops, nothing is stuck). Seed sweeps set it.
    #[serde(default)]
    pub liveness: bool,
    /// Values that must never appear in any output (secure call data, CAD-04).
    #[serde(default)]
    pub secrets: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ConfigSource {
    Path(String),
    Inline(toml::Table),
}

/// How a virtual agent (the person and the phone) behaves.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSpec {
    /// Log in at this time.
    pub login: Option<SimDuration>,
    /// From Connecting until the phone rings (default 0s).
    pub ring_delay: Option<SimDuration>,
    /// Answer this long after the phone starts ringing; "never" lets it ring (default 2s).
    pub answer: Option<String>,
    /// Accept a digital request this long after it shows; "never" to leave it (default 2s).
    pub accept: Option<String>,
    /// The phone fails when it is rung.
    #[serde(default)]
    pub fail: bool,
    /// End the call this long after answering (default: the agent waits for the caller).
    pub end_after: Option<SimDuration>,
    /// Submit this wrap-up reason...
    pub wrap_up: Option<String>,
    /// ...this long after the call ends (default 5s when `wrap_up` is given).
    pub wrap_up_after: Option<SimDuration>,
    /// A handset is put down this long after the call is released (default 2s).
    pub hang_up_after: Option<SimDuration>,
    /// After RONA choose "available" or "idle:<reason>"...
    pub after_rona: Option<String>,
    /// ...this long after it (default 5s).
    pub after_rona_delay: Option<SimDuration>,
    /// What the agent does with a campaign preview: "accept", "skip" or "remove"...
    pub preview: Option<String>,
    /// ...this long after it shows (default 5s).
    pub preview_after: Option<SimDuration>,
    /// Write back this long after engaging on a digital task and after each
    /// customer message (default: only when a step says so).
    pub reply: Option<SimDuration>,
    /// The chance (0 to 1) that the agent lets a ringing offer go unanswered
    /// (drawn per offer from the run's seeded generator).
    pub no_answer: Option<f64>,
}

/// How a virtual caller behaves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallerSpec {
    /// When the call arrives or the first message is written. A digital customer
    /// without it writes only when a step says so, or is contacted by an agent.
    pub at: Option<SimDuration>,
    /// The caller's number (ANI).
    #[serde(default = "default_from")]
    pub from: String,
    /// The number dialled (DNIS): a support number. For a call.
    pub to: Option<String>,
    /// The chat, email or social entry point written to. For a digital contact; for
    /// a web callback, the telephony entry point it is reported under.
    pub entry_point: Option<String>,
    /// A web callback request to this queue, to be called back at `from` (CBK-02).
    pub callback_queue: Option<String>,
    /// The name a web callback request gives.
    pub name: Option<String>,
    /// Hang up this long after the call arrives if not answered yet.
    pub patience: Option<SimDuration>,
    /// Hang up this long after being answered (default: never; the agent ends).
    pub talk: Option<SimDuration>,
    /// Keys to press, one per menu prompt, in order.
    #[serde(default)]
    pub keys: Vec<String>,
    /// How long into a menu prompt a key is pressed (default 1s).
    pub key_delay: Option<SimDuration>,
    /// The text of a digital customer's first message (default "Hello").
    pub text: Option<String>,
    /// The subject of a customer's first email.
    pub subject: Option<String>,
    /// The Message-ID of a customer's first email.
    pub message_id: Option<String>,
    /// The Message-ID the customer's first email answers (In-Reply-To).
    pub in_reply_to: Option<String>,
    /// Messages sent to this customer are not delivered.
    #[serde(default)]
    pub undelivered: bool,
    /// A WAV file (relative to the scenario) the caller says from the moment the
    /// call arrives (needs `audio = true`).
    pub audio: Option<String>,
}

/// A part of a message an agent sends (an image shown in the body, an attachment).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartSpec {
    /// "inline_image" or "attachment".
    pub kind: String,
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// A Content-ID the HTML refers to (`cid:`).
    pub content_id: Option<String>,
}

fn default_from() -> String {
    "+15550000000".to_string()
}

/// How a number the engine dials behaves.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberSpec {
    /// Answers this long after being dialled, or "never" (reported as no answer after 30 s; default 3s).
    pub answer: Option<String>,
    /// Is busy.
    #[serde(default)]
    pub busy: bool,
    /// The call fails.
    #[serde(default)]
    pub fail: bool,
    /// Hangs up this long after answering.
    pub talk: Option<SimDuration>,
    /// An answering machine or voicemail answers (CMP-09), as the network reports it.
    #[serde(default)]
    pub machine: bool,
    /// A WAV file (relative to the scenario) the party says from the moment it
    /// answers: a person's "hello", a machine's greeting (needs `audio = true`).
    pub audio: Option<String>,
    /// A network fault: the result is reported this much later than it happened.
    pub late: Option<SimDuration>,
    /// A network fault: the result is reported again this long after the first time.
    pub duplicate: Option<SimDuration>,
}

/// A marked pause in a recording: where it starts (from the recording's start)
/// and how long it lasts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GapSpec {
    pub at: SimDuration,
    pub length: SimDuration,
}

/// A scripted action at a time.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub at: SimDuration,
    /// The agent acting (desktop or phone).
    pub agent: Option<String>,
    /// The caller acting, or (with `agent`) the caller whose task the agent acts on.
    pub caller: Option<String>,
    /// The action (see docs/scenarios.md).
    #[serde(rename = "do")]
    pub action: String,
    /// Idle or wrap-up reason.
    pub reason: Option<String>,
    /// After wrap-up, go Idle with this reason instead of Available.
    pub idle: Option<String>,
    /// Keys for `press`.
    pub keys: Option<String>,
    /// How `press` sends its keys with `audio = true`: "tone" (in-band DTMF) or
    /// "rfc4733" (telephone-events); without it the keys reach the engine as such.
    pub via: Option<String>,
    /// A WAV file (relative to the scenario) the caller says, for `play`.
    pub audio: Option<String>,
    /// A consult or transfer target: an agent...
    pub to_agent: Option<String>,
    /// ...a queue...
    pub to_queue: Option<String>,
    /// ...an entry point...
    pub to_entry_point: Option<String>,
    /// ...or a dial number as typed.
    pub to_number: Option<String>,
    /// The number of an `outdial`, or of a dialled party that hangs up.
    pub number: Option<String>,
    /// The outbound entry point of an `outdial`.
    pub entry_point: Option<String>,
    /// A variable of the task's flow, for `save`, `revert` and `reveal`.
    pub variable: Option<String>,
    /// The value to `save`.
    pub value: Option<String>,
    /// The version the agent edited (default: the current one).
    pub version: Option<u32>,
    /// The campaign of `load_contacts` and `pull_contact`.
    pub campaign: Option<String>,
    /// For `load_contacts`: a CSV file (relative to the scenario)...
    pub file: Option<String>,
    /// ...or the CSV text itself.
    pub csv: Option<String>,
    /// For `reconfigure`: a configuration file (relative to the scenario)...
    pub config: Option<String>,
    /// ...and/or a patch merged over the scenario's configuration.
    pub patch: Option<toml::Table>,
    /// The text of a message (`write`, `send`, `start_conversation`).
    pub text: Option<String>,
    /// An email's subject.
    pub subject: Option<String>,
    /// For `write`: the customer's email's Message-ID...
    pub message_id: Option<String>,
    /// ...and the Message-ID it answers (In-Reply-To).
    pub in_reply_to: Option<String>,
    /// For `start_conversation`: the customer's address as the agent typed it.
    pub address: Option<String>,
    /// The parts of an agent's message besides its text.
    #[serde(default)]
    pub parts: Vec<PartSpec>,
    /// The action must be refused with this refusal code.
    pub refused: Option<String>,
    /// The action may be done or refused, either is right (generated steps of
    /// seed sweeps, acting at random instants).
    #[serde(default)]
    pub may_be_refused: bool,
}

/// Something that must hold at a time (or at the end).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// A virtual time, or "end".
    pub at: String,
    /// Whether noise removal runs on the caller's audio (with `audio = true`).
    pub noise_removal: Option<bool>,
    /// The recording of the caller's call (written by then) lasts this long...
    pub recording_length: Option<SimDuration>,
    /// ...and has exactly these pauses marked, each `{ at, length }` from its start.
    pub recording_gaps: Option<Vec<GapSpec>>,
    pub agent: Option<String>,
    pub caller: Option<String>,
    pub queue: Option<String>,
    /// Agent state (AGT-01 names, Idle as "Idle" or "Idle(Reason)").
    pub state: Option<String>,
    /// Whether the agent's handset is off-hook.
    pub off_hook: Option<bool>,
    /// Whether the agent's persistent connection is up.
    pub connected: Option<bool>,
    /// The agent's presence: LoggedOut, Available, Idle(Reason), RONA.
    pub presence: Option<String>,
    /// How many tasks the agent holds (offered, engaged or in wrap-up).
    pub tasks: Option<usize>,
    /// Caller's task stage: flow, queued, offered, connected, wrap_up, closed.
    pub stage: Option<String>,
    /// Caller's position in its queue.
    pub position: Option<u32>,
    /// Caller's task is with this agent.
    pub with_agent: Option<String>,
    pub held: Option<bool>,
    pub recording: Option<bool>,
    /// The recording is paused.
    pub recording_paused: Option<bool>,
    /// The call's state in the participants' table (docs/participants.md).
    pub call_state: Option<String>,
    /// The agent consulted on the caller's task (agent 2).
    pub consulted: Option<String>,
    /// A variable of the caller's task...
    pub variable: Option<String>,
    /// ...holds this value (secure ones read as ********)...
    pub value: Option<String>,
    /// ...at this version.
    pub version: Option<u32>,
    /// The callers waiting in `queue`, in order.
    pub waiting: Option<Vec<String>>,
    /// A trace line up to `at` contains this text.
    pub trace: Option<String>,
    /// ...exactly this many times (default: at least once).
    pub count: Option<usize>,
    /// No trace line up to `at` contains this text.
    pub no_trace: Option<String>,
    /// Statistics of "entry_point:NAME", "queue:NAME" or "agent:ID".
    pub stats: Option<String>,
    /// The figures expected of `stats`.
    pub values: Option<toml::Table>,
    /// The customer messages in the caller's open conversation.
    pub messages: Option<u32>,
    /// What the transfer lists of the caller's agent show: "queue:NAME", "agent:ID".
    pub transfer_targets: Option<Vec<String>>,
    /// Caller's estimated wait (FLW-03).
    pub ewt: Option<String>,
    /// An entry point of the configuration in force...
    pub entry_point: Option<String>,
    /// ...has this channel type (telephony, chat, email, social)...
    pub channel: Option<String>,
    /// ...and this queue type (inbound, outbound).
    pub queue_type: Option<String>,
    /// A campaign...
    pub campaign: Option<String>,
    /// ...has this many contacts waiting in its list.
    pub contacts_left: Option<usize>,
}

/// A scenario ready to run: the file, its compiled tenant and its configuration text.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub path: PathBuf,
    pub file: ScenarioFile,
    pub config_text: String,
    /// The compiled tenant, or the errors of a configuration the scenario expects rejected.
    pub setup: Setup,
    /// The base configuration table (before the scenario's patch), for reconfigure steps.
    pub base_config: toml::Table,
}

/// What became of the scenario's configuration.
#[derive(Debug, Clone)]
pub enum Setup {
    /// Valid: the scenario runs on it.
    Ready(Box<Tenant>),
    /// Rejected (the scenario says `config_errors = [...]`): one located sentence per error.
    Rejected(Vec<String>),
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read the file: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Config(String),
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// Merges `patch` into `base`: tables merge key by key, anything else replaces.
pub fn merge(base: &mut toml::Table, patch: &toml::Table) {
    for (k, v) in patch {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(p)) => merge(b, p),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

fn syntax_error(path: &FsPath, text: &str, e: &toml::de::Error) -> LoadError {
    let loc = Locator::new(text);
    let (line, column) = e.span().map_or((0, 0), |s| {
        loc.line_col(loc.refine_unknown_field(s.start, e.message()))
    });
    LoadError::Syntax {
        path: path.display().to_string(),
        line,
        column,
        message: e.message().trim().replace("unknown field", "unknown key"),
    }
}

/// Formats configuration errors, each located in the file where the value was written:
/// the scenario (inline config or patch) or the configuration file.
fn config_errors(
    errors: &ConfigErrors,
    scenario_name: &str,
    scenario_text: &str,
    base: Option<(&str, &str)>,
    prefix: &str,
) -> Vec<String> {
    let scen = Locator::new(scenario_text);
    let base_loc = base.map(|(p, t)| (p, Locator::new(t)));
    let mut lines: Vec<(u8, usize, usize, String)> = Vec::new();
    for e in &errors.0 {
        let mut in_scenario = Path(vec![Seg::Key(prefix.to_string())]);
        in_scenario.0.extend(e.path.0.iter().cloned());
        let (sl, sc) = scen.locate(&in_scenario);
        // (file order, line, column, file name): the scenario first, then its base file.
        let (file, line, column, name) = match (&base_loc, sl) {
            (_, l) if l > 0 && (prefix == "config" || exists_exactly(&scen, &in_scenario)) => {
                (0, sl, sc, scenario_name)
            }
            (Some((p, loc)), _) => {
                let (l, c) = if e.path.0.is_empty() {
                    (e.line, e.column)
                } else {
                    loc.locate(&e.path)
                };
                (1, l, c, *p)
            }
            (None, _) => (0, e.line, e.column, scenario_name),
        };
        let path = if e.path.0.is_empty() {
            String::new()
        } else {
            format!("{}: ", e.path)
        };
        lines.push((
            file,
            line,
            column,
            format!("{name}:{line}:{column}: {path}{}", e.message),
        ));
    }
    lines.sort_by_key(|l| (l.0, l.1, l.2));
    lines.into_iter().map(|l| l.3).collect()
}

/// Whether the patch itself holds the value at `path` (not just an ancestor).
fn exists_exactly(loc: &Locator<'_>, path: &Path) -> bool {
    let whole = loc.locate(path);
    let mut parent = path.clone();
    parent.0.pop();
    whole.0 > 0 && (parent.0.is_empty() || loc.locate(&parent) != whole)
}

impl Scenario {
    /// Reads and validates a scenario file with its configuration.
    pub fn load(path: &FsPath) -> Result<Scenario, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|error| LoadError::Read {
            path: path.display().to_string(),
            error,
        })?;
        Scenario::from_text(path, &text)
    }

    /// A scenario from its text, as if read from `path` (which names it in
    /// messages, and against which relative file names resolve).
    pub fn from_text(path: &FsPath, text: &str) -> Result<Scenario, LoadError> {
        let text = text.to_string();
        let file: ScenarioFile =
            toml::from_str(&text).map_err(|e| syntax_error(path, &text, &e))?;
        let invalid = |message: String| LoadError::Invalid {
            path: path.display().to_string(),
            message,
        };
        if file.title.trim().is_empty() {
            return Err(invalid("the scenario needs a title".into()));
        }
        let dir = path.parent().unwrap_or(FsPath::new("."));
        let (mut table, base_text, base_path) = match &file.config {
            ConfigSource::Path(rel) => {
                let p = dir.join(rel);
                let t = std::fs::read_to_string(&p).map_err(|error| LoadError::Read {
                    path: format!("{} (config of {})", p.display(), path.display()),
                    error,
                })?;
                let table: toml::Table =
                    toml::from_str(&t).map_err(|e| syntax_error(&p, &t, &e))?;
                (table, Some(t), Some(p))
            }
            ConfigSource::Inline(t) => (t.clone(), None, None),
        };
        let base_config = table.clone();
        if let Some(patch) = &file.patch {
            merge(&mut table, patch);
        }
        let unpatched = file.patch.is_none() && base_text.is_some();
        let config_text = if unpatched {
            base_text.clone().unwrap_or_default()
        } else {
            toml::to_string(&table)
                .map_err(|e| invalid(format!("cannot rebuild the configuration: {e}")))?
        };
        let setup = match Tenant::from_toml(&config_text) {
            Ok(tenant) => Setup::Ready(Box::new(tenant)),
            Err(errors) => {
                let prefix = if matches!(file.config, ConfigSource::Inline(_)) {
                    "config"
                } else {
                    "patch"
                };
                let lines = |scenario_name: &str, base_name: Option<String>| {
                    let base = match (base_name, &base_text) {
                        (Some(n), Some(t)) => Some((n, t.as_str())),
                        _ => None,
                    };
                    let base = base.as_ref().map(|(n, t)| (n.as_str(), *t));
                    config_errors(&errors, scenario_name, &text, base, prefix)
                };
                if file.config_errors.is_none() {
                    let full = lines(
                        &path.display().to_string(),
                        base_path.as_ref().map(|p| p.display().to_string()),
                    );
                    return Err(LoadError::Config(full.join("\n")));
                }
                // Short names, so that the golden trace is the same wherever the run happens.
                let name = path
                    .file_name()
                    .map_or(String::new(), |n| n.to_string_lossy().into_owned());
                let base_name = match &file.config {
                    ConfigSource::Path(rel) => Some(rel.clone()),
                    ConfigSource::Inline(_) => None,
                };
                Setup::Rejected(lines(&name, base_name))
            }
        };
        Ok(Scenario {
            path: path.to_path_buf(),
            file,
            config_text,
            setup,
            base_config,
        })
    }

    /// The configuration text for a reconfigure step.
    /// The CSV text of a `load_contacts` step: its `file` (relative to the scenario) or `csv`.
    pub fn contacts_text(&self, step: &StepSpec) -> Result<String, String> {
        match (&step.file, &step.csv) {
            (Some(rel), None) => {
                let dir = self.path.parent().unwrap_or(FsPath::new("."));
                let p = dir.join(rel);
                std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))
            }
            (None, Some(text)) => Ok(text.clone()),
            _ => Err("give the contacts as file = \"<path>\" or csv = \"...\"".into()),
        }
    }

    pub fn reconfigure_text(&self, step: &StepSpec) -> Result<String, String> {
        let dir = self.path.parent().unwrap_or(FsPath::new("."));
        let mut table = match &step.config {
            Some(rel) => {
                let p = dir.join(rel);
                let t = std::fs::read_to_string(&p)
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                toml::from_str(&t).map_err(|e| format!("{}: {}", p.display(), e.message()))?
            }
            None => {
                let mut t = self.base_config.clone();
                if let Some(p) = &self.file.patch {
                    merge(&mut t, p);
                }
                t
            }
        };
        if let Some(p) = &step.patch {
            merge(&mut table, p);
        }
        toml::to_string(&table).map_err(|e| format!("cannot rebuild the configuration: {e}"))
    }
}

/// Every scenario file under the given paths (files as given; folders searched
/// recursively for `*.toml`, skipping folders named `configs`), sorted.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
        } else if p.is_dir() {
            walk(p, &mut out)
                .map_err(|e| format!("{}: cannot read the folder: {e}", p.display()))?;
        } else {
            return Err(format!("{}: no such file or folder", p.display()));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &FsPath, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "configs") {
                walk(&p, out)?;
            }
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
    Ok(())
}
