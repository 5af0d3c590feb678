"""GET /api/v1/stats/report: JSON shape and units, filters from the query string, bad input, access."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from apps.accounts.models import ApiKey
from apps.core.errors import PROBLEM_CONTENT_TYPE
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.stats.report_cells import add

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/report"


@pytest.fixture
def operator_client(client_for):
    return client_for(operator_user())


@pytest.fixture
def market():
    # Liuzhou's 2020 turnover, 645.1 亿元, in one month; and a licence bought from Guangdong.
    add("2020-06", amount="64510000000.00", technology="60000000000.00", paid="50.00")
    add(
        "2021-06",
        amount="12345678.90",
        contract_type="licence",
        technology_field="03",
        seller_area="440300",
        seller_zone="domestic",
    )
    add("2021-07", amount="64510000000.00", count=2)


def test_report_in_yuan_with_wan_and_yi_display(operator_client, market):
    response = operator_client.get(URL, {"group_by": "period", "date_from": "2020-01", "date_to": "2021-12"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["grain"] == 1
    assert body["grain_name"] == "headline"
    assert (body["period"], body["group_by"], body["compare"]) == ("year", ["period"], True)
    assert (body["date_from"], body["date_to"]) == ("2020-01-01", "2021-12-01")
    first, second = body["rows"]
    assert first["key"] == {"period": "2020"}
    assert first["values"] == {
        "contract_count": 1,
        "contract_amount": "64510000000.00",
        "technology_amount": "60000000000.00",
        "paid_amount": "50.00",
    }
    assert first["values_yi"] == {"contract_amount": "645.10", "technology_amount": "600.00", "paid_amount": "0.00"}
    # 50 yuan is 0.005 万元: half up.
    assert first["values_wan"] == {
        "contract_amount": "6451000.00",
        "technology_amount": "6000000.00",
        "paid_amount": "0.01",
    }
    assert first["previous"]["contract_count"] == 0
    assert first["growth"]["contract_amount"] is None
    assert second["values"]["contract_count"] == 3
    assert second["values"]["contract_amount"] == "64522345678.90"
    assert second["values_yi"]["contract_amount"] == "645.22"
    assert second["growth"] == {
        "contract_count": "2.0000",
        "contract_amount": "0.0002",
        "technology_amount": "0.0754",
        "paid_amount": "-1.0000",
    }
    assert body["totals"]["key"] == {} and body["totals"]["values"]["contract_count"] == 4
    assert body["totals"]["values_yi"]["contract_amount"] == "1290.32"


def test_filters_from_the_query_string_and_labels_in_the_request_language(operator_client, market):
    params = {
        "group_by": "contract_type,seller_area,technology_field",
        "contract_type": "licence,transfer",
        "seller_area": "44",
        "date_from": "2021-01-01",
        "date_to": "2021-12-31",
        "compare": "false",
    }
    response = operator_client.get(URL, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["grain"] == 0
    assert body["filters"] == {"contract_type": ["licence", "transfer"], "seller_area": ["44"]}
    (row,) = body["rows"]
    assert row["key"] == {"contract_type": "licence", "seller_area": "440300", "technology_field": "03"}
    assert row["labels"]["technology_field"] == "Advanced manufacturing"
    assert row["labels"]["contract_type"] == "technology licence"
    assert row["previous"] is None and row["growth"] is None
    assert body["columns"]["technology_field"] == "technology field"

    zh = operator_client.get(URL, params, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert zh["rows"][0]["labels"]["technology_field"] == "先进制造"
    assert zh["rows"][0]["labels"]["seller_area"] == "广东省 440300"

    # A repeated parameter is one list; a blank one is no filter.
    repeated = operator_client.get(
        URL + "?group_by=&compare=false&date_to=2021-12&contract_type=licence&contract_type=development&broker="
    )
    assert repeated.status_code == 200
    assert repeated.json()["filters"] == {"contract_type": ["licence", "development"]}
    assert repeated.json()["totals"]["values"]["contract_count"] == 4


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"group_by": "period,colour"}, "group_by", "unknown_dimension"),
        ({"period": "week"}, "period", "validation_error"),
        ({"date_from": "2025-13"}, "date_from", "validation_error"),
        ({"date_to": "2025/01"}, "date_to", "validation_error"),
        ({"date_to": "2025-02-30"}, "date_to", "validation_error"),
        ({"date_from": "2025-06", "date_to": "2025-05"}, "date_from", "bad_date_range"),
        ({"contract_type": "lease"}, "contract_type", "bad_filter_value"),
        ({"seller_area": "4502001"}, "seller_area", "bad_filter_value"),
        ({"broker": "王"}, "broker", "bad_filter_value"),
        ({"buyer_zone": "city,mars"}, "buyer_zone", "bad_filter_value"),
        ({"compare": "perhaps"}, "compare", "validation_error"),
        ({"format": "pdf"}, "format", "validation_error"),
        ({"colour": "red"}, "colour", "validation_error"),
    ],
)
def test_bad_input_is_a_400_problem(operator_client, params, field, code):
    response = operator_client.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["code"] == code
    assert body["status"] == 400
    assert body["type"] == f"urn:marketplace:problem:{code}"
    assert field in {error["field"] for error in body["errors"]}
    if field == "colour":
        assert body["errors"][0]["code"] == "unknown_parameter"


def test_anonymous_is_401(api_client):
    response = api_client.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_enterprise_user_is_refused_even_with_bad_input(client_for):
    client = client_for(member_of(OrganizationFactory()))
    for params in ({}, {"group_by": "colour"}):
        response = client.get(URL, params)
        assert response.status_code == 403
        assert response.json()["code"] == "statistics_not_permitted"


def test_an_api_key_needs_the_view_permission(client_for, market):
    organization = OrganizationFactory(name="广西科技厅统计平台")
    admin = member_of(organization)
    created = client_for(admin).post(
        f"/api/v1/organizations/{organization.pk}/api-keys", {"name": "统计对接", "scope": "read"}, format="json"
    )
    assert created.status_code == 201
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {created.json()['key']}")
    assert client.get(URL).status_code == 403

    service_user = ApiKey.objects.get(prefix=created.json()["id"]).service_user
    service_user.user_permissions.add(Permission.objects.get(codename="view_cell", content_type__app_label="stats"))
    response = client.get(URL, {"group_by": "", "date_to": "2021-12", "compare": "false"})
    assert response.status_code == 200
    assert response.json()["totals"]["values"]["contract_count"] == 4


def test_query_count_per_request(client_for, market, django_assert_num_queries):
    client = client_for(operator_user())
    params = {"group_by": "period,technology_field,seller_area", "date_to": "2021-12"}
    # Authentication (user), membership (operator?), two aggregates, field and area labels.
    with django_assert_num_queries(6):
        response = client.get(URL, params)
    assert response.status_code == 200
    assert len(response.json()["rows"]) == 3
