"""Run `safetynet …` in a real subprocess against the database the test uses (SQLite file or
the PostgreSQL test database), for the tests that kill a command mid-run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).parents[2]
EXE = Path(sys.executable).parent / "safetynet"


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    user, password = s.get("USER") or "", s.get("PASSWORD") or ""
    host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
    return f"postgres://{user}:{password}@{host}:{port}/{s['NAME']}"


def command_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "safetynet.settings.test",
        "DATABASE_URL": database_url(),
        "SAFETYNET_DATA_DIR": str(data_dir),
        "SAFETYNET_PAYROLL_DIR": str(data_dir / "payroll"),
        **extra,
    }
    return env


def stopped(pid: int) -> bool:
    """Whether the process is stopped (state T in /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()[0] == "T"


def wait_until_stopped(proc, what: str) -> None:
    """Poll until a command stopped itself at its fault-injection checkpoint `what` (no timing
    asserted); fails the test if it ended before, or never got there."""
    import time

    import pytest

    for _ in range(3000):
        if proc.poll() is not None:
            pytest.fail(f"the command ended before {what}: {proc.stderr.read()}")
        if stopped(proc.pid):
            return
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"{what} never reached")
