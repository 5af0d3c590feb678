"""Error codes of the post-subsidy services."""

from __future__ import annotations

from enum import StrEnum


class SubsidyError(StrEnum):
    BAD_RULES = "subsidy_invalid_rules"
    POLICY_TAKEN = "subsidy_policy_version_taken"
    POLICY_BAD_TRANSITION = "subsidy_policy_bad_transition"
    POLICY_NOT_ACTIVE = "subsidy_policy_not_active"
    BAD_PERIOD = "subsidy_invalid_period"
    ROUND_CLOSED = "subsidy_round_not_open"
    NO_CONTRACTS = "subsidy_no_contracts"
    UNKNOWN_CONTRACT = "subsidy_unknown_contract"
    NOT_CLAIMANT = "subsidy_not_claimant"
    NOTHING_ELIGIBLE = "subsidy_nothing_eligible"
    ALREADY_CLAIMED = "subsidy_contract_already_claimed"
    BAD_TRANSITION = "subsidy_claim_bad_transition"
    REASON_REQUIRED = "subsidy_reason_required"
    TOO_MANY_CONTRACTS = "subsidy_too_many_contracts"
    REVENUE_REQUIRED = "subsidy_new_sales_revenue_required"
    AMOUNT_TOO_HIGH = "subsidy_amount_above_computed"
    BUDGET_EXCEEDED = "subsidy_round_budget_exceeded"
    DISBURSEMENT_AMOUNT = "subsidy_disbursement_amount"
    REFERENCE_TAKEN = "subsidy_disbursement_reference_taken"
    DATE_IN_FUTURE = "subsidy_date_in_future"
