//! Validation of flows (FLW-01): steps and their references, variables and
//! their popover positions (AGT-09), values against their types (CAD-02), and
//! the step graph (every step reachable, no loop that never waits).

use std::collections::BTreeMap;

use super::compile::{Cx, DEFAULT_MENU_ATTEMPTS, DEFAULT_MENU_TIMEOUT, MAX_VALUE_CHARS, index_of};
use super::locate::Path;
use super::outbound::{self, OutRefs};
use super::raw::*;
use super::*;
use crate::dtmf::Digit;
use crate::ids::*;
use crate::time::SimDuration;

pub(super) struct Refs<'a> {
    pub(super) queues: &'a BTreeMap<String, QueueIdx>,
    pub(super) hours: &'a BTreeMap<String, HoursIdx>,
    pub(super) prompts: &'a BTreeMap<String, PromptIdx>,
}

pub(super) fn flow(cx: &mut Cx<'_>, path: &Path, name: &str, f: &RawFlow, refs: &Refs<'_>) -> Flow {
    cx.name(path, "flow", name);
    let step_ix: BTreeMap<String, StepIdx> = index_of(&f.steps, StepIdx);
    let var_ix: BTreeMap<String, VarIdx> = index_of(&f.variables, VarIdx);
    let steps_path = path.key("steps");

    let mut popovers = BTreeMap::new();
    let variables = f
        .variables
        .iter()
        .map(|(vname, v)| {
            let vp = path.key("variables").key(vname);
            cx.name(&vp, "variable", vname);
            if let Some(d) = &v.default
                && let Err(msg) = check_value(v.var_type, d)
            {
                cx.err(&vp.key("default"), msg);
            }
            let popover = v.popover.map(|p| {
                let p = cx.int(&vp.key("popover"), p, 1, 6) as u8;
                if v.secure {
                    cx.err(&vp.key("popover"), format!("variable \"{vname}\" is secure and is never shown in a popover (AGT-09)"));
                }
                if let Some(other) = popovers.insert(p, vname.clone()) {
                    cx.err(&vp.key("popover"), format!("popover position {p} is already variable \"{other}\"'s"));
                }
                p
            });
            Variable {
                name: vname.clone(),
                var_type: v.var_type,
                default: v.default.clone(),
                label: v.label.clone().unwrap_or_else(|| vname.clone()),
                editable: v.editable,
                secure: v.secure,
                popover,
            }
        })
        .collect::<Vec<_>>();

    let shown = variables.iter().filter(|v| v.popover.is_some()).count();
    if (1..3).contains(&shown) {
        cx.err(
            &path.key("variables"),
            format!("the Contact Request shows 3 to 6 variables (AGT-09); flow \"{name}\" marks {shown} for the popover"),
        );
    }
    let start = cx.lookup(
        &path.key("start"),
        &step_ix,
        "step",
        &format!("flows.{name}.steps"),
        &f.start,
    );

    let mut steps = Vec::with_capacity(f.steps.len());
    for (sname, step) in &f.steps {
        let sp = steps_path.key(sname);
        cx.name(&sp, "step", sname);
        let table = format!("flows.{name}.steps");
        let step_ref = |cx: &mut Cx<'_>, key: &str, target: &str| {
            cx.lookup(&sp.key(key), &step_ix, "step", &table, target)
                .unwrap_or(StepIdx(0))
        };
        let compiled = match step {
            RawStep::BusinessHours {
                hours,
                open,
                closed,
                holiday,
            } => {
                let h = cx.lookup(
                    &sp.key("hours"),
                    refs.hours,
                    "business hours",
                    "business_hours",
                    hours,
                );
                let open = step_ref(cx, "open", open);
                let closed = step_ref(cx, "closed", closed);
                let holiday = match holiday {
                    Some(hol) => step_ref(cx, "holiday", hol),
                    None => closed,
                };
                Step::BusinessHours {
                    hours: h.unwrap_or(HoursIdx(0)),
                    open,
                    closed,
                    holiday,
                }
            }
            RawStep::Play { prompt, next } => {
                let prompt =
                    cx.lookup(&sp.key("prompt"), refs.prompts, "prompt", "prompts", prompt);
                let next = next.as_ref().map(|n| step_ref(cx, "next", n));
                Step::Play {
                    prompt: prompt.unwrap_or(PromptIdx(0)),
                    next,
                }
            }
            RawStep::Menu {
                prompt,
                options,
                timeout,
                attempts,
                default,
            } => {
                let prompt =
                    cx.lookup(&sp.key("prompt"), refs.prompts, "prompt", "prompts", prompt);
                if options.is_empty() {
                    cx.err(
                        &sp.key("options"),
                        "a menu needs at least one option, such as options = { 1 = \"sales\" }",
                    );
                }
                let mut opts = Vec::with_capacity(options.len());
                for (key, target) in options {
                    let mut chars = key.chars();
                    let digit = match (chars.next().and_then(Digit::from_char), chars.next()) {
                        (Some(d), None) => Some(d),
                        _ => {
                            cx.err(
                                &sp.key("options").key(key),
                                format!(
                                    "\"{key}\" is not a key of the phone; use one of 0-9, * or #"
                                ),
                            );
                            None
                        }
                    };
                    let target = cx
                        .lookup(
                            &sp.key("options").key(key),
                            &step_ix,
                            "step",
                            &table,
                            target,
                        )
                        .unwrap_or(StepIdx(0));
                    if let Some(d) = digit {
                        opts.push((d, target));
                    }
                }
                let timeout = timeout.unwrap_or(DEFAULT_MENU_TIMEOUT);
                cx.duration(
                    &sp.key("timeout"),
                    timeout,
                    SimDuration::from_secs(1),
                    SimDuration::from_secs(60),
                );
                let attempts = match attempts {
                    Some(a) => cx.int(&sp.key("attempts"), *a, 1, 9) as u8,
                    None => DEFAULT_MENU_ATTEMPTS,
                };
                let default = default.as_ref().map(|d| step_ref(cx, "default", d));
                Step::Menu {
                    prompt: prompt.unwrap_or(PromptIdx(0)),
                    options: opts,
                    timeout,
                    attempts,
                    default,
                }
            }
            RawStep::Set {
                variable,
                value,
                next,
            } => {
                let var = cx.lookup(
                    &sp.key("variable"),
                    &var_ix,
                    "variable",
                    &format!("flows.{name}.variables"),
                    variable,
                );
                if value.chars().count() > MAX_VALUE_CHARS {
                    cx.err(
                        &sp.key("value"),
                        format!("a value may hold at most {MAX_VALUE_CHARS} characters (CAD-02)"),
                    );
                }
                if let Some(v) = var
                    && !value.contains('{')
                    && let Err(msg) = check_value(variables[v.ix()].var_type, value)
                {
                    cx.err(&sp.key("value"), msg);
                }
                for token in tokens(value) {
                    if !matches!(token, "ani" | "dnis" | "digits" | "entry_point") {
                        cx.err(&sp.key("value"), format!("unknown placeholder {{{token}}}; use {{ani}}, {{dnis}}, {{digits}} or {{entry_point}}"));
                    }
                }
                let next = next.as_ref().map(|n| step_ref(cx, "next", n));
                Step::Set {
                    var: var.unwrap_or(VarIdx(0)),
                    value: ValueTemplate(value.clone()),
                    next,
                }
            }
            RawStep::Queue {
                queue,
                priority,
                overflow,
                callback,
            } => {
                let q = cx.lookup(&sp.key("queue"), refs.queues, "queue", "queues", queue);
                let priority = match priority {
                    Some(p) => cx.int(&sp.key("priority"), *p, 0, 9) as u8,
                    None => 0,
                };
                let out = OutRefs {
                    prompts: refs.prompts,
                    hours: refs.hours,
                };
                let overflow = match overflow {
                    None => OverflowChoice::Queue,
                    Some(o) => match outbound::overflow(cx, &sp.key("overflow"), o, &out) {
                        Some(rule) => OverflowChoice::Rule(rule),
                        None => OverflowChoice::Off,
                    },
                };
                let courtesy = callback
                    .as_ref()
                    .map(|c| outbound::courtesy(cx, &sp.key("callback"), c, &out));
                Step::Queue {
                    queue: q.unwrap_or(QueueIdx(0)),
                    priority,
                    overflow,
                    courtesy,
                }
            }
            RawStep::Callback {
                queue,
                number,
                prompt,
                priority,
                next,
            } => {
                let q = cx.lookup(&sp.key("queue"), refs.queues, "queue", "queues", queue);
                let number = number.clone().unwrap_or_else(|| "{ani}".to_string());
                for token in tokens(&number) {
                    if !matches!(token, "ani" | "dnis" | "digits") {
                        cx.err(&sp.key("number"), format!("unknown placeholder {{{token}}}; use {{ani}}, {{dnis}} or {{digits}}"));
                    }
                }
                if !number.contains('{')
                    && let Err(e) = crate::dialnum::DialNumber::parse(&number)
                {
                    cx.err(&sp.key("number"), e.to_string());
                }
                let prompt = prompt.as_ref().and_then(|p| {
                    cx.lookup(&sp.key("prompt"), refs.prompts, "prompt", "prompts", p)
                });
                let priority = match priority {
                    Some(p) => cx.int(&sp.key("priority"), *p, 0, 9) as u8,
                    None => 0,
                };
                let next = next.as_ref().map(|n| step_ref(cx, "next", n));
                Step::Callback {
                    queue: q.unwrap_or(QueueIdx(0)),
                    number: ValueTemplate(number),
                    prompt,
                    priority,
                    next,
                }
            }
            RawStep::Disconnect { prompt } => {
                let prompt = prompt.as_ref().and_then(|p| {
                    cx.lookup(&sp.key("prompt"), refs.prompts, "prompt", "prompts", p)
                });
                Step::Disconnect { prompt }
            }
        };
        steps.push(compiled);
    }

    let step_names: Vec<String> = f.steps.keys().cloned().collect();
    // The graph is checked when every step reference resolved (other errors do not matter).
    let refs_resolve = f
        .steps
        .values()
        .flat_map(raw_targets)
        .all(|t| step_ix.contains_key(t));
    if let Some(start) = start
        && refs_resolve
    {
        check_graph(cx, &steps_path, &steps, &step_names, start);
    }
    Flow {
        name: name.to_string(),
        description: f.description.clone(),
        start: start.unwrap_or(StepIdx(0)),
        steps,
        step_names,
        variables,
    }
}

