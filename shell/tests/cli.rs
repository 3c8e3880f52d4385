//! The `switchboard` command as a user meets it: exit codes, the one-line-per-
//! scenario report, failures that name the file, the expectation and what was
//! seen, and one-sentence errors for bad files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

fn switchboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A test's scratch directory, removed when the test is over (pass or fail).
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("switchboard-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    Scratch(dir)
}

#[test]
fn check_accepts_the_example() {
    let o = switchboard(&["check", "examples/acme.toml"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("examples/acme.toml: ok: tenant \"Acme Support\""),
        "{out}"
    );
}

#[test]
fn check_reports_every_error_with_its_location() {
    let dir = temp_dir("check");
    let file = dir.join("bad.toml");
    let example = std::fs::read_to_string(root().join("examples/acme.toml")).expect("example");
    let bad = example
        .replace(
            "timezone = \"Europe/Warsaw\"",
            "timezone = \"Europe/Atlantis\"",
        )
        .replace(
            "teams = [\"tier1\"]\nstrategy = \"longest_available\"",
            "teams = [\"tier9\"]\nstrategy = \"longest_available\"",
        );
    std::fs::write(&file, bad).expect("write");
    let o = switchboard(&["check", file.to_str().expect("utf-8")]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].contains("bad.toml:7:12: tenant.timezone: \"Europe/Atlantis\" is not a time zone"),
        "{err}"
    );
    assert!(
        lines[1].contains("queues.general.teams[0]: unknown team \"tier9\""),
        "{err}"
    );
    assert!(
        lines[2].ends_with("2 error(s); nothing of this configuration was applied"),
        "{err}"
    );
}

