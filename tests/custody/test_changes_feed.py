"""The changes feed for IP custody: the custodian loses an asset from its mirror when custody ends."""

from __future__ import annotations

from typing import Any

from tests.custody.factories import make_agreement, make_patent


def _entries(client: Any, since: str) -> set[tuple[str, int, str]]:
    body = client.get("/api/v1/changes", {"since": since, "types": "ip_asset,custody_agreement"}).json()
    return {(e["type"], e["id"], e["change"]) for e in body["results"]}


def test_ending_custody_is_a_tombstone_of_the_asset_for_the_agency_only(world, client_for):
    owner, agency = client_for(world.owner_member), client_for(world.agency_member)
    stranger = client_for(world.stranger)
    heads = {
        name: c.get("/api/v1/changes/head").json()["cursor"] for name, c in (("agency", agency), ("stranger", stranger))
    }
    asset = make_patent(world.owner)
    agreement = make_agreement(world, [asset])
    assert ("ip_asset", asset.pk, "updated") in _entries(agency, heads["agency"])
    assert agency.get(f"/api/v1/ip-assets/{asset.pk}").status_code == 200

    cursors = {
        "owner": owner.get("/api/v1/changes/head").json()["cursor"],
        "agency": agency.get("/api/v1/changes/head").json()["cursor"],
    }
    ended = owner.post(f"/api/v1/custody/agreements/{agreement.pk}/end", {"note": "客户解约"}, format="json")
    assert ended.status_code == 200, ended.json()
    assert _entries(agency, cursors["agency"]) == {
        ("ip_asset", asset.pk, "deleted"),
        ("custody_agreement", agreement.pk, "updated"),
    }
    assert _entries(owner, cursors["owner"]) == {
        ("ip_asset", asset.pk, "updated"),
        ("custody_agreement", agreement.pk, "updated"),
    }
    assert _entries(stranger, heads["stranger"]) == set()
