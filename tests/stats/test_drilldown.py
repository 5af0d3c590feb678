"""Figures traceable to contracts: every report cell's contracts_url lists contracts whose figures add up
to the cell exactly (months, quarters, years, zones, entity types, pages); who may drill down; the
contracts list's statistics filters; the dashboard's links."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.contracts.models import Contract
from apps.contracts.selectors import ZONES, market_today
from apps.stats.dims import Zone
from apps.stats.models import ContractFigures
from apps.stats.services import stats_fold_contract
from tests.factories import TEST_PASSWORD, operator_user
from tests.stats.fold_helpers import event, make_world, pay, register, signed

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/stats/report"
MEASURES = ("contract_count", "contract_amount", "technology_amount", "paid_amount")
YEAR = market_today().year - 1


@pytest.fixture
def market(settings: Any, tmp_path: Any) -> dict[str, Any]:
    world = make_world(settings, tmp_path)
    operator = operator_user()
    y, earlier = YEAR, YEAR - 1
    contracts = {
        "development": signed(world, on=f"{y}-03-02", contract_amount=Decimal("100000000.00")),
        "annulled": signed(world, on=f"{y}-03-20", contract_amount=Decimal("8000000.00")),
        "to_guangdong": signed(
            world,
            on=f"{y}-06-01",
            type="transfer",
            subtype="patent_right_transfer",
            ip_type="invention_patent",
            technology_field_code="03",
            contract_amount=Decimal("15000000.00"),
            buyer_region_code="440000",
        ),
        "to_vietnam": signed(
            world,
            on=f"{y}-09-01",
            type="consulting",
            subtype="feasibility_study",
            ip_type="none",
            technology_field_code="09",
            contract_amount=Decimal("5000000.33"),
            buyer_country_code="704",
        ),
        "from_nanning": signed(
            world,
            on=f"{y}-11-02",
            type="service",
            subtype="general_service",
            ip_type="none",
            technology_field_code="05",
            contract_amount=Decimal("3000000.00"),
            seller_region_code="450100",
            seller_entity_type_code="170",
        ),
        "earlier": signed(world, on=f"{earlier}-05-06", contract_amount=Decimal("60000000.00")),
    }
    registrations = {
        name: register(world, operator, contract, on=day)
        for (name, contract), day in zip(
            contracts.items(),
            [f"{y}-03-10", f"{y}-03-25", f"{y}-06-12", f"{y}-09-08", f"{y}-11-20", f"{earlier}-05-20"],
            strict=True,
        )
    }
    event(operator, registrations["annulled"], "annulment", on=f"{y}-05-10", note="双方协议解除")
    event(
        operator,
        registrations["to_guangdong"],
        "change",
        on=f"{y}-08-03",
        contract_amount=Decimal("12000000.00"),
        technology_amount=Decimal("9600000.00"),
        note="合同变更",
    )
    pay(world, contracts["development"], "30000000.00", on=f"{y}-04-15")
    for contract in contracts.values():
        stats_fold_contract(contract_id=contract.pk)
    return {"world": world, "operator": operator, "contracts": contracts}


@pytest.fixture
def operator_client(market: dict[str, Any], client_for: Callable[..., APIClient]) -> APIClient:
    return client_for(market["operator"])


def _drill(client: APIClient, url: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The first page's body and the results of every page (two contracts a page, to walk pages)."""
    # The test client drops a URL's query string when given data: the page size goes into the URL.
    response = client.get(f"{url}&page_size=2" if "?" in url else f"{url}?page_size=2")
    assert response.status_code == 200, response.json()
    first = body = response.json()
    results = list(body["results"])
    while body["next"]:
        response = client.get(body["next"])
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["totals"] == first["totals"]
        results += body["results"]
    return first, results


def _sums(results: list[dict[str, Any]]) -> dict[str, Any]:
    totals: dict[str, Any] = {"contract_count": 0}
    for measure in MEASURES[1:]:
        totals[measure] = str(sum((Decimal(r["figures"][measure]) for r in results), Decimal("0.00")))
    totals["contract_count"] = sum(r["figures"]["contract_count"] for r in results)
    return totals


