"""The operator's admin for matching: pages load, Chinese search works, nothing is edited by hand."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from apps.matching.models import IndexChange, Match, MatchingRun, RunStatus
from apps.matching.services import matching_rebuild
from tests.factories import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for_operator(client: Client, operator) -> Client:
    operator_org = operator.memberships.get().organization
    client.force_login(member_of(operator_org, is_staff=True, is_superuser=True))
    return client


def test_every_matching_page_loads_and_nothing_is_editable(admin_client_for_operator, market):
    client = admin_client_for_operator
    run = matching_rebuild()
    match = Match.objects.first()
    change = IndexChange.objects.first()
    for name, obj in (("match", match), ("matchingrun", run), ("indexchange", change)):
        assert client.get(reverse(f"admin:matching_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:matching_{name}_change", args=[obj.pk])).status_code == 200
        assert client.get(reverse(f"admin:matching_{name}_add")).status_code == 403
        assert client.post(reverse(f"admin:matching_{name}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert Match.objects.filter(pk=match.pk).exists()


def test_matches_are_found_by_chinese_titles(admin_client_for_operator, market):
    client = admin_client_for_operator
    page = client.get(reverse("admin:matching_match_changelist"), {"q": "渗碳淬火"})
    assert page.status_code == 200
    assert "齿轮渗碳淬火变形控制技术" in page.content.decode()
    empty = client.get(reverse("admin:matching_match_changelist"), {"q": "富硒水稻"})
    assert "齿轮渗碳淬火变形控制技术" not in empty.content.decode()


def test_the_operator_queues_a_rebuild_from_the_admin(admin_client_for_operator, market, celery_eager):
    first = matching_rebuild()
    response = admin_client_for_operator.post(
        reverse("admin:matching_matchingrun_changelist"),
        {"action": "queue_rebuild", ACTION_CHECKBOX_NAME: [first.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert MatchingRun.objects.count() == 2
    assert MatchingRun.objects.latest("id").status == RunStatus.CONSISTENT


def test_the_operator_queues_a_rematch_of_everything_from_the_admin(
    admin_client_for_operator, market, celery_eager, django_capture_on_commit_callbacks
):
    first = matching_rebuild()
    Match.objects.update(engine_version="0.9.0")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_for_operator.post(
            reverse("admin:matching_matchingrun_changelist"),
            {"action": "queue_rematch", ACTION_CHECKBOX_NAME: [first.pk]},
            follow=True,
        )
    assert response.status_code == 200
    run = MatchingRun.objects.latest("id")
    assert (run.kind, run.listings) == ("rematch", 4)
    assert set(Match.objects.values_list("engine_version", flat=True)) == {first.engine_version}
