//! The participants' table (VOI-05, VOI-06, VOI-10, VOI-13, VOI-14, REC-04,
//! CAD-05): for each state of a voice call, each participant (customer, agent 1
//! who owns the call, agent 2 who was consulted) and each action, whether the
//! action is done (and what it does) or refused (and why). The engine checks
//! every action against [`rule`] and tells each desktop which controls are
//! enabled from it; docs/participants.md is generated from it (a test keeps them
//! equal), so the table, the engine and the documentation cannot drift apart.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::refusal::Refusal;

/// The state of a voice call, as far as its participants' actions go.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// Agent 1 and the customer talk.
    Talking,
    /// The customer is on hold, no consult.
    CustomerHeld,
    /// A consult is requested (not accepted yet); the customer is on hold.
    ConsultRequested,
    /// A consult is requested; agent 1 resumed the customer meanwhile.
    ConsultRequestedCustomerResumed,
    /// Agent 1 and the consulted party talk; the customer is on hold.
    Consulting,
    /// Agent 1 resumed the customer; the consulted party is on hold (VOI-06).
    ConsultingCustomerResumed,
    /// Customer, agent 1 and agent 2 hear each other (VOI-12).
    Conference,
}

impl CallState {
    pub const ALL: [CallState; 7] = [
        CallState::Talking,
        CallState::CustomerHeld,
        CallState::ConsultRequested,
        CallState::ConsultRequestedCustomerResumed,
        CallState::Consulting,
        CallState::ConsultingCustomerResumed,
        CallState::Conference,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CallState::Talking => "talking",
            CallState::CustomerHeld => "customer held",
            CallState::ConsultRequested => "consult requested",
            CallState::ConsultRequestedCustomerResumed => "consult requested, customer resumed",
            CallState::Consulting => "consulting",
            CallState::ConsultingCustomerResumed => "consulting, customer resumed",
            CallState::Conference => "conference",
        }
    }

    fn requested(self) -> bool {
        matches!(
            self,
            CallState::ConsultRequested | CallState::ConsultRequestedCustomerResumed
        )
    }

    fn consulting(self) -> bool {
        matches!(
            self,
            CallState::Consulting | CallState::ConsultingCustomerResumed
        )
    }

    /// Whether a consulted party exists or is being asked.
    pub fn has_consult(self) -> bool {
        self.requested() || self.consulting()
    }
}

/// Who acts.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Participant {
    Customer,
    /// The agent who owns the call.
    Agent1,
    /// The consulted agent.
    Agent2,
}

impl Participant {
    pub const ALL: [Participant; 3] = [
        Participant::Customer,
        Participant::Agent1,
        Participant::Agent2,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Participant::Customer => "customer",
            Participant::Agent1 => "agent 1",
            Participant::Agent2 => "agent 2",
        }
    }
}

/// An action on a call.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    HangUp,
    Hold,
    Resume,
    End,
    Consult,
    EndConsult,
    HoldConsulted,
    ResumeConsulted,
    Transfer,
    BlindTransfer,
    Conference,
    Exit,
    PauseRecording,
    ResumeRecording,
    EditVariables,
    WrapUp,
}

impl Control {
    /// The agent's controls, in the order desktops show them.
    pub const AGENT: [Control; 15] = [
        Control::Hold,
        Control::Resume,
        Control::End,
        Control::Consult,
        Control::EndConsult,
        Control::HoldConsulted,
        Control::ResumeConsulted,
        Control::Transfer,
        Control::BlindTransfer,
        Control::Conference,
        Control::Exit,
        Control::PauseRecording,
        Control::ResumeRecording,
        Control::EditVariables,
        Control::WrapUp,
    ];

    /// What a customer can try.
    pub const CUSTOMER: [Control; 2] = [Control::HangUp, Control::Consult];

