#!/usr/bin/env bash
# Generates the labelled greetings that measure answering-machine detection
# (core/src/audio/amd.rs, sim/tests/audio_amd_quality.rs):
#
#   fixtures/audio/greetings/human/NN.wav    a person answering
#   fixtures/audio/greetings/machine/NN.wav  an answering machine or voicemail
#
# Every file is 8 kHz mono 16-bit PCM, at most 6 s, telephone band (300-3400 Hz),
# made from espeak-ng speech, pauses, tones and sox noise. The output is
# deterministic for given espeak-ng and sox versions (sox runs with -R, which
# seeds its noise generators and dither with a fixed number).
#
# Usage: scripts/make-amd-fixtures.sh        (from anywhere; rewrites the WAVs)
set -euo pipefail

for tool in espeak-ng sox; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "make-amd-fixtures: '$tool' is not installed (Debian/Ubuntu: apt-get install espeak-ng sox)" >&2
        exit 1
    fi
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/fixtures/audio/greetings"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# sox, repeatable and quiet but for errors.
SOX=(sox -R -V1)
# The format of every intermediate and final file.
FMT=(-r 8000 -c 1 -b 16 -e signed-integer)

# make KIND NUM LENGTH PEAK NOISE NOISE_DB -- SEGMENT...
#
#   KIND      human | machine
#   NUM       the file's number (01, 02, ...)
#   LENGTH    seconds of the file (the end is padded or cut)
#   PEAK      peak level of the speech in dBFS (e.g. -4)
#   NOISE     none | pink | brown | white: background noise under the whole file
#   NOISE_DB  its gain in dB relative to sox's full-scale noise (e.g. -60)
#
# Segments, played one after the other:
#   pause SECONDS
#   say VOICE WPM PITCH TEXT    espeak-ng speech, its own leading and trailing
#                               silence trimmed
#   tone HZ SECONDS DB          a sine (a voicemail beep), DB relative to full scale
make() {
    local kind=$1 num=$2 length=$3 peak=$4 noise=$5 noise_db=$6
    shift 7 # the six above and "--"
    local dir="$TMP/$kind-$num" n=0
    mkdir -p "$dir"
    local parts=()
    while (($# > 0)); do
        n=$((n + 1))
        local part="$dir/part$(printf %02d $n).wav"
        case $1 in
        pause)
            "${SOX[@]}" -n "${FMT[@]}" "$part" trim 0 "$2"
            shift 2
            ;;
        say)
            espeak-ng -v "$2" -s "$3" -p "$4" -w "$dir/raw.wav" "$5"
            "${SOX[@]}" "$dir/raw.wav" "${FMT[@]}" "$part" \
                silence 1 0.01 -50d reverse silence 1 0.01 -50d reverse
            shift 5
            ;;
        tone)
            "${SOX[@]}" -n "${FMT[@]}" "$part" synth "$3" sine "$2" gain "$4" fade 0.01 "$3" 0.01
            shift 4
            ;;
        *)
            echo "make-amd-fixtures: unknown segment '$1' in $kind/$num" >&2
            exit 1
            ;;
        esac
        parts+=("$part")
    done
    local dest="$OUT/$kind/$num.wav"
    # Speech at its level, in the telephone band, padded or cut to LENGTH.
    "${SOX[@]}" "${parts[@]}" "${FMT[@]}" "$dir/voice.wav" \
        sinc 300-3400 norm "$peak" pad 0 "$length" trim 0 "$length"
    if [[ $noise == none ]]; then
        "${SOX[@]}" "$dir/voice.wav" "${FMT[@]}" "$dest"
    else
        "${SOX[@]}" -n "${FMT[@]}" "$dir/noise.wav" synth "$length" "${noise}noise" \
            sinc 300-3400 gain "$noise_db"
        "${SOX[@]}" -m -v 1 "$dir/voice.wav" -v 1 "$dir/noise.wav" "${FMT[@]}" "$dest"
    fi
}

