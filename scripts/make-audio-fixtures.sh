#!/usr/bin/env bash
# make-audio-fixtures.sh: regenerates the synthetic audio fixtures in
#   fixtures/audio/speech/   clean and noisy synthetic speech (espeak-ng)
#   fixtures/audio/dtmf/     DTMF key presses, alone, in a sequence, in noise, over speech
#   fixtures/audio/prompts/  IVR prompts and music on hold
# All outputs are mono 16-bit PCM WAV at 8 kHz, except speech/speech.wav (16 kHz).
# See fixtures/audio/README.md for what each file is and the levels used.
#
# The committed WAV files are what the tests use; this script is only needed to
# regenerate them. It needs espeak-ng and sox. Output is deterministic for the
# same espeak-ng and sox versions (sox -R seeds noise and pluck generators; -D
# turns dithering off). It deletes and recreates the *.wav files in the three
# folders above and touches nothing else (fixtures/audio/greetings/ is not ours).
#
# Usage: scripts/make-audio-fixtures.sh        (from anywhere in the repository)
set -euo pipefail

for tool in espeak-ng sox; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool is not installed; install it (apt-get install espeak-ng sox) and re-run." >&2
        exit 1
    fi
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/fixtures/audio
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# -R: repeatable (seeded) random generators; -D: no dither; -V1: errors only.
SOX=(sox -R -D -V1)
FMT=(-b 16 -e signed-integer -c 1)   # output format; the rate is given per file
SPEECH_PEAK=-6   # dBFS peak of speech/speech*.wav (headroom for the noise mix)
VOICE_PEAK=-3    # dBFS peak of all other speech and prompts
DTMF_AMP=0.22    # amplitude of each of the two DTMF sines (sum peaks at 0.44)

