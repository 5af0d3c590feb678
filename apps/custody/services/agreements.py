"""Custody agreements: propose, start, renew, end, and expire at the end of their period.

"One asset is never in two active custodies" is the partial unique index ``custodyasset_one_active``; the
services lock the assets first so the refusal is a clean 409, and the index closes any race left.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.changes import record_model_changes
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Lifecycle, Transition
from apps.custody.annuity import AnnuityError, FeeTableError, standard_reduction
from apps.custody.models import AgreementEvent, AgreementEventKind, AgreementStatus, CustodyAgreement, CustodyAsset
from apps.custody.reminders import annuity_state, default_paid_through, schedule_for
from apps.custody.services.annuities import (
    annuity_state_fields,
    apply_annuity_state,
    check_reduction,
    reduction_of,
    reminder_offsets,
)
from apps.custody.services.errors import CustodyError
from apps.custody.services.parties import check_member, check_party, organization_members
from apps.ip.models import IPAsset
from apps.notifications.services import notify
from apps.organizations.access import resolve_owner, verified_organization
from apps.organizations.models import Organization, OrganizationType

# Renewing keeps an agreement active (with a new end date); ending and expiring both leave it ended.
AGREEMENT_LIFECYCLE = Lifecycle(
    transitions={
        "start": Transition(sources=(AgreementStatus.DRAFT,), target=AgreementStatus.ACTIVE),
        "renew": Transition(sources=(AgreementStatus.ACTIVE,), target=AgreementStatus.ACTIVE),
        "end": Transition(sources=(AgreementStatus.DRAFT, AgreementStatus.ACTIVE), target=AgreementStatus.ENDED),
        "expire": Transition(sources=(AgreementStatus.ACTIVE,), target=AgreementStatus.ENDED),
    },
    error_code=CustodyError.BAD_TRANSITION,
    message=gettext_lazy("A custody agreement that is %(status)s cannot be moved this way."),
    labels=AgreementStatus,
)


def _check_custodian(custodian_id: int) -> Organization:
    # Unknown, not an agency or not verified: the same 400, as before the shared helper.
    return verified_organization(
        custodian_id,
        field="custodian_id",
        unknown_code=CustodyError.BAD_CUSTODIAN,
        not_verified_code=CustodyError.BAD_CUSTODIAN,
        not_verified_message=_("The custodian must be a verified IP service agency."),
        organization_type=OrganizationType.IP_AGENCY,
        not_verified_status=400,
    )


def _check_period(start: date, end: date) -> None:
    if end <= start:
        raise ApplicationError(
            _("The custody period must end after it starts."),
            code=CustodyError.PERIOD,
            field_errors={"end_date": _("Not after the start date.")},
        )


def _overlap_error(asset_ids: Iterable[int]) -> ApplicationError:
    ids = sorted(set(asset_ids))
    return ApplicationError(
        _("These assets are already in an active custody: %(ids)s.") % {"ids": ", ".join(map(str, ids))},
        code=CustodyError.OVERLAP,
        status=409,
        extra={"asset_ids": ids},
    )


def _new_custody_rows(
    *, agreement: CustodyAgreement, entries: list[dict[str, Any]], assets: dict[int, IPAsset], today: date
) -> list[CustodyAsset]:
    rows = []
    for entry in entries:
        asset = assets[entry["asset_id"]]
        check_reduction(entry)
        row = CustodyAsset(
            agreement=agreement,
            asset=asset,
            reduction_share=entry.get("reduction_share"),
            reduction_years=entry.get("reduction_years"),
        )
        applicants = entry.get("reduction_applicants")
        if applicants and row.reduction_share is None:
            # The scheme of the fee table in force at grant: 85% for one qualifying applicant, 70% for several.
            try:
                standard = standard_reduction(applicants, asset.grant_date or agreement.start_date)
            except FeeTableError as exc:
                raise ApplicationError(
                    str(exc), code=CustodyError.BAD_REDUCTION, field_errors={"assets": _("No reduction scheme.")}
                ) from None
            row.reduction_share, row.reduction_years = standard.share, standard.years
        try:
            schedule = schedule_for(
                kind=asset.kind,
                legal_status=asset.legal_status,
                filing_date=asset.filing_date,
                grant_date=asset.grant_date,
                reduction=reduction_of(row),
                office=asset.office,
            )
        except AnnuityError as exc:
            raise ApplicationError(
                _("No annuity schedule can be made for asset %(id)s: %(reason)s") % {"id": asset.pk, "reason": exc},
                code=CustodyError.NO_ANNUITY,
            ) from None
        paid = entry.get("paid_through_year")
        due_before_start = default_paid_through(schedule, before=agreement.start_date)
        if paid is None:
            paid = due_before_start
        elif schedule and not 0 <= paid <= schedule[-1].year:
            raise ApplicationError(
                _("Asset %(id)s has annuity years up to %(last)s.") % {"id": asset.pk, "last": schedule[-1].year},
                code=CustodyError.BAD_PAID_THROUGH,
                field_errors={"assets": _("paid_through_year is beyond the term.")},
            )
        elif paid > due_before_start:
            # The owner may say that annuities due are still unpaid, never that later ones are paid: a payment
            # is recorded (custody payments), or the custodian corrects paid_through_year with a reason.
            raise ApplicationError(
                _(
                    "Asset %(id)s: annuities are taken as paid through year %(year)s (those due before the start "
                    "date). A later year counts as paid when its payment is recorded, or when the custodian "
                    "corrects it with a reason."
                )
                % {"id": asset.pk, "year": due_before_start},
                code=CustodyError.BAD_PAID_THROUGH,
                field_errors={"assets": _("paid_through_year is later than the years due before the start date.")},
            )
        row.paid_through_year = paid
        state = annuity_state(schedule, paid_through_year=paid, today=today, offsets=reminder_offsets())
        for name, value in state.as_fields().items():
            setattr(row, name, value)
        rows.append(row)
    return rows


@transaction.atomic
def agreement_create(
    *,
    actor: User,
    owner_id: int,
    custodian_id: int,
    start_date: date,
    end_date: date,
    service_level: str,
    fee: Decimal,
    assets: list[dict[str, Any]],
    note: str = "",
) -> CustodyAgreement:
    """A draft agreement proposed by the owner; the agency starts it."""
    resolve_owner(
        actor=actor,
        owner_id=owner_id,
        not_member_message=_("You can only entrust assets of an organisation you belong to."),
        not_member_status=403,
    )
    _check_custodian(custodian_id)
    if custodian_id == owner_id:
        raise ApplicationError(
            _("An organisation cannot be its own custodian."),
            code=CustodyError.BAD_CUSTODIAN,
            field_errors={"custodian_id": _("The same as the owner.")},
        )
    _check_period(start_date, end_date)
    ids = [entry["asset_id"] for entry in assets]
    if len(set(ids)) != len(ids):
        raise ApplicationError(
            _("An asset is listed twice."), code=CustodyError.DUPLICATE_ASSET, field_errors={"assets": _("Repeated.")}
        )
    found = {a.pk: a for a in IPAsset.objects.filter(pk__in=ids, owner_id=owner_id)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ApplicationError(
            _("These IP assets are unknown or not the owner's: %(ids)s.") % {"ids": ", ".join(map(str, missing))},
            code=CustodyError.UNKNOWN_ASSET,
            field_errors={"assets": _("Unknown or not owned by the owner.")},
        )
    busy = CustodyAsset.objects.filter(asset_id__in=ids, active=True).values_list("asset_id", flat=True)
    if busy:
        raise _overlap_error(busy)
    agreement = CustodyAgreement.objects.create(
        owner_id=owner_id,
        custodian_id=custodian_id,
        start_date=start_date,
        end_date=end_date,
        service_level=service_level,
        fee=fee,
        note=note,
        created_by=actor,
    )
    rows = _new_custody_rows(agreement=agreement, entries=assets, assets=found, today=timezone.localdate())
    CustodyAsset.objects.bulk_create(rows)
    record_model_changes(CustodyAsset, [row.pk for row in rows])
    AgreementEvent.objects.create(
        agreement=agreement, kind=AgreementEventKind.CREATED, end_date_after=end_date, fee=fee, actor=actor
    )
    return agreement


def _lock(agreement: CustodyAgreement, action: str) -> CustodyAgreement:
    """The agreement, locked, when ``action`` may start from its state: for moves that check more first."""
    locked = CustodyAgreement.objects.select_for_update().get(pk=agreement.pk)
    AGREEMENT_LIFECYCLE.check(locked.status, action)
    return locked


@transaction.atomic
def agreement_start(*, actor: User, agreement: CustodyAgreement) -> CustodyAgreement:
    """The agency accepts a draft: its assets become active, unless one is already in another active custody."""
    check_member(
        actor, [agreement.custodian_id], CustodyError.NOT_CUSTODIAN_MEMBER, _("Only the custodian's members start it.")
    )
    locked = _lock(agreement, "start")
    today = timezone.localdate()
    if locked.end_date <= today:
        raise ApplicationError(
            _("The agreement's period is over: change it before starting."),
            code=CustodyError.PERIOD,
            field_errors={"end_date": _("In the past.")},
        )
    asset_ids = list(locked.assets.values_list("asset_id", flat=True))
    # Lock the assets in a fixed order: two agreements over the same asset queue here instead of deadlocking.
    assets = {a.pk: a for a in IPAsset.objects.select_for_update().filter(pk__in=asset_ids).order_by("pk")}
    busy = CustodyAsset.objects.filter(asset_id__in=asset_ids, active=True).values_list("asset_id", flat=True)
    if busy:
        raise _overlap_error(busy)
    rows = list(CustodyAsset.objects.filter(agreement=locked))
    for row in rows:
        row.active = True
        apply_annuity_state(row, assets[row.asset_id], today)
    try:
        with transaction.atomic():
            CustodyAsset.objects.bulk_update(rows, ["active", *annuity_state_fields()], batch_size=1000)
    except IntegrityError as exc:
        if "custodyasset_one_active" in str(exc):
            raise _overlap_error(asset_ids) from None
        raise
    record_model_changes(CustodyAsset, [row.pk for row in rows])  # the agency now sees the assets
    AGREEMENT_LIFECYCLE.move(model=CustodyAgreement, pk=locked.pk, action="start", started_at=timezone.now())
    AgreementEvent.objects.create(agreement=locked, kind=AgreementEventKind.STARTED, actor=actor)
    notify(
        recipients=organization_members([locked.owner_id]),
        kind="custody_started",
        title=format_lazy(gettext_lazy("Custody agreement #{id} has started"), id=locked.pk),
        target=locked,
        email=False,
    )
    return CustodyAgreement.objects.get(pk=locked.pk)


@transaction.atomic
def agreement_renew(
    *, actor: User, agreement: CustodyAgreement, end_date: date, fee: Decimal | None = None, note: str = ""
) -> CustodyAgreement:
    """Extend an active agreement's period (and optionally change the fee); the previous terms stay in history."""
    check_party(actor=actor, agreement=agreement)
    locked = _lock(agreement, "renew")
    if end_date <= locked.end_date:
        raise ApplicationError(
            _("A renewal must extend the period beyond %(end)s.") % {"end": locked.end_date.isoformat()},
            code=CustodyError.PERIOD,
            field_errors={"end_date": _("Not after the current end date.")},
        )
    AgreementEvent.objects.create(
        agreement=locked,
        kind=AgreementEventKind.RENEWED,
        end_date_before=locked.end_date,
        end_date_after=end_date,
        fee=fee if fee is not None else locked.fee,
        note=note,
        actor=actor,
    )
    changes: dict[str, Any] = {"end_date": end_date}
    if fee is not None:
        changes["fee"] = fee
    AGREEMENT_LIFECYCLE.move(model=CustodyAgreement, pk=locked.pk, action="renew", **changes)
    return CustodyAgreement.objects.get(pk=locked.pk)


