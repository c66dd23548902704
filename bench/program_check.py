"""Does `concur run --program` recommend what plain timing of the program, edited by hand to each
configuration, shows to be fastest?

For each program below: the script is copied and edited (its pool replaced by a plain loop, a
thread pool or a process pool of N workers, the edits a person would make), each copy is timed
as a whole command (median of REPEAT runs), and `concur run --program` is run once on the
unedited script. The target: the hand-timed median of the configuration concur recommends is
within 10 % of the fastest hand-timed one. A figure to watch, not a test: it moves with whatever
else the machine runs.

Usage: python3 bench/program_check.py [CONCUR]      (CONCUR default: build/concur)
Environment: PYTHON interpreter of the programs (default: this one); REPEAT (default 5).
Exit status: 0 whether or not the target is met; 1 when concur or a program failed.
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = os.environ.get("PYTHON", sys.executable)
REPEAT = int(os.environ.get("REPEAT", "5"))
WORKERS = (2, 4, 8)
TARGET = 1.10

# (name, script, its arguments given the data directory, edits per configuration): each edit is
# (pattern, replacement) applied to the source; {n} is the worker count.
PROGRAMS = [
    ("hash and compress 200 files, ThreadPoolExecutor(8)", "workloads/program_example.py",
     lambda data: [data, "--files", "200"],
     {"single": [(r"with ThreadPoolExecutor\(max_workers=args.workers\) as pool:", "if True:"),
                 (r"pool\.map\(", "map(")],
      "threads": [(r"max_workers=args.workers", "max_workers={n}")],
      "processes": [(r"with ThreadPoolExecutor\(max_workers=args.workers\)",
                     "with __import__('concurrent.futures').futures.ProcessPoolExecutor("
                     "max_workers={n})")]}),
    ("parse 120 JSON documents, multiprocessing.Pool()", "bench/programs/parse_json.py",
     lambda data: [data, "120"],
     {"single": [(r"with multiprocessing.Pool\(\) as pool:", "if True:"),
                 (r"pool\.map\(total, paths\)", "list(map(total, paths))")],
      "threads": [(r"multiprocessing.Pool\(\)",
                   "__import__('multiprocessing.pool').pool.ThreadPool({n})")],
      "processes": [(r"multiprocessing.Pool\(\)", "multiprocessing.Pool({n})")]}),
]


def edited(source, edits, n):
    for pattern, repl in edits:
        source, count = re.subn(pattern, repl.replace("{n}", str(n)), source)
        if count == 0:
            raise SystemExit("program_check: the edit %r found nothing to change" % pattern)
    return source


def time_commands(commands):
    """The median wall time of each command (a dict of key -> argv) over REPEAT rounds, each round
    running every command once, in turn: a slower spell of a shared host lands on all of them
    rather than on the one that ran then."""
    times = {key: [] for key in commands}
    for _ in range(REPEAT):
        for key, argv in commands.items():
            t0 = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            times[key].append(time.perf_counter() - t0)
    return {key: statistics.median(t) for key, t in times.items()}


def check(concur, tmp, name, script, args, edits):
    data = os.path.join(tmp, "data-" + os.path.basename(script))
    path = os.path.join(ROOT, script)
    subprocess.run([PYTHON, path] + args(data), check=True, stdout=subprocess.DEVNULL)
    source = open(path).read()
    commands = {}
    for mode in ("single", "threads", "processes"):
        for n in (1,) if mode == "single" else WORKERS:
            copy = os.path.join(tmp, "%s-%d.py" % (mode, n))
            with open(copy, "w") as f:
                f.write(edited(source, edits[mode], n))
            commands[(mode, n)] = [PYTHON, copy] + args(data)
    hand = time_commands(commands)
    out = os.path.join(tmp, "concur-" + os.path.basename(script))
    t0 = time.perf_counter()
    rc = subprocess.run([concur, "run", "-q", "--python", PYTHON, "--out", out, "--program",
                         path] + args(data), stdout=subprocess.DEVNULL).returncode
    took = time.perf_counter() - t0
    if rc not in (0, 1):
        print("%s: concur exited %d" % (name, rc))
        return False
    rec = json.load(open(os.path.join(out, "results.json")))["recommendation"]
    choice = (rec["model"], rec["workers"]) if rec and rec.get("made") else None
    best = min(hand, key=hand.get)
    print("%s" % name)
    for (mode, n), t in sorted(hand.items(), key=lambda kv: kv[1]):
        mark = " <- concur" if (mode, n) == choice else ""
        print("  %-9s x%-2d %7.3f s  %5.2fx%s" % (mode, n, t, hand[("single", 1)] / t, mark))
    if choice is None:
        print("  concur made no recommendation (%.0f s)" % took)
    elif choice not in hand:
        print("  concur recommends %s x%d, not timed by hand (%.0f s)" % (choice + (took,)))
    else:
        ratio = hand[choice] / hand[best]
        print("  concur (%.0f s): %s x%d, %.1f %% from the fastest by hand (%s x%d): %s"
              % (took, choice[0], choice[1], 100 * (ratio - 1), best[0], best[1],
                 "met" if ratio <= TARGET else "MISSED (target 10 %)"))
    return True


def main():
    concur = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "concur")
    tmp = tempfile.mkdtemp(prefix="program_check.")
    ok = True
    try:
        for name, script, args, edits in PROGRAMS:
            ok &= check(concur, tmp, name, script, args, edits)
    except subprocess.CalledProcessError as exc:
        print("program_check: %s" % exc)
        ok = False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
