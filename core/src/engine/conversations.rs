//! Digital conversations (chat, email, SMS, WhatsApp, Messenger): one customer
//! address at one entry point (OUT-04, OUT-08).
//!
//! A customer's message joins their open conversation there (for email: by the
//! Message-ID it answers first, then by address and subject), or opens a new one,
//! which runs the entry point's flow and is routed like a call; a conversation
//! that reopens after closing keeps a link to the one before (OUT-12). Agents
//! write to customers ([`crate::Effect::SendMessage`]; outbound emails follow the
//! content rules of OUT-10), start SMS and email conversations themselves
//! (OUT-01..OUT-07, OUT-09, OUT-11), and transfer digital tasks to a queue or an
//! agent, who must accept (OUT-13).

use std::collections::{BTreeMap, BTreeSet};

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::address::{Address, AddressKind};
use crate::config::{ChannelKind, License, SocialKind};
use crate::event::{EventKind, Presence, Role, StateReason, TaskKind, WorkPhase};
use crate::ids::*;
use crate::input::Target;
use crate::legs::{Channel, Leg};
use crate::message::{
    EmailHeaders, HOSTED_IMAGE_MONTHS, InboundMessage, MessageContent, PartKind,
    check_outbound_email, normalize_message_id, normalize_subject,
};
use crate::output::{Effect, HostedImage, Notice, OutboundMessage, RequestKind};
use crate::refusal::Refusal;

use super::Engine;
use super::agents::Work;
use super::tasks::Stage;

/// An open conversation, held by its task.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Conversation {
    pub ep: EpIdx,
    pub address: Address,
    /// An email thread's normalized subject ("" for other channels).
    pub subject: String,
    /// The Message-IDs of an email thread, oldest first (the customer's and ours).
    pub message_ids: Vec<CompactString>,
    pub received: u32,
    pub sent: u32,
    /// The closed conversation whose history this one keeps (OUT-12).
    pub previous: Option<TaskId>,
    /// The agent a transfer waits for (OUT-13).
    pub transfer_to: Option<AgentIdx>,
}

/// What the engine remembers of a customer across conversations.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct CustomerRecord {
    /// Normalized subjects of the customer's email conversations (OUT-09).
    pub subjects: BTreeSet<String>,
    /// The last closed conversation per entry point (OUT-12).
    pub closed: BTreeMap<EpIdx, TaskId>,
}

/// All digital conversations' state.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Conversations {
    pub open: BTreeMap<TaskId, Conversation>,
    /// (entry point, address, normalized subject) -> the open conversation
    /// (a sequence of pairs in a snapshot: JSON has no tuple keys).
    #[serde(with = "super::snapshot::pairs")]
    pub threads: BTreeMap<(EpIdx, Address, String), TaskId>,
    /// An email's Message-ID -> the open conversation it belongs to.
    pub email_ids: BTreeMap<CompactString, TaskId>,
    pub customers: BTreeMap<Address, CustomerRecord>,
    /// Messages sent and awaiting their delivery result.
    pub sending: BTreeMap<RequestId, TaskId>,
}

impl Conversations {
    /// The open conversation at `ep` with `address`, whatever its subject (OUT-04).
    fn any_open(&self, ep: EpIdx, address: &Address) -> Option<TaskId> {
        let from = (ep, address.clone(), String::new());
        self.threads
            .range(from..)
            .next()
            .filter(|((e, a, _), _)| *e == ep && a == address)
            .map(|(_, t)| *t)
    }
}

