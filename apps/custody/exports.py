"""Custody's files: the portfolio as CSV (Chinese headers, for spreadsheets) and the annuity due dates as an
iCalendar feed. Rendering only: the rows come from the selectors, the HTTP from the API."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from apps.core.exporting import csv_chunks
from apps.custody.models import CustodyAsset

EXPORT_HEADERS = [
    "申请号",
    "专利号/登记号",
    "名称",
    "类型",
    "权利人",
    "托管机构",
    "年度",
    "缴费截止日",
    "应缴年费",
    "宽限期截止日",
    "状态",
]


def _state_label(row: CustodyAsset, today: date) -> str:
    if row.next_due_date is None:
        return "无年费"
    if row.grace_deadline is not None and row.grace_deadline < today:
        return "已失效（未缴年费）"
    if row.next_due_date < today:
        return "宽限期"
    return "正常"


def portfolio_csv(rows: Iterable[CustodyAsset], *, today: date) -> Iterator[bytes]:
    """The portfolio's rows (with asset and both parties loaded) as CSV chunks, in the order given."""

    def cells() -> Iterator[list[Any]]:
        for row in rows:
            asset = row.asset
            yield [
                asset.application_number,
                asset.patent_number or asset.registration_number,
                asset.title,
                asset.get_kind_display(),
                row.agreement.owner.name,
                row.agreement.custodian.name,
                row.next_year,
                row.next_due_date,
                row.next_fee,
                row.grace_deadline,
                _state_label(row, today),
            ]

    return csv_chunks(EXPORT_HEADERS, cells())


def annuity_calendar(rows: Iterable[CustodyAsset], *, stamp: datetime) -> bytes:
    """One all-day event per asset's next unpaid annuity, with an alarm seven days before."""
    calendar = Calendar()
    calendar.add("prodid", "-//Liuzhou technology market//custody annuities//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Patent annuity due dates"))
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    for row in rows:
        if row.next_due_date is None:
            continue
        asset = row.asset
        number = asset.patent_number or asset.application_number or asset.registration_number
        event = Event()
        event.add("uid", f"custody-{row.asset_id}-y{row.next_year}@liuzhou-market")
        event.add("dtstamp", stamp)
        event.add("dtstart", row.next_due_date)
        event.add("dtend", row.next_due_date + timedelta(days=1))
        event.add(
            "summary",
            _("Annuity year %(year)s due: %(number)s %(title)s")
            % {"year": row.next_year, "number": number, "title": asset.title},
        )
        event.add(
            "description",
            _("Fee ¥%(fee)s. Grace period until %(grace)s. Owner: %(owner)s; custodian: %(custodian)s.")
            % {
                "fee": row.next_fee,
                "grace": row.grace_deadline,
                "owner": row.agreement.owner.name,
                "custodian": row.agreement.custodian.name,
            },
        )
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _("Annuity due in 7 days"))
        alarm.add("trigger", timedelta(days=-7))
        event.add_component(alarm)
        calendar.add_component(event)
    return bytes(calendar.to_ical())
