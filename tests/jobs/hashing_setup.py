"""Hashing with a setup() that costs as much as the work: each task hashes a 16 MiB buffer with
SHA-256 (hashlib releases the GIL for buffers over 2 KiB), and setup() builds that buffer, then
holds the GIL for SETUP_S more of its own CPU time in pure Python, as a costly initializer does. Each worker of a
thread pool runs setup(), and the setups queue for the GIL one behind the other: the pool's
start-up is long, its tasks still overlap."""
import hashlib
import time

TASKS = 16
SETUP_S = 0.08

_data = b""


def setup():
    global _data
    _data = bytes(range(256)) * (16 * 4096)
    # The thread's own CPU time: two threads taking turns on the GIL each get their SETUP_S.
    end = time.thread_time() + SETUP_S
    n = 0
    while time.thread_time() < end:
        n += 1


def task(i):
    return hashlib.sha256(_data).hexdigest()
