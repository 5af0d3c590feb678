"""Error codes of the contracts services and the helper for a 400/409 naming the field at fault."""

from __future__ import annotations

from enum import StrEnum

from apps.core.errors import ApplicationError


class ContractError(StrEnum):
    NOT_ALLOWED = "contract_not_allowed"
    BAD_AMOUNT = "contract_bad_amount"
    DEDUCTIONS_EXCEED = "contract_deductions_exceed_amount"
    SIGNED_IN_FUTURE = "contract_signed_in_future"
    UNKNOWN_CODE = "unknown_reference_code"
    BAD_PARTIES = "contract_bad_parties"
    SUBTYPE_MISMATCH = "contract_subtype_mismatch"
    BAD_VALIDITY = "contract_bad_validity"
    DEAL_MISMATCH = "contract_deal_mismatch"
    LOCKED = "contract_locked_by_registration"
    PAYMENTS_EXCEED = "payments_exceed_contract_amount"
    MILESTONES_EXCEED = "milestones_exceed_contract_amount"
    PAID_IN_FUTURE = "payment_in_future"
    UNKNOWN_MILESTONE = "unknown_milestone"
    EXTERNAL_ID_TAKEN = "external_id_taken"


class RegistrationError(StrEnum):
    NOT_REGISTRANT = "registration_not_registrant"
    ALREADY_REGISTERED = "contract_already_registered"
    BAD_TRANSITION = "registration_bad_transition"
    NOT_WRITTEN = "registration_document_missing"
    NOT_IN_EFFECT = "registration_contract_not_in_effect"
    NO_RULE_SET = "registration_no_rule_set"
    NUMBER_TAKEN = "registration_number_taken"
    BAD_NUMBER = "registration_number_invalid"
    BAD_AMOUNTS = "registration_bad_amounts"
    GROUND_REQUIRED = "registration_ground_required"
    NOTE_REQUIRED = "registration_note_required"
    BAD_EFFECTIVE_DATE = "registration_bad_effective_date"


def bad_input(message: str, *, code: str, field: str, status: int = 400) -> ApplicationError:
    return ApplicationError(message, code=code, status=status, field_errors={field: message})


class DocumentError(StrEnum):
    DRAFT_OPEN = "contract_document_draft_open"
    FROZEN = "contract_document_frozen"
    UNKNOWN_CLAUSE = "contract_document_unknown_clause"
    CLAUSE_TOO_LONG = "contract_document_clause_too_long"
    NOT_SIGNATORY = "contract_document_not_signatory"
    ALREADY_SIGNED = "contract_document_already_signed"
    HASH_MISMATCH = "contract_document_hash_mismatch"
    NOT_SIGNABLE = "contract_document_not_signable"
