"""Sleeping: time.sleep, as a rate-limited client waits between calls."""
import time

TASKS = 24


def task(i):
    time.sleep(0.02)
    return i
