//! Whatever the network sends, the audio path does not panic: arbitrary RTP
//! payloads (any length) and telephone-events on any leg, arbitrary WAV bytes,
//! interleaved with the engine's media effects in any order.

use proptest::prelude::*;
use switchboard_core::audio::amd::AmdParams;
use switchboard_core::audio::g711::Law;
use switchboard_core::audio::wav;
use switchboard_core::ids::{AgentIdx, CallId, LegId, PromptIdx, RequestId, TaskId};
use switchboard_core::legs::{Leg, Mix};
use switchboard_core::media::{Media, Pcm};
use switchboard_core::output::Effect;
use switchboard_core::time::SimDuration;

#[derive(Debug, Clone)]
enum Op {
    Frame(u8, Vec<u8>),
    Event(u8, u32, Vec<u8>),
    Tick,
    Effect(u8, u8),
    HangUp(u8),
}

fn leg(i: u8) -> Leg {
    match i % 4 {
        0 => Leg::Customer(CallId(1)),
        1 => Leg::Agent(AgentIdx(0)),
        2 => Leg::Agent(AgentIdx(1)),
        _ => Leg::External(LegId(1)),
    }
}

fn effect(kind: u8, i: u8) -> Effect {
    let task = TaskId(1 + (i % 2) as u64);
    match kind % 9 {
        0 => Effect::Mix(Box::new(Mix {
            task,
            talking: (0..(i % 4)).map(leg).collect(),
            on_hold: i
                .is_multiple_of(2)
                .then_some(leg(i.wrapping_add(1)))
                .into_iter()
                .collect(),
            music: Some(PromptIdx((i % 3) as u32)),
        })),
        1 => Effect::PlayPrompt {
            call: CallId(1),
            prompt: PromptIdx((i % 3) as u32),
            request: RequestId(i as u64),
            collect_digits: true,
        },
        2 => Effect::StopPrompt { call: CallId(1) },
        3 => Effect::Release { leg: leg(i) },
        4 => Effect::StartRecording { task },
        5 => Effect::PauseRecording { task },
        6 => Effect::ResumeRecording { task },
        7 => Effect::StopRecording { task },
        _ => Effect::DetectMachine {
            task,
            leg: LegId(1),
            params: Box::new(AmdParams {
                initial_silence: SimDuration::from_millis(i as u64),
                maximum_number_of_words: (i % 3) as u32,
                silence_threshold: i as u32 * 100,
                ..AmdParams::default()
            }),
        },
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<u8>(), prop::collection::vec(any::<u8>(), 0..400))
            .prop_map(|(l, p)| Op::Frame(l, p)),
        (
            any::<u8>(),
            any::<u32>(),
            prop::collection::vec(any::<u8>(), 0..24)
        )
            .prop_map(|(l, t, p)| Op::Event(l, t, p)),
        Just(Op::Tick),
        (any::<u8>(), any::<u8>()).prop_map(|(k, i)| Op::Effect(k, i)),
        any::<u8>().prop_map(Op::HangUp),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(200)
    ))]

    #[test]
    fn the_media_plane_takes_anything(ops in prop::collection::vec(op(), 0..80), denoise: bool, alaw: bool) {
        let prompts: Vec<Option<Pcm>> = vec![Some(vec![1i16; 300].into()), None, Some(vec![0i16; 1].into())];
        let law = if alaw { Law::ALaw } else { Law::MuLaw };
        let mut m = Media::new(law, denoise, prompts);
        for op in ops {
            match op {
                Op::Frame(l, p) => m.receive(leg(l), &p),
                Op::Event(l, t, p) => { let _ = m.telephone_event(leg(l), t, &p); }
                Op::Tick => m.tick(),
                Op::Effect(k, i) => m.effect(&effect(k, i)),
                Op::HangUp(l) => m.hung_up(leg(l)),
            }
            while m.poll().is_some() {}
        }
    }

    #[test]
    fn wav_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = wav::read_pcm("x.wav", std::io::Cursor::new(bytes.clone()));
        let mut riff = b"RIFF\0\0\0\0WAVE".to_vec();
        riff.extend_from_slice(&bytes);
        let _ = wav::read_recording(&riff);
        let _ = wav::read_recording(&bytes);
    }
}
