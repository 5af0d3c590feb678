"""Writes of IP assets: record, correct and delete an organisation's patents, copyrights and other rights.

Every rule an asset must satisfy lives in :func:`check_ip_asset` (identifier formats, identifiers that fit
the kind, dates, status), so the API, the admin and any importer refuse the same records with the same
reasons. Identifier formats themselves are the pure validators in :mod:`apps.core.validators`.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.changes import check_external_id
from apps.core.effects import effect
from apps.core.errors import ApplicationError
from apps.core.validators import (
    ipc_problem,
    normalize_ipc,
    patent_number_problem,
    patent_type_digit,
)
from apps.ip.models import (
    PATENT_KINDS,
    PATENT_TYPE_DIGITS_BY_KIND,
    STATUS_AFTER_EVENT,
    IPAsset,
    IPAssetKind,
    IPCoOwner,
    IPLegalEvent,
    LegalEventKind,
    LegalStatus,
)
from apps.ip.offices import (
    Office,
    application_number_problem,
    normalise_application_number,
    priority_claim_problems,
)
from apps.organizations.access import actor_memberships, admin_organization_ids, resolve_owner
from apps.organizations.models import Organization


class IPAssetError(StrEnum):
    NOT_OWNER_MEMBER = "not_owner_member"
    INVALID_IDENTIFIER = "invalid_ip_identifier"
    NOT_A_PATENT = "patent_field_on_non_patent"
    IDENTIFIER_REQUIRED = "ip_identifier_required"
    KIND_MISMATCH = "patent_kind_mismatch"
    PATENT_NUMBER_MISMATCH = "patent_number_mismatch"
    DATE_IN_FUTURE = "date_in_future"
    GRANT_BEFORE_FILING = "grant_before_filing"
    GRANT_DATE_REQUIRED = "grant_date_required"
    GRANT_DATE_UNEXPECTED = "grant_date_unexpected"
    DUPLICATE = "duplicate_application_number"
    EXTERNAL_ID_TAKEN = "external_id_taken"
    LINKED = "ip_asset_linked"
    BAD_CO_OWNER = "invalid_co_owner"
    EVENT_DATE = "invalid_event_date"
    ADMIN_REQUIRED = "owner_admin_required"
    PRIORITY_INVALID = "invalid_priority_claim"


# CNIPA publication numbers: CN, 7–9 digits, a kind code (A, B, U, S, or with a digit: A1, B2 …).
PUBLICATION_NUMBER_RE = re.compile(r"CN\d{7,9}[A-Z]\d?", re.ASCII)
# Other offices' publication and patent numbers: a country code, digits and an optional kind code.
FOREIGN_NUMBER_RE = re.compile(r"[A-Z]{2}[0-9/\-]{4,16}[A-Z]?\d?", re.ASCII)
# Software copyright registration numbers (软著登字): year, SR, 6–7 digits, e.g. 2019SR1234567.
SOFTWARE_REGISTRATION_RE = re.compile(r"(?:19|20)\d{2}SR\d{6,7}", re.ASCII)

# The fields a caller may set; owner is fixed at creation.
IP_ASSET_FIELDS = (
    "external_id",
    "kind",
    "title",
    "application_number",
    "patent_number",
    "publication_number",
    "registration_number",
    "ipc_main",
    "ipc_codes",
    "filing_date",
    "grant_date",
    "legal_status",
    "office",
    "family_id",
    "priority_claims",
)
PATENT_ONLY_FIELDS = (
    "application_number",
    "patent_number",
    "publication_number",
    "ipc_main",
    "ipc_codes",
    "priority_claims",
    "family_id",
)
# Pending and rejected rights were never granted, so they have no grant date; lapsed, expired and
# invalidated ones were granted once and keep theirs.
_NEVER_GRANTED = frozenset({LegalStatus.PENDING, LegalStatus.REJECTED})


# --- permission --------------------------------------------------------------------------------


def check_owner_member(*, actor: User, asset: IPAsset) -> None:
    """Only the owner's members change an asset; the operator reads but does not edit."""
    if asset.owner_id not in actor_memberships(actor):
        raise ApplicationError(
            _("Only members of the owning organisation may change this asset."),
            code=IPAssetError.NOT_OWNER_MEMBER,
            status=403,
        )


