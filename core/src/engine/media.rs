//! Derived views of a voice call, emitted when they change: who hears whom
//! ([`Mix`]), the call's state in the participants' table, and the controls each
//! agent's desktop has enabled. They are computed from the task, never stored
//! apart from the copy that tells whether they changed.

use crate::event::{Role, WorkPhase};
use crate::ids::*;
use crate::legs::{Channel, Leg, MixShape};
use crate::matrix::{CallState, Control, Controls, Participant};
use crate::output::{Effect, Notice};

use super::Engine;
use super::tasks::{Recording, Stage};

impl Engine {
    /// The call's state in the participants' table, while an agent owns it.
    pub(crate) fn call_state(&self, task: TaskId) -> Option<CallState> {
        let t = self.tasks.get(&task)?;
        if t.channel != Channel::Voice || t.stage != Stage::Connected || t.owner.is_none() {
            return None;
        }
        Some(match &t.consult {
            _ if t.conference => CallState::Conference,
            Some(c) if c.party.is_none() => {
                if t.held {
                    CallState::ConsultRequested
                } else {
                    CallState::ConsultRequestedCustomerResumed
                }
            }
            Some(c) => {
                if c.party_held {
                    CallState::ConsultingCustomerResumed
                } else {
                    CallState::Consulting
                }
            }
            None if t.held => CallState::CustomerHeld,
            None => CallState::Talking,
        })
    }

    /// The music a task's customer hears while waiting or held: its entry
    /// point's, else the tenant's (AUD-05).
    pub(crate) fn music_of(&self, task: TaskId) -> Option<crate::ids::PromptIdx> {
        let ep = self.tasks.get(&task)?.ep;
        self.tenant.entry_points[ep.ix()]
            .music_on_hold
            .or(self.tenant.music_on_hold)
    }

    /// Who hears whom on the task now (VOI-02, VOI-06, VOI-12).
    fn compute_mix(&self, task: TaskId) -> Option<MixShape> {
        let t = self.tasks.get(&task)?;
        if t.channel != Channel::Voice || !t.customer_live {
            return None;
        }
        let customer = t.customer;
        Some(match t.stage {
            Stage::Connected => {
                if let Some(ext) = t.external_owner {
                    MixShape::new(&[customer, Leg::External(ext)], None)
                } else {
                    let owner = Leg::Agent(t.owner?);
                    match (&t.consult, t.conference) {
                        (Some(c), true) => MixShape::new(&[customer, owner, c.party?], None),
                        (Some(c), false) if c.party.is_some() => {
                            let party = c.party?;
                            if c.party_held {
                                MixShape::new(&[customer, owner], Some(party))
                            } else {
                                MixShape::new(&[owner, party], Some(customer))
                            }
                        }
                        _ if t.held => MixShape::new(&[], Some(customer)),
                        _ => MixShape::new(&[customer, owner], None),
                    }
                }
            }
            // A transfer on its way: the customer holds.
            Stage::Offered if t.answered.is_some() => MixShape::new(&[], Some(customer)),
            _ => return None,
        })
    }

    /// Emits the task's mix and its agents' controls where they changed.
    pub(crate) fn media_changed(&mut self, task: TaskId) {
        // The last mix is kept only to tell a change: without anyone wanting
        // mixes, there is nothing to compute.
        if !self.wants_effect(crate::output::EffectClass::Mix) {
            self.refresh_controls(task);
            return;
        }
        let mix = self.compute_mix(task);
        let Some(t) = self.tasks.get_mut(&task) else {
            return;
        };
        if let Some(mix) = mix
            && t.mix.as_deref() != Some(&mix)
        {
            match &mut t.mix {
                Some(last) => **last = mix,
                None => t.mix = Some(Box::new(mix)),
            }
            let music = self.music_of(task);
            self.effect(Effect::Mix(Box::new(mix.to_mix(task, music))));
        }
        self.refresh_controls(task);
    }

    /// The controls `agent` has on `task` now.
    fn controls_of(&self, task: TaskId, agent: AgentIdx) -> Controls {
        let Some(work) = self.agents[agent.ix()].work_on(task) else {
            return Controls::default();
        };
        let t = &self.tasks[&task];
        match work.phase {
            WorkPhase::Connecting | WorkPhase::Ringing => Controls::default(),
            WorkPhase::WrapUp => Controls::wrap_up(),
            WorkPhase::Engaged => {
                let who = if work.role == Role::Owner {
                    Participant::Agent1
                } else {
                    Participant::Agent2
                };
                let mut set = match self.call_state(task) {
                    Some(state) => self.control_table.get(state, who),
                    None => {
                        let set = Controls::default()
                            .with(Control::End)
                            .with(Control::EditVariables);
                        // A digital conversation can be transferred, one transfer at a time (OUT-13).
                        let transferable = t.channel != Channel::Voice
                            && work.role == Role::Owner
                            && self
                                .conversations
                                .open
                                .get(&task)
                                .is_some_and(|c| c.transfer_to.is_none());
                        if transferable {
                            set.with(Control::Transfer)
                        } else {
                            set
                        }
                    }
                };
                let (pause, resume) = match t.recording {
                    Recording::Off => (false, false),
                    Recording::On => (true, false),
                    Recording::Paused { .. } => (false, true),
                };
                if !pause {
                    set.0 &= !Controls::default().with(Control::PauseRecording).0;
                }
                if !resume {
                    set.0 &= !Controls::default().with(Control::ResumeRecording).0;
                }
                set
            }
        }
    }

    /// Tells the task's agents their controls, where they changed.
    pub(crate) fn refresh_controls(&mut self, task: TaskId) {
        if !self.wants_notice(crate::output::NoticeClass::Controls) {
            return;
        }
        let Some(t) = self.tasks.get(&task) else {
            return;
        };
        let consulted = match t.consult.as_ref().and_then(|c| c.party) {
            Some(Leg::Agent(a2)) => Some(a2),
            _ => None,
        };
        for agent in [t.owner, consulted].into_iter().flatten() {
            self.send_controls(task, agent);
        }
    }

    /// Tells one agent its controls on a task, if they changed.
    pub(crate) fn send_controls(&mut self, task: TaskId, agent: AgentIdx) {
        let controls = self.controls_of(task, agent);
        let Some(w) = self.agents[agent.ix()].work_on_mut(task) else {
            return;
        };
        if w.controls != controls {
            w.controls = controls;
            self.notify(agent, Notice::Controls { task, controls });
        }
    }
}
