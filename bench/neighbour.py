#!/usr/bin/env python3
"""A neighbour whose load drifts slowly: the shared host of issue reports, made reproducible.

One process per CPU, each pinned to its CPU, takes a share of it that rises and falls smoothly
between 0 and --share over --period seconds: in every 10 ms slice it spins for share x 10 ms
and sleeps the rest. Every CPU's share is the same at any moment, so a job on one core and a
job on all of them slow down alike, as on a virtual machine whose host is busier at some times
than at others. The phase starts at --phase (a fraction of the period).

Runs until SIGTERM or SIGINT; its workers end with it (and on their own if it is killed).
Usage: bench/neighbour.py [--share 0.45] [--period 12] [--phase 0]
"""
import argparse
import math
import os
import signal
import sys
import time

SLICE = 0.010


def share_at(t, share, period, phase):
    return share * (1.0 - math.cos(2.0 * math.pi * (t / period + phase))) / 2.0


def spin(cpu, start, share, period, phase, parent):
    os.sched_setaffinity(0, {cpu})
    while os.getppid() == parent:
        now = time.monotonic()
        d = share_at(now - start, share, period, phase)
        slice_start = now - math.fmod(now - start, SLICE)
        busy_until = slice_start + d * SLICE
        while time.monotonic() < busy_until:
            pass
        rest = slice_start + SLICE - time.monotonic()
        if rest > 0:
            time.sleep(rest)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--share", type=float, default=0.45,
                    help="the largest share of each CPU it takes (0 to 0.9; default 0.45)")
    ap.add_argument("--period", type=float, default=12.0,
                    help="seconds from one peak of its load to the next (default 12)")
    ap.add_argument("--phase", type=float, default=0.0,
                    help="where in the period it starts, 0 to 1 (default 0: idle, rising)")
    a = ap.parse_args()
    if not 0.0 <= a.share <= 0.9 or a.period <= 0:
        ap.error("--share must be within 0..0.9 and --period above 0")
    start = time.monotonic()
    parent = os.getpid()
    pids = []
    for cpu in sorted(os.sched_getaffinity(0)):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                spin(cpu, start, a.share, a.period, a.phase, parent)
            finally:
                os._exit(0)
        pids.append(pid)

    def stop(signum, frame):
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in pids:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
