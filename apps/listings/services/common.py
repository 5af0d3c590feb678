"""What the listing services share: error codes, who may act on a listing, its event log."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.effects import effect
from apps.core.errors import ApplicationError
from apps.listings.models import Achievement, Demand, ListingEvent
from apps.organizations import access
from apps.organizations.models import Membership, Organization
from apps.webhooks.delivery import publish

Listing = Achievement | Demand


class ListingError(StrEnum):
    OWNER_REQUIRED = "owner_required"
    NOT_OWNER_MEMBER = "not_owner_member"
    OWNER_NOT_VERIFIED = "owner_not_verified"
    BRIDGE_VERSION_REQUIRED = "bridge_version_required"
    BAD_TRANSITION = "bad_transition"
    NOT_EDITABLE = "not_editable"
    REASON_REQUIRED = "rejection_reason_required"
    PRICE_INCONSISTENT = "price_inconsistent"
    BUDGET_RANGE = "budget_range"
    DATE_IN_PAST = "date_in_past"
    DUPLICATE = "duplicate_listing"
    EXTERNAL_ID_TAKEN = "external_id_taken"
    UNKNOWN_IP_ASSET = "unknown_ip_asset"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_TYPE = "attachment_type_not_allowed"
    ATTACHMENT_LIMIT = "attachment_limit"
    NDA_OWN_LISTING = "nda_own_listing"
    NDA_ALREADY_OPEN = "nda_already_open"
    NDA_NOT_PUBLISHED = "nda_listing_not_published"
    NDA_BAD_STATE = "nda_bad_state"
    NDA_NOT_VERIFIED = "nda_organization_not_verified"
    PLEDGED_ASSET = "pledged_asset_not_transferable"
    TRANSLATION_OF_ORIGINAL = "translation_of_original_language"
    UNKNOWN_MARKET = "unknown_market"


# --- owners, permissions, what others hear of -----------------------------------------------------


def resolve_owner(*, actor: User, owner_id: int | None) -> Organization:
    """The organisation a new listing belongs to: the one named, or the actor's only one."""
    return access.resolve_owner(
        actor=actor,
        owner_id=owner_id,
        required_message=_("You belong to several organisations: say which one lists this (owner_id)."),
        not_member_message=_("You can only list for an organisation you belong to."),
    )


def check_owner_member(*, actor: User, listing: Listing) -> None:
    if listing.owner_id not in access.actor_memberships(actor):
        raise ApplicationError(
            _("Only members of the owning organisation may do this."),
            code=ListingError.NOT_OWNER_MEMBER,
            status=403,
        )


def record_market_change(*, kind: str, listing_ids: list[int]) -> None:
    """Listings entered or left the market (``kind``: achievement or demand): matching hears of it through
    the durable effect ``matching.listings_changed``, recorded in the caller's transaction."""
    if listing_ids:
        effect("matching.listings_changed", kind=kind, listing_ids=list(listing_ids))


def publish_listing_event(listing: Listing, event_type: str) -> None:
    """The owner's integrations hear of it by webhook (``listing.created`` …); only the owner receives it."""
    publish(
        event_type,
        [listing.owner_id],
        {
            "listing_id": listing.pk,
            "kind": link_name(listing),
            "title": listing.title,
            "status": listing.status,
            "owner_id": listing.owner_id,
            "technology_field_id": listing.technology_field_id,
            "region_code": listing.region_id,
            "published_at": listing.published_at,
            "updated_at": listing.updated_at,
        },
    )


def record_event(listing: Listing, *, from_status: str, to_status: str, actor: User | None, note: str = "") -> None:
    ListingEvent.objects.create(
        **{link_name(listing): listing}, from_status=from_status, to_status=to_status, actor=actor, note=note
    )


def link_name(listing: Listing) -> str:
    return "achievement" if isinstance(listing, Achievement) else "demand"


def owner_recipients(listing: Listing) -> list[User]:
    return [m.user for m in Membership.objects.filter(organization_id=listing.owner_id).select_related("user")]
