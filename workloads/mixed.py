"""Two thirds compute, one third waiting: ~16 ms of pure-Python work then an 8 ms wait, per task.

Most real jobs look like this (parse a response, then wait for the next). Threads overlap the
waits but not the compute, so their speedup stops near 1.5x; processes overlap both, up to the
core count, and past it only the waiting part keeps gaining.
"""
import time

# 40 tasks of ~24 ms: about 1 s for one pass.
TASKS = 40

ROUNDS = 93_000
WAIT_S = 0.008


def task(i):
    acc = i + 1
    for k in range(ROUNDS):
        acc = (acc * 1_103_515_245 + k) % 2_147_483_648
    time.sleep(WAIT_S)
    return acc
