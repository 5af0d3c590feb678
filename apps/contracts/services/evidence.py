"""What contracts write to the evidence chain (apps.core.evidence): the terms, amounts and hashes
each event attests, so a party can later show what was agreed, registered or paid and when."""

from __future__ import annotations

from typing import Any

from apps.contracts.models import Contract, Payment, Registration, RegistrationEvent
from apps.core.evidence import record_evidence


def contract_terms(contract: Contract) -> dict[str, Any]:
    return {
        "title": contract.title,
        "contract_number": contract.contract_number,
        "type": contract.type,
        "subtype": contract.subtype,
        "buyer_id": contract.buyer_id,
        "buyer_name": contract.buyer_name,
        "seller_id": contract.seller_id,
        "seller_name": contract.seller_name,
        "signed_on": contract.signed_on,
        "valid_from": contract.valid_from,
        "valid_until": contract.valid_until,
        "contract_amount": contract.contract_amount,
        "technology_amount": contract.technology_amount,
        "document_sha256": contract.document_sha256,
        "version": contract.version,
    }


def evidence_contract(*, contract: Contract, event: str, actor_id: int | None, **extra: Any) -> None:
    record_evidence(
        stream="contracts",
        subject_type="contract",
        subject_id=contract.pk,
        event=event,
        payload={**contract_terms(contract), **extra},
        actor_id=actor_id,
    )


def evidence_registration(*, registration: Registration, event: RegistrationEvent) -> None:
    # Read afresh: callers may hold the row as it was before the decision this event records.
    status, number = Registration.objects.filter(pk=registration.pk).values_list("status", "registration_number").get()
    record_evidence(
        stream="registrations",
        subject_type="contract",
        subject_id=registration.contract_id,
        event=f"registration.{event.kind}",
        payload={
            "registration_id": registration.pk,
            "status": status,
            "registration_number": number,
            "effective_on": event.effective_on,
            "note": event.note,
            "contract_amount": event.contract_amount,
            "technology_amount": event.technology_amount,
        },
        actor_id=event.actor_id,
    )


def evidence_payment(*, payment: Payment) -> None:
    record_evidence(
        stream="settlements",
        subject_type="contract",
        subject_id=payment.contract_id,
        event="payment.recorded",
        payload={
            "payment_id": payment.pk,
            "amount": payment.amount,
            "paid_on": payment.paid_on,
            "reference": payment.reference,
            "milestone_id": payment.milestone_id,
        },
        actor_id=payment.recorded_by_id,
    )
