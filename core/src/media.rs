//! The media plane: the audio of every live leg, beside the engine (AUD-01..05).
//!
//! The engine decides who hears whom; the media plane makes it so, and tells
//! the engine what it heard. It is sans-IO and deterministic like the engine:
//!
//! ```text
//!            engine effects (Mix, PlayPrompt, QueueMusic, Release,
//!            DetectMachine, Start/Pause/Resume/StopRecording)
//!                                  │
//!  network ── receive(leg, G.711) ─▶ Media ── tick() every 20 ms ─▶ poll():
//!          ── telephone_event(leg) ─▶        Frame   { leg, G.711 }   to the network
//!                                            Input   (a key, a prompt finished,
//!                                                     a machine's verdict) to the engine
//!                                            Record  { task, 20 ms }  to the recording
//! ```
//!
//! Each leg has its [`LegPipeline`]: customers' and dialled parties' audio goes
//! through noise removal when the tenant has it on (NOI-01/02; agents' audio
//! never does), every leg is listened to for keys, and a dialled campaign
//! customer for an answering machine when the engine asks. Every 20 ms the
//! plane mixes: a leg talking on a task hears the sum of the others talking
//! there (two for a call, three in a conference, VOI-12), a leg on hold or
//! waiting in a queue hears its music, a leg a prompt plays to hears the prompt
//! (and the engine hears [`Input::PromptFinished`] when it ends). A recorded
//! task's frame is the sum of its talking legs; a paused one records a marked
//! gap (REC-02, REC-03).
//!
//! The semantic inputs it produces are the same the engine gets from a phone
//! network that detects keys itself, so a production input log holds the keys,
//! not the audio, and replays without it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::audio::FRAME;
use crate::audio::g711::Law;
use crate::audio::pipeline::{Heard, LegPipeline};
use crate::audio::rfc4733::EventError;
use crate::ids::{CallId, PromptIdx, RequestId, TaskId};
use crate::input::Input;
use crate::legs::{Leg, Legs};
use crate::output::Effect;

/// Audio, as 8 kHz samples shared between the legs that play it.
pub type Pcm = Arc<[i16]>;

/// What the media plane gives out.
#[derive(Clone, Debug, PartialEq)]
pub enum MediaOutput {
    /// 20 ms of G.711 to send to a leg.
    Frame { leg: Leg, payload: [u8; FRAME] },
    /// Something heard, for the engine.
    Input(Input),
    /// 20 ms of a task's recording.
    Record { task: TaskId, chunk: RecordChunk },
}

/// One step of a recording. The audio rides inline: boxing it would allocate
/// every 20 ms.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum RecordChunk {
    /// The recording begins (REC-01).
    Start,
    /// 20 ms of the call.
    Audio([i16; FRAME]),
    /// 20 ms paused: nothing recorded, the gap marked (REC-02).
    Paused,
    /// The recording ends.
    Stop,
}

#[derive(Clone)]
struct Playing {
    pcm: Pcm,
    pos: usize,
    /// The prompt's request, reported when it ends; `None` for music (it loops).
    done: Option<(CallId, RequestId)>,
}

impl Playing {
    /// The next 20 ms; `true` when a prompt has played to its end.
    fn next(&mut self, out: &mut [i16; FRAME]) -> bool {
        for s in out.iter_mut() {
            if self.pos >= self.pcm.len() {
                if self.done.is_some() {
                    *s = 0;
                    continue;
                }
                self.pos = 0;
            }
            *s = self.pcm.get(self.pos).copied().unwrap_or(0);
            self.pos += 1;
        }
        self.done.is_some() && self.pos >= self.pcm.len()
    }
}

struct LegState {
    pipe: LegPipeline,
    /// A frame arrived since the last tick.
    fresh: bool,
    /// A prompt, or music, playing to the leg (instead of the other parties).
    playing: Option<Playing>,
    /// What the leg hears this tick.
    hears: [i16; FRAME],
}

#[derive(Default)]
struct TaskState {
    talking: Legs,
    on_hold: Legs,
    music: Option<PromptIdx>,
    recording: Recording,
}

