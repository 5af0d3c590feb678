"""A broker's scorecard: deals closed, registered technology amount, median days to close."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.contracts.selectors import broker_scorecard
from apps.contracts.services import registration_apply, registration_decide
from apps.deals.models import Deal, DealStage
from apps.deals.services import deal_advance
from tests.brokers.factories import make_broker
from tests.contracts.factories import make_contract
from tests.deals.factories import DealWorld
from tests.factories import operator_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _register(world: DealWorld, deal: Deal, operator, *, number: str, technology: str, decision: str = "register"):
    contract = make_contract(world, document=True, deal_id=deal.pk)
    registration = registration_apply(actor=world.seller_user, contract=contract)
    if decision == "register":
        registration_decide(
            actor=operator,
            registration=registration,
            decision="register",
            registration_number=number,
            recognised_contract_amount=Decimal("600000.00"),
            recognised_technology_amount=Decimal(technology),
        )
    return contract


def _signed_after(deal: Deal, days: int) -> None:
    now = timezone.now()
    Deal.objects.filter(pk=deal.pk).update(created_at=now - timedelta(days=days), signed_at=now, stage=DealStage.SIGNED)


def test_scorecard_counts_closed_deals_registered_amounts_and_the_median(client_for):
    world = DealWorld()
    operator = operator_user()
    first, second, third = world.deal(), world.deal(), world.deal()
    _register(world, first, operator, number="45020026000101", technology="450000.00")
    _register(world, second, operator, number="45020026000102", technology="300000.50")
    # Applied but not yet registered: no amount.
    _register(world, third, operator, number="", technology="0", decision="none")
    _signed_after(first, 10)
    _signed_after(second, 20)
    _signed_after(third, 45)
    # Open and lost deals do not count.
    world.deal(stage=DealStage.NEGOTIATING)
    lost = world.deal()
    deal_advance(actor=world.buyer_user, deal=lost, to="lost", expected_version=1, reason="price", note="预算不足")
    # Another broker's registered deal does not count either.
    other_world = DealWorld()
    other = other_world.deal()
    _register(other_world, other, operator, number="45020026000103", technology="500000.00")
    _signed_after(other, 1)

    card = broker_scorecard(broker=world.broker)
    assert card == {
        "deals_closed": 3,
        "registered_technology_amount": Decimal("750000.50"),
        "median_days_to_close": 20.0,
    }
    response = client_for(world.outsider).get(f"/api/v1/brokers/{world.broker.pk}/scorecard")
    assert response.status_code == 200
    assert response.json() == {
        "deals_closed": 3,
        "registered_technology_amount": "750000.50",
        "median_days_to_close": 20.0,
    }


def test_a_new_broker_has_an_empty_scorecard(client_for):
    broker = make_broker()
    assert broker_scorecard(broker=broker) == {
        "deals_closed": 0,
        "registered_technology_amount": Decimal("0.00"),
        "median_days_to_close": None,
    }
    pending = make_broker(status="pending")
    outsider = make_broker().user
    assert client_for(outsider).get(f"/api/v1/brokers/{pending.pk}/scorecard").status_code == 404
