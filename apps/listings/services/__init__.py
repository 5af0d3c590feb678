"""Writes of listings: create, edit, the review lifecycle, attachments, NDAs and the access log.

One module per sub-domain; the package re-exports their public names, so callers keep
``from apps.listings.services import achievement_create``.
"""

from apps.listings.services.attachments import ATTACHMENT_TYPES, attachment_add, attachment_delete, check_upload
from apps.listings.services.common import (
    Listing,
    ListingError,
    check_owner_member,
    record_market_change,
    resolve_owner,
)
from apps.listings.services.editing import (
    ACHIEVEMENT_FIELDS,
    DEMAND_FIELDS,
    EDITABLE_STATUSES,
    achievement_build,
    achievement_create,
    achievement_update,
    check_achievement_price,
    check_demand_budget,
    demand_build,
    demand_create,
    demand_update,
    listing_delete,
    listing_upsert_by_external_id,
)
from apps.listings.services.lifecycle import (
    LISTING_LIFECYCLE,
    check_no_pledged_transfer,
    listing_mark_transferred,
    listing_move_market,
    listing_reopen,
    listing_review,
    listing_submit,
    listing_withdraw,
    listings_expire,
)
from apps.listings.services.nda import confidential_access_record, nda_decide, nda_request_create, nda_revoke

__all__ = [
    "ACHIEVEMENT_FIELDS",
    "ATTACHMENT_TYPES",
    "DEMAND_FIELDS",
    "EDITABLE_STATUSES",
    "LISTING_LIFECYCLE",
    "Listing",
    "ListingError",
    "achievement_build",
    "achievement_create",
    "achievement_update",
    "attachment_add",
    "attachment_delete",
    "check_achievement_price",
    "check_demand_budget",
    "check_no_pledged_transfer",
    "check_owner_member",
    "check_upload",
    "confidential_access_record",
    "demand_build",
    "demand_create",
    "demand_update",
    "listing_delete",
    "listing_mark_transferred",
    "listing_move_market",
    "listing_reopen",
    "listing_review",
    "listing_submit",
    "listing_upsert_by_external_id",
    "listing_withdraw",
    "listings_expire",
    "nda_decide",
    "nda_request_create",
    "nda_revoke",
    "record_market_change",
    "resolve_owner",
]
