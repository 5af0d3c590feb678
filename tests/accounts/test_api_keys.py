"""API keys: shown once, stored hashed, scoped, revocable, last use recorded."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import ApiKey
from apps.organizations.models import MembershipRole
from tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db


def key_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.fixture
def bank():
    organization = OrganizationFactory(name="柳州银行测试分行")
    return organization, member_of(organization, role=MembershipRole.ADMIN)


def create_key(client_for, admin, organization, scope="read") -> dict:
    response = client_for(admin).post(
        f"/api/v1/organizations/{organization.pk}/api-keys", {"name": "省平台对接", "scope": scope}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_key_is_shown_once_and_stored_hashed(client_for, bank):
    organization, admin = bank
    created = create_key(client_for, admin, organization)
    raw = created["key"]
    assert raw.startswith(created["id"] + ".")
    stored = ApiKey.objects.get(prefix=created["id"])
    assert raw.split(".", 1)[1] not in stored.hashed_key
    listed = client_for(admin).get(f"/api/v1/organizations/{organization.pk}/api-keys").json()["results"]
    assert [k["id"] for k in listed] == [created["id"]]
    assert "key" not in listed[0]


def test_key_authenticates_as_its_organisation_and_records_last_use(client_for, bank):
    organization, admin = bank
    created = create_key(client_for, admin, organization)
    response = key_client(created["key"]).get("/api/v1/me")
    assert response.status_code == 200
    assert [m["organization_id"] for m in response.json()["memberships"]] == [organization.pk]
    assert ApiKey.objects.get(prefix=created["id"]).last_used_at is not None


def test_read_only_key_cannot_write(client_for, bank):
    organization, admin = bank
    created = create_key(client_for, admin, organization, scope="read")
    response = key_client(created["key"]).patch("/api/v1/me", {"name": "改名"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert response.json()["required_scope"] == "account:write"


def test_read_write_key_can_write(client_for, bank):
    organization, admin = bank
    created = create_key(client_for, admin, organization, scope="read_write")
    response = key_client(created["key"]).patch("/api/v1/me", {"name": "省平台"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "省平台"


def test_revoked_key_is_refused(client_for, bank):
    organization, admin = bank
    created = create_key(client_for, admin, organization, scope="read_write")
    revoke = client_for(admin).post(f"/api/v1/api-keys/{created['id']}/revoke")
    assert revoke.status_code == 200
    assert revoke.json()["revoked"] is True
    response = key_client(created["key"]).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_invalid"
    again = client_for(admin).post(f"/api/v1/api-keys/{created['id']}/revoke")
    assert again.status_code == 409


def test_wrong_secret_with_a_real_prefix_is_refused(client_for, bank):
    organization, admin = bank
    created = create_key(client_for, admin, organization)
    forged = created["id"] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    assert key_client(forged).get("/api/v1/me").status_code == 401
    assert key_client("garbage").get("/api/v1/me").status_code == 401


def test_a_key_cannot_mint_keys(client_for, bank):
    organization, admin = bank
    created = create_key(client_for, admin, organization, scope="read_write")
    response = key_client(created["key"]).post(
        f"/api/v1/organizations/{organization.pk}/api-keys", {"name": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "people_only"


def test_only_admins_of_the_organisation_manage_keys(client_for, bank):
    organization, admin = bank
    member = member_of(organization, role=MembershipRole.MEMBER)
    outsider = member_of(OrganizationFactory())
    url = f"/api/v1/organizations/{organization.pk}/api-keys"
    assert client_for(member).post(url, {"name": "x"}, format="json").status_code == 403
    # The organisation is verified, so outsiders may know it exists, but its keys are private: 404.
    assert client_for(outsider).get(url).status_code == 404
    created = create_key(client_for, admin, organization)
    assert client_for(outsider).post(f"/api/v1/api-keys/{created['id']}/revoke").status_code == 404
    assert ApiKey.objects.get(prefix=created["id"]).revoked is False


def test_expiry_in_the_past_is_refused(client_for, bank):
    organization, admin = bank
    response = client_for(admin).post(
        f"/api/v1/organizations/{organization.pk}/api-keys",
        {"name": "过期", "expiry_date": "2020-01-01T00:00:00+08:00"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "expiry_in_past"
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("keys", [1, 12])
def test_key_list_query_count_is_constant(client_for, bank, django_assert_num_queries, keys):
    organization, admin = bank
    for _ in range(keys):
        create_key(client_for, admin, organization)
    client = client_for(admin)
    # user, memberships, the organisation, page of keys
    with django_assert_num_queries(4):
        response = client.get(f"/api/v1/organizations/{organization.pk}/api-keys", {"page_size": 10})
    assert len(response.json()["results"]) == min(keys, 10)
