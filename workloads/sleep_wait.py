"""Waiting without using the CPU (time.sleep): threads overlap the waits, well past the core count.

Stands for a call to a slow remote service whose answer takes a fixed time. time.sleep releases
the GIL, so a thread pool of N workers finishes about N times faster until N reaches the number of
tasks; processes do the same but pay more to start. The useful worker count is set by how many
requests the service tolerates, not by the cores.
"""
import time

# 40 tasks of 25 ms: one pass takes 1 s on any machine.
TASKS = 40

WAIT_S = 0.025


def task(i):
    time.sleep(WAIT_S)
    return i
