"""Parses a directory of JSON documents through multiprocessing.Pool(): work that holds the GIL.

Writes its input on the first run (DIRECTORY, COUNT files of about 400 KB), then totals one
field over every document with pool.map. json.loads is C code that holds the GIL, so threads
cannot overlap it and processes can.
"""

import json
import multiprocessing
import os
import sys


def make_inputs(directory, count):
    os.makedirs(directory, exist_ok=True)
    paths = []
    for i in range(count):
        path = os.path.join(directory, "doc-%04d.json" % i)
        if not os.path.exists(path):
            records = [{"id": i * 10000 + k, "name": "item %d" % k, "price": (k * 37) % 1000 / 10,
                        "tags": ["t%d" % (k % 7), "u%d" % (k % 11)]} for k in range(4000)]
            with open(path, "w") as f:
                json.dump({"records": records}, f)
        paths.append(path)
    return paths


def total(path):
    with open(path) as f:
        doc = json.load(f)
    return sum(r["price"] for r in doc["records"])


def main():
    directory = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    paths = make_inputs(directory, count)
    with multiprocessing.Pool() as pool:
        totals = pool.map(total, paths)
    print("%d documents, total %.1f" % (len(totals), sum(totals)))


if __name__ == "__main__":
    main()
