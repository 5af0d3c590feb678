"""Django's Redis cache (real Redis) and which throttle counts which request."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache

from tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db


def test_cache_round_trips_chinese_values_through_redis():
    cache.set("pooled:key", {"名称": "柳州"}, 30)
    assert cache.get("pooled:key") == {"名称": "柳州"}
    cache.set("pooled:n", 1, 30)
    assert cache.incr("pooled:n") == 2


def test_cache_client_shared_by_threads():
    errors = []

    def work(n):
        try:
            for i in range(50):
                cache.set(f"pooled:t{n}:{i}", i, 30)
                assert cache.get(f"pooled:t{n}:{i}") == i
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_anonymous_requests_count_against_the_anon_rate_only(api_client, throttle_rates):
    throttle_rates(anon="3/min", user="1/min")
    codes = [api_client.get("/api/v1/achievements").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_signed_in_requests_count_against_the_user_rate(client_for, throttle_rates):
    throttle_rates(anon="1/min", user="2/min")
    client = client_for(member_of(OrganizationFactory()))
    codes = [client.get("/api/v1/achievements").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