#[derive(Copy, Clone, Default, PartialEq, Eq)]
enum Recording {
    #[default]
    Off,
    On,
    Paused,
}

/// The audio of every live leg.
pub struct Media {
    law: Law,
    noise_removal: bool,
    prompts: Vec<Option<Pcm>>,
    /// Music for a task whose tenant sets none.
    default_music: Pcm,
    legs: BTreeMap<Leg, LegState>,
    tasks: BTreeMap<TaskId, TaskState>,
    out: VecDeque<MediaOutput>,
}

impl Media {
    /// A media plane for a tenant: its legs use `law`; `noise_removal` is the
    /// tenant's switch (NOI-02); `prompts` holds the audio of each prompt, by
    /// index (a prompt without audio is left to the driver to time).
    pub fn new(law: Law, noise_removal: bool, prompts: Vec<Option<Pcm>>) -> Media {
        Media {
            law,
            noise_removal,
            prompts,
            default_music: default_music(),
            legs: BTreeMap::new(),
            tasks: BTreeMap::new(),
            out: VecDeque::new(),
        }
    }

    /// Whether the prompt has audio here (the media plays it and reports its end).
    pub fn plays(&self, prompt: PromptIdx) -> bool {
        self.prompts.get(prompt.ix()).is_some_and(|p| p.is_some())
    }

    /// Whether anything is live (the driver ticks while so).
    pub fn active(&self) -> bool {
        !self.legs.is_empty() || self.tasks.values().any(|t| t.recording != Recording::Off)
    }

    /// The tenant's switch changed (a new configuration, NOI-02): legs set up from
    /// now on follow it; a call in progress keeps what it had.
    pub fn set_noise_removal(&mut self, on: bool) {
        self.noise_removal = on;
    }

    /// Whether noise removal runs on a leg.
    pub fn denoising(&self, leg: Leg) -> bool {
        self.legs.get(&leg).is_some_and(|l| l.pipe.denoising())
    }

    fn leg(&mut self, leg: Leg) -> &mut LegState {
        let (law, denoise) = (
            self.law,
            self.noise_removal && !matches!(leg, Leg::Agent(_)),
        );
        self.legs.entry(leg).or_insert_with(|| LegState {
            pipe: LegPipeline::new(law, denoise),
            fresh: false,
            playing: None,
            hears: [0; FRAME],
        })
    }

    fn music(&self, music: Option<PromptIdx>) -> Pcm {
        music
            .and_then(|m| self.prompts.get(m.ix()).cloned().flatten())
            .unwrap_or_else(|| self.default_music.clone())
    }

