//! Validation of a whole configuration into a [`Tenant`] (CHN-02, CHN-08,
//! FLW-01). Every error is collected, with its path and source location;
//! only a configuration without errors yields a tenant.

use std::collections::{BTreeMap, BTreeSet};

use chrono_tz::Tz;

pub use super::flows::check_value;
use super::flows::{Refs, flow};
use super::hours::{self, BusinessHours};
use super::locate::{Locator, Path};
use super::outbound::{self, CampaignRefs, OutRefs};
use super::raw::*;
use super::*;
use crate::dialnum::DialNumber;
use crate::ids::*;
use crate::time::SimDuration;

/// The RONA timeout when a queue does not set one (AGT-04).
pub const DEFAULT_MAX_TIME_AVAILABLE: SimDuration = SimDuration::from_secs(18);
/// The service-level threshold of an entry point that does not set one.
pub const DEFAULT_SERVICE_LEVEL: SimDuration = SimDuration::from_secs(20);
/// The handle time a queue's wait estimate assumes before it has handled anything.
pub const DEFAULT_HANDLE_TIME_ESTIMATE: SimDuration = SimDuration::from_secs(180);
/// How long a menu waits for a key after its prompt.
pub const DEFAULT_MENU_TIMEOUT: SimDuration = SimDuration::from_secs(5);
/// How many times a menu plays before it gives up.
pub const DEFAULT_MENU_ATTEMPTS: u8 = 3;
/// The longest value a variable may hold (CAD-02).
pub const MAX_VALUE_CHARS: usize = 256;

pub(super) struct Cx<'a> {
    pub(super) loc: Locator<'a>,
    pub(super) errors: Vec<ConfigError>,
}

impl Cx<'_> {
    pub(super) fn err(&mut self, path: &Path, message: impl Into<String>) {
        let (line, column) = self.loc.locate(path);
        self.errors.push(ConfigError {
            line,
            column,
            path: path.clone(),
            message: message.into(),
        });
    }

    pub(super) fn name(&mut self, path: &Path, what: &str, name: &str) {
        if name.is_empty() || name.chars().count() > 80 {
            self.err(
                path,
                format!("the {what} name \"{name}\" must hold 1 to 80 characters"),
            );
        } else if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            self.err(
                path,
                format!("the {what} name \"{name}\" may hold only letters, digits, _ and -"),
            );
        }
    }

    pub(super) fn duration(
        &mut self,
        path: &Path,
        d: SimDuration,
        min: SimDuration,
        max: SimDuration,
    ) {
        if d < min || d > max {
            self.err(
                path,
                format!("{d} is out of range; use a value from {min} to {max}"),
            );
        }
    }

    /// Checks a range; an out-of-range value is reported and clamped, so that it
    /// causes no second, misleading error.
    pub(super) fn int(&mut self, path: &Path, v: i64, min: i64, max: i64) -> i64 {
        if v < min || v > max {
            self.err(
                path,
                format!("{v} is out of range; use a value from {min} to {max}"),
            );
        }
        v.clamp(min, max)
    }

    pub(super) fn timezone(&mut self, path: &Path, tz: &str) -> Tz {
        match tz.parse::<Tz>() {
            Ok(tz) => tz,
            Err(_) => {
                self.err(
                    path,
                    format!("\"{tz}\" is not a time zone of the IANA database; use one such as \"Europe/Warsaw\""),
                );
                Tz::UTC
            }
        }
    }

    pub(super) fn lookup<T: Copy>(
        &mut self,
        path: &Path,
        names: &BTreeMap<String, T>,
        what: &str,
        table: &str,
        name: &str,
    ) -> Option<T> {
        let found = names.get(name).copied();
        if found.is_none() {
            self.err(
                path,
                format!("unknown {what} \"{name}\"; define it under [{table}]"),
            );
        }
        found
    }
}

pub(super) fn index_of<T, I: Copy>(
    map: &BTreeMap<String, T>,
    ctor: fn(u32) -> I,
) -> BTreeMap<String, I> {
    map.keys()
        .enumerate()
        .map(|(i, k)| (k.clone(), ctor(i as u32)))
        .collect()
}

