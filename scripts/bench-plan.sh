#!/usr/bin/env bash
# Capacity-planning benchmark: one M/M/c+M model (1000 calls/h, AHT 240 s,
# exponential patience 120 s, 72 agents, 30 days, about 720,000 calls), side by
# side in `switchboard plan` (one replication, one thread, the full engine), in
# Python's ciw and SimPy (installed into a throwaway venv) and in a minimal
# hand-written Rust event loop (sim/examples/minimal_queue.rs, the physical
# limit). Records wall time, CPU time and peak memory of each, the ratios
# against the targets, and `switchboard plan` at 10 days too, to show that its
# memory does not grow with simulated days. See bench/plan/README.md.
#
# The two Rust programs are measured in two builds: the release build as
# shipped, optimized with a profile (scripts/build-pgo.sh, trained on other
# workloads than this model), and a plain `cargo build --release`. Each build
# of the plan is compared with the same build of the minimal loop, and the two
# builds of the plan must print the same figures.
#
# Usage: scripts/bench-plan.sh            (about ten minutes: two builds, then
#                                          about a minute and a half of runs)
# Needs: cargo, rustup (llvm-tools, for the profile), python3 with venv,
# /usr/bin/time (Debian: apt-get install -y time), and PyPI for pip. Exits
# non-zero when a tool fails to build or run, or when the two builds disagree.
# The two Rust programs take well under a second: their CPU time is also taken
# to the microsecond (bench/plan/timed.py) over several runs, and the median kept.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CIW_VERSION=3.2.7
SIMPY_VERSION=4.1.2
DAYS=30
SHORT_DAYS=10
SEED=1
MINIMAL_RUNS=5 # the minimal loop takes ~0.05 s: the median of a few runs
PLAN_RUNS=5    # the plan, well under a second: the same
MODEL=(--rate 1000 --aht 240 --patience 120 --agents 72 --threshold 20)

TIME=/usr/bin/time
if [[ ! -x $TIME ]]; then
  echo "bench-plan: $TIME is missing; install it with: apt-get install -y time" >&2
  exit 1
fi
if ! command -v python3 >/dev/null; then
  echo "bench-plan: python3 is missing; install it with: apt-get install -y python3 python3-venv" >&2
  exit 1
fi

