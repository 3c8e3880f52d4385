//! Call-associated data (CAD-01..CAD-05): typed variables defined by the flow,
//! editable or read-only, secure ones masked everywhere but to the handling
//! agent's explicit reveal; values of at most 256 characters; saves carry the
//! version the agent edited, the first save wins and the loser is told who won;
//! revert shows the last saved value again; a consulted agent only reads.

use compact_str::CompactString;

use crate::config::compile::{MAX_VALUE_CHARS, check_value};
use crate::event::EventKind;
use crate::event::WorkPhase;
use crate::ids::*;
use crate::matrix::{Control, Participant};
use crate::output::{Notice, VariableView};
use crate::refusal::Refusal;

use super::Engine;

/// What a secure value shows until it is revealed.
pub const MASK: &str = "********";

impl Engine {
    fn variable_def(&self, task: TaskId, var: VarIdx) -> Result<&crate::config::Variable, Refusal> {
        let t = &self.tasks[&task];
        t.flow
            .and_then(|f| self.tenant.flows[f.ix()].variables.get(var.ix()))
            .filter(|_| var.ix() < t.vars.len())
            .ok_or(Refusal::UnknownVariable { var: var.0 })
    }

    /// One variable as `agent` sees it.
    fn variable_view(&self, task: TaskId, var: VarIdx, reveal: bool) -> VariableView {
        let t = &self.tasks[&task];
        let slot = &t.vars[var.ix()];
        let secure = self.variable_def(task, var).is_ok_and(|d| d.secure);
        let value = if secure && !reveal {
            MASK.to_string()
        } else {
            slot.value.as_deref().unwrap_or_default().to_string()
        };
        VariableView {
            task,
            var,
            value,
            secure,
            revealed: secure && reveal,
            version: slot.version,
            saved_by: slot.saved_by,
            saved_at: slot.saved_at,
        }
    }

    /// Every variable of the task, as `agent` sees them (when it joins the call).
    pub(crate) fn send_variables(&mut self, task: TaskId, agent: AgentIdx) {
        for i in 0..self.tasks[&task].vars.len() {
            let view = self.variable_view(task, VarIdx(i as u32), false);
            self.notify(agent, Notice::Variable(Box::new(view)));
        }
    }

    /// The agents who see the task's variables: every agent engaged on it or
    /// wrapping it up (the owner, a consulted agent, an earlier owner).
    fn viewers(&self, task: TaskId) -> Vec<AgentIdx> {
        (0..self.agents.len() as u32)
            .map(AgentIdx)
            .filter(|a| {
                self.agents[a.ix()]
                    .work_on(task)
                    .is_some_and(|w| matches!(w.phase, WorkPhase::Engaged | WorkPhase::WrapUp))
            })
            .collect()
    }

    pub(crate) fn save_variable(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        var: VarIdx,
        value: String,
        version: u32,
    ) -> Result<(), Refusal> {
        self.check_call(agent, task, Control::EditVariables)?;
        let def = self.variable_def(task, var)?;
        if !def.editable {
            return Err(Refusal::ReadOnlyVariable {
                name: def.name.clone(),
            });
        }
        let chars = value.chars().count();
        if chars > MAX_VALUE_CHARS {
            return Err(Refusal::ValueTooLong { chars });
        }
        check_value(def.var_type, &value).map_err(|message| Refusal::BadValue {
            // A secure value never reaches a log, even in a refusal (CAD-01).
            message: if def.secure {
                message.replace(value.as_str(), "********")
            } else {
                message
            },
        })?;
        let (name, secure) = (def.name.clone(), def.secure);
        let slot = &self.tasks[&task].vars[var.ix()];
        if slot.version != version {
            // CAD-03: the first save wins; the later one, of a stale value, is rejected.
            let winner = match slot.saved_by {
                Some(a) => self.tenant.agents[a.ix()].name.clone(),
                None if slot.saver_left => "an agent who has since left".to_string(),
                None => "the flow".to_string(),
            };
            if let Some(w) = slot.saved_by {
                self.notify(
                    agent,
                    Notice::VariableConflict {
                        task,
                        var,
                        winner: w,
                    },
                );
            }
            let view = self.variable_view(task, var, false);
            self.notify(agent, Notice::Variable(Box::new(view)));
            return Err(Refusal::StaleValue { name, winner });
        }
        let now = self.now;
        let slot = &mut self.tasks.get_mut(&task).expect("live task").vars[var.ix()];
        slot.value = Some(CompactString::from(value.as_str()));
        slot.version += 1;
        slot.saved_by = Some(agent);
        slot.saver_left = false;
        slot.saved_at = Some(now);
        let version = slot.version;
        let logged = (!secure).then(|| Box::<str>::from(value.as_str()));
        self.event(EventKind::VariableSaved {
            task,
            var,
            agent,
            version,
            value: logged,
        });
        for viewer in self.viewers(task) {
            let view = self.variable_view(task, var, false);
            self.notify(viewer, Notice::Variable(Box::new(view)));
        }
        Ok(())
    }

    /// CAD-04: the agent's edit goes back to the last saved value.
    pub(crate) fn revert_variable(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        var: VarIdx,
    ) -> Result<(), Refusal> {
        self.own_task(agent, task)?;
        self.variable_def(task, var)?;
        let view = self.variable_view(task, var, false);
        self.notify(agent, Notice::Variable(Box::new(view)));
        Ok(())
    }

    /// CAD-01: a secure value, shown to the handling agent who asks, and to no one else.
    pub(crate) fn reveal_variable(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        var: VarIdx,
    ) -> Result<(), Refusal> {
        self.own_task(agent, task)?;
        if self.participant(task, agent) != Participant::Agent1 {
            return Err(Refusal::ConsultedReadOnly);
        }
        let def = self.variable_def(task, var)?;
        if !def.secure {
            return Err(Refusal::NotSecure {
                name: def.name.clone(),
            });
        }
        let view = self.variable_view(task, var, true);
        self.notify(agent, Notice::Variable(Box::new(view)));
        Ok(())
    }
}
