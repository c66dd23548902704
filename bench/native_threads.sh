#!/usr/bin/env bash
# A job whose library runs its own threads (workloads/numpy_blas.py: NumPy's OpenBLAS), timed by
# hand on a grid of configurations, each as installed and with the native pools limited to one
# thread; then `concur run` on it. Reports the wall time of concur's recommended configuration,
# timed by hand the same way, against the fastest of the grid (target: within 10 %), and the
# time concur took.
#
# Usage: bench/native_threads.sh [WORKLOAD.py]     (default: workloads/numpy_blas.py)
# Environment: NUMPY_PYTHON  an interpreter with NumPy (default /usr/bin/python3, Debian's
#                            python3-numpy from `make deps`); without one the bench is skipped,
#                            saying why
#              CONCUR        concur binary (default build/concur)
#              KEEP=1        keep concur's output directory and print where it is
# Exit status: 0 whether or not the target is met; 1 if concur or a timing failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
concur=${CONCUR:-$root/build/concur}
py=${NUMPY_PYTHON:-/usr/bin/python3}
job=${1:-$root/workloads/numpy_blas.py}
limit_vars=(OMP_NUM_THREADS OPENBLAS_NUM_THREADS MKL_NUM_THREADS VECLIB_MAXIMUM_THREADS
            NUMEXPR_NUM_THREADS)

if ! "$py" -c 'import numpy' >/dev/null 2>&1; then
  echo "native threads: skipped: $py cannot import numpy (make deps installs python3-numpy;" \
       "NUMPY_PYTHON names another interpreter)"
  exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/native_threads.XXXXXX")
if [ "${KEEP:-}" = 1 ]; then
  trap 'echo "  kept: $tmp/concur"' EXIT
else
  trap 'rm -rf "$tmp"' EXIT
fi

# plain KIND WORKERS LIMIT -> median wall time (s); LIMIT 0: the environment as it is
plain() {
  local env=()
  if [ "$3" -gt 0 ]; then
    for v in "${limit_vars[@]}"; do env+=("$v=$3"); done
  fi
  env "${env[@]+"${env[@]}"}" "$py" "$here/plain_pool.py" "$job" "$1" "$2"
}

echo "native threads: $(basename "$job") on $py, plain timing (median of 3, unpinned)"
printf '  %-14s %14s %14s\n' configuration "as installed" "limit 1"
grid=$tmp/grid
: >"$grid"
for cfg in "single 1" "threads 2" "threads 4" "processes 2"; do
  read -r kind n <<<"$cfg"
  a=$(plain "$kind" "$n" 0)
  b=$(plain "$kind" "$n" 1)
  printf '  %-14s %13ss %13ss\n' "$kind x$n" "$a" "$b"
  printf '%s %s 0 %s\n%s %s 1 %s\n' "$kind" "$n" "$a" "$kind" "$n" "$b" >>"$grid"
done
read -r best_kind best_n best_limit best_s < <(sort -g -k4 "$grid" | head -n 1)

t0=$(date +%s.%N)
rc=0
"$concur" run "$job" --python "$py" --quiet -o "$tmp/concur" >"$tmp/concur.log" 2>&1 || rc=$?
t1=$(date +%s.%N)
if [ ! -f "$tmp/concur/results.json" ] || [ "$rc" -gt 1 ]; then
  echo "native threads: concur exited $rc" >&2
  tail -n 15 "$tmp/concur.log" | sed 's/^/    /' >&2
  exit 1
fi
read -r model workers limit speedup < <("$py" - "$tmp/concur/results.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["recommendation"]
print(c.get("model") or "none", c.get("workers") or 1, c.get("native_limit") or 0,
      c.get("expected_speedup") or "nan")
PY
)
if [ "$model" = none ]; then
  echo "  concur made no recommendation (see its results.json); concur took $(awk -v a="$t0" \
    -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s"
  exit 0
fi
rec_s=$(awk -v k="$model" -v n="$workers" -v l="$limit" '$1 == k && $2 == n && $3 == l {print $4}' \
  "$grid")
if [ -z "$rec_s" ]; then
  rec_s=$(plain "$model" "$workers" "$limit")
fi
concur_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
plain_speedup=$(awk -v s="$(awk '$1 == "single" && $3 == 0 {print $4}' "$grid")" -v r="$rec_s" \
  'BEGIN {printf "%.2f", s / r}')
within=$(awk -v r="$rec_s" -v b="$best_s" 'BEGIN {printf "%.0f", 100 * (r / b - 1)}')
verdict=$(awk -v r="$rec_s" -v b="$best_s" 'BEGIN {print (r <= 1.10 * b ? "met" : "NOT met")}')
limit_text=$([ "$limit" -gt 0 ] && echo ", native limit $limit" || echo ", as installed")
printf '  concur recommends %s x%s%s: %.2fx by concur; timed by hand %ss (%sx the plain loop)\n' \
  "$model" "$workers" "$limit_text" "$speedup" "$rec_s" "$plain_speedup"
printf '  fastest by hand: %s x%s, limit %s: %ss; the recommendation is %s %% off it (target' \
  "$best_kind" "$best_n" "$best_limit" "$best_s" "$within"
printf ' <= 10 %%: %s)\n  concur took %s s\n' "$verdict" "$concur_s"