    pub fn label(self) -> &'static str {
        match self {
            Control::HangUp => "hang up",
            Control::Hold => "hold",
            Control::Resume => "resume",
            Control::End => "end",
            Control::Consult => "consult",
            Control::EndConsult => "end consult",
            Control::HoldConsulted => "hold consulted",
            Control::ResumeConsulted => "resume consulted",
            Control::Transfer => "transfer",
            Control::BlindTransfer => "blind transfer",
            Control::Conference => "conference",
            Control::Exit => "exit",
            Control::PauseRecording => "pause recording",
            Control::ResumeRecording => "resume recording",
            Control::EditVariables => "edit variables",
            Control::WrapUp => "wrap up",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of enabled controls, as sent to a desktop.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Controls(pub u16);

impl Controls {
    pub fn with(mut self, c: Control) -> Controls {
        self.0 |= c.bit();
        self
    }

    /// What a desktop may do in wrap-up: submit it and complete the call data.
    pub fn wrap_up() -> Controls {
        Controls::default()
            .with(Control::WrapUp)
            .with(Control::EditVariables)
    }

    pub fn contains(self, c: Control) -> bool {
        self.0 & c.bit() != 0
    }
}

impl fmt::Display for Controls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Control::AGENT
            .iter()
            .filter(|c| self.contains(**c))
            .map(|c| c.label())
            .collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join(", "))
        }
    }
}

type Rule = Result<&'static str, Refusal>;

/// Whether `who` may do `what` in `state`; if so, what it does.
pub fn rule(state: CallState, who: Participant, what: Control) -> Rule {
    match who {
        Participant::Customer => customer(state, what),
        Participant::Agent1 => agent1(state, what),
        Participant::Agent2 => agent2(state, what),
    }
}

fn customer(state: CallState, what: Control) -> Rule {
    match what {
        Control::HangUp if state.has_consult() => {
            Ok("the interaction ends: agent 1 wraps up, agent 2 leaves without wrap-up (VOI-14)")
        }
        Control::HangUp if state == CallState::Conference => {
            Ok("the call ends: agent 1 wraps up, agent 2 leaves without wrap-up")
        }
        Control::HangUp => Ok("the call ends: agent 1 wraps up (VOI-19)"),
        Control::Consult => Err(Refusal::CustomerCannotConsult),
        _ => Err(Refusal::NotForCustomer),
    }
}