    /// An effect of the engine: what it changes in the media.
    pub fn effect(&mut self, effect: &Effect) {
        match effect {
            Effect::PlayPrompt {
                call,
                prompt,
                request,
                ..
            } => {
                let Some(pcm) = self.prompts.get(prompt.ix()).cloned().flatten() else {
                    return;
                };
                self.leg(Leg::Customer(*call)).playing = Some(Playing {
                    pcm,
                    pos: 0,
                    done: Some((*call, *request)),
                });
            }
            Effect::StopPrompt { call } => {
                if let Some(l) = self.legs.get_mut(&Leg::Customer(*call)) {
                    l.playing = None;
                }
            }
            Effect::QueueMusic { call, music, .. } => {
                let pcm = self.music(*music);
                self.leg(Leg::Customer(*call)).playing = Some(Playing {
                    pcm,
                    pos: 0,
                    done: None,
                });
            }
            Effect::Mix(m) => {
                let pcm = self.music(m.music);
                let t = self.tasks.entry(m.task).or_default();
                let before: Legs = t.talking.iter().chain(&t.on_hold).copied().collect();
                t.talking = m.talking.clone();
                t.on_hold = m.on_hold.clone();
                t.music = m.music;
                for leg in m.talking.clone() {
                    self.leg(leg).playing = None;
                }
                for leg in m.on_hold.clone() {
                    let l = self.leg(leg);
                    if l.playing.as_ref().is_none_or(|p| p.done.is_some()) {
                        l.playing = Some(Playing {
                            pcm: pcm.clone(),
                            pos: 0,
                            done: None,
                        });
                    }
                }
                // A leg that left the mix hears nothing from it any more.
                for leg in before {
                    if !m.talking.contains(&leg)
                        && !m.on_hold.contains(&leg)
                        && let Some(l) = self.legs.get_mut(&leg)
                        && l.playing.as_ref().is_some_and(|p| p.done.is_none())
                    {
                        l.playing = None;
                    }
                }
            }
            Effect::Release { leg } => self.gone(*leg),
            Effect::DetectMachine { leg, params, .. } => {
                self.leg(Leg::External(*leg)).pipe.detect_machine(params);
            }
            Effect::StartRecording { task } => {
                let t = self.tasks.entry(*task).or_default();
                if t.recording == Recording::Off {
                    t.recording = Recording::On;
                    self.out.push_back(MediaOutput::Record {
                        task: *task,
                        chunk: RecordChunk::Start,
                    });
                }
            }
            Effect::PauseRecording { task } => {
                if let Some(t) = self.tasks.get_mut(task)
                    && t.recording == Recording::On
                {
                    t.recording = Recording::Paused;
                }
            }
            Effect::ResumeRecording { task } => {
                if let Some(t) = self.tasks.get_mut(task)
                    && t.recording == Recording::Paused
                {
                    t.recording = Recording::On;
                }
            }
            Effect::StopRecording { task } => {
                if let Some(t) = self.tasks.get_mut(task)
                    && t.recording != Recording::Off
                {
                    t.recording = Recording::Off;
                    self.out.push_back(MediaOutput::Record {
                        task: *task,
                        chunk: RecordChunk::Stop,
                    });
                    if t.talking.is_empty() && t.on_hold.is_empty() {
                        self.tasks.remove(task);
                    }
                }
            }
            _ => {}
        }
    }

    /// A party hung up (the network says so; the engine hears it too).
    pub fn hung_up(&mut self, leg: Leg) {
        self.gone(leg);
    }

    /// A leg is gone: released by the engine or hung up by its party.
    fn gone(&mut self, leg: Leg) {
        self.legs.remove(&leg);
        for t in self.tasks.values_mut() {
            t.talking.retain(|l| *l != leg);
            t.on_hold.retain(|l| *l != leg);
        }
        self.tasks.retain(|_, t| {
            t.recording != Recording::Off || !t.talking.is_empty() || !t.on_hold.is_empty()
        });
    }

    /// 20 ms of G.711 from a leg.
    pub fn receive(&mut self, leg: Leg, payload: &[u8]) {
        let l = self.leg(leg);
        l.fresh = true;
        let heard = l.pipe.receive(payload);
        self.heard(leg, heard);
    }

    /// An RTP telephone-event (RFC 4733) from a leg: the same key as a tone.
    pub fn telephone_event(
        &mut self,
        leg: Leg,
        rtp_timestamp: u32,
        payload: &[u8],
    ) -> Result<(), EventError> {
        let digit = self.leg(leg).pipe.telephone_event(rtp_timestamp, payload)?;
        self.heard(
            leg,
            Heard {
                digit,
                ..Heard::default()
            },
        );
        Ok(())
    }

    /// What a leg's audio meant, for the engine: a customer's key (AUD-03), a
    /// dialled party's machine verdict (AUD-04).
    fn heard(&mut self, leg: Leg, heard: Heard) {
        tell_engine(&mut self.out, leg, heard);
    }

