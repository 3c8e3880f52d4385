//! Outbound preview campaigns (CMP-01..CMP-10).
//!
//! A campaign holds a list of contacts, loaded from CSV ([`crate::Input::LoadContacts`]).
//! In *preview* mode an Available agent pulls a contact (the campaign icon) and
//! accepts it, which places an outdial (AGT-10), or skips or removes it. In
//! *standard* and *direct preview* the dialer pushes contacts: when a member agent
//! is Available with nothing else to do (inbound work goes first), it reserves the
//! agent with a call to the agent's phone; once the agent answers, the preview
//! shows. In standard preview the agent decides, and at the campaign's timeout its
//! timeout action is taken; in direct preview the customer is dialled when the
//! preview times out unless the agent skips or removes the contact first.
//!
//! Skip puts the contact at the end of the list; remove takes it off; a failed
//! attempt (busy, no answer, error) puts it at the end again until its attempts
//! are used. An answering machine connects the call and tells the agent (CMP-09).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::campaign::contacts::parse_contacts;
use crate::config::{CampaignMode, PreviewAction};
use crate::dialnum::DialNumber;
use crate::event::{
    ContactFate, EventKind, Presence, Role, StateReason, TaskKind, TaskOutcome, WorkPhase,
};
use crate::ids::*;
use crate::input::DialOutcome;
use crate::legs::{Channel, Leg};
use crate::output::{Effect, Notice, Preview, RequestKind};
use crate::refusal::Refusal;
use crate::time::{SimDuration, SimTime};

use super::Engine;
use super::agents::Work;
use super::tasks::Stage;
use super::timers::{TimerKey, TimerKind};

/// One contact of a campaign's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ListedContact {
    pub number: DialNumber,
    /// The list's columns' values, in the list's column order.
    pub values: Vec<String>,
    /// Calls placed to it so far (CMP-08).
    pub attempts: u8,
}

/// A campaign's run-time state: its contact list.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct CampaignRt {
    /// The list's columns other than the number.
    pub columns: Vec<String>,
    /// Contacts waiting to be previewed, front first.
    pub pending: VecDeque<ListedContact>,
}

/// A campaign contact being worked, held by its task.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ContactTask {
    pub campaign: CampaignIdx,
    pub contact: ListedContact,
    /// The list's columns when the contact was taken (for the preview's values).
    pub columns: Vec<String>,
    /// The preview shows and waits for accept, skip or remove.
    pub previewing: bool,
    pub preview_timer: Option<TimerKey>,
    /// When the preview call began: the Ringing card's timer runs from here (CMP-07).
    pub since: SimTime,
}

impl Engine {
    /// Loads a campaign's contact list, replacing the contacts not yet taken.
    pub(crate) fn load_contacts(
        &mut self,
        campaign: CampaignIdx,
        csv: &str,
    ) -> Result<(), Refusal> {
        let Some(c) = self.tenant.campaigns.get(campaign.ix()) else {
            return Err(Refusal::UnknownCampaign {
                campaign: campaign.0,
            });
        };
        let (list, rejected) =
            parse_contacts(csv).map_err(|message| Refusal::BadContactList { message })?;
        for shown in &c.show {
            if !list
                .columns
                .iter()
                .any(|col| col.eq_ignore_ascii_case(shown))
            {
                return Err(Refusal::MissingColumn {
                    campaign: c.name.clone(),
                    column: shown.clone(),
                });
            }
        }
        let kept = list.contacts.len() as u32;
        let rt = &mut self.campaigns[campaign.ix()];
        rt.columns = list.columns;
        rt.pending = list
            .contacts
            .into_iter()
            .map(|c| ListedContact {
                number: c.number,
                values: c.values,
                attempts: 0,
            })
            .collect();
        self.event(EventKind::ContactsLoaded {
            campaign,
            kept,
            rejected: Box::new(rejected.into_iter().map(|r| (r.line, r.message)).collect()),
        });
        self.route_pending[Channel::Voice.ix()] = true;
        Ok(())
    }

    /// The preview's shown values, (column, value), in the campaign's order.
    pub(crate) fn campaign_values(&self, c: &ContactTask) -> Vec<(String, String)> {
        let Some(campaign) = self.tenant.campaigns.get(c.campaign.ix()) else {
            return Vec::new();
        };
        campaign
            .show
            .iter()
            .map(|shown| {
                let value = c
                    .columns
                    .iter()
                    .position(|col| col.eq_ignore_ascii_case(shown))
                    .and_then(|i| c.contact.values.get(i))
                    .cloned()
                    .unwrap_or_default();
                (shown.clone(), value)
            })
            .collect()
    }

