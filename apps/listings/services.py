"""Writes of listings: create, edit, the review lifecycle, attachments, NDAs and the access log.

Every lifecycle move is one conditional ``UPDATE … WHERE status IN (…)``, so two operators approving at
once, or an approval racing a withdrawal, cannot both win; each move leaves a :class:`ListingEvent`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.ip.models import IPAsset
from apps.listings import search
from apps.listings.models import (
    AccessKind,
    Achievement,
    Attachment,
    ConfidentialAccess,
    CooperationMode,
    Demand,
    ListingEvent,
    ListingStatus,
    NdaRequest,
    NdaStatus,
    PriceType,
)
from apps.matching.models import ListingKind
from apps.matching.services import listing_matching_changed, listings_matching_changed
from apps.notifications.services import notify
from apps.organizations.models import Membership, Organization, OrganizationType
from apps.organizations.selectors import actor_memberships, is_operator

Listing = Achievement | Demand


class ListingError(StrEnum):
    OWNER_REQUIRED = "owner_required"
    NOT_OWNER_MEMBER = "not_owner_member"
    OWNER_NOT_VERIFIED = "owner_not_verified"
    OPERATOR_ONLY = "operator_only"
    BAD_TRANSITION = "bad_transition"
    NOT_EDITABLE = "not_editable"
    REASON_REQUIRED = "rejection_reason_required"
    PRICE_INCONSISTENT = "price_inconsistent"
    BUDGET_RANGE = "budget_range"
    DATE_IN_PAST = "date_in_past"
    DUPLICATE = "duplicate_listing"
    UNKNOWN_IP_ASSET = "unknown_ip_asset"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_TYPE = "attachment_type_not_allowed"
    ATTACHMENT_LIMIT = "attachment_limit"
    NDA_OWN_LISTING = "nda_own_listing"
    NDA_ALREADY_OPEN = "nda_already_open"
    NDA_NOT_PUBLISHED = "nda_listing_not_published"
    NDA_BAD_STATE = "nda_bad_state"
    PLEDGED_ASSET = "pledged_asset_not_transferable"


# --- owners and permissions --------------------------------------------------------------------


def resolve_owner(*, actor: User, owner_id: int | None) -> Organization:
    """The organisation a new listing belongs to: the one named, or the actor's only one."""
    memberships = actor_memberships(actor)
    if owner_id is None:
        # One query, not one per membership: the operator's own organisation never lists.
        candidates = list(
            Organization.objects.filter(pk__in=memberships)
            .exclude(type=OrganizationType.MARKET_OPERATOR)
            .values_list("pk", flat=True)
        )
        if len(candidates) != 1:
            raise ApplicationError(
                _("You belong to several organisations: say which one lists this (owner_id)."),
                code=ListingError.OWNER_REQUIRED,
                field_errors={"owner_id": _("Required when you belong to several organisations.")},
            )
        owner_id = candidates[0]
    elif owner_id not in memberships:
        raise ApplicationError(
            _("You can only list for an organisation you belong to."),
            code=ListingError.NOT_OWNER_MEMBER,
            field_errors={"owner_id": _("You are not a member of this organisation.")},
        )
    return Organization.objects.select_related("region").get(pk=owner_id)


def check_owner_member(*, actor: User, listing: Listing) -> None:
    if listing.owner_id not in actor_memberships(actor):
        raise ApplicationError(
            _("Only members of the owning organisation may do this."),
            code=ListingError.NOT_OWNER_MEMBER,
            status=403,
        )


def check_operator(*, actor: User) -> None:
    if not is_operator(actor):
        raise ApplicationError(_("Only the market operator may do this."), code=ListingError.OPERATOR_ONLY, status=403)


# --- field rules shared by create, update and import -------------------------------------------

