"""The error codes of finance's services."""

from __future__ import annotations

from enum import StrEnum


class FinanceError(StrEnum):
    NOT_INSTITUTION = "not_finance_institution"
    NOT_INSTITUTION_MEMBER = "not_institution_member"
    INSTITUTION_NOT_VERIFIED = "institution_not_verified"
    NOT_ENTERPRISE = "not_enterprise"
    NOT_ENTERPRISE_MEMBER = "not_enterprise_member"
    BAD_RULES = "invalid_eligibility_rules"
    BAD_RANGE = "invalid_range"
    PRODUCT_NOT_EDITABLE = "product_not_editable"
    PRODUCT_NOT_PUBLISHED = "product_not_published"
    BAD_TRANSITION = "bad_transition"
    UNKNOWN_ASSET = "unknown_collateral_asset"
    REQUEST_CLOSED = "request_closed"
    NOT_ELIGIBLE = "not_eligible"
    ALREADY_APPLIED = "already_applied"
    APPROVAL_TERMS = "approval_terms_required"
    DISBURSEMENT = "invalid_disbursement"
    LOSS = "invalid_loss_amount"
    SHARES = "shares_must_sum_to_100"
    ENROLMENT_STATE = "enrolment_not_allowed"
    ENROLMENT_DECIDED = "enrolment_already_decided"
    NOT_GUARANTOR = "invalid_guarantor"
    RECOVERY = "invalid_recovery"
    POOL_INACTIVE = "pool_inactive"
