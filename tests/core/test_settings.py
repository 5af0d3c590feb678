"""Settings fail fast and production settings pass Django's deployment checks.

Each case imports the settings in a fresh interpreter with a controlled environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/marketplace",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env={**BASE_ENV, **env}, capture_output=True, text=True, timeout=120
    )


def test_missing_secret_key_outside_debug_fails_loudly():
    result = run(
        ["-c", "import django; from django.conf import settings; settings.SECRET_KEY"],
        DJANGO_SETTINGS_MODULE="marketplace.settings",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_without_secret_key_gets_a_random_one_per_start():
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='marketplace.settings';"
        "from django.conf import settings; print(settings.SECRET_KEY)"
    )
    first = run(["-c", code], DJANGO_DEBUG="true")
    second = run(["-c", code], DJANGO_DEBUG="true")
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.strip()) >= 50
    assert first.stdout != second.stdout


def test_production_settings_pass_check_deploy():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SECRET_KEY="a-production-secret-" + "x" * 60,
        DJANGO_ALLOWED_HOSTS="market.example.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_are_secure():
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='marketplace.settings';"
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS > 0, s.ALLOWED_HOSTS)"
    )
    result = run(["-c", code], DJANGO_SECRET_KEY="k" * 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "[]"]


def test_a_replica_url_adds_the_replica_alias_mirroring_default_under_the_test_runner():
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE']='marketplace.settings';"
        "from django.conf import settings;"
        "r = settings.DATABASES.get('replica');"
        "print(json.dumps(r and {k: r[k] for k in ('HOST', 'PORT', 'NAME', 'TEST')} | "
        "{'timeout': r['OPTIONS']['connect_timeout'], 'options': r['OPTIONS'].get('options')}))"
    )
    url = "postgres://market_ro@db-replica:5433/marketplace"
    result = run(["-c", code], DJANGO_DEBUG="true", DATABASE_REPLICA_URL=url, DATABASE_REPLICA_CONNECT_TIMEOUT="3")
    assert result.returncode == 0, result.stderr
    import json

    replica = json.loads(result.stdout)
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == ("db-replica", 5433, "marketplace")
    assert replica["TEST"] == {"MIRROR": "default"}
    assert replica["timeout"] == 3
    assert "jit=off" in replica["options"]  # the primary's session settings, on the replica too