fn agent1(state: CallState, what: Control) -> Rule {
    use CallState as S;
    use Control as C;
    let conf = Err(Refusal::InConference);
    match (what, state) {
        (C::HangUp, _) => Err(Refusal::NotForAgent),
        (C::Hold, S::Talking) => Ok("the customer hears music on hold (VOI-02)"),
        (C::Hold, S::ConsultRequestedCustomerResumed) => Ok("the customer is on hold again"),
        (C::Hold, S::ConsultingCustomerResumed) => {
            Ok("the customer is on hold, the consulted party resumed (VOI-06)")
        }
        (C::Hold, S::Conference) => conf,
        (C::Hold, _) => Err(Refusal::AlreadyHeld),
        (C::Resume, S::CustomerHeld) => Ok("the customer is resumed"),
        (C::Resume, S::ConsultRequested) => {
            Ok("the customer is resumed while the consult is requested (VOI-05)")
        }
        (C::Resume, S::Consulting) => {
            Ok("the customer is resumed, the consulted party on hold (VOI-06)")
        }
        (C::Resume, S::Conference) => conf,
        (C::Resume, _) => Err(Refusal::NotHeld),
        (C::End, S::Talking) => Ok("the call ends: agent 1 wraps up (VOI-19)"),
        (C::End, S::CustomerHeld) => Err(Refusal::EndWhileHeld),
        (C::End, S::Conference) => {
            Ok("the call ends for all: agent 1 wraps up, agent 2 leaves without wrap-up")
        }
        (C::End, _) => Err(Refusal::EndConsultFirst),
        (C::Consult, S::Talking | S::CustomerHeld) => Ok(
            "the customer is put on hold; the consult shows Consult Requested until accepted (VOI-04)",
        ),
        (C::Consult, S::Conference) => conf,
        (C::Consult, _) => Err(Refusal::ConsultInProgress),
        (C::EndConsult, S::Talking | S::CustomerHeld) => Err(Refusal::NoConsult),
        (C::EndConsult, S::Conference) => conf,
        (C::EndConsult, s) if s.requested() => {
            Ok("the request is withdrawn; the call continues between agent 1 and the customer")
        }
        (C::EndConsult, _) => Ok(
            "the consulted party is released; the call continues between agent 1 and the customer (VOI-10)",
        ),
        (C::HoldConsulted | C::ResumeConsulted, S::Talking | S::CustomerHeld) => {
            Err(Refusal::NoConsult)
        }
        (C::HoldConsulted | C::ResumeConsulted, S::Conference) => conf,
        (C::HoldConsulted | C::ResumeConsulted, s) if s.requested() => Err(Refusal::ConsultPending),
        (C::HoldConsulted, S::Consulting) => {
            Ok("the consulted party is on hold, the customer resumed (VOI-06)")
        }
        (C::HoldConsulted, _) => Err(Refusal::AlreadyHeld),
        (C::ResumeConsulted, S::ConsultingCustomerResumed) => {
            Ok("the consulted party is resumed, the customer on hold (VOI-06)")
        }
        (C::ResumeConsulted, _) => Err(Refusal::NotHeld),
        (C::Transfer, S::Talking | S::CustomerHeld) => Err(Refusal::NoConsult),
        (C::Transfer, S::Conference) => conf,
        (C::Transfer, s) if s.requested() => Err(Refusal::ConsultPending),
        (C::Transfer, _) => {
            Ok("agent 1 wraps up; the customer and the consulted party talk (VOI-11)")
        }
        (C::BlindTransfer, S::Talking | S::CustomerHeld) => {
            Ok("the call is handed over at once; agent 1 wraps up (VOI-18)")
        }
        (C::BlindTransfer, S::Conference) => conf,
        (C::BlindTransfer, _) => Err(Refusal::ConsultInProgress),
        (C::Conference, S::Talking | S::CustomerHeld) => Err(Refusal::NoConsult),
        (C::Conference, S::Conference) => Err(Refusal::InConference),
        (C::Conference, s) if s.requested() => Err(Refusal::ConsultPending),
        (C::Conference, _) => Ok("customer, agent 1 and agent 2 hear each other (VOI-12)"),
        (C::Exit, S::Conference) => {
            Ok("agent 1 leaves and wraps up; the customer and agent 2 continue")
        }
        (C::Exit, _) => Err(Refusal::NotInConference),
        (C::PauseRecording, S::Talking | S::CustomerHeld) => Ok("the recording pauses (REC-02)"),
        (C::ResumeRecording, S::Talking | S::CustomerHeld) => Ok("the recording resumes (REC-02)"),
        (C::PauseRecording | C::ResumeRecording, _) => Err(Refusal::RecordingLocked),
        (C::EditVariables, _) => Ok("saved, first save wins (CAD-03)"),
        (C::WrapUp, _) => Err(Refusal::CallNotEnded),
    }
}

fn agent2(state: CallState, what: Control) -> Rule {
    use Control::*;
    if matches!(state, CallState::Talking | CallState::CustomerHeld) {
        return Err(Refusal::NoConsult);
    }
    if state.requested() {
        return Err(Refusal::ConsultNotAccepted);
    }
    match what {
        HangUp => Err(Refusal::NotForAgent),
        Exit if state == CallState::Conference => {
            Ok("agent 2 leaves the conference; the customer and agent 1 continue")
        }
        Exit => Ok("agent 2 leaves; the call continues between agent 1 and the customer (VOI-13)"),
        PauseRecording | ResumeRecording => Err(Refusal::RecordingLocked),
        EditVariables => Err(Refusal::ConsultedReadOnly),
        WrapUp => Err(Refusal::ConsultedNoWrapUp),
        other => Err(Refusal::ConsultedCannot {
            action: other.label().to_string(),
        }),
    }
}

/// The controls enabled for `who` in `state` (as far as the table goes; the engine
/// also drops those its other rules refuse, such as recording controls on a call
/// that is not recorded).
pub fn controls(state: CallState, who: Participant) -> Controls {
    Control::AGENT
        .iter()
        .filter(|c| rule(state, who, **c).is_ok())
        .fold(Controls::default(), |set, c| set.with(*c))
}

/// [`controls`] for every state and participant, computed once: the engine asks on
/// every change of a call, and the table itself builds refusals it would throw away.
#[derive(Clone, Debug)]
pub struct ControlTable([[Controls; 3]; 7]);

