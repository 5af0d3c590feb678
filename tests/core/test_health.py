import logging

import pytest
from django.db import connection

from apps.core import health

pytestmark = pytest.mark.django_db


def test_healthz_is_alive_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_redis_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "redis", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_fails_when_the_database_is_unreachable(client, settings, monkeypatch):
    # Point the live connection at a port where nothing listens: a real failed connection, not a mock.
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    try:
        response = client.get("/readyz")
    finally:
        connection.close()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["redis"]["ok"] is True


def test_readyz_fails_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False


def test_checks_are_named():
    assert set(health.CHECKS) == {"database", "redis", "broker"}


def test_an_unready_probe_is_a_warning_with_retry_after_not_an_error(client, settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    with caplog.at_level(logging.INFO):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert [r.levelname for r in caplog.records if r.levelno >= logging.ERROR] == []
    warnings = [r.getMessage() for r in caplog.records if r.name == "apps.core.health"]
    assert warnings == ["not ready: redis (ConnectionError)"]
