"""Compression: zlib.compress of 1 MiB of text-like data (zlib releases the GIL while it works)."""
import zlib

TASKS = 64
DATA = b"".join(b"line %d: the quick brown fox jumps over the lazy dog\n" % k for k in range(20_000))


def task(i):
    return len(zlib.compress(DATA, 6))
