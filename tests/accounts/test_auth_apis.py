"""Sign-up, JWT login, refresh rotation and revocation, and login rate limits."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client: APIClient, email: str, password: str = TEST_PASSWORD, **extra):
    return client.post("/api/v1/auth/token", {"email": email, "password": password}, format="json", **extra)


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


class TestRegister:
    def test_sign_up_then_log_in(self, api_client):
        response = api_client.post(
            "/api/v1/auth/register",
            {"email": "Zhang.Wei@Example.CN", "password": "柳州螺蛳粉-2026-good", "name": "张伟"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["email"] == "zhang.wei@example.cn"
        assert response.json()["name"] == "张伟"
        assert "password" not in response.json()
        assert login(api_client, "zhang.wei@example.cn", "柳州螺蛳粉-2026-good").status_code == 200

    def test_duplicate_email_is_a_409_and_stores_nothing(self, api_client):
        UserFactory(email="taken@example.cn")
        response = api_client.post(
            "/api/v1/auth/register", {"email": "TAKEN@example.cn", "password": "Another-good-pass-1"}, format="json"
        )
        assert response.status_code == 409
        assert response.json()["code"] == "email_taken"
        assert User.objects.filter(email__iexact="taken@example.cn").count() == 1

    @pytest.mark.parametrize("password", ["short", "1234567890123", "password123"])
    def test_weak_password_is_refused(self, api_client, password):
        response = api_client.post(
            "/api/v1/auth/register", {"email": "weak@example.cn", "password": password}, format="json"
        )
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "weak_password"
        assert {e["field"] for e in body["errors"]} == {"password"}
        assert not User.objects.filter(email="weak@example.cn").exists()


class TestEmailCase:
    """Registration stores the e-mail lower-cased; people type it as they like, everywhere."""

    def test_register_with_capitals_then_log_in_as_typed(self, api_client):
        typed = "Newcomer.Caps@Example.COM"
        registered = api_client.post(
            "/api/v1/auth/register", {"email": typed, "password": "柳州螺蛳粉-2026-good"}, format="json"
        )
        assert registered.status_code == 201, registered.json()
        assert registered.json()["email"] == "newcomer.caps@example.com"
        for spelling in (typed, typed.lower(), typed.upper(), f" {typed} "):
            response = login(api_client, spelling, "柳州螺蛳粉-2026-good")
            assert response.status_code == 200, (spelling, response.json())
            me = bearer(response.json()["access"]).get("/api/v1/me")
            assert me.json()["email"] == "newcomer.caps@example.com"
        assert login(api_client, typed, "wrong-password-1").status_code == 401

    def test_password_reset_finds_the_account_whatever_the_case(self, api_client, mailoutbox):
        from apps.core.effects import run_pending_effects

        UserFactory(email="reset.case@example.cn")
        response = api_client.post("/api/v1/auth/password-reset", {"email": "Reset.Case@EXAMPLE.cn"}, format="json")
        assert response.status_code == 202
        run_pending_effects()
        assert [m.to for m in mailoutbox] == [["reset.case@example.cn"]]

    def test_adding_a_member_finds_the_user_whatever_the_case(self, client_for):
        from tests.factories import OrganizationFactory, member_of

        organization = OrganizationFactory()
        admin = member_of(organization, role="admin")
        newcomer = UserFactory(email="new.member@example.cn")
        response = client_for(admin).post(
            f"/api/v1/organizations/{organization.pk}/members",
            {"email": "New.Member@Example.CN", "role": "member"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["user_id"] == newcomer.pk

    def test_the_dashboard_login_form_ignores_case_too(self):
        from django.test import Client

        from tests.factories import operator_user

        operator = operator_user()
        response = Client().post("/stats/login/", {"username": operator.email.upper(), "password": TEST_PASSWORD})
        assert response.status_code == 302


class TestTokens:
    def test_login_returns_tokens_that_authenticate(self, api_client):
        user = UserFactory()
        response = login(api_client, user.email)
        assert response.status_code == 200
        tokens = response.json()
        assert {"access", "refresh"} <= tokens.keys()
        me = bearer(tokens["access"]).get("/api/v1/me")
        assert me.status_code == 200
        assert me.json()["email"] == user.email

    def test_wrong_password_is_a_401_problem(self, api_client):
        user = UserFactory()
        response = login(api_client, user.email, "wrong-password")
        assert response.status_code == 401
        assert response.json()["code"] == "no_active_account"

    def test_inactive_user_cannot_log_in(self, api_client):
        user = UserFactory(is_active=False)
        assert login(api_client, user.email).status_code == 401

    def test_refresh_rotates_and_the_old_refresh_token_is_dead(self, api_client):
        user = UserFactory()
        first = login(api_client, user.email).json()
        rotated = api_client.post("/api/v1/auth/token/refresh", {"refresh": first["refresh"]}, format="json")
        assert rotated.status_code == 200
        assert rotated.json()["refresh"] != first["refresh"]
        replay = api_client.post("/api/v1/auth/token/refresh", {"refresh": first["refresh"]}, format="json")
        assert replay.status_code == 401
        assert replay.json()["code"] == "token_not_valid"
        assert bearer(rotated.json()["access"]).get("/api/v1/me").status_code == 200

    def test_logout_revokes_the_refresh_token(self, api_client):
        user = UserFactory()
        tokens = login(api_client, user.email).json()
        assert (
            api_client.post("/api/v1/auth/token/revoke", {"refresh": tokens["refresh"]}, format="json").status_code
            == 200
        )
        again = api_client.post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json")
        assert again.status_code == 401

    def test_revoke_all_kills_access_and_refresh_tokens(self, api_client):
        user = UserFactory()
        tokens = login(api_client, user.email).json()
        other_device = login(APIClient(), user.email).json()
        client = bearer(tokens["access"])
        response = client.post("/api/v1/auth/sessions/revoke-all")
        assert response.status_code == 200
        assert response.json()["revoked_refresh_tokens"] == 2
        refused = client.get("/api/v1/me")
        assert refused.status_code == 401
        assert refused.json()["code"] == "token_revoked"
        refresh = api_client.post("/api/v1/auth/token/refresh", {"refresh": other_device["refresh"]}, format="json")
        assert refresh.status_code == 401

    def test_password_change_revokes_old_tokens(self, api_client):
        user = UserFactory()
        tokens = login(api_client, user.email).json()
        client = bearer(tokens["access"])
        wrong = client.post(
            "/api/v1/me/password", {"old_password": "nope", "new_password": "New-strong-pass-88"}, format="json"
        )
        assert wrong.status_code == 400
        assert wrong.json()["code"] == "wrong_password"
        ok = client.post(
            "/api/v1/me/password", {"old_password": TEST_PASSWORD, "new_password": "New-strong-pass-88"}, format="json"
        )
        assert ok.status_code == 204
        assert client.get("/api/v1/me").status_code == 401
        assert login(api_client, user.email).status_code == 401
        assert login(api_client, user.email, "New-strong-pass-88").status_code == 200


class TestLoginRateLimits:
    def test_per_account_limit_holds_across_addresses(self, api_client, throttle_rates):
        throttle_rates(login_account="3/min", login_address="100/min")
        user = UserFactory()
        for n in range(3):
            assert login(api_client, user.email, "bad", REMOTE_ADDR=f"10.0.0.{n}").status_code == 401
        blocked = login(api_client, user.email, REMOTE_ADDR="10.0.0.99")
        assert blocked.status_code == 429
        assert blocked.json()["code"] == "throttled"
        # Another account from the same address is not affected by this account's limit.
        other = UserFactory()
        assert login(api_client, other.email, REMOTE_ADDR="10.0.0.99").status_code == 200

    def test_per_address_limit_holds_across_accounts(self, api_client, throttle_rates):
        throttle_rates(login_account="100/min", login_address="3/min")
        users = UserFactory.create_batch(4)
        for user in users[:3]:
            assert login(api_client, user.email, "bad", REMOTE_ADDR="10.1.1.1").status_code == 401
        assert login(api_client, users[3].email, REMOTE_ADDR="10.1.1.1").status_code == 429
        assert login(api_client, users[3].email, REMOTE_ADDR="10.1.1.2").status_code == 200

    def test_successful_logins_do_not_count_failures_still_do(self, api_client, throttle_rates):
        """A script that logs in once per step is never throttled by its own successes."""
        throttle_rates(login_account="3/min", login_address="5/min")
        user = UserFactory()
        for _step in range(12):  # four times the account's rate, more than twice the address's
            assert login(api_client, user.email, REMOTE_ADDR="10.3.0.1").status_code == 200
        for _attempt in range(3):
            assert login(api_client, user.email, "bad", REMOTE_ADDR="10.3.0.1").status_code == 401
        blocked = login(api_client, user.email, REMOTE_ADDR="10.3.0.1")  # the right password, but too late
        assert blocked.status_code == 429
        assert blocked.json()["code"] == "throttled"
        assert int(blocked["Retry-After"]) > 0

    def test_refreshing_tokens_is_not_throttled_by_success(self, api_client, throttle_rates):
        throttle_rates(login_address="3/min")
        refresh = login(api_client, UserFactory().email, REMOTE_ADDR="10.4.0.1").json()["refresh"]
        for _step in range(6):
            response = api_client.post(
                "/api/v1/auth/token/refresh", {"refresh": refresh}, format="json", REMOTE_ADDR="10.4.0.1"
            )
            assert response.status_code == 200, response.json()
            refresh = response.json()["refresh"]
        for _attempt in range(3):
            dead = api_client.post(
                "/api/v1/auth/token/refresh", {"refresh": "x"}, format="json", REMOTE_ADDR="10.4.0.1"
            )
            assert dead.status_code == 401
        again = api_client.post(
            "/api/v1/auth/token/refresh", {"refresh": refresh}, format="json", REMOTE_ADDR="10.4.0.1"
        )
        assert again.status_code == 429

    def test_password_reset_requests_count_every_request(self, api_client, throttle_rates):
        # They always answer 202 (no enumeration), so each one counts, on the login counters.
        throttle_rates(login_account="2/min", login_address="100/min")
        user = UserFactory()
        for _ in range(2):
            response = api_client.post("/api/v1/auth/password-reset", {"email": user.email}, format="json")
            assert response.status_code == 202
        assert api_client.post("/api/v1/auth/password-reset", {"email": user.email}, format="json").status_code == 429

    def test_account_limit_is_case_insensitive(self, api_client, throttle_rates):
        throttle_rates(login_account="2/min", login_address="100/min")
        user = UserFactory(email="case@example.cn")
        login(api_client, "case@example.cn", "bad", REMOTE_ADDR="10.2.0.1")
        login(api_client, "CASE@example.cn", "bad", REMOTE_ADDR="10.2.0.2")
        assert login(api_client, "Case@Example.cn", REMOTE_ADDR="10.2.0.3").status_code == 429
        assert user.email == "case@example.cn"


class TestMe:
    def test_update_profile_in_chinese(self, client_for):
        user = UserFactory()
        response = client_for(user).patch("/api/v1/me", {"name": "李娜", "preferred_language": "en"}, format="json")
        assert response.status_code == 200
        assert response.json()["name"] == "李娜"
        user.refresh_from_db()
        assert user.preferred_language == "en"

    def test_bad_language_is_refused(self, client_for):
        user = UserFactory()
        response = client_for(user).patch("/api/v1/me", {"preferred_language": "fr"}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "preferred_language"
        user.refresh_from_db()
        assert user.preferred_language == "zh-hans"

    def test_me_query_count(self, client_for, django_assert_max_num_queries):
        user = UserFactory()
        client = client_for(user)
        with django_assert_max_num_queries(4):
            assert client.get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_login_with_an_email_that_is_no_valid_cache_key_is_refused_not_a_server_error(api_client):
    # Found by schemathesis (make fuzz): the per-account throttle used the e-mail as typed in its key.
    for email in ("a b\x0b\x05©\U000a9a06@example.cn", "x" * 300 + "@example.cn"):
        response = api_client.post("/api/v1/auth/token", {"email": email, "password": "nope"}, format="json")
        assert response.status_code in (400, 401), response.content
        assert response["Content-Type"] == "application/problem+json"
