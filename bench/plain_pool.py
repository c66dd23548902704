"""A workload timed the way its author would time a pool by hand: unpinned, with
concurrent.futures, the interpreter's default start method, the environment as given (set
OPENBLAS_NUM_THREADS and the like before this starts: the native libraries read them when they
load).

Usage: python3 plain_pool.py WORKLOAD.py single|threads|processes WORKERS [REPEAT]
Prints the median wall time in seconds of REPEAT (default 3) passes over the workload's tasks:
the pool created, every task mapped, the pool shut down (single: a plain loop).
"""
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[2] not in ("single", "threads", "processes"):
        sys.exit("usage: plain_pool.py WORKLOAD.py single|threads|processes WORKERS [REPEAT]")
    path, kind, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    repeat = int(sys.argv[4]) if len(sys.argv) == 5 else 3
    # Imported by name, so that a process pool's workers find the task function.
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    job = __import__(os.path.splitext(os.path.basename(path))[0])
    tasks = range(int(getattr(job, "TASKS", 64)))

    def once():
        t0 = time.perf_counter()
        if kind == "single":
            list(map(job.task, tasks))
        else:
            pool = ThreadPoolExecutor if kind == "threads" else ProcessPoolExecutor
            with pool(workers) as ex:
                list(ex.map(job.task, tasks))
        return time.perf_counter() - t0

    print("%.4f" % statistics.median(once() for _ in range(repeat)))


if __name__ == "__main__":
    main()