impl Engine {
    /// A customer's message (OUT-08): threaded to their open conversation, or a new one.
    pub(crate) fn message_received(
        &mut self,
        contact: CallId,
        ep: EpIdx,
        message: &InboundMessage,
    ) -> Result<(), crate::refusal::Refusal> {
        let Some(e) = self.tenant.entry_points.get(ep.ix()) else {
            return Err(Refusal::UnknownTarget {
                what: "entry point".into(),
                index: ep.0,
            });
        };
        if e.channel == ChannelKind::Telephony {
            return Err(Refusal::NotDigitalEntryPoint { ep: e.name.clone() });
        }
        let email = e.channel == ChannelKind::Email;
        let address =
            Address::parse(AddressKind::of(e.channel, e.social), &message.from).map_err(|err| {
                Refusal::InvalidAddress {
                    error: err.to_string(),
                }
            })?;
        let subject = if email {
            normalize_subject(message.content.subject.as_deref().unwrap_or_default())
        } else {
            String::new()
        };
        // Email: the thread it answers first, then address and subject.
        let by_id = if email {
            message
                .email
                .in_reply_to
                .iter()
                .chain(message.email.references.iter().rev())
                .map(|id| normalize_message_id(id))
                .find_map(|id| self.conversations.email_ids.get(&id).copied())
        } else {
            None
        };
        let thread = by_id.or_else(|| {
            self.conversations
                .threads
                .get(&(ep, address.clone(), subject.clone()))
                .copied()
        });
        match thread {
            Some(task) => self.append_message(task, message),
            None => {
                if self.calls.contains_key(&contact) {
                    return Err(Refusal::DuplicateCall { call: contact });
                }
                // A new conversation needs an inbound entry point, with its flow.
                if e.queue_type != crate::config::QueueType::Inbound {
                    return Err(Refusal::NotDigitalEntryPoint { ep: e.name.clone() });
                }
                let channel = Channel::of(e.channel);
                let to = CompactString::from(e.name.as_str());
                let from = CompactString::from(address.as_str());
                let task = self.create_task(
                    TaskKind::Inbound,
                    channel,
                    Leg::Customer(contact),
                    ep,
                    from,
                    to,
                );
                self.open_conversation(task, ep, address, subject, false);
                self.append_message(task, message);
                self.start_flow(task);
            }
        }
        Ok(())
    }

    /// Records a new open conversation, linked to the customer's last closed one at
    /// the entry point (OUT-12).
    fn open_conversation(
        &mut self,
        task: TaskId,
        ep: EpIdx,
        address: Address,
        subject: String,
        outbound: bool,
    ) {
        let c = &mut self.conversations;
        let previous = c
            .customers
            .get(&address)
            .and_then(|r| r.closed.get(&ep))
            .copied();
        if !subject.is_empty() {
            c.customers
                .entry(address.clone())
                .or_default()
                .subjects
                .insert(subject.clone());
        }
        c.threads
            .insert((ep, address.clone(), subject.clone()), task);
        c.open.insert(
            task,
            Conversation {
                ep,
                address: address.clone(),
                subject,
                message_ids: Vec::new(),
                received: 0,
                sent: 0,
                previous,
                transfer_to: None,
            },
        );
        self.event(EventKind::ConversationOpened {
            task,
            address: Box::new(address),
            outbound,
            previous,
        });
    }

    /// A customer's message joins an open conversation.
    fn append_message(&mut self, task: TaskId, message: &InboundMessage) {
        let Some(c) = self.conversations.open.get_mut(&task) else {
            return;
        };
        c.received += 1;
        let count = c.received;
        if let Some(id) = &message.email.message_id {
            let id = normalize_message_id(id);
            c.message_ids.push(id.clone());
            self.conversations.email_ids.insert(id, task);
        }
        self.event(EventKind::MessageReceived { task, count });
        if let Some(owner) = self.tasks.get(&task).and_then(|t| t.owner)
            && self.agents[owner.ix()]
                .work_on(task)
                .is_some_and(|w| w.phase == WorkPhase::Engaged)
        {
            self.notify(
                owner,
                Notice::Message {
                    task,
                    messages: count,
                },
            );
        }
    }

    /// The conversation of a task that ends closes; a later message opens a new one.
    pub(crate) fn close_conversation(&mut self, task: TaskId) {
        let Some(c) = self.conversations.open.remove(&task) else {
            return;
        };
        if let Some(a2) = c.transfer_to {
            self.withdraw_offer(a2, task);
        }
        self.conversations
            .threads
            .remove(&(c.ep, c.address.clone(), c.subject.clone()));
        for id in &c.message_ids {
            self.conversations.email_ids.remove(id);
        }
        self.conversations
            .customers
            .entry(c.address)
            .or_default()
            .closed
            .insert(c.ep, task);
        self.event(EventKind::ConversationClosed { task });
    }

