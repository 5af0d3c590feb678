"""The bypass alert: a contract signed by two parties a broker introduced, without that broker."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from apps.contracts.models import BypassAlert, Contract
from apps.contracts.selectors import bypass_window_start
from apps.core.validators import market_date_bounds
from apps.organizations.access import operator_users

BYPASS_NOTIFICATION_KIND = "contracts.broker_bypass"


def _window_start(contract: Contract) -> datetime:
    """The start of the look-back window, safe on dates stored before the API bounded them.

    A signing date of 0001-01-01 would put the window before year 1 (OverflowError). Every introduction
    was recorded long after the market's first date, so counting from a year before that first date
    finds the same introductions as an unbounded window would.
    """
    first, last = market_date_bounds()
    signed_on = min(max(contract.signed_on, first), last)
    return bypass_window_start(signed_on=signed_on)


@transaction.atomic
def contract_check_bypass(*, contract_id: int) -> list[BypassAlert]:
    """Alert brokers whose introduction of these two parties (within the window before signing) was
    bypassed: the contract has no deal, or its deal does not include them. Idempotent: one alert per
    (contract, introduction), so running twice notifies nobody twice. Returns the alerts raised now."""
    from apps.brokers.selectors import introductions_between
    from apps.deals.models import DealParticipant, ParticipantRole
    from apps.notifications.services import notify

    contract = Contract.objects.filter(pk=contract_id).first()
    if contract is None or contract.buyer_id is None or contract.seller_id is None:
        return []
    taking_part: set[int] = set()
    if contract.deal_id is not None:
        taking_part = set(
            DealParticipant.objects.filter(deal_id=contract.deal_id, role=ParticipantRole.BROKER).values_list(
                "broker_id", flat=True
            )
        )
    introductions = introductions_between(
        org_a_id=contract.buyer_id, org_b_id=contract.seller_id, since=_window_start(contract)
    ).filter(created_at__lte=contract.created_at)
    raised: list[BypassAlert] = []
    seen_brokers: set[int] = set()
    operators = list(operator_users())
    for introduction in introductions:
        # Newest first: a broker's latest introduction stands for all of theirs.
        if introduction.broker_id in taking_part or introduction.broker_id in seen_brokers:
            continue
        seen_brokers.add(introduction.broker_id)
        alert, created = BypassAlert.objects.get_or_create(
            contract=contract, introduction=introduction, defaults={"broker_id": introduction.broker_id}
        )
        if not created:
            continue
        raised.append(alert)
        notify(
            recipients=[introduction.broker.user, *operators],
            kind=BYPASS_NOTIFICATION_KIND,
            title=gettext_lazy("Contract signed without the introducing broker"),
            body=format_lazy(
                gettext_lazy(
                    "{buyer} and {seller} signed “{title}” on {date} without {broker}, who introduced them on "
                    "{introduced}."
                ),
                buyer=contract.buyer_name,
                seller=contract.seller_name,
                title=contract.title,
                date=contract.signed_on.isoformat(),
                broker=introduction.broker.user.name,
                introduced=timezone.localdate(introduction.created_at).isoformat(),
            ),
            target=contract,
        )
    return raised
