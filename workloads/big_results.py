"""Tasks that return large results (~0.9 MB pickled each): process pools pay to send them back.

Building the result takes a few milliseconds, but a process pool must pickle it in the worker,
push it through a pipe and unpickle it in the main process, one result at a time. The main process
becomes the bottleneck and processes gain little or lose; threads hand the result over for free
but hold the GIL while building it.
"""

# 64 tasks of ~15 ms: about 1 s for one pass.
TASKS = 64

ROWS = 30_000


def task(i):
    # A table of rows, as a parser or a database query would return it.
    return [(i, k, k * 0.5, "row-%d" % k) for k in range(ROWS)]