    /// The agent writes to the customer of a digital task.
    pub(crate) fn send_message(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        content: MessageContent,
    ) -> Result<(), Refusal> {
        let t = self.own_task(agent, task)?;
        if t.channel == Channel::Voice {
            return Err(Refusal::NotDigital { task });
        }
        let work = self.agents[agent.ix()].work_on(task).copied();
        match work.map(|w| w.phase) {
            Some(WorkPhase::Engaged) => {}
            Some(WorkPhase::WrapUp) => return Err(Refusal::TaskEnded { task }),
            _ => return Err(Refusal::NotAccepted { task }),
        }
        if !self.conversations.open.contains_key(&task) {
            return Err(Refusal::TaskEnded { task });
        }
        if self.tenant.entry_points[t.ep.ix()].channel == ChannelKind::Email {
            check_outbound_email(&content, self.tenant.pci).map_err(|e| Refusal::BadContent {
                error: e.to_string(),
            })?;
        }
        self.write(agent, task, content);
        Ok(())
    }

    /// Sends a checked message on an open conversation.
    fn write(&mut self, agent: AgentIdx, task: TaskId, content: MessageContent) {
        let request = self.new_request();
        let wall = self.wall_now();
        let retain_until = retain_until(wall);
        let tenant_email = self.tenant.entry_points[self.conversations.open[&task].ep.ix()].channel
            == ChannelKind::Email;
        let Some(c) = self.conversations.open.get_mut(&task) else {
            return;
        };
        c.sent += 1;
        let count = c.sent;
        let email = if tenant_email {
            let own = CompactString::from(format!("{}.{}@switchboard", task.0, count));
            let headers = EmailHeaders {
                message_id: Some(own.clone()),
                in_reply_to: c.message_ids.last().cloned(),
                references: c.message_ids.clone(),
            };
            c.message_ids.push(own.clone());
            self.conversations.email_ids.insert(own, task);
            headers
        } else {
            EmailHeaders::default()
        };
        let c = &self.conversations.open[&task];
        let hosted = content
            .parts
            .iter()
            .filter(|p| p.kind == PartKind::InlineImage)
            .enumerate()
            .map(|(i, p)| HostedImage {
                name: p.name.clone(),
                url: format!("images/{}/{count}/{i}", task.0),
                retain_until,
            })
            .collect();
        let out = OutboundMessage {
            task,
            request,
            ep: c.ep,
            to: c.address.clone(),
            content,
            email,
            hosted,
        };
        self.conversations.sending.insert(request, task);
        self.event(EventKind::MessageSent { task, agent, count });
        self.effect(Effect::SendMessage(Box::new(out)));
    }

    /// A sent message's delivery result.
    pub(crate) fn message_result(&mut self, request: RequestId, delivered: bool) {
        let Some(task) = self
            .conversations
            .sending
            .remove(&request)
            .filter(|t| self.tasks.contains_key(t))
        else {
            self.event(EventKind::Ignored {
                what: crate::event::Ignored::StaleDial,
            });
            return;
        };
        self.event(EventKind::MessageDelivery { task, delivered });
        if !delivered && let Some(owner) = self.tasks.get(&task).and_then(|t| t.owner) {
            self.notify(owner, Notice::MessageFailed { task });
        }
    }

