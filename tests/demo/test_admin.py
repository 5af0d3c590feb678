"""The operator's admin site, exercised on the demo data."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import reverse

from apps.accounts.models import ApiKey, User
from apps.demo.data import DEMO_EMAIL_DOMAIN, DEMO_ORGANIZATIONS
from apps.notifications.models import Notification
from apps.organizations.api_keys import api_key_create
from apps.organizations.models import Organization, VerificationStatus
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

ORGANIZATIONS = reverse("admin:organizations_organization_changelist")


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:
    """The demo market, loaded once for the module inside a transaction rolled back at its end; each test
    runs in a savepoint inside it (pytest-django's own atomic blocks nest), so what a test does is undone."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(DEMO_HISTORY_MONTHS=0, MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        call_command("load_demo_data", "--force", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def operator_admin() -> User:
    return User.objects.get(email=f"admin@{DEMO_EMAIL_DOMAIN}")


@pytest.fixture
def operator_client(client: Client, operator_admin: User) -> Client:
    client.force_login(operator_admin)
    return client


@pytest.fixture
def pending() -> Organization:
    return Organization.objects.get(verification_status=VerificationStatus.PENDING)


def shown(response: HttpResponse) -> set[str]:
    """Names of the organisations the changelist matched (all pages)."""
    return {organization.name for organization in response.context["cl"].queryset}


def flashed(response: HttpResponse) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def run_action(client: Client, action: str, organizations: list[Organization], **extra: str) -> HttpResponse:
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(o.pk) for o in organizations], "index": "0", **extra}
    return client.post(ORGANIZATIONS, data)


def test_an_operator_superuser_can_use_the_admin(operator_client: Client) -> None:
    assert operator_client.get(reverse("admin:index")).status_code == 200
    assert operator_client.get(ORGANIZATIONS).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client) -> None:
    response = client.get(ORGANIZATIONS)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_search_organisations_by_a_chinese_substring(operator_client: Client) -> None:
    response = operator_client.get(ORGANIZATIONS, {"q": "柳州"})

    assert response.status_code == 200
    expected = {o.name for o in DEMO_ORGANIZATIONS if "柳州" in o.name + o.short_name + o.name_en}
    assert shown(response) == expected
    assert len(expected) == 12
    assert "广西示例科技大学" not in shown(response)

    assert shown(operator_client.get(ORGANIZATIONS, {"q": "螺蛳粉"})) == {"柳州示例螺蛳粉食品有限公司"}
    assert shown(operator_client.get(ORGANIZATIONS, {"q": "示例科大"})) == {"广西示例科技大学"}


def test_search_by_credit_code_and_filter_by_status(operator_client: Client, pending: Organization) -> None:
    assert shown(operator_client.get(ORGANIZATIONS, {"q": pending.credit_code})) == {pending.name}
    assert shown(operator_client.get(ORGANIZATIONS, {"verification_status__exact": "pending"})) == {pending.name}
    by_region = shown(operator_client.get(ORGANIZATIONS, {"region__code__exact": "450206"}))
    assert by_region == {"柳州示例螺蛳粉食品有限公司"}


def test_the_verify_action_verifies_a_pending_organisation(
    operator_client: Client, operator_admin: User, pending: Organization
) -> None:
    response = run_action(operator_client, "verify_selected", [pending])

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.verification_status == VerificationStatus.VERIFIED
    assert pending.verified_by == operator_admin
    assert pending.verified_at is not None
    assert [level for level, _text in flashed(response)] == [messages.SUCCESS]
    # The service ran, side effects included: the organisation's admin is told.
    admin = pending.memberships.get(role="admin").user
    assert Notification.objects.filter(recipient=admin, kind="organization.verification").exists()


def test_an_already_decided_organisation_is_skipped_with_a_warning(
    operator_client: Client, pending: Organization
) -> None:
    verified = Organization.objects.get(name="柳州示例轧钢有限责任公司")
    verified_at = verified.verified_at

    response = run_action(operator_client, "verify_selected", [pending, verified])

    pending.refresh_from_db()
    verified.refresh_from_db()
    assert pending.verification_status == VerificationStatus.VERIFIED
    assert verified.verified_at == verified_at
    levels = dict(flashed(response))
    assert "柳州示例轧钢有限责任公司" in levels[messages.WARNING]


