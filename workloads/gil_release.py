"""CPU-bound C code that releases the GIL (hashlib.sha256 on 4 MiB buffers): threads scale too.

"CPU-bound means processes" is folklore: hashlib, zlib, NumPy and many other C extensions drop
the GIL while they work on a large buffer (hashlib does above 2 KiB), so a thread pool runs them on
every core, without the process pool's start-up, pickling and memory per worker.
"""
import hashlib

# 64 tasks of ~11 ms each (16 MiB of SHA-256 with the SHA extensions of a current x86-64 core):
# about 0.7 s for one pass on one core.
TASKS = 64

BLOCK = bytes(range(256)) * (4 * 4096)  # 4 MiB, built once per process at import
ROUNDS = 4


def task(i):
    h = hashlib.sha256(b"%d" % i)
    for _ in range(ROUNDS):
        h.update(BLOCK)  # the GIL is released for the whole 4 MiB
    return h.hexdigest()
