"""concur's harness: runs one workload in one concurrency configuration and reports what happened.

concur's runner starts it once per run (one mode x worker count x repeat) and reads the JSON lines
it writes on the control fd; docs/protocol.md is the contract. Standard library only, CPython 3.8+
and PyPy.

The measured window holds only what the user's own program would do: create the pool, map the
tasks over it, receive the results, shut the pool down. Everything concur needs on top of that
(per-task clocks, announcements, pickle sizes on a sample) costs a few microseconds per task; the
rest (argument parsing, loading the workload, reporting) happens outside the window.
"""

import errno
import json
import os
import pickle
import sys
import threading
import time
import zlib

# The workload file is imported under this fixed name and registered in sys.modules, so that
# results whose classes it defines unpickle in the main process, and spawn/forkserver workers
# import it under the same name.
WORKLOAD_MODULE = "concur_workload"
DEFAULT_TASKS = 64

# Pipe writes up to PIPE_BUF (4096 on Linux) are atomic: lines from several processes writing to
# the same FIFO never interleave as long as each stays below it.
LINE_MAX = 4095
TRACEBACK_LINES = 20
TRACEBACK_CHARS = 2000
TRACEBACK_LINE_CHARS = 400

# Pickle sizes are measured on the first SAMPLE_FIRST tasks and on every SAMPLE_EVERY-th after.
SAMPLE_FIRST = 8
SAMPLE_EVERY = 8

# Each task's result is digested so that concur can tell whether a pool computes what the loop
# computes: the CRC-32 of the first DIGEST_BYTES of its pickle (protocol DIGEST_PROTOCOL, the same
# in every mode and interpreter). Bounded, so that tasks returning megabytes pay for 64 KiB of
# pickling each, not for all of it (a 0.9 MB result: 0.3 ms instead of 7 ms; see _digest). The
# codes below stand for what has no digest (docs/protocol.md, task_digest).
DIGEST_BYTES = 1 << 16
DIGEST_PROTOCOL = 4
DIGEST_RAISED, DIGEST_NONE, DIGEST_UNPICKLABLE = -1, -2, -3

BIND_WAIT_S = 5.0
BIND_POLL_S = 0.0005

EXIT_OK, EXIT_USAGE, EXIT_WORKLOAD, EXIT_SETUP, EXIT_WORKER_DIED, EXIT_INTERNAL = 0, 2, 3, 4, 5, 6
EXIT_PYTHON, EXIT_CHANNEL, EXIT_DASK = 7, 8, 9

# Mode dask: how long a scheduler (or a LocalCluster) has to answer, without --dask-timeout, and
# the package that brings Dask's distributed on Debian.
DASK_CONNECT_TIMEOUT_S = 30.0
DASK_PACKAGE = "python3-distributed"

# What the harness relies on: time.thread_time (3.7), threading.get_native_id (3.8), and the
# concurrent.futures initializer and BrokenExecutor (3.7). This file stays parseable by older
# interpreters, Python 2.7 included, so that they can say why they cannot run it.
MIN_PYTHON = (3, 8)


# The file name in this module's own code objects, to leave its frames (and importlib's) out of
# the tracebacks shown to the user.
_HERE = (lambda: None).__code__.co_filename


class LoadError(Exception):
    """The workload cannot be used; the message says why (no traceback of ours is interesting)."""


class Workload:
    """What was loaded from a SPEC: the task, its optional setup, and what reports show."""

    def __init__(self, spec, path, name, description, tasks, task, setup, is_async=False):
        self.spec = spec
        self.is_async = is_async    # task is an async def: a coroutine workload
        self.path = path
        self.name = name
        self.description = description
        self.tasks = tasks
        self.task = task
        self.setup = setup


# ---------------------------------------------------------------------------------------------
# Per-process state

class _State:
    """What one process of a run holds, in the one instance `_state`, which is never rebound. A
    forked worker inherits the main process's copy: its initializer (_State.become_worker)
    replaces what must be its own. A spawn or forkserver worker imports this file afresh and
    starts from a new instance. The zygote never loads a workload or opens a channel, so a run
    forked from it starts as fresh as a started harness, with the GIL range already found."""

    # Slots: the per-task wrappers read `task` on every task.
    __slots__ = ("chan", "main_pid", "workload", "task", "bind", "ready_times", "ready_unsent",
                 "tb_sent", "setup_error", "pickler", "lock", "gil_range", "digest_large", "call",
                 "loop_kind", "awaitable_warned")

    def __init__(self):
        self.chan = None            # _Channel for control lines
        self.main_pid = None        # the harness's main process (run mode), to tell its workers
        self.workload = None        # Workload, once loaded in this process
        self.task = None            # workload.task, bound here for the per-task wrappers
        self.bind = 0               # CONCUR_BIND=K: wait until the runner has bound each
                                    # worker to at most K CPUs (its share); 0: no binding
        self.ready_times = []       # single/threads: monotonic time each worker finished setup()
        self.ready_unsent = None    # processes: this worker's ready time, sent with its 1st result
        self.tb_sent = False        # a formatted traceback already went back from this process
        self.setup_error = None     # threads: (kind, message, traceback) of the 1st failing init
        self.pickler = None         # processes: multiprocessing's ForkingPickler, the pool's own
        self.lock = threading.Lock()    # threads: guards setup_error
        # (lo, hi) of this address space's GIL range, computed once (_gil_range): a forked
        # process inherits the value and the mappings it describes; a spawned one starts without
        # it and computes its own.
        self.gil_range = None
        # Whether the last result this process digested pickled past DIGEST_BYTES. Small
        # results are pickled whole at once, the cheapest way (0.3 us for an int, 0.5 us for a
        # short list, against about 1.5 us for a Pickler on a sink); after a large one, the
        # Pickler on a sink that stops at DIGEST_BYTES, until a small one comes again. Both give
        # the same bytes, so the digest does not depend on the way taken (nor on a race between
        # threads over this hint).
        self.digest_large = False
        self.call = None            # _call, or _call_on_own_loop for a coroutine workload
        self.loop_kind = "asyncio"  # --loop: the event loop each worker of a coroutine workload gets
        self.awaitable_warned = False   # a plain task returned an awaitable: said once

    def become_worker(self, bind):
        """A pool worker process's own state, first thing in its initializer. The workload, its
        task and the GIL range a forked worker inherits stay; the channel is replaced by the
        initializer once it has opened the worker's own."""
        from multiprocessing.reduction import ForkingPickler
        self.pickler = ForkingPickler
        self.bind = bind
        self.tb_sent = False
        self.ready_unsent = None
        self.ready_times = []
        self.setup_error = None
        # A lock copied by fork in whatever state another thread of the parent held it.
        self.lock = threading.Lock()
        # A forked worker starts without an event loop of its own (the forking thread's is not).
        _tls.__dict__.clear()


_state = _State()
# Per thread: the event loop of a coroutine workload's worker (a thread, a process's main thread,
# or the main thread in single and asyncio mode), kept for all the tasks it runs.
_tls = threading.local()


class _Channel:
    """One JSON object per line on an fd, each line written whole with one os.write under a lock
    (threads of one process) and below PIPE_BUF (processes sharing the FIFO).

    The workload can close the fd too (os.closerange(3, ...) in a task) and open a file of its own
    in its place: before each line the channel checks that its fd is still the file it was given,
    so that no line goes into the workload's file, and a lost channel is said (_lost) instead of
    the run going on silently without one."""

    def __init__(self, fd):
        self.fd = fd
        self.lock = threading.Lock()
        self.ident = _fd_ident(fd)

    def send(self, obj):
        if self.fd is None:
            return
        data = _encode(obj)
        with self.lock:
            lost = self._write(data)
            if lost is not None:
                self._lost(lost, data)

    def _write(self, data):
        """Writes data; None when written (or the runner is gone: nobody is left to tell, and it
        kills what remains), else how the fd was lost."""
        now = _fd_ident(self.fd)
        if self.ident is not None and now != self.ident:
            return "was closed" if now is None else "was closed and now refers to another file"
        try:
            while data:
                data = data[os.write(self.fd, data):]
        except OSError as exc:
            if exc.errno == errno.EBADF:
                return "was closed"
        return None

    def _lost(self, lost, data):
        """The workload closed this channel's fd. The reason goes to stderr (the run's log) first.
        The main process then reports an `error` of kind `channel` on the FIFO opened again by
        path and exits EXIT_CHANNEL: what else the workload closed or reused is unknown, so the run
        stops rather than be measured on it. A worker process, whose channel is the FIFO opened by
        path in the first place, opens it again and goes on."""
        main = _state.main_pid is not None and os.getpid() == _state.main_pid
        message = ("the control channel (fd %d) %s while the run went on: a task or setup() "
                   "closed file descriptors it did not open" % (self.fd, lost))
        if main:
            then = "the run stops here (exit %d)" % EXIT_CHANNEL
        else:
            then = "worker process %d opens it again" % os.getpid()
        _stderr_line("concur harness: %s; %s" % (message, then))
        self.fd, self.ident = None, None
        path = os.environ.get("CONCUR_CONTROL_PATH")
        if path:
            try:
                self.fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
                os.set_blocking(self.fd, True)
                self.ident = _fd_ident(self.fd)
            except OSError:
                self.fd = None
        if main:
            if self.fd is not None:
                self._write(_encode({"ev": "error", "kind": "channel", "message": message,
                                     "traceback": ""}))
            _exit(EXIT_CHANNEL)
        if self.fd is not None:
            self._write(data)


