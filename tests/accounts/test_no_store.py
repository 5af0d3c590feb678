"""Responses carrying tokens, API keys or the caller's own account are not stored by caches."""

from __future__ import annotations

import pytest

from apps.organizations.models import MembershipRole
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


def assert_no_store(response, status: int) -> None:
    assert response.status_code == status, response.content
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"


def test_token_refresh_and_revoke_are_not_stored(api_client):
    user = UserFactory()
    tokens = api_client.post("/api/v1/auth/token", {"email": user.email, "password": "x"}, format="json")
    assert_no_store(tokens, 401)  # a refusal too: it may echo what was sent
    tokens = api_client.post("/api/v1/auth/token", {"email": user.email, "password": TEST_PASSWORD}, format="json")
    assert_no_store(tokens, 200)
    refreshed = api_client.post("/api/v1/auth/token/refresh", {"refresh": tokens.json()["refresh"]}, format="json")
    assert_no_store(refreshed, 200)
    assert_no_store(
        api_client.post("/api/v1/auth/token/refresh", {"refresh": tokens.json()["refresh"]}, format="json"), 401
    )
    assert_no_store(
        api_client.post("/api/v1/auth/token/revoke", {"refresh": refreshed.json()["refresh"]}, format="json"), 200
    )


def test_me_is_not_stored(client_for):
    client = client_for(UserFactory())
    assert_no_store(client.get("/api/v1/me"), 200)
    assert_no_store(client.patch("/api/v1/me", {"name": "李雷"}, format="json"), 200)


def test_a_new_api_key_is_not_stored(client_for):
    organization = OrganizationFactory()
    admin = member_of(organization, role=MembershipRole.ADMIN)
    created = client_for(admin).post(
        f"/api/v1/organizations/{organization.pk}/api-keys", {"name": "对接", "scope": "read"}, format="json"
    )
    assert_no_store(created, 201)
    assert "key" in created.json()
    assert_no_store(client_for(admin).get(f"/api/v1/organizations/{organization.pk}/api-keys"), 200)


def test_other_reads_keep_their_caching(api_client):
    """Only the credential-bearing responses change: public reference data is untouched."""
    response = api_client.get("/api/v1/reference/countries")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
