"""A workload run serially, the way its author would time it by hand: no pool, no pinning.

Usage: python3 serial.py WORKLOAD.py
       python3 serial.py --check WORKLOAD.py   only load it: exit 1 with the import error's last
                                               line where this interpreter lacks a module it needs
Loads the file, calls setup() if it has one, then task(i) for i in range(TASKS) (64 where the
file sets no TASKS). An `async def task` is awaited in turn inside one asyncio.run(), its setup
(async or not) first, as its author would run it. Prints nothing: the caller times the whole process, interpreter start-up
and import included, since that is what `time python3 job.py` would show.
"""
import asyncio
import importlib.util
import inspect
import os
import sys


def load(path):
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location("serial_workload", path)
    if spec is None:
        sys.exit("serial.py: cannot load %s" % path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["serial_workload"] = mod
    spec.loader.exec_module(mod)
    return mod


async def in_turn(mod):
    setup = getattr(mod, "setup", None)
    if setup is not None:
        r = setup()
        if inspect.isawaitable(r):
            await r
    for i in range(int(getattr(mod, "TASKS", 64))):
        await mod.task(i)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        try:
            load(sys.argv[2])
        except ImportError as exc:
            sys.exit(str(exc))
        return
    if len(sys.argv) != 2:
        sys.exit("usage: serial.py WORKLOAD.py")
    mod = load(sys.argv[1])
    if inspect.iscoroutinefunction(mod.task):
        asyncio.run(in_turn(mod))
        return
    setup = getattr(mod, "setup", None)
    if setup is not None:
        setup()
    task = mod.task
    for i in range(int(getattr(mod, "TASKS", 64))):
        task(i)


if __name__ == "__main__":
    main()
