"""JSON encoding: json.dumps of a nested document (the C accelerator holds the GIL)."""
import json

TASKS = 24
DOC = {"rows": [{"id": k, "name": "row-%d" % k, "tags": ["a", "b", "c"], "score": k * 0.5}
                for k in range(2_000)]}


def task(i):
    n = 0
    for _ in range(6):
        n += len(json.dumps(DOC))
    return n