impl ControlTable {
    pub fn new() -> ControlTable {
        let mut table = [[Controls::default(); 3]; 7];
        for state in CallState::ALL {
            for who in Participant::ALL {
                table[state as usize][who as usize] = controls(state, who);
            }
        }
        ControlTable(table)
    }

    pub fn get(&self, state: CallState, who: Participant) -> Controls {
        self.0[state as usize][who as usize]
    }
}

impl Default for ControlTable {
    fn default() -> Self {
        ControlTable::new()
    }
}

/// The table in Markdown, as docs/participants.md holds it.
pub fn markdown() -> String {
    let mut s = String::new();
    for who in Participant::ALL {
        s.push_str(&format!("\n### {}\n\n| action |", who.label()));
        for state in CallState::ALL {
            s.push_str(&format!(" {} |", state.label()));
        }
        s.push_str("\n|---|");
        for _ in CallState::ALL {
            s.push_str("---|");
        }
        s.push('\n');
        let actions: &[Control] = if who == Participant::Customer {
            &Control::CUSTOMER
        } else {
            &Control::AGENT
        };
        for what in actions {
            s.push_str(&format!("| {} |", what.label()));
            for state in CallState::ALL {
                let cell = match rule(state, who, *what) {
                    Ok(does) => format!("yes: {does}"),
                    Err(r) => format!("no ({}): {r}", r.code()),
                };
                s.push_str(&format!(" {cell} |"));
            }
            s.push('\n');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_control_table_is_the_rule_for_every_cell() {
        let table = ControlTable::new();
        for (i, state) in CallState::ALL.into_iter().enumerate() {
            assert_eq!(state as usize, i);
            for (j, who) in Participant::ALL.into_iter().enumerate() {
                assert_eq!(who as usize, j);
                assert_eq!(table.get(state, who), controls(state, who));
            }
        }
    }

    #[test]
    fn the_rules_of_the_rulebook_hold() {
        use CallState::{
            ConsultRequested, ConsultRequestedCustomerResumed, Consulting, CustomerHeld,
        };
        use Control::{
            Consult, EditVariables, EndConsult, Exit, HangUp, PauseRecording, Resume, Transfer,
            WrapUp,
        };
        use Participant::*;
        // VOI-05: transfer and conference disabled until accepted, resume enabled.
        for s in [ConsultRequested, ConsultRequestedCustomerResumed] {
            assert_eq!(rule(s, Agent1, Transfer), Err(Refusal::ConsultPending));
            assert_eq!(
                rule(s, Agent1, Control::Conference),
                Err(Refusal::ConsultPending)
            );
        }
        assert!(rule(ConsultRequested, Agent1, Resume).is_ok());
        // VOI-13: agent 2 can exit, not resume, end or wrap up.
        assert!(rule(Consulting, Agent2, Exit).is_ok());
        assert!(rule(Consulting, Agent2, Resume).is_err());
        assert!(rule(Consulting, Agent2, EndConsult).is_err());
        assert_eq!(
            rule(Consulting, Agent2, WrapUp),
            Err(Refusal::ConsultedNoWrapUp)
        );
        // VOI-14 and CAD-05, REC-04.
        for s in CallState::ALL {
            assert_eq!(
                rule(s, Customer, Consult),
                Err(Refusal::CustomerCannotConsult)
            );
            assert!(rule(s, Customer, HangUp).is_ok());
            if s.has_consult() || s == CallState::Conference {
                assert_eq!(
                    rule(s, Agent1, PauseRecording),
                    Err(Refusal::RecordingLocked)
                );
                assert!(rule(s, Agent2, EditVariables).is_err());
            }
        }
        // VOI-02.
        assert_eq!(
            rule(CustomerHeld, Agent1, Control::End),
            Err(Refusal::EndWhileHeld)
        );
        // Every cell is decided: the table has no hole.
        for who in Participant::ALL {
            for state in CallState::ALL {
                for what in Control::AGENT.iter().chain(Control::CUSTOMER.iter()) {
                    let _ = rule(state, who, *what);
                }
            }
        }
        assert!(!controls(ConsultRequested, Agent1).contains(Transfer));
        assert!(controls(Consulting, Agent1).contains(Transfer));
        assert!(controls(Consulting, Agent2).contains(Exit));
    }
}
