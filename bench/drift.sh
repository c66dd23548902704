#!/usr/bin/env bash
# How far apart five whole `concur run`s of one workload land, with single re-measured through
# the run (the default) and with --back-to-back (each configuration's runs one after the other,
# as concur measured before it followed the host's drift). The two kinds alternate, so that a
# slower spell of the host falls on both alike.
#
# For each kind: the recommended configuration of each run, the spread of its printed speedup
# ((max - min) / median over the runs that recommended a pool), the spread of processes x2's
# speedup (measured in every run), how many runs found the host drifting, and the median
# runs and seconds a `concur run` took. Target: the default's spreads are no wider than
# --back-to-back's. On a quiet host both are narrow and the reference runs only cost time.
#
# Usage: bench/drift.sh [WORKLOAD.py ...]   (default: workloads/cpu_bound.py workloads/mixed.py)
# Environment: PYTHON  interpreter (default python3; a launcher shim is resolved first)
#              CONCUR  concur binary (default build/concur)
#              RUNS    whole runs of each kind (default 5)
# Exit status: 0 whether or not the target is met; 1 if a concur run failed; 2 usage error.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
concur=${CONCUR:-$root/build/concur}
py=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')
runs=${RUNS:-5}

if [ $# -eq 0 ]; then
  set -- "$root/workloads/cpu_bound.py" "$root/workloads/mixed.py"
fi
for w in "$@"; do
  [ -f "$w" ] || { echo "drift: no such workload file: $w" >&2; exit 2; }
done
[ -x "$concur" ] || { echo "drift: $concur is not built (run make first)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/drift.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# One line per run: KIND MODEL WORKERS SPEEDUP P2_SPEEDUP FOUND RUNS SECONDS
row() {
  "$py" - "$1" "$2" "$3" <<'PY'
import json, sys
kind, path, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
d = json.load(open(path))
rec = d.get("recommendation") or {}
p2 = ((d.get("summary") or {}).get("processes") or {}).get("2") or {}
sp = lambda v: "%.3f" % v if isinstance(v, (int, float)) else "nan"
model = rec.get("model") or "none"
print(kind, model, int(rec.get("workers") or 1), sp(rec.get("expected_speedup")),
      sp(p2.get("speedup")), int(bool((d.get("drift") or {}).get("found"))),
      len(d.get("runs") or []), "%.2f" % secs)
PY
}

summarize() {
  "$py" - "$1" <<'PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
def spread(xs):
    xs = [x for x in xs if x == x]
    if len(xs) < 2:
        return "n/a"
    return "%.0f %%" % (100 * (max(xs) - min(xs)) / st.median(xs))
for kind in ("interleaved", "back-to-back"):
    r = [x for x in rows if x[0] == kind]
    if not r:
        continue
    recs = ["%s x%s" % (x[1], x[2]) if x[1] not in ("single", "none") else x[1] for x in r]
    pool = [float(x[3]) for x in r if x[1] not in ("single", "none")]
    p2 = [float(x[4]) for x in r]
    print("  %-13s says %s" % (kind, ", ".join(recs)))
    print("  %-13s recommended speedup %s, spread %s; processes x2 %s, spread %s; drift found "
          "in %d of %d; median %d runs, %.1f s"
          % ("", " ".join("%.2f" % v for v in pool) or "-", spread(pool),
             " ".join("%.2f" % v for v in p2), spread(p2), sum(int(x[5]) for x in r), len(r),
             st.median(int(x[6]) for x in r), st.median(float(x[7]) for x in r)))
PY
}

printf 'drift: %d whole runs of each kind per workload, alternating; %s\n' "$runs" "$py"
for w in "$@"; do
  name=$(basename "$w" .py)
  out="$tmp/$name.rows"
  : >"$out"
  for i in $(seq 1 "$runs"); do
    for kind in interleaved back-to-back; do
      dir="$tmp/$name-$kind-$i"
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
      row "$kind" "$dir/results.json" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" >>"$out"
    done
  done
  echo "$name:"
  summarize "$out"
done
