"""Regular expressions: re.findall over a text (the re engine holds the GIL)."""
import re

TASKS = 24
TEXT = " ".join("user%d@example.com visited /page/%d at 12:%02d" % (k, k, k % 60)
                for k in range(4_000))
PATTERN = re.compile(r"(\w+)@(\w+)\.com visited (/\S+) at (\d+):(\d+)")


def task(i):
    n = 0
    for _ in range(4):
        n += len(PATTERN.findall(TEXT))
    return n