/// Turns a TOML serde error into a located [`ConfigError`].
fn serde_error(loc: &Locator<'_>, e: &toml::de::Error) -> ConfigError {
    let message = e.message().trim().to_string();
    let (line, column) = match e.span() {
        Some(span) => loc.line_col(loc.refine_unknown_field(span.start, &message)),
        None => (0, 0),
    };
    let message = match message.strip_prefix("unknown field") {
        Some(rest) => format!("unknown key{rest}"),
        None => message,
    };
    ConfigError {
        line,
        column,
        path: Path::default(),
        message,
    }
}

/// Parses and validates a whole configuration.
pub fn compile(text: &str) -> Result<Tenant, ConfigErrors> {
    let loc = Locator::new(text);
    let raw: RawConfig = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => return Err(ConfigErrors(vec![serde_error(&loc, &e)])),
    };
    let mut cx = Cx {
        loc,
        errors: Vec::new(),
    };
    let tenant = build(&mut cx, &raw, text);
    if cx.errors.is_empty() {
        Ok(tenant)
    } else {
        cx.errors.sort_by_key(|e| (e.line, e.column));
        Err(ConfigErrors(cx.errors))
    }
}

fn build(cx: &mut Cx<'_>, raw: &RawConfig, text: &str) -> Tenant {
    let root = Path::default();

    // Tenant.
    let t = root.key("tenant");
    let name = raw.tenant.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 80 {
        cx.err(
            &t.key("name"),
            "the tenant name must hold 1 to 80 characters",
        );
    }
    let timezone = cx.timezone(&t.key("timezone"), &raw.tenant.timezone);
    let limit = cx.int(
        &t.key("concurrent_call_limit"),
        raw.tenant.concurrent_call_limit,
        1,
        100_000,
    );

    // Name indices, so that references can be checked in any order.
    let profile_ix = index_of(&raw.profiles, ProfileIdx);
    let team_ix = index_of(&raw.teams, TeamIdx);
    let agent_ix = index_of(&raw.agents, AgentIdx);
    let queue_ix = index_of(&raw.queues, QueueIdx);
    let hours_ix = index_of(&raw.business_hours, HoursIdx);
    let prompt_ix = index_of(&raw.prompts, PromptIdx);
    let flow_ix = index_of(&raw.flows, FlowIdx);
    let music_on_hold = raw.tenant.music_on_hold.as_ref().and_then(|m| {
        cx.lookup(
            &root.key("tenant").key("music_on_hold"),
            &prompt_ix,
            "prompt",
            "prompts",
            m,
        )
    });

    let wrap_up = wrap_up_policy(cx, &raw.wrap_up);
    if let Some(d) = raw.recording.privacy_shield {
        cx.duration(
            &root.key("recording").key("privacy_shield"),
            d,
            SimDuration::from_secs(1),
            SimDuration::from_secs(3600),
        );
    }
    let idle_reasons = reason_list(
        cx,
        &root.key("idle").key("reasons"),
        &raw.idle.reasons,
        "idle",
    );

    let profiles = raw
        .profiles
        .iter()
        .map(|(pname, p)| {
            let path = root.key("profiles").key(pname);
            cx.name(&path, "profile", pname);
            let voice = cx.int(&path.key("voice"), p.voice, 0, 1) as u8;
            let chat = cx.int(&path.key("chat"), p.chat, 0, 10) as u8;
            let email = cx.int(&path.key("email"), p.email, 0, 10) as u8;
            let social = cx.int(&path.key("social"), p.social, 0, 10) as u8;
            let outbound = match p.outbound {
                Some(n) => cx.int(&path.key("outbound"), n, 0, 20) as u8,
                None => email + social,
            };
            if voice + chat + email + social == 0 {
                cx.err(&path, format!("profile \"{pname}\" allows no channel at all; give at least one channel a capacity"));
            }
            Profile { name: pname.clone(), voice, chat, email, social, outbound }
        })
        .collect::<Vec<_>>();

    let mut teams = raw
        .teams
        .iter()
        .map(|(tname, team)| {
            cx.name(&root.key("teams").key(tname), "team", tname);
            Team {
                name: tname.clone(),
                description: team.description.clone(),
                agents: Vec::new(),
            }
        })
        .collect::<Vec<_>>();

    let mut dns: BTreeMap<DialNumber, String> = BTreeMap::new();
    let mut agents = Vec::with_capacity(raw.agents.len());
    for (i, (id, a)) in raw.agents.iter().enumerate() {
        let path = root.key("agents").key(id);
        cx.name(&path, "agent id", id);
        if a.name.trim().is_empty() || a.name.chars().count() > 80 {
            cx.err(
                &path.key("name"),
                format!("agent \"{id}\" needs a name of 1 to 80 characters"),
            );
        }
        let dn = match DialNumber::parse(&a.dn) {
            Ok(dn) => {
                if let Some(other) = dns.insert(dn.clone(), id.clone()) {
                    cx.err(
                        &path.key("dn"),
                        format!("dial number {dn} is already agent \"{other}\"'s"),
                    );
                }
                dn
            }
            Err(e) => {
                cx.err(&path.key("dn"), e.to_string());
                DialNumber::parse("000").expect("a valid placeholder")
            }
        };
        if a.persistent_connection && a.handset {
            cx.err(
                &path.key("persistent_connection"),
                format!("agent \"{id}\" has a handset, which must go on-hook between calls (AGT-14); a persistent connection needs a softphone"),
            );
        }
        let team = cx
            .lookup(&path.key("team"), &team_ix, "team", "teams", &a.team)
            .unwrap_or(TeamIdx(0));
        let profile = cx
            .lookup(
                &path.key("profile"),
                &profile_ix,
                "profile",
                "profiles",
                &a.profile,
            )
            .unwrap_or(ProfileIdx(0));
        if let Some(t) = teams.get_mut(team.ix())
            && raw.teams.contains_key(&a.team)
        {
            t.agents.push(AgentIdx(i as u32));
        }
        agents.push(Agent {
            id: id.clone(),
            name: a.name.trim().to_string(),
            dn,
            team,
            profile,
            handset: a.handset,
            persistent_connection: a.persistent_connection,
            license: a.license,
            queues: Vec::new(),
            campaigns: Vec::new(),
        });
    }

    let mut queues = Vec::with_capacity(raw.queues.len());
    for (qi, (qname, q)) in raw.queues.iter().enumerate() {
        let path = root.key("queues").key(qname);
        cx.name(&path, "queue", qname);
        let rona = q.max_time_available.unwrap_or(DEFAULT_MAX_TIME_AVAILABLE);
        if let Some(d) = q.max_time_available {
            cx.duration(
                &path.key("max_time_available"),
                d,
                SimDuration::from_secs(1),
                SimDuration::from_secs(600),
            );
        }
        if let Some(d) = q.service_level {
            cx.duration(
                &path.key("service_level"),
                d,
                SimDuration::from_secs(1),
                SimDuration::from_secs(3600),
            );
        }
        if let Some(d) = q.handle_time_estimate {
            cx.duration(
                &path.key("handle_time_estimate"),
                d,
                SimDuration::from_secs(1),
                SimDuration::from_secs(4 * 3600),
            );
        }
        let mut members: Vec<AgentIdx> = Vec::new();

        let mut seen = BTreeSet::new();
        for (i, aname) in q.agents.iter().enumerate() {
            let p = path.key("agents").index(i);
            if !seen.insert(("agent", aname.as_str())) {
                cx.err(&p, format!("agent \"{aname}\" is listed twice"));
            }
            if let Some(a) = cx.lookup(&p, &agent_ix, "agent", "agents", aname)
                && !members.contains(&a)
            {
                members.push(a);
            }
        }
        for (i, tname) in q.teams.iter().enumerate() {
            let p = path.key("teams").index(i);
            if !seen.insert(("team", tname.as_str())) {
                cx.err(&p, format!("team \"{tname}\" is listed twice"));
            }
            if let Some(t) = cx.lookup(&p, &team_ix, "team", "teams", tname) {
                for &a in &teams[t.ix()].agents {
                    if !members.contains(&a) {
                        members.push(a);
                    }
                }
            }
        }
        for (rank, &a) in members.iter().enumerate() {
            agents[a.ix()].queues.push(Membership {
                queue: QueueIdx(qi as u32),
                rank: rank as u32,
            });
        }
        let out_refs = OutRefs {
            prompts: &prompt_ix,
            hours: &hours_ix,
        };
        let callback =
            outbound::callback_policy(cx, &path.key("callback"), q.callback.as_ref(), &out_refs);
        let overflow = q
            .overflow
            .as_ref()
            .and_then(|o| outbound::overflow(cx, &path.key("overflow"), o, &out_refs));
        queues.push(Queue {
            name: qname.clone(),
            description: q.description.clone(),
            max_time_available: rona,
            members,
            strategy: q.strategy,
            recording: q.recording,
            service_level: q.service_level,
            handle_time_estimate: q
                .handle_time_estimate
                .unwrap_or(DEFAULT_HANDLE_TIME_ESTIMATE),
            callback,
            overflow,
        });
    }

    let hours = raw
        .business_hours
        .iter()
        .map(|(hname, h)| business_hours(cx, &root.key("business_hours").key(hname), hname, h))
        .collect::<Vec<_>>();

    let prompts = raw
        .prompts
        .iter()
        .map(|(pname, p)| {
            cx.name(&root.key("prompts").key(pname), "prompt", pname);
            Prompt {
                name: pname.clone(),
                text: p.text.clone(),
                file: p.file.clone(),
            }
        })
        .collect::<Vec<_>>();

    let flows = raw
        .flows
        .iter()
        .map(|(fname, f)| {
            let refs = Refs {
                queues: &queue_ix,
                hours: &hours_ix,
                prompts: &prompt_ix,
            };
            flow(cx, &root.key("flows").key(fname), fname, f, &refs)
        })
        .collect::<Vec<_>>();

    // Entry points, with the system outbound EP (CHN-04).
    let mut entry_points = Vec::with_capacity(raw.entry_points.len() + 1);
    let mut numbers: BTreeMap<DialNumber, EpIdx> = BTreeMap::new();
    let mut raw_eps: Vec<(String, Option<&RawEntryPoint>)> = raw
        .entry_points
        .iter()
        .map(|(n, e)| (n.clone(), Some(e)))
        .collect();
    if !raw.entry_points.contains_key(OUTDIAL_TRANSFER_EP) {
        raw_eps.push((OUTDIAL_TRANSFER_EP.to_string(), None));
        raw_eps.sort_by(|a, b| a.0.cmp(&b.0));
    }
    for (ei, (ename, e)) in raw_eps.iter().enumerate() {
        let path = root.key("entry_points").key(ename);
        let Some(e) = e else {
            entry_points.push(EntryPoint {
                name: ename.clone(),
                description: "Outdial Transfer to Queue".into(),
                queue_type: QueueType::Outbound,
                channel: ChannelKind::Telephony,
                social: None,
                timezone,
                service_level: DEFAULT_SERVICE_LEVEL,
                flow: None,
                support_numbers: Vec::new(),
                music_on_hold: None,
                outdial_queue: None,
                system: true,
            });
            continue;
        };
        let refs = EpRefs {
            flows: &flow_ix,
            prompts: &prompt_ix,
            queues: &queue_ix,
            tenant_tz: timezone,
        };
        let ep = entry_point(cx, &path, ename, e, &refs);
        if ep.channel != ChannelKind::Telephony
            && let Some(f) = ep.flow
            && let Some(flow) = flows.get(f.ix())
            && let Some(i) = flow
                .steps
                .iter()
                .position(|s| matches!(s, Step::Play { .. } | Step::Menu { .. }))
        {
            cx.err(
                &path.key("flow"),
                format!(
                    "flow \"{}\" plays prompts (step \"{}\"), which only calls hear; a {} entry point needs a flow without play and menu steps",
                    flow.name,
                    flow.step_names[i],
                    crate::legs::Channel::of(ep.channel)
                ),
            );
        }
        for (i, n) in ep.support_numbers.iter().enumerate() {
            if let Some(other) = numbers.insert(n.clone(), EpIdx(ei as u32))
                && other.ix() != ei
            {
                let other = &raw_eps[other.ix()].0;
                cx.err(
                    &path.key("support_numbers").index(i),
                    format!("support number {n} already belongs to entry point \"{other}\""),
                );
            }
            if let Some(agent) = dns.get(n) {
                cx.err(
                    &path.key("support_numbers").index(i),
                    format!("support number {n} is also agent \"{agent}\"'s dial number"),
                );
            }
        }
        entry_points.push(ep);
    }

    let campaigns = raw
        .campaigns
        .iter()
        .map(|(cname, c)| {
            let refs = CampaignRefs {
                agents: &agent_ix,
                teams: &teams,
                team_ix: &team_ix,
                entry_points: &entry_points,
                profiles: &profiles,
                agent_list: &agents,
            };
            outbound::campaign(cx, &root.key("campaigns").key(cname), cname, c, &refs)
        })
        .collect::<Vec<_>>();
    for (ci, c) in campaigns.iter().enumerate() {
        for &a in &c.members {
            agents[a.ix()].campaigns.push(CampaignIdx(ci as u32));
        }
    }

    let callback_hours = queues.iter().any(|q| q.callback.hours.is_some());
    Tenant {
        callback_hours,
        name,
        timezone,
        concurrent_call_limit: limit as u32,
        noise_removal: raw.tenant.noise_removal,
        pci: raw.tenant.pci,
        music_on_hold,
        privacy_shield: raw.recording.privacy_shield,
        wrap_up,
        idle_reasons,
        profiles,
        teams,
        agents,
        queues,
        hours,
        prompts,
        entry_points,
        flows,
        campaigns,
        numbers,
        source: text.to_string(),
    }
}

