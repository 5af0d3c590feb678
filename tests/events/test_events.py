"""Events over HTTP: a 对接会 with registrations (capacity), one-to-one slots (no double booking),
attendance, and a deal attributed to the event where it started, counted in the event figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.events.models import EventDealAttribution, EventRegistration, MeetingSlot
from tests.contracts.factories import make_contract, pdf_upload
from tests.deals.factories import DealWorld
from tests.factories import TEST_PASSWORD, OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db


def _iso(moment):
    return moment.isoformat()


@pytest.fixture
def fair(client_for):
    operator = operator_user()
    op = client_for(operator)
    now = timezone.now()
    made = op.post(
        "/api/v1/events",
        {"title": "柳州汽车零部件技术对接会", "kind": "matchmaking", "format": "hybrid", "market_code": "liuzhou",
         "venue": "柳州科技大市场路演厅", "starts_at": _iso(now - timedelta(hours=1)),
         "ends_at": _iso(now + timedelta(hours=5)), "capacity": 3},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    world = DealWorld()
    return {"op": op, "operator": operator, "event": made.json(), "world": world, "now": now}


def test_a_deal_is_attributed_to_the_matchmaking_meeting_where_it_started(fair, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world, event, now = fair["world"], fair["event"], fair["now"]
    url = f"/api/v1/events/{event['id']}"
    buyer, seller, outsider = (client_for(u) for u in (world.buyer_user, world.seller_user, world.outsider))

    regs = {}
    for name, client in (("buyer", buyer), ("seller", seller), ("outsider", outsider)):
        made = client.post(f"{url}/registrations", {}, format="json")
        assert made.status_code == 201, made.json()
        regs[name] = made.json()["id"]
    again = buyer.post(f"{url}/registrations", {}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_registered")
    late = client_for(member_of(OrganizationFactory())).post(f"{url}/registrations", {}, format="json")
    assert (late.status_code, late.json()["code"]) == (409, "event_full")
    assert EventRegistration.objects.filter(event_id=event["id"]).count() == 3

    start = now.replace(microsecond=0) + timedelta(minutes=30)
    booked = seller.post(
        f"{url}/slots",
        {"counterpart_id": regs["buyer"], "starts_at": _iso(start), "ends_at": _iso(start + timedelta(minutes=30)),
         "table": "洽谈桌 3"},
        format="json",
    )  # fmt: skip
    assert booked.status_code == 201, booked.json()
    overlapping = buyer.post(
        f"{url}/slots",
        {"counterpart_id": regs["outsider"], "starts_at": _iso(start + timedelta(minutes=15)),
         "ends_at": _iso(start + timedelta(minutes=45))},
        format="json",
    )  # fmt: skip
    assert (overlapping.status_code, overlapping.json()["code"]) == (409, "double_booked")
    outside = buyer.post(
        f"{url}/slots",
        {"counterpart_id": regs["outsider"], "starts_at": _iso(now + timedelta(hours=6)),
         "ends_at": _iso(now + timedelta(hours=7))},
        format="json",
    )  # fmt: skip
    assert (outside.status_code, outside.json()["code"]) == (400, "slot_outside_event")
    later = buyer.post(
        f"{url}/slots",
        {"counterpart_id": regs["outsider"], "starts_at": _iso(start + timedelta(minutes=30)),
         "ends_at": _iso(start + timedelta(minutes=60))},
        format="json",
    )  # fmt: skip
    assert later.status_code == 201, later.json()
    assert MeetingSlot.objects.filter(event_id=event["id"]).count() == 2
    # A registrant sees its own meetings; the organiser all.
    assert len(seller.get(f"{url}/slots").json()) == 1
    assert len(fair["op"].get(f"{url}/slots").json()) == 2

    # Attendance is the organiser's: a registrant sees the list but may not check anyone in.
    refused = seller.post(f"{url}/registrations/{regs['buyer']}/check-in")
    assert refused.status_code == 403
    checked = fair["op"].post(f"{url}/registrations/{regs['buyer']}/check-in")
    assert checked.status_code == 200
    assert checked.json()["checked_in_at"]
    fair["op"].post(f"{url}/registrations/{regs['seller']}/check-in")

    deal = world.deal()
    outsider_try = outsider.post(f"{url}/deals", {"deal_id": deal.pk}, format="json")
    assert outsider_try.status_code == 404
    attributed = seller.post(f"{url}/deals", {"deal_id": deal.pk}, format="json")
    assert attributed.status_code == 201, attributed.json()
    assert attributed.json() == {**attributed.json(), "event_id": event["id"], "deal_id": deal.pk}
    twice = fair["op"].post(f"{url}/deals", {"deal_id": deal.pk}, format="json")
    assert (twice.status_code, twice.json()["code"]) == (409, "deal_already_attributed")
    assert EventDealAttribution.objects.get(deal=deal).event_id == event["id"]

    from apps.contracts.services import contract_document_attach, registration_apply, registration_decide

    contract = make_contract(world, deal_id=deal.pk)
    contract_document_attach(actor=world.seller_user, contract=contract, upload=pdf_upload())
    registration_decide(
        actor=fair["operator"],
        registration=registration_apply(actor=world.seller_user, contract=contract),
        decision="register",
    )

    figures = fair["op"].get("/api/v1/events/figures", {"market": "liuzhou"})
    assert figures.status_code == 200, figures.json()
    (row,) = figures.json()
    assert {k: row[k] for k in ("registrants", "attendees", "meetings", "deals", "contracts")} == {
        "registrants": 3, "attendees": 2, "meetings": 2, "deals": 1, "contracts": 1,
    }  # fmt: skip
    assert row["contract_amount"] == "600000.00"
    assert row["registered_amount"] == "600000.00"
    # Figures are the operators': anyone else is refused.
    assert buyer.get("/api/v1/events/figures").status_code == 403
    # The statistics dashboard shows the event with the deal it started and the contract signed from it.
    browser = Client()
    browser.post("/stats/login/", {"username": fair["operator"].email, "password": TEST_PASSWORD})
    html = browser.get("/stats/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    panel = html[html.index('id="h-events"') :]
    row_html = panel[panel.index(f'data-event="{event["id"]}"') :].split("</tr>")[0]
    cells = [cell.split(">", 1)[1].split("<")[0] for cell in row_html.split("<td")[1:]]
    assert "柳州汽车零部件技术对接会" in row_html
    # date, registrants, attendees, deals started, contracts, contract amount (10k yuan)
    assert cells[1:] == ["3", "2", "1", "1", "60.00"]


def test_a_deal_whose_parties_were_not_there_is_not_attributed(fair, client_for):
    world, event = fair["world"], fair["event"]
    url = f"/api/v1/events/{event['id']}"
    client_for(world.buyer_user).post(f"{url}/registrations", {}, format="json")
    deal = world.deal()
    refused = fair["op"].post(f"{url}/deals", {"deal_id": deal.pk}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "deal_parties_not_at_event")
    assert not EventDealAttribution.objects.exists()


def test_events_are_created_by_the_operators_of_their_market(fair, client_for):
    body = {
        "title": "路演",
        "kind": "roadshow",
        "format": "online",
        "market_code": "liuzhou",
        "starts_at": "2027-03-18T09:00:00+08:00",
        "ends_at": "2027-03-18T12:00:00+08:00",
        "capacity": 50,
    }
    outsider = client_for(fair["world"].outsider)
    assert outsider.post("/api/v1/events", body, format="json").status_code == 403
    backwards = fair["op"].post("/api/v1/events", {**body, "ends_at": "2027-03-18T08:00:00+08:00"}, format="json")
    assert (backwards.status_code, backwards.json()["code"]) == (400, "bad_event_times")
    unknown = fair["op"].post("/api/v1/events", {**body, "market_code": "nowhere"}, format="json")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_market")
    listed = outsider.get("/api/v1/events").json()["results"]
    assert [e["title"] for e in listed] == ["柳州汽车零部件技术对接会"]
