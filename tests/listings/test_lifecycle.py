"""The listing lifecycle through the API: every allowed move, every refused one, who may make it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.listings.models import Achievement, Demand, ListingEvent, ListingStatus
from apps.listings.services import listings_expire
from apps.notifications.models import Notification
from apps.organizations.models import VerificationStatus
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.factories import achievement_data, demand_data, make_achievement, make_demand

pytestmark = pytest.mark.django_db


def _json(data: dict) -> dict:
    return {k: (str(v) if not isinstance(v, list | int | str | type(None)) else v) for k, v in data.items()}


@pytest.fixture
def owner_org():
    return OrganizationFactory(name="广西科技大学")


@pytest.fixture
def owner(owner_org):
    return member_of(owner_org)


@pytest.fixture
def operator():
    return operator_user()


def _create(client, kind="achievements", **overrides):
    data = achievement_data(**overrides) if kind == "achievements" else demand_data(**overrides)
    return client.post(f"/api/v1/{kind}", _json(data), format="json")


@pytest.mark.parametrize("kind", ["achievements", "demands"])
def test_full_lifecycle_with_events_and_notifications(kind, client_for, owner, operator):
    owner_client, operator_client = client_for(owner), client_for(operator)
    created = _create(owner_client, kind)
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "draft"

    assert owner_client.post(f"/api/v1/{kind}/{pk}/submit").json()["status"] == "submitted"
    assert Notification.objects.filter(recipient=operator, kind="listing_submitted").exists()

    rejected = operator_client.post(f"/api/v1/{kind}/{pk}/review", {"approve": False, "reason": "摘要过于简略"})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "摘要过于简略"
    assert Notification.objects.filter(recipient=owner, kind="listing_reviewed").count() == 1

    # A rejected listing is edited and submitted again.
    assert owner_client.patch(f"/api/v1/{kind}/{pk}", {"title": "改进后的标题"}, format="json").status_code == 200
    assert owner_client.post(f"/api/v1/{kind}/{pk}/submit").json()["status"] == "submitted"
    approved = operator_client.post(f"/api/v1/{kind}/{pk}/review", {"approve": True})
    assert approved.json()["status"] == "published"
    assert approved.json()["published_at"]

    assert owner_client.post(f"/api/v1/{kind}/{pk}/withdraw", {"note": "暂停"}).json()["status"] == "withdrawn"
    assert owner_client.post(f"/api/v1/{kind}/{pk}/reopen").json()["status"] == "draft"

    events = owner_client.get(f"/api/v1/{kind}/{pk}/events").json()["results"]
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "rejected"),
        ("rejected", "submitted"),
        ("submitted", "published"),
        ("published", "withdrawn"),
        ("withdrawn", "draft"),
    ]
    assert events[2]["note"] == "摘要过于简略"
    assert events[2]["actor_name"] == operator.name


def test_approval_sets_default_expiry(client_for, owner, operator, settings):
    settings.LISTING_DEFAULT_VALIDITY_DAYS = 30
    pk = _create(client_for(owner)).json()["id"]
    client_for(owner).post(f"/api/v1/achievements/{pk}/submit")
    body = client_for(operator).post(f"/api/v1/achievements/{pk}/review", {"approve": True}).json()
    assert body["expires_on"] == str(timezone.localdate() + timedelta(days=30))


def test_mark_transferred_only_from_published(client_for, owner, owner_org):
    published = make_achievement(owner_org)
    draft = make_achievement(owner_org, status=ListingStatus.DRAFT)
    client = client_for(owner)
    assert client.post(f"/api/v1/achievements/{published.pk}/mark-transferred").json()["status"] == "transferred"
    refused = client.post(f"/api/v1/achievements/{draft.pk}/mark-transferred")
    assert refused.status_code == 409
    assert refused.json()["code"] == "bad_transition"


@pytest.mark.parametrize(
    ("status", "action", "actor_kind"),
    [
        ("draft", "review", "operator"),  # not submitted yet
        ("published", "submit", "owner"),
        ("submitted", "submit", "owner"),
        ("draft", "withdraw", "owner"),
        ("published", "reopen", "owner"),
        ("transferred", "withdraw", "owner"),
        ("expired", "submit", "owner"),
        ("withdrawn", "review", "operator"),
    ],
)
def test_refused_transitions_change_nothing(status, action, actor_kind, client_for, owner, owner_org, operator):
    listing = make_achievement(owner_org, status=status)
    client = client_for(owner if actor_kind == "owner" else operator)
    payload = {"approve": True} if action == "review" else {}
    response = client.post(f"/api/v1/achievements/{listing.pk}/{action}", payload)
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "bad_transition"
    assert response.json()["type"] == "urn:marketplace:problem:bad_transition"
    listing.refresh_from_db()
    assert listing.status == status
    assert not ListingEvent.objects.filter(achievement=listing).exists()


def test_only_the_operator_reviews(client_for, owner, owner_org):
    listing = make_achievement(owner_org, status=ListingStatus.SUBMITTED)
    response = client_for(owner).post(f"/api/v1/achievements/{listing.pk}/review", {"approve": True})
    assert response.status_code == 403
    assert response.json()["code"] == "operator_only"
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUBMITTED


def test_rejection_needs_a_reason(client_for, owner_org, operator):
    listing = make_achievement(owner_org, status=ListingStatus.SUBMITTED)
    response = client_for(operator).post(f"/api/v1/achievements/{listing.pk}/review", {"approve": False})
    assert response.status_code == 400
    assert response.json()["code"] == "rejection_reason_required"
    assert response.json()["errors"][0]["field"] == "reason"
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUBMITTED


def test_other_organisation_cannot_see_or_move_a_draft(client_for, owner_org):
    listing = make_achievement(owner_org, status=ListingStatus.DRAFT)
    stranger = client_for(member_of(OrganizationFactory()))
    assert stranger.get(f"/api/v1/achievements/{listing.pk}").status_code == 404
    assert stranger.post(f"/api/v1/achievements/{listing.pk}/submit").status_code == 404
    assert stranger.patch(f"/api/v1/achievements/{listing.pk}", {"title": "x"}, format="json").status_code == 404
    assert stranger.delete(f"/api/v1/achievements/{listing.pk}").status_code == 404
    listing.refresh_from_db()
    assert listing.status == ListingStatus.DRAFT


def test_other_organisation_sees_published_but_cannot_change_it(client_for, owner_org):
    listing = make_achievement(owner_org)
    stranger = client_for(member_of(OrganizationFactory()))
    assert stranger.get(f"/api/v1/achievements/{listing.pk}").status_code == 200
    for action in ("withdraw", "mark-transferred"):
        response = stranger.post(f"/api/v1/achievements/{listing.pk}/{action}")
        assert response.status_code == 403
        assert response.json()["code"] == "not_owner_member"
    assert stranger.get(f"/api/v1/achievements/{listing.pk}/events").status_code == 404
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED


def test_operator_may_withdraw_any_published_listing(client_for, owner_org, operator):
    listing = make_demand(owner_org)
    assert client_for(operator).post(f"/api/v1/demands/{listing.pk}/withdraw").json()["status"] == "withdrawn"


def test_unverified_owner_cannot_submit(client_for):
    org = OrganizationFactory(verification_status=VerificationStatus.PENDING)
    client = client_for(member_of(org))
    pk = _create(client).json()["id"]
    response = client.post(f"/api/v1/achievements/{pk}/submit")
    assert response.status_code == 403
    assert response.json()["code"] == "owner_not_verified"
    assert Achievement.objects.get(pk=pk).status == ListingStatus.DRAFT


def test_submit_refused_after_the_date_has_passed(client_for, owner):
    client = client_for(owner)
    pk = _create(client, "demands").json()["id"]
    with time_machine.travel(timezone.now() + timedelta(days=200)):
        response = client_for(owner).post(f"/api/v1/demands/{pk}/submit")  # a token valid then
    assert response.status_code == 400
    assert response.json()["code"] == "date_in_past"
    assert response.json()["errors"][0]["field"] == "deadline"
    assert Demand.objects.get(pk=pk).status == ListingStatus.DRAFT


def test_published_listing_is_not_editable(client_for, owner, owner_org):
    listing = make_achievement(owner_org)
    response = client_for(owner).patch(f"/api/v1/achievements/{listing.pk}", {"title": "新标题"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"
    listing.refresh_from_db()
    assert listing.title != "新标题"


def test_only_drafts_are_deleted(client_for, owner, owner_org):
    draft = make_achievement(owner_org, status=ListingStatus.DRAFT)
    published = make_achievement(owner_org)
    client = client_for(owner)
    assert client.delete(f"/api/v1/achievements/{draft.pk}").status_code == 204
    assert not Achievement.objects.filter(pk=draft.pk).exists()
    response = client.delete(f"/api/v1/achievements/{published.pk}")
    assert response.status_code == 409
    assert Achievement.objects.filter(pk=published.pk).exists()


def test_expiry_task_expires_due_listings_once(owner_org):
    today = timezone.localdate()
    due = make_achievement(owner_org, expires_on=today + timedelta(days=1))
    later = make_achievement(owner_org, expires_on=today + timedelta(days=30))
    demand = make_demand(owner_org, deadline=today + timedelta(days=1))
    Achievement.objects.filter(pk=due.pk).update(expires_on=today - timedelta(days=1))
    Demand.objects.filter(pk=demand.pk).update(deadline=today - timedelta(days=1))

    assert listings_expire(today=today) == {"achievement": 1, "demand": 1}
    assert listings_expire(today=today) == {"achievement": 0, "demand": 0}  # a second run changes nothing
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == ListingStatus.EXPIRED
    assert later.status == ListingStatus.PUBLISHED
    assert ListingEvent.objects.filter(achievement=due, to_status="expired").count() == 1
    assert ListingEvent.objects.filter(demand=demand, to_status="expired").count() == 1


def test_expire_task_runs_through_celery(owner_org, celery_eager):
    from apps.listings.tasks import expire_listings

    listing = make_achievement(owner_org)
    Achievement.objects.filter(pk=listing.pk).update(expires_on=timezone.localdate() - timedelta(days=2))
    assert expire_listings.delay().get() == {"achievement": 1, "demand": 0}
    listing.refresh_from_db()
    assert listing.status == ListingStatus.EXPIRED