def check_owner_admin(*, actor: User, asset: IPAsset) -> None:
    """Destructive changes (deleting the asset, removing a co-owner) are for the owner's admins; members edit."""
    check_owner_member(actor=actor, asset=asset)
    if asset.owner_id not in admin_organization_ids(actor):
        raise ApplicationError(
            _("Only an administrator of the owning organisation may delete this asset or remove a co-owner."),
            code=IPAssetError.ADMIN_REQUIRED,
            status=403,
        )


def _co_owner_key(organization_id: int | None, name: str) -> tuple[str, Any]:
    return ("org", organization_id) if organization_id else ("name", name.strip())


def check_co_owner_removal(*, actor: User, asset: IPAsset, rows: list[IPCoOwner]) -> None:
    """Replacing the co-owners may add freely; dropping one who is recorded needs the owner's admin."""
    kept = {_co_owner_key(row.organization_id, row.person_name) for row in rows}
    recorded = {
        _co_owner_key(org_id, name)
        for org_id, name in IPCoOwner.objects.filter(asset=asset).values_list("organization_id", "person_name")
    }
    if recorded - kept:
        check_owner_admin(actor=actor, asset=asset)


# --- the rules ---------------------------------------------------------------------------------


def _refuse(code: IPAssetError, message: str, field_errors: dict[str, str]) -> ApplicationError:
    return ApplicationError(message, code=code, field_errors=field_errors)


def normalize_ipc_codes(asset: IPAsset) -> dict[str, str]:
    """Store IPC symbols in canonical spacing, the main one not repeated among the others; returns problems."""
    problems: dict[str, str] = {}
    if asset.ipc_main:
        main = normalize_ipc(asset.ipc_main)
        if main is None:
            problems["ipc_main"] = ipc_problem(asset.ipc_main) or ""
        else:
            asset.ipc_main = main
    others: list[str] = []
    bad: list[str] = []
    for code in asset.ipc_codes or []:
        normal = normalize_ipc(code)
        if normal is None:
            bad.append(code)
        elif normal != asset.ipc_main and normal not in others:
            others.append(normal)
    if bad:
        problems["ipc_codes"] = _("Not IPC symbols: %(codes)s. Write them like A61K 31/495.") % {
            "codes": ", ".join(bad)
        }
    else:
        asset.ipc_codes = others
    return problems


def _identifier_problems(asset: IPAsset) -> dict[str, str]:
    problems: dict[str, str] = {}
    domestic = asset.office == Office.CNIPA
    if asset.application_number:
        asset.application_number = normalise_application_number(asset.office, asset.application_number)
        problem = application_number_problem(asset.office, asset.application_number)
        if problem:
            problems["application_number"] = problem
    if asset.patent_number:
        problem = patent_number_problem(asset.patent_number) if domestic else None
        if not domestic and not FOREIGN_NUMBER_RE.fullmatch(asset.patent_number):
            problem = _("A patent number is the country code and the number, e.g. US11223344.")
        if problem:
            problems["patent_number"] = problem
    publication_re = PUBLICATION_NUMBER_RE if domestic else FOREIGN_NUMBER_RE
    if asset.publication_number and not publication_re.fullmatch(asset.publication_number):
        problems["publication_number"] = _("A publication number is CN, the number and a kind code, e.g. CN102822194B.")
    if (
        asset.kind == IPAssetKind.SOFTWARE_COPYRIGHT
        and asset.registration_number
        and not SOFTWARE_REGISTRATION_RE.fullmatch(asset.registration_number)
    ):
        problems["registration_number"] = _(
            "A software copyright registration number is the year, SR and the serial, e.g. 2019SR1234567."
        )
    problems.update(normalize_ipc_codes(asset))
    return problems