/// The steps a step can go to next.
pub fn successors(step: &Step) -> Vec<StepIdx> {
    match step {
        Step::BusinessHours {
            open,
            closed,
            holiday,
            ..
        } => vec![*open, *closed, *holiday],
        Step::Play { next, .. } | Step::Set { next, .. } | Step::Callback { next, .. } => {
            next.iter().copied().collect()
        }
        Step::Menu {
            options, default, ..
        } => options
            .iter()
            .map(|o| o.1)
            .chain(default.iter().copied())
            .collect(),
        Step::Queue { .. } | Step::Disconnect { .. } => Vec::new(),
    }
}

/// Every step reachable; no loop made only of steps that take no time
/// (business-hours branches and sets), which would never stop.
fn check_graph(cx: &mut Cx<'_>, path: &Path, steps: &[Step], names: &[String], start: StepIdx) {
    let mut reached = vec![false; steps.len()];
    let mut stack = vec![start];
    while let Some(s) = stack.pop() {
        if std::mem::replace(&mut reached[s.ix()], true) {
            continue;
        }
        stack.extend(successors(&steps[s.ix()]));
    }
    for (i, r) in reached.iter().enumerate() {
        if !r {
            cx.err(
                &path.key(&names[i]),
                format!("step \"{}\" is never reached from the start step", names[i]),
            );
        }
    }
    // Cycle detection among instantaneous steps: colour DFS.
    let instant = |s: &Step| {
        matches!(
            s,
            Step::BusinessHours { .. } | Step::Set { .. } | Step::Callback { .. }
        )
    };
    let mut colour = vec![0u8; steps.len()]; // 0 new, 1 on stack, 2 done
    for root in 0..steps.len() {
        if colour[root] != 0 || !instant(&steps[root]) {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        colour[root] = 1;
        while let Some((node, child)) = stack.pop() {
            let next: Vec<usize> = successors(&steps[node])
                .into_iter()
                .map(|s| s.ix())
                .filter(|&s| instant(&steps[s]))
                .collect();
            if child < next.len() {
                stack.push((node, child + 1));
                let n = next[child];
                if colour[n] == 1 {
                    cx.err(
                        &path.key(&names[n]),
                        format!("step \"{}\" is part of a loop that never waits for the caller; route the loop through a play or menu step", names[n]),
                    );
                } else if colour[n] == 0 {
                    colour[n] = 1;
                    stack.push((n, 0));
                }
            } else {
                colour[node] = 2;
            }
        }
    }
}

fn tokens(value: &str) -> impl Iterator<Item = &str> {
    value
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(t, _)| t))
}