    /// How long a reservation call rings the agent (CMP-02).
    pub(crate) fn reservation_timeout(&self, task: TaskId) -> SimDuration {
        self.tasks
            .get(&task)
            .and_then(|t| t.campaign.as_ref())
            .and_then(|c| self.tenant.campaigns.get(c.campaign.ix()))
            .map_or(crate::config::outbound::DEFAULT_RESERVATION_TIMEOUT, |c| {
                c.reservation_timeout
            })
    }

    /// The dialer (CMP-02, CMP-03): after routing, each standard or direct preview
    /// campaign with contacts reserves its members who are still Available with no
    /// call, the one available the longest first.
    pub(crate) fn dial_campaigns(&mut self) {
        for ci in 0..self.tenant.campaigns.len() {
            if self.tenant.campaigns[ci].mode == CampaignMode::Preview {
                continue;
            }
            while !self.campaigns[ci].pending.is_empty() {
                let best = self.tenant.campaigns[ci]
                    .members
                    .iter()
                    .filter(|a| self.agents[a.ix()].ready[Channel::Voice.ix()])
                    .min_by_key(|a| (self.agents[a.ix()].ready_since[Channel::Voice.ix()], a.0))
                    .copied();
                let Some(agent) = best else { break };
                // CMP-10: no customer could be called now, so nobody is reserved.
                if self.check_call_limit().is_err() {
                    break;
                }
                let contact = self.campaigns[ci].pending.pop_front().expect("not empty");
                let task = self.contact_task(CampaignIdx(ci as u32), contact, agent);
                self.offer(task, agent, None, RequestKind::Reservation, Role::Owner);
            }
        }
    }

    /// A task for a contact taken by `agent`.
    fn contact_task(
        &mut self,
        campaign: CampaignIdx,
        contact: ListedContact,
        agent: AgentIdx,
    ) -> TaskId {
        let c = &self.tenant.campaigns[campaign.ix()];
        let ep = c.entry_point;
        let queue = self.tenant.entry_points[ep.ix()].outdial_queue;
        self.next_leg += 1;
        let leg = LegId(self.next_leg);
        let from = compact_str::CompactString::from(self.tenant.agents[agent.ix()].dn.as_str());
        let to = compact_str::CompactString::from(contact.number.as_str());
        let number = contact.number.clone();
        let columns = self.campaigns[campaign.ix()].columns.clone();
        let task = self.create_task(
            TaskKind::Campaign,
            Channel::Voice,
            Leg::External(leg),
            ep,
            from,
            to,
        );
        let now = self.now;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.stage = Stage::Offered;
        t.owner = Some(agent);
        t.queue = queue;
        t.campaign = Some(Box::new(ContactTask {
            campaign,
            contact,
            columns,
            previewing: false,
            preview_timer: None,
            since: now,
        }));
        self.event(EventKind::ContactReserved {
            task,
            campaign,
            agent,
            number,
        });
        task
    }

    /// The agent answered the reservation call: the preview shows (CMP-02).
    pub(crate) fn reservation_answered(&mut self, agent: AgentIdx, task: TaskId, work: Work) {
        self.engage(agent, task, work, StateReason::Answered);
        self.show_preview(agent, task);
    }

    /// The reservation call was not answered: the contact goes back to the front.
    pub(crate) fn reservation_failed(&mut self, task: TaskId) {
        let t = self.tasks.get_mut(&task).expect("live task");
        if let Some(c) = t.campaign.take() {
            let ContactTask {
                campaign, contact, ..
            } = *c;
            self.event(EventKind::ContactDone {
                campaign,
                number: contact.number.clone(),
                fate: ContactFate::Returned,
                attempts: contact.attempts,
            });
            self.campaigns[campaign.ix()].pending.push_front(contact);
        }
        let t = self.tasks.get_mut(&task).expect("live task");
        t.outcome = Some(TaskOutcome::Cancelled);
        t.stage = Stage::Ended;
        self.close_if_done(task);
    }

