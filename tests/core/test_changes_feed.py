"""The changes feed over HTTP: a mirror kept exact by the feed alone, scoping, tombstones, retention."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.core.changes import purge_changes
from apps.core.models import Change
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.factories import achievement_data, demand_data

pytestmark = pytest.mark.django_db

TYPES = "achievement,demand"


def _json(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if not isinstance(v, list | int | str | type(None)) else v) for k, v in data.items()}


class Mirror:
    """An integrator's copy of every listing its caller may see, kept by the changes feed alone."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.records: dict[tuple[str, int], dict[str, Any]] = {}
        self.seen_ids: set[tuple[str, int]] = set()
        head = client.get("/api/v1/changes/head")
        assert head.status_code == 200, head.json()
        self.cursor = head.json()["cursor"]
        self.records = full_read(client)

    def sync(self) -> int:
        applied = 0
        while True:
            page = self.client.get("/api/v1/changes", {"since": self.cursor, "types": TYPES, "page_size": 3})
            assert page.status_code == 200, page.json()
            body = page.json()
            for entry in body["results"]:
                key = (entry["type"], entry["id"])
                self.seen_ids.add(key)
                if entry["change"] == "deleted":
                    assert entry["url"] is None
                    self.records.pop(key, None)
                else:
                    detail = self.client.get(entry["url"])
                    assert detail.status_code == 200, (entry, detail.json())
                    self.records[key] = detail.json()
                applied += 1
            self.cursor = body["next_cursor"]
            if not body["has_more"]:
                return applied


def full_read(client: Any) -> dict[tuple[str, int], dict[str, Any]]:
    """Every listing the caller may see, read again from scratch: the market and the caller's own."""
    records: dict[tuple[str, int], dict[str, Any]] = {}
    for kind, plural in (("achievement", "achievements"), ("demand", "demands")):
        for params in ({}, {"mine": "true"}):
            url: str | None = f"/api/v1/{plural}"
            query: dict[str, Any] | None = params
            while url:
                page = client.get(url, query)
                assert page.status_code == 200
                for row in page.json()["results"]:
                    records[(kind, row["id"])] = client.get(f"/api/v1/{plural}/{row['id']}").json()
                url, query = page.json()["next"], None
    return records


@pytest.fixture
def market(client_for):
    university = OrganizationFactory(name="柳州工学院")
    enterprise = OrganizationFactory(name="柳州五菱测试有限公司")
    return {
        "owner": client_for(member_of(university)),
        "other": client_for(member_of(enterprise)),
        "operator": client_for(operator_user()),
    }


def _create(client: Any, plural: str, **overrides: Any) -> int:
    data = achievement_data(**overrides) if plural == "achievements" else demand_data(**overrides)
    response = client.post(f"/api/v1/{plural}", _json(data), format="json")
    assert response.status_code == 201, response.json()
    return int(response.json()["id"])


def _publish(market: dict[str, Any], plural: str, pk: int) -> None:
    assert market["owner"].post(f"/api/v1/{plural}/{pk}/submit").status_code == 200
    response = market["operator"].post(f"/api/v1/{plural}/{pk}/review", {"approve": True}, format="json")
    assert response.status_code == 200, response.json()


def test_a_mirror_synced_by_the_feed_ends_identical_to_a_full_read(market):
    owner, other = market["owner"], market["other"]
    kept = _create(owner, "achievements", title="发动机缸体视觉检测")
    _publish(market, "achievements", kept)
    mirrors = {"owner": Mirror(owner), "other": Mirror(other)}

    # Round 1: new drafts, a publication, an edit, an own draft of the other side.
    draft = _create(owner, "achievements", title="未公开的草稿")
    published = _create(owner, "demands", title="齿轮热处理变形控制")
    _publish(market, "demands", published)
    assert owner.patch(f"/api/v1/achievements/{draft}", {"title": "草稿改名"}, format="json").status_code == 200
    own_demand = _create(other, "demands", title="企业自己的需求草稿")
    for mirror in mirrors.values():
        mirror.sync()
        assert mirror.records == full_read(mirror.client)

    # Round 2: withdrawn (leaves the market), deleted draft, reopened and edited, republished.
    assert owner.post(f"/api/v1/achievements/{kept}/withdraw", {"note": "暂停"}, format="json").status_code == 200
    assert owner.delete(f"/api/v1/achievements/{draft}").status_code == 204
    assert owner.post(f"/api/v1/demands/{published}/withdraw", {"note": ""}, format="json").status_code == 200
    assert owner.post(f"/api/v1/demands/{published}/reopen").status_code == 200
    assert (
        owner.patch(f"/api/v1/demands/{published}", {"title": "齿轮变形控制（修订）"}, format="json").status_code == 200
    )
    _publish(market, "demands", published)
    for mirror in mirrors.values():
        mirror.sync()
        assert mirror.records == full_read(mirror.client)

    assert ("achievement", kept) not in mirrors["other"].records
    assert ("achievement", kept) in mirrors["owner"].records
    assert mirrors["other"].records[("demand", published)]["title"] == "齿轮变形控制（修订）"
    # The other organisation never hears of the owner's private draft, nor the owner of theirs.
    assert ("achievement", draft) not in mirrors["other"].seen_ids
    assert ("demand", own_demand) not in mirrors["owner"].seen_ids
    assert ("demand", own_demand) in mirrors["other"].records
    # A second sync with nothing new applies nothing and keeps the cursor.
    cursor = mirrors["other"].cursor
    assert mirrors["other"].sync() == 0
    assert mirrors["other"].cursor == cursor


