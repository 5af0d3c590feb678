"""Writes of custody: agreements and their lifecycle, annuity payments, the daily reminder scan, pledges,
and turning a custody asset into a draft achievement.

"One asset is never in two active custodies" is the partial unique index ``custodyasset_one_active``; the
services lock the assets first so the refusal is a clean 409, and the index closes any race left.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.custody.annuity import (
    AnnuityError,
    FeeReduction,
    FeeTableError,
    PaymentCode,
    check_payment,
    late_fee_on,
    standard_reduction,
)
from apps.custody.models import (
    AgreementEvent,
    AgreementEventKind,
    AgreementStatus,
    CustodyAgreement,
    CustodyAsset,
    Payment,
    Pledge,
    PledgeStatus,
    Reminder,
)
from apps.custody.reminders import (
    LAPSED,
    annuity_state,
    default_paid_through,
    reminder_stages,
    schedule_for,
    stage_on,
    stored_year,
)
from apps.custody.selectors import stored_annuity
from apps.ip.models import IPAsset, IPLegalEvent, LegalEventKind
from apps.notifications.services import EMAIL_BATCH_SIZE, notify
from apps.notifications.tasks import send_notification_emails
from apps.organizations.models import Membership, Organization, OrganizationType, VerificationStatus
from apps.organizations.selectors import actor_memberships


class CustodyError(StrEnum):
    NOT_OWNER_MEMBER = "not_owner_member"
    NOT_PARTY = "not_custody_party"
    NOT_CUSTODIAN_MEMBER = "not_custodian_member"
    BAD_CUSTODIAN = "invalid_custodian"
    UNKNOWN_ASSET = "unknown_ip_asset"
    DUPLICATE_ASSET = "duplicate_asset"
    OVERLAP = "asset_in_active_custody"
    BAD_REDUCTION = "invalid_fee_reduction"
    BAD_PAID_THROUGH = "invalid_paid_through_year"
    BAD_TRANSITION = "bad_transition"
    PERIOD = "invalid_period"
    NOT_ACTIVE = "custody_not_active"
    NO_ANNUITY = "no_annuity_due"
    WRONG_YEAR = "wrong_annuity_year"
    DATE_IN_FUTURE = "date_in_future"
    LAPSED = "lapsed_without_restoration"
    RESTORATION_EXPIRED = "restoration_expired"
    DUPLICATE_RECEIPT = "duplicate_receipt"
    PLEDGORS = "pledgors_incomplete"
    ALREADY_PLEDGED = "already_pledged"
    DUPLICATE_PLEDGE = "duplicate_pledge_registration"
    NOT_IN_FORCE = "asset_not_in_force"
    FIELD_REQUIRED = "field_required"


def reminder_offsets() -> list[int]:
    return [int(days) for days in settings.CUSTODY_REMINDER_OFFSETS_DAYS]


def reduction_of(row: CustodyAsset) -> FeeReduction | None:
    if row.reduction_share is None or not row.reduction_years:
        return None
    return FeeReduction(share=Decimal(row.reduction_share), years=int(row.reduction_years))


# --- permission ------------------------------------------------------------------------------------


def _check_member(actor: User, org_ids: Iterable[int], code: CustodyError, message: str) -> None:
    if not set(org_ids) & set(actor_memberships(actor)):
        raise ApplicationError(message, code=code, status=403)


def check_owner(*, actor: User, agreement: CustodyAgreement) -> None:
    message = _("Only the owner's members may do this.")
    _check_member(actor, [agreement.owner_id], CustodyError.NOT_OWNER_MEMBER, message)


def check_party(*, actor: User, agreement: CustodyAgreement) -> None:
    _check_member(
        actor,
        [agreement.owner_id, agreement.custodian_id],
        CustodyError.NOT_PARTY,
        _("Only the owner's or the custodian's members may do this."),
    )


# --- annuity state ---------------------------------------------------------------------------------


def _state_fields(row: CustodyAsset, asset: IPAsset, today: date) -> dict[str, Any]:
    schedule = schedule_for(
        kind=asset.kind,
        legal_status=asset.legal_status,
        filing_date=asset.filing_date,
        grant_date=asset.grant_date,
        reduction=reduction_of(row),
    )
    if schedule and row.next_year is None and row.paid_through_year == 0:
        # Granted while in custody: as when an asset is entrusted, the years already due are taken as paid
        # (the grant year's with the registration); the custodian corrects paid_through_year if not.
        row.paid_through_year = default_paid_through(schedule, before=today)
    state = annuity_state(schedule, paid_through_year=row.paid_through_year, today=today, offsets=reminder_offsets())
    return state.as_fields()


def _apply_state(row: CustodyAsset, asset: IPAsset, today: date) -> None:
    for name, value in _state_fields(row, asset, today).items():
        setattr(row, name, value)


def custody_assets_refresh_for(*, asset_id: int) -> int:
    """Recompute the next annuity of every custody row of an asset whose record changed."""
    today = timezone.localdate()
    asset = IPAsset.objects.get(pk=asset_id)
    rows = list(CustodyAsset.objects.select_for_update().filter(asset_id=asset_id).exclude(agreement__status="ended"))
    for row in rows:
        _apply_state(row, asset, today)
        row.save()
    return len(rows)


# --- agreements ------------------------------------------------------------------------------------


def _check_custodian(custodian_id: int) -> Organization:
    custodian = Organization.objects.filter(pk=custodian_id).first()
    if (
        custodian is None
        or custodian.type != OrganizationType.IP_AGENCY
        or custodian.verification_status != VerificationStatus.VERIFIED
    ):
        raise ApplicationError(
            _("The custodian must be a verified IP service agency."),
            code=CustodyError.BAD_CUSTODIAN,
            field_errors={"custodian_id": _("Not a verified IP service agency.")},
        )
    return custodian


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


def _check_reduction(entry: dict[str, Any]) -> None:
    share, years = entry.get("reduction_share"), entry.get("reduction_years")
    if (share is None) != (years is None):
        raise ApplicationError(
            _("A fee reduction needs both its share and its number of years."),
            code=CustodyError.BAD_REDUCTION,
            field_errors={"assets": _("Give reduction_share and reduction_years together.")},
        )


def _new_custody_rows(
    *, agreement: CustodyAgreement, entries: list[dict[str, Any]], assets: dict[int, IPAsset], today: date
) -> list[CustodyAsset]:
    rows = []
    for entry in entries:
        asset = assets[entry["asset_id"]]
        _check_reduction(entry)
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
            )
        except AnnuityError as exc:
            raise ApplicationError(
                _("No annuity schedule can be made for asset %(id)s: %(reason)s") % {"id": asset.pk, "reason": exc},
                code=CustodyError.NO_ANNUITY,
            ) from None
        paid = entry.get("paid_through_year")
        if paid is None:
            paid = default_paid_through(schedule, before=agreement.start_date)
        elif schedule and not 0 <= paid <= schedule[-1].year:
            raise ApplicationError(
                _("Asset %(id)s has annuity years up to %(last)s.") % {"id": asset.pk, "last": schedule[-1].year},
                code=CustodyError.BAD_PAID_THROUGH,
                field_errors={"assets": _("paid_through_year is beyond the term.")},
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
    if owner_id not in actor_memberships(actor):
        raise ApplicationError(
            _("You can only entrust assets of an organisation you belong to."),
            code=CustodyError.NOT_OWNER_MEMBER,
            status=403,
            field_errors={"owner_id": _("You are not a member of this organisation.")},
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
    AgreementEvent.objects.create(
        agreement=agreement, kind=AgreementEventKind.CREATED, end_date_after=end_date, fee=fee, actor=actor
    )
    return agreement


def _lock(agreement: CustodyAgreement, sources: tuple[str, ...], action: object) -> CustodyAgreement:
    locked = CustodyAgreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.status not in sources:
        raise ApplicationError(
            _("An agreement that is %(status)s cannot be %(action)s.")
            % {"status": AgreementStatus(locked.status).label, "action": action},
            code=CustodyError.BAD_TRANSITION,
            status=409,
            extra={"current_status": locked.status},
        )
    return locked


def _members(org_ids: Iterable[int]) -> list[User]:
    return [m.user for m in Membership.objects.filter(organization_id__in=list(org_ids)).select_related("user")]


@transaction.atomic
def agreement_start(*, actor: User, agreement: CustodyAgreement) -> CustodyAgreement:
    """The agency accepts a draft: its assets become active, unless one is already in another active custody."""
    _check_member(
        actor, [agreement.custodian_id], CustodyError.NOT_CUSTODIAN_MEMBER, _("Only the custodian's members start it.")
    )
    locked = _lock(agreement, (AgreementStatus.DRAFT,), gettext_lazy("started"))
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
        _apply_state(row, assets[row.asset_id], today)
    try:
        with transaction.atomic():
            CustodyAsset.objects.bulk_update(rows, ["active", *annuity_state_fields()], batch_size=1000)
    except IntegrityError as exc:
        if "custodyasset_one_active" in str(exc):
            raise _overlap_error(asset_ids) from None
        raise
    now = timezone.now()
    CustodyAgreement.objects.filter(pk=locked.pk).update(status=AgreementStatus.ACTIVE, started_at=now, updated_at=now)
    AgreementEvent.objects.create(agreement=locked, kind=AgreementEventKind.STARTED, actor=actor)
    notify(
        recipients=_members([locked.owner_id]),
        kind="custody_started",
        title=format_lazy(gettext_lazy("Custody agreement #{id} has started"), id=locked.pk),
        target=locked,
        email=False,
    )
    return CustodyAgreement.objects.get(pk=locked.pk)


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


@transaction.atomic
def agreement_renew(
    *, actor: User, agreement: CustodyAgreement, end_date: date, fee: Decimal | None = None, note: str = ""
) -> CustodyAgreement:
    """Extend an active agreement's period (and optionally change the fee); the previous terms stay in history."""
    check_party(actor=actor, agreement=agreement)
    locked = _lock(agreement, (AgreementStatus.ACTIVE,), gettext_lazy("renewed"))
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
    changes: dict[str, Any] = {"end_date": end_date, "updated_at": timezone.now()}
    if fee is not None:
        changes["fee"] = fee
    CustodyAgreement.objects.filter(pk=locked.pk).update(**changes)
    return CustodyAgreement.objects.get(pk=locked.pk)


