"""Pure-Python arithmetic: a loop of integer multiply-adds, the interpreter's own work."""
TASKS = 24


def task(i):
    acc = i
    for k in range(200_000):
        acc = (acc * 7 + k) % 1_000_003
    return acc
