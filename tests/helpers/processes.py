"""Run Python in a fresh interpreter and measure it (its own peak memory, not the test runner's)."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def peak_rss_mb(code: str, *args: str) -> tuple[str, float]:
    """Run `python -c code args...`; return (its stdout, its peak resident memory in MB).

    The peak is the child's own ru_maxrss (from wait4), whatever the test process holds."""
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        out = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise AssertionError(f"child failed (exit {proc.returncode}):\n{err.read()[-3000:]}")
    return out, usage.ru_maxrss / 1024
