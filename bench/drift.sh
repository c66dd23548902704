#!/usr/bin/env bash
# How far apart whole `concur run`s of one workload land, as concur measures by default and with
# --back-to-back (each configuration's runs one after the other, every run's time as it came: as
# concur measured before it followed the host's pace). The two kinds alternate, so that a slower
# spell of the host falls on both alike.
#
# Two hosts: this one as it is, then this one with a neighbour whose load rises and falls slowly
# (bench/neighbour.py: up to 45 % of every core, peaking every 12 s), the drifting host made to
# happen every time.
#
# Whole runs come in blocks of five (RUNS) per kind, BLOCKS blocks. For each kind: how many runs
# recommended the most common configuration, the spread of the recommended speedup and of
# processes x2's (measured in every run): (max - min) / median within each block of five, the
# median over the blocks, and the standard deviation of its logarithm over every run; how many
# runs found the host drifting or took the runs at the probe's pace; the median runs and
# seconds a `concur run` took. Target: the default's spreads no wider than --back-to-back's.
#
# Usage: bench/drift.sh [WORKLOAD.py ...]   (default: workloads/cpu_bound.py workloads/mixed.py)
# Environment: PYTHON     interpreter (default python3; a launcher shim is resolved first)
#              CONCUR     concur binary (default build/concur)
#              RUNS       whole runs of each kind in a block (default 5)
#              BLOCKS     blocks (default 2)
#              AS_IS=0    skip the host as it is;  NEIGHBOUR=0  skip the drifting neighbour
# Exit status: 0 whether or not the target is met; 1 if a concur run failed; 2 usage error.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
concur=${CONCUR:-$root/build/concur}
py=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')
runs=${RUNS:-5}
blocks=${BLOCKS:-2}

if [ $# -eq 0 ]; then
  set -- "$root/workloads/cpu_bound.py" "$root/workloads/mixed.py"
fi
for w in "$@"; do
  [ -f "$w" ] || { echo "drift: no such workload file: $w" >&2; exit 2; }
done
[ -x "$concur" ] || { echo "drift: $concur is not built (run make first)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/drift.XXXXXX")
neighbour=
trap '[ -n "$neighbour" ] && kill "$neighbour" 2>/dev/null; rm -rf "$tmp"' EXIT

# One line per run: KIND BLOCK MODEL WORKERS SPEEDUP P2_SPEEDUP FOUND PACED RUNS SECONDS
row() {
  "$py" - "$1" "$2" "$3" "$4" <<'PY'
import json, sys
kind, block, path, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
d = json.load(open(path))
rec = d.get("recommendation") or {}
p2 = ((d.get("summary") or {}).get("processes") or {}).get("2") or {}
drift = d.get("drift") or {}
sp = lambda v: "%.3f" % v if isinstance(v, (int, float)) else "nan"
model = rec.get("model") or "none"
print(kind, block, model, int(rec.get("workers") or 1), sp(rec.get("expected_speedup")),
      sp(p2.get("speedup")), int(bool(drift.get("found"))),
      int(bool((drift.get("pace") or {}).get("applied"))), len(d.get("runs") or []),
      "%.2f" % secs)
PY
}

summarize() {
  "$py" - "$1" <<'PY'
import collections, math, statistics as st, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
def spreads(pairs):
    """(block, value) pairs: the median over blocks of (max - min) / median, and the sd of log."""
    by = collections.defaultdict(list)
    for b, v in pairs:
        if v == v:
            by[b].append(v)
    per = [(max(v) - min(v)) / st.median(v) for v in by.values() if len(v) >= 2]
    vals = [v for _, v in pairs if v == v]
    if not per:
        return "n/a"
    sd = st.pstdev([math.log(v) for v in vals]) if len(vals) >= 2 else float("nan")
    return "%.0f %% (blocks: %s), sd %.2f" % (100 * st.median(per),
                                              " ".join("%.0f" % (100 * p) for p in per), sd)
for kind in ("default", "back-to-back"):
    r = [x for x in rows if x[0] == kind]
    if not r:
        continue
    says = ["%s x%s" % (x[2], x[3]) if x[2] not in ("single", "none") else x[2] for x in r]
    common, agree = collections.Counter(says).most_common(1)[0]
    pool = [(x[1], float(x[4])) for x in r if x[2] not in ("single", "none")]
    p2 = [(x[1], float(x[5])) for x in r]
    print("  %-12s %d of %d runs say %s (%s)" % (kind, agree, len(r), common, ", ".join(says)))
    print("  %-12s recommended speedup %s" % ("", spreads(pool)))
    print("  %-12s processes x2 %s: %s" % ("", spreads(p2), " ".join("%.2f" % v for _, v in p2)))
    print("  %-12s drift found in %d, runs at the probe's pace in %d; median %d runs, %.1f s"
          % ("", sum(int(x[6]) for x in r), sum(int(x[7]) for x in r),
             st.median(int(x[8]) for x in r), st.median(float(x[9]) for x in r)))
PY
}

# measure CONDITION WORKLOAD...: BLOCKS blocks of RUNS whole runs of each kind per workload.
measure() {
  local cond=$1 w name out dir kind rc t0 t1 b i
  shift
  for w in "$@"; do
    name=$(basename "$w" .py)
    out="$tmp/$name.rows"
    : >"$out"
    for b in $(seq 1 "$blocks"); do
      for i in $(seq 1 "$runs"); do
        for kind in default back-to-back; do
          dir="$tmp/$name-$kind-$b-$i"
          extra=()
          [ "$kind" = back-to-back ] && extra=(--back-to-back)
          t0=$(date +%s.%N)
          rc=0
          "$concur" run "$w" --python "$py" --out "$dir" -q "${extra[@]}" >"$dir.log" 2>&1 || rc=$?
          t1=$(date +%s.%N)
          if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
            echo "drift: $name: concur exited $rc" >&2
            tail -n 15 "$dir.log" >&2
            exit 1
          fi
          row "$kind" "$b" "$dir/results.json" \
            "$(awk -v a="$t0" -v c="$t1" 'BEGIN {print c - a}')" >>"$out"
          rm -rf "$dir"
        done
      done
    done
    echo "$name ($cond):"
    summarize "$out"
  done
}

printf 'drift: %d blocks of %d whole runs of each kind per workload, alternating; %s\n' \
  "$blocks" "$runs" "$py"
[ "${AS_IS:-1}" != 0 ] && measure "the host as it is" "$@"
if [ "${NEIGHBOUR:-1}" != 0 ]; then
  "$py" "$here/neighbour.py" --share "${NEIGHBOUR_SHARE:-0.45}" --period "${NEIGHBOUR_PERIOD:-12}" &
  neighbour=$!
  measure "a neighbour's load drifting" "$@"
  kill "$neighbour" 2>/dev/null || true
  wait "$neighbour" 2>/dev/null || true
  neighbour=
fi
