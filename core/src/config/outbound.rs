//! Validation of what makes the engine call customers: a queue's callback policy
//! and direct-callback overflow (CBK-04..CBK-10), the courtesy callback offered in
//! a queue (CBK-01), and outbound preview campaigns (CMP-01..CMP-10).

use std::collections::{BTreeMap, BTreeSet};

use super::compile::Cx;
use super::locate::Path;
use super::raw::*;
use super::*;
use crate::dtmf::Digit;
use crate::ids::*;
use crate::time::SimDuration;

/// Dial attempts of a callback when its queue does not say (CBK-04).
pub const DEFAULT_CALLBACK_ATTEMPTS: u8 = 3;
/// The first courtesy-callback offer after the caller is queued, by default.
pub const DEFAULT_COURTESY_AFTER: SimDuration = SimDuration::from_secs(60);
/// Later courtesy offers, by default.
pub const DEFAULT_COURTESY_EVERY: SimDuration = SimDuration::from_secs(120);
/// A campaign preview's timeout when the campaign does not say (CMP-05).
pub const DEFAULT_PREVIEW_TIMEOUT: SimDuration = SimDuration::from_secs(30);
/// How long a reservation call rings the agent by default (CMP-02).
pub const DEFAULT_RESERVATION_TIMEOUT: SimDuration = SimDuration::from_secs(18);
/// Attempts per campaign contact by default (CMP-08).
pub const DEFAULT_CAMPAIGN_ATTEMPTS: u8 = 3;
/// The most contact columns a preview shows (as a Contact Request, AGT-09/AGT-10).
pub const MAX_SHOWN_COLUMNS: usize = 6;

/// Name indices a section refers to.
pub(super) struct OutRefs<'a> {
    pub(super) prompts: &'a BTreeMap<String, PromptIdx>,
    pub(super) hours: &'a BTreeMap<String, HoursIdx>,
}

pub(super) fn callback_policy(
    cx: &mut Cx<'_>,
    path: &Path,
    raw: Option<&RawCallbackPolicy>,
    refs: &OutRefs<'_>,
) -> CallbackPolicy {
    let Some(raw) = raw else {
        return CallbackPolicy {
            hours: None,
            attempts: DEFAULT_CALLBACK_ATTEMPTS,
            cancel: false,
        };
    };
    let hours = raw.hours.as_ref().and_then(|h| {
        cx.lookup(
            &path.key("hours"),
            refs.hours,
            "business hours",
            "business_hours",
            h,
        )
    });
    let attempts = match raw.attempts {
        Some(a) => cx.int(&path.key("attempts"), a, 1, 10) as u8,
        None => DEFAULT_CALLBACK_ATTEMPTS,
    };
    CallbackPolicy {
        hours,
        attempts,
        cancel: raw.cancel,
    }
}

/// A direct-callback overflow rule; `None` when it is turned off (`enabled = false`).
pub(super) fn overflow(
    cx: &mut Cx<'_>,
    path: &Path,
    raw: &RawOverflow,
    refs: &OutRefs<'_>,
) -> Option<Overflow> {
    if !raw.enabled {
        let given = [
            ("waiting_above", raw.waiting_above.is_some()),
            ("wait_above", raw.wait_above.is_some()),
            ("offer_prompt", raw.offer_prompt.is_some()),
            ("confirm_prompt", raw.confirm_prompt.is_some()),
        ];
        for (key, set) in given {
            if set {
                cx.err(
                    &path.key(key),
                    "overflow is turned off (enabled = false); remove this key or turn it on",
                );
            }
        }
        return None;
    }
    let waiting_above = raw
        .waiting_above
        .map(|n| cx.int(&path.key("waiting_above"), n, 0, 100_000) as u32);
    if let Some(d) = raw.wait_above {
        cx.duration(
            &path.key("wait_above"),
            d,
            SimDuration::from_secs(1),
            SimDuration::from_secs(24 * 3600),
        );
    }
    if waiting_above.is_none() && raw.wait_above.is_none() {
        cx.err(
            path,
            "direct callback needs a condition: waiting_above (calls waiting) and/or wait_above (estimated wait)",
        );
    }
    let mut prompt = |key: &str, value: &Option<String>| match value {
        Some(p) => cx.lookup(&path.key(key), refs.prompts, "prompt", "prompts", p),
        None => {
            cx.err(
                &path.key(key),
                format!("direct callback needs {key}, the name of a prompt"),
            );
            None
        }
    };
    let offer = prompt("offer_prompt", &raw.offer_prompt);
    let confirm = prompt("confirm_prompt", &raw.confirm_prompt);
    Some(Overflow {
        waiting_above,
        wait_above: raw.wait_above,
        offer: offer.unwrap_or(PromptIdx(0)),
        confirm: confirm.unwrap_or(PromptIdx(0)),
    })
}

