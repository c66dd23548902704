"""Waiting on child processes: subprocess.run of a short command, as a job driving a tool does."""
import subprocess

TASKS = 16


def task(i):
    return subprocess.run(["sleep", "0.03"], check=True).returncode