def _date_problem(asset: IPAsset, today: date) -> ApplicationError | None:
    future = {
        name: _("This date is in the future.")
        for name in ("filing_date", "grant_date")
        if getattr(asset, name) is not None and getattr(asset, name) > today
    }
    if future:
        return _refuse(IPAssetError.DATE_IN_FUTURE, _("Filing and grant dates cannot be in the future."), future)
    if asset.filing_date and asset.grant_date and asset.grant_date < asset.filing_date:
        return _refuse(
            IPAssetError.GRANT_BEFORE_FILING,
            _("The grant date is before the filing date."),
            {"grant_date": _("Before the filing date.")},
        )
    if asset.legal_status == LegalStatus.GRANTED and asset.grant_date is None:
        return _refuse(
            IPAssetError.GRANT_DATE_REQUIRED,
            _("A granted right needs its grant date."),
            {"grant_date": _("Required when the status is granted.")},
        )
    if asset.legal_status in _NEVER_GRANTED and asset.grant_date is not None:
        return _refuse(
            IPAssetError.GRANT_DATE_UNEXPECTED,
            _("A right that is %(status)s has no grant date.") % {"status": LegalStatus(asset.legal_status).label},
            {"grant_date": _("Leave empty, or change the status.")},
        )
    return None


def check_ip_asset(asset: IPAsset, *, today: date | None = None) -> None:
    """Raise the first broken rule (400 with the fields at fault); normalises IPC symbols in place.

    Order: identifier formats, identifiers that belong to the kind, those the kind requires, the
    type digit against the kind, the patent number against the application number, then dates.
    """
    today = today or timezone.localdate()
    problems = _identifier_problems(asset)
    if problems:
        raise _refuse(IPAssetError.INVALID_IDENTIFIER, _("Some identifiers are not valid."), problems)

    is_patent = asset.kind in PATENT_KINDS
    if not is_patent:
        misplaced = {
            name: _("Only patents have this; record this right's number as registration_number.")
            for name in PATENT_ONLY_FIELDS
            if getattr(asset, name)
        }
        if misplaced:
            raise _refuse(
                IPAssetError.NOT_A_PATENT,
                _("A %(kind)s has no patent numbers or IPC symbols.") % {"kind": IPAssetKind(asset.kind).label},
                misplaced,
            )
    if is_patent and not asset.application_number:
        raise _refuse(
            IPAssetError.IDENTIFIER_REQUIRED,
            _("A patent is recorded with its application number."),
            {"application_number": _("Required for patents, e.g. 201710601862.3.")},
        )
    if asset.kind == IPAssetKind.SOFTWARE_COPYRIGHT and not asset.registration_number:
        raise _refuse(
            IPAssetError.IDENTIFIER_REQUIRED,
            _("A software copyright is recorded with its registration number."),
            {"registration_number": _("Required for software copyrights, e.g. 2019SR1234567.")},
        )
    if is_patent and asset.office == Office.CNIPA:
        allowed = PATENT_TYPE_DIGITS_BY_KIND[IPAssetKind(asset.kind)]
        digit = patent_type_digit(asset.application_number)
        if digit not in allowed:
            raise _refuse(
                IPAssetError.KIND_MISMATCH,
                _("Application number type digit %(digit)s does not fit a %(kind)s (expected %(allowed)s).")
                % {"digit": digit, "kind": IPAssetKind(asset.kind).label, "allowed": "/".join(sorted(allowed))},
                {"application_number": _("The type digit does not fit the kind."), "kind": _("Does not fit.")},
            )
        if asset.patent_number and asset.patent_number != f"ZL{asset.application_number}":
            raise _refuse(
                IPAssetError.PATENT_NUMBER_MISMATCH,
                _("The patent number must be ZL followed by the application number: ZL%(number)s.")
                % {"number": asset.application_number},
                {"patent_number": _("Does not match the application number.")},
            )
    date_problem = _date_problem(asset, today)
    if date_problem is not None:
        raise date_problem
    claims = [{**claim, "date": date.fromisoformat(claim["date"])} for claim in asset.priority_claims or []]
    priority_problems = priority_claim_problems(claims, kind=asset.kind, filing_date=asset.filing_date)
    if priority_problems:
        raise _refuse(
            IPAssetError.PRIORITY_INVALID,
            _("Some priority claims cannot stand."),
            {"priority_claims": " ".join(priority_problems)},
        )


