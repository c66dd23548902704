"""Two thirds compute, one third waiting: pure-Python work, then a wait half as long as it took.

Most real jobs look like this (parse a response, then wait for the next). Threads overlap the
waits but not the compute, so their speedup stops near 1.5x; processes overlap both, up to the
core count, and past it only the waiting part keeps gaining: on 2 cores, about 2x with 2
workers and 2.5x with 4, and little more with 8.

The wait is measured against the compute's own CPU time, so the job is one third waiting on a
slow machine as on a fast one. It varies from task to task (from a quarter to 1.75 times its
mean), as waits on a network or a disk do: equal waits keep a pool's workers in step, all
computing and then all waiting at once, which leaves cores idle that a real job would use.
The variation is a cosine over the task numbers, which averages out over the whole job and over
any evenly spread sample of it, so a sample waits as long per task as the job.
"""
import math
import time

# 40 tasks of about 25 ms of work and 12 ms of waiting: 1 to 2 s for one pass.
TASKS = 40

ROUNDS = 93_000


def task(i):
    start = time.thread_time()
    acc = i + 1
    for k in range(ROUNDS):
        acc = (acc * 1_103_515_245 + k) % 2_147_483_648
    spent = time.thread_time() - start
    spread = 1.0 + 0.75 * math.cos(2 * math.pi * 13 * i / TASKS)
    time.sleep(spent / 2 * spread)
    return acc
