"""RateLimit / RateLimit-Policy headers (draft-ietf-httpapi-ratelimit-headers) and per-key quotas."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import ApiKey
from apps.organizations.models import MembershipRole
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db

RATE_LIMIT = re.compile(r'^"(?P<policy>[a-z_]+)";r=(?P<r>\d+);t=(?P<t>\d+)$')


def key_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.fixture
def bank_keys(client_for):
    organization = OrganizationFactory(name="广西北部湾银行测试支行")
    admin = member_of(organization, role=MembershipRole.ADMIN)

    def make(name: str) -> dict:
        response = client_for(admin).post(
            f"/api/v1/organizations/{organization.pk}/api-keys", {"name": name, "scopes": ["*:read"]}, format="json"
        )
        assert response.status_code == 201
        return response.json()

    return make


def remaining(response) -> tuple[str, int, int]:
    match = RATE_LIMIT.match(response["RateLimit"])
    assert match, response["RateLimit"]
    return match["policy"], int(match["r"]), int(match["t"])


def test_the_operator_sets_a_keys_own_quota_and_the_key_sees_it_run_down(client_for, bank_keys):
    created, other = bank_keys("贷款系统"), bank_keys("风控系统")
    operator = client_for(operator_user())
    response = operator.put(f"/api/v1/api-keys/{created['id']}/rate-limit", {"rate_limit_per_minute": 3}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["rate_limit_per_minute"] == 3

    client = key_client(created["key"])
    answers = [client.get("/api/v1/achievements") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert all(a["RateLimit-Policy"] == '"api_key";q=3;w=60' for a in answers)
    assert [remaining(a)[1] for a in answers] == [2, 1, 0, 0]
    assert all(0 < remaining(a)[2] <= 60 for a in answers)
    refused = answers[-1]
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60

    # Each key counts on its own, at the default rate for keys.
    fresh = key_client(other["key"]).get("/api/v1/achievements")
    assert fresh.status_code == 200
    assert fresh["RateLimit-Policy"] == '"api_key";q=1200;w=60'
    assert remaining(fresh)[:2] == ("api_key", 1199)

    # Back to the default: the quota is the setting's again.
    reset = operator.put(f"/api/v1/api-keys/{created['id']}/rate-limit", {"rate_limit_per_minute": None}, format="json")
    assert reset.json()["rate_limit_per_minute"] is None
    assert ApiKey.objects.get(prefix=created["id"]).rate_limit_per_minute is None
    assert client.get("/api/v1/achievements")["RateLimit-Policy"] == '"api_key";q=1200;w=60'


def test_people_and_anonymous_callers_see_their_own_policies(client_for, api_client, throttle_rates):
    throttle_rates(anon="5/min", user="7/min")
    anonymous = api_client.get("/api/v1/achievements")
    assert anonymous["RateLimit-Policy"] == '"anon";q=5;w=60'
    assert remaining(anonymous)[:2] == ("anon", 4)
    person = client_for(member_of(OrganizationFactory())).get("/api/v1/achievements")
    assert person["RateLimit-Policy"] == '"user";q=7;w=60'
    assert remaining(person)[:2] == ("user", 6)


def test_a_bad_quota_is_refused_and_an_unknown_key_is_404(client_for, bank_keys):
    created = bank_keys("对账系统")
    operator = client_for(operator_user())
    for bad in (0, -5, "很多", 10**9):
        response = operator.put(
            f"/api/v1/api-keys/{created['id']}/rate-limit", {"rate_limit_per_minute": bad}, format="json"
        )
        assert response.status_code == 400, bad
    assert ApiKey.objects.get(prefix=created["id"]).rate_limit_per_minute is None
    missing = operator.put("/api/v1/api-keys/nosuchkey/rate-limit", {"rate_limit_per_minute": 5}, format="json")
    assert missing.status_code == 404