    /// The next 20 ms: legs that sent nothing are silent, every leg gets what
    /// it hears, every recorded task its frame.
    pub fn tick(&mut self) {
        // Silence from legs that sent nothing (AMD counts it).
        for (leg, l) in self.legs.iter_mut() {
            if !std::mem::replace(&mut l.fresh, false) {
                tell_engine(&mut self.out, *leg, l.pipe.silent());
            }
        }
        // What each leg hears: its prompt or music, else the others talking with it.
        for l in self.legs.values_mut() {
            l.hears = [0; FRAME];
        }
        for t in self.tasks.values() {
            for me in &t.talking {
                let mut sum = [0i32; FRAME];
                for other in t.talking.iter().filter(|o| *o != me) {
                    if let Some(o) = self.legs.get(other) {
                        for (a, s) in sum.iter_mut().zip(o.pipe.heard()) {
                            *a += *s as i32;
                        }
                    }
                }
                if let Some(l) = self.legs.get_mut(me) {
                    for (h, a) in l.hears.iter_mut().zip(sum) {
                        *h = a.clamp(i16::MIN as i32, i16::MAX as i32) as i16;
                    }
                }
            }
        }
        let mut finished: smallvec::SmallVec<[(CallId, RequestId); 2]> = smallvec::SmallVec::new();
        for (leg, l) in self.legs.iter_mut() {
            if let Some(p) = l.playing.as_mut()
                && p.next(&mut l.hears)
            {
                finished.extend(p.done);
                l.playing = None;
            }
            let mut payload = [0u8; FRAME];
            l.pipe.send(&l.hears, &mut payload);
            self.out
                .push_back(MediaOutput::Frame { leg: *leg, payload });
        }
        for (call, request) in finished {
            self.out
                .push_back(MediaOutput::Input(Input::PromptFinished { call, request }));
        }
        // Recordings: the talking legs, summed.
        for (task, t) in &self.tasks {
            let chunk = match t.recording {
                Recording::Off => continue,
                Recording::Paused => RecordChunk::Paused,
                Recording::On => {
                    let mut sum = [0i32; FRAME];
                    for leg in &t.talking {
                        if let Some(l) = self.legs.get(leg) {
                            for (a, s) in sum.iter_mut().zip(l.pipe.heard()) {
                                *a += *s as i32;
                            }
                        }
                    }
                    let mut frame = [0i16; FRAME];
                    for (f, a) in frame.iter_mut().zip(sum) {
                        *f = a.clamp(i16::MIN as i32, i16::MAX as i32) as i16;
                    }
                    RecordChunk::Audio(frame)
                }
            };
            self.out
                .push_back(MediaOutput::Record { task: *task, chunk });
        }
    }

    /// The next output, in order.
    pub fn poll(&mut self) -> Option<MediaOutput> {
        self.out.pop_front()
    }
}

/// What a leg's audio meant, for the engine.
fn tell_engine(out: &mut VecDeque<MediaOutput>, leg: Leg, heard: Heard) {
    if let (Some(digit), Leg::Customer(call)) = (heard.digit, leg) {
        out.push_back(MediaOutput::Input(Input::CustomerDigit { call, digit }));
    }
    if let (Some(result), Leg::External(leg)) = (heard.machine, leg) {
        out.push_back(MediaOutput::Input(Input::MachineDetected { leg, result }));
    }
}

