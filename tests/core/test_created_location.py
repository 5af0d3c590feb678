"""Every 201 answers ``Location``, and a GET there reads what was created.

Most views leave it to apps.core.middleware.CreatedLocationMiddleware (the record's own URL, or the list
it lives in); a few set it themselves because the record lives elsewhere (a bid at /bids/<id>).
"""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.core.middleware import created_location
from tests.contracts.factories import make_contract
from tests.deals.factories import DealWorld
from tests.factories import UserFactory, make_credit_code
from tests.listings.factories import achievement_data

pytestmark = pytest.mark.django_db

# Operations whose view sets Location itself: the record is read somewhere other than below the POST's URL.
SET_BY_VIEW = {
    "auth_register": "/api/v1/me",
    "custody_calendar_feed_rotate": "the feed's own .ics address",
    "challenges_bids_create": "/api/v1/bids/{id}",
    "challenges_milestones_create": "/api/v1/milestones/{id}",
    "achievements_nda_requests_create": "/api/v1/nda-requests/{id}",
    "demands_nda_requests_create": "/api/v1/nda-requests/{id}",
    "custody_assets_to_market": "/api/v1/achievements/{id}",
    "achievements_import": "/api/v1/achievements",
    "demands_import": "/api/v1/demands",
    "contracts_import": "/api/v1/contracts",
    # PUT …/by-external-id/{external_id}: the record's own URL (tests/*/test_external_ids.py)
    "achievements_upsert_by_external_id": "/api/v1/achievements/{id}",
    "demands_upsert_by_external_id": "/api/v1/demands/{id}",
    "ip_assets_upsert_by_external_id": "/api/v1/ip-assets/{id}",
    "contracts_upsert_by_external_id": "/api/v1/contracts/{id}",
    "ip_assets_import": "/api/v1/ip-assets",
    "contracts_registration_apply": "/api/v1/registrations/{id}",
    # rows shown in another record's answer
    "experts_conflicts_create": "/api/v1/experts",
    "finance_enrolments_recoveries": "/api/v1/finance/pools/{pool_id}",
    "income_allocations_create": "/api/v1/organizations/{seller_id}/income-allocations",
    "royalty_payments_create": "/api/v1/contracts/{contract_id}/royalty-reports",
    "settlement_deposits_create": "/api/v1/contracts/{contract_id}/settlement/milestones",
}


def _created_operations(schema: dict) -> list[tuple[str, str]]:
    return [
        (operation["operationId"], path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "put") and "201" in operation["responses"]
    ]


def test_every_create_operation_has_a_readable_location():
    """Walks the schema: each POST answering 201 is either located by the middleware or by its view."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = _created_operations(schema)
    assert len(operations) >= 30
    unlocated = []
    for operation_id, path in operations:
        if operation_id in SET_BY_VIEW:
            continue
        concrete = re.sub(r"\{[^}]+\}", "7", path)
        location = created_location(concrete, {"id": 9})
        if location is None:
            unlocated.append(operation_id)
    assert unlocated == []
    documented = [
        operation["operationId"]
        for operations in schema["paths"].values()
        for operation in operations.values()
        if "Location" in operation["responses"].get("201", {}).get("headers", {})
    ]
    assert len(documented) == len(operations)
    assert set(SET_BY_VIEW) <= {operation_id for operation_id, _ in operations}


def _assert_located(client, response, *, expect: str | None = None) -> dict:
    assert response.status_code == 201, response.content[:500]
    location = response["Location"]
    if expect is not None:
        assert location == expect
    read = client.get(location[location.index("/api/v1/") :])
    assert read.status_code == 200, (location, read.content[:300])
    return read


def test_a_newcomers_creates_answer_where_to_read_them(api_client, client_for):
    # Sign up (the view's own Location: /me), then an organisation and a listing (the record's URL).
    email = "located@example.cn"
    signed_up = api_client.post(
        "/api/v1/auth/register", {"email": email, "password": "柳州-good-pass-26"}, format="json"
    )
    assert signed_up["Location"] == "/api/v1/me"
    user = UserFactory._meta.model.objects.get(email=email)
    client = client_for(user)
    me = _assert_located(client, signed_up)
    assert me.json()["email"] == email

    organization = client.post(
        "/api/v1/organizations",
        {
            "name": "柳州市定位科技有限公司",
            "type": "enterprise",
            "credit_code": make_credit_code(900077),
            "region_code": "450203",
            "entity_type_code": "170",
        },
        format="json",
    )
    org_id = organization.json()["id"]
    read = _assert_located(client, organization, expect=f"/api/v1/organizations/{org_id}")
    assert read.json()["id"] == org_id

    data = {
        k: (str(v) if not isinstance(v, list | int | str | type(None)) else v) for k, v in achievement_data().items()
    }
    achievement = client.post("/api/v1/achievements", data, format="json")
    _assert_located(client, achievement, expect=f"/api/v1/achievements/{achievement.json()['id']}")


def test_rows_that_live_in_a_list_point_at_it(client_for):
    world = DealWorld()
    deal = world.deal()
    client = client_for(world.buyer_user)
    activity = client.post(f"/api/v1/deals/{deal.pk}/activities", {"kind": "note", "text": "电话沟通"}, format="json")
    listed = _assert_located(client, activity, expect=f"/api/v1/deals/{deal.pk}/activities")
    assert activity.json()["id"] in [row["id"] for row in listed.json()["results"]]

    contract = make_contract(world)
    payment = client.post(
        f"/api/v1/contracts/{contract.pk}/payments", {"amount": "1000.00", "paid_on": "2026-03-02"}, format="json"
    )
    _assert_located(client, payment, expect=f"/api/v1/contracts/{contract.pk}/payments")


def test_a_calendar_feed_is_located_at_its_secret_address(client_for, api_client):
    user = UserFactory()
    created = client_for(user).post("/api/v1/custody/calendar-feed")
    assert created["Location"] == created.json()["url"]
    _assert_located(api_client, created)  # no login: the address is the key