pub(super) fn courtesy(
    cx: &mut Cx<'_>,
    path: &Path,
    raw: &RawCourtesy,
    refs: &OutRefs<'_>,
) -> Courtesy {
    let after = raw.after.unwrap_or(DEFAULT_COURTESY_AFTER);
    cx.duration(
        &path.key("after"),
        after,
        SimDuration::from_secs(1),
        SimDuration::from_secs(3600),
    );
    let every = raw.every.unwrap_or(DEFAULT_COURTESY_EVERY);
    cx.duration(
        &path.key("every"),
        every,
        SimDuration::from_secs(10),
        SimDuration::from_secs(3600),
    );
    let key = match raw.key.as_deref() {
        None => Digit::ONE,
        Some(k) => {
            let mut chars = k.chars();
            match (chars.next().and_then(Digit::from_char), chars.next()) {
                (Some(d), None) => d,
                _ => {
                    cx.err(
                        &path.key("key"),
                        format!("\"{k}\" is not a key of the phone; use one of 0-9, * or #"),
                    );
                    Digit::ONE
                }
            }
        }
    };
    let prompt = cx
        .lookup(
            &path.key("prompt"),
            refs.prompts,
            "prompt",
            "prompts",
            &raw.prompt,
        )
        .unwrap_or(PromptIdx(0));
    let confirm = cx
        .lookup(
            &path.key("confirm"),
            refs.prompts,
            "prompt",
            "prompts",
            &raw.confirm,
        )
        .unwrap_or(PromptIdx(0));
    Courtesy {
        after,
        every,
        key,
        prompt,
        confirm,
    }
}

/// Name indices a campaign refers to.
pub(super) struct CampaignRefs<'a> {
    pub(super) agents: &'a BTreeMap<String, AgentIdx>,
    pub(super) teams: &'a [Team],
    pub(super) team_ix: &'a BTreeMap<String, TeamIdx>,
    pub(super) entry_points: &'a [EntryPoint],
    pub(super) profiles: &'a [Profile],
    pub(super) agent_list: &'a [Agent],
}

