"""API-key scopes per resource family: every operation is mapped, enforced over HTTP, documented."""

from __future__ import annotations

import importlib

import pytest
from drf_spectacular.generators import EndpointEnumerator
from rest_framework.test import APIClient

from apps.accounts.authentication import ApiKeyAuthentication
from apps.accounts.models import ApiKey
from apps.accounts.permissions import ApiKeyScopePermission, PeopleOnly
from apps.accounts.scopes import ALL_SCOPES, LEGACY_SCOPES, PUBLIC, SCOPE_FAMILIES, operation_family
from apps.listings.models import Demand
from apps.organizations.models import MembershipRole
from tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db


def key_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.fixture
def enterprise():
    organization = OrganizationFactory(name="柳州五菱测试企业", type="enterprise")
    return organization, member_of(organization, role=MembershipRole.ADMIN)


def make_key(client_for, admin, organization, **body) -> dict:
    response = client_for(admin).post(
        f"/api/v1/organizations/{organization.pk}/api-keys", {"name": "ERP 对接", **body}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_every_api_operation_belongs_to_a_family_and_checks_scopes():
    """A new endpoint cannot be forgotten: its path must name a family, and a view that accepts API
    keys must check their scopes (or refuse keys altogether)."""
    unmapped, unchecked, seen = [], [], 0
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        seen += 1
        family = operation_family(path)
        if family is None or (family != PUBLIC and family not in SCOPE_FAMILIES):
            unmapped.append(f"{method} {path}")
        view = callback.cls
        accepts_keys = any(issubclass(a, ApiKeyAuthentication) for a in view.authentication_classes)
        permissions = list(view.permission_classes)
        if accepts_keys and family != PUBLIC and not {ApiKeyScopePermission, PeopleOnly} & set(permissions):
            unchecked.append(f"{method} {path} ({view.__qualname__})")
    assert seen > 150
    assert unmapped == [], "add these paths to apps.accounts.scopes.OPERATION_FAMILIES"
    assert unchecked == [], "these views accept API keys without ApiKeyScopePermission"


def test_the_schema_names_each_operations_scope(client_for):
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    description = schema["components"]["securitySchemes"]["apiKeyAuth"]["description"]
    assert "insufficient_scope" in description
    for family in SCOPE_FAMILIES:
        assert f"`{family}`" in description
    assert schema["paths"]["/api/v1/demands"]["post"]["x-required-scope"] == "listings:write"
    assert schema["paths"]["/api/v1/demands"]["get"]["x-required-scope"] == "listings:read"
    assert schema["paths"]["/api/v1/deals/{deal_id}"]["patch"]["x-required-scope"] == "deals:write"
    assert "`stats:read`" in schema["paths"]["/api/v1/stats/report"]["get"]["description"]
    scopes = schema["components"]["schemas"]["ApiKeyScopeEnum"]["enum"]
    assert scopes == ALL_SCOPES


def test_a_key_may_do_only_what_its_scopes_say(client_for, enterprise):
    organization, admin = enterprise
    created = make_key(client_for, admin, organization, scopes=["listings:read", "account:write"])
    assert created["scopes"] == ["account:write", "listings:read"]
    assert created["scope"] == "read_write"  # the deprecated label, kept in step
    client = key_client(created["key"])

    assert client.get("/api/v1/demands").status_code == 200
    refused = client.post("/api/v1/demands", {"title": "新能源汽车电池热管理技术需求"}, format="json")
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "insufficient_scope"
    assert body["required_scope"] == "listings:write"
    assert body["granted_scopes"] == ["account:write", "listings:read"]
    assert "listings:write" in body["detail"]
    assert Demand.objects.count() == 0

    # Another family, read: refused; write does not imply read.
    assert client.get("/api/v1/deals").json()["required_scope"] == "deals:read"
    assert client.get("/api/v1/me").json()["required_scope"] == "account:read"
    assert client.patch("/api/v1/me", {"name": "ERP 对接"}, format="json").status_code == 200


def test_a_family_wildcard_writes_and_reads_that_family_only(client_for, enterprise):
    organization, admin = enterprise
    created = make_key(client_for, admin, organization, scopes=["listings:*"])
    client = key_client(created["key"])
    # Past the scope check: the body itself is what is refused (400), not the key.
    assert client.post("/api/v1/demands", {}, format="json").status_code == 400
    assert client.get("/api/v1/demands").status_code == 200
    assert client.get("/api/v1/stats/report").status_code == 403


def test_chinese_messages_name_the_missing_scope(client_for, enterprise):
    organization, admin = enterprise
    created = make_key(client_for, admin, organization, scopes=["stats:read"])
    response = key_client(created["key"]).get("/api/v1/deals", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    assert "deals:read" in response.json()["detail"]


def test_keys_without_scopes_keep_what_their_old_scope_gave(client_for, enterprise):
    organization, admin = enterprise
    default = make_key(client_for, admin, organization)
    assert default["scopes"] == ["*:read"]
    legacy = make_key(client_for, admin, organization, scope="read_write")
    assert legacy["scopes"] == ["*:*"]
    assert key_client(legacy["key"]).patch("/api/v1/me", {"name": "ERP"}, format="json").status_code == 200
    assert key_client(default["key"]).patch("/api/v1/me", {"name": "ERP"}, format="json").status_code == 403
    # The data migration gives keys made before scopes the same (one table, read by both).
    migration = importlib.import_module("apps.accounts.migrations.0004_api_key_scopes_and_rate")
    assert migration.LEGACY_SCOPES == LEGACY_SCOPES


def test_unknown_or_empty_scopes_are_refused_and_nothing_is_created(client_for, enterprise):
    organization, admin = enterprise
    url = f"/api/v1/organizations/{organization.pk}/api-keys"
    for scopes in (["listings:admin"], ["payments:read"], [], "listings:read"):
        response = client_for(admin).post(url, {"name": "坏范围", "scopes": scopes}, format="json")
        assert response.status_code == 400, scopes
        assert response.json()["errors"][0]["field"].startswith("scopes")
    assert not ApiKey.objects.exists()


def test_another_organisations_admin_cannot_see_or_widen_a_key(client_for, enterprise):
    organization, admin = enterprise
    created = make_key(client_for, admin, organization, scopes=["listings:read"])
    outsider = member_of(OrganizationFactory(name="另一家企业"))
    assert client_for(outsider).get(f"/api/v1/organizations/{organization.pk}/api-keys").status_code == 404
    # Only the operator sets a key's rate; scopes are fixed at creation.
    response = client_for(outsider).put(
        f"/api/v1/api-keys/{created['id']}/rate-limit", {"rate_limit_per_minute": 100000}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "operator_only"
    assert ApiKey.objects.get(prefix=created["id"]).rate_limit_per_minute is None
