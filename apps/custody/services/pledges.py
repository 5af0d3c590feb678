"""Registered pledges (质押) of IP assets: record and release."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.custody.models import Pledge, PledgeStatus
from apps.custody.services.errors import CustodyError
from apps.ip.models import IPAsset, IPLegalEvent, LegalEventKind
from apps.ip.services import check_record_keeper


def _holder_keys(asset: IPAsset) -> set[tuple[str, Any]]:
    keys: set[tuple[str, Any]] = {("org", asset.owner_id)}
    for co in asset.co_owners.all():
        keys.add(("org", co.organization_id) if co.organization_id else ("name", co.person_name.strip()))
    return keys


@transaction.atomic
def pledge_create(
    *,
    actor: User,
    asset: IPAsset,
    pledgors: list[dict[str, Any]],
    pledgee: str,
    secured_amount: Decimal,
    term_start: date,
    term_end: date,
    registration_date: date,
    registration_number: str,
) -> Pledge:
    """Record a registered pledge; every holder of the asset (owner and co-owners) must be a pledgor."""
    check_record_keeper(actor=actor, asset=asset)
    locked = IPAsset.objects.select_for_update().get(pk=asset.pk)
    if locked.legal_status != "granted":
        raise ApplicationError(_("Only a right in force can be pledged."), code=CustodyError.NOT_IN_FORCE, status=409)
    if term_end <= term_start:
        raise ApplicationError(
            _("The pledge term must end after it starts."),
            code=CustodyError.PERIOD,
            field_errors={"term_end": _("Not after the term start.")},
        )
    if registration_date > timezone.localdate():
        raise ApplicationError(
            _("The registration date is in the future."),
            code=CustodyError.DATE_IN_FUTURE,
            field_errors={"registration_date": _("After today.")},
        )
    given = {
        ("org", p["organization_id"]) if p.get("organization_id") else ("name", (p.get("name") or "").strip())
        for p in pledgors
    }
    holders = _holder_keys(locked)
    if given != holders:
        raise ApplicationError(
            _("The pledgors must be exactly the asset's holders: the owner and every co-owner."),
            code=CustodyError.PLEDGORS,
            field_errors={"pledgors": _("Missing or extra pledgors.")},
            extra={
                "missing": sorted(str(v) for _k, v in holders - given),
                "extra": sorted(str(v) for _k, v in given - holders),
            },
        )
    if Pledge.objects.filter(asset=locked, status=PledgeStatus.ACTIVE).exists():
        raise ApplicationError(
            _("This asset is already under an active pledge."), code=CustodyError.ALREADY_PLEDGED, status=409
        )
    pledge = Pledge(
        asset=locked,
        pledgors=[
            {"organization_id": p.get("organization_id"), "name": (p.get("name") or "").strip()} for p in pledgors
        ],
        pledgee=pledgee,
        secured_amount=secured_amount,
        term_start=term_start,
        term_end=term_end,
        registration_date=registration_date,
        registration_number=registration_number,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            pledge.save()
    except IntegrityError as exc:
        if "registration_number" in str(exc):
            raise ApplicationError(
                _("Pledge registration %(number)s is already recorded.") % {"number": registration_number},
                code=CustodyError.DUPLICATE_PLEDGE,
                status=409,
                field_errors={"registration_number": _("Already recorded.")},
            ) from None
        raise
    IPLegalEvent.objects.create(
        asset=locked,
        occurred_on=registration_date,
        kind=LegalEventKind.PLEDGED,
        note=f"{pledgee} {registration_number}",
        recorded_by=actor,
    )
    return pledge


@transaction.atomic
def pledge_release(*, actor: User, pledge: Pledge, released_on: date) -> Pledge:
    check_record_keeper(actor=actor, asset=pledge.asset)
    locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if locked.status != PledgeStatus.ACTIVE:
        raise ApplicationError(_("This pledge is already released."), code=CustodyError.BAD_TRANSITION, status=409)
    if released_on > timezone.localdate() or released_on < locked.registration_date:
        raise ApplicationError(
            _("The release date must lie between the registration and today."),
            code=CustodyError.DATE_IN_FUTURE,
            field_errors={"released_on": _("Out of range.")},
        )
    Pledge.objects.filter(pk=locked.pk).update(
        status=PledgeStatus.RELEASED, released_on=released_on, updated_at=timezone.now()
    )
    IPLegalEvent.objects.create(
        asset_id=locked.asset_id,
        occurred_on=released_on,
        kind=LegalEventKind.PLEDGE_RELEASED,
        note=locked.registration_number,
        recorded_by=actor,
    )
    return Pledge.objects.select_related("asset", "asset__owner").get(pk=locked.pk)
