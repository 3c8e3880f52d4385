#!/usr/bin/env bash
# The release build of `switchboard`, optimized with a profile (PGO): the
# compiler lays out and inlines the code by how often each branch ran on a
# training workload, instead of guessing. Same source, same rules, same
# output byte for byte; on the plan's benchmark about a fifth less CPU time
# than `cargo build --release` (22% side by side, BENCHMARKS.md).
#
# 1. builds an instrumented `switchboard` (and the benchmark's minimal loop,
#    sim/examples/minimal_queue.rs, so that it is compared like for like);
# 2. runs the training workload, which must succeed:
#    - `switchboard replay`: every scenario, the whole engine and the audio
#      pipeline;
#    - `switchboard sweep --seeds 1..2000`: random worlds, every rule;
#    - `switchboard plan` on three models unlike the benchmark's (wrap-up,
#      callbacks and RONA; a lognormal handle time without patience; an
#      intraday profile with a staffing schedule);
#    - the production server, in-process, under the load tool
#      (shell/examples/load.rs) for a second a phase;
#    - the minimal loop on a smaller queue than the benchmark's;
# 3. merges the profiles with the toolchain's llvm-profdata (rustup component
#    llvm-tools, added if missing) and builds again with them.
#
# Usage: scripts/build-pgo.sh
# Prints the directory of the optimized binaries (TARGET/pgo/release) last.
# Needs: rustup (for llvm-tools) and about 2 GB in the target directory.
# Takes about seven minutes on two cores (two release builds with fat LTO).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
TRAIN_DIR="$TARGET_DIR/pgo-train"
OUT_DIR="$TARGET_DIR/pgo"
DATA="$TARGET_DIR/pgo-data"
MERGED="$TARGET_DIR/pgo.profdata"

SYSROOT=$(rustc --print sysroot)
HOST=$(rustc -vV | sed -n 's/^host: //p')
PROFDATA="$SYSROOT/lib/rustlib/$HOST/bin/llvm-profdata"
if [[ ! -x $PROFDATA ]]; then
  echo "== adding the rustup component llvm-tools (for llvm-profdata)" >&2
  if ! rustup component add llvm-tools >&2 || [[ ! -x $PROFDATA ]]; then
    echo "build-pgo: llvm-profdata is missing at $PROFDATA; install it with: rustup component add llvm-tools" >&2
    exit 1
  fi
fi

build() { # build TARGET_DIR RUSTFLAGS [EXTRA CARGO ARGS...]
  local dir=$1 flags=$2
  shift 2
  RUSTFLAGS="$flags" cargo build --quiet --release --target-dir "$dir" \
    -p switchboard -p switchboard-sim --bin switchboard --example minimal_queue "$@" >&2
}

echo "== building the instrumented binaries ($TRAIN_DIR)" >&2
rm -rf "$DATA"
build "$TRAIN_DIR" "-Cprofile-generate=$DATA" --example load

SB="$TRAIN_DIR/release/switchboard"
MINIMAL="$TRAIN_DIR/release/examples/minimal_queue"
WORK=$(mktemp -d -t build-pgo.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# An intraday profile (quiet nights, a busy day) and a schedule that follows it.
for i in $(seq 0 47); do
  if ((i >= 16 && i < 40)); then echo "$i,300"; else echo "$i,40"; fi
done >"$WORK/profile.csv"
for i in $(seq 0 47); do
  if ((i >= 16 && i < 40)); then echo "$i,44"; else echo "$i,8"; fi
done >"$WORK/schedule.csv"

echo "== training" >&2
train() {
  echo "   ${*#"$TRAIN_DIR"/release/}" >&2
  if ! "$@" >"$WORK/out" 2>&1; then
    cat "$WORK/out" >&2
    echo "build-pgo: the training run failed: ${*#"$TRAIN_DIR"/}" >&2
    exit 1
  fi
}
train "$SB" replay
train "$SB" sweep --seeds 1..2000
train "$SB" plan --rate 400 --aht 300 --patience 90 --agents 33..36 --wrap-up 10 \
  --callback-after 60 --callback-share 0.3 --no-answer 0.05 --days 2 --replications 2 --threads 1
train "$SB" plan --rate 3000 --aht 200 --handle lognormal --cv 0.8 --agents 170..172 \
  --days 1 --replications 2 --threads 2
train "$SB" plan --profile "$WORK/profile.csv" --aht 300 --patience 150 \
  --schedule "$WORK/schedule.csv" --days 2 --replications 2 --threads 2
# The production server, in-process: durable inputs through the HTTP API and
# agents' actions (the load tool of BENCHMARKS.md, one second a phase).
train "$TRAIN_DIR/release/examples/load" --seconds 1
train "$MINIMAL" --rate 500 --aht 180 --patience 60 --agents 30 --days 5

"$PROFDATA" merge -o "$MERGED" "$DATA"

echo "== building with the profile ($OUT_DIR)" >&2
build "$OUT_DIR" "-Cprofile-use=$MERGED"
echo "$OUT_DIR/release"