    /// Shows the contact's preview and arms its timeout (CMP-04, CMP-05).
    fn show_preview(&mut self, agent: AgentIdx, task: TaskId) {
        let now = self.now;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.stage = Stage::Preview;
        t.owner = Some(agent);
        let Some(c) = self.tasks[&task].campaign.as_deref() else {
            return;
        };
        let campaign = &self.tenant.campaigns[c.campaign.ix()];
        let preview = Preview {
            task,
            campaign: c.campaign,
            number: c.contact.number.clone(),
            values: self.campaign_values(c),
            timeout: campaign.preview_timeout,
            timeout_action: campaign.timeout_action,
            skip: campaign.skip,
            remove: campaign.remove,
        };
        let timer = self.timers.set(
            now + campaign.preview_timeout,
            TimerKind::PreviewTimeout { agent, task },
        );
        let c = self
            .tasks
            .get_mut(&task)
            .and_then(|t| t.campaign.as_deref_mut())
            .expect("checked above");
        c.previewing = true;
        c.preview_timer = Some(timer);
        self.event(EventKind::PreviewShown { task, agent });
        self.notify(agent, Notice::Preview(Box::new(preview)));
    }

    /// The campaign icon (CMP-01): the agent takes the next contact of a preview campaign.
    pub(crate) fn pull_contact(
        &mut self,
        agent: AgentIdx,
        campaign: CampaignIdx,
    ) -> Result<(), Refusal> {
        let Some(c) = self.tenant.campaigns.get(campaign.ix()) else {
            return Err(Refusal::UnknownCampaign {
                campaign: campaign.0,
            });
        };
        if !c.members.contains(&agent) {
            return Err(Refusal::NotCampaignMember {
                campaign: c.name.clone(),
            });
        }
        if c.mode != CampaignMode::Preview {
            return Err(Refusal::NotPreviewMode {
                campaign: c.name.clone(),
            });
        }
        let a = &self.agents[agent.ix()];
        // CMP-03: Available, with no call and the handset down.
        if a.presence != Presence::Available || a.voice().is_some() || a.off_hook {
            return Err(Refusal::NotAvailableForCampaign);
        }
        let name = c.name.clone();
        let Some(contact) = self.campaigns[campaign.ix()].pending.pop_front() else {
            return Err(Refusal::NoContacts { campaign: name });
        };
        let task = self.contact_task(campaign, contact, agent);
        let work = Work {
            task,
            channel: Channel::Voice,
            role: Role::Owner,
            phase: WorkPhase::Engaged,
            request: RequestKind::Outdial,
            timer: None,
            since: self.now,
            controls: Default::default(),
        };
        self.set_work(agent, task, Some(work), StateReason::Offer);
        self.notify(
            agent,
            Notice::CampaignIcon {
                campaign,
                enabled: false,
            },
        );
        self.show_preview(agent, task);
        Ok(())
    }

    /// The previewed contact of `task`, checked to be `agent`'s and showing.
    fn previewed(&self, agent: AgentIdx, task: TaskId) -> Result<CampaignIdx, Refusal> {
        let t = self.own_task(agent, task)?;
        match t.campaign.as_deref() {
            Some(c) if c.previewing && t.stage == Stage::Preview => Ok(c.campaign),
            _ => Err(Refusal::NotPreviewing { task }),
        }
    }

    pub(crate) fn preview_accept(&mut self, agent: AgentIdx, task: TaskId) -> Result<(), Refusal> {
        self.previewed(agent, task)?;
        // CMP-10: at the limit nothing is dialled; the preview stays.
        self.check_call_limit()?;
        self.preview_chosen(task, PreviewAction::Accept, false);
        self.dial_contact(agent, task);
        Ok(())
    }

    pub(crate) fn preview_skip(&mut self, agent: AgentIdx, task: TaskId) -> Result<(), Refusal> {
        let campaign = self.previewed(agent, task)?;
        if !self.tenant.campaigns[campaign.ix()].skip {
            return Err(Refusal::PreviewActionDisabled {
                action: "Skip".into(),
            });
        }
        self.preview_chosen(task, PreviewAction::Skip, false);
        self.preview_dropped(agent, task, PreviewAction::Skip);
        Ok(())
    }

