"""The same tasks as concur would run them, with nothing of concur around: the baseline.

Usage: python3 bare.py WORKLOAD.py MODE WORKERS TASKS PIN  ->  prints the wall time in seconds.
The timed window is the one concur reports: pool creation to pool shutdown. PIN=1 binds each
worker to its own CPU as concur does (os.sched_setaffinity, CPUs in order), so that the ratio to
concur's time measures concur's own cost rather than the effect of pinning.
"""
import concurrent.futures as cf
import importlib.util
import multiprocessing
import os
import sys
import threading
import time

CPUS = sorted(os.sched_getaffinity(0))
_next = None


def load(path):
    spec = importlib.util.spec_from_file_location("bench_workload", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_workload"] = mod
    spec.loader.exec_module(mod)
    return mod


def pin_thread():
    with _next.get_lock():
        k = _next.value
        _next.value += 1
    os.sched_setaffinity(0, {CPUS[k % len(CPUS)]})


def pin_process(counter):
    global _next
    _next = counter
    pin_thread()


def main():
    global _next
    path, mode, workers, tasks, pin = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
    task = load(path).task
    _next = multiprocessing.Value("i", 0)
    if pin:
        os.sched_setaffinity(0, set(CPUS[:workers]) if mode != "single" else {CPUS[0]})
    t0 = time.perf_counter()
    if mode == "single":
        for i in range(tasks):
            task(i)
    elif mode == "threads":
        with cf.ThreadPoolExecutor(workers, initializer=pin_thread if pin else None) as ex:
            for _ in ex.map(task, range(tasks)):
                pass
    else:
        init = (pin_process, (_next,)) if pin else (None, ())
        with cf.ProcessPoolExecutor(workers, initializer=init[0], initargs=init[1]) as ex:
            for _ in ex.map(task, range(tasks)):
                pass
    print(time.perf_counter() - t0)


if __name__ == "__main__":
    main()