WORK=$(mktemp -d -t bench-plan.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
SWITCHBOARD="$TARGET_DIR/release/switchboard"
MINIMAL="$TARGET_DIR/release/examples/minimal_queue"

echo "== building (release)"
plan_ok=1
plan_why=""
if ! cargo build --release -p switchboard; then
  plan_ok=0
  plan_why="the switchboard binary did not build"
fi
cargo build --release -p switchboard-sim --example minimal_queue
if [[ $plan_ok == 1 ]] && ! "$SWITCHBOARD" plan --help >/dev/null 2>&1; then
  plan_ok=0
  plan_why="$SWITCHBOARD has no 'plan' subcommand yet"
fi
if [[ $plan_ok == 0 ]]; then
  echo
  echo "bench-plan: SWITCHBOARD PLAN NOT AVAILABLE: $plan_why."
  echo "bench-plan: running the other three only; the ratios against plan are n/a."
fi

pgo_ok=0
if [[ $plan_ok == 1 ]]; then
  echo "== building with a profile (scripts/build-pgo.sh)"
  if PGO_BIN=$("$ROOT/scripts/build-pgo.sh" | tail -n 1) && [[ -x $PGO_BIN/switchboard ]]; then
    pgo_ok=1
  else
    echo "bench-plan: the build with a profile failed: its rows are n/a." >&2
  fi
fi

echo "== throwaway venv in $WORK: ciw==$CIW_VERSION simpy==$SIMPY_VERSION"
if ! python3 -m venv "$WORK/venv"; then
  echo "bench-plan: python3 -m venv failed; install it with: apt-get install -y python3-venv" >&2
  exit 1
fi
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check \
  "ciw==$CIW_VERSION" "simpy==$SIMPY_VERSION"
PY="$WORK/venv/bin/python"

# run NAME COMMAND...: times COMMAND into $WORK/NAME.time ("wall user sys maxrss_kb")
# and keeps its standard output in $WORK/NAME.out.
run() {
  local name=$1
  shift
  echo "== $name: ${*#"$ROOT"/}"
  if ! "$TIME" -f "%e %U %S %M" -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"; then
    echo "bench-plan: $name failed:" >&2
    cat "$WORK/$name.err" "$WORK/$name.time" >&2
    exit 1
  fi
}

# cpu NAME N COMMAND...: runs COMMAND N times, each timed to the microsecond
# into $WORK/NAME.I.cpu ("wall user sys").
cpu() {
  local name=$1 n=$2
  shift 2
  echo "== $name, $n runs timed to the microsecond"
  for i in $(seq 1 "$n"); do
    if ! python3 "$ROOT/bench/plan/timed.py" "$WORK/$name.$i.cpu" "$@" >/dev/null 2>"$WORK/$name.err"; then
      echo "bench-plan: $name failed:" >&2
      cat "$WORK/$name.err" >&2
      exit 1
    fi
  done
}

PLAN=(plan "${MODEL[@]}" --replications 1 --threads 1 --seed "$SEED" --json)
# bench BUILD SWITCHBOARD MINIMAL: the plan (30 and 10 days) and the minimal
# loop of one build.
bench() {
  local build=$1 sb=$2 minimal=$3
  run "plan_$build" "$sb" "${PLAN[@]}" --days "$DAYS"
  run "plan_short_$build" "$sb" "${PLAN[@]}" --days "$SHORT_DAYS"
  cpu "plan_$build" "$PLAN_RUNS" "$sb" "${PLAN[@]}" --days "$DAYS"
  run "minimal_$build" "$minimal" "${MODEL[@]}" --days "$DAYS" --seed "$SEED"
  cpu "minimal_$build" "$MINIMAL_RUNS" "$minimal" "${MODEL[@]}" --days "$DAYS" --seed "$SEED"
}
if [[ $pgo_ok == 1 ]]; then
  bench pgo "$PGO_BIN/switchboard" "$PGO_BIN/examples/minimal_queue"
fi
if [[ $plan_ok == 1 ]]; then
  bench plain "$SWITCHBOARD" "$MINIMAL"
else
  run minimal_plain "$MINIMAL" "${MODEL[@]}" --days "$DAYS" --seed "$SEED"
  cpu minimal_plain "$MINIMAL_RUNS" "$MINIMAL" "${MODEL[@]}" --days "$DAYS" --seed "$SEED"
fi
if [[ $pgo_ok == 1 ]]; then
  for f in plan plan_short minimal; do
    if ! cmp -s "$WORK/${f}_pgo.out" "$WORK/${f}_plain.out"; then
      echo "bench-plan: the two builds disagree ($f): the build with a profile must not change a figure" >&2
      diff "$WORK/${f}_plain.out" "$WORK/${f}_pgo.out" >&2 || true
      exit 1
    fi
  done
fi
run simpy "$PY" bench/plan/simpy_model.py "${MODEL[@]}" --days "$DAYS" --seed "$SEED"
run ciw "$PY" bench/plan/ciw_model.py "${MODEL[@]}" --days "$DAYS" --seed "$SEED"

echo
python3 - "$WORK" "$plan_ok" "$pgo_ok" "$DAYS" "$SHORT_DAYS" "$MINIMAL_RUNS" "$CIW_VERSION" "$SIMPY_VERSION" "$PLAN_RUNS" <<'EOF'
import json, statistics, sys

work, plan_ok, pgo_ok, days, short_days, minimal_runs, ciw_v, simpy_v, plan_runs = sys.argv[1:]
plan_ok, pgo_ok = plan_ok == "1", pgo_ok == "1"


def timing(name):
    wall, user, sys_, rss = open(f"{work}/{name}.time").read().split()[-4:]
    return {"wall": float(wall), "cpu": float(user) + float(sys_), "mb": int(rss) / 1024}


def precise(name, n):
    """Wall and CPU time of the run of median CPU time among NAME.1..n.cpu."""
    runs = []
    for i in range(1, int(n) + 1):
        wall, user, sys_ = open(f"{work}/{name}.{i}.cpu").read().split()
        runs.append({"wall": float(wall), "cpu": float(user) + float(sys_)})
    runs.sort(key=lambda r: r["cpu"])
    return runs[len(runs) // 2]


def kv(name):
    line = open(f"{work}/{name}.out").read().strip().splitlines()[-1]
    d = dict(p.split("=", 1) for p in line.split())
    return {"calls": int(d["offered"]), "sl": float(d["sl"]), "asa": float(d["asa"]),
            "ab": float(d["abandonment"])}


def plan(name):
    doc = json.load(open(f"{work}/{name}.out"))
    level = doc["levels"][0]
    o = level["overall"]
    figs = {"calls": o["offered"]["mean"], "sl": o["service_level"]["mean"],
            "asa": o["asa"]["mean"], "ab": o["abandonment"]["mean"]}
    return figs, level.get("analytic")


BUILDS = {"pgo": "with a profile", "plain": "plain release"}
rows, analytic = {}, None
for build in ("pgo", "plain"):
    if not (plan_ok and (build == "plain" or pgo_ok)):
        continue
    figs, analytic = plan(f"plan_{build}")
    rows[f"switchboard plan, {BUILDS[build]} ({days} d, median of {plan_runs})"] = {
        **timing(f"plan_{build}"), **precise(f"plan_{build}", plan_runs), **figs}
    figs, _ = plan(f"plan_short_{build}")
    rows[f"switchboard plan, {BUILDS[build]} ({short_days} d)"] = {
        **timing(f"plan_short_{build}"), **figs}
for build in ("pgo", "plain"):
    if build == "pgo" and not pgo_ok:
        continue
    rows[f"minimal Rust loop, {BUILDS[build]} (median of {minimal_runs})"] = {
        **timing(f"minimal_{build}"), **precise(f"minimal_{build}", minimal_runs),
        **kv(f"minimal_{build}")}
rows[f"SimPy {simpy_v}"] = {**timing("simpy"), **kv("simpy")}
rows[f"ciw {ciw_v}"] = {**timing("ciw"), **kv("ciw")}

head = ["tool", "wall s", "CPU s", "peak MB", "calls", "SL", "ASA s", "abandonment"]
table = [head] + [[name, f"{r['wall']:.3f}", f"{r['cpu']:.3f}", f"{r['mb']:.1f}",
                   f"{r['calls']:.0f}", f"{100 * r['sl']:.2f}%", f"{r['asa']:.2f}",
                   f"{100 * r['ab']:.2f}%"] for name, r in rows.items()]
widths = [max(len(row[i]) for row in table) for i in range(len(head))]
for n, row in enumerate(table):
    print(" | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                     for i, (c, w) in enumerate(zip(row, widths))))
    if n == 0:
        print("-+-".join("-" * w for w in widths))

if analytic:
    print(f"\nanalytic ({analytic.get('model', '?')}): SL {100 * analytic['service_level']:.2f}%"
          f"  ASA {analytic['asa']:.2f} s  abandonment {100 * analytic['abandonment']:.2f}%"
          f"  occupancy {100 * analytic['occupancy']:.2f}%")

others = [rows[k] for k in rows if not k.startswith("switchboard")]
spread = lambda key: max(r[key] for r in others) - min(r[key] for r in others)
print(f"\nspread of minimal/SimPy/ciw: SL {100 * spread('sl'):.2f} pt, ASA {spread('asa'):.2f} s,"
      f" abandonment {100 * spread('ab'):.2f} pt")

for build in ("pgo", "plain"):
    name = BUILDS[build]
    print(f"\nratios, {name} build (CPU = user + sys):")
    if not plan_ok or (build == "pgo" and not pgo_ok):
        print("  n/a   (this build of switchboard plan is not available)")
        continue
    p = rows[f"switchboard plan, {name} ({days} d, median of {plan_runs})"]
    p_short = rows[f"switchboard plan, {name} ({short_days} d)"]
    m = rows[f"minimal Rust loop, {name} (median of {minimal_runs})"]
    checks = [
        ("ciw CPU / plan CPU", rows[f"ciw {ciw_v}"]["cpu"] / p["cpu"], ">=", 100),
        ("SimPy CPU / plan CPU", rows[f"SimPy {simpy_v}"]["cpu"] / p["cpu"], ">=", 25),
        ("plan CPU / minimal CPU", p["cpu"] / max(m["cpu"], 1e-6), "<=", 6),
        (f"plan RSS {days} d / {short_days} d", p["mb"] / p_short["mb"], "<=", 1.2),
    ]
    for label, v, op, target in checks:
        ok = v >= target if op == ">=" else v <= target
        print(f"  {label:<28} {v:8.2f}   target {op} {target:<4}  {'PASS' if ok else 'MISS'}")
if pgo_ok:
    print("\nthe two builds printed the same figures (plan at 30 and 10 days, minimal loop)")
if not plan_ok:
    print("\nSWITCHBOARD PLAN NOT AVAILABLE: only the other three ran.")
EOF