def test_a_superuser_outside_the_operator_gets_an_error_and_nothing_changes(
    client: Client, pending: Organization
) -> None:
    outsider = User.objects.create_superuser(email="root@example.cn", password=TEST_PASSWORD)
    client.force_login(outsider)

    response = run_action(client, "verify_selected", [pending])

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.verification_status == VerificationStatus.PENDING
    assert pending.verified_by is None
    # One clear error (the service's refusal), no crash and no success message.
    [(level, text)] = flashed(response)
    assert level == messages.ERROR
    assert text


def test_the_reject_action_needs_a_reason(operator_client: Client, pending: Organization) -> None:
    response = run_action(operator_client, "reject_selected", [pending], reason="  ")

    pending.refresh_from_db()
    assert pending.verification_status == VerificationStatus.PENDING
    [(level, _text)] = flashed(response)
    assert level == messages.ERROR


def test_the_reject_action_records_the_reason(
    operator_client: Client, operator_admin: User, pending: Organization
) -> None:
    response = run_action(operator_client, "reject_selected", [pending], reason="营业执照与信用代码不一致")

    pending.refresh_from_db()
    assert pending.verification_status == VerificationStatus.REJECTED
    assert pending.rejection_reason == "营业执照与信用代码不一致"
    assert pending.verified_by == operator_admin
    assert [level for level, _text in flashed(response)] == [messages.SUCCESS]


def test_the_organisation_page_shows_members_and_keeps_verification_read_only(
    operator_client: Client, pending: Organization
) -> None:
    response = operator_client.get(reverse("admin:organizations_organization_change", args=[pending.pk]))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "verification_status" not in form.fields
    assert "verified_at" not in form.fields
    assert "verified_by" not in form.fields
    inline = response.context["inline_admin_formsets"][0]
    assert [form.original.user.email for form in inline if form.original] == [f"zhou.kai@{DEMO_EMAIL_DOMAIN}"]


def test_users_are_searched_by_chinese_name(operator_client: Client) -> None:
    response = operator_client.get(reverse("admin:accounts_user_changelist"), {"q": "韦丽华"})

    assert response.status_code == 200
    assert [u.email for u in response.context["cl"].queryset] == [f"wei.lihua@{DEMO_EMAIL_DOMAIN}"]


def test_the_user_pages_work_without_a_user_name(operator_client: Client) -> None:
    add = reverse("admin:accounts_user_add")
    assert operator_client.get(add).status_code == 200

    response = operator_client.post(
        add, {"email": "New.Person@Demo.Liuzhou.Example", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD}
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.person@demo.liuzhou.example")
    assert user.check_password(TEST_PASSWORD)
    change = operator_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert change.status_code == 200
    assert "name" in change.context["adminform"].form.fields
    assert "session_version" not in change.context["adminform"].form.fields  # read-only


def test_sign_out_everywhere_bumps_the_session_version(operator_client: Client) -> None:
    user = User.objects.get(email=f"lu.jing@{DEMO_EMAIL_DOMAIN}")
    before = user.session_version

    response = operator_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "sign_out_everywhere", ACTION_CHECKBOX_NAME: [str(user.pk)], "index": "0"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.session_version == before + 1


def test_api_keys_are_listed_without_hashes_and_can_be_revoked(operator_client: Client, operator_admin: User) -> None:
    organization = Organization.objects.get(name="柳州示例工程机械股份有限公司")
    api_key, _raw = api_key_create(actor=operator_admin, organization=organization, name="省平台对接", scope="read")
    changelist = reverse("admin:accounts_apikey_changelist")

    listing = operator_client.get(changelist)
    assert listing.status_code == 200
    assert api_key.prefix in listing.content.decode()
    assert api_key.hashed_key not in listing.content.decode()
    assert operator_client.get(reverse("admin:accounts_apikey_add")).status_code == 403

    response = operator_client.post(
        changelist, {"action": "revoke_selected", ACTION_CHECKBOX_NAME: [api_key.prefix], "index": "0"}
    )

    assert response.status_code == 302
    api_key = ApiKey.objects.get(pk=api_key.pk)
    assert api_key.revoked
    assert api_key.revoked_at is not None
