"""Deal services the contracts side calls, and the access helpers it reuses."""

from __future__ import annotations

import pytest

from apps.deals.models import Deal, DealActivity, DealStage
from apps.deals.selectors import actor_roles, deal_brokers, deals_visible_to
from apps.deals.services import deal_advance, deal_sync_from_contract
from apps.deals.transitions import Role
from tests.deals.factories import DealWorld
from tests.factories import operator_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> DealWorld:
    return DealWorld()


def test_sync_walks_the_deal_forward_to_the_contract_stage(world):
    deal = world.deal(stage=DealStage.NEGOTIATING)
    deal_sync_from_contract(deal_id=deal.pk, stage=DealStage.REGISTERED)
    deal.refresh_from_db()
    assert deal.stage == "registered"
    assert deal.version == 2
    assert deal.signed_at is not None
    entry = DealActivity.objects.filter(deal=deal, actor__isnull=True).order_by("-id").first()
    assert entry is not None and entry.kind == "system"
    assert entry.text.count("→") == 3  # negotiating → drafted → signed → registered


def test_sync_is_idempotent_and_never_moves_back(world):
    deal = world.deal(stage=DealStage.CONTRACT_DRAFTED)
    deal_sync_from_contract(deal_id=deal.pk, stage=DealStage.SIGNED)
    deal.refresh_from_db()
    signed_at, version = deal.signed_at, deal.version
    deal_sync_from_contract(deal_id=deal.pk, stage=DealStage.SIGNED)
    deal_sync_from_contract(deal_id=deal.pk, stage="signed")
    deal.refresh_from_db()
    assert (deal.stage, deal.version, deal.signed_at) == ("signed", version, signed_at)
    deal_sync_from_contract(deal_id=deal.pk, stage=DealStage.COMPLETED)
    deal_sync_from_contract(deal_id=deal.pk, stage=DealStage.REGISTERED)
    deal.refresh_from_db()
    assert deal.stage == "completed"
    assert deal.closed_at is not None
    assert deal.signed_at == signed_at


def test_sync_leaves_lost_deals_and_unknown_ids_alone(world):
    deal = world.deal()
    deal_advance(actor=world.buyer_user, deal=deal, to="lost", expected_version=1, reason="timing", note="明年再议")
    deal_sync_from_contract(deal_id=deal.pk, stage=DealStage.SIGNED)
    assert Deal.objects.get(pk=deal.pk).stage == "lost"
    deal_sync_from_contract(deal_id=999_999, stage=DealStage.SIGNED)


def test_sync_refuses_stages_people_drive(world):
    deal = world.deal()
    with pytest.raises(ValueError, match="cannot move"):
        deal_sync_from_contract(deal_id=deal.pk, stage=DealStage.NEGOTIATING)


def test_sync_bumps_the_version_so_a_stale_client_gets_412(world, client_for):
    deal = world.deal(stage=DealStage.CONTRACT_DRAFTED)
    deal_sync_from_contract(deal_id=deal.pk, stage=DealStage.SIGNED)
    response = client_for(world.buyer_user).post(
        f"/api/v1/deals/{deal.pk}/advance", {"to": "negotiating"}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 412


def test_access_helpers(world):
    deal = world.deal()
    assert deal_brokers(deal) == [world.broker]
    assert set(deals_visible_to(world.buyer_user)) == {deal}
    assert set(deals_visible_to(world.broker.user)) == {deal}
    assert set(deals_visible_to(world.outsider)) == set()
    assert set(deals_visible_to(operator_user())) == {deal}
    assert actor_roles(actor=world.broker.user, deal=deal) == {Role.BROKER}
    assert actor_roles(actor=world.seller_user, deal=deal) == {Role.PARTY}
    assert actor_roles(actor=world.outsider, deal=deal) == frozenset()
