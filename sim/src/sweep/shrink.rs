//! Shrinking a failing world: greedily removes steps (by halves, then one by
//! one) and callers (with the steps about them) as long as the scenario still
//! breaks the same invariant (agents and the final healing steps stay), then
//! writes the smallest scenario found. A bounded number of runs keeps it quick.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::{invariant_of, run_text, scenario_path};

/// What shrinking gave.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The smallest failing scenario's text.
    pub text: String,
    /// The failure it still shows.
    pub failure: String,
    pub runs: usize,
    /// (callers, agents, steps) before and after.
    pub before: (usize, usize, usize),
    pub after: (usize, usize, usize),
}

fn size(t: &Table) -> (usize, usize, usize) {
    let n = |k: &str| match t.get(k) {
        Some(Value::Table(x)) => x.len(),
        Some(Value::Array(x)) => x.len(),
        _ => 0,
    };
    (n("callers"), n("agents"), n("step"))
}

fn steps(t: &Table) -> Vec<Value> {
    match t.get("step") {
        Some(Value::Array(a)) => a.clone(),
        _ => Vec::new(),
    }
}

fn names(t: &Table, key: &str) -> Vec<String> {
    match t.get(key) {
        Some(Value::Table(x)) => x.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

fn mentions(step: &Value, key: &str, name: &str) -> bool {
    step.get(key).and_then(Value::as_str) == Some(name)
        || (key == "agent" && step.get("to_agent").and_then(Value::as_str) == Some(name))
}

/// The scenario without `name` under `key` (callers or agents) and the steps about it.
fn without(t: &Table, key: &str, name: &str) -> Table {
    let mut t = t.clone();
    if let Some(Value::Table(x)) = t.get_mut(key) {
        x.remove(name);
    }
    let field = if key == "callers" { "caller" } else { "agent" };
    let kept: Vec<Value> = steps(&t)
        .into_iter()
        .filter(|s| !mentions(s, field, name))
        .collect();
    t.insert("step".into(), Value::Array(kept));
    t
}

/// Shrinks `scenario` (which fails with `failure` when run as the file of
/// `seed`), trying at most `budget` runs.
pub fn shrink(seed: u64, scenario: &Table, failure: &str, budget: usize) -> Shrunk {
    let want = invariant_of(failure);
    let path = scenario_path(seed);
    let mut runs = 0usize;
    let mut best = scenario.clone();
    let mut best_failure = failure.to_string();
    let still_fails = |t: &Table, runs: &mut usize| -> Option<String> {
        *runs += 1;
        let text = toml::to_string(t).ok()?;
        run_text(&path, &text)
            .into_iter()
            .find(|f| invariant_of(f) == want)
    };
    // The healing steps at the end (every agent back and available) and the
    // agents' behaviour (who comes back from RONA, who wraps up) are what
    // make liveness a fair demand: they stay.
    let heal: Vec<Value> = steps(scenario)
        .into_iter()
        .rev()
        .take_while(|s| {
            matches!(
                s.get("do").and_then(Value::as_str),
                Some("put_down" | "login" | "available")
            ) && s.get("caller").is_none()
        })
        .collect();
    let removable = |cur: &[Value], i: usize| !heal.contains(&cur[i]);
    let before = size(scenario);
    let mut progress = true;
    while progress && runs < budget {
        progress = false;
        // Steps: chunks of halving size.
        let mut chunk = steps(&best).len().div_ceil(2).max(1);
        while chunk >= 1 && runs < budget {
            let all = steps(&best);
            let mut i = 0;
            while i < all.len() && runs < budget {
                let cur = steps(&best);
                if i >= cur.len() {
                    break;
                }
                let end = (i + chunk).min(cur.len());
                if !(i..end).any(|k| removable(&cur, k)) {
                    i += chunk;
                    continue;
                }
                let mut t = best.clone();
                let kept: Vec<Value> = (0..cur.len())
                    .filter(|&k| k < i || k >= end || !removable(&cur, k))
                    .map(|k| cur[k].clone())
                    .collect();
                t.insert("step".into(), Value::Array(kept));
                if let Some(f) = still_fails(&t, &mut runs) {
                    best = t;
                    best_failure = f;
                    progress = true;
                } else {
                    i += chunk;
                }
            }
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
        for key in ["callers"] {
            for name in names(&best, key) {
                if runs >= budget {
                    break;
                }
                let t = without(&best, key, &name);
                if let Some(f) = still_fails(&t, &mut runs) {
                    best = t;
                    best_failure = f;
                    progress = true;
                }
            }
        }
    }
    let mut text = format!(
        "# Shrunk from seed {seed} of `switchboard sweep`: {}\n# It fails with: {best_failure}\n",
        want
    );
    text += &toml::to_string(&best).unwrap_or_default();
    Shrunk {
        text,
        failure: best_failure,
        runs,
        before,
        after: size(&best),
    }
}

/// Writes a shrunk scenario as `dir/seed-N.toml`; its path.
pub fn write(dir: &Path, seed: u64, s: &Shrunk) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    let path = dir.join(format!("seed-{seed}.toml"));
    std::fs::write(&path, &s.text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
