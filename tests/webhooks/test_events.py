"""Each kind of event, caused through the API as its user would, reaches a real receiver signed, and only the
subscriptions of the organisations entitled to see it: never a third organisation's."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.core.effects import run_pending_effects
from apps.custody.services import annuity_reminders_send
from apps.webhooks.models import Event
from tests.contracts.factories import PDF_BYTES, contract_payload
from tests.custody.factories import NOW, make_agreement, make_patent, make_world
from tests.deals.factories import DealWorld
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.factories import achievement_data
from tests.matching.factories import GEAR_ACHIEVEMENT, GEAR_DEMAND, draft_achievement, draft_demand
from tests.webhooks.receiver import Receiver, verify_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def operator():
    return operator_user()


class Hooks:
    """One subscription (every event type) per organisation, each at its own path of the receiver."""

    def __init__(self, client_for: Any, receiver: Receiver, **admins: Any) -> None:
        self.receiver = receiver
        self.secrets: dict[str, str] = {}
        for name, admin in admins.items():
            response = client_for(admin).post(
                "/api/v1/webhooks/subscriptions", {"url": receiver.url(f"/{name}")}, format="json"
            )
            assert response.status_code == 201, response.json()
            self.secrets[name] = response.json()["secret"]

    def events(self, name: str) -> list[dict[str, Any]]:
        """Every event ``name`` received, each verified with the documented snippet and its own secret."""
        run_pending_effects()
        return [verify_webhook(self.secrets[name], r.headers, r.body) for r in self.receiver.at(f"/{name}")]

    def types(self, name: str) -> list[str]:
        return [e["type"] for e in self.events(name)]


def _json(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if not isinstance(v, list | int | str | type(None)) else v) for k, v in data.items()}


def test_listing_events_reach_only_the_owner(client_for, receiver, operator):
    world = DealWorld()
    hooks = Hooks(client_for, receiver, seller=world.seller_user, buyer=world.buyer_user, outsider=world.outsider)
    owner = client_for(world.seller_user)
    data = _json(achievement_data(title="齿轮渗碳淬火变形控制技术"))
    created = owner.post("/api/v1/achievements", data, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert owner.patch(f"/api/v1/achievements/{pk}", {"contact_name": "王工"}, format="json").status_code == 200
    assert owner.post(f"/api/v1/achievements/{pk}/submit").status_code == 200
    assert client_for(operator).post(f"/api/v1/achievements/{pk}/review", {"approve": True}).status_code == 200
    assert owner.post(f"/api/v1/achievements/{pk}/withdraw", {"note": "暂停"}).status_code == 200

    events = hooks.events("seller")
    assert [e["type"] for e in events] == [
        "listing.created",
        "listing.updated",
        "listing.published",
        "listing.withdrawn",
    ]
    assert {e["data"]["listing_id"] for e in events} == {pk}
    assert events[0]["data"]["title"] == "齿轮渗碳淬火变形控制技术"
    assert events[0]["data"]["kind"] == "achievement"
    assert [e["data"]["status"] for e in events] == ["draft", "draft", "published", "withdrawn"]
    assert len({e["id"] for e in events}) == 4
    assert hooks.types("buyer") == [] and hooks.types("outsider") == []


def test_deal_contract_payment_and_registration_events_reach_both_parties_only(client_for, receiver, operator):
    world = DealWorld()
    deal = world.deal()
    hooks = Hooks(client_for, receiver, seller=world.seller_user, buyer=world.buyer_user, outsider=world.outsider)
    buyer, seller = client_for(world.buyer_user), client_for(world.seller_user)

    moved = buyer.post(f"/api/v1/deals/{deal.pk}/advance", {"to": "contacted"}, HTTP_IF_MATCH='"1"')
    assert moved.status_code == 200, moved.json()
    contract = seller.post(
        "/api/v1/contracts", contract_payload(buyer=world.buyer, seller=world.seller), format="json"
    ).json()
    paid = buyer.post(
        f"/api/v1/contracts/{contract['id']}/payments",
        {"amount": "100000.00", "paid_on": timezone.localdate().isoformat(), "reference": "柳州银行-0001"},
        format="json",
    )
    assert paid.status_code == 201, paid.json()
    upload = SimpleUploadedFile("技术转让合同.pdf", PDF_BYTES, content_type="application/pdf")
    document = seller.post(f"/api/v1/contracts/{contract['id']}/document", {"file": upload}, format="multipart")
    assert document.status_code == 200
    applied = seller.post(f"/api/v1/contracts/{contract['id']}/registration", {}, format="json")
    assert applied.status_code == 201, applied.json()
    decided = client_for(operator).post(
        f"/api/v1/registrations/{applied.json()['id']}/decide", {"decision": "register"}, format="json"
    )
    assert decided.status_code == 200, decided.json()

    expected = [
        "deal.stage_changed",
        "contract.created",
        "contract.signed",
        "payment.recorded",
        "registration.applied",
        "registration.approved",
    ]
    for party in ("buyer", "seller"):
        events = hooks.events(party)
        assert [e["type"] for e in events] == expected
        by_type = {e["type"]: e["data"] for e in events}
        assert by_type["deal.stage_changed"] == {
            **by_type["deal.stage_changed"],
            "deal_id": deal.pk,
            "stage": "contacted",
            "previous_stage": "lead",
            "buyer_id": world.buyer.pk,
            "seller_id": world.seller.pk,
        }
        assert by_type["contract.signed"]["contract_id"] == contract["id"]
        assert by_type["contract.signed"]["contract_amount"] == "1000000.00"
        assert by_type["payment.recorded"]["amount"] == "100000.00"
        assert by_type["payment.recorded"]["reference"] == "柳州银行-0001"
        assert by_type["registration.approved"]["registration_number"] == decided.json()["registration_number"]
        assert by_type["registration.approved"]["status"] == "registered"
    assert hooks.types("outsider") == []


def test_a_refused_registration_is_a_rejected_event(client_for, receiver, operator):
    world = DealWorld()
    hooks = Hooks(client_for, receiver, seller=world.seller_user, outsider=world.outsider)
    seller = client_for(world.seller_user)
    contract = seller.post(
        "/api/v1/contracts", contract_payload(buyer=world.buyer, seller=world.seller), format="json"
    ).json()
    upload = SimpleUploadedFile("合同.pdf", PDF_BYTES, content_type="application/pdf")
    seller.post(f"/api/v1/contracts/{contract['id']}/document", {"file": upload}, format="multipart")
    applied = seller.post(f"/api/v1/contracts/{contract['id']}/registration", {}, format="json").json()
    refused = client_for(operator).post(
        f"/api/v1/registrations/{applied['id']}/decide",
        {"decision": "refuse", "refusal_ground": "price_unclear", "note": "价款约定不明"},
        format="json",
    )
    assert refused.status_code == 200, refused.json()
    events = hooks.events("seller")
    assert [e["type"] for e in events][-1] == "registration.rejected"
    assert events[-1]["data"]["refusal_ground"] == "price_unclear"
    assert hooks.types("outsider") == []


def test_a_strong_new_match_reaches_both_listing_owners(settings, client_for, receiver, operator):
    settings.MATCHING_NOTIFY_MIN_SCORE = 0.5
    enterprise = OrganizationFactory(name="柳州五菱汽车零部件有限公司")
    university = OrganizationFactory(name="广西科技大学", type="university", entity_type_id="022")
    ent_user, uni_user = member_of(enterprise), member_of(university)
    outsider = member_of(OrganizationFactory())
    achievement = draft_achievement(university, **GEAR_ACHIEVEMENT)
    demand = draft_demand(enterprise, **GEAR_DEMAND)
    hooks = Hooks(client_for, receiver, enterprise=ent_user, university=uni_user, outsider=outsider)
    for user, kind, listing in ((uni_user, "achievements", achievement), (ent_user, "demands", demand)):
        assert client_for(user).post(f"/api/v1/{kind}/{listing.pk}/submit").status_code == 200
        assert client_for(operator).post(f"/api/v1/{kind}/{listing.pk}/review", {"approve": True}).status_code == 200
        run_pending_effects()  # matching indexes the listing and stores its matches

    for owner in ("enterprise", "university"):
        (match,) = [e for e in hooks.events(owner) if e["type"] == "match.created"]
        assert match["data"]["demand_id"] == demand.pk
        assert match["data"]["achievement_id"] == achievement.pk
        assert match["data"]["demand_owner_id"] == enterprise.pk
        assert match["data"]["score"] >= 0.5
    assert hooks.types("outsider") == []


def test_annuity_reminders_reach_the_owner_and_the_custodian(client_for, receiver):
    with time_machine.travel(NOW, tick=True):
        world = make_world()
        hooks = Hooks(client_for, receiver, owner=world.owner_member, agency=world.agency_member, other=world.stranger)
        patent = make_patent(world.owner, title="一种螺蛳粉汤料的制备方法")
        agreement = make_agreement(world, [patent])
        annuity_reminders_send(today=date(2026, 12, 2))
        # The scan did not run between December and April: the annuity is overdue, in its grace period.
        annuity_reminders_send(today=date(2027, 4, 10))
        for side in ("owner", "agency"):
            due, overdue = hooks.events(side)
            assert (due["type"], overdue["type"]) == ("custody.annuity_due", "custody.annuity_overdue")
            assert due["data"]["agreement_id"] == overdue["data"]["agreement_id"] == agreement.pk
            (line,) = due["data"]["reminders"]
            assert (line["title"], line["year"], line["fee"], line["due_date"]) == (
                "一种螺蛳粉汤料的制备方法",
                8,
                "2000.00",
                "2027-03-02",
            )
            (late,) = overdue["data"]["reminders"]
            assert late["stage"] == "grace_2" and late["late_fee"] != "0.00"
        assert hooks.types("other") == []


def test_nothing_is_stored_when_nobody_listens(client_for):
    world = DealWorld()
    owner = client_for(world.seller_user)
    assert owner.post("/api/v1/achievements", _json(achievement_data()), format="json").status_code == 201
    assert not Event.objects.exists()
