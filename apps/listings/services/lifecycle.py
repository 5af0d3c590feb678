"""The review lifecycle of a listing: submit, review, withdraw, reopen, mark transferred, expire.

Every move is one conditional ``UPDATE`` on the locked row, so two operators approving at once, or an
approval racing a withdrawal, cannot both win; each move leaves a :class:`ListingEvent`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.changes import record_model_changes
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Lifecycle, Transition
from apps.listings.models import Achievement, CooperationMode, Demand, ListingEvent, ListingStatus
from apps.listings.services.common import (
    Listing,
    ListingError,
    check_owner_member,
    link_name,
    owner_recipients,
    publish_listing_event,
    record_event,
    record_market_change,
)
from apps.markets.access import market_operator_users, require_market_operator
from apps.markets.models import Market
from apps.notifications.services import notify
from apps.organizations.access import is_operator, operator_users

LISTING_LIFECYCLE = Lifecycle(
    transitions={
        "submit": Transition(sources=(ListingStatus.DRAFT, ListingStatus.REJECTED), target=ListingStatus.SUBMITTED),
        "approve": Transition(sources=(ListingStatus.SUBMITTED,), target=ListingStatus.PUBLISHED),
        "reject": Transition(sources=(ListingStatus.SUBMITTED,), target=ListingStatus.REJECTED),
        "withdraw": Transition(
            sources=(ListingStatus.SUBMITTED, ListingStatus.PUBLISHED), target=ListingStatus.WITHDRAWN
        ),
        "reopen": Transition(sources=(ListingStatus.WITHDRAWN, ListingStatus.EXPIRED), target=ListingStatus.DRAFT),
        "mark_transferred": Transition(sources=(ListingStatus.PUBLISHED,), target=ListingStatus.TRANSFERRED),
        "expire": Transition(sources=(ListingStatus.PUBLISHED,), target=ListingStatus.EXPIRED),
    },
    error_code=ListingError.BAD_TRANSITION,
    message=gettext_lazy("A listing that is %(status)s cannot be moved this way."),
    labels=ListingStatus,
)


def _move(*, actor: User | None, listing: Listing, action: str, note: str = "", **changes: Any) -> Listing:
    """Move a listing along ``action`` if its *current* status allows it (one conditional UPDATE on the
    locked row: concurrent moves queue behind each other and the second sees the first's result)."""
    model = type(listing)
    previous = LISTING_LIFECYCLE.move(model=model, pk=listing.pk, action=action, **changes)
    record_event(listing, from_status=previous, to_status=LISTING_LIFECYCLE.target(action), actor=actor, note=note)
    return model.objects.get(pk=listing.pk)


def _expiry_date(listing: Listing) -> date | None:
    return listing.expires_on if isinstance(listing, Achievement) else listing.deadline


def check_no_pledged_transfer(listing: Listing) -> None:
    """An achievement offering transfer cannot rest on an actively pledged asset (the pledgee must agree first)."""
    from apps.custody.selectors import actively_pledged_asset_ids

    if not isinstance(listing, Achievement) or CooperationMode.TRANSFER not in listing.cooperation_modes:
        return
    pledged = sorted(actively_pledged_asset_ids(list(listing.ip_assets.values_list("pk", flat=True))))
    if pledged:
        raise ApplicationError(
            _("A pledged patent cannot be offered for transfer: release the pledge or offer a licence only."),
            code=ListingError.PLEDGED_ASSET,
            status=409,
            field_errors={"cooperation_modes": _("Transfer is not possible while an IP asset is pledged.")},
            extra={"pledged_ip_asset_ids": pledged},
        )


# Languages the matching engine reads through its zh-en glossary; a listing written in another language
# (vi, th, id, ms) reaches the market's demands and offers through a version in one of these.
BRIDGE_LANGUAGES = ("zh", "en")


def check_bridge_version(listing: Listing) -> None:
    """A listing in Vietnamese, Thai, Indonesian or Malay is published with a Chinese or English version (a title
    and its text), so that it is matched across languages (docs/asean.md); drafts may wait for it."""
    if listing.language in BRIDGE_LANGUAGES:
        return
    text_key = "summary" if isinstance(listing, Achievement) else "description"
    versions = listing.translations or {}
    bridged = any(
        (versions.get(code) or {}).get("title") and (versions.get(code) or {}).get(text_key)
        for code in BRIDGE_LANGUAGES
    )
    if not bridged and not listing.translated_title:
        raise ApplicationError(
            _(
                "A listing written in this language is published with a Chinese or English version (title and "
                "text in translations.zh or translations.en), so that it is matched across languages."
            ),
            code=ListingError.BRIDGE_VERSION_REQUIRED,
            field_errors={"translations": _("Add a Chinese or English version.")},
        )


@transaction.atomic
def listing_submit(*, actor: User, listing: Listing) -> Listing:
    check_owner_member(actor=actor, listing=listing)
    if not listing.owner.is_verified:
        raise ApplicationError(
            _("The organisation must be verified by the operator before its listings can be submitted."),
            code=ListingError.OWNER_NOT_VERIFIED,
            status=403,
        )
    expiry = _expiry_date(listing)
    if expiry is not None and expiry < timezone.localdate():
        field = "expires_on" if isinstance(listing, Achievement) else "deadline"
        raise ApplicationError(
            _("The listing's date has passed: set a new one before submitting."),
            code=ListingError.DATE_IN_PAST,
            field_errors={field: _("This date is in the past.")},
        )
    check_no_pledged_transfer(listing)
    check_bridge_version(listing)
    moved = _move(actor=actor, listing=listing, action="submit", submitted_at=timezone.now(), rejection_reason="")
    notify(
        recipients=[*operator_users(), *market_operator_users(moved.home_market_id)],
        kind="listing_submitted",
        title=format_lazy(gettext_lazy("Listing awaiting review: {title}"), title=moved.title),
        body="",
        target=moved,
        email=False,
    )
    return moved


@transaction.atomic
def listing_review(*, actor: User, listing: Listing, approve: bool, reason: str = "") -> Listing:
    """The operator publishes a submitted listing, or sends it back with a reason."""
    # The operator of the listing's home market (or of a market above it) reviews it; the global operator
    # reviews every market's.
    require_market_operator(actor, listing.home_market_id)
    now = timezone.now()
    if approve:
        changes: dict[str, Any] = {"published_at": now, "reviewed_at": now, "reviewed_by_id": actor.pk}
        if isinstance(listing, Achievement) and listing.expires_on is None:
            changes["expires_on"] = timezone.localdate() + timedelta(days=settings.LISTING_DEFAULT_VALIDITY_DAYS)
        check_no_pledged_transfer(listing)
        moved = _move(actor=actor, listing=listing, action="approve", note=reason, **changes)
        record_market_change(kind=link_name(moved), listing_ids=[moved.pk])
        publish_listing_event(moved, "listing.published")
        title = format_lazy(gettext_lazy("Published: {title}"), title=moved.title)
    else:
        if not reason.strip():
            raise ApplicationError(
                _("Say why the listing is rejected."),
                code=ListingError.REASON_REQUIRED,
                field_errors={"reason": _("Required when rejecting.")},
            )
        moved = _move(
            actor=actor,
            listing=listing,
            action="reject",
            note=reason,
            reviewed_at=now,
            reviewed_by_id=actor.pk,
            rejection_reason=reason,
        )
        title = format_lazy(gettext_lazy("Returned for changes: {title}"), title=moved.title)
    notify(recipients=owner_recipients(moved), kind="listing_reviewed", title=title, body=reason, target=moved)
    return moved


@transaction.atomic
def listing_move_market(*, actor: User, listing: Listing, market_code: str) -> Listing:
    """Move a listing to another market of the network (its review queue and scope): the global operator,
    or an operator of both the listing's market and the target market."""
    require_market_operator(actor, listing.home_market_id)
    market = Market.objects.filter(pk=market_code, active=True).first()
    if market is None:
        raise ApplicationError(
            _("Unknown or inactive market."),
            code=ListingError.UNKNOWN_MARKET,
            field_errors={"market_code": _("Unknown code.")},
        )
    require_market_operator(actor, market.code)
    type(listing).objects.filter(pk=listing.pk).update(home_market=market, updated_at=timezone.now())
    listing.refresh_from_db()
    return listing


@transaction.atomic
def listing_withdraw(*, actor: User, listing: Listing, reason: str = "") -> Listing:
    if not is_operator(actor):
        check_owner_member(actor=actor, listing=listing)
    moved = _move(actor=actor, listing=listing, action="withdraw", note=reason)
    record_market_change(kind=link_name(moved), listing_ids=[moved.pk])
    publish_listing_event(moved, "listing.withdrawn")
    return moved


@transaction.atomic
def listing_reopen(*, actor: User, listing: Listing) -> Listing:
    check_owner_member(actor=actor, listing=listing)
    return _move(actor=actor, listing=listing, action="reopen")


@transaction.atomic
def listing_mark_transferred(*, actor: User, listing: Listing, note: str = "") -> Listing:
    if not is_operator(actor):
        check_owner_member(actor=actor, listing=listing)
    moved = _move(actor=actor, listing=listing, action="mark_transferred", note=note)
    record_market_change(kind=link_name(moved), listing_ids=[moved.pk])
    return moved


@transaction.atomic
def listings_expire(*, today: date | None = None) -> dict[str, int]:
    """Published listings past their date become expired. Safe to run twice: the UPDATE is conditional."""
    today = today or timezone.localdate()
    expire = LISTING_LIFECYCLE.transitions["expire"]
    counts: dict[str, int] = {}
    for model, date_field in ((Achievement, "expires_on"), (Demand, "deadline")):
        link = "achievement" if model is Achievement else "demand"
        # One UPDATE for the day's batch rather than a move per listing; the same transition's states.
        ids = list(
            model.objects.filter(status__in=expire.sources, **{f"{date_field}__lt": today})
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        moved = model.objects.filter(pk__in=ids, status__in=expire.sources).update(
            status=expire.target, updated_at=timezone.now()
        )
        ListingEvent.objects.bulk_create(
            ListingEvent(
                **{f"{link}_id": pk}, from_status=ListingStatus.PUBLISHED, to_status=expire.target, note="expired"
            )
            for pk in ids
        )
        record_market_change(kind=link, listing_ids=ids)
        record_model_changes(model, ids)
        counts[link] = moved
    return counts
