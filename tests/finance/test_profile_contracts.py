"""The profile counts the enterprise's registered contracts and payments; a contracts-amount rule reads them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.contracts.services import contract_create, contract_document_attach, payment_create
from apps.contracts.services.registration import registration_apply, registration_decide
from tests.contracts.factories import pdf_upload, service_data
from tests.finance.helpers import REQUESTS, make_request, ok, publish_product

pytestmark = pytest.mark.django_db


def test_registered_contracts_and_payments_feed_the_rules(client_for, fw):
    contract = contract_create(
        actor=fw.owner,
        data=service_data(buyer_id=fw.other_enterprise.pk, seller_id=fw.enterprise.pk),
    )
    contract = contract_document_attach(actor=fw.owner, contract=contract, upload=pdf_upload())
    # An unregistered contract does not count yet.
    product = publish_product(
        client_for(fw.banker),
        fw.bank.pk,
        name="技术合同贷",
        kind="sci_tech_loan",
        eligibility_rules=[{"rule": "registered_contracts_amount_min", "amount": "500000"}],
    )
    before = make_request(client_for(fw.owner), collateral=[])
    assert before["profile"]["contracts"]["registered_count"] == 0
    (match,) = ok(client_for(fw.owner).get(f"{REQUESTS}/{before['id']}/matches"))
    assert match["eligible"] is False

    registration = registration_apply(actor=fw.owner, contract=contract)
    registration_decide(actor=fw.operator, registration=registration, decision="register")
    payment_create(actor=fw.owner, contract=contract, amount=Decimal("200000.00"), paid_on=date(2026, 11, 30))

    after = ok(client_for(fw.owner).post(f"{REQUESTS}/{before['id']}/refresh", {}, format="json"))
    assert after["profile"]["contracts"] == {
        "registered_count": 1,
        "as_seller": 1,
        "contract_amount": "600000.00",
        "technology_amount": "600000.00",
        "paid_amount": "200000.00",
    }
    (match,) = ok(client_for(fw.owner).get(f"{REQUESTS}/{before['id']}/matches"))
    assert match["eligible"] is True
    assert product["eligibility_rules"] == [{"rule": "registered_contracts_amount_min", "amount": "500000.00"}]
    # The other party (the buyer) counts it too; someone else's request cannot be refreshed.
    assert client_for(fw.other_owner).post(f"{REQUESTS}/{before['id']}/refresh", {}, format="json").status_code == 404
