"""Warnings to a pledgee (质权人) about its collateral: an annuity on a pledged patent due or overdue (from the
daily reminder scan), and the patent lapsed, expired or invalidated (a lost collateral, from the asset's
legal status). Each warning is logged once per pledge (:class:`PledgeWarning`'s unique key) before the
pledgee's members are notified, so re-running the scan or the effect warns nobody twice."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from apps.custody.models import Pledge, PledgeStatus, PledgeWarning
from apps.ip.models import IPAsset, LegalStatus
from apps.notifications.services import notify
from apps.organizations.models import Membership

# A pledged right in one of these states no longer secures anything.
LOST_COLLATERAL = (LegalStatus.LAPSED, LegalStatus.EXPIRED, LegalStatus.INVALIDATED)


def _log_once(*, pledge: Pledge, key: str, message: str, today: date) -> bool:
    try:
        with transaction.atomic():
            PledgeWarning.objects.create(pledge=pledge, key=key[:40], message=message[:1000], sent_on=today)
    except IntegrityError:
        return False
    return True


def _notify_pledgee(*, pledge: Pledge, title: str | Promise, body: str | Promise) -> None:
    if pledge.pledgee_organization_id is None:
        return
    members = [
        m.user for m in Membership.objects.filter(organization_id=pledge.pledgee_organization_id).select_related("user")
    ]
    if members:
        notify(recipients=members, kind="custody.pledge_warning", title=title, body=body, target=pledge)


def pledgees_warn_annuities(*, items: Iterable[tuple[int, int, str, str]], today: date) -> int:
    """``items``: (asset id, patent year, reminder stage, the reminder's text) of the reminders the scan just
    sent. The pledgee of each actively pledged asset among them hears of it too. Returns the warnings sent."""
    by_asset: dict[int, list[tuple[int, str, str]]] = {}
    for asset_id, year, stage, text in items:
        by_asset.setdefault(asset_id, []).append((year, stage, text))
    if not by_asset:
        return 0
    sent = 0
    pledges = Pledge.objects.filter(
        asset_id__in=list(by_asset), status=PledgeStatus.ACTIVE, pledgee_organization__isnull=False
    ).select_related("asset")
    for pledge in pledges:
        for year, stage, text in by_asset[pledge.asset_id]:
            if not _log_once(pledge=pledge, key=f"y{year}_{stage}", message=text, today=today):
                continue
            sent += 1
            _notify_pledgee(
                pledge=pledge,
                title=format_lazy(
                    gettext_lazy("Collateral at risk: an annuity on pledged patent {number} needs paying"),
                    number=pledge.asset.patent_number or pledge.asset.application_number or pledge.asset.title,
                ),
                body=format_lazy(
                    gettext_lazy("Pledge {registration}: {text} Unpaid after the grace period, the patent lapses."),
                    registration=pledge.registration_number,
                    text=text,
                ),
            )
    return sent


def pledgees_warn_status(*, asset_id: int) -> int:
    """The asset lapsed, expired or was invalidated: each active pledge's pledgee is warned that its
    collateral is lost (once per pledge and status)."""
    asset = IPAsset.objects.filter(pk=asset_id).first()
    if asset is None or asset.legal_status not in LOST_COLLATERAL:
        return 0
    today = timezone.localdate()
    sent = 0
    status_label = LegalStatus(asset.legal_status).label
    for pledge in Pledge.objects.filter(
        asset_id=asset_id, status=PledgeStatus.ACTIVE, pledgee_organization__isnull=False
    ).select_related("asset"):
        number = asset.patent_number or asset.application_number or asset.title
        message = f"{number} {asset.title}: {status_label}"
        if not _log_once(pledge=pledge, key=f"status_{asset.legal_status}", message=message, today=today):
            continue
        sent += 1
        _notify_pledgee(
            pledge=pledge,
            title=format_lazy(
                gettext_lazy("Collateral lost: pledged patent {number} is no longer in force"), number=number
            ),
            body=format_lazy(
                gettext_lazy(
                    'Pledge {registration} on {number} {title}: the right is now "{status}"; it no longer secures the '
                    "loan of ¥{amount}."
                ),
                registration=pledge.registration_number,
                number=number,
                title=asset.title,
                status=status_label,
                amount=f"{pledge.secured_amount:,.2f}",
            ),
        )
    return sent
