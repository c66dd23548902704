"""Pure-Python integer arithmetic that holds the GIL: threads cannot overlap it, processes can.

The classic case behind "use processes for CPU work": every step is a bytecode the interpreter
runs with the GIL held, and no C function is called that would release it. With a thread pool
the workers take turns on the GIL, so N threads take as long as one (often a little longer,
from the hand-offs); a process pool runs one interpreter per core.

Copy this file and replace task() with your own function to measure your code.
"""

# Number of tasks when concur is not given --tasks. About 1 s for one pass on one core of a
# current x86-64 machine with CPython 3.11; each task is ~25 ms, long enough that a process
# pool's per-task cost (pickling an int each way) is negligible.
TASKS = 40

ROUNDS = 150_000


def task(i):
    """One independent unit of work: a linear-congruential walk seeded by i."""
    acc = i + 1
    for k in range(ROUNDS):
        acc = (acc * 1_103_515_245 + k) % 2_147_483_648
    return acc