REPORTS = [
    {"group_by": "period", "period": "month"},
    {"group_by": "period", "period": "quarter", "date_from": f"{YEAR}-02"},
    {"group_by": "period,contract_type", "period": "year"},
    {"group_by": "technology_field,buyer_zone", "date_from": f"{YEAR}-01", "date_to": f"{YEAR}-12"},
    {"group_by": "seller_zone,seller_entity_type", "period": "year"},
    {"group_by": "buyer_zone", "seller_zone": "city", "seller_entity_type": "020"},
    {"group_by": "period,buyer_area", "period": "quarter", "contract_type": "transfer,consulting"},
]


def test_every_cell_adds_up_to_its_contracts(operator_client: APIClient) -> None:
    # One market for every report (months, quarters from mid-quarter, years, zones, entity types, areas).
    for query in REPORTS:
        response = operator_client.get(REPORT, {**query, "date_to": query.get("date_to", f"{YEAR}-12")})
        assert response.status_code == 200, response.json()
        report = response.json()
        assert report["rows"], f"the market fixture fills every report here: {query}"
        for row in [*report["rows"], report["totals"]]:
            body, results = _drill(operator_client, row["contracts_url"])
            assert body["totals"] == row["values"], (query, row["key"], row["contracts_url"])
            assert _sums(results) == row["values"], (query, row["key"], row["contracts_url"])
            assert len({r["contract_id"] for r in results}) == len(results)


def test_drill_down_query_count(operator_client: APIClient, django_assert_max_num_queries: Any) -> None:
    url = f"/api/v1/stats/report/cell/contracts?date_from={YEAR}-01&date_to={YEAR}-12"
    # user, memberships (operator check), totals, page, contracts, dimensions, registration numbers.
    with django_assert_max_num_queries(7):
        body = operator_client.get(url).json()
    assert len(body["results"]) == 5


def test_a_cell_names_its_contracts_with_their_amounts(operator_client: APIClient, market: dict[str, Any]) -> None:
    # The second quarter: the annulment (May) and the payment (April) of contracts registered in March,
    # and the Guangdong transfer registered in June.
    body, results = _drill(
        operator_client, f"/api/v1/stats/report/cell/contracts?date_from={YEAR}-04&date_to={YEAR}-06"
    )
    contracts = market["contracts"]
    by_id = {r["contract_id"]: r for r in results}
    assert set(by_id) == {contracts["development"].pk, contracts["annulled"].pk, contracts["to_guangdong"].pk}
    assert by_id[contracts["development"].pk]["figures"] == {
        "contract_count": 0,
        "contract_amount": "0.00",
        "technology_amount": "0.00",
        "paid_amount": "30000000.00",
    }
    assert by_id[contracts["annulled"].pk]["figures"]["contract_count"] == -1
    assert by_id[contracts["annulled"].pk]["figures"]["contract_amount"] == "-8000000.00"
    guangdong = by_id[contracts["to_guangdong"].pk]
    assert guangdong["figures"]["contract_amount"] == "15000000.00"
    assert guangdong["cuts"]["buyer_zone"] == "domestic"
    assert guangdong["url"] == f"/api/v1/contracts/{contracts['to_guangdong'].pk}"
    assert guangdong["registration_number"]
    assert body["totals"]["contract_count"] == 0  # +1 (June) -1 (May)


def test_exact_entity_type_and_bad_input(operator_client: APIClient) -> None:
    url = "/api/v1/stats/report/cell/contracts"
    # 100 takes in the private enterprise (170) seller from Nanning; matched exactly, nothing is coded 100.
    wide = operator_client.get(url, {"seller_entity_type": "100", "date_to": f"{YEAR}-12"}).json()
    assert wide["totals"]["contract_count"] == 1
    exact = operator_client.get(url, {"seller_entity_type": "100", "exact": "seller_entity_type"}).json()
    assert exact["totals"]["contract_count"] == 0
    for params, field in [
        ({"exact": "contract_type", "contract_type": "transfer"}, "exact"),
        ({"exact": "buyer_entity_type"}, "exact"),
        ({"date_from": f"{YEAR}-05", "date_to": f"{YEAR}-04"}, "date_from"),
        ({"seller_zone": "moon"}, "seller_zone"),
        ({"month": "2025-01"}, "month"),
        ({"page_size": "0"}, "page_size"),
    ]:
        response = operator_client.get(url, params)
        assert response.status_code == 400, params
        assert response["Content-Type"].startswith("application/problem+json")
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()


