"""Benchmark load: tasks of a fixed amount of pure-Python work, about 1 ms each by default."""
import os

TASKS = 400
# Iterations per task; CONCUR_BENCH_ITERS scales it (the benchmark sets it for 1 ms and 10 ms tasks).
ITERS = int(os.environ.get("CONCUR_BENCH_ITERS", "20000"))


def task(i):
    total = 0
    for k in range(ITERS):
        total += k * k % 7
    return total
