"""A broker's scorecard: it reads deals and registered contracts, so it is computed here, above both."""

from __future__ import annotations

from decimal import Decimal
from statistics import median
from typing import Any

from django.db.models import Sum

from apps.brokers.models import Broker
from apps.contracts.models import Registration, RegistrationStatus
from apps.deals.selectors import broker_closed_deals


def registered_technology_amount(*, deal_ids: list[int]) -> Decimal:
    """Sum of recognised technology amounts of registered contracts of these deals, in yuan."""
    if not deal_ids:
        return Decimal("0.00")
    total = Registration.objects.filter(contract__deal_id__in=deal_ids, status=RegistrationStatus.REGISTERED).aggregate(
        total=Sum("recognised_technology_amount")
    )["total"]
    return (total or Decimal("0")).quantize(Decimal("0.01"))


def broker_scorecard(*, broker: Broker) -> dict[str, Any]:
    """Deals closed, registered technology amount and median days to close, for one broker.

    - ``deals_closed``: deals the broker takes part in that reached ``signed`` or later (lost and
      cancelled ones excluded, completed included);
    - ``registered_technology_amount``: the recognised technology transaction amount of registered
      contracts (认定登记) of those deals, in yuan;
    - ``median_days_to_close``: the median of days from a deal's creation to its signing, over the
      closed deals (None when there are none).
    """
    closed = list(broker_closed_deals(broker=broker).values_list("pk", "created_at", "signed_at"))
    durations = [(signed_at - created_at).total_seconds() / 86400 for _pk, created_at, signed_at in closed if signed_at]
    return {
        "deals_closed": len(closed),
        "registered_technology_amount": registered_technology_amount(deal_ids=[pk for pk, _c, _s in closed]),
        "median_days_to_close": round(median(durations), 1) if durations else None,
    }