@transaction.atomic
def agreement_end(*, actor: User, agreement: CustodyAgreement, note: str = "") -> CustodyAgreement:
    """Either party ends a draft or active agreement; its assets leave custody (reminders stop)."""
    check_party(actor=actor, agreement=agreement)
    locked = _lock(agreement, (AgreementStatus.DRAFT, AgreementStatus.ACTIVE), gettext_lazy("ended"))
    CustodyAsset.objects.filter(agreement=locked).update(active=False)
    now = timezone.now()
    CustodyAgreement.objects.filter(pk=locked.pk).update(status=AgreementStatus.ENDED, ended_at=now, updated_at=now)
    AgreementEvent.objects.create(agreement=locked, kind=AgreementEventKind.ENDED, note=note, actor=actor)
    return CustodyAgreement.objects.get(pk=locked.pk)


def agreements_expire(*, today: date | None = None) -> int:
    """Daily: active agreements whose period is over end (their assets leave custody); safe to re-run."""
    today = today or timezone.localdate()
    ended = 0
    for pk in CustodyAgreement.objects.filter(status=AgreementStatus.ACTIVE, end_date__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            now = timezone.now()
            # Conditional: a renewal or an end that got there first wins.
            moved = CustodyAgreement.objects.filter(pk=pk, status=AgreementStatus.ACTIVE, end_date__lt=today).update(
                status=AgreementStatus.ENDED, ended_at=now, updated_at=now
            )
            if moved:
                CustodyAsset.objects.filter(agreement_id=pk).update(active=False)
                AgreementEvent.objects.create(
                    agreement_id=pk, kind=AgreementEventKind.ENDED, note=str(gettext_lazy("The period is over."))
                )
                ended += 1
    return ended


@transaction.atomic
def custody_asset_update(*, actor: User, custody_asset: CustodyAsset, data: dict[str, Any]) -> CustodyAsset:
    """Change an asset's fee reduction or the year it is paid through; the next annuity is recomputed."""
    check_party(actor=actor, agreement=custody_asset.agreement)
    row = CustodyAsset.objects.select_for_update().select_related("asset").get(pk=custody_asset.pk)
    merged = {
        "reduction_share": data.get("reduction_share", row.reduction_share),
        "reduction_years": data.get("reduction_years", row.reduction_years),
    }
    _check_reduction(merged)
    row.reduction_share, row.reduction_years = merged["reduction_share"], merged["reduction_years"]
    if "paid_through_year" in data:
        row.paid_through_year = data["paid_through_year"]
    _apply_state(row, row.asset, timezone.localdate())
    row.save()
    return row


# --- payments --------------------------------------------------------------------------------------


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
        _apply_state(row, row.asset, today)
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


# --- the daily reminder scan -----------------------------------------------------------------------

REMINDER_LINES_SHOWN = 30
_INSERT_REMINDERS = """
    INSERT INTO {table} (asset_id, custody_asset_id, year, kind, due_date, amount, late_fee, sent_on, created_at)
    SELECT v.asset_id, v.custody_asset_id, v.year, v.kind, v.due_date, v.amount, v.late_fee, %s, now()
    FROM unnest(%s::bigint[], %s::bigint[], %s::smallint[], %s::varchar[], %s::date[], %s::numeric[], %s::numeric[])
        AS v(asset_id, custody_asset_id, year, kind, due_date, amount, late_fee)
    ON CONFLICT (asset_id, year, kind) DO NOTHING
    RETURNING custody_asset_id
"""
_MOVE_NEXT_REMINDER = """
    UPDATE {table} AS c SET next_reminder_on = v.d
    FROM unnest(%s::bigint[], %s::date[]) AS v(id, d) WHERE c.id = v.id
"""
_SCAN_COLUMNS = (
    "id",
    "asset_id",
    "next_year",
    "next_due_date",
    "grace_deadline",
    "next_fee",
    "next_full_fee",
    "next_reduced",
    "next_at_grant",
    "asset__title",
    "asset__application_number",
    "asset__registration_number",
)


class _Line:
    """One reminder as the notification shows it (rendered in the recipient's language)."""

    __slots__ = ("due", "fee", "grace", "kind", "late_fee", "number", "title", "today", "year")

    def __init__(self, row: tuple[Any, ...], kind: str, late_fee: Decimal, today: date) -> None:
        self.number = row[10] or row[11] or str(row[1])
        self.title = row[9]
        self.year, self.due, self.grace, self.fee = row[2], row[3], row[4], row[5]
        self.kind, self.late_fee, self.today = kind, late_fee, today

    def render(self) -> str:
        values = {
            "number": self.number,
            "title": self.title,
            "year": self.year,
            "fee": f"{self.fee:,.2f}",
            "due": self.due.isoformat(),
            "grace": self.grace.isoformat(),
            "late": f"{self.late_fee:,.2f}",
            "total": f"{self.fee + self.late_fee:,.2f}",
            "days": (self.due - self.today).days,
        }
        if self.kind.startswith("before_"):
            return _("%(number)s %(title)s: year %(year)s annuity ¥%(fee)s due by %(due)s (in %(days)s days).") % values
        if self.kind == LAPSED:
            return (
                _(
                    "%(number)s %(title)s: year %(year)s annuity unpaid after the grace period (%(grace)s); the "
                    "patent lapses as of %(due)s unless restored."
                )
                % values
            )
        return (
            _(
                "%(number)s %(title)s: year %(year)s annuity overdue since %(due)s; late fee now ¥%(late)s, "
                "¥%(total)s in all, payable until %(grace)s."
            )
            % values
        )


def _digest_body(lines: list[_Line]) -> str:
    shown = [line.render() for line in lines[:REMINDER_LINES_SHOWN]]
    if len(lines) > REMINDER_LINES_SHOWN:
        more = len(lines) - REMINDER_LINES_SHOWN
        shown.append(_("… and %(count)s more: see the custody portfolio.") % {"count": more})
    return "\n".join(shown)


_lazy_digest = lazy(_digest_body, str)


def _notify_digest(*, owner_name: str, recipients: list[User], lines: list[_Line], agreement_id: int) -> list[int]:
    # E-mails are queued by the scan in batches after each commit, not one task per digest.
    created = notify(
        recipients=recipients,
        kind="custody_annuity_reminder",
        title=format_lazy(
            gettext_lazy("Patent annuities need attention: {count} of {owner}"), count=len(lines), owner=owner_name
        ),
        body=_lazy_digest(lines),
        target=CustodyAgreement(pk=agreement_id),
        email=False,
    )
    return [n.pk for n in created]


@dataclass(frozen=True)
class _Parties:
    """An agreement as the scan needs it: its id, the owner's name and both sides' members."""

    agreement_id: int
    owner_name: str
    recipients: tuple[list[User], list[User]]


def _parties(batch: list[tuple[int, int, int]]) -> list[_Parties]:
    org_ids = {org for _a, owner, custodian in batch for org in (owner, custodian)}
    names = dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    members: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(organization_id__in=org_ids).select_related("user"):
        members[membership.organization_id].append(membership.user)
    return [
        _Parties(agreement_id, names[owner], (members[owner], members[custodian]))
        for agreement_id, owner, custodian in batch
    ]


def _scan_chunk(
    *, parties: _Parties, today: date, offsets: list[int], chunk_size: int, after: tuple[date, int]
) -> tuple[int, int, tuple[date, int], list[int]]:
    """Send one chunk of one agreement's due reminders.

    Returns the rows seen, the reminders sent, the keyset to go on from, and the notifications to e-mail.
    """
    with transaction.atomic():
        rows = list(
            CustodyAsset.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(agreement_id=parties.agreement_id, active=True, next_reminder_on__lte=today)
            .filter(next_reminder_on__gte=after[0])
            .exclude(next_reminder_on=after[0], id__lte=after[1])
            .order_by("next_reminder_on", "id")
            .values_list(*_SCAN_COLUMNS, "next_reminder_on")[:chunk_size]
        )
        if not rows:
            return 0, 0, after, []
        log: list[list[Any]] = [[], [], [], [], [], [], []]
        moves: tuple[list[int], list[date | None]] = ([], [])
        lines: dict[int, _Line] = {}
        for row in rows:
            moves[0].append(row[0])
            if row[2] is None:
                moves[1].append(None)
                continue
            year = stored_year(
                year=row[2],
                due_date=row[3],
                grace_deadline=row[4],
                fee=row[5],
                full_fee=row[6],
                reduced=row[7],
                at_grant=row[8],
            )
            stages = reminder_stages(year, offsets)
            current = stage_on(stages, today)
            moves[1].append(next((stage.starts_on for stage in stages if stage.starts_on > today), None))
            if current is None:
                continue
            late_fee = late_fee_on(year, today)
            for column, value in zip(
                log, (row[1], row[0], row[2], current.kind, row[3], year.fee + late_fee, late_fee), strict=True
            ):
                column.append(value)
            lines[row[0]] = _Line(row, current.kind, late_fee, today)
        with connection.cursor() as cursor:
            sent_ids: list[int] = []
            if log[0]:
                cursor.execute(_INSERT_REMINDERS.format(table=Reminder._meta.db_table), [today, *log])
                sent_ids = [r[0] for r in cursor.fetchall()]
            cursor.execute(_MOVE_NEXT_REMINDER.format(table=CustodyAsset._meta.db_table), [*moves])
        notification_ids: list[int] = []
        if sent_ids:
            sent = [lines[pk] for pk in sorted(sent_ids, key=lambda pk: (lines[pk].due, pk))]
            for recipients in parties.recipients:
                if recipients:
                    notification_ids += _notify_digest(
                        owner_name=parties.owner_name,
                        recipients=recipients,
                        lines=sent,
                        agreement_id=parties.agreement_id,
                    )
        last = rows[-1]
        return len(rows), len(sent_ids), (last[-1], last[0]), notification_ids


def _queue_emails(ids: list[int], *, flush: bool) -> list[int]:
    """Queue full batches of notification e-mails (and the rest when flushing); returns what is left."""
    while len(ids) >= EMAIL_BATCH_SIZE or (flush and ids):
        send_notification_emails.delay(notification_ids=ids[:EMAIL_BATCH_SIZE])
        ids = ids[EMAIL_BATCH_SIZE:]
    return ids


def annuity_reminders_send(*, today: date | None = None, chunk_size: int = 2000) -> dict[str, int]:
    """The daily scan: for each active agreement, the custody assets whose next reminder is due today or
    earlier, in chunks (one transaction each, bounded memory).

    Each chunk logs its reminders with ``INSERT … ON CONFLICT DO NOTHING`` and notifies only those its own
    insert created, so re-running, or two beats at once, sends nothing twice; rows another run is working on
    are skipped (``SKIP LOCKED``), and each row's next reminder day moves to the next stage. The digests'
    e-mails are queued in batches once their chunks have committed.
    """
    today = today or timezone.localdate()
    offsets = reminder_offsets()
    seen = sent = agreements = 0
    last_agreement = 0
    pending_emails: list[int] = []
    while True:
        batch = list(
            CustodyAgreement.objects.filter(status=AgreementStatus.ACTIVE, pk__gt=last_agreement)
            .order_by("pk")
            .values_list("pk", "owner_id", "custodian_id")[:500]
        )
        if not batch:
            break
        for parties in _parties(batch):
            agreements += 1
            after = (date.min, 0)
            while True:
                rows, count, after, notification_ids = _scan_chunk(
                    parties=parties, today=today, offsets=offsets, chunk_size=chunk_size, after=after
                )
                seen += rows
                sent += count
                pending_emails = _queue_emails(pending_emails + notification_ids, flush=False)
                if rows < chunk_size:
                    break
        last_agreement = batch[-1][0]
    _queue_emails(pending_emails, flush=True)
    return {"agreements": agreements, "rows": seen, "sent": sent}


# --- pledges ---------------------------------------------------------------------------------------


def _holder_keys(asset: IPAsset) -> set[tuple[str, Any]]:
    keys: set[tuple[str, Any]] = {("org", asset.owner_id)}
    for co in asset.co_owners.all():
        keys.add(("org", co.organization_id) if co.organization_id else ("name", co.person_name.strip()))
    return keys


def _check_keeper(actor: User, asset: IPAsset) -> None:
    from apps.ip.services import check_record_keeper

    check_record_keeper(actor=actor, asset=asset)


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
    _check_keeper(actor, asset)
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
    _check_keeper(actor, pledge.asset)
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


# --- from custody to market ------------------------------------------------------------------------


@transaction.atomic
def custody_asset_to_market(
    *,
    actor: User,
    custody_asset: CustodyAsset,
    technology_field: str | None = None,
    trl: int | None = None,
    cooperation_modes: list[str] | None = None,
) -> Any:
    """A draft achievement prefilled from the asset (title, summary, IP link, owner, field and TRL where known).

    Transfer is only offered for an asset that is not pledged; licence always. The owner's members only.
    """
    from apps.listings.models import Achievement, CooperationMode
    from apps.listings.services import achievement_create

    agreement = custody_asset.agreement
    check_owner(actor=actor, agreement=agreement)
    asset = custody_asset.asset
    found = Achievement.objects.filter(ip_assets=asset).order_by("-id").values("technology_field_id", "trl").first()
    previous: dict[str, Any] = dict(found) if found else {}
    field = technology_field or previous.get("technology_field_id")
    level = trl or previous.get("trl")
    missing = {
        name: _("Required: no achievement of this asset says it yet.")
        for name, value in (("technology_field", field), ("trl", level))
        if not value
    }
    if missing:
        raise ApplicationError(
            _("Say the technology field and readiness level of this asset."),
            code=CustodyError.FIELD_REQUIRED,
            field_errors=missing,
        )
    pledged = Pledge.objects.filter(asset=asset, status=PledgeStatus.ACTIVE).exists()
    modes = cooperation_modes or (
        [CooperationMode.LICENCE] if pledged else [CooperationMode.TRANSFER, CooperationMode.LICENCE]
    )
    number = asset.patent_number or asset.application_number or asset.registration_number
    summary_parts = [f"{asset.get_kind_display()}：{asset.title}"]
    if number:
        summary_parts.append(_("Number: %(number)s.") % {"number": number})
    if asset.ipc_main:
        summary_parts.append(_("IPC: %(ipc)s.") % {"ipc": ", ".join([asset.ipc_main, *asset.ipc_codes])})
    if asset.grant_date:
        summary_parts.append(_("Granted on %(date)s.") % {"date": asset.grant_date.isoformat()})
    data = {
        "owner_id": agreement.owner_id,
        "title": asset.title[:200],
        "summary": " ".join(str(part) for part in summary_parts)[:3000],
        "technology_field": field,
        "trl": level,
        "cooperation_modes": modes,
        "keywords": [asset.ipc_main] if asset.ipc_main else [],
        "ip_asset_ids": [asset.pk],
    }
    return achievement_create(actor=actor, data=data)
