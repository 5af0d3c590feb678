"""The daily annuity reminder scan: digests to owners and custodians (and warnings to the pledgees of pledged
patents), in chunks, safe to run twice."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.effects import effect
from apps.custody.annuity import late_fee_on
from apps.custody.models import AgreementStatus, CustodyAgreement, CustodyAsset, Reminder
from apps.custody.reminders import LAPSED, reminder_stages, stage_on, stored_year
from apps.custody.services.annuities import reminder_offsets
from apps.custody.services.pledge_warnings import pledgees_warn_annuities
from apps.notifications.services import EMAIL_BATCH_SIZE, notify
from apps.organizations.models import Membership, Organization
from apps.webhooks.delivery import publish

logger = logging.getLogger(__name__)

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
    # The chunk records one e-mail effect for all its digests (both sides), not one per digest.
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


def _publish_reminders(*, parties: _Parties, sent: list[tuple[int, _Line]]) -> None:
    """Both sides' integrations hear of the chunk's reminders: one event for those due, one for the overdue."""
    due = [(pk, line) for pk, line in sent if line.kind.startswith("before_")]
    overdue = [(pk, line) for pk, line in sent if not line.kind.startswith("before_")]
    for event_type, items in (("custody.annuity_due", due), ("custody.annuity_overdue", overdue)):
        if items:
            publish(
                event_type,
                parties.organization_ids,
                {
                    "agreement_id": parties.agreement_id,
                    "owner_id": parties.organization_ids[0],
                    "custodian_id": parties.organization_ids[1],
                    "reminders": [
                        {
                            "custody_asset_id": pk,
                            "number": line.number,
                            "title": line.title,
                            "year": line.year,
                            "stage": line.kind,
                            "due_date": line.due,
                            "grace_deadline": line.grace,
                            "fee": line.fee,
                            "late_fee": line.late_fee,
                        }
                        for pk, line in items
                    ],
                },
            )


@dataclass(frozen=True)
class _Parties:
    """An agreement as the scan needs it: its id, the owner's name and both sides' members."""

    agreement_id: int
    owner_name: str
    recipients: tuple[list[User], list[User]]
    organization_ids: tuple[int, int]


def _parties(batch: list[tuple[int, int, int]]) -> list[_Parties]:
    org_ids = {org for _a, owner, custodian in batch for org in (owner, custodian)}
    names = dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    members: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(organization_id__in=org_ids).select_related("user"):
        members[membership.organization_id].append(membership.user)
    return [
        _Parties(agreement_id, names[owner], (members[owner], members[custodian]), (owner, custodian))
        for agreement_id, owner, custodian in batch
    ]


def _scan_chunk(
    *, parties: _Parties, today: date, offsets: list[int], chunk_size: int, after: tuple[date, int]
) -> tuple[int, int, tuple[date, int]]:
    """Send one chunk of one agreement's due reminders; returns the rows seen, the reminders sent and the
    keyset to go on from."""
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
            return 0, 0, after
        log: list[list[Any]] = [[], [], [], [], [], [], []]
        moves: tuple[list[int], list[date | None]] = ([], [])
        lines: dict[int, _Line] = {}
        for row in rows:
            moves[0].append(row[0])
            if row[2] is None:
                moves[1].append(None)
                continue
            try:
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
                late_fee = late_fee_on(year, today)
            except (OverflowError, ValueError) as exc:
                # A due date stored before the market's date bounds (year 1, 9999): its stages fall off the
                # calendar. The row gets no further reminder and the scan goes on with the others.
                logger.warning("custody asset %s: no reminder for its stored due date %s: %s", row[0], row[3], exc)
                moves[1].append(None)
                continue
            current = stage_on(stages, today)
            moves[1].append(next((stage.starts_on for stage in stages if stage.starts_on > today), None))
            if current is None:
                continue
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
            _publish_reminders(parties=parties, sent=[(pk, lines[pk]) for pk in sorted(sent_ids)])
            asset_of = {row[0]: row[1] for row in rows}
            pledgees_warn_annuities(
                items=[(asset_of[pk], lines[pk].year, lines[pk].kind, lines[pk].render()) for pk in sorted(sent_ids)],
                today=today,
            )
        # Recorded with the chunk's reminders: the e-mails go out once it commits, and are not lost after.
        for start in range(0, len(notification_ids), EMAIL_BATCH_SIZE):
            effect("notifications.send_emails", notification_ids=notification_ids[start : start + EMAIL_BATCH_SIZE])
        last = rows[-1]
        return len(rows), len(sent_ids), (last[-1], last[0])


def annuity_reminders_send(*, today: date | None = None, chunk_size: int = 2000) -> dict[str, int]:
    """The daily scan: for each active agreement, the custody assets whose next reminder is due today or
    earlier, in chunks (one transaction each, bounded memory).

    Each chunk logs its reminders with ``INSERT … ON CONFLICT DO NOTHING`` and notifies only those its own
    insert created, so re-running, or two beats at once, sends nothing twice; rows another run is working on
    are skipped (``SKIP LOCKED``), and each row's next reminder day moves to the next stage. Each chunk
    records the e-mails of its digests as the effect ``notifications.send_emails``.
    """
    today = today or timezone.localdate()
    offsets = reminder_offsets()
    seen = sent = agreements = 0
    last_agreement = 0
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
                rows, count, after = _scan_chunk(
                    parties=parties, today=today, offsets=offsets, chunk_size=chunk_size, after=after
                )
                seen += rows
                sent += count
                if rows < chunk_size:
                    break
        last_agreement = batch[-1][0]
    return {"agreements": agreements, "rows": seen, "sent": sent}
