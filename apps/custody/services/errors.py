"""The error codes of custody's services."""

from __future__ import annotations

from enum import StrEnum


class CustodyError(StrEnum):
    NOT_OWNER_MEMBER = "not_owner_member"
    NOT_PARTY = "not_custody_party"
    NOT_CUSTODIAN_MEMBER = "not_custodian_member"
    BAD_CUSTODIAN = "invalid_custodian"
    UNKNOWN_ASSET = "unknown_ip_asset"
    DUPLICATE_ASSET = "duplicate_asset"
    OVERLAP = "asset_in_active_custody"
    BAD_REDUCTION = "invalid_fee_reduction"
    BAD_PAID_THROUGH = "invalid_paid_through_year"
    PAID_THROUGH_REASON = "paid_through_reason_required"
    BAD_TRANSITION = "bad_transition"
    PERIOD = "invalid_period"
    NOT_ACTIVE = "custody_not_active"
    NO_ANNUITY = "no_annuity_due"
    WRONG_YEAR = "wrong_annuity_year"
    DATE_IN_FUTURE = "date_in_future"
    LAPSED = "lapsed_without_restoration"
    RESTORATION_EXPIRED = "restoration_expired"
    DUPLICATE_RECEIPT = "duplicate_receipt"
    PLEDGORS = "pledgors_incomplete"
    ALREADY_PLEDGED = "already_pledged"
    DUPLICATE_PLEDGE = "duplicate_pledge_registration"
    NOT_IN_FORCE = "asset_not_in_force"
    BAD_PLEDGEE = "invalid_pledgee"
    NOT_PLEDGEE_MEMBER = "not_pledgee_member"
    BAD_COUNTERPARTY = "invalid_counterparty"
    PLEDGED_WITHOUT_CONSENT = "asset_pledged_without_consent"
