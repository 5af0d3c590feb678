"""Every endpoint that answers a file accepts the very format it produces.

DRF refused ``Accept: text/csv`` and ``Accept: text/calendar`` (what calendar clients send) with 406
before the view ran. Each file endpoint is asked with its own media type, with ``*/*`` and with no
``Accept`` at all; a refusal stays a problem document whatever was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.challenges.factories import bid_on, open_challenge
from tests.contracts.factories import PDF_BYTES, make_contract
from tests.custody.factories import NOW, make_agreement, make_patent, make_world
from tests.deals.factories import DealWorld
from tests.factories import operator_user
from tests.listings.factories import make_achievement

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class FileEndpoint:
    url: str
    query: dict[str, str]
    media_type: str  # what it answers, and what its clients ask for
    client: object


def _custody(client_for) -> list[tuple[str, FileEndpoint]]:
    world = make_world()
    make_agreement(world, [make_patent(world.owner)])
    owner = client_for(world.owner_member)
    feed = owner.post("/api/v1/custody/calendar-feed").json()["url"]
    query = {"organization": str(world.owner.pk), "role": "owner"}
    return [
        ("portfolio csv", FileEndpoint("/api/v1/custody/portfolio/export", query, "text/csv", owner)),
        ("calendar ics", FileEndpoint(feed[feed.index("/api/v1/") :], {}, "text/calendar", owner)),
    ]


def _market(client_for, api_client, tmp_path) -> list[tuple[str, FileEndpoint]]:
    operator = client_for(operator_user())
    report = {"group_by": "period", "date_from": "2025-01", "date_to": "2025-12"}
    endpoints = [
        ("stats csv", FileEndpoint("/api/v1/stats/report", {**report, "format": "csv"}, "text/csv", operator)),
        ("stats xlsx", FileEndpoint("/api/v1/stats/report", {**report, "format": "xlsx"}, XLSX, operator)),
    ]
    for kind in ("achievements", "demands"):
        endpoints += [
            (f"{kind} csv", FileEndpoint(f"/api/v1/{kind}/export", {"format": "csv"}, "text/csv", operator)),
            (f"{kind} xlsx", FileEndpoint(f"/api/v1/{kind}/export", {"format": "xlsx"}, XLSX, operator)),
        ]

    world = DealWorld()
    contract = make_contract(world)
    seller = client_for(world.seller_user)
    upload = SimpleUploadedFile("技术转让合同.pdf", PDF_BYTES, content_type="application/pdf")
    stored = seller.post(f"/api/v1/contracts/{contract.pk}/document", {"file": upload}, format="multipart")
    assert stored.status_code == 200, stored.json()
    endpoints.append(
        ("contract document", FileEndpoint(f"/api/v1/contracts/{contract.pk}/document", {}, "application/pdf", seller))
    )

    achievement = make_achievement(world.seller)
    attached = seller.post(
        f"/api/v1/achievements/{achievement.pk}/attachments",
        {"file": SimpleUploadedFile("工艺说明.pdf", PDF_BYTES), "is_public": True},
        format="multipart",
    )
    assert attached.status_code == 201, attached.json()
    url = f"/api/v1/achievements/{achievement.pk}/attachments/{attached.json()['id']}"
    endpoints.append(("listing attachment", FileEndpoint(url, {}, "application/pdf", api_client)))

    bid = bid_on(open_challenge())
    team = client_for(bid.submitted_by)
    upload = SimpleUploadedFile("可行性方案.pdf", PDF_BYTES, content_type="application/pdf")
    attachment = team.post(f"/api/v1/bids/{bid.pk}/attachments", {"file": upload}, format="multipart").json()
    url = f"/api/v1/bids/{bid.pk}/attachments/{attachment['id']}"
    endpoints.append(("bid attachment", FileEndpoint(url, {}, "application/pdf", team)))
    return endpoints


def _check(endpoints: list[tuple[str, FileEndpoint]]) -> None:
    failures = []
    for name, endpoint in endpoints:
        for accept in (endpoint.media_type, f"{endpoint.media_type}, */*;q=0.1", "*/*", None):
            headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
            response = endpoint.client.get(endpoint.url, endpoint.query, **headers)  # type: ignore[attr-defined]
            if response.status_code != 200 or not response["Content-Type"].startswith(endpoint.media_type):
                failures.append((name, accept, response.status_code, response["Content-Type"]))
    assert failures == []


def test_custody_files_answer_their_own_accept_header(client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=True):
        endpoints = _custody(client_for)
        _check(endpoints)
        # A refusal is still a problem document, even to a calendar client.
        gone = endpoints[1][1].client.get("/api/v1/custody/calendar/not-a-feed.ics", HTTP_ACCEPT="text/calendar")  # type: ignore[attr-defined]
        assert gone.status_code == 404
        assert gone["Content-Type"] == "application/problem+json"


def test_market_files_answer_their_own_accept_header(client_for, api_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _check(_market(client_for, api_client, tmp_path))
    refused = client_for(operator_user()).get(
        "/api/v1/stats/report", {"format": "csv", "period": "week"}, HTTP_ACCEPT="text/csv"
    )
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"


def test_json_endpoints_still_refuse_what_they_cannot_produce(client_for):
    response = client_for(operator_user()).get("/api/v1/me", HTTP_ACCEPT="text/csv")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/problem+json"
