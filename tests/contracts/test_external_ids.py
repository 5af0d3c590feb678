"""External ids on contracts and IP assets over HTTP: the upsert PUT …/by-external-id/{id}, with If-Match."""

from __future__ import annotations

import pytest

from apps.contracts.models import Contract
from apps.ip.models import IPAsset
from tests.contracts.factories import contract_payload
from tests.ip.factories import make_application_number

pytestmark = pytest.mark.django_db

URL = "/api/v1/contracts/by-external-id/{}"


def test_contract_put_creates_then_updates_with_if_match(client_for, world):
    seller = client_for(world.seller_user)
    body = contract_payload(buyer=world.buyer, seller=world.seller)
    created = seller.put(URL.format("HT-2026-7"), body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created["Location"].endswith(f"/api/v1/contracts/{pk}")
    assert created.json()["external_id"] == "HT-2026-7"
    assert created.json()["external_owner_id"] == world.seller.pk
    etag = created["ETag"]

    # An update names the version it read, as PATCH does.
    changed = {**body, "title": "齿轮渗碳热处理技术转让合同（补充）"}
    assert seller.put(URL.format("HT-2026-7"), changed, format="json").status_code == 428
    updated = seller.put(URL.format("HT-2026-7"), changed, format="json", HTTP_IF_MATCH=etag)
    assert updated.status_code == 200, updated.json()
    assert updated.json()["title"] == "齿轮渗碳热处理技术转让合同（补充）"
    stale = seller.put(URL.format("HT-2026-7"), changed, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    assert Contract.objects.filter(external_id="HT-2026-7").count() == 1

    found = seller.get("/api/v1/contracts", {"external_id": "HT-2026-7"}).json()["results"]
    assert [row["id"] for row in found] == [pk]
    # The buyer's organisation did not give that id: its own lookup finds nothing.
    assert client_for(world.buyer_user).get("/api/v1/contracts", {"external_id": "HT-2026-7"}).json()["results"] == []


def test_contract_external_ids_are_per_organisation_and_taken_ones_are_409(client_for, world):
    seller, buyer = client_for(world.seller_user), client_for(world.buyer_user)
    body = contract_payload(buyer=world.buyer, seller=world.seller)
    first = seller.put(URL.format("K-1"), body, format="json")
    second = buyer.put(URL.format("K-1"), contract_payload(buyer=world.buyer, seller=world.seller), format="json")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]

    other = seller.post("/api/v1/contracts", contract_payload(buyer=world.buyer, seller=world.seller), format="json")
    clash = seller.patch(
        f"/api/v1/contracts/{other.json()['id']}", {"external_id": "K-1"}, format="json", HTTP_IF_MATCH=other["ETag"]
    )
    assert clash.status_code == 409
    assert clash.json()["code"] == "external_id_taken"
    # Creating under a version that does not exist is refused, and an outsider cannot write parties' contracts.
    assert seller.put(URL.format("K-2"), body, format="json", HTTP_IF_MATCH='"1"').status_code == 412
    outsider = client_for(world.outsider).put(URL.format("K-3"), body, format="json")
    assert outsider.status_code in (400, 403)
    assert not Contract.objects.filter(external_id__in=["K-2", "K-3"]).exists()


def test_ip_asset_put_creates_updates_and_replays(client_for, world):
    seller = client_for(world.seller_user)
    body = {"kind": "invention", "title": "一种齿轮渗碳方法", "application_number": make_application_number()}
    created = seller.put("/api/v1/ip-assets/by-external-id/P-01", body, format="json")
    assert created.status_code == 201, created.json()
    assert created["Location"].endswith(f"/api/v1/ip-assets/{created.json()['id']}")
    replay = seller.put("/api/v1/ip-assets/by-external-id/P-01", body, format="json")
    assert replay.status_code == 200
    assert replay.json()["id"] == created.json()["id"]
    put_url = "/api/v1/ip-assets/by-external-id/P-01"
    renamed = seller.put(put_url, {**body, "title": "齿轮渗碳方法（改）"}, format="json")
    assert renamed.json()["title"] == "齿轮渗碳方法（改）"
    assert IPAsset.objects.filter(external_id="P-01").count() == 1
    rows = seller.get("/api/v1/ip-assets", {"external_id": "P-01"}).json()["results"]
    assert [r["id"] for r in rows] == [created.json()["id"]]
    # Another organisation cannot see it by id, and its own P-01 is another asset.
    other = client_for(world.buyer_user)
    assert other.get(f"/api/v1/ip-assets/{created.json()['id']}").status_code == 404
    mine = other.put(put_url, {**body, "application_number": make_application_number()}, format="json")
    assert mine.status_code == 201
    assert mine.json()["id"] != created.json()["id"]
