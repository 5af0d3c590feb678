"""Creating, editing and deleting listings, with the field rules create, update and import share."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.changes import check_external_id
from apps.core.errors import ApplicationError
from apps.ip.models import IPAsset
from apps.listings import search
from apps.listings.models import Achievement, Demand, ListingStatus, PriceType
from apps.listings.services.common import (
    Listing,
    ListingError,
    check_owner_member,
    publish_listing_event,
    record_event,
    resolve_owner,
)
from apps.markets.access import market_for_region
from apps.organizations.models import Organization

# --- field rules shared by create, update and import -------------------------------------------

ACHIEVEMENT_FIELDS = (
    "external_id",
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
    "translations",
    "trl",
    "attribute",
    "price_type",
    "price_min",
    "price_max",
    "expires_on",
)
DEMAND_FIELDS = (
    "external_id",
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
    "translations",
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
    if listing.language in (listing.translations or {}):
        raise ApplicationError(
            _("The original language is given by title and text, not as a translation."),
            code=ListingError.TRANSLATION_OF_ORIGINAL,
            field_errors={"translations": _("Remove the original language or change `language`.")},
        )
    text = listing.summary if isinstance(listing, Achievement) else listing.description
    translated = listing.translated_summary if isinstance(listing, Achievement) else listing.translated_description
    listing.fingerprint = search.fingerprint(listing.title, text)
    text_key = "summary" if isinstance(listing, Achievement) else "description"
    versions = list((listing.translations or {}).values())
    columns = search.search_columns(
        head=[listing.title, listing.translated_title, " ".join(listing.keywords), *(v["title"] for v in versions)],
        body=[text, translated, *(v.get(text_key, "") for v in versions)],
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


def _external_id_error() -> ApplicationError:
    return ApplicationError(
        _("Your organisation already has a listing with this external id."),
        code=ListingError.EXTERNAL_ID_TAKEN,
        status=409,
        field_errors={"external_id": _("Already used by another listing of this organisation.")},
    )


def _integrity(exc: IntegrityError) -> ApplicationError | None:
    if "no_duplicate" in str(exc):
        return _duplicate_error()
    if "external_id_unique" in str(exc):
        return _external_id_error()
    return None


def _save_new(listing: Listing) -> None:
    try:
        with transaction.atomic():
            listing.save()
    except IntegrityError as exc:
        error = _integrity(exc)
        if error is not None:
            raise error from None
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


@transaction.atomic
def achievement_create(*, actor: User, data: dict[str, Any]) -> Achievement:
    owner = resolve_owner(actor=actor, owner_id=data.get("owner_id"))
    achievement = achievement_build(actor=actor, owner=owner, data=data)
    achievement.home_market = market_for_region(owner.region_id)
    _save_new(achievement)
    if data.get("industries"):
        achievement.industries.set(data["industries"])
    if data.get("ip_asset_ids"):
        _set_ip_assets(achievement, data["ip_asset_ids"])
    record_event(achievement, from_status="", to_status=ListingStatus.DRAFT, actor=actor)
    publish_listing_event(achievement, "listing.created")
    return achievement


@transaction.atomic
def demand_create(*, actor: User, data: dict[str, Any]) -> Demand:
    owner = resolve_owner(actor=actor, owner_id=data.get("owner_id"))
    demand = demand_build(actor=actor, owner=owner, data=data)
    demand.home_market = market_for_region(owner.region_id)
    _save_new(demand)
    record_event(demand, from_status="", to_status=ListingStatus.DRAFT, actor=actor)
    publish_listing_event(demand, "listing.created")
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
        error = _integrity(exc)
        if error is not None:
            raise error from None
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
    publish_listing_event(locked, "listing.updated")
    return locked


@transaction.atomic
def demand_update(*, actor: User, demand: Demand, data: dict[str, Any]) -> Demand:
    locked: Demand = _lock_editable(actor=actor, listing=demand)  # type: ignore[assignment]
    _assign(locked, data, DEMAND_FIELDS)
    check_demand_budget(budget_min=locked.budget_min, budget_max=locked.budget_max)
    _save_edit(locked)
    publish_listing_event(locked, "listing.updated")
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


@transaction.atomic
def listing_upsert_by_external_id(
    *, actor: User, model: type[Listing], external_id: str, data: dict[str, Any]
) -> tuple[Listing, bool]:
    """Create the owner's listing with this external id, or update it (with the rules of create and update);
    returns it and whether it was created. Another organisation's same external id is another listing."""
    check_external_id(external_id)
    owner = resolve_owner(actor=actor, owner_id=data.get("owner_id"))
    data = {**data, "owner_id": owner.pk, "external_id": external_id}
    is_achievement = model is Achievement

    def update(existing: Listing) -> Listing:
        if is_achievement:
            return achievement_update(actor=actor, achievement=existing, data=data)  # type: ignore[arg-type]
        return demand_update(actor=actor, demand=existing, data=data)  # type: ignore[arg-type]

    existing = model.objects.filter(owner=owner, external_id=external_id).first()
    if existing is not None:
        return update(existing), False
    try:
        with transaction.atomic():
            created = (
                achievement_create(actor=actor, data=data) if is_achievement else demand_create(actor=actor, data=data)
            )
        return created, True
    except ApplicationError as exc:
        if exc.code != ListingError.EXTERNAL_ID_TAKEN:
            raise
    # A concurrent PUT created it first (its insert committed while ours waited): update that one.
    return update(model.objects.get(owner=owner, external_id=external_id)), False