ACHIEVEMENT_FIELDS = (
    "language",
    "title",
    "translated_title",
    "technology_field",
    "keywords",
    "cooperation_modes",
    "confidential_detail",
    "contact_name",
    "contact_phone",
    "contact_email",
    "summary",
    "translated_summary",
    "trl",
    "attribute",
    "price_type",
    "price_min",
    "price_max",
    "expires_on",
)
DEMAND_FIELDS = (
    "language",
    "title",
    "translated_title",
    "technology_field",
    "keywords",
    "cooperation_modes",
    "confidential_detail",
    "contact_name",
    "contact_phone",
    "contact_email",
    "description",
    "translated_description",
    "industry",
    "budget_min",
    "budget_max",
    "deadline",
    "wanted_stage",
    "region_preference",
)
# Foreign keys arrive as codes; the model field takes them as ``<name>_id``.
_CODE_FIELDS = frozenset({"technology_field", "industry", "region_preference"})
EDITABLE_STATUSES = (ListingStatus.DRAFT, ListingStatus.REJECTED)


def _assign(listing: Listing, data: dict[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in data:
            value = data[name]
            if name in _CODE_FIELDS:
                setattr(listing, f"{name}_id", value or None)
            elif value is None and name not in {"price_min", "price_max", "budget_min", "budget_max", "expires_on"}:
                setattr(listing, name, "")
            else:
                setattr(listing, name, value)


def check_achievement_price(*, price_type: str, price_min: Decimal | None, price_max: Decimal | None) -> None:
    """Fixed: one amount (min = max); range: both, min ≤ max; negotiable: none."""
    errors: dict[str, str] = {}
    if price_type == PriceType.FIXED:
        if price_min is None and price_max is None:
            errors["price_min"] = _("A fixed price needs an amount.")
        elif price_min is not None and price_max is not None and price_min != price_max:
            errors["price_max"] = _("A fixed price has one amount: leave price_max empty or equal to price_min.")
    elif price_type == PriceType.RANGE:
        if price_min is None or price_max is None:
            errors["price_min"] = _("A price range needs both a minimum and a maximum.")
        elif price_min > price_max:
            errors["price_min"] = _("The minimum price is above the maximum.")
    elif price_min is not None or price_max is not None:
        errors["price_type"] = _("A negotiable price has no amounts; choose fixed or range to give one.")
    if errors:
        raise ApplicationError(
            _("The price does not fit its type."), code=ListingError.PRICE_INCONSISTENT, field_errors=errors
        )


def check_demand_budget(*, budget_min: Decimal | None, budget_max: Decimal | None) -> None:
    if budget_min is not None and budget_max is not None and budget_min > budget_max:
        raise ApplicationError(
            _("The minimum budget is above the maximum."),
            code=ListingError.BUDGET_RANGE,
            field_errors={"budget_min": _("Above budget_max.")},
        )


def _refresh_derived(listing: Listing) -> None:
    """Search columns and the duplicate fingerprint follow the text."""
    text = listing.summary if isinstance(listing, Achievement) else listing.description
    translated = listing.translated_summary if isinstance(listing, Achievement) else listing.translated_description
    listing.fingerprint = search.fingerprint(listing.title, text)
    columns = search.search_columns(
        head=[listing.title, listing.translated_title, " ".join(listing.keywords)], body=[text, translated]
    )
    listing.search_head = columns["search_head"]
    listing.search_body = columns["search_body"]


def _check_achievement(achievement: Achievement) -> None:
    if achievement.price_type == PriceType.FIXED and achievement.price_max is None:
        achievement.price_max = achievement.price_min
    if achievement.price_type == PriceType.FIXED and achievement.price_min is None:
        achievement.price_min = achievement.price_max
    check_achievement_price(
        price_type=achievement.price_type, price_min=achievement.price_min, price_max=achievement.price_max
    )


def achievement_build(*, actor: User | None, owner: Organization, data: dict[str, Any]) -> Achievement:
    """An unsaved achievement from validated input, with every cross-field rule checked."""
    achievement = Achievement(owner=owner, region_id=owner.region_id, created_by=actor)
    _assign(achievement, data, ACHIEVEMENT_FIELDS)
    _check_achievement(achievement)
    _refresh_derived(achievement)
    return achievement


def demand_build(*, actor: User | None, owner: Organization, data: dict[str, Any]) -> Demand:
    demand = Demand(owner=owner, region_id=owner.region_id, created_by=actor)
    _assign(demand, data, DEMAND_FIELDS)
    check_demand_budget(budget_min=demand.budget_min, budget_max=demand.budget_max)
    _refresh_derived(demand)
    return demand


def _duplicate_error() -> ApplicationError:
    return ApplicationError(
        _("Your organisation already has an active listing with this title and text."),
        code=ListingError.DUPLICATE,
        status=409,
    )


def _save_new(listing: Listing) -> None:
    try:
        with transaction.atomic():
            listing.save()
    except IntegrityError as exc:
        if "no_duplicate" in str(exc):
            raise _duplicate_error() from None
        raise


def _set_ip_assets(achievement: Achievement, ids: list[int]) -> None:
    ids = list(dict.fromkeys(ids))
    found = set(IPAsset.objects.filter(pk__in=ids, owner_id=achievement.owner_id).values_list("pk", flat=True))
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ApplicationError(
            _("These IP assets are unknown or not your organisation's: %(ids)s.")
            % {"ids": ", ".join(map(str, missing))},
            code=ListingError.UNKNOWN_IP_ASSET,
            field_errors={"ip_asset_ids": _("Unknown or not owned by this listing's organisation.")},
        )
    achievement.ip_assets.set(ids)


def _record(listing: Listing, *, from_status: str, to_status: str, actor: User | None, note: str = "") -> None:
    ListingEvent.objects.create(
        **{_link_name(listing): listing}, from_status=from_status, to_status=to_status, actor=actor, note=note
    )


def _link_name(listing: Listing) -> str:
    return "achievement" if isinstance(listing, Achievement) else "demand"


@transaction.atomic
def achievement_create(*, actor: User, data: dict[str, Any]) -> Achievement:
    owner = resolve_owner(actor=actor, owner_id=data.get("owner_id"))
    achievement = achievement_build(actor=actor, owner=owner, data=data)
    _save_new(achievement)
    if data.get("industries"):
        achievement.industries.set(data["industries"])
    if data.get("ip_asset_ids"):
        _set_ip_assets(achievement, data["ip_asset_ids"])
    _record(achievement, from_status="", to_status=ListingStatus.DRAFT, actor=actor)
    return achievement


@transaction.atomic
def demand_create(*, actor: User, data: dict[str, Any]) -> Demand:
    owner = resolve_owner(actor=actor, owner_id=data.get("owner_id"))
    demand = demand_build(actor=actor, owner=owner, data=data)
    _save_new(demand)
    _record(demand, from_status="", to_status=ListingStatus.DRAFT, actor=actor)
    return demand


def _lock_editable(*, actor: User, listing: Listing) -> Listing:
    check_owner_member(actor=actor, listing=listing)
    locked = type(listing).objects.select_for_update().get(pk=listing.pk)
    if locked.status not in EDITABLE_STATUSES:
        raise ApplicationError(
            _("Only a draft or a rejected listing can be edited; withdraw and reopen it first."),
            code=ListingError.NOT_EDITABLE,
            status=409,
        )
    return locked


def _save_edit(listing: Listing) -> None:
    _refresh_derived(listing)
    try:
        with transaction.atomic():
            listing.save()
    except IntegrityError as exc:
        if "no_duplicate" in str(exc):
            raise _duplicate_error() from None
        raise


@transaction.atomic
def achievement_update(*, actor: User, achievement: Achievement, data: dict[str, Any]) -> Achievement:
    locked: Achievement = _lock_editable(actor=actor, listing=achievement)  # type: ignore[assignment]
    _assign(locked, data, ACHIEVEMENT_FIELDS)
    if "price_type" in data and data["price_type"] == PriceType.NEGOTIABLE:
        locked.price_min = locked.price_max = None
    _check_achievement(locked)
    _save_edit(locked)
    if "industries" in data:
        locked.industries.set(data["industries"])
    if "ip_asset_ids" in data:
        _set_ip_assets(locked, data["ip_asset_ids"])
    return locked


@transaction.atomic
def demand_update(*, actor: User, demand: Demand, data: dict[str, Any]) -> Demand:
    locked: Demand = _lock_editable(actor=actor, listing=demand)  # type: ignore[assignment]
    _assign(locked, data, DEMAND_FIELDS)
    check_demand_budget(budget_min=locked.budget_min, budget_max=locked.budget_max)
    _save_edit(locked)
    return locked


@transaction.atomic
def listing_delete(*, actor: User, listing: Listing) -> None:
    """Drafts only: anything submitted has a review history and is withdrawn instead."""
    check_owner_member(actor=actor, listing=listing)
    deleted, _rows = type(listing).objects.filter(pk=listing.pk, status=ListingStatus.DRAFT).delete()
    if not deleted:
        raise ApplicationError(
            _("Only a draft can be deleted; withdraw a submitted or published listing instead."),
            code=ListingError.BAD_TRANSITION,
            status=409,
        )


# --- lifecycle ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    sources: tuple[ListingStatus, ...]
    target: ListingStatus


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition((ListingStatus.DRAFT, ListingStatus.REJECTED), ListingStatus.SUBMITTED),
    "approve": Transition((ListingStatus.SUBMITTED,), ListingStatus.PUBLISHED),
    "reject": Transition((ListingStatus.SUBMITTED,), ListingStatus.REJECTED),
    "withdraw": Transition((ListingStatus.SUBMITTED, ListingStatus.PUBLISHED), ListingStatus.WITHDRAWN),
    "reopen": Transition((ListingStatus.WITHDRAWN, ListingStatus.EXPIRED), ListingStatus.DRAFT),
    "mark_transferred": Transition((ListingStatus.PUBLISHED,), ListingStatus.TRANSFERRED),
    "expire": Transition((ListingStatus.PUBLISHED,), ListingStatus.EXPIRED),
}


def _move(*, actor: User | None, listing: Listing, action: str, note: str = "", **changes: Any) -> Listing:
    """Move a listing along ``action`` if its *current* status allows it.

    The row is locked first, so the status checked is the one at this instant (not the one the caller
    read earlier) and concurrent moves queue behind each other: the second sees the first's result.
    """
    transition = TRANSITIONS[action]
    model = type(listing)
    current = model.objects.select_for_update().filter(pk=listing.pk).values_list("status", flat=True).first()
    if current not in transition.sources:
        raise ApplicationError(
            _("A listing that is %(status)s cannot be moved this way.")
            % {"status": ListingStatus(current).label if current else "?"},
            code=ListingError.BAD_TRANSITION,
            status=409,
            extra={"current_status": current, "action": action},
        )
    model.objects.filter(pk=listing.pk).update(status=transition.target, updated_at=timezone.now(), **changes)
    _record(listing, from_status=current, to_status=transition.target, actor=actor, note=note)
    return model.objects.get(pk=listing.pk)


def _expiry_date(listing: Listing) -> date | None:
    return listing.expires_on if isinstance(listing, Achievement) else listing.deadline


def _owner_recipients(listing: Listing) -> list[User]:
    return [m.user for m in Membership.objects.filter(organization_id=listing.owner_id).select_related("user")]


def _operator_recipients() -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(organization__type=OrganizationType.MARKET_OPERATOR).select_related("user")
    ]


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
    moved = _move(actor=actor, listing=listing, action="submit", submitted_at=timezone.now(), rejection_reason="")
    notify(
        recipients=_operator_recipients(),
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
    check_operator(actor=actor)
    now = timezone.now()
    if approve:
        changes: dict[str, Any] = {"published_at": now, "reviewed_at": now, "reviewed_by": actor}
        if isinstance(listing, Achievement) and listing.expires_on is None:
            changes["expires_on"] = timezone.localdate() + timedelta(days=settings.LISTING_DEFAULT_VALIDITY_DAYS)
        check_no_pledged_transfer(listing)
        moved = _move(actor=actor, listing=listing, action="approve", note=reason, **changes)
        listing_matching_changed(listing=moved)
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
            reviewed_by=actor,
            rejection_reason=reason,
        )
        title = format_lazy(gettext_lazy("Returned for changes: {title}"), title=moved.title)
    notify(recipients=_owner_recipients(moved), kind="listing_reviewed", title=title, body=reason, target=moved)
    return moved


