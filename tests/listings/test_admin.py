"""The operator's review queue in the admin: Chinese search, approve and reject through the service."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from apps.listings.models import Achievement, ListingEvent, ListingStatus
from tests.factories import OrganizationFactory, operator_user
from tests.listings.factories import make_achievement, make_demand

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:listings_achievement_changelist")


@pytest.fixture
def operator():
    return operator_user(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client: Client, operator) -> Client:
    client.force_login(operator)
    return client


def test_chinese_search_and_escaped_markup(admin_client):
    org = OrganizationFactory()
    make_achievement(org, title="<b>铝合金</b>压铸工艺")
    make_achievement(org, title="螺蛳粉保鲜")
    response = admin_client.get(CHANGELIST, {"q": "铝合金"})
    assert [a.title for a in response.context["cl"].queryset] == ["<b>铝合金</b>压铸工艺"]
    assert "&lt;b&gt;铝合金&lt;/b&gt;" in response.content.decode()
    assert "<b>铝合金</b>" not in response.content.decode()


def test_approve_action_goes_through_the_service(admin_client, operator):
    org = OrganizationFactory()
    submitted = make_achievement(org, status=ListingStatus.SUBMITTED)
    draft = make_achievement(org, status=ListingStatus.DRAFT)
    admin_client.post(
        CHANGELIST, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [submitted.pk, draft.pk], "index": "0"}
    )
    submitted.refresh_from_db()
    draft.refresh_from_db()
    assert submitted.status == ListingStatus.PUBLISHED
    assert submitted.reviewed_by == operator
    assert draft.status == ListingStatus.DRAFT  # skipped, not awaiting review
    assert ListingEvent.objects.filter(achievement=submitted, to_status="published", actor=operator).exists()


def test_reject_action_needs_a_reason(admin_client):
    listing = make_achievement(OrganizationFactory(), status=ListingStatus.SUBMITTED)
    admin_client.post(CHANGELIST, {"action": "reject_selected", ACTION_CHECKBOX_NAME: [listing.pk], "index": "0"})
    assert Achievement.objects.get(pk=listing.pk).status == ListingStatus.SUBMITTED
    admin_client.post(
        CHANGELIST,
        {"action": "reject_selected", ACTION_CHECKBOX_NAME: [listing.pk], "index": "0", "reason": "缺少知识产权证明"},
    )
    listing.refresh_from_db()
    assert (listing.status, listing.rejection_reason) == (ListingStatus.REJECTED, "缺少知识产权证明")


def test_change_pages_render(admin_client):
    org = OrganizationFactory()
    achievement = make_achievement(org)
    demand = make_demand(org)
    assert admin_client.get(reverse("admin:listings_achievement_change", args=[achievement.pk])).status_code == 200
    assert admin_client.get(reverse("admin:listings_demand_change", args=[demand.pk])).status_code == 200
    assert admin_client.get(reverse("admin:listings_confidentialaccess_changelist")).status_code == 200
