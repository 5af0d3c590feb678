"""External ids on listings over HTTP: set, filter, and the idempotent upsert PUT …/by-external-id/{id}."""

from __future__ import annotations

from typing import Any

import pytest

from apps.listings.models import Achievement
from tests.factories import OrganizationFactory, member_of
from tests.listings.factories import achievement_data, demand_data

pytestmark = pytest.mark.django_db


def _json(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if not isinstance(v, list | int | str | type(None)) else v) for k, v in data.items()}


@pytest.fixture
def clients(client_for):
    return {
        "tto": client_for(member_of(OrganizationFactory(name="柳州工学院"))),
        "other": client_for(member_of(OrganizationFactory(name="广西科技大学"))),
    }


def test_put_creates_then_updates_and_a_replay_changes_nothing(clients):
    tto = clients["tto"]
    body = _json(achievement_data(title="齿轮箱故障诊断"))
    created = tto.put("/api/v1/achievements/by-external-id/TTO-2026-001", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created["Location"].endswith(f"/api/v1/achievements/{pk}")
    assert created.json()["external_id"] == "TTO-2026-001"

    replay = tto.put("/api/v1/achievements/by-external-id/TTO-2026-001", body, format="json")
    assert replay.status_code == 200
    assert replay.json()["id"] == pk
    changed = tto.put(
        "/api/v1/achievements/by-external-id/TTO-2026-001", {**body, "title": "齿轮箱故障诊断（第二版）"}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["title"] == "齿轮箱故障诊断（第二版）"
    assert Achievement.objects.filter(external_id="TTO-2026-001").count() == 1

    found = tto.get("/api/v1/achievements", {"external_id": "TTO-2026-001"}).json()["results"]
    assert [row["id"] for row in found] == [pk]


def test_the_same_external_id_in_another_organisation_is_another_record(clients):
    body = _json(demand_data())
    first = clients["tto"].put("/api/v1/demands/by-external-id/X-1", body, format="json")
    second = clients["other"].put("/api/v1/demands/by-external-id/X-1", body, format="json")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    # Each sees only its own under that id; the other's external id is not shown or searchable.
    assert [r["id"] for r in clients["other"].get("/api/v1/demands", {"external_id": "X-1"}).json()["results"]] == [
        second.json()["id"]
    ]
    assert clients["other"].get(f"/api/v1/demands/{first.json()['id']}").status_code == 404


def test_a_taken_external_id_on_create_or_edit_is_409_and_bad_input_stores_nothing(clients):
    tto = clients["tto"]
    assert (
        tto.post("/api/v1/achievements", _json(achievement_data(external_id="A-1")), format="json").status_code == 201
    )
    taken = tto.post("/api/v1/achievements", _json(achievement_data(external_id="A-1")), format="json")
    assert taken.status_code == 409
    assert taken.json()["code"] == "external_id_taken"
    other = tto.post("/api/v1/achievements", _json(achievement_data(external_id="A-2")), format="json").json()["id"]
    clash = tto.patch(f"/api/v1/achievements/{other}", {"external_id": "A-1"}, format="json")
    assert clash.status_code == 409
    assert clash.json()["code"] == "external_id_taken"

    count = Achievement.objects.count()
    bad = tto.put("/api/v1/achievements/by-external-id/A-9", {"title": "缺少字段"}, format="json")
    assert bad.status_code == 400
    too_long = tto.put(f"/api/v1/achievements/by-external-id/{'长' * 101}", _json(achievement_data()), format="json")
    assert too_long.status_code == 400
    assert too_long.json()["code"] == "invalid_external_id"
    assert Achievement.objects.count() == count


def test_put_follows_the_update_rules_a_published_listing_is_not_edited(clients, client_for):
    from tests.factories import operator_user

    tto = clients["tto"]
    body = _json(achievement_data())
    pk = tto.put("/api/v1/achievements/by-external-id/P-1", body, format="json").json()["id"]
    assert tto.post(f"/api/v1/achievements/{pk}/submit").status_code == 200
    approve = client_for(operator_user()).post(f"/api/v1/achievements/{pk}/review", {"approve": True}, format="json")
    assert approve.status_code == 200
    again = tto.put("/api/v1/achievements/by-external-id/P-1", {**body, "title": "改"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "not_editable"


def test_updated_since_needs_an_offset_and_filters(clients):
    tto = clients["tto"]
    pk = tto.post("/api/v1/achievements", _json(achievement_data()), format="json").json()["id"]
    naive = tto.get("/api/v1/achievements", {"mine": "true", "updated_since": "2026-01-01T00:00:00"})
    assert naive.status_code == 400
    rows = tto.get("/api/v1/achievements", {"mine": "true", "updated_since": "2000-01-01T00:00:00+08:00"}).json()
    assert [r["id"] for r in rows["results"]] == [pk]
    rows = tto.get("/api/v1/achievements", {"mine": "true", "updated_since": "2099-01-01T00:00:00Z"}).json()
    assert rows["results"] == []
