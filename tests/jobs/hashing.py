"""Hashing: SHA-256 of a 16 MiB buffer, twice (hashlib releases the GIL for buffers over 2 KiB)."""
import hashlib

TASKS = 24
DATA = bytes(range(256)) * (16 * 4096)


def task(i):
    return hashlib.sha256(DATA).hexdigest() + hashlib.sha256(DATA[1:]).hexdigest()
