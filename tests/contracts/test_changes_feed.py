"""The changes feed for deals, contracts, payments and registrations, scoped to parties and brokers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contracts.factories import contract_payload

pytestmark = pytest.mark.django_db


def _entries(client: Any, since: str, types: str) -> list[tuple[str, int, str]]:
    body = client.get("/api/v1/changes", {"since": since, "types": types}).json()
    return [(e["type"], e["id"], e["change"]) for e in body["results"]]


def test_parties_and_brokers_hear_of_their_deals_and_contracts_others_hear_nothing(world, client_for):
    clients = {
        "buyer": client_for(world.buyer_user),
        "seller": client_for(world.seller_user),
        "broker": client_for(world.broker.user),
        "outsider": client_for(world.outsider),
    }
    heads = {name: c.get("/api/v1/changes/head").json()["cursor"] for name, c in clients.items()}

    deal = clients["broker"].post(
        "/api/v1/deals",
        {
            "buyer_id": world.buyer.pk,
            "seller_id": world.seller.pk,
            "title": "齿轮热处理工艺转让",
            "introduction_id": world.introduction.pk,
        },
        format="json",
    )
    assert deal.status_code == 201, deal.json()
    deal_id = deal.json()["id"]
    contract = clients["seller"].post(
        "/api/v1/contracts", contract_payload(buyer=world.buyer, seller=world.seller, deal_id=deal_id), format="json"
    )
    assert contract.status_code == 201, contract.json()
    contract_id = contract.json()["id"]
    payment = clients["buyer"].post(
        f"/api/v1/contracts/{contract_id}/payments",
        {"amount": "100000.00", "paid_on": contract.json()["signed_on"]},
        format="json",
    )
    assert payment.status_code == 201, payment.json()

    for name in ("buyer", "seller", "broker"):
        seen = _entries(clients[name], heads[name], "deal,contract")
        # The broker joins the deal just after it is made: for them its first entry is an update.
        assert {(t, i) for t, i, change in seen if change in ("created", "updated")} == {
            ("deal", deal_id),
            ("contract", contract_id),
        }, name
        assert ("contract", contract_id, "created") in seen, name
        # The payment shows in the contract resource (paid_amount): the contract is updated.
        assert seen[-1] == ("contract", contract_id, "updated"), name
    assert _entries(clients["outsider"], heads["outsider"], "deal,contract") == []

    # The broker leaves the deal: for them it is gone (a tombstone), for the parties it is updated.
    cursors = {name: c.get("/api/v1/changes/head").json()["cursor"] for name, c in clients.items()}
    etag = clients["buyer"].get(f"/api/v1/deals/{deal_id}")["ETag"]
    removed = clients["buyer"].delete(f"/api/v1/deals/{deal_id}/brokers/{world.broker.pk}", HTTP_IF_MATCH=etag)
    assert removed.status_code == 200, removed.json()
    assert set(_entries(clients["broker"], cursors["broker"], "deal,contract")) == {
        ("deal", deal_id, "deleted"),
        ("contract", contract_id, "deleted"),
    }
    assert set(_entries(clients["buyer"], cursors["buyer"], "deal")) == {("deal", deal_id, "updated")}
    assert _entries(clients["outsider"], cursors["outsider"], "deal") == []
