"""Annuity payments of a custody asset, checked against its schedule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.custody.annuity import PaymentCode, check_payment
from apps.custody.models import CustodyAsset, Payment
from apps.custody.selectors import stored_annuity
from apps.custody.services.annuities import apply_annuity_state
from apps.custody.services.errors import CustodyError
from apps.custody.services.parties import check_party
from apps.ip.models import IPLegalEvent, LegalEventKind


@transaction.atomic
def payment_record(
    *,
    actor: User,
    custody_asset: CustodyAsset,
    year: int,
    amount: Decimal,
    paid_on: date,
    receipt_number: str,
    restoration: bool = False,
) -> Payment:
    """Record an annuity payment, checked against the schedule.

    Settles the year when enough was paid in time (or with a timely restoration); an underpayment is stored
    flagged and leaves the year due; a payment after the grace period without a restoration stores nothing.
    """
    check_party(actor=actor, agreement=custody_asset.agreement)
    row = CustodyAsset.objects.select_for_update().select_related("asset").get(pk=custody_asset.pk)
    if not row.active:
        raise ApplicationError(_("This asset is not in an active custody."), code=CustodyError.NOT_ACTIVE, status=409)
    today = timezone.localdate()
    if paid_on > today:
        raise ApplicationError(
            _("The payment date is in the future."),
            code=CustodyError.DATE_IN_FUTURE,
            field_errors={"paid_on": _("After today.")},
        )
    if row.next_year is None:
        raise ApplicationError(_("This asset owes no annuity."), code=CustodyError.NO_ANNUITY, status=409)
    if year != row.next_year:
        raise ApplicationError(
            _("The annuity due is year %(next)s; year %(year)s cannot be paid now.")
            % {"next": row.next_year, "year": year},
            code=CustodyError.WRONG_YEAR,
            status=409,
            field_errors={"year": _("Not the year due.")},
            extra={"next_year": row.next_year},
        )
    annuity = stored_annuity(row)
    # Earlier underpayments of this year count: a top-up settles it once the sum is enough.
    earlier = Payment.objects.filter(asset_id=row.asset_id, year=year, underpaid=True).aggregate(s=Sum("amount"))["s"]
    result = check_payment(annuity, amount + (earlier or 0), paid_on, restored=restoration)
    if result.code == PaymentCode.LAPSED:
        raise ApplicationError(
            _(
                "The grace period ended on %(grace)s: the patent lapsed as of %(due)s. Record the payment with "
                "a restoration request (restoration) to restore it."
            )
            % {"grace": annuity.grace_deadline.isoformat(), "due": annuity.due_date.isoformat()},
            code=CustodyError.LAPSED,
            status=409,
        )
    if result.code == PaymentCode.RESTORATION_EXPIRED:
        raise ApplicationError(
            _("The time to restore this patent has passed."), code=CustodyError.RESTORATION_EXPIRED, status=409
        )
    payment = Payment(
        custody_asset=row,
        asset=row.asset,
        year=year,
        amount=amount,
        paid_on=paid_on,
        receipt_number=receipt_number,
        required=result.required,
        late_fee=result.late_fee,
        shortfall=result.shortfall,
        underpaid=not result.ok,
        restoration=restoration and result.lapsed,
        code=result.code,
        recorded_by=actor,
    )
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError as exc:
        if "receipt_number" in str(exc):
            raise ApplicationError(
                _("Receipt %(number)s is already recorded.") % {"number": receipt_number},
                code=CustodyError.DUPLICATE_RECEIPT,
                status=409,
                field_errors={"receipt_number": _("Already recorded.")},
            ) from None
        raise
    if result.ok:
        row.paid_through_year = year
        apply_annuity_state(row, row.asset, today)
        row.save()
        if payment.restoration:
            IPLegalEvent.objects.create(
                asset=row.asset,
                occurred_on=paid_on,
                kind=LegalEventKind.OTHER,
                note=_("Restoration requested with the year %(year)s annuity (receipt %(receipt)s).")
                % {"year": year, "receipt": receipt_number},
                recorded_by=actor,
            )
    return payment