@transaction.atomic
def listing_withdraw(*, actor: User, listing: Listing, reason: str = "") -> Listing:
    if not is_operator(actor):
        check_owner_member(actor=actor, listing=listing)
    moved = _move(actor=actor, listing=listing, action="withdraw", note=reason)
    listing_matching_changed(listing=moved)
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
    listing_matching_changed(listing=moved)
    return moved


@transaction.atomic
def listings_expire(*, today: date | None = None) -> dict[str, int]:
    """Published listings past their date become expired. Safe to run twice: the UPDATE is conditional."""
    today = today or timezone.localdate()
    counts: dict[str, int] = {}
    for model, date_field in ((Achievement, "expires_on"), (Demand, "deadline")):
        link = "achievement" if model is Achievement else "demand"
        ids = list(
            model.objects.filter(status=ListingStatus.PUBLISHED, **{f"{date_field}__lt": today})
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        moved = model.objects.filter(pk__in=ids, status=ListingStatus.PUBLISHED).update(
            status=ListingStatus.EXPIRED, updated_at=timezone.now()
        )
        ListingEvent.objects.bulk_create(
            ListingEvent(
                **{f"{link}_id": pk},
                from_status=ListingStatus.PUBLISHED,
                to_status=ListingStatus.EXPIRED,
                note="expired",
            )
            for pk in ids
        )
        listings_matching_changed(kind=ListingKind(link), listing_ids=ids, published=False)
        counts[link] = moved
    return counts


# --- attachments -------------------------------------------------------------------------------

# Allowed uploads: extension → (content type, how the file must start). Checked on the bytes, not
# the name the client sent, so a renamed executable is refused.
_ZIP = b"PK\x03\x04"
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (_ZIP,)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (_ZIP,)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (_ZIP,)),
    ".txt": ("text/plain; charset=utf-8", None),
}


