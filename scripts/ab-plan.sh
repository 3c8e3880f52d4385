#!/usr/bin/env bash
# Two builds of `switchboard plan` side by side: runs them alternately on the
# benchmark's model (1000 calls/h, AHT 240 s, patience 120 s, 72 agents, 30
# days, one replication, one thread) and prints each one's median CPU time,
# taken to the microsecond from the child's resource usage. Alternating keeps
# the noise of a shared machine on both sides; the median of the pairs'
# ratios (B / A) is printed too.
#
# Usage: scripts/ab-plan.sh BIN_A BIN_B [RUNS]   (RUNS defaults to 9)
# e.g. copy target/release/switchboard aside, rebuild, and compare the two.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: scripts/ab-plan.sh BIN_A BIN_B [RUNS]" >&2
  exit 2
fi
python3 - "$1" "$2" "${3:-9}" <<'P'
import os, statistics, subprocess, sys

a, b, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
args = ["plan", "--rate", "1000", "--aht", "240", "--patience", "120", "--agents", "72",
        "--threshold", "20", "--seed", "1", "--replications", "1", "--threads", "1",
        "--days", "30"]
cpu = {a: [], b: []}
for _ in range(n):
    for binary in (a, b):
        try:
            child = subprocess.Popen([binary] + args, stdout=subprocess.DEVNULL)
        except OSError as e:
            sys.exit(f"ab-plan: cannot run {binary}: {e}")
        _, status, usage = os.wait4(child.pid, 0)
        if status != 0:
            sys.exit(f"ab-plan: {binary} failed (status {status})")
        cpu[binary].append(usage.ru_utime + usage.ru_stime)
for binary in (a, b):
    runs = " ".join(f"{v:.3f}" for v in sorted(cpu[binary]))
    print(f"{binary}: median {statistics.median(cpu[binary]):.4f} s CPU ({runs})")
# Each pair ran back to back, under much the same load: the median of the
# pairs' ratios holds up better than the ratio of medians on a noisy machine.
ratios = [y / x for x, y in zip(cpu[a], cpu[b]) if x > 0]
if ratios:
    print(f"B / A, median of the {len(ratios)} pairs: {statistics.median(ratios):.3f}")
P