fn reason_list(cx: &mut Cx<'_>, path: &Path, list: &[String], what: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    for (i, r) in list.iter().enumerate() {
        if r.trim().is_empty() || r.chars().count() > 80 {
            cx.err(
                &path.index(i),
                format!("a {what} reason must hold 1 to 80 characters"),
            );
        } else if !seen.insert(r.as_str()) {
            cx.err(
                &path.index(i),
                format!("the {what} reason \"{r}\" is listed twice"),
            );
        }
    }
    list.to_vec()
}

fn wrap_up_policy(cx: &mut Cx<'_>, w: &RawWrapUp) -> WrapUpPolicy {
    let path = Path::of(&["wrap_up"]);
    let reasons = reason_list(cx, &path.key("reasons"), &w.reasons, "wrap-up");
    if reasons.is_empty() {
        cx.err(
            &path.key("reasons"),
            "list at least one wrap-up reason under [wrap_up] reasons; agents pick one to leave wrap-up (VOI-19)",
        );
    }
    let default_reason = w.default_reason.as_ref().and_then(|d| {
        let found = reasons
            .iter()
            .position(|r| r == d)
            .map(|i| WrapUpReasonIdx(i as u32));
        if found.is_none() {
            cx.err(
                &path.key("default_reason"),
                format!("\"{d}\" is not one of the wrap-up reasons"),
            );
        }
        found
    });
    if let Some(d) = w.auto_after {
        cx.duration(
            &path.key("auto_after"),
            d,
            // Zero is a centre without wrap-up time: the default reason is
            // submitted as the wrap-up starts, in the same engine step.
            SimDuration::ZERO,
            SimDuration::from_secs(3600),
        );
        if w.default_reason.is_none() {
            cx.err(
                &path.key("auto_after"),
                "automatic wrap-up needs a default_reason to submit; add one from the reasons",
            );
        }
    }
    WrapUpPolicy {
        reasons,
        auto_after: w.auto_after,
        default_reason,
    }
}

