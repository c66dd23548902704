"""Waiting on a child process: each task runs `sleep 0.04` and waits for it to exit.

Stands for jobs that shell out to a command (a compiler, ffmpeg, git) and wait. While the child
runs, the Python thread sits in waitpid() with the GIL released, so threads overlap the waits; the
fork/exec of each child costs some CPU in the parent, which shows up at high worker counts.
"""
import subprocess

# 24 tasks of ~45 ms (40 ms of sleep plus starting the child): about 1.1 s for one pass.
TASKS = 24

COMMAND = ["sleep", "0.04"]


def task(i):
    subprocess.run(COMMAND, check=True, stdin=subprocess.DEVNULL)
    return i