    /// An agent starts an SMS or email conversation (OUT-01..OUT-07, OUT-09, OUT-10).
    /// Every check comes first: a refused start leaves nothing behind (OUT-06).
    pub(crate) fn start_conversation(
        &mut self,
        agent: AgentIdx,
        ep: EpIdx,
        to: &str,
        content: MessageContent,
    ) -> Result<(), Refusal> {
        let a = &self.agents[agent.ix()];
        if a.presence == Presence::LoggedOut {
            return Err(Refusal::NotLoggedIn);
        }
        if self.tenant.agents[agent.ix()].license != License::Premium {
            return Err(Refusal::NotLicensed);
        }
        // OUT-02: Available or in RONA, busy or not.
        if !matches!(a.presence, Presence::Available | Presence::Rona) {
            return Err(Refusal::NotAvailableForOutbound);
        }
        let Some(e) = self.tenant.entry_points.get(ep.ix()) else {
            return Err(Refusal::UnknownTarget {
                what: "entry point".into(),
                index: ep.0,
            });
        };
        let sms = e.channel == ChannelKind::Social && e.social == Some(SocialKind::Sms);
        let email = e.channel == ChannelKind::Email;
        if !(sms || email) {
            return Err(Refusal::NotOutboundEntryPoint { ep: e.name.clone() });
        }
        let channel = Channel::of(e.channel);
        let p = self.tenant.profile_of(agent);
        let cap = if email { p.email } else { p.social };
        if cap == 0 {
            return Err(Refusal::NoChannelInProfile {
                channel: channel.name().to_string(),
            });
        }
        let kind = if email {
            AddressKind::Email
        } else {
            AddressKind::Phone
        };
        let address = Address::parse(kind, to).map_err(|err| Refusal::InvalidAddress {
            error: err.to_string(),
        })?;
        if self.conversations.any_open(ep, &address).is_some() {
            return Err(Refusal::ConversationActive);
        }
        let outbound = a
            .work
            .iter()
            .filter(|w| w.request == RequestKind::Conversation)
            .count();
        if outbound >= p.outbound as usize {
            return Err(Refusal::OutboundCap { cap: p.outbound });
        }
        if a.work.iter().filter(|w| w.channel == channel).count() >= cap as usize {
            return Err(Refusal::ChannelFull {
                channel: channel.name().to_string(),
            });
        }
        let subject = if email {
            let raw = content.subject.as_deref().unwrap_or_default();
            let subject = normalize_subject(raw);
            if subject.is_empty() {
                return Err(Refusal::SubjectRequired);
            }
            let used = self
                .conversations
                .customers
                .get(&address)
                .is_some_and(|c| c.subjects.contains(&subject));
            if used {
                return Err(Refusal::SubjectUsed {
                    subject: raw.trim().to_string(),
                });
            }
            check_outbound_email(&content, self.tenant.pci).map_err(|e| Refusal::BadContent {
                error: e.to_string(),
            })?;
            subject
        } else {
            String::new()
        };

        // Create and assign at once (OUT-06); no flow runs (OUT-11).
        self.next_leg += 1;
        let leg = LegId(self.next_leg);
        let from = CompactString::from(e.name.as_str());
        let to = CompactString::from(address.as_str());
        let task = self.create_task(
            TaskKind::Conversation,
            channel,
            Leg::External(leg),
            ep,
            from,
            to,
        );
        let now = self.now;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.stage = Stage::Connected;
        t.owner = Some(agent);
        t.answered = Some(now);
        t.customer_live = true;
        self.open_conversation(task, ep, address, subject, true);
        let work = Work {
            task,
            channel,
            role: Role::Owner,
            phase: WorkPhase::Engaged,
            request: RequestKind::Conversation,
            timer: None,
            since: now,
            controls: Default::default(),
        };
        self.set_work(agent, task, Some(work), StateReason::Answered);
        self.notify(agent, Notice::ConversationStarted { task });
        self.refresh_controls(task);
        self.write(agent, task, content);
        Ok(())
    }

    /// Transfers a digital task to a queue or an agent (OUT-13): to a queue it goes
    /// at once and the agent wraps up; an agent must accept it first, and if they do
    /// not, the task stays with the agent.
    pub(crate) fn transfer_digital(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        target: Option<Target>,
    ) -> Result<(), Refusal> {
        self.own_task(agent, task)?;
        match self.agents[agent.ix()].work_on(task).map(|w| w.phase) {
            Some(WorkPhase::Engaged) => {}
            Some(WorkPhase::WrapUp) => return Err(Refusal::TaskEnded { task }),
            _ => return Err(Refusal::NotAccepted { task }),
        }
        let Some(c) = self.conversations.open.get(&task) else {
            return Err(Refusal::TaskEnded { task });
        };
        if c.transfer_to.is_some() {
            return Err(Refusal::TransferPending);
        }
        let channel = self.tasks[&task].channel;
        match target {
            Some(Target::Queue(q)) => {
                if q.ix() >= self.tenant.queues.len() {
                    return Err(Refusal::UnknownTarget {
                        what: "queue".into(),
                        index: q.0,
                    });
                }
                self.event(EventKind::TransferRequested {
                    task,
                    target: Box::new(crate::event::TargetRef::Queue(q)),
                });
                self.start_wrap_up(agent, task, false, true);
                let t = self.tasks.get_mut(&task).expect("live task");
                t.owner = None;
                t.transferred = true;
                // Like a call (VOI-17), never offered back to the agent who transferred it.
                t.exclude = Some(agent);
                let priority = t.key.priority();
                self.enqueue(task, q, priority);
                Ok(())
            }
            Some(Target::Agent(a2)) => {
                if a2.ix() >= self.agents.len() {
                    return Err(Refusal::UnknownTarget {
                        what: "agent".into(),
                        index: a2.0,
                    });
                }
                if a2 == agent {
                    return Err(Refusal::TargetIsSelf);
                }
                let holds = self.agents[a2.ix()].work_on(task).is_some();
                if holds || !self.routable(a2, channel) {
                    return Err(Refusal::TargetUnavailable {
                        agent: self.tenant.agents[a2.ix()].id.clone(),
                        state: self.agents[a2.ix()].view().name().to_string(),
                        rule: format!(
                            "only an Available agent with room for a {} takes a transfer (OUT-13)",
                            channel.name()
                        ),
                    });
                }
                self.event(EventKind::TransferRequested {
                    task,
                    target: Box::new(crate::event::TargetRef::Agent(a2)),
                });
                if let Some(c) = self.conversations.open.get_mut(&task) {
                    c.transfer_to = Some(a2);
                }
                self.refresh_controls(task);
                self.offer(task, a2, None, RequestKind::Transfer, Role::Owner);
                Ok(())
            }
            Some(other) => Err(Refusal::DigitalTransferTarget {
                target: match other {
                    Target::EntryPoint(_) => "an entry point".into(),
                    _ => "a number".into(),
                },
            }),
            None => Err(Refusal::DigitalTransferTarget {
                target: "a consulted party".into(),
            }),
        }
    }

