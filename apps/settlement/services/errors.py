"""Error codes of the settlement services."""

from __future__ import annotations

from enum import StrEnum

from apps.core.errors import ApplicationError


class SettlementError(StrEnum):
    NOT_ALLOWED = "settlement_not_allowed"
    BAD_AMOUNT = "settlement_bad_amount"
    BAD_TRANSITION = "escrow_bad_transition"
    DEPOSIT_EXCEEDS = "escrow_deposit_exceeds_milestone"
    REFERENCE_REUSED = "escrow_reference_reused"
    NOT_FUNDED = "escrow_not_funded"
    STAGE_BEHIND = "implementation_stage_behind"
    BAD_PERIOD = "implementation_bad_period"
    ROYALTY_EXISTS = "royalty_term_exists"
    ROYALTY_CONTRACT_TYPE = "royalty_contract_type"
    ROYALTY_BAD_TERM = "royalty_bad_term"
    ROYALTY_PERIOD_ORDER = "royalty_period_out_of_order"
    ROYALTY_PERIOD_OPEN = "royalty_period_not_ended"
    ROYALTY_BAD_TRANSITION = "royalty_report_bad_transition"
    ROYALTY_OVERPAID = "royalty_payment_exceeds_due"
    SCHEME_NOT_ALLOWED = "distribution_scheme_not_allowed"
    SCHEME_BAD_SHARES = "distribution_scheme_bad_shares"
    SCHEME_DATE_TAKEN = "distribution_scheme_date_taken"
    NO_SCHEME = "distribution_no_scheme"


def bad_input(message: str, *, code: str, field: str, status: int = 400) -> ApplicationError:
    return ApplicationError(message, code=code, status=status, field_errors={field: message})


def not_allowed(message: str) -> ApplicationError:
    return ApplicationError(message, code=SettlementError.NOT_ALLOWED, status=403)