def test_only_statistics_readers_drill_down(
    market: dict[str, Any], client_for: Callable[..., APIClient], api_client: APIClient
) -> None:
    url = f"/api/v1/stats/report/cell/contracts?date_from={YEAR}-01&seller_zone=city"
    # A party to every one of these contracts still may not read the statistics' drill-down.
    refused = client_for(market["world"].seller_user).get(url)
    assert refused.status_code == 403
    assert refused.json()["code"] == "statistics_not_permitted"
    assert api_client.get(url).status_code == 401


def test_contract_list_filters_by_the_statistics_cuts(operator_client: APIClient, market: dict[str, Any]) -> None:
    contracts = market["contracts"]

    def ids(**params: str) -> set[int]:
        response = operator_client.get("/api/v1/contracts", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(registered_month=f"{YEAR}-03") == {contracts["development"].pk, contracts["annulled"].pk}
    assert ids(technology_field="03,09") == {contracts["to_guangdong"].pk, contracts["to_vietnam"].pk}
    assert ids(buyer_zone="asean") == {contracts["to_vietnam"].pk}
    assert ids(seller_zone="province") == {contracts["from_nanning"].pk}
    assert ids(seller_entity_type="100") == {contracts["from_nanning"].pk}
    assert ids(seller_entity_type="020", buyer_zone="city", registered_month=f"{YEAR - 1}-05") == {
        contracts["earlier"].pk
    }
    # The zones are the statistics' zones: each filter holds exactly the contracts folded under it.
    assert set(ZONES) == {zone.value for zone in Zone}
    for zone in ZONES:
        for role in ("seller", "buyer"):
            folded = set(ContractFigures.objects.filter(**{f"{role}_zone": zone}).values_list("pk", flat=True))
            assert ids(**{f"{role}_zone": zone}) == folded, (role, zone)
    for params in ({"registered_month": "2025-13"}, {"buyer_zone": "mars"}, {"seller_entity_type": "1"}):
        response = operator_client.get("/api/v1/contracts", params)
        assert response.status_code == 400, params
        assert response.json()["errors"][0]["field"] == next(iter(params))


def test_a_party_filters_only_its_own_contracts(market: dict[str, Any], client_for: Callable[..., APIClient]) -> None:
    outsider = client_for(market["world"].outsider)
    response = outsider.get("/api/v1/contracts", {"registered_month": f"{YEAR}-03"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_dashboard_rows_open_their_contracts(market: dict[str, Any]) -> None:
    operator: Any = market["operator"]
    client = Client()
    login = client.post(
        "/stats/login/", {"username": operator.email, "password": TEST_PASSWORD, "next": "/stats/dashboard/"}
    )
    assert login.status_code == 302
    page = client.get("/stats/dashboard/", {"year": YEAR}).content.decode()
    links = [part.split('"')[0] for part in page.split('href="/stats/dashboard/contracts?')[1:]]
    assert links, "every table row links to its contracts"
    transfer = next(link for link in links if "contract_type=transfer" in link.replace("&amp;", "&"))
    query = {k: v[0] for k, v in parse_qs(urlparse("?" + transfer.replace("&amp;", "&")).query).items()}
    drilled = client.get("/stats/dashboard/contracts", query)
    assert drilled.status_code == 200
    html = drilled.content.decode()
    assert f'data-contract="{market["contracts"]["to_guangdong"].pk}"' in html
    assert html.count("data-contract=") == 1
    assert "1,200.00" in html  # 12,000,000 yuan after the change, in 万元
    assert Client().get("/stats/dashboard/contracts", query).status_code == 302  # to the login page
    assert client.get("/stats/dashboard/contracts", {"seller_zone": "moon"}).status_code == 400
    assert Contract.objects.count() == 6
