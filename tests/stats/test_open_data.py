"""Open data: GET /api/v1/open-data/market-figures, anonymous; small cells withheld (primary and secondary
suppression); cached in Redis (failing open) and by clients (ETag, Last-Modified, 304)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.contracts.selectors import market_today
from apps.stats.open_data import OpenCell, suppress
from apps.stats.services import stats_fold_contract
from tests.factories import operator_user
from tests.smtp_sink import free_port
from tests.stats.fold_helpers import make_world, registered

pytestmark = pytest.mark.django_db

URL = "/api/v1/open-data/market-figures"
YEAR = market_today().year - 1


def cell(key: str, contracts: int, amount: str = "100.00") -> OpenCell:
    made = OpenCell(key, contract_count=contracts, contract_amount=Decimal(amount))
    made.contributors = {hash((key, n)) for n in range(contracts)}
    return made


def test_suppression_rules() -> None:
    total = cell("total", 12)
    # One cell under the threshold: the smallest of the others is withheld with it.
    cells = [cell("a", 1), cell("b", 5), cell("c", 4), cell("d", 2, "50.00")]
    suppress(total, cells, 3)
    assert [c.suppressed for c in cells] == [True, False, False, True]  # a (1) and d (2): three contracts
    cells = [cell("a", 1), cell("b", 5), cell("c", 4)]
    suppress(total, cells, 3)
    assert [c.suppressed for c in cells] == [True, False, True]  # a alone would be total - b - c
    cells = [cell("a", 3), cell("b", 9)]
    suppress(total, cells, 3)
    assert [c.suppressed for c in cells] == [False, False]
    small = cell("total", 2)
    cells = [cell("a", 1), cell("b", 1)]
    suppress(small, cells, 3)
    assert small.suppressed and all(c.suppressed for c in cells)


@pytest.fixture
def market(settings: Any, tmp_path: Any) -> dict[str, Any]:
    world = make_world(settings, tmp_path)
    operator = operator_user()
    made = [
        registered(world, operator, on=f"{YEAR}-01-10", contract_amount=Decimal("1000000.00")),
        registered(world, operator, on=f"{YEAR}-01-20", contract_amount=Decimal("2000000.00")),
        registered(world, operator, on=f"{YEAR}-02-10", contract_amount=Decimal("3000000.00")),
        registered(
            world,
            operator,
            on=f"{YEAR}-03-10",
            type="transfer",
            subtype="patent_right_transfer",
            ip_type="invention_patent",
            technology_field_code="03",
            contract_amount=Decimal("7777777.77"),
        ),
    ]
    for registration in made:
        stats_fold_contract(contract_id=registration.contract_id)
    return {"world": world, "operator": operator}


def test_figures_with_small_cells_withheld(api_client: APIClient, market: dict[str, Any]) -> None:
    response = api_client.get(URL, {"year": YEAR})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["min_contracts"] == 3
    assert body["total"] == {
        "key": str(YEAR),
        "name_zh": "",
        "name_en": "",
        "contract_count": 4,
        "contract_amount": "13777777.77",
        "technology_amount": body["total"]["technology_amount"],
        "suppressed": False,
    }
    # The lone transfer would reveal its amount; development alone would then be total minus nothing else.
    types = {c["key"]: c for c in body["by_contract_type"]}
    assert types["transfer"]["suppressed"] and types["development"]["suppressed"]
    assert types["transfer"]["contract_amount"] is None
    assert (types["development"]["contract_count"], types["development"]["name_zh"]) == (3, "技术开发")
    assert all(c["suppressed"] for c in body["by_month"])  # two, one and one contract a month
    assert [c["key"] for c in body["by_month"]] == [f"{YEAR}-01", f"{YEAR}-02", f"{YEAR}-03"]
    assert all(c["suppressed"] for c in body["by_technology_field"])
    assert "7777777.77" not in response.content.decode()
    assert "min_contracts" in body["suppression_rule"]


def test_amounts_published_where_enough_contracts(api_client: APIClient, market: dict[str, Any], settings: Any) -> None:
    settings.OPEN_DATA_MIN_CONTRACTS = 1
    body = api_client.get(URL, {"year": YEAR}).json()
    types = {c["key"]: c for c in body["by_contract_type"]}
    assert types["transfer"]["contract_amount"] == "7777777.77"
    assert types["development"]["contract_amount"] == "6000000.00"
    # The published figures are the report's.
    report = APIClient()
    report.force_authenticate(market["operator"])
    totals = report.get(
        "/api/v1/stats/report", {"group_by": "", "date_from": f"{YEAR}-01", "date_to": f"{YEAR}-12"}
    ).json()["totals"]["values"]
    assert body["total"]["contract_amount"] == totals["contract_amount"]
    assert body["total"]["technology_amount"] == totals["technology_amount"]


def test_http_caching_and_the_redis_cache(
    api_client: APIClient, market: dict[str, Any], settings: Any, client_for: Callable[..., APIClient]
) -> None:
    first = api_client.get(URL, {"year": YEAR})
    assert first.status_code == 200
    assert first["Cache-Control"] == f"public, max-age={settings.OPEN_DATA_MAX_AGE_SECONDS}"
    assert first["ETag"] and first["Last-Modified"]
    assert api_client.get(URL, {"year": YEAR}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert api_client.get(URL, {"year": YEAR}, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert api_client.get(URL, {"year": YEAR}, HTTP_IF_NONE_MATCH='"other"').status_code == 200

    # A new registration: Redis still serves the cached figures until they expire (here: are cleared).
    world, operator = market["world"], market["operator"]
    late = registered(world, operator, on=f"{YEAR}-04-10", contract_amount=Decimal("500000.00"))
    stats_fold_contract(contract_id=late.contract_id)
    assert api_client.get(URL, {"year": YEAR}).json()["total"]["contract_count"] == 4
    cache.clear()
    fresh = api_client.get(URL, {"year": YEAR}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200
    assert fresh.json()["total"]["contract_count"] == 5
    assert fresh["ETag"] != first["ETag"]


def test_with_redis_down_the_figures_are_computed(
    api_client: APIClient, market: dict[str, Any], settings: Any, monkeypatch: Any
) -> None:
    from apps.accounts import throttles

    monkeypatch.setattr(throttles, "_state", {"skip_until": 0.0, "logged_at": float("-inf"), "unlogged": 0})
    monkeypatch.setattr(throttles, "_counts", throttles.Counter())
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    response = api_client.get(URL, {"year": YEAR})
    assert response.status_code == 200
    assert response.json()["total"]["contract_count"] == 4


def test_bad_year_and_rate_limit(
    api_client: APIClient, market: dict[str, Any], throttle_rates: Callable[..., None]
) -> None:
    assert api_client.get(URL, {"year": "1900"}).status_code == 400
    assert api_client.get(URL, {"year": "二〇二五"}).status_code == 400
    assert api_client.get(URL).status_code == 200  # this year: nothing registered yet, counts 0
    throttle_rates(anon="2/min")
    cache.clear()
    assert [api_client.get(URL, {"year": YEAR}).status_code for _ in range(3)] == [200, 200, 429]