def check_upload(upload: UploadedFile) -> tuple[str, str]:
    """The safe base name and the content type of an allowed upload; refuses the rest (413, 415)."""
    name = os.path.basename(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in ATTACHMENT_TYPES:
        raise ApplicationError(
            _("Files of this type cannot be attached; allowed: %(types)s.") % {"types": ", ".join(ATTACHMENT_TYPES)},
            code=ListingError.ATTACHMENT_TYPE,
            status=415,
            field_errors={"file": _("Unsupported file type.")},
        )
    if upload.size is None or upload.size > settings.LISTING_ATTACHMENT_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than %(mb)d MB.") % {"mb": settings.LISTING_ATTACHMENT_MAX_BYTES // 1_048_576},
            code=ListingError.ATTACHMENT_TOO_LARGE,
            status=413,
            field_errors={"file": _("Too large.")},
        )
    content_type, signatures = ATTACHMENT_TYPES[ext]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if signatures is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character may be cut at the end of the sample.
            if exc.start < len(head) - 3:
                raise _type_mismatch(ext) from None
    elif not head.startswith(signatures):
        raise _type_mismatch(ext)
    return name, content_type


def _type_mismatch(ext: str) -> ApplicationError:
    return ApplicationError(
        _("The file's content is not a %(ext)s file.") % {"ext": ext},
        code=ListingError.ATTACHMENT_TYPE,
        status=415,
        field_errors={"file": _("Content does not match the file type.")},
    )


