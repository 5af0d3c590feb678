"""Each custody asset's next unpaid annuity, kept current: after a change of the asset, of its fee
reduction or of the year it is paid through."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.custody.annuity import FeeReduction
from apps.custody.models import AgreementEvent, AgreementEventKind, AgreementStatus, CustodyAsset
from apps.custody.reminders import annuity_state, default_paid_through, schedule_for
from apps.custody.services.errors import CustodyError
from apps.custody.services.parties import check_member, check_party
from apps.ip.models import IPAsset


def reminder_offsets() -> list[int]:
    return [int(days) for days in settings.CUSTODY_REMINDER_OFFSETS_DAYS]


def reduction_of(row: CustodyAsset) -> FeeReduction | None:
    if row.reduction_share is None or not row.reduction_years:
        return None
    return FeeReduction(share=Decimal(row.reduction_share), years=int(row.reduction_years))


def annuity_state_values(row: CustodyAsset, asset: IPAsset, today: date) -> dict[str, Any]:
    schedule = schedule_for(
        kind=asset.kind,
        legal_status=asset.legal_status,
        filing_date=asset.filing_date,
        grant_date=asset.grant_date,
        reduction=reduction_of(row),
        office=asset.office,
    )
    if schedule and row.next_year is None and row.paid_through_year == 0:
        # Granted while in custody: as when an asset is entrusted, the years already due are taken as paid
        # (the grant year's with the registration); the custodian corrects paid_through_year if not.
        row.paid_through_year = default_paid_through(schedule, before=today)
    state = annuity_state(schedule, paid_through_year=row.paid_through_year, today=today, offsets=reminder_offsets())
    return state.as_fields()


def apply_annuity_state(row: CustodyAsset, asset: IPAsset, today: date) -> None:
    for name, value in annuity_state_values(row, asset, today).items():
        setattr(row, name, value)


@transaction.atomic
def custody_assets_refresh_for(*, asset_id: int) -> int:
    """Recompute the next annuity of every custody row of an asset whose record changed; returns the rows.

    Run as the effect ``custody.refresh_asset`` after the change: it reads the asset as it is now, so a late
    or repeated run gives the same result. An asset deleted since (one never in custody) has nothing to do.
    """
    today = timezone.localdate()
    asset = IPAsset.objects.filter(pk=asset_id).first()
    if asset is None:
        return 0
    rows = list(
        CustodyAsset.objects.select_for_update()
        .filter(asset_id=asset_id)
        .exclude(agreement__status=AgreementStatus.ENDED)
    )
    for row in rows:
        apply_annuity_state(row, asset, today)
        row.save()
    return len(rows)


def annuity_state_fields() -> list[str]:
    return [
        "next_year",
        "next_due_date",
        "grace_deadline",
        "next_fee",
        "next_full_fee",
        "next_reduced",
        "next_at_grant",
        "next_reminder_on",
    ]


def check_reduction(entry: dict[str, Any]) -> None:
    share, years = entry.get("reduction_share"), entry.get("reduction_years")
    if (share is None) != (years is None):
        raise ApplicationError(
            _("A fee reduction needs both its share and its number of years."),
            code=CustodyError.BAD_REDUCTION,
            field_errors={"assets": _("Give reduction_share and reduction_years together.")},
        )


@transaction.atomic
def custody_asset_update(*, actor: User, custody_asset: CustodyAsset, data: dict[str, Any]) -> CustodyAsset:
    """Change an asset's fee reduction (either party) or correct the year it is paid through; the next
    annuity is recomputed.

    The paid-through year moves with recorded payments (:func:`payment_record`). Setting it directly is a
    correction only the custodian makes, with a ``reason``; it is kept as an agreement event (who, the
    year before and after, why) that both parties read. The owner setting it is refused (403).
    """
    agreement = custody_asset.agreement
    check_party(actor=actor, agreement=agreement)
    row = CustodyAsset.objects.select_for_update().select_related("asset").get(pk=custody_asset.pk)
    paid_through_before = row.paid_through_year
    paid_through = data.get("paid_through_year", paid_through_before)
    reason = (data.get("reason") or "").strip()
    if paid_through != paid_through_before:
        check_member(
            actor,
            [agreement.custodian_id],
            CustodyError.NOT_CUSTODIAN_MEMBER,
            _("The paid-through year moves with recorded payments; only the custodian corrects it, with a reason."),
        )
        if not reason:
            raise ApplicationError(
                _("Say why the paid-through year is corrected."),
                code=CustodyError.PAID_THROUGH_REASON,
                field_errors={"reason": _("Required when paid_through_year changes.")},
            )
    merged = {
        "reduction_share": data.get("reduction_share", row.reduction_share),
        "reduction_years": data.get("reduction_years", row.reduction_years),
    }
    check_reduction(merged)
    row.reduction_share, row.reduction_years = merged["reduction_share"], merged["reduction_years"]
    row.paid_through_year = paid_through
    apply_annuity_state(row, row.asset, timezone.localdate())
    row.save()
    if paid_through != paid_through_before:
        AgreementEvent.objects.create(
            agreement=agreement,
            kind=AgreementEventKind.PAID_THROUGH,
            asset_id=row.asset_id,
            paid_through_before=paid_through_before,
            paid_through_after=paid_through,
            note=reason,
            actor=actor,
        )
    return row
