"""Checksums a directory of files through a thread pool: a program as people write them.

Not a concur workload (it has no task(i)): a small command-line tool with argparse, its own
ThreadPoolExecutor(max_workers=8) in main(), and a directory of input files it generates on its
first run. Measure it as it is:

    concur run --program workloads/program_example.py /tmp/concur-example --files 200

concur runs the whole script in each configuration and swaps its pool: single (each call at once,
in the caller's thread), thread pools and process pools of 2, 4, ... workers. zlib and hashlib
release the GIL on large buffers, so threads gain about as much as processes here, without the
pickling.
"""

import argparse
import hashlib
import os
import random
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor

FILE_BYTES = 256 * 1024


def make_inputs(directory, count):
    """The input files, written once: a run that finds them reuses them."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for i in range(count):
        path = os.path.join(directory, "input-%04d.txt" % i)
        if not os.path.exists(path):
            # Half text, half noise: zlib works for its output, as on real data.
            noise = random.Random(i).getrandbits(4 * FILE_BYTES).to_bytes(FILE_BYTES // 2, "little")
            line = ("record %d of input %d: " % (i, i) + "abcdefghij" * 7 + "\n").encode()
            text = (line * (FILE_BYTES // 2 // len(line) + 1))[:FILE_BYTES // 2]
            with open(path, "wb") as f:
                f.write(text + noise)
        paths.append(path)
    return paths


def checksum(path):
    """What each file costs: read it, compress it, hash the compressed bytes."""
    with open(path, "rb") as f:
        data = f.read()
    packed = zlib.compress(data, 6)
    return os.path.basename(path), len(packed), hashlib.sha256(packed).hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", help="where the input files are (made if missing)")
    parser.add_argument("--files", type=int, default=200, help="how many (default: 200)")
    parser.add_argument("--workers", type=int, default=8, help="thread pool size (default: 8)")
    args = parser.parse_args(argv)
    paths = make_inputs(args.directory, args.files)
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(checksum, paths))
    packed = sum(size for _, size, _ in results)
    print("%d files, %d bytes compressed, first %s" % (len(results), packed, results[0][2][:12]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
