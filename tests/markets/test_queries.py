"""The lists of the network, the expert pool and events: their query counts do not grow with their rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.events.services import event_create, event_register
from apps.experts.services import expert_create
from apps.markets.services import market_create
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(captured)


def test_list_query_counts_are_pinned(client_for):
    operator = operator_user()
    client = client_for(operator)
    now = timezone.now()

    def grow(n):
        for _ in range(n):
            code = f"m{grow.made}"
            market_create(actor=operator, code=code, name_zh=f"工作站{grow.made}", level="county",
                          parent_code="liuzhou", region_codes=["450223"])  # fmt: skip
            expert_create(actor=operator, name=f"专家{grow.made}", field_codes=["03", "05"], market_codes=[code],
                          affiliation_id=OrganizationFactory().pk)  # fmt: skip
            event = event_create(
                actor=operator, market_code=code, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2),
                title=f"路演{grow.made}", kind="roadshow", format="online", capacity=10,
            )  # fmt: skip
            event_register(actor=member_of(OrganizationFactory()), event=event)
            grow.made += 1

    grow.made = 0
    urls = ["/api/v1/markets", "/api/v1/experts", "/api/v1/events", "/api/v1/expert-reviews"]
    grow(1)
    client.get("/api/v1/markets")  # warm the per-process caches (content types, permissions)
    few = {url: _queries(client, url) for url in urls}
    grow(4)
    many = {url: _queries(client, url) for url in urls}
    assert many == few
    assert max(few.values()) <= 6, few