for d in speech dtmf prompts; do
    mkdir -p "$OUT/$d"
    rm -f "$OUT/$d"/*.wav
done

# rms_db FILE / peak_db FILE: whole-file RMS / peak level in dBFS (sox stats).
rms_db() { sox "$1" -n stats 2>&1 | awk '/^RMS lev dB/ {print $4}'; }
peak_db() { sox "$1" -n stats 2>&1 | awk '/^Pk lev dB/ {print $4}'; }
# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.4f\", $1 }"; }

# say OUT RATE VOICE SPEED PITCH TEXT: speaks TEXT, trims the leading and
# trailing silence, resamples to RATE and normalizes to VOICE_PEAK.
say() {
    local out=$1 rate=$2 voice=$3 speed=$4 pitch=$5 text=$6
    espeak-ng -v "$voice" -s "$speed" -p "$pitch" -w "$TMP/espeak.wav" "$text"
    "${SOX[@]}" "$TMP/espeak.wav" -r "$rate" "${FMT[@]}" "$out" \
        silence 1 0.005 -55d reverse silence 1 0.005 -55d reverse \
        rate -v "$rate" gain -n "$VOICE_PEAK"
}

# silence OUT RATE SECONDS: digital silence.
silence() { "${SOX[@]}" -r "$2" -c 1 -n "${FMT[@]}" "$1" trim 0 "$3"; }

# add_noise CLEAN OUT KIND SNR_DB: mixes KIND (pinknoise/whitenoise) noise into
# CLEAN at SNR_DB below REF_RMS (dBFS; default: CLEAN's whole-file RMS).
# Prints the SNR measured on the result (clean RMS over the RMS of OUT - CLEAN).
add_noise() {
    local clean=$1 out=$2 kind=$3 snr=$4 rate n ref nrms
    rate=$(soxi -r "$clean")
    n=$(soxi -s "$clean")
    ref=${REF_RMS:-$(rms_db "$clean")}
    "${SOX[@]}" -r "$rate" -c 1 -n "${FMT[@]}" "$TMP/noise_raw.wav" synth "${n}s" "$kind"
    nrms=$(rms_db "$TMP/noise_raw.wav")
    "${SOX[@]}" "$TMP/noise_raw.wav" "$TMP/noise.wav" gain "$(calc "$ref - $snr - ($nrms)")"
    "${SOX[@]}" -m -v 1 "$clean" -v 1 "$TMP/noise.wav" "${FMT[@]}" "$out"
    "${SOX[@]}" -m -v 1 "$out" -v -1 "$clean" "$TMP/resid.wav"
    calc "$ref - ($(rms_db "$TMP/resid.wav"))"
}

# ---------------------------------------------------------------- speech/
S=$OUT/speech

# 1. speech.wav (16 kHz) and speech_8k.wav: an agent and a caller.
say "$TMP/s1.wav" 16000 en-us+f2 175 55 "Thank you for calling Acme support. How can I help you today?"
say "$TMP/s2.wav" 16000 en+m3 170 40 "Hi. My internet has been down since this morning."
say "$TMP/s3.wav" 16000 en-us+f2 175 55 "Sorry to hear that. Can you confirm your account number, please?"
silence "$TMP/gap16.wav" 16000 0.4
silence "$TMP/edge16.wav" 16000 0.25
"${SOX[@]}" "$TMP/edge16.wav" "$TMP/s1.wav" "$TMP/gap16.wav" "$TMP/s2.wav" "$TMP/gap16.wav" \
    "$TMP/s3.wav" "$TMP/edge16.wav" "${FMT[@]}" "$S/speech.wav" gain -n "$SPEECH_PEAK"
"${SOX[@]}" "$S/speech.wav" -r 8000 "${FMT[@]}" "$S/speech_8k.wav" rate -v 8000

# 2. speech_noise.wav: speech_8k.wav plus pink noise at 5 dB SNR.
snr_speech=$(add_noise "$S/speech_8k.wav" "$S/speech_noise.wav" pinknoise 5)

# 3. talk_*.wav: callers saying numbers, names, addresses, questions.
say "$S/talk_1.wav" 8000 en+m3 160 40 "My account number is four seven two, nine nine one, zero three eight. \
The phone number on file is 555 213 8647. I called on March the twenty first, but nobody called me back. \
The reference was A B 7 7 3 9."
say "$S/talk_2.wav" 8000 en+f2 185 80 "Hi, this is Maria Gonzalez, G O N Z A L E Z. I'm moving to 1428 Elm Street, \
apartment 6 B, Springfield, zip code 6 2 7 0 4. Could you transfer my service starting Monday the 9th? \
Great, thank you so much!"
say "$S/talk_3.wav" 8000 en-us 150 50 "Why was I charged thirty nine ninety nine twice this month? \
When will the refund show up on my card? Can I speak to a supervisor, please? \
Hello? Are you still there? Okay. Yes. No. I said no."
say "$S/talk_4.wav" 8000 en-gb-x-rp 195 30 "Right, the card ends in one two three four, expiry nine, twenty seven. \
Order number 3 1 5 dash 8 8 2, for two hundred and forty five pounds sixty. \
Deliver it to 221 Baker Street, London, N W 1 6 X E. Sorry, is that hash, or star? Which one do I press?"

# 4. hello.wav: 0.5 s silence, "Hello?", 4 s of very faint room noise (-65 dBFS RMS).
say "$TMP/hello.wav" 8000 en-us 170 50 "Hello?"
"${SOX[@]}" -r 8000 -c 1 -n "${FMT[@]}" "$TMP/room_raw.wav" synth 4 brownnoise lowpass 1500
"${SOX[@]}" "$TMP/room_raw.wav" "$TMP/room.wav" gain "$(calc "-65 - ($(rms_db "$TMP/room_raw.wav"))")"
silence "$TMP/half8.wav" 8000 0.5
"${SOX[@]}" "$TMP/half8.wav" "$TMP/hello.wav" "$TMP/room.wav" "${FMT[@]}" "$S/hello.wav"

# 5. am_greeting.wav: 0.5 s silence, greeting, 1 kHz beep 0.4 s (-6 dBFS), 1 s silence.
say "$TMP/am.wav" 8000 en+f3 165 55 "Hi, you have reached the Miller family. We cannot take your call right now. \
Please leave a message after the tone."
"${SOX[@]}" -r 8000 -c 1 -n "${FMT[@]}" "$TMP/beep.wav" synth 0.4 sine 1000 vol 0.5 pad 0.3 1
"${SOX[@]}" "$TMP/half8.wav" "$TMP/am.wav" "$TMP/beep.wav" "${FMT[@]}" "$S/am_greeting.wav"

# ---------------------------------------------------------------- dtmf/
D=$OUT/dtmf

# key_freqs KEY: "row column" frequencies in Hz.
key_freqs() {
    case $1 in
        1) echo "697 1209" ;; 2) echo "697 1336" ;; 3) echo "697 1477" ;; A) echo "697 1633" ;;
        4) echo "770 1209" ;; 5) echo "770 1336" ;; 6) echo "770 1477" ;; B) echo "770 1633" ;;
        7) echo "852 1209" ;; 8) echo "852 1336" ;; 9) echo "852 1477" ;; C) echo "852 1633" ;;
        '*') echo "941 1209" ;; 0) echo "941 1336" ;; '#') echo "941 1477" ;; D) echo "941 1633" ;;
        *) echo "unknown DTMF key $1" >&2; return 1 ;;
    esac
}
# tone OUT KEY SECONDS [PAD_BEFORE PAD_AFTER]: the two sines of KEY, each at DTMF_AMP.
tone() {
    local f
    read -r -a f <<<"$(key_freqs "$2")"
    "${SOX[@]}" -r 8000 -c 2 -n "${FMT[@]}" "$1" synth "$3" sine "${f[0]}" sine "${f[1]}" \
        remix -m "1v$DTMF_AMP,2v$DTMF_AMP" pad "${4:-0}" "${5:-0}"
}

# 6. digit_N.wav: 0.3 s of faint white noise (-70 dBFS RMS), 100 ms tone, 0.6 s silence.
"${SOX[@]}" -r 8000 -c 1 -n "${FMT[@]}" "$TMP/faint_raw.wav" synth 0.3 whitenoise
"${SOX[@]}" "$TMP/faint_raw.wav" "$TMP/faint.wav" gain "$(calc "-70 - ($(rms_db "$TMP/faint_raw.wav"))")"
silence "$TMP/tail.wav" 8000 0.6
for key in 0 1 2 3 4 5 6 7 8 9 star hash; do
    case $key in star) k='*' ;; hash) k='#' ;; *) k=$key ;; esac
    tone "$TMP/key.wav" "$k" 0.1
    "${SOX[@]}" "$TMP/faint.wav" "$TMP/key.wav" "$TMP/tail.wav" "${FMT[@]}" "$D/digit_$key.wav"
done

# 7. digits.wav: 0123456789*#ABCD, 70 ms tone / 70 ms gap, 0.2 s silence at both ends.
parts=() tones=()
i=0
for k in 0 1 2 3 4 5 6 7 8 9 '*' '#' A B C D; do
    i=$((i + 1))
    tone "$TMP/seq_$i.wav" "$k" 0.07
    tones+=("$TMP/seq_$i.wav")
    if [ "$i" -eq 1 ]; then parts+=("$TMP/seq_$i.wav"); else parts+=("$TMP/gap70.wav" "$TMP/seq_$i.wav"); fi
done
silence "$TMP/gap70.wav" 8000 0.07
"${SOX[@]}" "${parts[@]}" "${FMT[@]}" "$D/digits.wav" pad 0.2 0.2

# 8. digits_noise.wav: digits.wav plus white noise 15 dB below the tones' RMS (over the tones only).
"${SOX[@]}" "${tones[@]}" "$TMP/tones_only.wav"
tone_rms=$(rms_db "$TMP/tones_only.wav")
snr_digits=$(REF_RMS=$tone_rms add_noise "$D/digits.wav" "$D/digits_noise.wav" whitenoise 15)

# 9. digit_1_in_speech.wav: 1.5 s of talk_1.wav speech at 15 dB below the tone's RMS,
# with a 100 ms "1" starting at 0.5 s.
"${SOX[@]}" "$S/talk_1.wav" "$TMP/bg_raw.wav" trim 1.0 1.5
"${SOX[@]}" "$TMP/bg_raw.wav" "$TMP/bg.wav" gain "$(calc "$tone_rms - 15 - ($(rms_db "$TMP/bg_raw.wav"))")"
tone "$TMP/key1.wav" 1 0.1 0.5 0.9
"${SOX[@]}" -m -v 1 "$TMP/key1.wav" -v 1 "$TMP/bg.wav" "${FMT[@]}" "$D/digit_1_in_speech.wav"
snr_bg=$(calc "$tone_rms - ($(rms_db "$TMP/bg.wav"))")

# ---------------------------------------------------------------- prompts/
P=$OUT/prompts
say "$P/welcome.wav" 8000 en-us 165 50 "Welcome to Acme. Your call is important to us."
say "$P/menu.wav" 8000 en-us 165 50 "For sales, press 1. For support, press 2."
say "$P/callback_offer.wav" 8000 en-us 165 50 "The wait time is longer than expected. Press 1 for a callback."
say "$P/callback_confirm.wav" 8000 en-us 165 50 "Thank you. We will call you back."
say "$P/closed.wav" 8000 en-us 165 50 "We are closed. Please call again during business hours."

# moh.wav: C - Am - F - G, one strummed plucked chord a second, peak -12 dBFS.
chord() {
    # (sox's pluck needs a 44.1-48 kHz rate: synthesize at 48 kHz, then resample)
    "${SOX[@]}" -r 48000 -c 4 -n -r 8000 "${FMT[@]}" "$1" synth 1 pluck "$2" pluck "$3" pluck "$4" pluck "$5" \
        delay 0 0.03 0.06 0.09 remix - trim 0 1 fade t 0.005 1 0.15 rate -v 8000
}
chord "$TMP/c1.wav" C3 G3 C4 E4
chord "$TMP/c2.wav" A2 E3 A3 C4
chord "$TMP/c3.wav" F2 C3 F3 A3
chord "$TMP/c4.wav" G2 D3 G3 B3
"${SOX[@]}" "$TMP/c1.wav" "$TMP/c2.wav" "$TMP/c3.wav" "$TMP/c4.wav" "${FMT[@]}" "$P/moh.wav" gain -n -12

echo "speech_noise.wav: measured SNR ${snr_speech} dB (pink noise, target 5 dB)"
echo "digits_noise.wav: measured SNR ${snr_digits} dB (white noise, target 15 dB, tone RMS ${tone_rms} dBFS)"
echo "digit_1_in_speech.wav: tone over background speech ${snr_bg} dB (target 15 dB)"