@transaction.atomic
def agreement_end(*, actor: User, agreement: CustodyAgreement, note: str = "") -> CustodyAgreement:
    """Either party ends a draft or active agreement; its assets leave custody (reminders stop)."""
    check_party(actor=actor, agreement=agreement)
    AGREEMENT_LIFECYCLE.move(model=CustodyAgreement, pk=agreement.pk, action="end", ended_at=timezone.now())
    CustodyAsset.objects.filter(agreement_id=agreement.pk).update(active=False)
    record_model_changes(
        CustodyAsset, CustodyAsset.objects.filter(agreement_id=agreement.pk).values_list("pk", flat=True)
    )
    AgreementEvent.objects.create(agreement_id=agreement.pk, kind=AgreementEventKind.ENDED, note=note, actor=actor)
    return CustodyAgreement.objects.get(pk=agreement.pk)


def agreements_expire(*, today: date | None = None) -> int:
    """Daily: active agreements whose period is over end (their assets leave custody); safe to re-run."""
    today = today or timezone.localdate()
    ended = 0
    for pk in CustodyAgreement.objects.filter(status=AgreementStatus.ACTIVE, end_date__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            # Locked only while still active and over: a renewal or an end that got there first wins.
            over = CustodyAgreement.objects.select_for_update().filter(
                pk=pk, status=AgreementStatus.ACTIVE, end_date__lt=today
            )
            if not list(over.values_list("pk", flat=True)):
                continue
            AGREEMENT_LIFECYCLE.move(model=CustodyAgreement, pk=pk, action="expire", ended_at=timezone.now())
            CustodyAsset.objects.filter(agreement_id=pk).update(active=False)
            record_model_changes(
                CustodyAsset, CustodyAsset.objects.filter(agreement_id=pk).values_list("pk", flat=True)
            )
            AgreementEvent.objects.create(
                agreement_id=pk, kind=AgreementEventKind.ENDED, note=str(gettext_lazy("The period is over."))
            )
            ended += 1
    return ended
