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