    pub(crate) fn preview_remove(&mut self, agent: AgentIdx, task: TaskId) -> Result<(), Refusal> {
        let campaign = self.previewed(agent, task)?;
        if !self.tenant.campaigns[campaign.ix()].remove {
            return Err(Refusal::PreviewActionDisabled {
                action: "Remove".into(),
            });
        }
        self.preview_chosen(task, PreviewAction::Remove, false);
        self.preview_dropped(agent, task, PreviewAction::Remove);
        Ok(())
    }

    /// The preview's timeout: the campaign's automatic action (CMP-05).
    pub(crate) fn preview_timed_out(&mut self, key: TimerKey, agent: AgentIdx, task: TaskId) {
        let Some(c) = self
            .tasks
            .get_mut(&task)
            .and_then(|t| t.campaign.as_deref_mut())
        else {
            return;
        };
        if c.preview_timer != Some(key) || !c.previewing {
            return;
        }
        c.preview_timer = None;
        let campaign = c.campaign;
        let mut action = self.tenant.campaigns[campaign.ix()].timeout_action;
        if action == PreviewAction::Accept
            && let Err(reason) = self.check_call_limit()
        {
            // CMP-10: the automatic accept cannot dial; the contact is skipped instead.
            self.event(EventKind::Refused {
                agent: Some(agent),
                action: crate::input::ActionKind::PreviewAccept,
                reason: Box::new(reason),
            });
            action = PreviewAction::Skip;
        }
        self.notify(agent, Notice::PreviewTimedOut { task, action });
        self.preview_chosen(task, action, true);
        match action {
            PreviewAction::Accept => self.dial_contact(agent, task),
            other => self.preview_dropped(agent, task, other),
        }
    }

    fn preview_chosen(&mut self, task: TaskId, action: PreviewAction, auto: bool) {
        if let Some(c) = self
            .tasks
            .get_mut(&task)
            .and_then(|t| t.campaign.as_deref_mut())
        {
            c.previewing = false;
            if let Some(key) = c.preview_timer.take() {
                self.timers.cancel(key);
            }
        }
        self.event(EventKind::PreviewChosen { task, action, auto });
    }

    /// Accepted: in preview mode the agent's outdial is placed (its phone rings
    /// first, AGT-10); after a reservation the agent is on the line and the customer
    /// is dialled at once (CMP-07).
    fn dial_contact(&mut self, agent: AgentIdx, task: TaskId) {
        let t = &self.tasks[&task];
        let Some(c) = t.campaign.as_deref() else {
            return;
        };
        let campaign = &self.tenant.campaigns[c.campaign.ix()];
        if campaign.mode == CampaignMode::Preview {
            let t = self.tasks.get_mut(&task).expect("live task");
            t.stage = Stage::Offered;
            let queue = t.queue;
            self.offer(task, agent, queue, RequestKind::Outdial, Role::Owner);
        } else {
            let (number, cancel) = (c.contact.number.clone(), campaign.end_call);
            self.count_attempt(task);
            self.dial_customer(task, number, cancel);
        }
    }

    /// A call is placed to the contact: one more attempt (CMP-08).
    pub(crate) fn count_attempt(&mut self, task: TaskId) {
        if let Some(c) = self
            .tasks
            .get_mut(&task)
            .and_then(|t| t.campaign.as_deref_mut())
        {
            c.contact.attempts = c.contact.attempts.saturating_add(1);
            c.since = self.now;
        }
    }

    /// Skipped or removed: the contact goes back to the end of the list or off it,
    /// the reservation call is released and the agent is free again (no wrap-up).
    fn preview_dropped(&mut self, agent: AgentIdx, task: TaskId, action: PreviewAction) {
        let t = self.tasks.get_mut(&task).expect("live task");
        let reserved = t
            .campaign
            .as_deref()
            .is_some_and(|c| self.tenant.campaigns[c.campaign.ix()].mode != CampaignMode::Preview);
        if let Some(c) = t.campaign.take() {
            let ContactTask {
                campaign, contact, ..
            } = *c;
            let fate = if action == PreviewAction::Skip {
                ContactFate::Skipped
            } else {
                ContactFate::Removed
            };
            self.event(EventKind::ContactDone {
                campaign,
                number: contact.number.clone(),
                fate,
                attempts: contact.attempts,
            });
            if action == PreviewAction::Skip {
                self.campaigns[campaign.ix()].pending.push_back(contact);
            }
            if !reserved {
                self.notify(
                    agent,
                    Notice::CampaignIcon {
                        campaign,
                        enabled: true,
                    },
                );
            }
        }
        if reserved {
            self.call_left_phone(agent, true);
        }
        let t = self.tasks.get_mut(&task).expect("live task");
        t.stage = Stage::Ended;
        t.outcome = Some(if action == PreviewAction::Skip {
            TaskOutcome::Skipped
        } else {
            TaskOutcome::Removed
        });
        self.set_work(agent, task, None, StateReason::PreviewDone);
        self.close_if_done(task);
    }

