"""The operator's admin for the statistics: pages load, grains are filtered by name, nothing is edited
by hand, and a recompute can be queued."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from apps.stats.models import Cell, ContractFigures, RecomputeRun
from apps.stats.services import stats_fold_contract, stats_recompute
from tests.factories import member_of, operator_user
from tests.stats.fold_helpers import make_world, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return operator_user()


@pytest.fixture
def admin_client(client, operator):
    client.force_login(member_of(operator.memberships.get().organization, is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def folded(settings, tmp_path, operator):
    world = make_world(settings, tmp_path)
    registration = registered(world, operator, on="2026-03-10")
    stats_fold_contract(contract_id=registration.contract_id)
    return registration


def test_every_statistics_page_loads_and_nothing_is_editable(admin_client, folded):
    run = stats_recompute()
    cell = Cell.objects.get(grain=1)
    figures = ContractFigures.objects.get()
    for name, obj in (("cell", cell), ("contractfigures", figures), ("recomputerun", run)):
        assert admin_client.get(reverse(f"admin:stats_{name}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:stats_{name}_change", args=[obj.pk])).status_code == 200
        assert admin_client.get(reverse(f"admin:stats_{name}_add")).status_code == 403
        delete = admin_client.post(reverse(f"admin:stats_{name}_delete", args=[obj.pk]), {"post": "yes"})
        assert delete.status_code == 403
    assert Cell.objects.filter(pk=cell.pk).exists()


def test_cells_are_filtered_by_grain_and_month(admin_client, folded):
    url = reverse("admin:stats_cell_changelist")
    page = admin_client.get(
        url, {"grain": "4", "month__year": "2026", "month__month": "3"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert page.context["cl"].result_list[0].grain == 4
    assert admin_client.get(url, {"grain": "4", "month__year": "2025"}).context["cl"].result_count == 0


def test_the_operator_queues_a_recompute_from_the_admin(admin_client, folded, celery_eager):
    first = stats_recompute()
    response = admin_client.post(
        reverse("admin:stats_recomputerun_changelist"),
        {"action": "queue_recompute", ACTION_CHECKBOX_NAME: [first.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert RecomputeRun.objects.count() == 2
    assert RecomputeRun.objects.latest("started_at").differences == 0
