"""The operator's admin for challenges: pages load, the log is read-only, reviews go through the service."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from apps.challenges.models import Challenge, ChallengeDecision, ChallengeStatus
from apps.challenges.services import challenge_submit
from apps.organizations.models import OrganizationType
from tests.challenges.factories import awarded_race, draft_challenge
from tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client: Client) -> Client:
    operator = OrganizationFactory(type=OrganizationType.MARKET_OPERATOR, entity_type_id="024")
    client.force_login(member_of(operator, is_staff=True, is_superuser=True))
    return client


def test_every_challenge_page_loads(operator_client):
    challenge, bids = awarded_race(teams=2)
    decision = ChallengeDecision.objects.filter(challenge=challenge).first()
    for name, obj in (
        ("challenge", challenge),
        ("bid", bids[0]),
        ("challengedecision", decision),
        ("tranche", None),
        ("milestonereview", None),
    ):
        assert operator_client.get(reverse(f"admin:challenges_{name}_changelist")).status_code == 200
        if obj is not None:
            page = operator_client.get(reverse(f"admin:challenges_{name}_change", args=[obj.pk]))
            assert page.status_code == 200
    # The log cannot be changed or deleted from the admin.
    url = reverse("admin:challenges_challengedecision_delete", args=[decision.pk])
    assert operator_client.post(url, {"post": "yes"}).status_code == 403
    assert ChallengeDecision.objects.filter(pk=decision.pk).exists()


def test_approve_action_uses_the_service(operator_client):
    challenge = draft_challenge()
    challenge_submit(actor=challenge.created_by, challenge=challenge)
    response = operator_client.post(
        reverse("admin:challenges_challenge_changelist"),
        {"action": "approve_selected", ACTION_CHECKBOX_NAME: [str(challenge.pk)], "index": "0"},
    )
    assert response.status_code == 302
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.OPEN
    assert ChallengeDecision.objects.filter(challenge=challenge, kind="approve").exists()


def test_reject_action_needs_a_reason(operator_client):
    challenge = draft_challenge()
    challenge_submit(actor=challenge.created_by, challenge=challenge)
    url = reverse("admin:challenges_challenge_changelist")
    data = {"action": "reject_selected", ACTION_CHECKBOX_NAME: [str(challenge.pk)], "index": "0"}
    operator_client.post(url, data)
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.SUBMITTED
    operator_client.post(url, {**data, "reason": "奖金来源不明"})
    rejected = Challenge.objects.get(pk=challenge.pk)
    assert (rejected.status, rejected.rejection_reason) == (ChallengeStatus.DRAFT, "奖金来源不明")
