"""One time zone and one timestamp format on every log line: UTC, ISO 8601, milliseconds, offset.

Django ran with the process time zone set to TIME_ZONE (Asia/Shanghai) and stamped lines without an
offset; gunicorn's master used the machine's zone; the dev launcher the local one. Now each writes
``2026-12-07T20:00:53.123+00:00`` (marketplace/log_format.py).
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings

from marketplace.gunicorn_logging import GunicornLogger
from marketplace.log_format import JSONFormatter, TextFormatter
from tests.workers import celery_workers

STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")
# 2026-12-07 20:00:53.250 UTC, 2026-12-08 04:00:53 in Asia/Shanghai.
CREATED = 1796673653.25


def _record(name: str = "apps.test") -> logging.LogRecord:
    record = logging.LogRecord(name, logging.INFO, __file__, 1, "签约 %s", ("完成",), None)
    record.created = CREATED
    record.correlation_id = "abc"
    record.celery_parent_id = None
    return record


def test_the_process_runs_in_the_market_zone_but_logs_in_utc():
    assert time.strftime("%z", time.localtime(CREATED)) == "+0800"  # Django set TZ from TIME_ZONE
    formatters = settings.LOGGING["formatters"]
    assert formatters["text"]["()"] == "marketplace.log_format.TextFormatter"
    assert formatters["json"]["()"] == "marketplace.log_format.JSONFormatter"

    text = TextFormatter(formatters["text"]["fmt"]).format(_record())
    assert text == "2026-12-07T20:00:53.250+00:00 INFO [abc] apps.test: 签约 完成"

    options = {k: v for k, v in formatters["json"].items() if k != "()"}
    line = json.loads(JSONFormatter(**options).format(_record()))
    assert line["time"] == "2026-12-07T20:00:53.250+00:00"
    assert (line["level"], line["request_id"], line["message"]) == ("INFO", "abc", "签约 完成")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_gunicorn_lines_and_access_lines_use_the_same_stamp(monkeypatch, log_format):
    from gunicorn.config import Config

    monkeypatch.setenv("LOG_FORMAT", log_format)
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", "%(t)s %(r)s %(s)s")
    logger = GunicornLogger(config)
    out = io.StringIO()
    for log in (logger.error_log, logger.access_log):
        for handler in log.handlers:
            if getattr(handler, "_gunicorn", False):  # not pytest's capturing handlers
                handler.setStream(out)  # type: ignore[attr-defined]
    logger.info("Booting worker with pid: %s", 42)
    logger.access_log.info("%(t)s GET / 200", {"t": logger.now()})
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    for line in lines:
        stamp = json.loads(line)["time"] if log_format == "json" else line.split(" ", 1)[0]
        assert STAMP.fullmatch(stamp), line
    assert STAMP.search(logger.now())


@pytest.mark.celery_worker
@pytest.mark.timeout(120)
@pytest.mark.django_db
def test_a_worker_log_line_is_stamped_in_utc(settings, tmp_path: Path):
    from marketplace.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    queue = f"logformat-{os.getpid()}"
    log = tmp_path / "worker.log"
    with celery_workers(queues=[queue], name="logformat", logs=[log], env={"LOG_FORMAT": "text"}):
        app.send_task("core.idempotency_purge", queue=queue).get(timeout=90)
    lines = [line for line in log.read_text(errors="replace").splitlines() if " INFO " in line]
    done = [line for line in lines if "core.idempotency_purge" in line and "succeeded" in line]
    assert done, log.read_text(errors="replace")[-3000:]
    assert all(STAMP.match(line) for line in lines), lines