# --- writes ------------------------------------------------------------------------------------


def _assign(asset: IPAsset, data: dict[str, Any]) -> None:
    for name in IP_ASSET_FIELDS:
        if name in data:
            value = data[name]
            if value is None and name not in {"filing_date", "grant_date"}:
                value = [] if name in {"ipc_codes", "priority_claims"} else ""
            if name == "priority_claims":
                value = [
                    {
                        "office": claim["office"],
                        "number": normalise_application_number(claim["office"], claim["number"]),
                        "date": claim["date"].isoformat(),
                    }
                    for claim in value
                ]
            setattr(asset, name, value)


def _duplicate_error(application_number: str) -> ApplicationError:
    return ApplicationError(
        _("Application number %(number)s is already recorded.") % {"number": application_number},
        code=IPAssetError.DUPLICATE,
        status=409,
        field_errors={"application_number": _("Already recorded.")},
    )


def _save(asset: IPAsset) -> None:
    # The partial unique index decides; a pre-check would only narrow the race, not close it.
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError as exc:
        if "ipasset_application_unique" in str(exc):
            raise _duplicate_error(asset.application_number) from None
        if "ipasset_external_id_unique" in str(exc):
            raise ApplicationError(
                _("Your organisation already has an IP asset with this external id."),
                code=IPAssetError.EXTERNAL_ID_TAKEN,
                status=409,
                field_errors={"external_id": _("Already used by another asset of this organisation.")},
            ) from None
        raise


# An event that a change of status through an edit stands for, dated where the record says when.
_EVENT_FOR_STATUS: dict[str, str] = {
    LegalStatus.PENDING: LegalEventKind.FILED,
    LegalStatus.GRANTED: LegalEventKind.GRANTED,
    LegalStatus.REJECTED: LegalEventKind.REJECTED,
    LegalStatus.LAPSED: LegalEventKind.LAPSED,
    LegalStatus.EXPIRED: LegalEventKind.EXPIRED,
    LegalStatus.INVALIDATED: LegalEventKind.INVALIDATED,
}
# Fields whose change alters an annuity schedule kept by custody: their change records the effect
# custody.refresh_asset (custody, higher in the app order, keeps each asset's next annuity for its scan).
_SCHEDULE_FIELDS = ("kind", "filing_date", "grant_date", "legal_status")


def check_co_owners(*, owner_id: int, entries: list[dict[str, Any]]) -> list[IPCoOwner]:
    """Unsaved co-owner rows from input entries (``organization_id`` or ``name``); refuses the owner itself,
    unknown organisations and repeats."""
    problems: list[str] = []
    rows: list[IPCoOwner] = []
    org_ids = [e["organization_id"] for e in entries if e.get("organization_id")]
    known = set(Organization.objects.filter(pk__in=org_ids).values_list("pk", flat=True)) if org_ids else set()
    seen: set[tuple[str, Any]] = set()
    for position, entry in enumerate(entries):
        org_id = entry.get("organization_id")
        name = (entry.get("name") or "").strip()
        if bool(org_id) == bool(name):
            problems.append(_("Entry %(n)s: give either organization_id or name.") % {"n": position + 1})
            continue
        key = ("org", org_id) if org_id else ("name", name)
        if key in seen:
            problems.append(_("Entry %(n)s repeats a co-owner.") % {"n": position + 1})
            continue
        seen.add(key)
        if org_id == owner_id:
            problems.append(_("Entry %(n)s is the owner itself.") % {"n": position + 1})
        elif org_id and org_id not in known:
            problems.append(_("Entry %(n)s: organisation %(id)s does not exist.") % {"n": position + 1, "id": org_id})
        rows.append(IPCoOwner(organization_id=org_id or None, person_name="" if org_id else name, position=position))
    if problems:
        raise ApplicationError(
            _("Some co-owners are not valid."),
            code=IPAssetError.BAD_CO_OWNER,
            field_errors={"co_owners": " ".join(problems)},
        )
    return rows


