#!/usr/bin/env bash
# How long concur takes to reach a recommendation, against the workload's own serial time and
# against a fixed full sweep (single, then threads and processes at 2, 4, 8 and 16 workers,
# 3 runs each, nothing adaptive; its process pools at concur's chunksize where concur batches). Every time is the whole command's wall time, start-up included.
# The serial time is the median of 3 runs of bench/serial.py; concur and the full sweep run once.
# Targets: concur/serial <= 5, full/concur >= 3, and both recommend the same model and workers.
#
# Usage: bench/time_to_answer.sh [WORKLOAD.py ...]     (default: every workloads/*.py with task(i))
# Environment: PYTHON  interpreter (default python3; a launcher shim is resolved first)
#              CONCUR  concur binary (default build/concur)
#              KEEP=1  keep the output directories and print where their results.json are
# Exit status: 0 whether or not the targets are met; 1 if concur or the serial run itself failed
# (concur exiting other than 0 or 1, or writing no results.json); 2 usage error.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
concur=${CONCUR:-$root/build/concur}
py=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')   # a launcher shim is not measured
serial_repeat=3
max_ratio=5      # concur/serial at most this
min_saving=3     # full/concur at least this
sweep_max=16     # the full sweep's largest worker count

if [ $# -eq 0 ]; then
  # The workloads with task(i), async ones too; a program (program_example.py) is
  # bench/program_check.py's.
  for w in "$root"/workloads/*.py; do
    if grep -Eq '^(async )?def task\(' "$w"; then set -- "$@" "$w"; fi
  done
fi
for w in "$@"; do
  if [ ! -f "$w" ]; then
    echo "time_to_answer: no such workload file: $w" >&2
    exit 2
  fi
done
if [ ! -x "$concur" ]; then
  echo "time_to_answer: $concur is not built (run make first)" >&2
  exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/time_to_answer.XXXXXX")
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  if [ "${KEEP:-}" = 1 ]; then
    echo "results kept under $tmp:"
    find "$tmp" -name results.json | sort | sed 's/^/  /'
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# ratio A B -> A/B to 2 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "inf"}'; }
# holds "A OP B" (OP one of <= >=)
holds() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {exit !(op == "<=" ? a <= b : a >= b)}'; }

# Prints the last lines of a log on stderr, indented.
show_log() { tail -n 15 "$1" | sed 's/^/    /' >&2; }

# timed LOG CMD... : runs CMD with stdout and stderr into LOG; sets elapsed (s) and rc.
timed() {
  local log=$1 t0 t1
  shift
  rc=0
  t0=$(now)
  "$@" >"$log" 2>&1 || rc=$?
  t1=$(now)
  elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
}

# recommendation DIR -> "MODEL WORKERS NRUNS CHUNKSIZE SHORT" from DIR/results.json; MODEL is "none"
# where no recommendation was made; SHORT is "-", or the capacity probes ("1.10/1.95") where the
# lower of them is under 85 % of the cores (the host held them back: concur's own open question).
# Fails (non-zero) where the file is missing or unreadable.
recommendation() {
  "$py" - "$1/results.json" <<'PY'
import json, sys
try:
    with open(sys.argv[1]) as f:
        d = json.load(f)
except (OSError, ValueError) as e:
    sys.exit("cannot read %s: %s" % (sys.argv[1], e))
rec = d.get("recommendation")
runs = len(d.get("runs") or [])
m = d.get("machine") or {}
probes = [m.get("capacity_start"), m.get("capacity_end")]
known = [p for p in probes if isinstance(p, (int, float))]
short = "-"
if known and min(known) < 0.85 * (m.get("cores") or 0):
    short = "/".join("-" if p is None else "%.2f" % p for p in probes)
if isinstance(rec, dict) and rec.get("made", True) and rec.get("model"):
    print(rec["model"], int(rec.get("workers") or 1), runs, int(rec.get("chunksize") or 1), short)
else:
    print("none", 0, runs, 1, short)
PY
}

# label MODEL WORKERS -> "processes x2", "single", "none"
label() {
  case $1 in
    none | single) printf '%s' "$1" ;;
    *) printf '%s x%s' "$1" "$2" ;;
  esac
}

# concur_run NAME KIND LOG DIR ARGS... : one timed concur run; sets elapsed, model, workers, nruns.
# Returns 1 (after saying why) where concur itself failed.
concur_run() {
  local name=$1 kind=$2 log=$3 dir=$4 parsed
  shift 4
  timed "$log" "$concur" run "$@" --python "$py" --out "$dir" -q
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    echo "time_to_answer: $name: $kind run failed: concur exited $rc" >&2
    show_log "$log"
    return 1
  fi
  if [ "$rc" -eq 1 ]; then
    notes+=("$name: some configurations of the $kind run failed (concur exit 1)")
  fi
  if ! parsed=$(recommendation "$dir" 2>>"$log"); then
    echo "time_to_answer: $name: $kind run wrote no readable results.json (concur exit $rc)" >&2
    show_log "$log"
    return 1
  fi
  read -r model workers nruns chunksize short <<<"$parsed"
  if [ "$short" != - ]; then
    notes+=("$name: the host held the cores back during the $kind run (capacity probes $short of $(nproc) cores)")
  fi
}

fmt='%-16s %8s %9s %5s %10s %9s %5s %8s %7s  %-14s %-14s %s\n'
printf 'time to answer: %s, serial = median of %d runs of bench/serial.py\n' "$py" "$serial_repeat"
# shellcheck disable=SC2059  # the format is the table's, kept in one place
printf "$fmt" workload "serial s" "concur s" runs concur/ser "full s" runs full/ser "x less" \
  "concur says" "full sweep" agreement

failed=0
total=$#
met=0
misses=()
notes=()
i=0
for w in "$@"; do
  i=$((i + 1))
  name=$(basename "$w" .py)
  dir=$tmp/$(printf '%02d' "$i")-$name
  mkdir -p "$dir"
  # A workload needing a module this interpreter lacks (numpy_blas: NumPy) is skipped, saying why.
  if ! missing=$("$py" "$here/serial.py" --check "$w" 2>&1); then
    printf 'skipped %s: %s\n' "$name" "$(printf '%s' "$missing" | tail -n 1)"
    total=$((total - 1))
    continue
  fi

  # 1. serial, as the workload's author would time it
  : >"$dir/serial.t"
  serial_ok=1
  for _ in $(seq "$serial_repeat"); do
    timed "$dir/serial.log" "$py" "$here/serial.py" "$w"
    if [ "$rc" -ne 0 ]; then
      echo "time_to_answer: $name: bench/serial.py exited $rc" >&2
      show_log "$dir/serial.log"
      serial_ok=0
      break
    fi
    echo "$elapsed" >>"$dir/serial.t"
  done
  if [ "$serial_ok" = 0 ]; then
    failed=1
    misses+=("$name: the serial run failed")
    continue
  fi
  serial=$(median <"$dir/serial.t")

  # 2. concur as a user runs it
  if ! concur_run "$name" adaptive "$dir/concur.log" "$dir/concur" "$w"; then
    failed=1
    misses+=("$name: concur failed")
    continue
  fi
  c_s=$elapsed c_model=$model c_workers=$workers c_runs=$nruns c_chunk=$chunksize

  # 3. the full sweep. A fixed sweep measures no chunksize: where concur's choice batches, its
  # process pools run at that chunksize, so that both answer the same question (which model,
  # how many workers) about the job as it would be deployed.
  chunk_args=()
  if [ "$c_model" = processes ] && [ "$c_chunk" -gt 1 ]; then
    chunk_args=(--chunksize "$c_chunk")
    notes+=("$name: the full sweep's process pools ran at concur's chunksize $c_chunk")
  fi
  if ! concur_run "$name" "full-sweep" "$dir/full.log" "$dir/full" "$w" \
    --fixed --repeat 3 --sample all --workers 2,4,8,16 "${chunk_args[@]+"${chunk_args[@]}"}"; then
    failed=1
    misses+=("$name: the full sweep failed")
    continue
  fi
  f_s=$elapsed f_model=$model f_workers=$workers f_runs=$nruns

  # 4. the row
  c_ratio=$(ratio "$c_s" "$serial")
  f_ratio=$(ratio "$f_s" "$serial")
  saving=$(ratio "$f_s" "$c_s")
  c_label=$(label "$c_model" "$c_workers")
  f_label=$(label "$f_model" "$f_workers")
  agree_ok=1
  if [ "$c_model" = none ] || [ "$f_model" = none ]; then
    agreement="no recommendation"
    agree_ok=0
  elif [ "$c_model" = "$f_model" ] && [ "$c_workers" -eq "$f_workers" ]; then
    agreement="same"
  elif [ "$c_model" = "$f_model" ] && [ "$c_workers" -gt "$sweep_max" ] && [ "$f_workers" -eq "$sweep_max" ]; then
    agreement="same (full sweep capped at $sweep_max)"
  else
    agreement="different"
    agree_ok=0
  fi
  shown=$agreement
  [ "$agreement" = different ] && shown=DIFFERENT
  # shellcheck disable=SC2059
  printf "$fmt" "$name" "$(printf '%.3f' "$serial")" "$c_s" "$c_runs" "$c_ratio" "$f_s" "$f_runs" \
    "$f_ratio" "$saving" "$c_label" "$f_label" "$shown"

  why=()
  # the targets are judged on the unrounded times
  if ! holds "$c_s" "<=" "$(awk -v s="$serial" -v k="$max_ratio" 'BEGIN {print s * k}')"; then
    why+=("concur/serial $c_ratio > $max_ratio")
  fi
  if ! holds "$f_s" ">=" "$(awk -v c="$c_s" -v k="$min_saving" 'BEGIN {print c * k}')"; then
    why+=("full/concur $saving < $min_saving")
  fi
  if [ "$agree_ok" = 0 ]; then
    what=$agreement
    [ "$agreement" = different ] && what="recommendations differ"
    why+=("$what: concur $c_label, full sweep $f_label")
  fi
  if [ ${#why[@]} -eq 0 ]; then
    met=$((met + 1))
  else
    reason=$(printf '%s; ' "${why[@]}")
    misses+=("$name: ${reason%; }")
  fi
done

echo
echo "concur/ser = concur's time to a recommendation / the serial time (target: at most $max_ratio)"
echo "x less     = full sweep's time / concur's time (target: at least $min_saving)"
printf '%d of %d workloads met both targets and agree with the full sweep\n' "$met" "$total"
for m in "${misses[@]+"${misses[@]}"}"; do
  printf '  not met: %s\n' "$m"
done
for n in "${notes[@]+"${notes[@]}"}"; do
  printf '  note: %s\n' "$n"
done
exit "$failed"
