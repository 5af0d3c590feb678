"""Writes of contracts, their money and their registration, by sub-domain.

- :mod:`.contracts`: terms, deductions and the signed document;
- :mod:`.documents`: contract documents drafted from the model texts, their PDF and signing;
- :mod:`.payments`: payment milestones and payments received;
- :mod:`.bypass`: the alert for a contract signed without the introducing broker;
- :mod:`.registration`: registration (认定登记), its decision, later events and deadlines.

The rules live here and in the pure modules beside the package: :mod:`apps.contracts.amounts`
(money), :mod:`apps.contracts.workdays` (deadlines), :mod:`apps.contracts.catalogue` (types). Each
service is atomic and refuses bad input with an :class:`ApplicationError` before anything is stored.
"""

from __future__ import annotations

from apps.contracts.services.bypass import BYPASS_NOTIFICATION_KIND, contract_check_bypass
from apps.contracts.services.contracts import (
    check_contract_writer,
    check_signed_on,
    check_technology_amount,
    contract_create,
    contract_document_attach,
    contract_update,
    deduction_add,
)
from apps.contracts.services.documents import document_create, document_revise, document_sign
from apps.contracts.services.errors import ContractError, DocumentError, RegistrationError
from apps.contracts.services.external_ids import contract_upsert_by_external_id
from apps.contracts.services.payments import check_payment_writer, milestone_create, payment_create
from apps.contracts.services.registration import (
    check_operator,
    compute_deadline,
    next_registration_number,
    registration_apply,
    registration_decide,
    registration_recompute_deadlines,
    registration_record_event,
    registration_resubmit,
    registrations_notify_overdue,
)

__all__ = [
    "BYPASS_NOTIFICATION_KIND",
    "ContractError",
    "DocumentError",
    "RegistrationError",
    "check_contract_writer",
    "check_operator",
    "check_payment_writer",
    "check_signed_on",
    "check_technology_amount",
    "compute_deadline",
    "contract_check_bypass",
    "contract_create",
    "contract_document_attach",
    "contract_update",
    "contract_upsert_by_external_id",
    "deduction_add",
    "document_create",
    "document_revise",
    "document_sign",
    "milestone_create",
    "next_registration_number",
    "payment_create",
    "registration_apply",
    "registration_decide",
    "registration_recompute_deadlines",
    "registration_record_event",
    "registration_resubmit",
    "registrations_notify_overdue",
]