#[test]
fn check_of_a_missing_or_malformed_file_is_one_sentence() {
    let o = switchboard(&["check", "no/such/file.toml"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.starts_with("error: cannot read no/such/file.toml"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let dir = temp_dir("malformed");
    let file = dir.join("m.toml");
    std::fs::write(&file, "[tenant]\nname = \"x\n").expect("write");
    let (_, err) = text(&switchboard(&["check", file.to_str().expect("utf-8")]));
    assert!(err.contains("m.toml:2:10: invalid basic string"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn replay_runs_every_scenario_and_summarizes() {
    let o = switchboard(&["replay"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    let last = out.lines().last().expect("a summary");
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
    let passed: usize = last
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("PASS  ")).count(),
        passed
    );
    assert!(passed >= 30);
}

#[test]
fn a_failed_expectation_names_file_expectation_and_what_was_seen() {
    let dir = temp_dir("fail");
    let config = root().join("scenarios/configs/basic.toml");
    let scenario = format!(
        r#"title = "wrong on purpose"
rules = ["AGT-01"]
config = "{}"

[agents.a1]
login = "0s"

[[expect]]
at = "1s"
agent = "a1"
state = "Idle"
"#,
        config.display()
    );
    let file = dir.join("wrong.toml");
    std::fs::write(&file, scenario).expect("write");
    let o = switchboard(&["replay", file.to_str().expect("utf-8"), "--trace"]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL  "), "{out}");
    assert!(
        out.contains(
            "wrong.toml: expect #1 at 00:00:01.000: agent a1 state: expected Idle, saw Available"
        ),
        "{out}"
    );
    assert!(
        out.contains("00:00:00.000  agent a1       LoggedOut -> Available (login)"),
        "--trace prints the trace: {out}"
    );
    assert!(out.trim_end().ends_with("0 passed, 1 failed"), "{out}");
}

#[test]
fn bad_scenario_files_fail_with_a_location_and_no_panic() {
    let dir = temp_dir("badscen");
    std::fs::write(dir.join("syntax.toml"), "title = \"x\"\nrules = [\n").expect("write");
    std::fs::write(
        dir.join("unknown_key.toml"),
        "title = \"x\"\nconfig = \"a.toml\"\nwhen = 3\n",
    )
    .expect("write");
    let config = root().join("scenarios/configs/basic.toml");
    std::fs::write(
        dir.join("unknown_agent.toml"),
        format!("title = \"x\"\nconfig = \"{}\"\n[[step]]\nat = \"1s\"\nagent = \"zed\"\ndo = \"login\"\n", config.display()),
    )
    .expect("write");
    let o = switchboard(&["replay", dir.to_str().expect("utf-8")]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(out.contains("syntax.toml:2:10: unclosed array"), "{out}");
    assert!(
        out.contains("unknown_key.toml:3:1: unknown key `when`"),
        "{out}"
    );
    assert!(
        out.contains("step #1 (at 1s): there is no agent \"zed\" in the configuration"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("0 passed, 3 failed"), "{out}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn replay_of_a_missing_path_is_an_error() {
    let o = switchboard(&["replay", "no/such/place"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(err.trim(), "error: no/such/place: no such file or folder");
}

#[test]
fn replay_stats_prints_statistics() {
    let o = switchboard(&["replay", "scenarios/stats", "--stats"]);
    let (out, _) = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("queue support"), "{out}");
    assert!(out.contains("ASA"), "{out}");
    assert!(out.contains("occupancy"), "{out}");
}

#[test]
fn check_validates_contact_lists_with_line_numbers() {
    let o = switchboard(&[
        "check",
        "scenarios/configs/campaigns.toml",
        "--contacts",
        "survey=scenarios/campaigns/lists/survey.csv",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("2 contact(s) kept, 0 row(s) rejected for campaign \"survey\""),
        "{out}"
    );

    let o = switchboard(&[
        "check",
        "scenarios/configs/campaigns.toml",
        "--contacts",
        "renewals=scenarios/campaigns/lists/renewals.csv",
    ]);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}{err}");
    assert!(
        err.contains(
            "scenarios/campaigns/lists/renewals.csv:4: line 4: \"12\" is not a dial number"
        ),
        "{err}"
    );
    assert!(
        err.contains("renewals.csv:7: line 7 has 2 fields; the header has 3"),
        "{err}"
    );
    assert!(
        err.contains("3 contact(s) kept, 3 row(s) rejected"),
        "{err}"
    );

    // The shown columns must be in the list; an unknown campaign is named.
    let o = switchboard(&[
        "check",
        "scenarios/configs/campaigns.toml",
        "--contacts",
        "renewals=scenarios/campaigns/lists/survey.csv",
        "--contacts",
        "nosuch=scenarios/campaigns/lists/survey.csv",
    ]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("campaign \"renewals\" shows column \"plan\", which the list does not have"),
        "{err}"
    );
    assert!(
        err.contains("the configuration has no campaign \"nosuch\""),
        "{err}"
    );
}

#[test]
fn plan_prints_levels_with_the_erlang_reference_and_json() {
    let o = switchboard(&[
        "plan",
        "--rate",
        "100",
        "--aht",
        "180",
        "--patience",
        "120",
        "--agents",
        "6..8",
        "--days",
        "2",
        "--replications",
        "3",
        "--threads",
        "1",
        "--target",
        "80/20",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("Erlang A:"), "{out}");
    assert!(out.contains("target 80% within 20 s"), "{out}");
    assert!(
        err.is_empty(),
        "no progress bar when not on a terminal: {err}"
    );
    let o = switchboard(&[
        "plan",
        "--rate",
        "100",
        "--agents",
        "7",
        "--days",
        "1",
        "--replications",
        "2",
        "--json",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.trim_start().starts_with('{') && out.contains("\"service_level\""),
        "{out}"
    );
}

#[test]
fn plan_refuses_bad_options_with_a_sentence() {
    let dir = temp_dir("plan");
    let profile = dir.join("profile.csv");
    std::fs::write(&profile, "start,calls\n09:00,10\n").expect("write");
    let handle = dir.join("handle.csv");
    std::fs::write(&handle, "seconds\n120\n90000\n").expect("write");
    let handle_file = format!("--handle-file={}", handle.to_str().expect("utf-8"));
    let cases: [(&[&str], &str); 13] = [
        (
            &["plan", "--agents", "5"],
            "give --rate CALLS_PER_HOUR or --profile FILE",
        ),
        (
            &["plan", "--rate", "100"],
            "give --agents N (or A..B) or --schedule FILE",
        ),
        (
            &["plan", "--rate", "100", "--agents", "9..3"],
            "the range runs backwards",
        ),
        (
            &["plan", "--rate=-5", "--agents", "3"],
            "--rate must be a positive number",
        ),
        (
            &[
                "plan", "--rate", "100", "--agents", "3", "--target", "eighty",
            ],
            "is not PERCENT/SECONDS",
        ),
        (
            &[
                "plan",
                "--rate",
                "100",
                "--agents",
                "3",
                "--wrap-up",
                "4000",
            ],
            "--wrap-up must be from 0 to 3600 seconds",
        ),
        (
            &[
                "plan",
                "--profile",
                profile.to_str().expect("utf-8"),
                "--agents",
                "3",
            ],
            "1 intervals; a profile has 96 (15 minutes) or 48 (30 minutes)",
        ),
        // Sizes past any contact center's, refused before anything runs
        // (they would exhaust memory or overflow the engine's clock).
        (
            &["plan", "--rate", "1e9", "--agents", "3"],
            "the model offers about 2.400e10 calls in a replication; at most 1e9 are simulated",
        ),
        (
            &["plan", "--rate=100", "--agents=3", "--aht=1e15"],
            "--aht must be at most 86400 seconds (a day)",
        ),
        (
            &[
                "plan",
                "--rate=1",
                "--agents=3",
                "--handle=lognormal",
                "--cv=1e300",
            ],
            "--cv must be a positive number, at most 100",
        ),
        (
            &["plan", "--rate=100", "--agents=3", "--threshold=1e300"],
            "--threshold must be at most 86400 seconds (a day)",
        ),
        (
            &[
                "plan",
                "--rate=1",
                "--agents=3",
                "--callback-after=1e300",
                "--callback-share=1",
            ],
            "--callback-after must be at most 86400 seconds (a day)",
        ),
        (
            &[
                "plan",
                "--rate=100",
                "--agents=3",
                "--handle=empirical",
                &handle_file,
            ],
            "handle.csv:3: 90000 seconds is more than a day (86400 s)",
        ),
    ];
    for (args, want) in cases {
        let o = switchboard(args);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one sentence: {err}");
    }
}