/// Checks a literal value against its type (CAD-02: date-times in ISO 8601).
pub fn check_value(var_type: VarType, value: &str) -> Result<(), String> {
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(format!(
            "a value may hold at most {MAX_VALUE_CHARS} characters (CAD-02)"
        ));
    }
    let ok = match var_type {
        VarType::String => true,
        VarType::Number => value.trim().parse::<f64>().is_ok_and(f64::is_finite),
        VarType::Boolean => matches!(value, "true" | "false"),
        VarType::Datetime => chrono::DateTime::parse_from_rfc3339(value).is_ok(),
    };
    if ok {
        Ok(())
    } else {
        let expected = match var_type {
            VarType::String => "text",
            VarType::Number => "a number",
            VarType::Boolean => "true or false",
            VarType::Datetime => "an ISO 8601 date-time such as 2026-11-23T09:30:00Z",
        };
        Err(format!("\"{value}\" is not {expected}"))
    }
}

/// The names of the steps a raw step refers to.
fn raw_targets(step: &RawStep) -> Vec<&str> {
    match step {
        RawStep::BusinessHours {
            open,
            closed,
            holiday,
            ..
        } => [Some(open), Some(closed), holiday.as_ref()]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect(),
        RawStep::Play { next, .. } | RawStep::Set { next, .. } | RawStep::Callback { next, .. } => {
            next.iter().map(String::as_str).collect()
        }
        RawStep::Menu {
            options, default, ..
        } => options
            .values()
            .chain(default.iter())
            .map(String::as_str)
            .collect(),
        RawStep::Queue { .. } | RawStep::Disconnect { .. } => Vec::new(),
    }
}