def _fd_ident(fd):
    """(device, inode) of the file open on fd; None when fd is not open."""
    try:
        st = os.fstat(fd)
    except (OSError, TypeError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def _stderr_line(text):
    """One line on stderr after what the workload wrote there, whatever became of sys.stderr."""
    try:
        sys.stderr.flush()
    except Exception:
        pass
    try:
        os.write(2, (text + "\n").encode("utf-8", "replace"))
    except OSError:
        pass


def _encode(obj):
    """JSON line for obj; every line but `done` is cut to fit LINE_MAX bytes (the traceback keeps
    its tail, where the exception is, the message its head)."""
    data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
    if obj.get("ev") == "done":
        return data
    obj = dict(obj)
    while len(data) > LINE_MAX:
        fields = [k for k in ("traceback", "message") if isinstance(obj.get(k), str) and obj[k]]
        if not fields:
            return (json.dumps({"ev": obj.get("ev"), "message": "line too long"}) + "\n").encode()
        key = max(fields, key=lambda k: len(json.dumps(obj[k])))
        s = obj[key]
        # Escapes make a character take up to 12 bytes: shrink in proportion to the encoded size.
        encoded = len(json.dumps(s))
        keep = int(len(s) * max(0, encoded - (len(data) - LINE_MAX) - 16) / encoded)
        obj[key] = ("..." + s[len(s) - keep:] if key == "traceback" else s[:keep] + "...") \
            if keep > 0 else ""
        data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
    return data


def _send(obj):
    chan = _state.chan
    if chan is not None:
        chan.send(obj)


def _warn(message):
    _send({"ev": "warn", "message": message})


# os._exit as it was when this file was imported: a program's run replaces os._exit in its main
# process (_watch_os_exit), and the harness's own exits must not go through that.
_os_exit = os._exit


def _exit(code):
    """Leaves without interpreter teardown, which would otherwise be counted against the run
    (and could wait on a hung pool thread): flush what the workload printed, then _exit."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    _os_exit(code)


# ---------------------------------------------------------------------------------------------
# Tracebacks

def _format_exception(exc):
    """The last TRACEBACK_LINES lines / TRACEBACK_CHARS characters of exc's traceback, without the
    harness's and importlib's own frames on top (a SyntaxError keeps its file, line and caret)."""
    import importlib
    import traceback
    importlib_dir = os.path.dirname(importlib.__file__)
    tb = exc.__traceback__
    while tb is not None:
        fname = tb.tb_frame.f_code.co_filename
        if (fname != _HERE and not fname.startswith("<frozen importlib")
                and os.path.dirname(fname) != importlib_dir):
            break
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    # A huge exception message must not push the exception's type out of what is kept.
    lines = [line if len(line) <= TRACEBACK_LINE_CHARS else line[:TRACEBACK_LINE_CHARS] + "..."
             for line in text.splitlines()[-TRACEBACK_LINES:]]
    text = "\n".join(lines)
    if len(text) > TRACEBACK_CHARS:
        text = "..." + text[-TRACEBACK_CHARS:]
    return text


def _exception_line(exc):
    try:
        text = str(exc)
    except Exception:
        text = "<str() of the exception failed>"
    if len(text) > TRACEBACK_LINE_CHARS:
        text = text[:TRACEBACK_LINE_CHARS] + "..."
    return "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


# ---------------------------------------------------------------------------------------------
# Loading the workload

def load_workload(spec):
    """Loads SPEC (a .py path, or package.module:function) in this process. Raises LoadError for
    a spec that names nothing usable, and whatever importing the workload raised otherwise."""
    import importlib
    import importlib.util

    if spec.endswith(".py") or os.path.isfile(spec):
        path = os.path.abspath(spec)
        if not os.path.isfile(path):
            raise LoadError("no such file: %s" % spec)
        # The workload's directory first, as when the user runs `python job.py`: its sibling
        # modules import.
        directory = os.path.dirname(path)
        if not sys.path or sys.path[0] != directory:
            sys.path.insert(0, directory)
        mspec = importlib.util.spec_from_file_location(WORKLOAD_MODULE, path)
        if mspec is None or mspec.loader is None:
            raise LoadError("cannot import %s as a Python module" % spec)
        module = importlib.util.module_from_spec(mspec)
        sys.modules[WORKLOAD_MODULE] = module
        try:
            mspec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(WORKLOAD_MODULE, None)
            raise
        task = getattr(module, "task", None)
        name = os.path.splitext(os.path.basename(path))[0]
        if not callable(task):
            raise LoadError("%s defines no task(i) function" % spec)
    elif ":" in spec:
        modname, _, attr = spec.partition(":")
        if not modname or not attr:
            raise LoadError("a module spec is package.module:function, got %r" % spec)
        # The current directory importable, as with `python -m`: concur runs where the user is.
        cwd = os.getcwd()
        if cwd not in sys.path:
            sys.path.insert(0, cwd)
        module = importlib.import_module(modname)
        task = module
        for part in attr.split("."):
            task = getattr(task, part, None)
        if not callable(task):
            raise LoadError("%s has no callable %s" % (modname, attr))
        path = ""
        name = attr.split(".")[-1]
    else:
        raise LoadError("no such file: %s (a module is named as package.module:function)" % spec)

    tasks = getattr(module, "TASKS", DEFAULT_TASKS)
    if isinstance(tasks, bool) or not isinstance(tasks, int) or tasks < 0:
        raise LoadError("TASKS must be a non-negative int, got %r" % (tasks,))
    setup = getattr(module, "setup", None)
    if setup is not None and not callable(setup):
        raise LoadError("setup is not callable")
    is_async = _check_coroutine_contract(task, setup)
    doc = (getattr(module, "__doc__", None) or "").strip()
    description = doc.splitlines()[0].strip() if doc else ""

    wl = Workload(spec, path, name, description, tasks, task, setup, is_async)
    _state.workload = wl
    _state.task = task
    _state.call = _call_on_own_loop if is_async else _call
    return wl


# ---------------------------------------------------------------------------------------------
# Interpreter facts

def _version():
    v = sys.version_info
    text = "%d.%d.%d" % (v.major, v.minor, v.micro)
    if v.releaselevel != "final":
        level = {"alpha": "a", "beta": "b", "candidate": "rc"}.get(v.releaselevel, "")
        text += level + str(v.serial)
    return text


def _gil():
    """False on a free-threaded build running without the GIL; True on other CPython and PyPy
    builds; None for an interpreter we know nothing about."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    if is_enabled is not None:
        return bool(is_enabled())
    if sys.implementation.name in ("cpython", "pypy"):
        return True
    return None


def _interpreter():
    # sys.executable is the interpreter actually running (a pyenv shim exec's it); no realpath:
    # in a virtual environment the symlink is what makes the environment's packages visible.
    return {"executable": sys.executable, "version": _version(),
            "implementation": sys.implementation.name, "gil": _gil()}


def _gil_range():
    """(lo, hi): the address range, from /proc/self/maps, of the interpreter's static data that
    holds _PyRuntime. A thread waiting for the GIL blocks in futex on a word of the GIL's
    condition variable or mutex, which CPython 3.8-3.13 keep inside _PyRuntime (3.12 and 3.13 in
    the main interpreter state embedded there); concur's sampler tells GIL waits from other lock
    waits by that address. (None, None) where the symbol is missing (PyPy, stripped builds) or
    there is no GIL (a free-threaded build running without it). Computed once per address space
    (see _State.gil_range)."""
    if _state.gil_range is None:
        _state.gil_range = _find_gil_range()
    return _state.gil_range


def _find_gil_range():
    if sys.implementation.name != "cpython" or _gil() is not True:
        return (None, None)
    try:
        import ctypes
        addr = ctypes.addressof(ctypes.c_void_p.in_dll(ctypes.pythonapi, "_PyRuntime"))
        found = None
        with open("/proc/self/maps") as f:
            for line in f:
                fields = line.split()
                lo, hi = (int(x, 16) for x in fields[0].split("-"))
                name = fields[5] if len(fields) > 5 else ""
                if found is not None:
                    # A zero-initialised _PyRuntime (3.8-3.10) lives in .bss, whose first part
                    # may share the last file-backed page of .data and whose rest is the
                    # anonymous mapping right after it: take that one in too.
                    if found[2] and lo == found[1] and name == "" and fields[1] == found[3]:
                        return (found[0], hi)
                    break
                if lo <= addr < hi:
                    found = (lo, hi, name, fields[1])
        if found is not None:
            return (found[0], found[1])
    except Exception:
        pass
    return (None, None)


def _native_id():
    get = getattr(threading, "get_native_id", None)
    return get() if get is not None else None


def _native_threads():
    """Threads of this process that are not the interpreter's own (its main thread, the pool's
    workers, the executor's threads: every thread `threading` knows): a native library's pool,
    such as OpenBLAS's or OpenMP's. Counted from /proc/self/task at the moment of the call; None
    where it cannot be read."""
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return None
    python = set(getattr(t, "native_id", None) for t in threading.enumerate())
    # The calling thread by its id now: after a fork (the warm interpreter's), CPython 3.11 keeps
    # the main thread's native_id from before it.
    python.add(_native_id())
    return sum(1 for t in tids if int(t) not in python)


# Modules whose presence means a native thread pool may be loaded: threadpoolctl is asked only then
# (it costs about 10 ms, outside the measured window).
NATIVE_POOL_MODULES = ("numpy", "scipy", "sklearn", "torch", "numexpr", "mkl", "numba")


def _threadpools(native_threads):
    """(importable, pools): whether threadpoolctl can be imported by this interpreter, and its
    threadpool_info() (library, internal API, version, threading layer, num_threads) as this
    process sees it now; pools is None where it cannot be imported, or where no native pool was
    seen and no module that loads one is imported (then it is not asked)."""
    import importlib.util
    try:
        if importlib.util.find_spec("threadpoolctl") is None:
            return False, None
    except (ImportError, ValueError):
        return False, None
    if not native_threads and not any(m in sys.modules for m in NATIVE_POOL_MODULES):
        return True, None
    try:
        import threadpoolctl
        info = threadpoolctl.threadpool_info()
    except Exception:
        return True, None
    keys = ("user_api", "internal_api", "version", "threading_layer", "num_threads")
    return True, [{k: p.get(k) for k in keys} for p in info]


def _affinity_count():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def _io_bytes():
    """read_bytes and write_bytes of this process from /proc/self/io (None where unreadable)."""
    read_bytes = write_bytes = None
    try:
        with open("/proc/self/io", "rb") as f:
            for line in f:
                key, _, value = line.partition(b":")
                if key == b"read_bytes":
                    read_bytes = int(value)
                elif key == b"write_bytes":
                    write_bytes = int(value)
    except (OSError, ValueError):
        pass
    return read_bytes, write_bytes


def _maxrss_kb():
    try:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    except Exception:
        return None


# ---------------------------------------------------------------------------------------------
# Worker start: announce, wait to be bound, setup()

def _worker_start():
    """Runs at the start of every worker (the main thread in single mode, each pool thread, each
    pool process): `worker`, the wait for binding, setup(), `ready`. Returns the ready time.
    Raises what setup() raised."""
    pid = os.getpid()
    tid = _native_id()
    # A worker that starts on its share already (single mode pinned by the runner, a one-CPU
    # machine) has nothing to wait for: the runner may leave it where it is.
    must_wait = _state.bind and (_affinity_count() or 1) > _state.bind
    gil_lo, gil_hi = _gil_range()
    _send({"ev": "worker", "pid": pid, "tid": tid, "t": time.monotonic(),
           "gil_lo": gil_lo, "gil_hi": gil_hi})
    if must_wait:
        deadline = time.monotonic() + BIND_WAIT_S
        while (_affinity_count() or 1) > _state.bind:
            if time.monotonic() >= deadline:
                _warn("worker pid %d tid %s was not bound to %d CPU%s within %.0f s"
                      % (pid, tid, _state.bind, "" if _state.bind == 1 else "s", BIND_WAIT_S))
                break
            time.sleep(BIND_POLL_S)
    setup = _state.workload.setup
    t0 = time.monotonic()
    if _state.workload.is_async:
        _worker_loop()
    if setup is not None:
        _await_if_needed(setup())
    t1 = time.monotonic()
    _send({"ev": "ready", "pid": pid, "tid": tid, "t": t1, "setup_s": t1 - t0})
    return t1


def _thread_init():
    """ThreadPoolExecutor initializer. A failure is kept for the main process before re-raising
    it: the pool itself only reports BrokenThreadPool."""
    try:
        t = _worker_start()
    except BaseException as exc:
        with _state.lock:
            if _state.setup_error is None:
                _state.setup_error = ("setup", "setup() raised " + _exception_line(exc),
                                      _format_exception(exc))
        raise
    _state.ready_times.append(t)


def _process_init(spec, control_fd, start_method, bind, parent_pid, failure_path, loop_kind):
    """ProcessPoolExecutor initializer, first thing in every worker process."""
    _die_with_parent(parent_pid)
    _state.become_worker(bind)
    _state.loop_kind = loop_kind
    kind = "internal"
    try:
        _state.chan = _worker_channel(control_fd, start_method)
        from multiprocessing.util import Finalize
        # multiprocessing's process bootstrap runs registered finalizers as the worker exits;
        # the lowest priority runs last, after the pool's own queues are closed.
        Finalize(None, _report_exit, exitpriority=-100)
        kind = "workload"
        # A forked worker inherits it loaded. Spawn and forkserver workers re-import the harness
        # as their main module (CPython 3.8-3.13's forkserver does not preload it either) and
        # load the workload here, as a user's worker imports the job module with their main.
        if _state.workload is None:
            load_workload(spec)
        kind = "setup"
        _state.ready_unsent = _worker_start()
    except BaseException as exc:
        # The pool will only say BrokenProcessPool: leave the real reason where the main process
        # looks for it. The first failing worker wins.
        if isinstance(exc, LoadError):
            message, tb = str(exc), ""
        else:
            message = ("setup() raised " if kind == "setup" else "") + _exception_line(exc)
            tb = _format_exception(exc)
        _record_failure(failure_path, kind, message, tb)
        raise


def _worker_channel(control_fd, start_method):
    """The control channel of a worker process: CONCUR_CONTROL_PATH (the runner's FIFO) opened
    for writing, since spawn and forkserver workers do not inherit the control fd; without it,
    the fd itself where this process inherited it (fork) or where it is stderr."""
    path = os.environ.get("CONCUR_CONTROL_PATH")
    if path:
        # O_NONBLOCK: fail at once (ENXIO) instead of hanging if nobody reads the FIFO; then
        # blocking again, so that a full pipe delays a line rather than dropping it.
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        os.set_blocking(fd, True)
        return _Channel(fd)
    if control_fd is not None and (start_method == "fork" or control_fd == 2):
        return _Channel(control_fd)
    return _Channel(None)


def _set_pdeathsig():
    """PR_SET_PDEATHSIG, SIGKILL: this process dies with its parent (a worker with the harness, a
    forked run with the runner). False where it cannot be set (not Linux)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(ctypes.c_int(1), ctypes.c_ulong(9), ctypes.c_ulong(0),
                          ctypes.c_ulong(0), ctypes.c_ulong(0)) == 0
    except Exception:
        return False


def _die_with_parent(parent_pid):
    """PR_SET_PDEATHSIG: the kernel kills this worker when the process that started it dies, so
    no worker outlives the harness. Linux only; silently nothing elsewhere."""
    # A forkserver worker's parent is the forkserver, which exits when the pipe from the harness
    # closes; but every worker inherits a copy of that pipe's write end, which would keep the
    # forkserver, and so the workers, alive after the harness died. The worker never uses it
    # (a nested forkserver starts afresh without it).
    try:
        from multiprocessing import forkserver
        server = getattr(forkserver, "_forkserver", None)
        fd = getattr(server, "_forkserver_alive_fd", None)
        if fd is not None and getattr(server, "_forkserver_pid", None) is None:
            os.close(fd)
            server._forkserver_alive_fd = None
    except Exception:
        pass
    if not _set_pdeathsig():
        return
    # The parent may have died between fork and prctl.
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)


def _record_failure(path, kind, message, tb):
    # Written whole under a name of its own, then linked into place: the first worker to link
    # wins, and the file is never seen empty (a worker killed between creating the file and
    # writing it would leave a failure with no reason).
    tmp = "%s.%d" % (path, os.getpid())
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    except OSError:
        return
    try:
        try:
            os.write(fd, json.dumps({"kind": kind, "message": message, "traceback": tb}).encode())
        finally:
            os.close(fd)
        os.link(tmp, path)
    except OSError:
        pass
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _report_exit():
    read_bytes, write_bytes = _io_bytes()
    _send({"ev": "worker_exit", "pid": os.getpid(), "maxrss_kb": _maxrss_kb(),
           "read_bytes": read_bytes, "write_bytes": write_bytes,
           "native_threads": _native_threads()})


# ---------------------------------------------------------------------------------------------
# Per-task wrappers: these run once per task, so they are kept short. Each returns the task's
# real result (so the pool pays its real cost of passing it back) with the task's wall and CPU
# time, and a traceback string for a task that raised (None when it did not; "" for a later
# failure in the same process, whose traceback nobody will read).

class _DigestFull(Exception):
    """The digest has its DIGEST_BYTES: the pickler stops there."""


class _DigestSink:
    """A file for pickle.Pickler that keeps only the CRC-32 of the first DIGEST_BYTES written."""
    __slots__ = ("crc", "n")

    def __init__(self):
        self.crc = 0
        self.n = 0

    def write(self, data):
        n = self.n
        if n + len(data) >= DIGEST_BYTES:
            self.crc = _crc32(memoryview(data)[:DIGEST_BYTES - n], self.crc)
            raise _DigestFull
        self.crc = _crc32(data, self.crc)
        self.n = n + len(data)
        return len(data)


_crc32 = zlib.crc32
_dumps = pickle.dumps
_Pickler = pickle.Pickler

def _digest(r):
    """The digest of a task's result: the CRC-32 of the first DIGEST_BYTES of its pickle;
    DIGEST_NONE for None, DIGEST_UNPICKLABLE for a result that cannot be pickled (a lock, a
    generator: not compared)."""
    if r is None:
        return DIGEST_NONE
    state = _state
    try:
        if not state.digest_large:
            data = _dumps(r, DIGEST_PROTOCOL)
            if len(data) <= DIGEST_BYTES:
                return _crc32(data)
            state.digest_large = True
            return _crc32(memoryview(data)[:DIGEST_BYTES])
        sink = _DigestSink()
        try:
            _Pickler(sink, DIGEST_PROTOCOL).dump(r)
            state.digest_large = False
        except _DigestFull:
            pass
        return sink.crc
    except Exception:
        return DIGEST_UNPICKLABLE


def _failure(exc):
    if _state.tb_sent:
        return ""
    _state.tb_sent = True
    return _format_exception(exc)


def _call(i):
    """The task, timed: (result, wall_s, cpu_s, error, digest). single and threads map it as it
    is; processes map _call_in_process, which adds to it. The digest is taken after the task's
    clocks stopped, in the process that ran it (a pool's workers share its cost)."""
    w0 = time.perf_counter()
    c0 = time.thread_time()
    try:
        r = _state.task(i)
        if hasattr(r, "__await__"):
            r = _await_returned(r)
        err = None
    except Exception as exc:
        r = None
        err = _failure(exc)
    c1 = time.thread_time()
    w1 = time.perf_counter()
    return (r, w1 - w0, c1 - c0, err, DIGEST_RAISED if err is not None else _digest(r))


def _call_in_process(i):
    """processes: (result, wall_s, cpu_s, error, digest, ready_t, arg_bytes, steps); steps is a
    coroutine task's _Steps, None for a plain one. ready_t is this
    worker's ready time on its first result, None after. On sampled tasks arg_bytes is the pickled size
    of i and result is the task's result already pickled, with the pickler the pool uses; the
    main process unpickles it. The result is still pickled once, so sampling costs only copies
    of the pickled bytes."""
    out = _state.call(i)
    r, wall, cpu, err, digest = out[:5]
    state = _state
    ready = state.ready_unsent
    state.ready_unsent = None
    arg_bytes = None
    if err is None and (i < SAMPLE_FIRST or i % SAMPLE_EVERY == 0):
        try:
            r = bytes(state.pickler.dumps(r))
            arg_bytes = len(state.pickler.dumps(i))
        except Exception as exc:
            # The pool could not have sent this result back either: a failed task.
            r = None
            err = _failure(exc)
            digest = DIGEST_RAISED
    return (r, wall, cpu, err, digest, ready, arg_bytes, out[5] if len(out) > 5 else None)


# ---------------------------------------------------------------------------------------------
# Coroutine workloads: `async def task(i)` (docs/asyncio.md)
#
# Each worker (single's and asyncio's main thread, each pool thread, each pool process) has one
# event loop of its own, made on its first use and kept for every task it runs, so that what a
# task binds to its loop (a client session, a server started by the first task) keeps working.
# Each task's coroutine is driven through _Stepped, which times every step the loop gives it: the
# time the loop could run nothing else. That is how concur measures the loop being blocked.

# A step at least this long holds the loop where other coroutines were ready to run: a step of a
# well-behaved coroutine (parse a reply, send a request) takes tens of microseconds. asyncio's
# debug mode warns at 100 ms (slow_callback_duration); 1 ms already delays every other waiting
# coroutine by as much as a loopback round trip.
LOOP_BLOCK_STEP_S = 0.001
# How many of the longest steps the done line names, with their task indices.
LOOP_LONGEST = 3


def _check_coroutine_contract(task, setup):
    """Whether task is an async def (a coroutine workload). An async generator cannot be a task
    or a setup: LoadError."""
    import inspect
    for what, fn in (("task", task), ("setup", setup)):
        if fn is not None and inspect.isasyncgenfunction(fn):
            raise LoadError("%s is an async generator (async def with yield): concur awaits %s, "
                            "which must be a plain async def (or def) returning its result"
                            % (what, what))
    return inspect.iscoroutinefunction(task)


def _new_loop(kind):
    """A new event loop of kind "asyncio" or "uvloop"; LoadError where uvloop cannot be imported."""
    import asyncio
    if kind == "uvloop":
        try:
            import uvloop
        except ImportError as exc:
            raise LoadError("--loop uvloop: %s cannot import uvloop (%s): install it for that "
                            "interpreter (pip install uvloop, or apt install python3-uvloop "
                            "for Debian's python3), or leave --loop out to measure asyncio's own "
                            "loop" % (sys.executable, _exception_line(exc)))
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def _worker_loop():
    """This thread's event loop, made the first time and kept for all its tasks."""
    loop = getattr(_tls, "loop", None)
    if loop is None:
        import asyncio
        loop = _new_loop(_state.loop_kind)
        asyncio.set_event_loop(loop)
        _tls.loop = loop
    return loop


def _await_if_needed(r):
    """setup()'s result: awaited on this worker's loop when setup is an async def."""
    if hasattr(r, "__await__"):
        return _worker_loop().run_until_complete(_awaited(r))
    return r


async def _awaited(r):
    return await r


def _await_returned(r):
    """A plain `def task` returned an awaitable: it is awaited on the worker's loop, as the user
    means, and said once (docs/asyncio.md)."""
    if not _state.awaitable_warned:
        _state.awaitable_warned = True
        _warn("task is a plain def but returned %s: concur awaited it on the worker's event loop; "
              "declare it `async def task(i)` so that concur measures it as a coroutine workload "
              "(the asyncio mode included)" % type(r).__name__)
    return _worker_loop().run_until_complete(_awaited(r))


class _Steps:
    """What the loop spent on one task's steps: busy_s (every step), blocked_s (steps of at least
    LOOP_BLOCK_STEP_S), max_s (the longest), n (how many) and cpu_s (their CPU time: the task's
    own, not the other coroutines' that ran while it waited)."""
    __slots__ = ("busy_s", "blocked_s", "max_s", "n", "cpu_s")

    def __init__(self):
        self.busy_s = self.blocked_s = self.max_s = self.cpu_s = 0.0
        self.n = 0

    def __reduce__(self):
        return (_steps_from, (self.busy_s, self.blocked_s, self.max_s, self.n, self.cpu_s))


def _steps_from(busy_s, blocked_s, max_s, n, cpu_s):
    st = _Steps()
    st.busy_s, st.blocked_s, st.max_s, st.n, st.cpu_s = busy_s, blocked_s, max_s, n, cpu_s
    return st


class _Stepped:
    """Awaits a coroutine step by step, as `yield from` would, timing each step (each send or
    throw into it): what the loop's Task sees is unchanged, only the clocks are added. A step
    timer, not a heartbeat coroutine: it names the task that held the loop, costs two clock
    reads per step instead of a wake-up every interval, and works on any loop (uvloop's too),
    since it sits in the coroutine, not in the loop. It does not see the loop's own callbacks
    (transports, protocols): code that blocks there is not a task's."""
    __slots__ = ("coro", "steps")

    def __init__(self, coro, steps):
        self.coro = coro
        self.steps = steps

    def __await__(self):
        coro, st = self.coro, self.steps
        perf, cpu = time.perf_counter, time.thread_time
        value, error = None, None
        while True:
            w0, c0 = perf(), cpu()
            try:
                signal = coro.send(value) if error is None else coro.throw(error)
            except StopIteration as stop:
                _step_done(st, perf() - w0, cpu() - c0)
                return stop.value
            except BaseException:
                _step_done(st, perf() - w0, cpu() - c0)
                raise
            _step_done(st, perf() - w0, cpu() - c0)
            error = None
            try:
                value = yield signal
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:
                value, error = None, exc


def _step_done(st, wall, cpu):
    st.n += 1
    st.busy_s += wall
    st.cpu_s += cpu
    if wall >= LOOP_BLOCK_STEP_S:
        st.blocked_s += wall
    if wall > st.max_s:
        st.max_s = wall


async def _acall(i):
    """A coroutine task, timed: (result, wall_s, cpu_s, error, digest, steps). cpu_s is the CPU
    time of its own steps, so that it is the task's own when other coroutines run while it
    waits."""
    steps = _Steps()
    w0 = time.perf_counter()
    try:
        r = await _Stepped(_state.task(i), steps)
        err = None
    except Exception as exc:
        r = None
        err = _failure(_explain_nested_loop(exc))
    w1 = time.perf_counter()
    return (r, w1 - w0, steps.cpu_s, err, DIGEST_RAISED if err is not None else _digest(r), steps)


def _explain_nested_loop(exc):
    """A task that calls asyncio.run() (or run_until_complete) inside the loop concur runs it on
    gets asyncio's RuntimeError; this one says what to do instead."""
    text = str(exc)
    if isinstance(exc, RuntimeError) and ("running event loop" in text or
                                          "loop is already running" in text):
        new = RuntimeError("%s -- a nested event loop: task is an async def and runs on the "
                           "worker's event loop, so it must `await` the coroutine instead of "
                           "calling asyncio.run() or loop.run_until_complete() on it" % text)
        new.__traceback__ = exc.__traceback__
        return new
    return exc


def _call_on_own_loop(i):
    """threads and processes: a coroutine task run to its end on this worker's loop, its tasks
    one after another."""
    return _worker_loop().run_until_complete(_acall(i))


async def _in_turn(indices, add):
    """single: each task awaited after the one before, on the one loop."""
    for i in indices:
        add(await _acall(i))


async def _under_semaphore(indices, concurrency):
    """asyncio: every task started at once, at most `concurrency` of them inside at a time
    (asyncio.gather under an asyncio.Semaphore, as a user writes it). Results in task order."""
    import asyncio
    sem = asyncio.Semaphore(concurrency)

    async def one(i):
        async with sem:
            return await _acall(i)

    return await asyncio.gather(*[one(i) for i in indices])


def _cancel_pending(loop):
    """Cancels the tasks a run left pending on its loop (asyncio.run does the same) and waits for
    them to end. Returns how many there were."""
    import asyncio
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in pending:
        t.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    return len(pending)


def _call_slice_in_process(args):
    """processes x asyncio: one worker process's slice of the tasks, under a semaphore of
    `concurrency` on its own loop. A list of _call_in_process tuples, in the slice's order."""
    indices, concurrency = args
    state = _state
    outs = _worker_loop().run_until_complete(_under_semaphore(indices, concurrency))
    ready = state.ready_unsent
    state.ready_unsent = None
    return [(r, wall, cpu, err, digest, ready if k == 0 else None, None, steps)
            for k, (r, wall, cpu, err, digest, steps) in enumerate(outs)]


class _LoopTally:
    """The loop figures of a run of a coroutine workload, from its tasks' _Steps."""

    def __init__(self):
        self.busy_s = self.blocked_s = 0.0
        self.steps = 0
        self.one_step_tasks = 0
        self.longest = []        # (seconds, task index), the LOOP_LONGEST longest steps
        self.pending_cancelled = 0

    def add(self, steps, index):
        if steps is None:
            return
        self.busy_s += steps.busy_s
        self.blocked_s += steps.blocked_s
        self.steps += steps.n
        if steps.n <= 1:
            self.one_step_tasks += 1
        if len(self.longest) < LOOP_LONGEST or steps.max_s > self.longest[-1][0]:
            self.longest.append((steps.max_s, index))
            self.longest.sort(key=lambda x: -x[0])
            del self.longest[LOOP_LONGEST:]

    def fields(self, wall_s, loops, kind):
        """The done line's loop fields; loops: how many event loops shared the window."""
        window = wall_s * loops
        return {"loop": kind, "loop_steps": self.steps,
                "loop_busy_s": self.busy_s, "loop_blocked_s": self.blocked_s,
                "loop_blocked_fraction": self.blocked_s / window if window > 0 else None,
                "loop_max_step_s": self.longest[0][0] if self.longest else None,
                "loop_longest_steps": [[i, round(t, 9)] for t, i in self.longest],
                "loop_one_step_tasks": self.one_step_tasks,
                "loop_pending_cancelled": self.pending_cancelled}


# ---------------------------------------------------------------------------------------------
# Main process

class _Tally:
    """What the main process gathers from the results, kept up to date as they arrive so that
    a pool failing half-way still leaves the counts so far."""

    def __init__(self):
        self.wall = []
        self.cpu = []
        self.digest = []
        self.ok = 0
        self.failed = 0
        self.first_error = None
        self.ready = []
        self.arg_bytes = []
        self.result_bytes = []
        self.start_method = None    # processes: the one the pool used
        self.teardown = 0.0         # pools: last result in -> pool shut down
        self.native_threads = None  # single, threads: the main process's (_native_threads);
                                    # a process pool's workers report theirs in worker_exit
        self.indices = ()           # the task indices of the run, in result order
        self.loop = _LoopTally()    # a coroutine workload's loop figures
        self.cluster_start = None   # dask: the LocalCluster's start, before the window

    def add(self, out):
        self.wall.append(out[1])
        self.cpu.append(out[2])
        self.digest.append(out[4])
        if out[3] is None:
            self.ok += 1
        else:
            self.failed += 1
            if self.first_error is None and out[3]:
                self.first_error = out[3]

    def add_coroutine(self, out):
        """A coroutine task's result: (result, wall, cpu, error, digest, steps)."""
        self.add(out)
        self.loop.add(out[5], self.indices[len(self.wall) - 1])

    def add_from_process(self, out):
        self.add(out)
        if out[7] is not None:
            self.loop.add(out[7], self.indices[len(self.wall) - 1])
        if out[5] is not None:
            self.ready.append(out[5])
        if out[6] is not None:
            self.arg_bytes.append(out[6])
            self.result_bytes.append(len(out[0]))
            # The result as the user receives it: unpickled in the main process.
            _state.pickler.loads(out[0])


def _parse_args(argv):
    import argparse
    p = argparse.ArgumentParser(prog="harness.py", description="concur's measurement harness "
                                "(see docs/protocol.md)")
    p.add_argument("--probe", action="store_true")
    p.add_argument("--dask-probe", action="store_true")
    p.add_argument("--workload", metavar="SPEC")
    p.add_argument("--mode", choices=("single", "threads", "processes", "asyncio", "dask"))
    p.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    p.add_argument("--concurrency", type=int, default=0)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--tasks", type=int)
    p.add_argument("--sample-of", type=int, metavar="N")
    p.add_argument("--start-method", choices=("fork", "spawn", "forkserver"))
    p.add_argument("--chunksize", type=int, default=1)
    p.add_argument("--dask-scheduler", metavar="ADDRESS")
    p.add_argument("--dask-timeout", type=float, default=DASK_CONNECT_TIMEOUT_S, metavar="S")
    p.add_argument("--control-fd", type=int)
    p.add_argument("--go-fd", type=int)
    p.add_argument("--program", choices=("file", "module"))
    p.add_argument("--stdin", metavar="FILE")
    # A program's own arguments follow a lone --, untouched.
    program_args = []
    if "--" in argv:
        cut = argv.index("--")
        argv, program_args = argv[:cut], argv[cut + 1:]
    args = p.parse_args(argv)
    args.program_args = program_args
    if args.workload is None and not args.dask_probe:
        p.error("--workload is required")
    if not args.probe and not args.dask_probe:
        if args.mode is None:
            p.error("--mode is required without --probe")
        if args.workers < 1:
            p.error("--workers must be at least 1")
        if args.tasks is not None and args.tasks < 0:
            p.error("--tasks must not be negative")
        if args.chunksize < 1:
            p.error("--chunksize must be at least 1")
        if args.concurrency < 0 or (args.concurrency and args.mode != "processes"):
            p.error("--concurrency is a positive count, for --mode processes only")
        if args.sample_of is not None:
            if args.sample_of < 1:
                p.error("--sample-of must be at least 1")
            if args.tasks is None:
                p.error("--sample-of needs --tasks")
            if args.sample_of < args.tasks:
                p.error("--sample-of must not be less than --tasks")
    return args


def _load_or_report(spec, report):
    """load_workload, or report(error object) and exit 3."""
    try:
        return load_workload(spec)
    except LoadError as exc:
        report({"ev": "error", "kind": "workload", "message": str(exc), "traceback": ""})
    except (Exception, SystemExit) as exc:
        report({"ev": "error", "kind": "workload",
                "message": "cannot load %s: %s" % (spec, _exception_line(exc)),
                "traceback": _format_exception(exc)})
    _exit(EXIT_WORKLOAD)


def _check_loop_or_report(kind, report):
    """--loop uvloop where the interpreter cannot import it: report(error kind `loop`), exit 3."""
    try:
        _new_loop(kind).close()
    except LoadError as exc:
        report({"ev": "error", "kind": "loop", "message": str(exc), "traceback": ""})
        _exit(EXIT_WORKLOAD)


def probe(spec, loop_kind="asyncio"):
    """Probe mode: one JSON line on stdout. What the workload prints while it loads goes to
    stderr, so that stdout holds nothing but that line."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)

    def restore():
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)

    def report(obj):
        restore()
        sys.stdout.write(json.dumps(obj) + "\n")

    wl = _load_or_report(spec, report)
    _check_loop_or_report(loop_kind, report)
    obj = {"ev": "probe"}
    obj.update(_interpreter())
    obj["workload"] = {"spec": spec, "path": wl.path, "name": wl.name,
                       "description": wl.description, "tasks": wl.tasks,
                       "async": wl.is_async, "setup": wl.setup is not None}
    report(obj)
    _exit(EXIT_OK)


def probe_program(spec, kind):
    """Probe mode for a program: its interpreter, and the script or module found, without
    running it (running it is what each run does)."""
    import ast
    if kind == "module" and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())     # as `python -m` finds it
    path = os.path.abspath(spec) if kind == "file" else _program_file(spec, kind)
    if path is None or not os.path.isfile(path):
        sys.stdout.write(json.dumps({
            "ev": "error", "kind": "workload", "traceback": "",
            "message": "no such file: %s" % spec if kind == "file"
                       else "no module named %s here (run from the directory it imports from)"
                       % spec}) + "\n")
        _exit(EXIT_WORKLOAD)
    description = ""
    try:
        with open(path, "rb") as f:
            doc = ast.get_docstring(ast.parse(f.read(), path)) or ""
        description = doc.strip().splitlines()[0].strip() if doc.strip() else ""
    except (OSError, SyntaxError, ValueError):
        pass
    obj = {"ev": "probe"}
    obj.update(_interpreter())
    name = os.path.splitext(os.path.basename(spec))[0] if kind == "file" \
        else spec.split(".")[-1]
    obj["workload"] = {"spec": spec, "path": path, "name": name, "description": description,
                       "tasks": 0, "program": kind}
    sys.stdout.write(json.dumps(obj) + "\n")
    _exit(EXIT_OK)


def _fail(kind, message, tb, code, **extra):
    obj = {"ev": "error", "kind": kind, "message": message, "traceback": tb}
    obj.update(extra)
    _send(obj)
    _exit(code)


def _wait_for_go(go_fd):
    if go_fd is None:
        return
    if not os.read(go_fd, 1):
        _fail("internal", "the go fd closed before the go byte came", "", EXIT_INTERNAL)


def run(args):
    _state.main_pid = os.getpid()
    # The runner's fds stay ours: no task's child process inherits them (a grandchild holding
    # the control pipe open would keep the runner from ever seeing it close).
    for fd in (args.control_fd, args.go_fd):
        if fd is not None:
            try:
                os.set_inheritable(fd, False)
            except OSError:
                pass
    # Without --control-fd (by hand), lines go to stderr.
    control_fd = args.control_fd if args.control_fd is not None else 2
    if args.program:
        run_program_entry(args, control_fd)
    _state.chan = _Channel(control_fd)
    try:
        _state.bind = max(0, int(os.environ.get("CONCUR_BIND") or 0))
    except ValueError:
        _state.bind = 0

    _state.loop_kind = args.loop
    wl = _load_or_report(args.workload, _send)
    if wl.is_async:
        _check_loop_or_report(args.loop, _send)
    elif args.mode == "asyncio" or args.concurrency:
        _fail("workload", "%s: task is a plain def: the asyncio mode runs an `async def task(i)`; "
              "blocking code would have to become async to be measured so" % args.workload, "",
              EXIT_USAGE)
    ntasks = wl.tasks if args.tasks is None else args.tasks
    indices, sample_of = _task_indices(ntasks, args.sample_of)
    hello = {"ev": "hello", "pid": os.getpid()}
    hello.update(_interpreter())
    hello["tasks"] = ntasks
    hello["gil_lo"], hello["gil_hi"] = _gil_range()
    _send(hello)

    tally = _Tally()
    tally.indices = indices
    runner = {"single": _run_single, "threads": _run_threads,
              "processes": _run_processes, "asyncio": _run_asyncio, "dask": _run_dask}[args.mode]
    t0, t1 = runner(args, wl, indices, control_fd, tally)

    read_bytes, write_bytes = _io_bytes()
    sampled = len(tally.arg_bytes)
    tpc, pools = _threadpools(tally.native_threads)
    _send({"ev": "done", "mode": args.mode, "workers": args.workers, "tasks": ntasks,
           "sample_of": sample_of,
           "tasks_ok": tally.ok, "tasks_failed": tally.failed,
           "wall_s": t1 - t0,
           "startup_s": (max(tally.ready) - t0) if tally.ready else None,
           "first_ready_s": (min(tally.ready) - t0) if tally.ready else None,
           "teardown_s": tally.teardown,
           "first_error": tally.first_error,
           "task_wall_s": [round(x, 9) for x in tally.wall],
           "task_cpu_s": [round(x, 9) for x in tally.cpu],
           "task_digest": tally.digest,
           "pickle_arg_bytes": sum(tally.arg_bytes) / sampled if sampled else None,
           "pickle_result_bytes": sum(tally.result_bytes) / sampled if sampled else None,
           "pickle_sampled": sampled if args.mode in ("processes", "dask") else None,
           "chunksize": args.chunksize if args.mode in ("processes", "dask") else None,
           "cluster_start_s": tally.cluster_start,
           "start_method": tally.start_method,
           "native_threads": tally.native_threads, "threadpoolctl": tpc, "threadpools": pools,
           "maxrss_kb": _maxrss_kb(), "read_bytes": read_bytes, "write_bytes": write_bytes,
           **_done_loop_fields(args, wl, tally, t1 - t0)})
    _exit(EXIT_OK)


def _done_loop_fields(args, wl, tally, wall_s):
    """The done line's fields of a coroutine workload (docs/protocol.md); their values null for
    a plain one."""
    if not wl.is_async:
        return {"loop": None, "concurrency": None}
    # The loops that shared the window: one in single and asyncio, one per worker in the pools.
    loops = args.workers if args.mode in ("threads", "processes") else 1
    fields = tally.loop.fields(wall_s, loops, args.loop)
    fields["concurrency"] = (args.workers if args.mode == "asyncio" else
                             args.concurrency or 1)
    return fields


def _task_indices(ntasks, sample_of):
    """(indices, sample_of): the task indices a run executes, and the job size it samples (None
    when it runs them all). With sample_of > ntasks, the ntasks indices (j * sample_of) // ntasks
    for j in range(ntasks), spread evenly over range(sample_of); otherwise range(ntasks)."""
    if sample_of is None or sample_of <= ntasks:
        return range(ntasks), None
    return [(j * sample_of) // ntasks for j in range(ntasks)], sample_of


def _map_over_pool(executor, fn, indices, chunksize, tally, add, broken):
    """executor.map(fn, indices) as a user writes it, each result handed to add (a method of
    tally). A broken pool goes to broken(exc), which reports it and exits."""
    from concurrent.futures import BrokenExecutor
    try:
        results = executor.map(fn, indices, chunksize=chunksize)
    except BrokenExecutor as exc:
        broken(exc)
    except Exception as exc:
        # The interpreter's own pool could not take the tasks at all.
        _fail("internal", "%s.map() failed: %s" % (type(executor).__name__, _exception_line(exc)),
              _format_exception(exc), EXIT_INTERNAL)
    try:
        for out in results:
            add(out)
    except BrokenExecutor as exc:
        broken(exc)
    except Exception as exc:
        # Not a task's own exception (the wrappers catch those) but, say, a result that could not
        # be pickled: the user's map stops here, and so does this one, counting every task
        # without a result as failed.
        if tally.first_error is None:
            tally.first_error = _format_exception(exc)
        tally.failed = len(indices) - tally.ok


def _run_single(args, wl, indices, control_fd, tally):
    _send({"ev": "start", "t": time.monotonic()})
    _wait_for_go(args.go_fd)
    # The window opens where a pool would be created, so that single mode and the pools count
    # the same things (announcement and binding included).
    t0 = time.monotonic()
    try:
        tally.ready.append(_worker_start())
    except BaseException as exc:
        _fail("setup", "setup() raised " + _exception_line(exc), _format_exception(exc),
              EXIT_SETUP)
    if wl.is_async:
        # One loop, each task awaited after the one before.
        loop = _worker_loop()
        loop.run_until_complete(_in_turn(indices, tally.add_coroutine))
        t1 = time.monotonic()
        tally.loop.pending_cancelled = _cancel_pending(loop)
        return t0, t1
    add = tally.add
    for out in map(_call, indices):
        add(out)
    t1 = time.monotonic()
    tally.native_threads = _native_threads()
    return t0, t1


def _run_asyncio(args, wl, indices, control_fd, tally):
    """asyncio: one event loop on the main thread, the tasks gathered under a Semaphore of
    --workers. Setup and the loop's creation are in the window, as a pool's start is."""
    _send({"ev": "start", "t": time.monotonic()})
    _wait_for_go(args.go_fd)
    t0 = time.monotonic()
    try:
        tally.ready.append(_worker_start())
    except LoadError:
        raise
    except BaseException as exc:
        _fail("setup", "setup() raised " + _exception_line(exc), _format_exception(exc),
              EXIT_SETUP)
    loop = _worker_loop()
    for out in loop.run_until_complete(_under_semaphore(indices, args.workers)):
        tally.add_coroutine(out)
    t1 = time.monotonic()
    tally.loop.pending_cancelled = _cancel_pending(loop)
    return t0, t1


def _run_threads(args, wl, indices, control_fd, tally):
    from concurrent.futures import ThreadPoolExecutor
    _send({"ev": "start", "t": time.monotonic()})
    _wait_for_go(args.go_fd)
    t0 = time.monotonic()
    executor = ThreadPoolExecutor(max_workers=args.workers, initializer=_thread_init)

    def broken(exc):
        if _state.setup_error is not None:
            kind, message, tb = _state.setup_error
            _fail(kind, message, tb, EXIT_SETUP)
        _fail("internal", _exception_line(exc), _format_exception(exc), EXIT_INTERNAL)

    add = tally.add_coroutine if wl.is_async else tally.add
    _map_over_pool(executor, _state.call, indices, 1, tally, add, broken)
    t_last = time.monotonic()
    tally.native_threads = _native_threads()  # while the pool's threads are alive: not counted
    executor.shutdown(wait=True)
    t1 = time.monotonic()
    tally.teardown = t1 - t_last
    tally.ready.extend(_state.ready_times)
    return t0, t1


def _run_processes(args, wl, indices, control_fd, tally):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.reduction import ForkingPickler
    _state.pickler = ForkingPickler
    # Imported outside the window, so that forked workers inherit them for _die_with_parent
    # instead of each importing them on its own start-up.
    import ctypes  # noqa: F401
    import multiprocessing.forkserver  # noqa: F401

    # Without --start-method, the interpreter's own default, as the user's pool would get it.
    ctx = multiprocessing.get_context(args.start_method)
    start_method = ctx.get_start_method()
    # Where a worker whose initializer failed leaves the reason (see _process_init).
    base = os.path.dirname(os.environ.get("CONCUR_CONTROL_PATH", "")) or \
        os.environ.get("TMPDIR") or "/tmp"
    failure_path = os.path.join(base, "concur-init-failure-%d-%s"
                                % (os.getpid(), os.urandom(4).hex()))
    parent_pid = os.getpid() if start_method in ("fork", "spawn") else None
    initargs = (wl.spec if wl.path == "" else wl.path, control_fd, start_method, _state.bind,
                parent_pid, failure_path, _state.loop_kind)

    _send({"ev": "start", "t": time.monotonic()})
    _wait_for_go(args.go_fd)
    t0 = time.monotonic()
    executor = ProcessPoolExecutor(max_workers=args.workers, mp_context=ctx,
                                   initializer=_process_init, initargs=initargs)

    def broken(exc):
        # Every worker process the pool started, to read their exit status.
        processes = getattr(executor, "_processes", None) or {}
        _process_pool_broke(exc, failure_path, dict(processes))

    if args.concurrency:
        _map_slices(executor, indices, args.workers, args.concurrency, tally, broken)
    else:
        _map_over_pool(executor, _call_in_process, indices, args.chunksize, tally,
                       tally.add_from_process, broken)
    t_last = time.monotonic()
    executor.shutdown(wait=True)
    t1 = time.monotonic()
    tally.teardown = t1 - t_last
    _remove(failure_path)
    tally.start_method = start_method
    return t0, t1


def _map_slices(executor, indices, workers, concurrency, tally, broken):
    """processes x asyncio: the tasks dealt out to the workers in `workers` slices (every
    workers-th task: tasks whose cost follows their index spread evenly), each slice awaited
    under a semaphore of `concurrency` on its worker's loop; the results put back in task order.
    A slice that never came back counts its tasks as failed."""
    slices = [(list(range(len(indices)))[k::workers], concurrency) for k in range(workers)]
    slices = [(pos, c) for pos, c in slices if pos]
    got = []
    _map_over_pool(executor, _call_slice_in_process,
                   [([indices[p] for p in pos], c) for pos, c in slices], 1, tally, got.append,
                   broken)
    tally.failed = 0    # counted again below, per task (the map counted slices, keeping the error)
    placed = [None] * len(indices)
    for (pos, _c), outs in zip(slices, got):
        for p, out in zip(pos, outs):
            placed[p] = out
    for out in placed:
        if out is None:
            break
        tally.add_from_process(out)
    tally.failed += len(indices) - len(tally.wall)


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _process_pool_broke(exc, failure_path, processes):
    """BrokenProcessPool: a worker's initializer failed (it left the reason in failure_path), or
    a worker process died. Reports which, and exits."""
    import signal
    try:
        with open(failure_path) as f:
            failure = json.load(f)
    except (OSError, ValueError):
        failure = None
    _remove(failure_path)
    if failure is not None:
        code = {"setup": EXIT_SETUP, "workload": EXIT_WORKLOAD}.get(failure["kind"], EXIT_INTERNAL)
        _fail(failure["kind"], failure["message"], failure["traceback"], code)

    # The pool terminates (SIGTERM) the survivors once one died: the culprit is the process
    # that ended otherwise.
    codes = {}
    deadline = time.monotonic() + 2.0
    for pid, proc in processes.items():
        proc.join(max(0.0, deadline - time.monotonic()))
        codes[pid] = proc.exitcode
    died = {pid: c for pid, c in codes.items() if c not in (None, 0, -signal.SIGTERM)}
    if not died:
        died = {pid: c for pid, c in codes.items() if c not in (None, 0)}

    def describe(pid, c):
        if c is not None and c < 0:
            try:
                name = signal.Signals(-c).name
            except ValueError:
                name = "signal %d" % -c
            return "worker process %d was killed by %s" % (pid, name)
        return "worker process %d exited with code %s" % (pid, c)

    # The pool's own traceback is its internals; what helps is the exception, and its cause where
    # the pool attached one (a worker's traceback it received).
    text = _exception_line(exc)
    if exc.__cause__ is not None:
        text = "%s\n\nThe above was caused by:\n%s" % (str(exc.__cause__).strip(), text)
    text = text[-TRACEBACK_CHARS:]
    if died:
        pid, c = sorted(died.items())[0]
        message = "; ".join(describe(p, x) for p, x in sorted(died.items()))
        _fail("worker_died", message, text, EXIT_WORKER_DIED, pid=pid,
              exit_code=c if c is not None and c >= 0 else None,
              signal=-c if c is not None and c < 0 else None)
    _fail("worker_died", "a worker process died", text, EXIT_WORKER_DIED, pid=None,
          exit_code=None, signal=None)


# ---------------------------------------------------------------------------------------------
# Program mode: the user's own script run as __main__, the pools it creates swapped for the
# configuration under test (docs/protocol.md, "Program mode")

# The name this file is imported under in program mode. The script is __main__ there, so what a
# process pool pickles of the harness (the per-task wrappers, the worker initializer) must live
# in a module every worker can import by name: a link of this file under that name, in a
# directory put on sys.path (which spawn and forkserver workers inherit).
PROGRAM_MODULE = "concur_harness"
EXIT_PROGRAM = 10

# Modules whose frames are not the program's own: a pool's creation site, or a thread started by
# hand, is the first frame outside them.
_POOL_MACHINERY = (os.sep + "concurrent" + os.sep + "futures" + os.sep,
                   os.sep + "multiprocessing" + os.sep, os.sep + "asyncio" + os.sep)

# Executor libraries concur cannot swap: named when the program imported them.
_OTHER_EXECUTORS = ("joblib", "dask", "ray", "loky", "pathos")


class _ProgramPool:
    """One pool the program created, at one site: what it asked for, the pool that really runs
    its tasks (None in single mode: each call runs at once, in the caller's thread), and how many
    tasks it took."""

    def __init__(self, prog, kind, asked, default_asked, site, initializer, initargs, context):
        self.prog = prog
        self.kind = kind
        self.asked = asked if asked is not None else default_asked
        self.asked_default = asked is None
        self.site = site
        self.tasks = 0
        self.inner = None
        self.shut = False
        if prog.mode == "single" or not prog.here():
            # A pool made inside a process pool's worker runs its calls there, at once.
            if initializer is not None:
                initializer(*initargs)
        elif prog.mode == "threads":
            self.inner = prog.real["ThreadPoolExecutor"](
                max_workers=prog.workers, initializer=_program_thread_init,
                initargs=(initializer, tuple(initargs)))
        elif prog.mode == "processes":
            self.inner = prog.process_pool(context, initializer, initargs)
        else:
            _fail("internal", "a program's pools are swapped for single, threads or processes, "
                  "not %s" % prog.mode, "", EXIT_INTERNAL)
        prog.pools.append(self)

    def submit(self, fn, args, kwargs):
        """One call as a future the program waits on; its clocks go to the program's tally."""
        from concurrent.futures import Future
        prog = self.prog
        outer = Future()
        outer.set_running_or_notify_cancel()
        if not prog.here():
            # Inside a process pool's worker (forked with this pool in it): at once, there; the
            # call is part of the outer call's time, and the tally lives in the main process.
            ok, value = _program_timed(fn, args, kwargs)[:2]
            (outer.set_result if ok else outer.set_exception)(value)
            return outer
        slot = prog.open_slots(1)
        self.tasks += 1
        if self.inner is None:
            prog.settle(outer, slot, _program_timed(fn, args, kwargs))
            return outer
        if prog.mode == "processes":
            inner = self.inner.submit(_program_timed_in_process, fn, args, kwargs,
                                      _program_sampled(slot), False)
        else:
            inner = self.inner.submit(_program_timed, fn, args, kwargs)
        inner.add_done_callback(lambda f: prog.settle_from(f, outer, slot))
        return outer

    def map_calls(self, fn, calls, chunksize):
        """Futures for calls (a list of (args, kwargs)): one per call, or in a process pool with a
        chunksize above 1, one per chunk of calls, resolving to the list of their results."""
        if self.inner is None or self.prog.mode != "processes" or chunksize <= 1 or \
                not self.prog.here():
            return [self.submit(fn, a, k) for a, k in calls], 1
        from concurrent.futures import Future
        prog = self.prog
        futures = []
        for lo in range(0, len(calls), chunksize):
            chunk = calls[lo:lo + chunksize]
            slot = prog.open_slots(len(chunk))
            self.tasks += len(chunk)
            outer = Future()
            outer.set_running_or_notify_cancel()
            inner = self.inner.submit(_program_timed_in_process, fn, chunk, None,
                                      [_program_sampled(slot + j) for j in range(len(chunk))],
                                      True)
            inner.add_done_callback(
                lambda f, outer=outer, slot=slot: prog.settle_chunk(f, outer, slot))
            futures.append(outer)
        return futures, chunksize

    def shutdown(self, wait=True):
        if self.inner is not None and not self.shut:
            self.shut = True
            self.inner.shutdown(wait=wait)


class _ProgramRun:
    """The program's run in the main process: its clocks, its pools, every task's times in the
    order they were submitted, and what it did that concur cannot swap."""

    def __init__(self, args, real):
        self.mode = args.mode
        self.pid = os.getpid()
        self.workers = args.workers
        self.start_method = args.start_method
        self.script = args.workload
        self.kind = args.program
        self.real = real
        self.pools = []
        self.lock = threading.Lock()
        self.wall, self.cpu, self.digest, self.failed = [], [], [], []
        self.arg_bytes, self.result_bytes = [], []
        self.ready = []
        self.first_submit = None
        self.last_result = None
        self.first_error = None
        self.unswappable = {}
        self.used_start_method = None
        self.guard_checked = False

    def here(self):
        """Whether this is the program's main process (not a process pool's forked worker)."""
        return os.getpid() == self.pid

    def open_slots(self, n):
        with self.lock:
            if self.first_submit is None:
                self.first_submit = time.monotonic()
            slot = len(self.wall)
            for lst in (self.wall, self.cpu, self.digest, self.failed):
                lst.extend([None] * n)
            return slot

    def record(self, slot, out):
        """out: (ok, value, wall, cpu, digest[, ready, arg_bytes, result_bytes])."""
        with self.lock:
            self.wall[slot], self.cpu[slot], self.digest[slot] = out[2], out[3], out[4]
            self.failed[slot] = not out[0]
            self.last_result = time.monotonic()
            if not out[0] and self.first_error is None:
                self.first_error = _exception_line(out[1])
            if len(out) > 5:
                if out[5] is not None:
                    self.ready.append(out[5])
                if out[6] is not None:
                    self.arg_bytes.append(out[6])
                    self.result_bytes.append(out[7])

    def settle(self, outer, slot, out):
        self.record(slot, out)
        value = out[1]
        if len(out) > 5 and out[7] is not None and out[0]:
            value = _state.pickler.loads(value)
        if out[0]:
            outer.set_result(value)
        else:
            outer.set_exception(value)

    def settle_from(self, inner, outer, slot):
        try:
            out = inner.result()
        except BaseException as exc:
            # The pool itself failed (a worker died): the program sees what it would have seen.
            with self.lock:
                self.last_result = time.monotonic()
            outer.set_exception(exc)
            return
        self.settle(outer, slot, out)

    def settle_chunk(self, inner, outer, slot):
        try:
            outs = inner.result()
        except BaseException as exc:
            outer.set_exception(exc)
            return
        values, error = [], None
        for j, out in enumerate(outs):
            self.record(slot + j, out)
            if not out[0]:
                error = error or out[1]
            else:
                values.append(_state.pickler.loads(out[1]) if out[7] is not None else out[1])
        if error is not None:
            outer.set_exception(error)
        else:
            outer.set_result(values)

    def process_pool(self, context, initializer, initargs):
        import multiprocessing
        from multiprocessing.reduction import ForkingPickler
        _state.pickler = ForkingPickler
        # concur's --start-method, else the one the program chose, else the interpreter's own.
        if self.start_method:
            ctx = multiprocessing.get_context(self.start_method)
        elif context is not None and hasattr(context, "get_start_method"):
            ctx = context
        else:
            ctx = multiprocessing.get_context()
        method = ctx.get_start_method()
        self.used_start_method = method
        if method in ("spawn", "forkserver"):
            self.check_guard(method)
        parent_pid = os.getpid() if method in ("fork", "spawn") else None
        initargs = (_state.chan.fd if _state.chan else None, method, _state.bind, parent_pid,
                    initializer, tuple(initargs))
        return self.real["ProcessPoolExecutor"](max_workers=self.workers, mp_context=ctx,
                                                initializer=_program_process_init,
                                                initargs=initargs)

    def check_guard(self, method):
        """Under spawn and forkserver every worker imports the main script again: without the
        __main__ guard it would run the whole program anew in each worker. Said here, before
        any worker starts, instead of as a broken pool."""
        if self.guard_checked:
            return
        self.guard_checked = True
        path = _program_file(self.script, self.kind)
        if path is None or _has_main_guard(path):
            return
        _send({"ev": "error", "kind": "program",
               "message": "%s has no `if __name__ == \"__main__\":` guard: with the %s start "
                          "method every worker process imports the script again, and would run "
                          "the whole program anew; put the code that runs the program under "
                          "that guard (as multiprocessing asks), or measure with "
                          "--start-method fork" % (self.script, method),
               "traceback": ""})
        _exit(EXIT_PROGRAM)

    def saw(self, what, site):
        key = "%s (%s)" % (what, site) if site else what
        self.unswappable[key] = self.unswappable.get(key, 0) + 1

    def program_line(self, t0, t1, exit_code):
        for name in _OTHER_EXECUTORS:
            if name in sys.modules:
                self.saw("%s imported: its pools are not swapped" % name, None)
        return {"exit_code": exit_code,
                "before_s": (self.first_submit - t0) if self.first_submit is not None else None,
                "after_s": (t1 - self.last_result) if self.last_result is not None else None,
                "start_method": self.used_start_method,
                "pools": [{"kind": p.kind, "site": p.site, "asked": p.asked,
                           "asked_default": p.asked_default, "tasks": p.tasks}
                          for p in self.pools],
                "unswappable": ["%s x%d" % (k, n) if n > 1 else k
                                for k, n in sorted(self.unswappable.items())]}


_program = None     # the _ProgramRun of this process (the harness's main process only)


def _program_site():
    """file:line of the program's frame that created a pool or started a thread: the first frame
    outside this file and the pool machinery."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name != _HERE and not any(m in name for m in _POOL_MACHINERY) \
                and not name.endswith(os.sep + "threading.py"):
            path = name
            try:
                rel = os.path.relpath(name)
                if not rel.startswith(".."):
                    path = rel
            except ValueError:
                pass
            return "%s:%d" % (path, frame.f_lineno)
        frame = frame.f_back
    return "?"


def _program_sampled(slot):
    return slot < SAMPLE_FIRST or slot % SAMPLE_EVERY == 0


def _program_timed(fn, args, kwargs):
    """A call as the pool would run it, timed in the thread that runs it: (ok, value, wall_s,
    cpu_s, digest); value is what it raised when ok is False."""
    w0 = time.perf_counter()
    c0 = time.thread_time()
    try:
        r = fn(*args, **(kwargs or {}))
        ok = True
    except Exception as exc:
        r = exc
        ok = False
    c1 = time.thread_time()
    w1 = time.perf_counter()
    return (ok, r, w1 - w0, c1 - c0, _digest(r) if ok else DIGEST_RAISED)


def _program_timed_in_process(fn, args, kwargs, sampled, chunk):
    """In a worker process: _program_timed plus (ready_t, arg_bytes, result_bytes). On a sampled
    call the result comes back already pickled with the pool's own pickler, and its size and that
    of the call are measured; the main process unpickles it. chunk: args is a list of (args,
    kwargs) and sampled a list of flags, and the answer a list."""
    if chunk:
        return [_program_timed_in_process(fn, a, k, s, False) for (a, k), s in zip(args, sampled)]
    ok, r, wall, cpu, digest = _program_timed(fn, args, kwargs)
    ready = _state.ready_unsent
    _state.ready_unsent = None
    arg_bytes = result_bytes = None
    if sampled and ok:
        try:
            arg_bytes = len(_state.pickler.dumps((fn, args, kwargs)))
            r = bytes(_state.pickler.dumps(r))
            result_bytes = len(r)
        except Exception:
            arg_bytes = None
    return (ok, r, wall, cpu, digest, ready, arg_bytes, result_bytes)


def _program_thread_init(initializer, initargs):
    """A swapped thread pool's initializer: announce, wait to be bound, then the program's own."""
    _program.ready.append(_worker_start())
    if initializer is not None:
        initializer(*initargs)


def _program_process_init(control_fd, start_method, bind, parent_pid, initializer, initargs):
    """A swapped process pool's initializer, first thing in each worker process."""
    _die_with_parent(parent_pid)
    _state.become_worker(bind)
    _state.chan = _worker_channel(control_fd, start_method)
    _state.workload = _state.workload or Workload("", "", "", "", 0, None, None)
    from multiprocessing.util import Finalize
    Finalize(None, _report_exit, exitpriority=-100)
    _state.ready_unsent = _worker_start()
    if initializer is not None:
        initializer(*initargs)


def _program_file(script, kind):
    """The file of the program's main module; None where there is none."""
    if kind == "file":
        return script
    try:
        import importlib.util
        spec = importlib.util.find_spec(script)
        return spec.origin if spec is not None and spec.has_location else None
    except Exception:
        return None


def _has_main_guard(path):
    """Whether the module at path has `if __name__ == "__main__":` at its top level."""
    import ast
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError):
        return True     # not ours to judge: the program's own run will say what is wrong
    for node in tree.body:
        if isinstance(node, ast.If) and "__name__" in ast.dump(node.test) \
                and "__main__" in ast.dump(node.test):
            return True
    return False


def _swapped_classes(prog):
    """The classes that stand in for the program's pools: concurrent.futures' two executors and
    multiprocessing's Pool and ThreadPool, each creating a _ProgramPool at its call site."""
    from concurrent.futures import Executor
    cpus = os.cpu_count() or 1

    class _SwappedExecutor(Executor):
        _kind = None
        _default = None

        def __init__(self, max_workers=None, *args, **kwargs):
            # ThreadPoolExecutor(max_workers, thread_name_prefix, initializer, initargs);
            # ProcessPoolExecutor(max_workers, mp_context, initializer, initargs).
            names = ("thread_name_prefix" if self._kind == "ThreadPoolExecutor"
                     else "mp_context", "initializer", "initargs")
            given = dict(zip(names, args))
            given.update(kwargs)
            self._pool = _ProgramPool(prog, self._kind, max_workers, self._default,
                                      _program_site(), given.get("initializer"),
                                      given.get("initargs", ()), given.get("mp_context"))
            # What a program may read of the pool it made: the workers it asked for.
            self._max_workers = self._pool.asked

        def submit(*args, **kwargs):
            self, fn, args = args[0], args[1], args[2:]
            return self._pool.submit(fn, args, kwargs)

        def map(self, fn, *iterables, **kw):
            timeout, chunksize = kw.get("timeout"), kw.get("chunksize", 1)
            calls = [(a, None) for a in zip(*iterables)]
            futures, per = self._pool.map_calls(fn, calls, chunksize)
            return _program_results(futures, per > 1, timeout)

        def shutdown(self, wait=True, **kwargs):
            self._pool.shutdown(wait)

    class ThreadPoolExecutor(_SwappedExecutor):
        _kind = "ThreadPoolExecutor"
        _default = min(32, cpus + 4)

    class ProcessPoolExecutor(_SwappedExecutor):
        _kind = "ProcessPoolExecutor"
        _default = cpus

    class Pool(object):
        _kind = "multiprocessing.Pool"

        def __init__(self, processes=None, initializer=None, initargs=(), maxtasksperchild=None,
                     context=None):
            self._pool = _ProgramPool(prog, self._kind, processes, cpus, _program_site(),
                                      initializer, initargs, context)

        def _map(self, func, calls, chunksize):
            if chunksize is None:
                chunksize, extra = divmod(len(calls), prog.workers * 4)
                chunksize += 1 if extra else 0
            return self._pool.map_calls(func, calls, max(1, chunksize))

        def apply(self, func, args=(), kwds={}):
            return self.apply_async(func, args, kwds).get()

        def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
            return _ProgramAsyncResult([self._pool.submit(func, tuple(args), kwds)], False, True,
                                       callback, error_callback)

        def map_async(self, func, iterable, chunksize=None, callback=None, error_callback=None,
                      star=False):
            calls = [(tuple(a) if star else (a,), None) for a in iterable]
            futures, per = self._map(func, calls, chunksize)
            return _ProgramAsyncResult(futures, per > 1, False, callback, error_callback)

        def starmap_async(self, func, iterable, chunksize=None, callback=None,
                          error_callback=None):
            return self.map_async(func, iterable, chunksize, callback, error_callback, True)

        def map(self, func, iterable, chunksize=None):
            return self.map_async(func, iterable, chunksize).get()

        def starmap(self, func, iterable, chunksize=None):
            return self.map_async(func, iterable, chunksize, star=True).get()

        def imap(self, func, iterable, chunksize=1):
            calls = [((a,), None) for a in iterable]
            futures, per = self._map(func, calls, chunksize)
            return _program_results(futures, per > 1, None)

        imap_unordered = imap

        def close(self):
            pass

        def join(self):
            self._pool.shutdown(True)

        def terminate(self):
            self._pool.shutdown(True)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.terminate()

    class ThreadPool(Pool):
        _kind = "multiprocessing.pool.ThreadPool"

        def __init__(self, processes=None, initializer=None, initargs=()):
            self._pool = _ProgramPool(prog, self._kind, processes, cpus, _program_site(),
                                      initializer, initargs, None)

    prog = _program
    return ThreadPoolExecutor, ProcessPoolExecutor, Pool, ThreadPool


def _program_results(futures, chunked, timeout):
    """map()'s iterator over futures, flattening chunks."""
    def results():
        for f in futures:
            if chunked:
                for v in f.result(timeout):
                    yield v
            else:
                yield f.result(timeout)
    return results()


class _ProgramAsyncResult(object):
    """multiprocessing's AsyncResult over the swapped pool's futures."""

    def __init__(self, futures, chunked, single, callback, error_callback):
        self._futures = futures
        self._chunked = chunked
        self._single = single
        if callback is not None or error_callback is not None:
            self._callbacks(callback, error_callback)

    def _callbacks(self, callback, error_callback):
        """callback(value) or error_callback(exception) once every future is done, from the
        thread that finished the last one, as multiprocessing calls them from its own."""
        left = [len(self._futures)]
        lock = threading.Lock()

        def finished(_future):
            with lock:
                left[0] -= 1
                if left[0] > 0:
                    return
            try:
                value = self.get()
            except Exception as exc:
                if error_callback is not None:
                    error_callback(exc)
                return
            if callback is not None:
                callback(value)
        if not self._futures:
            left[0] = 1
            finished(None)
        for f in self._futures:
            f.add_done_callback(finished)

    def get(self, timeout=None):
        values = list(_program_results(self._futures, self._chunked, timeout))
        return values[0] if self._single else values

    def wait(self, timeout=None):
        import concurrent.futures
        concurrent.futures.wait(self._futures, timeout)

    def ready(self):
        return all(f.done() for f in self._futures)

    def successful(self):
        if not self.ready():
            raise ValueError("not ready")
        return all(f.exception() is None for f in self._futures)


def _install_swaps(prog):
    """Puts the swapped pools where the program looks them up, and watches for threads and
    processes it starts by hand. Returns the real classes."""
    import concurrent.futures
    import concurrent.futures.process
    import concurrent.futures.thread
    import multiprocessing
    import multiprocessing.context
    import multiprocessing.pool
    import multiprocessing.process
    real = {"ThreadPoolExecutor": concurrent.futures.thread.ThreadPoolExecutor,
            "ProcessPoolExecutor": concurrent.futures.process.ProcessPoolExecutor}
    prog.real = real
    tpe, ppe, pool, thread_pool = _swapped_classes(prog)
    concurrent.futures.ThreadPoolExecutor = concurrent.futures.thread.ThreadPoolExecutor = tpe
    concurrent.futures.ProcessPoolExecutor = ppe
    concurrent.futures.process.ProcessPoolExecutor = ppe
    multiprocessing.pool.Pool = pool
    multiprocessing.pool.ThreadPool = thread_pool

    def context_pool(self, processes=None, initializer=None, initargs=(),
                     maxtasksperchild=None):
        return pool(processes, initializer, initargs, maxtasksperchild, self)
    multiprocessing.context.BaseContext.Pool = context_pool
    multiprocessing.Pool = multiprocessing.context._default_context.Pool

    thread_start = threading.Thread.start
    process_start = multiprocessing.process.BaseProcess.start

    def watched_thread_start(self):
        site = _program_site()
        if _started_by_program():
            prog.saw("threading.Thread started by hand", site)
        return thread_start(self)

    def watched_process_start(self):
        site = _program_site()
        if _started_by_program():
            prog.saw("multiprocessing.Process started by hand", site)
        return process_start(self)
    threading.Thread.start = watched_thread_start
    multiprocessing.process.BaseProcess.start = watched_process_start
    return real


def _started_by_program():
    """Whether the caller of Thread.start / Process.start is the program's own code, not a pool
    (concurrent.futures, multiprocessing) or this harness."""
    name = sys._getframe(2).f_code.co_filename
    return name != _HERE and not any(m in name for m in _POOL_MACHINERY)


def _program_module_path():
    """Links this file as PROGRAM_MODULE.py in a directory of its own (the run's private one,
    which the runner removes) and puts that directory on sys.path. Returns the directory."""
    base = os.path.dirname(os.environ.get("CONCUR_CONTROL_PATH", ""))
    if not base:
        import tempfile
        base = tempfile.mkdtemp(prefix="concur-program-")
    link = os.path.join(base, PROGRAM_MODULE + ".py")
    try:
        os.symlink(os.path.abspath(_HERE), link)
    except FileExistsError:
        pass
    if base not in sys.path:
        sys.path.append(base)
    return base


def run_program_entry(args, control_fd):
    """Program mode from the harness's own main module: the work happens in this file imported
    as PROGRAM_MODULE, whose functions every worker process can import by that name."""
    _program_module_path()
    import importlib
    module = importlib.import_module(PROGRAM_MODULE)
    module.run_program(args, control_fd)


def run_program(args, control_fd):
    global _program
    _state.main_pid = os.getpid()
    _state.chan = _Channel(control_fd)
    _state.bind = os.environ.get("CONCUR_BIND") == "1"
    _state.workload = Workload(args.workload, "", "", "", 0, None, None)
    if args.stdin:
        fd = os.open(args.stdin, os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)
    hello = {"ev": "hello", "pid": os.getpid(), "tasks": 0}
    hello.update(_interpreter())
    hello["gil_lo"], hello["gil_hi"] = _gil_range()
    _send(hello)
    _program = _ProgramRun(args, None)
    _install_swaps(_program)
    _send({"ev": "start", "t": time.monotonic()})
    _wait_for_go(args.go_fd)
    t0 = time.monotonic()
    _watch_os_exit(args, t0)
    if args.mode == "single":
        _program.ready.append(_worker_start())
    exit_code, tb = _run_main(args)
    for pool in _program.pools:
        # What the interpreter's exit would do: wait for the pools the program left running.
        pool.shutdown(True)
    _end_program(args, t0, exit_code, tb)


def _end_program(args, t0, exit_code, tb):
    """The program ended with exit_code: `done`, or `error` kind program for a non-zero status.
    Never returns."""
    t1 = time.monotonic()
    line = _program.program_line(t0, t1, exit_code)
    if exit_code != 0:
        _send({"ev": "error", "kind": "program", "program": line,
               "message": "the program exited with status %d" % exit_code, "traceback": tb})
        _exit(EXIT_PROGRAM)
    _send_program_done(args, t0, t1, line)
    _exit(EXIT_OK)


def _watch_os_exit(args, t0):
    """A program that leaves with os._exit (to skip the interpreter's teardown) ends its run
    there: measured, with its status, as it would have ended. Only in the main process: a
    process pool's forked workers leave through os._exit too, untouched."""
    main_pid = os.getpid()

    def program_os_exit(code):
        if os.getpid() == main_pid:
            _end_program(args, t0, code, "")
        _os_exit(code)
    os._exit = program_os_exit


def _run_main(args):
    """Runs the program as `python SCRIPT ARGS` or `python -m MODULE ARGS` would. Returns its
    exit status and, where it ended on an exception, its traceback (also on its stderr, as
    Python prints it)."""
    import runpy
    script = args.workload
    sys.argv[:] = [script] + args.program_args
    # sys.path[0] is the harness's directory: the program's takes its place, as `python SCRIPT`
    # (the script's directory) or `python -m` (the current one) would put it there.
    first = os.path.dirname(os.path.abspath(script)) if args.program == "file" else os.getcwd()
    if sys.path:
        sys.path[0] = first
    else:
        sys.path.append(first)
    try:
        if args.program == "file":
            runpy.run_path(script, run_name="__main__")
        else:
            runpy.run_module(script, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0, ""
        if isinstance(code, int):
            return code, ""
        _stderr_line(str(code))
        return 1, ""
    except BaseException as exc:
        import traceback
        tb = _format_exception(exc)
        try:
            traceback.print_exception(type(exc), exc, exc.__traceback__)
        except Exception:
            pass
        return 1, tb
    return 0, ""


def _send_program_done(args, t0, t1, line):
    prog = _program
    n = sum(1 for w in prog.wall if w is not None)
    keep = [j for j, w in enumerate(prog.wall) if w is not None]
    failed = sum(1 for j in keep if prog.failed[j])
    sampled = len(prog.arg_bytes)
    read_bytes, write_bytes = _io_bytes()
    _send({"ev": "done", "mode": args.mode, "workers": args.workers, "tasks": n,
           "sample_of": None, "tasks_ok": n - failed, "tasks_failed": failed,
           # The program's own parts outside its pools stand where a workload's pool start-up and
           # shutdown do, so that the task phase concur judges is the part the pools run.
           "wall_s": t1 - t0, "startup_s": line["before_s"], "first_ready_s": line["before_s"],
           "teardown_s": line["after_s"] or 0.0,
           "first_error": prog.first_error,
           "task_wall_s": [round(prog.wall[j], 9) for j in keep],
           "task_cpu_s": [round(prog.cpu[j], 9) for j in keep],
           # Sorted: where the program submits from several threads (a pool inside a pool), the
           # calls' order differs from run to run; what they returned does not.
           "task_digest": sorted(prog.digest[j] for j in keep),
           "pickle_arg_bytes": sum(prog.arg_bytes) / sampled if sampled else None,
           "pickle_result_bytes": sum(prog.result_bytes) / sampled if sampled else None,
           "pickle_sampled": sampled if args.mode == "processes" else None,
           "chunksize": None, "start_method": prog.used_start_method,
           "program": line,
           "maxrss_kb": _maxrss_kb(), "read_bytes": read_bytes, "write_bytes": write_bytes})


# ---------------------------------------------------------------------------------------------
# Dask: the job on a distributed cluster (docs/dask.md)
#
# Dask's `distributed` is the engine: a LocalCluster the run starts itself (worker processes, one
# thread each, on loopback, no dashboard), or the scheduler at --dask-scheduler. The cluster is
# started before `start`, outside the window (cluster_start_s says how long it took), as a user
# keeps a cluster running across jobs; the window holds what the job pays on it: setup() once per
# worker (client.run), then client.get_executor().map over the tasks. The workers run this file's
# functions imported as the module `harness` (cloudpickle would pickle those of __main__ by value,
# with the state they use), which a LocalCluster's spawned workers import from sys.path, and
# --dask-scheduler's workers get through client.upload_file.

def _dask_import():
    """The distributed package, or an `error` of kind `dask` naming the package to install, and
    exit EXIT_DASK."""
    try:
        import distributed
        return distributed
    except Exception as exc:
        _fail("dask", "mode dask needs Dask's distributed package, which %s cannot import (%s): "
              "install %s (Debian), or use another --python" % (sys.executable,
                                                                _exception_line(exc), DASK_PACKAGE),
              "", EXIT_DASK)


def _dask_harness_module():
    """This file as the importable module `harness`, whose functions the workers run."""
    mod = sys.modules.get("harness")
    if mod is None:
        import importlib
        here = os.path.dirname(os.path.abspath(_HERE))
        if here not in sys.path:
            sys.path.insert(0, here)
        mod = importlib.import_module("harness")
    return mod


def _dask_connect(args, distributed):
    """(client, cluster): a LocalCluster of args.workers processes started here (cluster None
    for --dask-scheduler's), connected within --dask-timeout, or an `error` of kind `dask`."""
    import dask
    import logging
    # A worker that dies fails its task at once (as a process pool breaks), instead of Dask
    # retrying it on another worker; the scheduler is this process's own for a LocalCluster.
    dask.config.set({"distributed.scheduler.allowed-failures": 0})
    cluster = None
    try:
        if args.dask_scheduler:
            client = distributed.Client(args.dask_scheduler, timeout=args.dask_timeout,
                                        set_as_default=False)
            client.upload_file(os.path.abspath(_HERE))
        else:
            cluster = distributed.LocalCluster(
                n_workers=args.workers, threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None, memory_limit=0,
                silence_logs=logging.ERROR, timeout=args.dask_timeout,
                local_directory=_dask_local_directory())
            client = distributed.Client(cluster, timeout=args.dask_timeout, set_as_default=False)
    except Exception as exc:
        where = ("the Dask scheduler at %s" % args.dask_scheduler if args.dask_scheduler
                 else "a LocalCluster of %d workers" % args.workers)
        _fail("dask", "cannot connect to %s within %g s: %s"
              % (where, args.dask_timeout, _exception_line(exc)), _format_exception(exc),
              EXIT_DASK)
    return client, cluster


def _dask_local_directory():
    """Where a LocalCluster's workers keep their files: the run's private directory, which the
    runner removes after it killed them; None (Dask's own default) when run by hand."""
    path = os.environ.get("CONCUR_CONTROL_PATH")
    return os.path.join(os.path.dirname(path), "dask") if path else None


def _dask_workers(client, want):
    """The addresses of the first `want` workers of the cluster (all of a LocalCluster)."""
    workers = sorted(client.scheduler_info().get("workers", {}))
    if len(workers) < want:
        _warn("the Dask cluster has %d workers; %d were asked for" % (len(workers), want))
    return workers[:want]


def _dask_worker_init(spec, announce):
    """In each worker, once per run (client.run): the workload loaded afresh, the worker announced
    (a LocalCluster's: the runner binds its process), setup(). Returns {"pid", "host"}, or
    {"error": [kind, message, traceback]}: client.run's own exception would lose the kind."""
    import socket
    from distributed.protocol import pickle as dask_pickle
    _state.become_worker(announce and os.environ.get("CONCUR_BIND") == "1")
    _state.pickler = dask_pickle
    kind = "workload"
    try:
        _state.chan = _worker_channel(None, "spawn") if announce else _Channel(None)
        load_workload(spec)
        kind = "setup"
        _worker_start()
    except BaseException as exc:
        if isinstance(exc, LoadError):
            return {"error": ["workload", str(exc), ""]}
        message = ("setup() raised " if kind == "setup" else "") + _exception_line(exc)
        return {"error": [kind, message, _format_exception(exc)]}
    return {"pid": os.getpid(), "host": socket.gethostname()}


def _call_batch(indices):
    """dask with a batch size: several tasks in one Dask task, as chunksize does for a pool."""
    return [_call_in_process(i) for i in indices]


def _dask_setup(client, hm, spec, announce, workers):
    """setup() on every worker; an `error` (exit EXIT_SETUP or EXIT_WORKLOAD) where one failed."""
    replies = client.run(hm._dask_worker_init, spec, announce, workers=workers)
    for reply in replies.values():
        if "error" in reply:
            kind, message, tb = reply["error"]
            _fail(kind, message, tb, EXIT_SETUP if kind == "setup" else EXIT_WORKLOAD)


def _dask_map(executor, hm, indices, batch, tally):
    """executor.map over the tasks (or their batches), each result to the tally. A worker that
    died fails the run (exit EXIT_WORKER_DIED), as a broken process pool does."""
    from distributed import KilledWorker
    if batch > 1:
        items = [indices[k:k + batch] for k in range(0, len(indices), batch)]
        fn = hm._call_batch
    else:
        items, fn = indices, hm._call_in_process
    try:
        for out in executor.map(fn, items):
            for one in (out if batch > 1 else (out,)):
                tally.add_from_process(one)
    except KilledWorker as exc:
        _fail("worker_died", "a Dask worker died while it ran a task: %s" % _exception_line(exc),
              _format_exception(exc), EXIT_WORKER_DIED, pid=None, exit_code=None, signal=None)
    except Exception as exc:
        if tally.first_error is None:
            tally.first_error = _format_exception(exc)
        tally.failed = len(indices) - tally.ok


def _run_dask(args, wl, indices, control_fd, tally):
    distributed = _dask_import()
    from distributed.protocol import pickle as dask_pickle
    hm = _dask_harness_module()
    _state.pickler = dask_pickle
    t_cluster = time.monotonic()
    client, cluster = _dask_connect(args, distributed)
    local = cluster is not None
    workers = None if local else _dask_workers(client, args.workers)
    tally.cluster_start = time.monotonic() - t_cluster if local else None
    spec = wl.spec if wl.path == "" else wl.path

    _send({"ev": "start", "t": time.monotonic()})
    _wait_for_go(args.go_fd)
    t0 = time.monotonic()
    _dask_setup(client, hm, spec, local, workers)
    tally.ready.append(time.monotonic())
    executor = client.get_executor(workers=workers, pure=False)
    _dask_map(executor, hm, indices, args.chunksize, tally)
    t_last = time.monotonic()
    executor.shutdown(wait=True)
    t1 = time.monotonic()
    tally.teardown = t1 - t_last
    # The cluster is not closed: the runner kills the run's process tree, workers included, as
    # soon as the harness exits, and closing it here would only cost every run a second more.
    return t0, t1


def dask_probe(args):
    """--dask-probe: one JSON line on stdout, distributed's version and, with --dask-scheduler,
    the cluster's workers, threads and hosts (client.scheduler_info()); an `error` of kind `dask`
    and exit EXIT_DASK where distributed does not import or the scheduler does not answer."""
    saved = os.dup(1)
    os.dup2(2, 1)
    _state.chan = _Channel(saved)
    distributed = _dask_import()
    obj = {"ev": "dask", "version": distributed.__version__, "scheduler": args.dask_scheduler,
           "workers": None, "threads": None, "hosts": []}
    if args.dask_scheduler:
        client, _cluster = _dask_connect(args, distributed)
        info = client.scheduler_info().get("workers", {})
        obj["workers"] = len(info)
        obj["threads"] = sum(int(w.get("nthreads", 0)) for w in info.values())
        obj["hosts"] = sorted({w.get("host", "") for w in info.values()})
    _send(obj)
    _exit(EXIT_OK)


# ---------------------------------------------------------------------------------------------
# Zygote: runs forked from one started interpreter (docs/protocol.md, "Warm interpreter")

ZYGOTE_FDS = 5          # control, go, sync, stdout, stderr, in this order
ZYGOTE_REQUEST_MAX = 65536


def _recv_request(sock):
    """(request dict, [fds]) from the next message, or (None, []) when the runner closed its end."""
    import array
    import socket
    fds = array.array("i")
    msg, anc, _flags, _addr = sock.recvmsg(ZYGOTE_REQUEST_MAX,
                                           socket.CMSG_SPACE(ZYGOTE_FDS * fds.itemsize),
                                           getattr(socket, "MSG_CMSG_CLOEXEC", 0))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])
    if not hasattr(socket, "MSG_CMSG_CLOEXEC"):
        # PyPy's socket module lacks the flag: the same, a moment later (nothing execs here).
        for fd in fds:
            os.set_inheritable(fd, False)
    if not msg:
        for fd in fds:
            os.close(fd)
        return None, []
    return json.loads(msg.decode()), list(fds)


def zygote(fd):
    """Zygote mode: an interpreter that has imported what every run needs, and on each request
    forks. The child is the next zygote; this process becomes the run. The run stays a child of
    the runner (which started the first zygote, and is the subreaper every later one is re-parented
    to once the run before it exits), so the runner waits for it, kills its process group and reads
    its rusage exactly as for a harness it started itself. Never returns."""
    import socket
    # What every run imports: started once here instead of once per run.
    import argparse  # noqa: F401
    import concurrent.futures  # noqa: F401
    import concurrent.futures.process  # noqa: F401
    import concurrent.futures.thread  # noqa: F401
    import ctypes  # noqa: F401
    import multiprocessing  # noqa: F401
    import pickle  # noqa: F401
    import traceback  # noqa: F401
    _gil_range()
    sock = socket.socket(fileno=fd)
    sock.send(json.dumps({"ev": "zygote", "pid": os.getpid()}).encode())
    while True:
        try:
            req, fds = _recv_request(sock)
        except (OSError, ValueError):
            os._exit(0)
        if req is None:
            os._exit(0)     # the runner is gone, or done
        # The parent is checked again after the prctl: it may have died in between.
        if len(fds) != ZYGOTE_FDS or os.getppid() != req.get("ppid") or not _set_pdeathsig() \
                or os.getppid() != req.get("ppid"):
            # Not the runner's child (yet), or without the descriptors: the runner starts this
            # run itself instead.
            for f in fds:
                os.close(f)
            sock.send(json.dumps({"ev": "refused", "ppid": os.getppid(),
                                  "fds": len(fds)}).encode())
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            # The next zygote: in a process group of its own, so that killing this run's group
            # leaves it alone; the parent-death signal is cleared by fork until it becomes a run.
            for f in fds:
                os.close(f)
            try:
                os.setpgid(0, 0)
            except OSError:
                pass
            continue
        try:
            os.setpgid(pid, pid)    # both sides, so that the runner's kill never races it
        except OSError:
            pass
        sock.send(json.dumps({"ev": "forked", "run": os.getpid(), "next": pid}).encode())
        sock.close()
        _become_run(req, fds)


def _become_run(req, fds):
    """The descriptors and environment a started harness gets (docs/protocol.md), then the run.
    The run's stderr is fd 2 before anything else can fail, so that whatever goes wrong lands in
    the log file the runner names; a failure of the hand-over itself says so there and on the
    control fd, and exits EXIT_INTERNAL."""
    err = fds[4]
    ctl = None
    try:
        # Out of the way of fds 0-4 first, so that the dup2s below never clobber each other.
        high = [_dup_above(f, 5) for f in fds]
        for f in fds:
            os.close(f)
        ctl, go, sync, out, err = high
        os.dup2(err, 2)
        err = 2
        os.dup2(out, 1)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.dup2(ctl, 3)
        ctl = 3
        os.dup2(go, 4)
        # Until the runner has bound this process and attached its counters, nothing runs.
        try:
            got = os.read(sync, 1)
        except OSError:
            got = b""
        if not got:
            os._exit(126)
        # Every other descriptor goes (the zygote's socket included), as before an exec.
        for name in os.listdir("/proc/self/fd"):
            if int(name) >= 5:
                try:
                    os.close(int(name))
                except OSError:
                    pass
        for key, value in (req.get("env") or {}).items():
            os.environ[key] = value
        argv = list(req.get("argv") or [])
        sys.argv[1:] = argv
    except BaseException as exc:
        _handover_failed(exc, err, ctl)
    main(argv)
    _exit(EXIT_OK)


def _dup_above(fd, lowest):
    """A non-inheritable copy of fd numbered lowest or above. F_DUPFD and then the flag, not
    F_DUPFD_CLOEXEC: PyPy's fcntl module (7.3, Python 3.9) has no such name."""
    import fcntl
    new = fcntl.fcntl(fd, fcntl.F_DUPFD, lowest)
    os.set_inheritable(new, False)
    return new


def _handover_failed(exc, err_fd, ctl_fd):
    """A forked run could not take its descriptors: the whole traceback (the harness's own frames
    are the interesting ones) to the run's stderr, an `error` line where the control fd is
    already in place, exit EXIT_INTERNAL."""
    import traceback
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    text = text[-TRACEBACK_CHARS:]
    message = "harness: the warm interpreter could not become the run: " + _exception_line(exc)
    try:
        os.write(err_fd, ("concur %s\n%s" % (message, text)).encode())
    except OSError:
        pass
    if ctl_fd is not None:
        _Channel(ctl_fd).send({"ev": "error", "kind": "internal", "message": message,
                               "traceback": text})
    os._exit(EXIT_INTERNAL)


def _refuse_old_python(argv):
    """On an interpreter older than MIN_PYTHON: an `error` of kind `python` where the runner
    looks (stdout in probe mode, the control fd otherwise), exit 7."""
    line = json.dumps({"ev": "error", "kind": "python",
                       "message": "concur needs Python %d.%d or newer; %s is %s"
                                  % (MIN_PYTHON + (sys.executable, sys.version.split()[0])),
                       "traceback": ""}) + "\n"
    fd = 1
    if "--probe" not in argv and "--control-fd" in argv[:-1]:
        try:
            fd = int(argv[argv.index("--control-fd") + 1])
        except ValueError:
            pass
    try:
        os.write(fd, line.encode())
    except OSError:
        pass
    os._exit(EXIT_PYTHON)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if sys.version_info < MIN_PYTHON:
        _refuse_old_python(argv)
    if len(argv) == 2 and argv[0] == "--zygote":
        zygote(int(argv[1]))
    args = _parse_args(argv)
    if args.probe:
        if args.program:
            probe_program(args.workload, args.program)
        probe(args.workload, args.loop)
    if args.dask_probe:
        dask_probe(args)
    try:
        run(args)
    except SystemExit:
        raise
    except BaseException as exc:
        _fail("internal", "harness: " + _exception_line(exc), _format_exception(exc),
              EXIT_INTERNAL)


if __name__ == "__main__":
    main()