rm -f "$OUT"/human/*.wav "$OUT"/machine/*.wav
mkdir -p "$OUT/human" "$OUT/machine"

# ---------------------------------------------------------------------------
# People: they pick up after 0.2-1.2 s, say something short, then wait for the
# caller (silence or room noise); some repeat themselves after a while.
# ---------------------------------------------------------------------------
make human 01 4 -4 none 0 -- \
    pause 0.6 say en-us 170 50 "Hello?"
make human 02 4 -6 pink -40 -- \
    pause 0.9 say en+f3 165 60 "Hi, this is Maria."
make human 03 4 -3 none 0 -- \
    pause 0.4 say en+m3 180 45 "Yeah, hello?"
make human 04 4 -5 brown -32 -- \
    pause 1.1 say en-gb+m1 175 40 "Good morning."
make human 05 4.5 -8 none 0 -- \
    pause 0.7 say en+f1 150 55 "Hello." pause 2.4 say en+f1 150 60 "Hello?"
make human 06 3.5 -2 pink -36 -- \
    pause 0.2 say en+m5 190 50 "Hi!"
make human 07 4 -5 none 0 -- \
    pause 0.8 say en+m2 160 35 "Hello, yes?"
make human 08 4 -10 brown -41 -- \
    pause 1.2 say en+f4 150 70 "Yes?"
make human 09 4 -4 none 0 -- \
    pause 0.5 say en-us+f2 175 55 "Hello, who is this?"
make human 10 3.5 -6 pink -30 -- \
    pause 0.3 say en+m7 160 40 "Hey."
make human 11 4.5 -5 brown -27 -- \
    pause 1.0 say en-gb-scotland 165 45 "Hello?" pause 2.6 say en-gb-scotland 165 50 "Hello, anyone there?"
make human 12 4 -7 none 0 -- \
    pause 0.6 say en+m4 170 50 "Hello there?"

# ---------------------------------------------------------------------------
# Machines: they start after 0.3-1 s with a long, continuous greeting: home
# answering machines (some ending with the beep), business voicemail, and the
# network's voicemail. Longer greetings are cut at the file's end.
# ---------------------------------------------------------------------------
make machine 01 6 -4 none 0 -- \
    pause 0.5 say en+m1 165 50 "Hi, you've reached John and Mary. We can't come to the phone right now, please leave a message after the tone."
make machine 02 6 -5 pink -40 -- \
    pause 0.8 say en+f2 170 60 "Hello, you have reached the voicemail of Sarah Connor. I'm not available right now. Please leave your name, your number and a short message, and I will call you back."
make machine 03 6 -3 none 0 -- \
    pause 0.4 say en-us 160 45 "The person you are calling is not available. Please leave a message after the tone."
make machine 04 6 -4 none 0 -- \
    pause 1.0 say en-gb 155 40 "The number you have dialled, 5 5 5, 0 1 9 9, is not available. At the tone, please record your message."
make machine 05 6 -6 none 0 -- \
    pause 0.6 say en+m3 175 45 "Thank you for calling Acme Plumbing. Our office is currently closed. Our business hours are Monday to Friday, eight a.m. to five p.m."
make machine 06 6 -5 brown -31 -- \
    pause 0.7 say en+f5 160 55 "You have reached the offices of Baker and Associates. Please leave a detailed message and someone will return your call on the next business day."
make machine 07 4 -4 none 0 -- \
    pause 0.3 say en+m6 190 50 "Hi, it's Tom. Leave a message." pause 0.4 tone 1000 0.5 -8
make machine 08 4.5 -6 none 0 -- \
    pause 0.9 say en+f1 170 60 "Please leave a message after the beep." pause 0.5 tone 850 0.6 -10
make machine 09 6 -4 brown -29 -- \
    pause 0.5 say en+f4 185 70 "Hey, it's Jenny! Sorry I missed you. Leave me a message and I'll get back to you as soon as I can."
make machine 10 6 -5 none 0 -- \
    pause 0.6 say en-us 150 50 "Your call has been forwarded to an automatic voice message system. 5 5 5, 0 1 4 2, is not available."
make machine 11 6 -7 pink -36 -- \
    pause 1.0 say en-gb+m7 140 40 "Good afternoon. You have reached the home of the Patel family. We are not able to take your call at the moment."
make machine 12 5 -4 none 0 -- \
    pause 0.5 say en+m2 175 50 "This is Mike. I can't get to the phone, leave a message." pause 0.5 tone 1000 0.45 -8

echo "make-amd-fixtures: wrote $(ls "$OUT"/human/*.wav "$OUT"/machine/*.wav | wc -l) files, $(du -cb "$OUT"/human/*.wav "$OUT"/machine/*.wav | tail -1 | cut -f1) bytes, under $OUT"
