//! The audio path allocates nothing once a leg is built (issue 6: "allocation-free
//! in the steady state"): a leg's pipeline with noise removal, DTMF and
//! answering-machine detection, and the media plane mixing a conference with a
//! recording and a prompt, counted by a counting global allocator.

use switchboard_core::audio::FRAME;
use switchboard_core::audio::amd::AmdParams;
use switchboard_core::audio::g711::Law;
use switchboard_core::audio::pipeline::LegPipeline;
use switchboard_core::ids::{AgentIdx, CallId, LegId, PromptIdx, RequestId, TaskId};
use switchboard_core::legs::{Leg, Legs, Mix};
use switchboard_core::media::{Media, Pcm};
use switchboard_core::output::Effect;

/// 20 ms of something like speech: two tones with a slow envelope.
fn frame(n: usize) -> [u8; FRAME] {
    let mut f = [0u8; FRAME];
    for (i, c) in f.iter_mut().enumerate() {
        let t = (n * FRAME + i) as f64 / 8000.0;
        let env = 0.5 + 0.5 * (t * 3.0).sin();
        let s = env
            * (3000.0 * (t * 2.0 * std::f64::consts::PI * 220.0).sin()
                + 1500.0 * (t * 2.0 * std::f64::consts::PI * 1250.0).sin());
        *c = Law::MuLaw.encode(s as i16);
    }
    f
}

#[test]
fn the_audio_path_allocates_nothing_per_frame() {
    // The counter counts (so that a zero below means something).
    let probe = allocation_counter::measure(|| {
        std::hint::black_box(vec![1u8; 10]);
    });
    assert_eq!(probe.count_total, 1);

    let frames: Vec<[u8; FRAME]> = (0..600).map(frame).collect();

    // One leg: decode, DTMF, 8->48 kHz, denoise, 48->8 kHz, AMD, encode.
    let mut leg = LegPipeline::new(Law::MuLaw, true);
    leg.detect_machine(&AmdParams::default());
    for f in &frames[..50] {
        leg.receive(f);
    }
    let mut out = [0u8; FRAME];
    let counted = allocation_counter::measure(|| {
        for f in &frames[50..] {
            let heard = leg.receive(f);
            std::hint::black_box(heard);
            let pcm = *leg.heard();
            leg.send(&pcm, &mut out);
        }
    });
    assert_eq!(
        counted.count_total, 0,
        "the leg pipeline allocated: {counted:?}"
    );

    // The media plane: a three-way conference, recorded, and a prompt to a fourth leg.
    let prompt: Pcm = vec![100i16; 8000 * 60].into();
    let mut media = Media::new(Law::MuLaw, true, vec![Some(prompt)]);
    let (c, a1, a2, other) = (
        Leg::Customer(CallId(1)),
        Leg::Agent(AgentIdx(0)),
        Leg::Agent(AgentIdx(1)),
        Leg::Customer(CallId(2)),
    );
    let task = TaskId(1);
    media.effect(&Effect::Mix(Box::new(Mix {
        task,
        talking: [c, a1, a2].into_iter().collect(),
        on_hold: Legs::new(),
        music: None,
    })));
    media.effect(&Effect::StartRecording { task });
    media.effect(&Effect::PlayPrompt {
        call: CallId(2),
        prompt: PromptIdx(0),
        request: RequestId(1),
        collect_digits: true,
    });
    media.effect(&Effect::DetectMachine {
        task: TaskId(2),
        leg: LegId(9),
        params: Box::new(AmdParams::default()),
    });
    let step = |media: &mut Media, f: &[u8; FRAME]| {
        media.receive(c, f);
        media.receive(a1, f);
        media.receive(a2, f);
        media.receive(other, f);
        media.tick();
        while let Some(o) = media.poll() {
            std::hint::black_box(o);
        }
    };
    for f in &frames[..50] {
        step(&mut media, f);
    }
    let counted = allocation_counter::measure(|| {
        for f in &frames[50..] {
            step(&mut media, f);
        }
    });
    assert_eq!(
        counted.count_total, 0,
        "the media plane allocated: {counted:?}"
    );
}
