//! The architecture invariant, enforced by a test: core/ depends on no async
//! runtime, socket, file system, clock, thread or ambient randomness, iterates
//! no hash map, and every module starts with a `//!` doc.

use std::path::{Path, PathBuf};

use switchboard_tests::root;

/// Text that must never appear in core's sources.
const FORBIDDEN_IN_SOURCE: &[(&str, &str)] = &[
    ("tokio", "an async runtime"),
    ("std::net", "sockets"),
    ("std::fs", "the file system"),
    ("File::open", "the file system"),
    ("Instant::now", "the clock"),
    ("SystemTime", "the clock"),
    ("Utc::now", "the clock"),
    ("Local::now", "the clock"),
    ("thread_rng", "ambient randomness"),
    ("rand::rng()", "ambient randomness"),
    ("OsRng", "ambient randomness"),
    ("getrandom", "ambient randomness"),
    ("std::thread", "threads"),
    ("HashMap", "hash-ordered iteration"),
    ("HashSet", "hash-ordered iteration"),
    ("std::env", "the environment"),
];

/// Crates core must not depend on.
const FORBIDDEN_DEPENDENCIES: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "mio",
    "socket2",
    "rusqlite",
    "getrandom",
    "turmoil",
    "axum",
    "hyper",
];

/// Every problem with one source file.
fn check_source(name: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if !text.trim_start().starts_with("//!") {
        problems.push(format!("{name}: the module does not start with a //! doc"));
    }
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (needle, what) in FORBIDDEN_IN_SOURCE {
            if code.contains(needle) {
                problems.push(format!("{name}:{}: uses {what} ({needle})", n + 1));
            }
        }
    }
    problems
}

/// Every forbidden dependency in a Cargo.toml.
fn check_manifest(text: &str) -> Vec<String> {
    let manifest: toml::Table = match text.parse() {
        Ok(m) => m,
        Err(e) => return vec![format!("core/Cargo.toml does not parse: {e}")],
    };
    let mut problems = Vec::new();
    for section in ["dependencies", "build-dependencies"] {
        if let Some(deps) = manifest.get(section).and_then(|d| d.as_table()) {
            for dep in deps.keys() {
                if FORBIDDEN_DEPENDENCIES.contains(&dep.as_str()) {
                    problems.push(format!("core/Cargo.toml: [{section}] must not hold {dep}"));
                }
            }
        }
    }
    problems
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_is_sans_io_and_documented() {
    let core = root().join("core");
    let mut problems =
        check_manifest(&std::fs::read_to_string(core.join("Cargo.toml")).expect("core/Cargo.toml"));
    let mut files = Vec::new();
    rust_files(&core.join("src"), &mut files);
    assert!(
        files.len() > 10,
        "core/src should hold the engine's modules"
    );
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable source");
        problems.extend(check_source(
            &f.strip_prefix(root()).unwrap_or(&f).display().to_string(),
            &text,
        ));
    }
    assert!(
        problems.is_empty(),
        "core/ breaks the architecture invariant:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_module_of_every_crate_is_documented() {
    let mut missing = Vec::new();
    for krate in ["core", "sim", "shell", "tests"] {
        let mut files = Vec::new();
        rust_files(&root().join(krate), &mut files);
        for f in files
            .iter()
            .filter(|f| !f.components().any(|c| c.as_os_str() == "target"))
        {
            let text = std::fs::read_to_string(f).expect("readable source");
            if !text.trim_start().starts_with("//!") {
                missing.push(f.strip_prefix(root()).unwrap_or(f).display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "modules without a //! doc:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_tidy_checks_catch_what_they_forbid() {
    let bad = "use std::collections::HashMap;\nfn f() { let _ = std::time::Instant::now(); std::thread::spawn(|| ()); }\n";
    let problems = check_source("bad.rs", bad);
    assert!(
        problems.iter().any(|p| p.contains("//! doc")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("hash-ordered")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("the clock")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("threads")),
        "{problems:?}"
    );
    assert!(check_source("ok.rs", "//! Fine.\n// tokio is only named in a comment\n").is_empty());
    let manifest = "[dependencies]\ntokio = \"1\"\nserde = \"1\"\n";
    assert_eq!(check_manifest(manifest).len(), 1);
}