def test_a_withdrawn_listing_is_a_tombstone_for_others_and_an_update_for_its_owner(market):
    pk = _create(market["owner"], "achievements")
    _publish(market, "achievements", pk)
    cursors = {name: market[name].get("/api/v1/changes/head").json()["cursor"] for name in ("owner", "other")}
    assert market["owner"].post(f"/api/v1/achievements/{pk}/withdraw", {"note": ""}, format="json").status_code == 200

    seen = {}
    for name in ("owner", "other"):
        body = market[name].get("/api/v1/changes", {"since": cursors[name], "types": "achievement"}).json()
        seen[name] = [(e["id"], e["change"]) for e in body["results"]]
    assert seen["owner"] == [(pk, "updated")]
    assert seen["other"] == [(pk, "deleted")]


def test_bad_cursor_and_unknown_type_are_400(market):
    response = market["other"].get("/api/v1/changes", {"since": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
    response = market["other"].get("/api/v1/changes", {"types": "achievement,spaceship"})
    assert response.status_code == 400
    assert response.json()["code"] == "changes_unknown_type"


def test_anonymous_callers_get_401(api_client):
    assert api_client.get("/api/v1/changes").status_code == 401


def test_a_cursor_older_than_the_retention_is_410_and_the_head_resyncs(market, settings):
    settings.CHANGES_RETENTION_DAYS = 30
    other = market["other"]
    old_cursor = other.get("/api/v1/changes/head").json()["cursor"]
    pk = _create(market["owner"], "achievements")
    _publish(market, "achievements", pk)
    Change.objects.update(occurred_at=timezone.now() - timedelta(days=31))
    assert purge_changes() > 0

    response = other.get("/api/v1/changes", {"since": old_cursor})
    assert response.status_code == 410
    body = response.json()
    assert body["code"] == "changes_cursor_expired"
    assert response["Content-Type"].startswith("application/problem+json")
    # Resync: the head cursor is valid, and nothing is lost after it.
    head = body["head"]
    assert other.get("/api/v1/changes", {"since": head}).status_code == 200
    assert market["owner"].post(f"/api/v1/achievements/{pk}/withdraw", {"note": ""}, format="json").status_code == 200
    entries = other.get("/api/v1/changes", {"since": head}).json()["results"]
    assert [(e["id"], e["change"]) for e in entries] == [(pk, "deleted")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transaction_that_commits_late_is_not_skipped_by_a_reader(client_for):
    """Two real transactions on separate connections: the first to insert commits last."""
    from apps.listings.services import achievement_create

    university = OrganizationFactory(name="柳州工学院")
    owner = member_of(university)
    reader = client_for(owner)
    cursor = reader.get("/api/v1/changes/head").json()["cursor"]
    inserted, release = threading.Event(), threading.Event()
    result: dict[str, Any] = {}

    def long_transaction() -> None:
        try:
            with transaction.atomic():
                result["late"] = achievement_create(actor=owner, data=achievement_data(title="长事务里的成果")).pk
                inserted.set()
                assert release.wait(timeout=30)
        finally:
            inserted.set()
            connection.close()

    thread = threading.Thread(target=long_transaction)
    thread.start()
    assert inserted.wait(timeout=30)
    early = _create(reader, "achievements", title="先提交的成果")  # its own transaction, committed now

    body = reader.get("/api/v1/changes", {"since": cursor, "types": "achievement"}).json()
    assert [e["id"] for e in body["results"]] == [early]
    cursor = body["next_cursor"]

    release.set()
    thread.join(timeout=30)
    late = result["late"]
    body = reader.get("/api/v1/changes", {"since": cursor, "types": "achievement"}).json()
    assert [(e["id"], e["change"]) for e in body["results"]] == [(late, "created")]
    # The late row was inserted first: ordering by insertion (id) would have put it behind the cursor.
    late_row = Change.objects.get(type="achievement", object_id=late)
    early_row = Change.objects.get(type="achievement", object_id=early)
    assert late_row.id < early_row.id
    assert late_row.seq is not None and early_row.seq is not None and late_row.seq > early_row.seq


def test_records_older_than_the_feed_reach_the_public_after_the_baseline(market):
    from django.core.management import call_command

    from apps.core.models import RecordAudience

    pk = _create(market["owner"], "achievements")
    _publish(market, "achievements", pk)
    # As if the listing had been published before the feed existed: nobody is remembered to see it.
    RecordAudience.objects.all().delete()
    call_command("changes_baseline", stdout=io.StringIO())
    assert RecordAudience.objects.get(type="achievement", object_id=pk).public is True

    cursor = market["other"].get("/api/v1/changes/head").json()["cursor"]
    assert market["owner"].post(f"/api/v1/achievements/{pk}/withdraw", {"note": ""}, format="json").status_code == 200
    entries = market["other"].get("/api/v1/changes", {"since": cursor}).json()["results"]
    assert [(e["type"], e["id"], e["change"]) for e in entries] == [("achievement", pk, "deleted")]


def test_the_feed_query_count_is_pinned(market, django_assert_num_queries):
    other = market["other"]
    cursor = other.get("/api/v1/changes/head").json()["cursor"]
    for n in range(3):
        _publish(market, "achievements", _create(market["owner"], "achievements"))
        _create(other, "demands", title=f"需求{n}")
    # The user and their memberships; the stamp (savepoint, log row, its lock, the numbering, the head,
    # release); the page (savepoint, log row, FOR SHARE, the entries, one visibility read per record type
    # on the page, release): not one per entry.
    with django_assert_num_queries(15):
        body = other.get("/api/v1/changes", {"since": cursor}).json()
    assert {(e["type"], e["change"]) for e in body["results"]} == {("achievement", "updated"), ("demand", "created")}
