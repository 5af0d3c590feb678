"""Contracts over HTTP: recording, amounts, visibility, updates with If-Match, idempotent creation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from apps.contracts.models import Contract, Deduction
from apps.contracts.selectors import market_today
from apps.core.effects import run_pending_effects
from apps.core.models import Effect, EffectStatus
from apps.deals.effects import sync_from_contract
from apps.deals.models import Deal, DealStage
from tests.contracts.factories import contract_payload, make_contract
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db


def _nothing_stored() -> None:
    assert Contract.objects.count() == 0
    assert Deduction.objects.count() == 0


def test_a_seller_records_a_contract_and_the_amounts_are_derived(world, client_for):
    payload = contract_payload(
        buyer=world.buyer,
        seller=world.seller,
        contract_amount="1000000.00",
        deductions=[
            {"kind": "equipment", "description": "热处理炉一台", "amount": "200000.00"},
            {"kind": "raw_materials", "amount": "50000.50"},
        ],
    )
    response = client_for(world.seller_user).post("/api/v1/contracts", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["ETag"] == '"1"'
    assert response["Location"] == f"/api/v1/contracts/{body['id']}"
    assert body["contract_amount"] == "1000000.00"
    assert body["deductions_total"] == "250000.50"
    assert body["technology_amount"] == "749999.50"
    assert body["legacy_class"] == "transfer"
    assert body["seller_region_code"] == "450202"
    assert body["seller_entity_type_code"] == "022"
    assert body["buyer_country_code"] == "156"
    assert body["is_import"] is False
    assert body["registrant_id"] == world.seller.pk
    assert [d["kind"] for d in body["deductions"]] == ["equipment", "raw_materials"]
    contract = Contract.objects.get(pk=body["id"])
    assert contract.technology_amount == Decimal("749999.50")
    assert contract.created_by == world.seller_user


def test_a_licence_counts_as_transfer_and_region_codes_may_be_given(world, client_for):
    payload = contract_payload(
        buyer=world.buyer,
        seller=world.seller,
        type="licence",
        subtype="exclusive_patent_licence",
        seller_region_code="450200",
        buyer_entity_type_code="110",
    )
    body = client_for(world.buyer_user).post("/api/v1/contracts", payload, format="json").json()
    assert body["type"] == "licence"
    assert body["legacy_class"] == "transfer"
    assert body["seller_region_code"] == "450200"
    assert body["buyer_entity_type_code"] == "110"


def test_an_import_contract_is_flagged_and_the_domestic_buyer_registers(world, client_for):
    payload = contract_payload(
        buyer=world.buyer,
        seller=None,
        seller_name="Hanoi Precision Tooling JSC",
        seller_country_code="704",
        seller_entity_type_code="300",
    )
    response = client_for(world.buyer_user).post("/api/v1/contracts", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["is_import"] is True
    assert body["seller_id"] is None
    assert body["seller_region_code"] is None
    assert body["registrant_id"] == world.buyer.pk


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"contract_amount": "0.00"}, "contract_amount", "contract_bad_amount"),
        ({"contract_amount": "-100.00"}, "contract_amount", "contract_bad_amount"),
        (
            {"contract_amount": "100000.00", "deductions": [{"kind": "parts", "amount": "100000.01"}]},
            "deductions",
            "contract_deductions_exceed_amount",
        ),
        ({"deductions": [{"kind": "parts", "amount": "0.00"}]}, "deductions", "contract_bad_amount"),
        ({"signed_on": "2099-01-01"}, "signed_on", "contract_signed_in_future"),
        ({"seller_region_code": "999999"}, "seller_region_code", "unknown_reference_code"),
        ({"buyer_region_code": "45020X"}, "buyer_region_code", "unknown_reference_code"),
        ({"buyer_country_code": "000"}, "buyer_country_code", "unknown_reference_code"),
        ({"technology_field_code": "99"}, "technology_field_code", "unknown_reference_code"),
        ({"subtype": "exclusive_patent_licence"}, "subtype", "contract_subtype_mismatch"),
        ({"valid_from": "2026-06-01", "valid_until": "2026-05-31"}, "valid_until", "contract_bad_validity"),
        ({"contract_amount": "12.345"}, "contract_amount", "max_decimal_places"),
        ({"type": "sale"}, "type", "invalid_choice"),
    ],
)
def test_bad_input_is_a_clear_400_and_nothing_is_stored(world, client_for, change, field, code):
    payload = contract_payload(buyer=world.buyer, seller=world.seller, **change)
    response = client_for(world.seller_user).post("/api/v1/contracts", payload, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["status"] == 400
    assert any(e["field"].startswith(field) for e in body["errors"]), body
    assert body["code"] == code or any(e["code"] == code for e in body["errors"]), body
    _nothing_stored()


def test_a_technology_amount_above_the_contract_amount_cannot_be_stored(world):
    """The database refuses it too (check constraint), whatever code path tries."""
    from django.db import IntegrityError, transaction

    contract = make_contract(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(technology_amount=contract.contract_amount + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(legacy_class="service")


def test_a_registrant_off_the_platform_is_refused(world, client_for):
    payload = contract_payload(
        buyer=world.buyer,
        seller=None,
        seller_name="某研究所",
        seller_region_code="450200",
        seller_entity_type_code="021",
    )
    response = client_for(world.buyer_user).post("/api/v1/contracts", payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "contract_bad_parties"
    _nothing_stored()


def test_an_outsider_cannot_record_a_contract_between_others(world, client_for):
    payload = contract_payload(buyer=world.buyer, seller=world.seller)
    response = client_for(world.outsider).post("/api/v1/contracts", payload, format="json")
    assert response.status_code == 403
    _nothing_stored()


def test_parties_their_brokers_and_the_operator_see_a_contract_nobody_else(world, client_for):
    deal = world.deal()
    contract = make_contract(world, deal_id=deal.pk)
    url = f"/api/v1/contracts/{contract.pk}"
    for user in (world.buyer_user, world.seller_user, world.broker.user, operator_user()):
        assert client_for(user).get(url).status_code == 200
        assert [c["id"] for c in client_for(user).get("/api/v1/contracts").json()["results"]] == [contract.pk]
    outsider = client_for(world.outsider)
    assert outsider.get(url).status_code == 404
    assert outsider.get("/api/v1/contracts").json()["results"] == []
    for sub in ("deductions", "milestones", "payments", "document", "history"):
        assert outsider.get(f"{url}/{sub}").status_code == 404
    # Nor can they change anything.
    assert outsider.patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH='"1"').status_code == 404
    assert outsider.post(f"{url}/payments", {"amount": "1.00", "paid_on": "2026-01-05"}).status_code == 404
    assert outsider.post(f"{url}/registration", {}).status_code == 404
    contract.refresh_from_db()
    assert contract.version == 1


def test_patch_needs_if_match_refuses_a_stale_one_and_replaces_deductions(world, client_for):
    contract = make_contract(world, deductions=[{"kind": "equipment", "amount": Decimal("100000.00")}])
    client = client_for(world.seller_user)
    url = f"/api/v1/contracts/{contract.pk}"
    assert client.patch(url, {"title": "新标题"}, format="json").status_code == 428
    change = {"contract_amount": "800000.00", "deductions": [{"kind": "instruments", "amount": "50000.00"}]}
    response = client.patch(url, change, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    assert response.json()["technology_amount"] == "750000.00"
    assert list(contract.deductions.values_list("kind", flat=True)) == ["instruments"]
    stale = client.patch(url, {"title": "又一个标题"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    # Deductions above the amount: refused, nothing changed.
    bad = client.patch(
        url, {"deductions": [{"kind": "parts", "amount": "900000.00"}]}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert bad.status_code == 400
    contract.refresh_from_db()
    assert contract.version == 2
    assert contract.technology_amount == Decimal("750000.00")
    assert list(contract.deductions.values_list("kind", flat=True)) == ["instruments"]


def test_a_deduction_line_added_moves_the_technology_amount(world, client_for):
    contract = make_contract(world)
    client = client_for(world.seller_user)
    url = f"/api/v1/contracts/{contract.pk}/deductions"
    response = client.post(url, {"kind": "parts", "amount": "100000.00"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 201, response.json()
    contract.refresh_from_db()
    assert (contract.technology_amount, contract.version) == (Decimal("500000.00"), 2)
    too_much = client.post(url, {"kind": "parts", "amount": "500000.01"}, format="json", HTTP_IF_MATCH='"2"')
    assert too_much.status_code == 400
    assert contract.deductions.count() == 1
    assert len(client.get(url).json()) == 1


def test_idempotent_creation_replays_and_refuses_a_reused_key(world, client_for):
    client = client_for(world.seller_user)
    payload = contract_payload(buyer=world.buyer, seller=world.seller)
    first = client.post("/api/v1/contracts", payload, format="json", HTTP_IDEMPOTENCY_KEY="c-0001")
    again = client.post("/api/v1/contracts", payload, format="json", HTTP_IDEMPOTENCY_KEY="c-0001")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert Contract.objects.count() == 1
    other = client.post(
        "/api/v1/contracts", {**payload, "contract_amount": "2000000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="c-0001"
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Contract.objects.count() == 1


def test_a_deal_contract_must_have_the_deals_parties_and_moves_the_deal(
    world, client_for, django_capture_on_commit_callbacks
):
    deal = world.deal(stage=DealStage.NEGOTIATING)
    stranger = OrganizationFactory()
    member_of(stranger)
    bad = contract_payload(buyer=stranger, seller=world.seller, deal_id=deal.pk)
    assert client_for(world.seller_user).post("/api/v1/contracts", bad, format="json").status_code == 400
    _nothing_stored()
    good = contract_payload(buyer=world.buyer, seller=world.seller, deal_id=deal.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.broker.user).post("/api/v1/contracts", good, format="json")
    assert response.status_code == 201, response.json()
    # The deal follows its contract through the effect recorded with it, run by a worker.
    assert Effect.objects.filter(name="deals.sync_from_contract", status=EffectStatus.PENDING).count() == 1
    run_pending_effects()
    signed = Deal.objects.get(pk=deal.pk)
    assert signed.stage == DealStage.SIGNED
    # The handler runs again after a crash: the deal stays where it is.
    sync_from_contract(deal_id=deal.pk, stage="signed")
    assert Deal.objects.get(pk=deal.pk).version == signed.version
    # A stranger's deal is a 404.
    other_deal_payload = contract_payload(buyer=world.buyer, seller=world.seller, deal_id=deal.pk)
    assert client_for(world.outsider).post("/api/v1/contracts", other_deal_payload, format="json").status_code == 404


def test_list_filters_and_query_count(world, client_for, django_assert_num_queries):
    for i in range(3):
        make_contract(world, deductions=[{"kind": "parts", "amount": Decimal("1000.00")}] * (i + 1))
    make_contract(world, type="consulting", subtype="feasibility_study")
    client = client_for(world.seller_user)
    assert len(client.get("/api/v1/contracts?legacy_class=consulting").json()["results"]) == 1
    assert len(client.get("/api/v1/contracts?type=development").json()["results"]) == 3
    signed = market_today() - timedelta(days=1)
    assert client.get(f"/api/v1/contracts?signed_to={signed.isoformat()}").json()["results"] == []
    # user + memberships + page + deductions prefetch; the same with 4 or 14 contracts.
    with django_assert_num_queries(4):
        assert len(client.get("/api/v1/contracts").json()["results"]) == 4
    for _ in range(10):
        make_contract(world)
    with django_assert_num_queries(4):
        assert len(client.get("/api/v1/contracts").json()["results"]) == 14


def test_the_deals_broker_and_the_operator_may_correct_a_contract(world, client_for):
    deal = world.deal()
    contract = make_contract(world, deal_id=deal.pk)
    url = f"/api/v1/contracts/{contract.pk}"
    by_broker = client_for(world.broker.user).patch(url, {"title": "经纪人修正"}, format="json", HTTP_IF_MATCH='"1"')
    assert by_broker.status_code == 200
    by_operator = client_for(operator_user()).patch(
        url, {"programme_class": "national"}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert by_operator.status_code == 200
    assert by_operator.json()["programme_class"] == "national"
    # Changing the type re-derives the legacy class; a subtype of another type is refused.
    mismatch = client_for(world.seller_user).patch(url, {"type": "consulting"}, format="json", HTTP_IF_MATCH='"3"')
    assert mismatch.status_code == 400
    moved = client_for(world.seller_user).patch(
        url, {"type": "service", "subtype": "training"}, format="json", HTTP_IF_MATCH='"3"'
    )
    assert moved.status_code == 200
    assert moved.json()["legacy_class"] == "service"


def test_a_deal_contract_takes_its_parties_from_the_deal(world, client_for):
    """A newcomer's first contract for a deal names neither party: the deal already does."""
    deal = world.deal(stage=DealStage.NEGOTIATING)
    payload = contract_payload(buyer=None, seller=None, deal_id=deal.pk)
    response = client_for(world.seller_user).post("/api/v1/contracts", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["buyer_id"], body["seller_id"]) == (deal.buyer_id, deal.seller_id)
    assert body["buyer_name"] == world.buyer.name
    assert body["seller_name"] == world.seller.name
    assert body["registrant_id"] == deal.seller_id


@pytest.mark.parametrize("role", ["buyer", "seller"])
def test_a_party_that_contradicts_the_deal_is_a_clear_400(world, client_for, role):
    deal = world.deal(stage=DealStage.NEGOTIATING)
    stranger = OrganizationFactory()
    # One party given and right, the other given and wrong (swapped roles contradict the deal too).
    payload = contract_payload(buyer=None, seller=None, deal_id=deal.pk, **{f"{role}_id": stranger.pk})
    response = client_for(world.seller_user).post("/api/v1/contracts", payload, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "contract_deal_mismatch"
    assert [e["field"] for e in body["errors"]] == [f"{role}_id"]
    expected = deal.buyer_id if role == "buyer" else deal.seller_id
    assert str(expected) in body["detail"]
    swapped = contract_payload(buyer=world.seller, seller=world.buyer, deal_id=deal.pk)
    assert client_for(world.seller_user).post("/api/v1/contracts", swapped, format="json").status_code == 400
    _nothing_stored()
