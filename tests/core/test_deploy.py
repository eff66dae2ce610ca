"""`check --deploy` is clean under the production settings with the environment of docs/deploy.md,
and the production settings refuse to start without their secrets."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def prod_env(tmp_path, **extra) -> dict:
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
