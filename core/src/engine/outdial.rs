//! Calls the engine places: an agent's outdial (AGT-10) and the results of every
//! dial (outdials, consults and transfers to numbers), with the tenant's
//! concurrent call limit (VOI-20) checked before any call is placed.

use compact_str::CompactString;

use crate::config::{ChannelKind, QueueType};
use crate::dialnum::DialNumber;
use crate::event::*;
use crate::ids::*;
use crate::input::DialOutcome;
use crate::legs::{Channel, Leg};
use crate::output::{Effect, Notice, RequestKind};
use crate::refusal::Refusal;

use super::Engine;
use super::agents::Work;
use super::tasks::Stage;

impl Engine {
    /// The outbound telephony entry point an outdial goes from: the one asked for,
    /// else the first one configured, else the system's.
    fn outdial_entry_point(&self, ep: Option<EpIdx>) -> Result<EpIdx, Refusal> {
        let outbound = |e: &crate::config::EntryPoint| {
            e.channel == ChannelKind::Telephony && e.queue_type == QueueType::Outbound
        };
        match ep {
            Some(e) => match self.tenant.entry_points.get(e.ix()) {
                Some(x) if outbound(x) => Ok(e),
                _ => Err(Refusal::NoOutdialEntryPoint { ep: e.0 }),
            },
            None => {
                let eps = &self.tenant.entry_points;
                let pick = eps
                    .iter()
                    .position(|e| outbound(e) && !e.system)
                    .or_else(|| eps.iter().position(outbound))
                    .ok_or(Refusal::NoOutdialEntryPoint { ep: u32::MAX })?;
                Ok(EpIdx(pick as u32))
            }
        }
    }

    /// AGT-10: the agent's own phone rings with the outdial's Contact Request first;
    /// once answered, the customer is dialled.
    pub(crate) fn outdial(
        &mut self,
        agent: AgentIdx,
        number: &str,
        ep: Option<EpIdx>,
    ) -> Result<(), Refusal> {
        let a = &self.agents[agent.ix()];
        if a.presence == Presence::LoggedOut {
            return Err(Refusal::NotLoggedIn);
        }
        if self.tenant.profile_of(agent).voice == 0 {
            return Err(Refusal::NoVoiceProfile);
        }
        if a.presence != Presence::Available || a.voice().is_some() || a.off_hook {
            return Err(Refusal::NotAvailableForOutdial);
        }
        let ep = self.outdial_entry_point(ep)?;
        let number = DialNumber::parse(number).map_err(|e| Refusal::InvalidNumber {
            error: e.to_string(),
        })?;
        self.check_call_limit()?;
        self.next_leg += 1;
        let leg = LegId(self.next_leg);
        let from = CompactString::from(self.tenant.agents[agent.ix()].dn.as_str());
        let to = CompactString::from(number.as_str());
        let task = self.create_task(
            TaskKind::Outdial,
            Channel::Voice,
            Leg::External(leg),
            ep,
            from,
            to,
        );
        let queue = self.tenant.entry_points[ep.ix()].outdial_queue;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.stage = Stage::Offered;
        t.owner = Some(agent);
        t.queue = queue;
        self.offer(task, agent, queue, RequestKind::Outdial, Role::Owner);
        Ok(())
    }

    /// The agent answered its outdial's request: the customer is dialled. The agent
    /// may cancel while it rings, unless the outdial is a campaign's that does not
    /// allow it (CMP-07).
    pub(crate) fn outdial_accepted(&mut self, agent: AgentIdx, task: TaskId, work: Work) {
        self.engage(agent, task, work, StateReason::Answered);
        let t = &self.tasks[&task];
        let Ok(number) = DialNumber::parse(&t.to) else {
            return;
        };
        let cancel = match t.campaign.as_deref() {
            Some(c) => self.tenant.campaigns[c.campaign.ix()].end_call,
            None => true,
        };
        if t.campaign.is_some() {
            self.count_attempt(task);
        }
        self.dial_customer(task, number, cancel);
    }

    /// Places a dial of `number` on `leg` for `task`; its result comes back with the
    /// returned request id.
    pub(crate) fn place_dial(&mut self, task: TaskId, leg: LegId, number: DialNumber) -> RequestId {
        let request = self.new_request();
        self.dials.insert(request, (task, leg));
        self.legs.insert(leg, task);
        self.event(EventKind::Dialing {
            task,
            leg,
            number: number.clone(),
        });
        self.effect(Effect::Dial {
            task,
            leg,
            number,
            request,
        });
        request
    }

    /// Drops a dialled leg, and any dial still pending on it.
    pub(crate) fn forget_leg(&mut self, leg: LegId) {
        self.legs.remove(&leg);
        self.dials.retain(|_, (_, l)| *l != leg);
    }

