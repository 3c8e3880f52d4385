//! Recording control (REC-01..REC-04): a call is recorded from its answer when its
//! queue records; the owner may pause and resume it (the recording marks the gap);
//! with a privacy shield a pause lasts the configured time and the recording
//! resumes by itself; during a consult or a conference pause and resume are refused
//! (the participants' table says so).

use crate::event::EventKind;
use crate::ids::*;
use crate::matrix::Control;
use crate::output::Effect;
use crate::refusal::Refusal;

use super::Engine;
use super::tasks::Recording;
use super::timers::{TimerKey, TimerKind};

impl Engine {
    /// Starts recording at the answer if the task's queue records (REC-01).
    pub(crate) fn start_recording_if_configured(&mut self, task: TaskId) {
        let t = &self.tasks[&task];
        let records = t
            .queue
            .is_some_and(|q| self.tenant.queues[q.ix()].recording);
        if records && t.recording == Recording::Off {
            self.tasks.get_mut(&task).expect("live task").recording = Recording::On;
            self.event(EventKind::RecordingStarted { task });
            self.effect(Effect::StartRecording { task });
        }
    }

    pub(crate) fn stop_recording(&mut self, task: TaskId) {
        let t = self.tasks.get_mut(&task).expect("live task");
        let was = std::mem::replace(&mut t.recording, Recording::Off);
        if let Recording::Paused { timer: Some(key) } = was {
            self.timers.cancel(key);
        }
        if was != Recording::Off {
            self.event(EventKind::RecordingStopped { task });
            self.effect(Effect::StopRecording { task });
        }
    }

    pub(crate) fn pause_recording(&mut self, agent: AgentIdx, task: TaskId) -> Result<(), Refusal> {
        self.check_call(agent, task, Control::PauseRecording)?;
        match self.tasks[&task].recording {
            Recording::Off => return Err(Refusal::NotRecording),
            Recording::Paused { .. } => return Err(Refusal::AlreadyPaused),
            Recording::On => {}
        }
        let until = self.tenant.privacy_shield.map(|d| self.now + d);
        let timer = until.map(|at| self.timers.set(at, TimerKind::PrivacyShield { task }));
        self.tasks.get_mut(&task).expect("live task").recording = Recording::Paused { timer };
        self.event(EventKind::RecordingPaused { task, until });
        self.effect(Effect::PauseRecording { task });
        self.refresh_controls(task);
        Ok(())
    }

    pub(crate) fn resume_recording(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
    ) -> Result<(), Refusal> {
        self.check_call(agent, task, Control::ResumeRecording)?;
        match self.tasks[&task].recording {
            Recording::Off => return Err(Refusal::NotRecording),
            Recording::On => return Err(Refusal::NotPaused),
            Recording::Paused { timer } => {
                if let Some(key) = timer {
                    self.timers.cancel(key);
                }
            }
        }
        self.resume(task, false);
        Ok(())
    }

    fn resume(&mut self, task: TaskId, auto: bool) {
        self.tasks.get_mut(&task).expect("live task").recording = Recording::On;
        self.event(EventKind::RecordingResumed { task, auto });
        self.effect(Effect::ResumeRecording { task });
        self.refresh_controls(task);
    }

    /// The privacy shield's time is over: the recording resumes by itself (REC-03).
    pub(crate) fn privacy_shield_over(&mut self, key: TimerKey, task: TaskId) {
        let armed = self
            .tasks
            .get(&task)
            .is_some_and(|t| t.recording == Recording::Paused { timer: Some(key) });
        if armed {
            self.resume(task, true);
        }
    }
}