pub(super) fn campaign(
    cx: &mut Cx<'_>,
    path: &Path,
    name: &str,
    raw: &RawCampaign,
    refs: &CampaignRefs<'_>,
) -> Campaign {
    cx.name(path, "campaign", name);
    if raw.description.chars().count() > 250 {
        cx.err(
            &path.key("description"),
            "a description holds at most 250 characters",
        );
    }
    let outbound =
        |e: &EntryPoint| e.channel == ChannelKind::Telephony && e.queue_type == QueueType::Outbound;
    let entry_point = match &raw.entry_point {
        Some(e) => match refs.entry_points.iter().position(|x| &x.name == e) {
            Some(i) if outbound(&refs.entry_points[i]) => EpIdx(i as u32),
            Some(_) => {
                cx.err(
                    &path.key("entry_point"),
                    format!("entry point \"{e}\" is not an outbound telephony entry point; a campaign's calls go out from one"),
                );
                EpIdx(0)
            }
            None => {
                cx.err(
                    &path.key("entry_point"),
                    format!("unknown entry point \"{e}\"; define it under [entry_points]"),
                );
                EpIdx(0)
            }
        },
        None => {
            let eps = refs.entry_points;
            let pick = eps
                .iter()
                .position(|e| outbound(e) && !e.system)
                .or_else(|| eps.iter().position(outbound))
                .unwrap_or(0);
            EpIdx(pick as u32)
        }
    };

    let mut members: Vec<AgentIdx> = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, aname) in raw.agents.iter().enumerate() {
        let p = path.key("agents").index(i);
        if !seen.insert(("agent", aname.as_str())) {
            cx.err(&p, format!("agent \"{aname}\" is listed twice"));
        }
        if let Some(a) = cx.lookup(&p, refs.agents, "agent", "agents", aname)
            && !members.contains(&a)
        {
            members.push(a);
        }
    }
    for (i, tname) in raw.teams.iter().enumerate() {
        let p = path.key("teams").index(i);
        if !seen.insert(("team", tname.as_str())) {
            cx.err(&p, format!("team \"{tname}\" is listed twice"));
        }
        if let Some(t) = cx.lookup(&p, refs.team_ix, "team", "teams", tname) {
            for &a in &refs.teams[t.ix()].agents {
                if !members.contains(&a) {
                    members.push(a);
                }
            }
        }
    }
    if raw.agents.is_empty() && raw.teams.is_empty() {
        cx.err(
            path,
            format!("campaign \"{name}\" has nobody to work it; list agents and/or teams"),
        );
    }
    for &a in &members {
        let agent = &refs.agent_list[a.ix()];
        if refs
            .profiles
            .get(agent.profile.ix())
            .is_some_and(|p| p.voice == 0)
        {
            cx.err(
                path,
                format!(
                    "agent \"{}\" works campaign \"{name}\" but takes no calls (its profile has no voice)",
                    agent.id
                ),
            );
        }
    }

    let preview_timeout = raw.preview_timeout.unwrap_or(DEFAULT_PREVIEW_TIMEOUT);
    cx.duration(
        &path.key("preview_timeout"),
        preview_timeout,
        SimDuration::from_secs(5),
        SimDuration::from_secs(600),
    );
    let reservation_timeout = raw
        .reservation_timeout
        .unwrap_or(DEFAULT_RESERVATION_TIMEOUT);
    cx.duration(
        &path.key("reservation_timeout"),
        reservation_timeout,
        SimDuration::from_secs(1),
        SimDuration::from_secs(600),
    );
    let amd = raw.amd.as_ref().map(|p| {
        if let Err(e) = p.validate() {
            cx.err(&path.key("amd"), e);
        }
        Box::new(p.clone())
    });
    let timeout_action = match (raw.mode, raw.timeout_action) {
        (CampaignMode::DirectPreview, Some(a)) if a != PreviewAction::Accept => {
            cx.err(
                &path.key("timeout_action"),
                "a direct preview dials when its preview times out; its timeout action can only be \"accept\" (use standard_preview to choose another)",
            );
            PreviewAction::Accept
        }
        (CampaignMode::DirectPreview, _) => PreviewAction::Accept,
        (_, Some(a)) => a,
        (_, None) => PreviewAction::Skip,
    };
    // CMP-06: a disabled action is not a valid timeout action.
    let disabled = match timeout_action {
        PreviewAction::Skip => !raw.skip,
        PreviewAction::Remove => !raw.remove,
        PreviewAction::Accept => false,
    };
    if disabled {
        let what = if timeout_action == PreviewAction::Skip {
            "skip"
        } else {
            "remove"
        };
        let key = if raw.timeout_action.is_some() {
            path.key("timeout_action")
        } else {
            path.key(what)
        };
        cx.err(
            &key,
            format!("the timeout action is \"{what}\", which this campaign disables (CMP-06); enable {what} or choose another timeout action"),
        );
    }
    if raw.show.len() > MAX_SHOWN_COLUMNS {
        cx.err(
            &path.key("show"),
            format!(
                "a preview shows at most {MAX_SHOWN_COLUMNS} contact columns; this one lists {}",
                raw.show.len()
            ),
        );
    }
    let mut shown = BTreeSet::new();
    for (i, col) in raw.show.iter().enumerate() {
        let p = path.key("show").index(i);
        let valid = !col.is_empty()
            && col.chars().count() <= 80
            && col
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            cx.err(
                &p,
                format!("\"{col}\" is not a column name: use 1 to 80 letters, digits, _ or -"),
            );
        } else if col.eq_ignore_ascii_case("number") {
            cx.err(
                &p,
                "the number is always shown; list the other columns to show",
            );
        } else if !shown.insert(col.to_ascii_lowercase()) {
            cx.err(&p, format!("column \"{col}\" is listed twice"));
        }
    }
    let attempts = match raw.attempts {
        Some(a) => cx.int(&path.key("attempts"), a, 1, 10) as u8,
        None => DEFAULT_CAMPAIGN_ATTEMPTS,
    };
    Campaign {
        name: name.to_string(),
        description: raw.description.clone(),
        mode: raw.mode,
        entry_point,
        members,
        preview_timeout,
        timeout_action,
        skip: raw.skip,
        remove: raw.remove,
        end_call: raw.end_call,
        show: raw.show.clone(),
        attempts,
        reservation_timeout,
        amd,
    }
}
