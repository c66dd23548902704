#!/usr/bin/env bash
# What a Dask cluster costs beside a process pool, measured by concur itself on tasks of about
# 1 ms (bench/ms_tasks.py): each one's start-up (a process pool's workers started and set up; a
# LocalCluster's start, which concur keeps out of the job's time, and then its workers set up) and
# its cost per task in scheduling and transfer (pool_overhead_per_task: the time the workers were
# not in a task, over the tasks), at 1 and 2 workers. Each figure is the median over BENCH_REPEAT
# runs, with the fastest and slowest run beside it.
# Usage: bench/dask.sh [CONCUR] [PYTHON]      (make bench runs it with DASK_PYTHON)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
concur=${1:-build/concur}
python=${2:-/usr/bin/python3}
repeat=${BENCH_REPEAT:-5}
if ! "$python" -c 'import distributed' 2>/dev/null; then
  echo "dask bench: skipped, $python cannot import distributed (install python3-distributed)"
  exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$concur" run "$here/ms_tasks.py" --python "$python" --modes processes,dask --workers 1,2 \
  --tasks 200 --fixed --repeat "$repeat" --quiet --json --out "$out/run" >"$out/r.json"
"$python" - "$out/r.json" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1]))

def overhead(r):
    tw = r.get("task_wall_s") or {}
    n, mean = tw.get("n"), tw.get("mean")
    if not n or mean is None or r.get("wall_s") is None:
        return None
    start = r.get("startup_s") or 0.0
    end = r.get("teardown_s") or 0.0
    return ((r["wall_s"] - start - end) * r["workers"] - mean * n) / n

def fmt(values, scale, unit):
    v = [x for x in values if x is not None]
    if not v:
        return "%24s" % "-"
    return "%8.2f %s [%.2f-%.2f]" % (statistics.median(v) * scale, unit, min(v) * scale,
                                    max(v) * scale)

print("dask bench: %s, %s runs each, 200 tasks of ~1 ms (median [fastest-slowest])"
      % (d["machine"]["python"]["executable"], d["options"]["repeat"]))
print("%-10s %7s %26s %26s %26s" % ("mode", "workers", "cluster start", "pool start-up",
                                    "cost per task"))
for mode in ("processes", "dask"):
    for w in (1, 2):
        runs = [r for r in d["runs"] if r["mode"] == mode and r["workers"] == w
                and not r["warmup"] and r["status"] == "ok"]
        print("%-10s %7d %26s %26s %26s" % (
            mode, w, fmt([r.get("cluster_start_s") for r in runs], 1, "s ") if mode == "dask"
            else "%26s" % "-", fmt([r.get("startup_s") for r in runs], 1e3, "ms"),
            fmt([overhead(r) for r in runs], 1e6, "us")))
PY