/// The music a tenant without its own plays: a soft two-note chime, 4 s.
fn default_music() -> Pcm {
    let mut pcm = vec![0i16; 32000];
    for (i, s) in pcm.iter_mut().enumerate() {
        let t = (i % 16000) as f64 / 8000.0;
        let f = if i < 16000 { 523.25 } else { 659.25 };
        let env = (-t * 1.5).exp();
        *s = (2000.0 * env * (2.0 * std::f64::consts::PI * f * t).sin()) as i16;
    }
    pcm.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::g711::ulaw_encode;
    use crate::ids::{AgentIdx, LegId};
    use crate::legs::Mix;

    fn frame(value: i16) -> [u8; FRAME] {
        [ulaw_encode(value); FRAME]
    }

    fn heard_by(media: &mut Media, leg: Leg) -> i16 {
        let mut level = 0;
        while let Some(o) = media.poll() {
            if let MediaOutput::Frame { leg: l, payload } = o
                && l == leg
            {
                level = crate::audio::g711::ulaw_decode(payload[80]);
            }
        }
        level
    }

    #[test]
    fn a_conference_mixes_all_three_and_nobody_hears_themselves() {
        let mut m = Media::new(Law::MuLaw, false, vec![]);
        let (c, a1, a2) = (
            Leg::Customer(CallId(1)),
            Leg::Agent(AgentIdx(0)),
            Leg::Agent(AgentIdx(1)),
        );
        m.effect(&Effect::Mix(Box::new(Mix {
            task: TaskId(1),
            talking: [c, a1, a2].into_iter().collect(),
            on_hold: Legs::new(),
            music: None,
        })));
        m.receive(c, &frame(1000));
        m.receive(a1, &frame(2000));
        m.receive(a2, &frame(4000));
        m.tick();
        let outs: Vec<MediaOutput> = std::iter::from_fn(|| m.poll()).collect();
        let level = |leg: Leg| {
            outs.iter()
                .find_map(|o| match o {
                    MediaOutput::Frame { leg: l, payload } if *l == leg => {
                        Some(crate::audio::g711::ulaw_decode(payload[0]) as i32)
                    }
                    _ => None,
                })
                .unwrap()
        };
        // Each hears the sum of the other two (within G.711's step).
        assert!((level(c) - 6000).abs() < 300, "{}", level(c));
        assert!((level(a1) - 5000).abs() < 300, "{}", level(a1));
        assert!((level(a2) - 3000).abs() < 300, "{}", level(a2));
    }

    #[test]
    fn a_prompt_plays_to_its_end_and_is_reported() {
        let pcm: Pcm = vec![500i16; 400].into();
        let mut m = Media::new(Law::MuLaw, true, vec![Some(pcm)]);
        let call = CallId(7);
        m.effect(&Effect::PlayPrompt {
            call,
            prompt: PromptIdx(0),
            request: RequestId(3),
            collect_digits: false,
        });
        let mut done = None;
        for i in 0..5 {
            m.tick();
            while let Some(o) = m.poll() {
                if let MediaOutput::Input(Input::PromptFinished { .. }) = o {
                    done.get_or_insert(i);
                }
            }
        }
        // 400 samples: the third frame holds the end.
        assert_eq!(done, Some(2));
        assert_eq!(heard_by(&mut m, Leg::Customer(call)), 0);
    }

    #[test]
    fn a_paused_recording_records_gaps_and_a_key_reaches_the_engine() {
        let mut m = Media::new(Law::MuLaw, false, vec![]);
        let (c, a) = (Leg::Customer(CallId(1)), Leg::Agent(AgentIdx(0)));
        let task = TaskId(1);
        m.effect(&Effect::Mix(Box::new(Mix {
            task,
            talking: [c, a].into_iter().collect(),
            on_hold: Legs::new(),
            music: None,
        })));
        m.effect(&Effect::StartRecording { task });
        m.tick();
        m.effect(&Effect::PauseRecording { task });
        m.tick();
        m.effect(&Effect::ResumeRecording { task });
        m.tick();
        m.effect(&Effect::StopRecording { task });
        let chunks: Vec<RecordChunk> = std::iter::from_fn(|| m.poll())
            .filter_map(|o| match o {
                MediaOutput::Record { chunk, .. } => Some(chunk),
                _ => None,
            })
            .collect();
        assert!(matches!(chunks[0], RecordChunk::Start));
        assert!(matches!(chunks[1], RecordChunk::Audio(_)));
        assert!(matches!(chunks[2], RecordChunk::Paused));
        assert!(matches!(chunks[3], RecordChunk::Audio(_)));
        assert!(matches!(chunks[4], RecordChunk::Stop));

        assert!(m.telephone_event(c, 160, &[5, 0x80, 0, 160]).is_ok());
        assert!(matches!(
            m.poll(),
            Some(MediaOutput::Input(Input::CustomerDigit { .. }))
        ));
        assert!(m.telephone_event(c, 0, &[1]).is_err());
        // Released legs are gone.
        m.effect(&Effect::Release { leg: c });
        m.effect(&Effect::Release { leg: a });
        assert!(!m.active());
        let _ = LegId(0);
    }
}
