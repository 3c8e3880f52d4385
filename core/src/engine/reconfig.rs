//! Configuration changes while the engine runs (CHN-07, CHN-08). The new
//! configuration is validated as a whole, then checked against the live state:
//! an entry point's channel type never changes, and nothing in use (an entry
//! point or queue with active tasks, a logged-in agent, a flow step a caller is
//! at, an idle reason an agent shows) may disappear. Only then is it applied, at
//! once: run-time state is carried over by name to the new indices.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::{Step, Tenant};
use crate::event::{EventKind, Presence};
use crate::ids::*;
use crate::legs::{Channel, Leg};
use crate::refusal::Refusal;

use super::Engine;
use super::agents::AgentRt;
use super::flow::FlowWait;
use super::routing::QueueRt;
use super::tasks::{Stage, VarSlot};
use super::timers::TimerKind;

/// Old index -> new index, by name.
fn map_by_name<T>(old: &[T], new: &[T], name: impl Fn(&T) -> &str) -> Vec<Option<u32>> {
    let index: BTreeMap<&str, u32> = new
        .iter()
        .enumerate()
        .map(|(i, x)| (name(x), i as u32))
        .collect();
    old.iter().map(|x| index.get(name(x)).copied()).collect()
}

fn in_use(what: String, detail: String) -> Refusal {
    Refusal::InUse { what, detail }
}

impl Engine {
    pub(crate) fn reconfigure(&mut self, text: &str) -> Result<(), Refusal> {
        let result = Tenant::from_toml(text)
            .map_err(|e| Refusal::InvalidConfig {
                errors: e
                    .0
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            })
            .and_then(|new| self.apply_config(new));
        result.map_err(|reason| self.refuse(None, crate::input::ActionKind::Reconfigure, reason))
    }

