#!/usr/bin/env bash
# concur's own overhead: the wall time concur measures for a configuration against the same tasks
# run by bare Python code (bench/bare.py) pinned the way concur pins. The effect of pinning itself
# (bare pinned / bare unpinned) is printed beside it: a property of the job and the machine, not a
# cost of concur. Runs alternate (bare, bare pinned, concur, bare, ...) so that a machine whose
# speed drifts affects every column alike; each column is the median of BENCH_REPEAT runs.
# Usage: bench/overhead.sh [CONCUR] [PYTHON]      (make bench runs it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
concur=${1:-build/concur}
python=${2:-python3}
python=$("$python" -c 'import sys; print(sys.executable)')   # a launcher shim is not measured
repeat=${BENCH_REPEAT:-7}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Iterations for ~1 ms of work per task on this machine, measured now (best of 5).
iters_1ms=$("$python" - <<'PY'
import time
def work(n):
    t = 0
    for k in range(n):
        t += k * k % 7
    return t
n = 20000
best = min((lambda t0: (work(n), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(5))
print(max(1000, int(n * 0.001 / best)))
PY
)

printf 'concur overhead: %s, median of %d alternating runs\n' "$python" "$repeat"
printf '%-6s %5s %-9s %7s %10s %10s %10s %9s %8s\n' task tasks mode workers "bare (s)" "pinned (s)" "concur (s)" overhead pinning
for scale in 1 10; do
  export CONCUR_BENCH_ITERS=$((iters_1ms * scale))
  tasks=$((scale == 1 ? 400 : 100))
  rm -f "$out"/*.t
  for r in $(seq "$repeat"); do
    for cfg in "single 1" "threads 2" "processes 2"; do
      set -- $cfg
      "$python" "$here/bare.py" "$here/ms_tasks.py" "$1" "$2" "$tasks" 0 >>"$out/$1.bare.t"
      "$python" "$here/bare.py" "$here/ms_tasks.py" "$1" "$2" "$tasks" 1 >>"$out/$1.pinned.t"
    done
    "$concur" run "$here/ms_tasks.py" --python "$python" --modes threads,processes --workers 2 \
      --tasks "$tasks" --repeat 1 --quiet --json --out "$out/run" >"$out/r.json"
    "$python" - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/r.json"))
for mode, w in (("single", "1"), ("threads", "2"), ("processes", "2")):
    with open("%s/%s.concur.t" % (sys.argv[1], mode), "a") as f:
        f.write("%r\n" % d["summary"][mode][w]["wall_s"])
PY
  done
  for cfg in "single 1" "threads 2" "processes 2"; do
    set -- $cfg
    bare=$(median <"$out/$1.bare.t")
    pinned=$(median <"$out/$1.pinned.t")
    conc=$(median <"$out/$1.concur.t")
    overhead=$(awk -v a="$conc" -v b="$pinned" 'BEGIN {printf "%.3f", a / b}')
    pinning=$(awk -v a="$pinned" -v b="$bare" 'BEGIN {printf "%.3f", a / b}')
    printf '%-6s %5d %-9s %7s %10.4f %10.4f %10.4f %9s %8s\n' "${scale} ms" "$tasks" "$1" "$2" "$bare" "$pinned" "$conc" "$overhead" "$pinning"
  done
done
# What watching the threads cost: the sampler's own CPU time over the time it sampled, for the
# threads and processes runs of the last concur invocation (its budget is 1 % of one core).
"$python" - "$out/r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["runs"]:
    s = r["sampler"]
    span = s["rounds"] * s["interval_s"] if s["rounds"] and s["interval_s"] else None
    if span:
        print("sampler   %-9s x%d: %4d rounds, %.1f rounds/s, %.2f %% of one core"
              % (r["mode"], r["workers"], s["rounds"], s["rounds"] / span, 100 * s["cpu_s"] / span))
PY
echo "overhead = concur's measured wall / bare pinned wall (target: at most 1.03 for tasks of 1 ms or more)"
echo "pinning  = bare pinned wall / bare unpinned wall (what binding each worker to its own CPU changes)"