fn business_hours(cx: &mut Cx<'_>, path: &Path, name: &str, h: &RawHours) -> BusinessHours {
    cx.name(path, "business hours", name);
    let days = [
        ("mon", &h.mon),
        ("tue", &h.tue),
        ("wed", &h.wed),
        ("thu", &h.thu),
        ("fri", &h.fri),
        ("sat", &h.sat),
        ("sun", &h.sun),
    ];
    let mut week: [Vec<(u16, u16)>; 7] = Default::default();
    for (d, (day, ranges)) in days.iter().enumerate() {
        for (i, text) in ranges.iter().enumerate() {
            let p = path.key(day).index(i);
            match hours::parse_range(text) {
                Ok(range) => {
                    if week[d].iter().any(|&(s, e)| range.0 < e && s < range.1) {
                        cx.err(&p, format!("\"{text}\" overlaps another range of {day}"));
                    }
                    week[d].push(range);
                }
                Err(msg) => cx.err(&p, msg),
            }
        }
        week[d].sort_unstable();
    }
    let mut holidays = BTreeSet::new();
    for (i, text) in h.holidays.iter().enumerate() {
        let p = path.key("holidays").index(i);
        match hours::parse_date(text) {
            Ok(date) => {
                if !holidays.insert(date) {
                    cx.err(&p, format!("holiday {text} is listed twice"));
                }
            }
            Err(msg) => cx.err(&p, msg),
        }
    }
    BusinessHours {
        name: name.to_string(),
        week,
        holidays,
    }
}

