"""Writes of custody, by sub-domain: agreements and their lifecycle, each asset's next annuity, annuity
payments, the daily reminder scan and pledges. The public names are re-exported here."""

from apps.custody.services.agreements import (
    agreement_create,
    agreement_end,
    agreement_renew,
    agreement_start,
    agreements_expire,
)
from apps.custody.services.annuities import (
    annuity_state_fields,
    custody_asset_update,
    custody_assets_refresh_for,
    reduction_of,
    reminder_offsets,
)
from apps.custody.services.errors import CustodyError
from apps.custody.services.parties import check_owner, check_party
from apps.custody.services.payments import payment_record
from apps.custody.services.pledges import (
    check_pledge_consent,
    pledge_consent_record,
    pledge_create,
    pledge_release,
    pledges_without_consent,
)
from apps.custody.services.reminder_scan import _SCAN_COLUMNS, annuity_reminders_send

__all__ = [
    "_SCAN_COLUMNS",
    "CustodyError",
    "agreement_create",
    "agreement_end",
    "agreement_renew",
    "agreement_start",
    "agreements_expire",
    "annuity_reminders_send",
    "annuity_state_fields",
    "check_owner",
    "check_party",
    "check_pledge_consent",
    "custody_asset_update",
    "custody_assets_refresh_for",
    "payment_record",
    "pledge_consent_record",
    "pledge_create",
    "pledge_release",
    "pledges_without_consent",
    "reduction_of",
    "reminder_offsets",
]