    /// The agent's phone hung up (or failed) while a preview showed: the contact goes
    /// back to the front of the list, and the agent is free (nothing was dialled).
    pub(crate) fn preview_hung_up(&mut self, agent: AgentIdx, task: TaskId) {
        if let Some(c) = self
            .tasks
            .get_mut(&task)
            .and_then(|t| t.campaign.as_deref_mut())
            && let Some(key) = c.preview_timer.take()
        {
            self.timers.cancel(key);
        }
        if !self.tenant.agents[agent.ix()].handset {
            self.agents[agent.ix()].off_hook = false;
        }
        self.set_work(agent, task, None, StateReason::PreviewDone);
        self.reservation_failed(task);
    }

    /// The contact's call ended one way or another: where the contact goes now.
    /// `reached`: a person or a machine answered.
    /// The answering-machine detection a campaign call asks for, if its campaign has it on.
    pub(crate) fn campaign_amd(&self, task: TaskId) -> Option<Box<crate::audio::amd::AmdParams>> {
        let c = self.tasks.get(&task)?.campaign.as_ref()?;
        self.tenant.campaigns[c.campaign.ix()].amd.clone()
    }

    pub(crate) fn contact_attempt_over(&mut self, task: TaskId, reached: bool) {
        let Some(c) = self.tasks.get_mut(&task).and_then(|t| t.campaign.take()) else {
            return;
        };
        let ContactTask {
            campaign, contact, ..
        } = *c;
        let max = self.tenant.campaigns[campaign.ix()].attempts;
        let fate = if reached {
            ContactFate::Done
        } else if contact.attempts < max {
            ContactFate::Retry
        } else {
            ContactFate::Exhausted
        };
        self.event(EventKind::ContactDone {
            campaign,
            number: contact.number.clone(),
            fate,
            attempts: contact.attempts,
        });
        if fate == ContactFate::Retry {
            self.campaigns[campaign.ix()]
                .pending
                .push_back(ListedContact {
                    values: contact.values,
                    ..contact
                });
        }
        if self.tenant.campaigns[campaign.ix()].mode == CampaignMode::Preview
            && let Some(agent) = self.tasks.get(&task).and_then(|t| t.owner)
        {
            self.notify(
                agent,
                Notice::CampaignIcon {
                    campaign,
                    enabled: true,
                },
            );
        }
    }

    /// The dial to a campaign contact, a callback or an outdial did not connect.
    pub(crate) fn campaign_not_reached(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        outcome: DialOutcome,
    ) {
        self.notify(agent, Notice::NotReached { task, outcome });
        self.contact_attempt_over(task, false);
        self.start_wrap_up(agent, task, true, true);
        self.customer_gone(task, TaskOutcome::NotReached);
    }

    /// The agent cancels a dial while the customer's phone rings (CBK-05, CMP-07):
    /// when its campaign or queue allows it (an agent's own outdial always may).
    pub(crate) fn cancel_dial(&mut self, agent: AgentIdx, task: TaskId) -> Result<(), Refusal> {
        let t = &self.tasks[&task];
        let allowed = match t.kind {
            TaskKind::Callback => self.callback_policy(task).cancel,
            TaskKind::Campaign => t
                .campaign
                .as_deref()
                .is_some_and(|c| self.tenant.campaigns[c.campaign.ix()].end_call),
            _ => true,
        };
        if !allowed {
            return Err(Refusal::CancelDisabled);
        }
        let Leg::External(leg) = t.customer else {
            return Err(Refusal::CancelDisabled);
        };
        self.event(EventKind::DialCancelled { task, leg });
        self.effect(Effect::Release {
            leg: Leg::External(leg),
        });
        if self.tasks[&task].kind == TaskKind::Campaign {
            self.contact_attempt_over(task, false);
        }
        self.start_wrap_up(agent, task, true, true);
        self.customer_gone(task, TaskOutcome::Cancelled);
        Ok(())
    }
}
