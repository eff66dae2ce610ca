"""`check --deploy` is clean under the production settings with the environment of docs/deploy.md,
and the production settings refuse to start without their secrets."""

import datetime as dt
import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def next_year_calendar(data_dir: Path) -> None:
    """The bureau's file for next year, as docs/deploy.md asks of a production install: without it
    `check` warns (safetynet.W802) from 90 days before the year starts. A stand-in, not the
    State Council's arrangement."""
    year = dt.date.today().year + 1
    folder = data_dir / "calendar"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{year}.yaml").write_text(
        f"year: {year}\nreference: test stand-in\n"
        f"holidays:\n  - {{name: 元旦, from: {year}-01-01}}\n",
        encoding="utf-8",
    )


def prod_env(tmp_path, **extra) -> dict:
    next_year_calendar(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFETYNET_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env |= {
        "DJANGO_SETTINGS_MODULE": "safetynet.settings.prod",
        "SAFETYNET_SECRET_KEY": secrets.token_urlsafe(50),
        "SAFETYNET_ALLOWED_HOSTS": "dibao.xm.example.cn",
        "SAFETYNET_DATA_DIR": str(tmp_path),
    }
    return env | extra


def check(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_prod(tmp_path):
    result = check(prod_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("extra", "warning"),
    [
        ({"SAFETYNET_INSECURE_COOKIES": "1"}, "security.W012"),
        ({"SAFETYNET_SSL_REDIRECT": "0"}, "security.W008"),
        ({"SAFETYNET_HSTS_SECONDS": "0"}, "security.W004"),
    ],
)
def test_check_deploy_catches_a_loosened_setting(tmp_path, extra, warning):
    """The clean result above is not a check that sees nothing."""
    result = check(prod_env(tmp_path, **extra))
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SAFETYNET_SECRET_KEY", "SAFETYNET_ALLOWED_HOSTS"])
def test_prod_refuses_to_start_without(tmp_path, missing):
    env = prod_env(tmp_path)
    del env[missing]
    result = check(env)
    assert result.returncode != 0
    assert missing in result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_serves_and_logs_no_query_string(tmp_path):
    """The production server as configured (safetynet/gunicorn_conf.py) answers, and its access
    log keeps the path but not the query string, where a search puts a whole ID number."""
    port = free_port()
    log = tmp_path / "access.log"
    env = prod_env(
        tmp_path,
        SAFETYNET_BIND=f"127.0.0.1:{port}",
        SAFETYNET_WORKERS="1",
        SAFETYNET_ACCESS_LOG=str(log),
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "--config", "python:safetynet.gunicorn_conf"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    id_number = "350203193803050011"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request(
                    "GET",
                    f"/search/?q={id_number}",
                    headers={"Host": "dibao.xm.example.cn", "X-Forwarded-Proto": "https"},
                )
                response = conn.getresponse()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        assert response.status == 302  # to the login page: the server runs Django, over "HTTPS"
        assert response.getheader("Location").startswith("/login/")
        assert "no-store" in response.getheader("Cache-Control")
        assert "max-age=31536000" in response.getheader("Strict-Transport-Security")
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert '"GET /search/ HTTP/1.1" 302' in text
    assert id_number not in text and "q=" not in text
    assert "Listening at" not in text  # the error log stays apart


@pytest.mark.parametrize("script", ["serve-demo.sh", "serve-prod.sh"])
def test_the_worker_runs_without_autoreload(script):
    """db_worker reloads by default under DEBUG (the demo's settings): a reload kills a dispatch."""
    lines = [
        line for line in (ROOT / "scripts" / script).read_text().splitlines() if "db_worker" in line
    ]
    commands = [line for line in lines if not line.lstrip().startswith("#")]
    assert commands and all("--no-reload" in line for line in commands)
