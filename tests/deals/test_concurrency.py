"""Two people advancing one deal at the same moment, in real parallel transactions: exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.accounts.tokens import MarketRefreshToken
from apps.deals.models import Deal, DealActivity, DealStage
from tests.deals.factories import DealWorld

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {MarketRefreshToken.for_user(user).access_token}")
    return client


def _race(requests: list[tuple[object, dict[str, str]]], deal_id: int, etag: str) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(requests))
    results: list[tuple[int, dict]] = []

    def advance(user: object, body: dict[str, str]) -> None:
        try:
            client = _client(user)
            barrier.wait(timeout=10)
            response = client.post(f"/api/v1/deals/{deal_id}/advance", body, HTTP_IF_MATCH=etag)
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=advance, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_simultaneous_advances_exactly_one_wins_the_other_gets_412():
    world = DealWorld()
    deal = world.deal()
    etag = f'"{deal.version}"'
    results = _race(
        [
            (world.buyer_user, {"to": "contacted"}),
            (world.seller_user, {"to": "negotiating"}),
        ],
        deal.pk,
        etag,
    )
    statuses = sorted(status for status, _body in results)
    assert statuses == [200, 412], results
    loser = next(body for status, body in results if status == 412)
    assert loser["code"] == "stale_version"
    assert loser["current_version"] == deal.version + 1
    winner = next(body for status, body in results if status == 200)
    deal.refresh_from_db()
    assert deal.stage == winner["stage"] in {DealStage.CONTACTED, DealStage.NEGOTIATING}
    assert deal.version == 2
    # "Deal opened" plus exactly one stage entry, from the winner only.
    assert DealActivity.objects.filter(deal=deal, kind="system").count() == 2


def test_many_simultaneous_advances_of_the_same_move_leave_one_version_bump():
    world = DealWorld()
    deal = world.deal()
    users = [world.buyer_user, world.seller_user, world.broker.user, world.buyer_user]
    results = _race([(u, {"to": "contacted"}) for u in users], deal.pk, f'"{deal.version}"')
    assert sorted(s for s, _b in results) == [200, 412, 412, 412], results
    assert Deal.objects.get(pk=deal.pk).version == deal.version + 1


def test_a_contract_sync_racing_a_person_leaves_a_consistent_deal():
    """The contract side locks the row; a person's move made on the old version then finds it stale."""
    from apps.deals.services import deal_sync_from_contract

    world = DealWorld()
    deal = world.deal(stage=DealStage.CONTRACT_DRAFTED)
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def sync() -> None:
        try:
            barrier.wait(timeout=10)
            deal_sync_from_contract(deal_id=deal.pk, stage=DealStage.SIGNED)
            outcome["sync"] = "done"
        finally:
            connection.close()

    def person() -> None:
        try:
            client = _client(world.buyer_user)
            barrier.wait(timeout=10)
            response = client.post(f"/api/v1/deals/{deal.pk}/advance", {"to": "negotiating"}, HTTP_IF_MATCH='"1"')
            outcome["person"] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=sync), threading.Thread(target=person)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    deal.refresh_from_db()
    assert outcome["sync"] == "done"
    if outcome["person"] == 200:
        # The person went first: back to negotiating, then the contract walked it forward again.
        assert (deal.stage, deal.version) == ("signed", 3)
    else:
        assert outcome["person"] == 412
        assert (deal.stage, deal.version) == ("signed", 2)
    assert deal.signed_at is not None
