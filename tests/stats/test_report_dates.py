"""GET /api/v1/stats/report with months outside the market's dates (issue 16): a 400, never a 500."""

from __future__ import annotations

import pytest

from apps.core.errors import PROBLEM_CONTENT_TYPE
from tests.factories import operator_user
from tests.stats.report_cells import add

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/report"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "0001-01"}, "date_from"),
        ({"date_from": "0001-01-01", "compare": "false"}, "date_from"),
        ({"date_from": "1949-09"}, "date_from"),
        ({"date_to": "9999-12"}, "date_to"),
        ({"date_from": "2000-01", "date_to": "2101-01"}, "date_to"),
    ],
)
def test_a_month_outside_the_market_range_is_a_400_problem(client_for, params, field):
    response = client_for(operator_user()).get(URL, params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["code"] == "validation_error"
    assert {(e["field"], e["code"]) for e in body["errors"]} == {(field, "date_out_of_range")}


def test_the_range_ends_are_months_of_the_report(client_for):
    add("2020-06", amount="1000.00")
    response = client_for(operator_user()).get(URL, {"date_from": "1949-10", "date_to": "2100-12", "format": "json"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["date_from"], body["date_to"]) == ("1949-10-01", "2100-12-01")
    assert body["totals"]["values"]["contract_amount"] == "1000.00"
