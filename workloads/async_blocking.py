"""An async task that awaits 20 ms, then computes 8 ms in the coroutine itself.

The computing part blocks the event loop: no other coroutine runs while it does, so one loop
overlaps the waits but not the work (about 8 / 28 of single's time is loop-blocking). concur
measures the loop blocked that share of the time and tries processes x asyncio: each process a
loop of its own, which overlaps both. The fix in real code is the same, or the work moved off the
loop (loop.run_in_executor with a ProcessPoolExecutor).
"""
import asyncio
import time

# 100 tasks of 28 ms: about 2.8 s awaited one after the other.
TASKS = 100

WAIT_S = 0.020
COMPUTE_S = 0.008


async def task(i):
    await asyncio.sleep(WAIT_S)
    # Pure-Python work on this thread's CPU clock: the same 8 ms of computing wherever it runs.
    start = time.thread_time()
    n = 0
    while time.thread_time() - start < COMPUTE_S:
        n += 1
    return i