    fn apply_config(&mut self, new: Tenant) -> Result<(), Refusal> {
        let old = self.tenant.clone();
        let ep_map = map_by_name(&old.entry_points, &new.entry_points, |e| &e.name);
        let agent_map = map_by_name(&old.agents, &new.agents, |a| &a.id);
        let queue_map = map_by_name(&old.queues, &new.queues, |q| &q.name);
        let flow_map = map_by_name(&old.flows, &new.flows, |f| &f.name);
        let idle_map = map_by_name(&old.idle_reasons, &new.idle_reasons, |r| r);
        let campaign_map = map_by_name(&old.campaigns, &new.campaigns, |c| &c.name);
        let prompt_map = map_by_name(&old.prompts, &new.prompts, |p| &p.name);

        // CHN-07: channel types are fixed; entry points with active tasks stay.
        for (i, ep) in old.entry_points.iter().enumerate() {
            match ep_map[i] {
                Some(n) if new.entry_points[n as usize].channel != ep.channel => {
                    return Err(Refusal::ChannelTypeChange {
                        ep: ep.name.clone(),
                    });
                }
                None if self.tasks.values().any(|t| t.ep.ix() == i) => {
                    return Err(Refusal::EntryPointInUse {
                        ep: ep.name.clone(),
                    });
                }
                _ => {}
            }
        }
        for (i, a) in self.agents.iter().enumerate() {
            let name = &old.agents[i].id;
            if agent_map[i].is_none() && a.presence != Presence::LoggedOut {
                return Err(in_use(
                    format!("agent \"{name}\""),
                    "the agent is logged in".into(),
                ));
            }
            if let Presence::Idle(r) = a.presence
                && idle_map[r.ix()].is_none()
            {
                return Err(in_use(
                    format!("idle reason \"{}\"", old.idle_reasons[r.ix()]),
                    format!("agent \"{name}\" is Idle with it"),
                ));
            }
        }
        for (id, t) in self.tasks.iter() {
            if let Some(c) = t.campaign.as_deref()
                && campaign_map[c.campaign.ix()].is_none()
            {
                return Err(in_use(
                    format!("campaign \"{}\"", old.campaigns[c.campaign.ix()].name),
                    format!("{id} is one of its contacts"),
                ));
            }
            if let Some(p) = waiting_prompts(t)
                .into_iter()
                .find(|p| prompt_map[p.ix()].is_none())
            {
                return Err(in_use(
                    format!("prompt \"{}\"", old.prompts[p.ix()].name),
                    format!("{id} waits with a callback offer that plays it"),
                ));
            }
            let queues_used = [t.queue, t.consult.as_ref().and_then(|c| c.queue_of_request)];
            for q in queues_used.into_iter().flatten() {
                if queue_map[q.ix()].is_none() {
                    return Err(in_use(
                        format!("queue \"{}\"", old.queues[q.ix()].name),
                        format!("{id} uses it"),
                    ));
                }
            }
            if let (Stage::Flow(wait), Some(f)) = (t.stage, t.flow) {
                let fname = &old.flows[f.ix()].name;
                let Some(nf) = flow_map[f.ix()] else {
                    return Err(in_use(
                        format!("flow \"{fname}\""),
                        format!("{id} is running it"),
                    ));
                };
                if let Some(step) = wait_step(wait) {
                    let sname = &old.flows[f.ix()].step_names[step.ix()];
                    let nflow = &new.flows[nf as usize];
                    let same_kind = nflow
                        .step_names
                        .iter()
                        .position(|n| n == sname)
                        .is_some_and(|ns| {
                            same_step_kind(&old.flows[f.ix()].steps[step.ix()], &nflow.steps[ns])
                        });
                    if !same_kind {
                        return Err(in_use(
                            format!("step \"{sname}\" of flow \"{fname}\""),
                            format!("{id} is at it"),
                        ));
                    }
                }
            }
        }

        // Apply: carry run-time state over to the new indices.
        let remap_agent = |a: AgentIdx| agent_map[a.ix()].map(AgentIdx);
        let must = |a: AgentIdx| {
            remap_agent(a).expect("agents working on tasks are logged in, so they stay")
        };
        let remap_queue = |q: QueueIdx| QueueIdx(queue_map[q.ix()].expect("checked above"));
        let mut agents: Vec<AgentRt> = new.agents.iter().map(|_| AgentRt::default()).collect();
        for (i, mut a) in std::mem::take(&mut self.agents).into_iter().enumerate() {
            if let Some(n) = agent_map[i] {
                if let Presence::Idle(r) = a.presence {
                    a.presence =
                        Presence::Idle(IdleReasonIdx(idle_map[r.ix()].expect("checked above")));
                }
                a.ready = [false; 4];
                agents[n as usize] = a;
            }
        }
        let mut queues: Vec<QueueRt> = new.queues.iter().map(QueueRt::new).collect();
        for (i, q) in std::mem::take(&mut self.queues).into_iter().enumerate() {
            if let Some(n) = queue_map[i] {
                queues[n as usize].waiting = q.waiting;
                queues[n as usize].handle_estimate = q.handle_estimate;
                queues[n as usize].overflow_rules = q.overflow_rules;
                queues[n as usize].tally = q.tally;
            }
        }
        let remap_leg = |l: Leg| match l {
            Leg::Agent(a) => Leg::Agent(must(a)),
            other => other,
        };
        let remap_prompt = |p: PromptIdx| PromptIdx(prompt_map[p.ix()].expect("checked above"));
        for t in self.tasks.values_mut() {
            if let Some(c) = t.campaign.as_deref_mut() {
                c.campaign = CampaignIdx(campaign_map[c.campaign.ix()].expect("checked above"));
            }
            if let Some(w) = t.waiting.as_deref_mut() {
                if let Some(o) = w.offer.as_mut() {
                    o.prompt = remap_prompt(o.prompt);
                    o.confirm = remap_prompt(o.confirm);
                }
                if let Some(r) = w.overflow.as_mut() {
                    r.offer = remap_prompt(r.offer);
                    r.confirm = remap_prompt(r.confirm);
                }
            }
            t.ep = EpIdx(ep_map[t.ep.ix()].expect("checked above"));
            t.queue = t.queue.map(remap_queue);
            t.owner = t.owner.map(must);
            t.exclude = t.exclude.and_then(remap_agent);
            if let Some(c) = t.consult.as_deref_mut() {
                c.offered_to = c.offered_to.map(must);
                c.party = c.party.map(remap_leg);
                c.queue_of_request = c.queue_of_request.map(remap_queue);
                c.queued = c.queued.map(remap_queue);
                if let crate::event::TargetRef::Agent(a) = &mut c.target
                    && let Some(n) = remap_agent(*a)
                {
                    *a = n;
                }
            }
            // The last mix sent only tells whether the next one changed: drop it if it
            // names an agent that is gone.
            let mix_agents_stay = t.mix.as_deref_mut().is_none_or(|m| {
                m.legs_mut()
                    .all(|l| !matches!(*l, Leg::Agent(a) if remap_agent(a).is_none()))
            });
            if !mix_agents_stay {
                t.mix = None;
            }
            if let Some(m) = t.mix.as_deref_mut() {
                for l in m.legs_mut() {
                    *l = remap_leg(*l);
                }
            }
            if let Some(f) = t.flow {
                let (of, nf) = (
                    &old.flows[f.ix()],
                    flow_map[f.ix()].map(|n| &new.flows[n as usize]),
                );
                let mut vars = vec![VarSlot::default(); nf.map_or(0, |nf| nf.variables.len())];
                if let Some(nf) = nf {
                    for (vi, v) in of.variables.iter().enumerate() {
                        if let Some(nv) = nf.variables.iter().position(|x| x.name == v.name) {
                            let mut slot = t.vars.get(vi).cloned().unwrap_or_default();
                            // The agent who saved it may have left or moved (CAD-03's
                            // conflict names the winner).
                            if let Some(a) = slot.saved_by {
                                slot.saved_by = remap_agent(a);
                                slot.saver_left = slot.saved_by.is_none();
                            }
                            vars[nv] = slot;
                        }
                    }
                    if let Stage::Flow(wait) = &mut t.stage {
                        remap_wait(wait, |s| {
                            let name = &of.step_names[s.ix()];
                            StepIdx(
                                nf.step_names
                                    .iter()
                                    .position(|n| n == name)
                                    .expect("checked above") as u32,
                            )
                        });
                    }
                }
                t.vars = vars.into_boxed_slice();
                t.flow = flow_map[f.ix()].map(FlowIdx);
            }
        }
        // Queue entries keep their keys; the tasks they name are unchanged.
        self.timers.remap(|kind| match kind {
            TimerKind::Rona { agent, task } => TimerKind::Rona {
                agent: must(agent),
                task,
            },
            TimerKind::AutoWrapUp { agent, task } => TimerKind::AutoWrapUp {
                agent: must(agent),
                task,
            },
            TimerKind::PreviewTimeout { agent, task } => TimerKind::PreviewTimeout {
                agent: must(agent),
                task,
            },
            other => other,
        });
        // Callback hours may have changed: routing re-arms what still waits for them.
        self.timers
            .retain(|kind| !matches!(kind, TimerKind::CallbackHours { .. }));
        let mut campaigns: Vec<super::campaigns::CampaignRt> =
            new.campaigns.iter().map(|_| Default::default()).collect();
        for (i, c) in std::mem::take(&mut self.campaigns).into_iter().enumerate() {
            if let Some(n) = campaign_map[i] {
                campaigns[n as usize] = c;
            }
        }
        self.campaigns = campaigns;
        // Conversations follow their entry points (one with a live task stays).
        let remap_ep = |e: EpIdx| ep_map[e.ix()].map(EpIdx);
        let conv = &mut self.conversations;
        for c in conv.open.values_mut() {
            c.ep = remap_ep(c.ep).expect("entry points with live tasks stay");
            // The agent a transfer waits for is logged in, so stays (perhaps renumbered).
            c.transfer_to = c.transfer_to.and_then(remap_agent);
        }
        conv.threads = conv
            .open
            .iter()
            .map(|(task, c)| ((c.ep, c.address.clone(), c.subject.clone()), *task))
            .collect();
        for record in conv.customers.values_mut() {
            record.closed = std::mem::take(&mut record.closed)
                .into_iter()
                .filter_map(|(e, t)| remap_ep(e).map(|e| (e, t)))
                .collect();
        }
        self.agents = agents;
        self.queues = queues;
        self.tenant = Arc::new(new);
        // A change to automatic wrap-up (VOI-19) applies to wrap-ups that start
        // after it; one counting down keeps its deadline if the rule stays, and is
        // left to the agent if the rule is gone (the desktop is told).
        let auto = &self.tenant.wrap_up;
        if auto.auto_after.is_none() || auto.default_reason.is_none() {
            self.timers
                .retain(|kind| !matches!(kind, TimerKind::AutoWrapUp { .. }));
            let mut disarmed = Vec::new();
            for (i, a) in self.agents.iter_mut().enumerate() {
                for w in &mut a.work {
                    if w.phase == crate::event::WorkPhase::WrapUp && w.timer.take().is_some() {
                        disarmed.push((AgentIdx(i as u32), w.task, w.controls));
                    }
                }
            }
            for (agent, task, controls) in disarmed {
                let notice = crate::output::Notice::WrapUp {
                    task,
                    auto_after: None,
                    controls,
                };
                self.notify(agent, notice);
            }
        }
        // An agent whose persistent connection was turned off keeps the call it
        // is on (its leg goes with the call); a standing leg with no call on it
        // (the agent may be wrapping up) is hung up now.
        for i in 0..self.agents.len() {
            let agent = AgentIdx(i as u32);
            if self.agents[i].connected && !self.tenant.agents[i].persistent_connection {
                if self.agents[i].off_hook {
                    self.set_connected(agent, false);
                } else {
                    self.hang_up_connection(agent);
                }
            }
        }
        // Rebuild the ready sets under the new membership, keeping each agent's ready_since.
        for i in 0..self.agents.len() {
            let agent = AgentIdx(i as u32);
            for channel in Channel::ALL {
                if self.routable(agent, channel) {
                    let tenant = self.tenant.clone();
                    for m in &tenant.agents[i].queues {
                        let key = (self.ready_key(agent, channel, m.queue, m.rank), agent);
                        self.queues[m.queue.ix()].ready[channel.ix()].insert(key);
                    }
                    self.agents[i].ready[channel.ix()] = true;
                }
            }
        }
        for (qi, n) in self.count_staffed().into_iter().enumerate() {
            self.queues[qi].staffed = n;
        }
        self.route_pending = [true; 4];
        self.reconfigured = Some((self.now, self.next_leg));
        self.event(EventKind::ConfigApplied);
        Ok(())
    }
}

/// The prompts a waiting caller's callback offer may still play.
fn waiting_prompts(t: &super::tasks::Task) -> Vec<PromptIdx> {
    let Some(w) = t.waiting.as_deref() else {
        return Vec::new();
    };
    let mut v = Vec::new();
    if let Some(o) = w.offer {
        v.extend([o.prompt, o.confirm]);
    }
    if let Some(r) = w.overflow {
        v.extend([r.offer, r.confirm]);
    }
    v
}

fn wait_step(wait: FlowWait) -> Option<StepIdx> {
    match wait {
        FlowWait::Prompt { step, .. } | FlowWait::Menu { step, .. } => Some(step),
        FlowWait::Running | FlowWait::Goodbye { .. } => None,
    }
}

fn remap_wait(wait: &mut FlowWait, f: impl Fn(StepIdx) -> StepIdx) {
    match wait {
        FlowWait::Prompt { step, .. } | FlowWait::Menu { step, .. } => *step = f(*step),
        FlowWait::Running | FlowWait::Goodbye { .. } => {}
    }
}

/// A caller waiting at a step can move to the new version of it only if it is the same kind.
fn same_step_kind(a: &Step, b: &Step) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}