def _replace_co_owners(asset: IPAsset, rows: list[IPCoOwner]) -> None:
    IPCoOwner.objects.filter(asset=asset).delete()
    for row in rows:
        row.asset = asset
    IPCoOwner.objects.bulk_create(rows)


def _status_event(asset: IPAsset, actor: User | None, note: str = "") -> IPLegalEvent:
    kind = _EVENT_FOR_STATUS[asset.legal_status]
    dated: dict[str, date | None] = {
        LegalEventKind.FILED: asset.filing_date,
        LegalEventKind.GRANTED: asset.grant_date,
    }
    when = dated.get(kind) or timezone.localdate()
    return IPLegalEvent(
        asset=asset, occurred_on=when, kind=kind, status_after=asset.legal_status, recorded_by=actor, note=note
    )


@transaction.atomic
def ip_asset_create(*, actor: User, data: dict[str, Any]) -> IPAsset:
    owner = resolve_owner(
        actor=actor,
        owner_id=data.get("owner_id"),
        required_message=_("Say which of your organisations holds this asset (owner_id)."),
        not_member_message=_("You can only record assets for an organisation you belong to."),
        not_member_status=403,
    )
    asset = IPAsset(owner=owner, created_by=actor)
    _assign(asset, data)
    check_ip_asset(asset)
    co_owners = check_co_owners(owner_id=owner.pk, entries=data.get("co_owners") or [])
    _save(asset)
    if co_owners:
        _replace_co_owners(asset, co_owners)
    # The history starts with what the record already says happened.
    events = []
    if asset.filing_date:
        events.append(
            IPLegalEvent(asset=asset, occurred_on=asset.filing_date, kind=LegalEventKind.FILED, recorded_by=actor)
        )
    if asset.legal_status != LegalStatus.PENDING:
        events.append(_status_event(asset, actor))
    IPLegalEvent.objects.bulk_create(events)
    return asset


@transaction.atomic
def ip_asset_update(*, actor: User, asset: IPAsset, data: dict[str, Any]) -> IPAsset:
    """Change some fields; the whole record is checked again, so a change of kind must bring its numbers."""
    check_owner_member(actor=actor, asset=asset)
    locked = IPAsset.objects.select_for_update().get(pk=asset.pk)
    before = {name: getattr(locked, name) for name in _SCHEDULE_FIELDS}
    _assign(locked, data)
    check_ip_asset(locked)
    co_owners = None
    if "co_owners" in data:
        co_owners = check_co_owners(owner_id=locked.owner_id, entries=data["co_owners"] or [])
        check_co_owner_removal(actor=actor, asset=locked, rows=co_owners)
    _save(locked)
    if co_owners is not None:
        _replace_co_owners(locked, co_owners)
    if locked.legal_status != before["legal_status"]:
        _status_event(locked, actor).save()
    if any(getattr(locked, name) != value for name, value in before.items()):
        effect("custody.refresh_asset", asset_id=locked.pk)
    return locked


def check_record_keeper(*, actor: User, asset: IPAsset) -> None:
    """The owner's members keep an asset's record, and so does the agency holding it in active custody."""
    memberships = actor_memberships(actor)
    if asset.owner_id in memberships:
        return
    # Custody declares the reverse relation custody_links on the asset; an active row names the custodian.
    in_custody = IPAsset.objects.filter(
        pk=asset.pk, custody_links__active=True, custody_links__agreement__custodian_id__in=list(memberships)
    )
    if not in_custody.exists():
        raise ApplicationError(
            _("Only the owner's members or its custodian may record this asset's legal status."),
            code=IPAssetError.NOT_OWNER_MEMBER,
            status=403,
        )