struct EpRefs<'a> {
    flows: &'a BTreeMap<String, FlowIdx>,
    prompts: &'a BTreeMap<String, PromptIdx>,
    queues: &'a BTreeMap<String, QueueIdx>,
    tenant_tz: Tz,
}

fn entry_point(
    cx: &mut Cx<'_>,
    path: &Path,
    name: &str,
    e: &RawEntryPoint,
    refs: &EpRefs<'_>,
) -> EntryPoint {
    cx.name(path, "entry point", name);
    if e.description.chars().count() > 250 {
        cx.err(
            &path.key("description"),
            "the description may hold at most 250 characters",
        );
    }
    let telephony_in = e.channel == ChannelKind::Telephony && e.queue_type == QueueType::Inbound;
    let telephony_out = e.channel == ChannelKind::Telephony && e.queue_type == QueueType::Outbound;
    if name == OUTDIAL_TRANSFER_EP && !telephony_out {
        cx.err(path, format!("\"{OUTDIAL_TRANSFER_EP}\" is the system's outbound telephony entry point; it must stay outbound telephony"));
    }
    match (e.channel, e.social) {
        (ChannelKind::Social, None) => cx.err(
            &path.key("channel"),
            "a social entry point needs a social channel type: messenger, sms or whatsapp",
        ),
        (ChannelKind::Social, Some(_)) | (_, None) => {}
        (_, Some(_)) => cx.err(
            &path.key("social"),
            "a social channel type is allowed only when channel is \"social\"",
        ),
    }
    let timezone = match &e.timezone {
        Some(tz) => cx.timezone(&path.key("timezone"), tz),
        None => refs.tenant_tz,
    };
    if let Some(d) = e.service_level {
        cx.duration(
            &path.key("service_level"),
            d,
            SimDuration::from_secs(1),
            SimDuration::from_secs(3600),
        );
    }
    let flow = match &e.flow {
        Some(f) => cx.lookup(&path.key("flow"), refs.flows, "flow", "flows", f),
        None => {
            if e.queue_type == QueueType::Inbound {
                cx.err(
                    path,
                    format!(
                        "inbound entry point \"{name}\" needs a routing flow; set flow = \"...\""
                    ),
                );
            }
            None
        }
    };
    let mut support_numbers = Vec::new();
    if !telephony_in && !e.support_numbers.is_empty() {
        cx.err(
            &path.key("support_numbers"),
            "support numbers belong only to inbound telephony entry points",
        );
    }
    if telephony_in && e.support_numbers.is_empty() {
        cx.err(
            path,
            format!("inbound telephony entry point \"{name}\" needs at least one support number"),
        );
    }
    for (i, n) in e.support_numbers.iter().enumerate() {
        match DialNumber::parse(n) {
            Ok(dn) => {
                if support_numbers.contains(&dn) {
                    cx.err(
                        &path.key("support_numbers").index(i),
                        format!("support number {dn} is listed twice"),
                    );
                }
                support_numbers.push(dn);
            }
            Err(err) => cx.err(&path.key("support_numbers").index(i), err.to_string()),
        }
    }
    let music_on_hold = e.music_on_hold.as_ref().and_then(|m| {
        if !telephony_out {
            cx.err(
                &path.key("music_on_hold"),
                "music on hold is set only on outbound telephony entry points",
            );
        }
        cx.lookup(
            &path.key("music_on_hold"),
            refs.prompts,
            "prompt",
            "prompts",
            m,
        )
    });
    let outdial_queue = e.outdial_queue.as_ref().and_then(|q| {
        if !telephony_out {
            cx.err(
                &path.key("outdial_queue"),
                "an outdial queue is set only on outbound telephony entry points",
            );
        }
        cx.lookup(
            &path.key("outdial_queue"),
            refs.queues,
            "queue",
            "queues",
            q,
        )
    });
    EntryPoint {
        name: name.to_string(),
        description: e.description.clone(),
        queue_type: e.queue_type,
        channel: e.channel,
        social: e.social,
        timezone,
        service_level: e.service_level.unwrap_or(DEFAULT_SERVICE_LEVEL),
        flow,
        support_numbers,
        music_on_hold,
        outdial_queue,
        system: false,
    }
}