    /// What the transfer lists of an agent's digital task show (OUT-13): every
    /// queue, and the other agents Available with room for the task's channel.
    /// `None` when the agent cannot transfer the task now.
    pub fn transfer_targets(
        &self,
        agent: AgentIdx,
        task: TaskId,
    ) -> Option<(Vec<QueueIdx>, Vec<AgentIdx>)> {
        let t = self.tasks.get(&task)?;
        let engaged = self
            .agents
            .get(agent.ix())?
            .work_on(task)
            .is_some_and(|w| w.phase == WorkPhase::Engaged && w.role == Role::Owner);
        let c = self.conversations.open.get(&task)?;
        if !engaged || c.transfer_to.is_some() {
            return None;
        }
        let queues = (0..self.tenant.queues.len() as u32).map(QueueIdx).collect();
        let agents = (0..self.agents.len() as u32)
            .map(AgentIdx)
            .filter(|&a| {
                a != agent
                    && self.agents[a.ix()].work_on(task).is_none()
                    && self.routable(a, t.channel)
            })
            .collect();
        Some((queues, agents))
    }

    /// Whether `agent` is the target of a pending digital transfer of `task`.
    pub(crate) fn digital_transfer_to(&self, task: TaskId) -> Option<AgentIdx> {
        self.conversations
            .open
            .get(&task)
            .and_then(|c| c.transfer_to)
    }

    /// The target agent accepted: it owns the task; the agent who transferred it wraps up.
    pub(crate) fn digital_transfer_accepted(&mut self, a2: AgentIdx, task: TaskId, work: Work) {
        let a1 = self.tasks[&task].owner;
        if let Some(c) = self.conversations.open.get_mut(&task) {
            c.transfer_to = None;
        }
        self.engage(a2, task, work, StateReason::Transferred);
        if let Some(a1) = a1 {
            self.start_wrap_up(a1, task, false, true);
        }
        let t = self.tasks.get_mut(&task).expect("live task");
        t.owner = Some(a2);
        self.event(EventKind::Transferred {
            task,
            to: Leg::Agent(a2),
        });
    }

    /// The target agent did not accept (RONA, declined): the transfer is rejected
    /// and the task stays with the agent who had it (OUT-13).
    pub(crate) fn digital_transfer_rejected(&mut self, a2: AgentIdx, task: TaskId) {
        if let Some(c) = self.conversations.open.get_mut(&task) {
            c.transfer_to = None;
        }
        self.event(EventKind::TransferRejected { task, target: a2 });
        self.refresh_controls(task);
        if let Some(a1) = self.tasks.get(&task).and_then(|t| t.owner) {
            self.notify(a1, Notice::TransferRejected { task });
        }
    }
}

/// Six months after `wall` (microseconds since the Unix epoch), the retention of a
/// hosted image (OUT-10).
fn retain_until(wall: i64) -> i64 {
    let secs = wall.div_euclid(1_000_000);
    chrono::DateTime::from_timestamp(secs, 0)
        .and_then(|d| d.checked_add_months(chrono::Months::new(HOSTED_IMAGE_MONTHS)))
        .map_or(wall, |d| d.timestamp().saturating_mul(1_000_000))
}