@transaction.atomic
def ip_legal_event_record(*, actor: User, asset: IPAsset, occurred_on: date, kind: str, note: str = "") -> IPLegalEvent:
    """Add a dated event to the history; when it is the latest status-changing one, the asset takes its status.

    A grant event also supplies the grant date when the record has none; the record must still pass
    :func:`check_ip_asset`, so an event before the filing date or in the future is refused.
    """
    check_record_keeper(actor=actor, asset=asset)
    locked = IPAsset.objects.select_for_update().get(pk=asset.pk)
    today = timezone.localdate()
    if occurred_on > today or (locked.filing_date and occurred_on < locked.filing_date):
        raise ApplicationError(
            _("The event date must lie between the filing date and today."),
            code=IPAssetError.EVENT_DATE,
            field_errors={"occurred_on": _("Outside the asset's life so far.")},
        )
    status_after = STATUS_AFTER_EVENT.get(kind, "")
    event = IPLegalEvent(
        asset=locked, occurred_on=occurred_on, kind=kind, status_after=status_after, note=note, recorded_by=actor
    )
    if status_after:
        later = IPLegalEvent.objects.filter(asset=locked, occurred_on__gt=occurred_on).exclude(status_after="")
        if not later.exists():
            before = {name: getattr(locked, name) for name in _SCHEDULE_FIELDS}
            locked.legal_status = status_after
            if kind == LegalEventKind.GRANTED and locked.grant_date is None:
                locked.grant_date = occurred_on
            check_ip_asset(locked, today=today)
            locked.save(update_fields=["legal_status", "grant_date", "updated_at"])
            if any(getattr(locked, name) != value for name, value in before.items()):
                effect("custody.refresh_asset", asset_id=locked.pk)
    event.save()
    return event


@transaction.atomic
def ip_asset_delete(*, actor: User, asset: IPAsset) -> None:
    """The owner's admins only; refused while an achievement rests on the asset: unlink it there first."""
    check_owner_admin(actor=actor, asset=asset)
    locked = IPAsset.objects.select_for_update().get(pk=asset.pk)
    # The row lock makes this check and the delete one step against a concurrent delete; linking
    # concurrently is serialised by the M2M's foreign key to the locked row.
    if locked.custody_links.exists() or locked.pledges.exists() or locked.annuity_payments.exists():
        raise ApplicationError(
            _("This asset has custody, payment or pledge records; it cannot be deleted."),
            code=IPAssetError.LINKED,
            status=409,
        )
    achievement_ids = sorted(locked.achievements.values_list("pk", flat=True))
    if achievement_ids:
        raise ApplicationError(
            _("Achievements rest on this asset; remove it from them first."),
            code=IPAssetError.LINKED,
            status=409,
            extra={"achievement_ids": achievement_ids},
        )
    locked.delete()


@transaction.atomic
def ip_asset_upsert_by_external_id(*, actor: User, external_id: str, data: dict[str, Any]) -> tuple[IPAsset, bool]:
    """Create the owner's asset with this external id, or update it (the rules of create and update apply);
    returns it and whether it was created. Another organisation's same external id is another asset."""
    check_external_id(external_id)
    owner = resolve_owner(
        actor=actor,
        owner_id=data.get("owner_id"),
        required_message=_("Say which of your organisations holds this asset (owner_id)."),
        not_member_message=_("You can only record assets for an organisation you belong to."),
        not_member_status=403,
    )
    data = {**data, "owner_id": owner.pk, "external_id": external_id}
    existing = IPAsset.objects.filter(owner=owner, external_id=external_id).first()
    if existing is not None:
        return ip_asset_update(actor=actor, asset=existing, data=data), False
    try:
        with transaction.atomic():
            return ip_asset_create(actor=actor, data=data), True
    except ApplicationError as exc:
        if exc.code != IPAssetError.EXTERNAL_ID_TAKEN:
            raise
    # A concurrent PUT created it first: update that one.
    existing = IPAsset.objects.get(owner=owner, external_id=external_id)
    return ip_asset_update(actor=actor, asset=existing, data=data), False