    /// A dialled number answered or not.
    pub(crate) fn dial_result(
        &mut self,
        request: RequestId,
        outcome: DialOutcome,
    ) -> Result<(), Refusal> {
        let Some((task, leg)) = self
            .dials
            .remove(&request)
            .filter(|(t, _)| self.tasks.contains_key(t))
        else {
            self.event(EventKind::Ignored {
                what: Ignored::StaleDial,
            });
            return Ok(());
        };
        self.event(EventKind::DialEnded { task, leg, outcome });
        let answered = outcome.connected();
        let t = &self.tasks[&task];
        if t.consult.as_ref().and_then(|c| c.dial) == Some((request, leg)) {
            if answered {
                self.consult_party_joined(task, Leg::External(leg));
            } else {
                self.forget_leg(leg);
                self.consult_failed(task, ConsultEnd::Failed);
            }
        } else if t.transfer_dial == Some(leg) {
            self.tasks.get_mut(&task).expect("live task").transfer_dial = None;
            if answered {
                let t = self.tasks.get_mut(&task).expect("live task");
                t.stage = Stage::Connected;
                t.external_owner = Some(leg);
                t.transferred = false;
                self.event(EventKind::Transferred {
                    task,
                    to: Leg::External(leg),
                });
                self.media_changed(task);
            } else {
                // The number did not take the call: like a transfer not accepted (VOI-16).
                self.forget_leg(leg);
                self.release_customer(task);
                self.customer_gone(
                    task,
                    TaskOutcome::Abandoned {
                        stage: AbandonStage::Transfer,
                    },
                );
            }
        } else if t.customer == Leg::External(leg) && t.stage == Stage::Dialing {
            let agent = t.owner.expect("an outdial has its agent");
            let kind = t.kind;
            if answered {
                let now = self.now;
                let t = self.tasks.get_mut(&task).expect("live task");
                t.stage = Stage::Connected;
                t.answered = Some(now);
                if let (Some(q), Some(_)) = (t.queue, t.first_queued) {
                    self.queues[q.ix()].tally.answered += 1;
                }
                // A callback waited from its queueing; an outdial did not wait.
                let waited = now.since(t.first_queued.unwrap_or(now));
                self.event(EventKind::TaskAnswered {
                    task,
                    agent,
                    waited,
                });
                self.start_recording_if_configured(task);
                self.media_changed(task);
                self.send_variables(task, agent);
                if kind == TaskKind::Campaign {
                    let amd = self.campaign_amd(task);
                    self.contact_attempt_over(task, true);
                    if outcome == DialOutcome::Answered
                        && let Some(params) = amd
                    {
                        // AUD-04: the media listens to the first words.
                        self.effect(Effect::DetectMachine { task, leg, params });
                    }
                }
                if outcome == DialOutcome::Machine {
                    // CMP-09: the agent may leave a message, or end the call.
                    self.notify(agent, Notice::AnsweringMachine { task });
                }
            } else {
                match kind {
                    TaskKind::Callback => self.callback_not_reached(agent, task, outcome),
                    TaskKind::Campaign => self.campaign_not_reached(agent, task, outcome),
                    _ => {
                        // A failed outdial: the agent wraps up the attempt.
                        self.notify(agent, Notice::NotReached { task, outcome });
                        self.start_wrap_up(agent, task, true, true);
                        self.customer_gone(task, TaskOutcome::NotReached);
                    }
                }
            }
        }
        Ok(())
    }

    /// Answering-machine detection came to a verdict on a dialled customer
    /// (CMP-09): a machine is announced to the agent, who may leave a message;
    /// a person, or no verdict, leaves the call as it is. A verdict for a leg
    /// no longer on a live call is stale and ignored.
    pub(crate) fn machine_detected(
        &mut self,
        leg: LegId,
        result: crate::audio::amd::AmdResult,
    ) -> Result<(), Refusal> {
        let live = self.legs.get(&leg).copied().filter(|task| {
            self.tasks
                .get(task)
                .is_some_and(|t| t.customer == Leg::External(leg) && t.stage == Stage::Connected)
        });
        let Some(task) = live else {
            self.event(EventKind::Ignored {
                what: Ignored::StaleDial,
            });
            return Ok(());
        };
        self.event(EventKind::MachineDetected { task, leg, result });
        if result.verdict == crate::audio::amd::Verdict::Machine
            && let Some(agent) = self.tasks[&task].owner
        {
            self.notify(agent, Notice::AnsweringMachine { task });
        }
        Ok(())
    }

    /// The party of a dialled leg hung up.
    pub(crate) fn leg_hung_up(&mut self, leg: LegId) -> Result<(), Refusal> {
        let Some(&task) = self.legs.get(&leg) else {
            self.event(EventKind::Ignored {
                what: Ignored::CustomerGone,
            });
            return Ok(());
        };
        self.event(EventKind::LegEnded { task, leg });
        if let Some(request) = self.dials.iter().find(|(_, v)| v.1 == leg).map(|(r, _)| *r) {
            // Hung up before the dial result came: the same as no answer.
            return self.dial_result(request, DialOutcome::NoAnswer);
        }
        let t = &self.tasks[&task];
        if t.customer == Leg::External(leg) {
            self.forget_leg(leg);
            self.customer_left(task);
        } else if t.external_owner == Some(leg) {
            self.forget_leg(leg);
            self.end_call(task, super::tasks::EndKind::TransferredOut);
        } else if t.consult.as_ref().and_then(|c| c.party) == Some(Leg::External(leg)) {
            self.consulted_number_left(task, leg);
        }
        Ok(())
    }
}