@transaction.atomic
def attachment_add(*, actor: User, listing: Listing, upload: UploadedFile, is_public: bool = False) -> Attachment:
    check_owner_member(actor=actor, listing=listing)
    type(listing).objects.select_for_update().filter(pk=listing.pk).first()
    name, content_type = check_upload(upload)
    link = _link_name(listing)
    if Attachment.objects.filter(**{link: listing}).count() >= settings.LISTING_ATTACHMENTS_MAX:
        raise ApplicationError(
            _("A listing can have at most %(n)d attachments.") % {"n": settings.LISTING_ATTACHMENTS_MAX},
            code=ListingError.ATTACHMENT_LIMIT,
            status=409,
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        **{link: listing},
        original_name=name[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        is_public=is_public,
        uploaded_by=actor,
    )
    # Stored under a random name: the client's file name never reaches the file system.
    attachment.file.save(f"{os.urandom(16).hex()}{os.path.splitext(name)[1].lower()}", upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name or "")
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    check_owner_member(actor=actor, listing=attachment.listing)
    storage, path = attachment.file.storage, attachment.file.name or ""
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(path))


# --- NDA and the access log --------------------------------------------------------------------


@transaction.atomic
def nda_request_create(*, actor: User, listing: Listing, organization_id: int | None, message: str = "") -> NdaRequest:
    """An organisation asks to read the confidential part. Published listings only, one open request each."""
    memberships = actor_memberships(actor)
    if organization_id is None:
        if len(memberships) != 1:
            raise ApplicationError(
                _("Say for which of your organisations you ask (organization_id)."),
                code=ListingError.OWNER_REQUIRED,
                field_errors={"organization_id": _("Required when you belong to several organisations.")},
            )
        organization_id = next(iter(memberships))
    elif organization_id not in memberships:
        raise ApplicationError(
            _("You can only ask on behalf of an organisation you belong to."),
            code=ListingError.NOT_OWNER_MEMBER,
            field_errors={"organization_id": _("You are not a member of this organisation.")},
        )
    if organization_id == listing.owner_id:
        raise ApplicationError(
            _("Your organisation owns this listing and reads it already."), code=ListingError.NDA_OWN_LISTING
        )
    if listing.status != ListingStatus.PUBLISHED:
        raise ApplicationError(
            _("Only a published listing takes NDA requests."), code=ListingError.NDA_NOT_PUBLISHED, status=409
        )
    request = NdaRequest(
        **{_link_name(listing): listing}, organization_id=organization_id, requested_by=actor, message=message
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise ApplicationError(
            _("Your organisation already has a pending or accepted request for this listing."),
            code=ListingError.NDA_ALREADY_OPEN,
            status=409,
        ) from None
    notify(
        recipients=_owner_recipients(listing),
        kind="nda_requested",
        title=format_lazy(gettext_lazy("NDA request for {title}"), title=listing.title),
        body=message,
        target=request,
    )
    return request


def _nda_move(*, request: NdaRequest, sources: tuple[str, ...], to: str, actor: User, note: str) -> NdaRequest:
    moved = NdaRequest.objects.filter(pk=request.pk, status__in=sources).update(
        status=to, decided_by=actor, decided_at=timezone.now(), decision_note=note, updated_at=timezone.now()
    )
    if not moved:
        raise ApplicationError(
            _("This request is %(status)s and cannot be changed this way.")
            % {"status": NdaStatus(NdaRequest.objects.get(pk=request.pk).status).label},
            code=ListingError.NDA_BAD_STATE,
            status=409,
        )
    return NdaRequest.objects.select_related("organization", "achievement", "demand").get(pk=request.pk)


@transaction.atomic
def nda_decide(*, actor: User, request: NdaRequest, accept: bool, note: str = "") -> NdaRequest:
    """The owner accepts (the requester may now read the confidential part) or declines."""
    check_owner_member(actor=actor, listing=request.listing)
    to = NdaStatus.ACCEPTED if accept else NdaStatus.DECLINED
    decided = _nda_move(request=request, sources=(NdaStatus.PENDING,), to=to, actor=actor, note=note)
    notify(
        recipients=[m.user for m in Membership.objects.filter(organization_id=decided.organization_id)],
        kind="nda_decided",
        title=format_lazy(
            gettext_lazy("NDA {decision}: {title}"),
            decision=gettext_lazy("accepted") if accept else gettext_lazy("declined"),
            title=decided.listing.title,
        ),
        body=note,
        target=decided,
    )
    return decided


@transaction.atomic
def nda_revoke(*, actor: User, request: NdaRequest, note: str = "") -> NdaRequest:
    """The owner ends an accepted NDA; reads stop at once (access is checked on every read)."""
    check_owner_member(actor=actor, listing=request.listing)
    return _nda_move(
        request=request, sources=(NdaStatus.ACCEPTED, NdaStatus.PENDING), to=NdaStatus.REVOKED, actor=actor, note=note
    )


def confidential_access_record(
    *,
    actor: User,
    listing: Listing,
    organization_id: int | None,
    kind: AccessKind,
    attachment: Attachment | None = None,
    ip_address: str | None = None,
) -> ConfidentialAccess:
    return ConfidentialAccess.objects.create(
        **{_link_name(listing): listing},
        organization_id=organization_id,
        user=actor,
        kind=kind,
        attachment=attachment,
        ip_address=ip_address,
    )
