"""A bank's system works over an API key scoped to finance; list endpoints cost a fixed number of queries."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.finance.helpers import APPLICATIONS, PRODUCTS, make_request, ok, publish_product

pytestmark = pytest.mark.django_db


def _key_client(client_for, fw, scopes):
    created = ok(
        client_for(fw.banker).post(
            f"/api/v1/organizations/{fw.bank.pk}/api-keys", {"name": "信贷系统对接", "scopes": scopes}, format="json"
        ),
        201,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {created['key']}")
    return client


def test_a_bank_key_with_the_finance_scope_reads_and_decides(client_for, fw):
    product = publish_product(client_for(fw.banker), fw.bank.pk)
    request = make_request(client_for(fw.owner), collateral=[fw.patent.pk])
    application = ok(
        client_for(fw.owner).post(
            APPLICATIONS, {"request_id": request["id"], "product_id": product["id"]}, format="json"
        ),
        201,
    )
    system = _key_client(client_for, fw, ["finance:*"])
    received = ok(system.get(APPLICATIONS, {"role": "institution"}))["results"]
    assert [a["id"] for a in received] == [application["id"]]
    assert ok(system.post(f"{APPLICATIONS}/{application['id']}/review"))["status"] == "under_review"

    reader = _key_client(client_for, fw, ["finance:read"])
    refused = reader.post(f"{APPLICATIONS}/{application['id']}/decline", {"note": "资料不全"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "insufficient_scope")
    other = _key_client(client_for, fw, ["listings:*"])
    assert other.get(APPLICATIONS).status_code == 403


@pytest.mark.parametrize("rows", [1, 6])
def test_list_query_counts_are_constant(client_for, fw, rows, django_assert_num_queries):
    bank, owner = client_for(fw.banker), client_for(fw.owner)
    for i in range(rows):
        product = publish_product(bank, fw.bank.pk, name=f"产品{i}")
        request = make_request(owner, collateral=[fw.patent.pk])
        ok(owner.post(APPLICATIONS, {"request_id": request["id"], "product_id": product["id"]}, format="json"), 201)
    # user, memberships, the page
    with django_assert_num_queries(3):
        assert len(ok(bank.get(PRODUCTS))["results"]) == rows
    # user, memberships, the page (product, institution, enterprise, request joined), its events
    with django_assert_num_queries(4):
        assert len(ok(bank.get(APPLICATIONS))["results"]) == rows
    # user, memberships, the page
    with django_assert_num_queries(3):
        assert len(ok(owner.get("/api/v1/finance/requests"))["results"]) == rows
