"""Thousands of tiny tasks (~30 us each): the pool's per-task cost outweighs the work itself.

A process pool sends every task and every result through a pipe, with pickling on both sides and
hand-offs between threads: with chunksize 1 that costs several times more than each task, and the
pool is slower than a plain loop. Threads pay less, but still more than the work, and hand the GIL
back and forth for every task. Batching (map's chunksize, or fewer and bigger tasks) is the fix.
"""

# 30 000 tasks of ~30 us: about 1 s for one pass in a plain loop. A process pool with
# chunksize 1 takes several seconds on the same machine.
TASKS = 30_000

ROUNDS = 400


def task(i):
    acc = i
    for k in range(ROUNDS):
        acc = (acc * 31 + k) % 1_000_003
    return acc
