"""What the contracts app tells its parties' integrations (apps.webhooks): one payload per record kind.

Every event goes to both parties on the platform (buyer and seller), never to anyone else.
"""

from __future__ import annotations

from typing import Any

from apps.contracts.models import Contract, Payment, Registration
from apps.webhooks.delivery import publish


def _parties(contract: Contract) -> list[int | None]:
    return [contract.buyer_id, contract.seller_id]


def _contract_data(contract: Contract) -> dict[str, Any]:
    return {
        "contract_id": contract.pk,
        "title": contract.title,
        "contract_number": contract.contract_number,
        "type": contract.type,
        "subtype": contract.subtype,
        "signed_on": contract.signed_on,
        "contract_amount": contract.contract_amount,
        "technology_amount": contract.technology_amount,
        "buyer_id": contract.buyer_id,
        "buyer_name": contract.buyer_name,
        "seller_id": contract.seller_id,
        "seller_name": contract.seller_name,
        "deal_id": contract.deal_id,
    }


def publish_contract_recorded(contract: Contract) -> None:
    """A contract is recorded once signed: ``contract.created`` and ``contract.signed`` together."""
    data = _contract_data(contract)
    publish("contract.created", _parties(contract), data)
    publish("contract.signed", _parties(contract), data)


def publish_registration(event_type: str, registration: Registration) -> None:
    """``registration.applied`` / ``approved`` / ``rejected``."""
    contract = registration.contract
    publish(
        event_type,
        _parties(contract),
        {
            "registration_id": registration.pk,
            "contract_id": contract.pk,
            "status": registration.status,
            "applicant_id": registration.applicant_id,
            "registration_number": registration.registration_number,
            "deadline": registration.deadline,
            "recognised_contract_amount": registration.recognised_contract_amount,
            "recognised_technology_amount": registration.recognised_technology_amount,
            "refusal_ground": registration.refusal_ground,
        },
    )


def publish_payment(payment: Payment) -> None:
    contract = payment.contract
    publish(
        "payment.recorded",
        _parties(contract),
        {
            "payment_id": payment.pk,
            "contract_id": contract.pk,
            "amount": payment.amount,
            "paid_on": payment.paid_on,
            "milestone_id": payment.milestone_id,
            "reference": payment.reference,
        },
    )
