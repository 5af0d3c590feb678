"""Cross-border statistics by country: ASEAN inflow and outflow per country in the report API, its
exports and the dashboard; the statistics stay the operator's."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.factories import OrganizationFactory, member_of, operator_user
from tests.stats.report_cells import add
from tests.stats.test_dashboard import logged_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/report"
CHINA = "city,province,domestic"
INFLOW = {"group_by": "seller_area", "seller_zone": "asean", "buyer_zone": CHINA, "date_from": "2025-01"}


@pytest.fixture
def operator():
    return operator_user()


@pytest.fixture
def cross_border(db) -> None:
    # Inflow: Liuzhou buyers acquiring from Viet Nam (twice) and Thailand; outflow: a Liuzhou seller to Malaysia.
    add("2025-02", amount="1000000", seller_zone="asean", seller_area="704", seller_entity_type="300")
    add("2025-05", amount="500000", seller_zone="asean", seller_area="704", seller_entity_type="300")
    add("2025-06", amount="2000000", seller_zone="asean", seller_area="764", seller_entity_type="300")
    add("2025-06", amount="800000", buyer_zone="asean", buyer_area="458", buyer_entity_type="300")
    # Beyond ASEAN: not counted in either.
    add("2025-06", amount="9000000", seller_zone="abroad", seller_area="276", seller_entity_type="300")


def test_inflow_and_outflow_by_country(client_for, operator, cross_border):
    client = client_for(operator)
    inflow = client.get(URL, {**INFLOW, "date_to": "2025-12", "compare": "false"})
    assert inflow.status_code == 200, inflow.json()
    rows = {row["key"]["seller_area"]: row for row in inflow.json()["rows"]}
    assert set(rows) == {"704", "764"}
    assert rows["704"]["values"]["contract_count"] == 2
    assert rows["704"]["values"]["contract_amount"] == "1500000.00"
    assert rows["764"]["labels"]["seller_area"] == "泰国"
    outflow = client.get(
        URL,
        {
            "group_by": "buyer_area",
            "buyer_zone": "asean",
            "seller_zone": CHINA,
            "date_from": "2025-01",
            "date_to": "2025-12",
        },
    ).json()
    assert [(row["key"]["buyer_area"], row["values"]["contract_amount"]) for row in outflow["rows"]] == [
        ("458", "800000.00")
    ]
    # One country alone, by its numeric code.
    vietnam = client.get(URL, {**INFLOW, "date_to": "2025-12", "seller_area": "704", "group_by": ""}).json()
    assert vietnam["totals"]["values"]["contract_amount"] == "1500000.00"
    # In English the countries have English names.
    english = client.get(URL, {**INFLOW, "date_to": "2025-12"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert {row["labels"]["seller_area"] for row in english["rows"]} == {"Vietnam", "Thailand"}


def test_exports_by_country(client_for, operator, cross_border):
    client = client_for(operator)
    response = client.get(URL, {**INFLOW, "date_to": "2025-12", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = {str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None}
    assert {"越南", "泰国"} <= cells
    assert "德国" not in cells


def test_the_dashboard_shows_asean_by_country(operator, cross_border):
    page = logged_in(operator).get("/stats/dashboard/", {"year": "2025"}).content.decode()
    section = page[page.index('id="h-asean"') :]
    section = section[: section.index("</section>")]
    assert "越南" in section and "泰国" in section and "马来西亚" in section
    assert "德国" not in section


def test_enterprises_get_no_statistics(client_for, cross_border):
    enterprise_user = member_of(OrganizationFactory(name="Hanoi Heat Treatment Technology JSC"))
    assert client_for(enterprise_user).get(URL, INFLOW).status_code == 403
