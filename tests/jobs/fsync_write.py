"""Writing with fsync: each task appends small records to its own file, each made durable with
fsync before the next, as a write-ahead log does."""
import os
import tempfile

TASKS = 24
RECORD = b"x" * 4096


def task(i):
    path = os.path.join(tempfile.gettempdir(), "concur-fsync-%d-%d" % (os.getpid(), i))
    try:
        with open(path, "wb") as f:
            for _ in range(100):
                f.write(RECORD)
                f.flush()
                os.fsync(f.fileno())
    finally:
        os.unlink(path)
    return i
