"""Indicative valuation worksheets: computed by :mod:`apps.ip.valuation` and kept for the owner organisation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.ip.models import IPAsset, IPValuation
from apps.ip.valuation import CostItem, IncomeInputs, ValuationError, remaining_years, term_end, worksheet
from apps.organizations.access import Actor, organization_ids, resolve_owner


class ValuationErrorCode(StrEnum):
    BAD_INPUT = "valuation_invalid_input"
    ASSET_NOT_OWNED = "valuation_asset_not_owned"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@transaction.atomic
def ip_valuation_create(
    *,
    actor: User,
    title: str,
    owner_id: int | None = None,
    asset_id: int | None = None,
    valuation_date: date | None = None,
    income: dict[str, Any] | None = None,
    cost: dict[str, Any] | None = None,
) -> IPValuation:
    """Compute a worksheet and keep it with its inputs. With an asset (the owner's), the useful life may not
    run past the legal term left on the valuation date."""
    owner = resolve_owner(actor=actor, owner_id=owner_id)
    on = valuation_date or timezone.localdate()
    asset = None
    max_years = None
    if asset_id is not None:
        asset = IPAsset.objects.filter(pk=asset_id, owner=owner).first()
        if asset is None:
            raise ApplicationError(
                _("Value only your own organisation's assets."),
                code=ValuationErrorCode.ASSET_NOT_OWNED,
                field_errors={"asset_id": _("Unknown or not the owner's.")},
            )
        end = term_end(asset.kind, asset.filing_date)
        if end is not None:
            max_years = remaining_years(end, on)
    try:
        result = worksheet(
            income=IncomeInputs(**income) if income is not None else None,
            cost=(
                [CostItem(description=i["description"], amount=i["amount"]) for i in cost["items"]],
                cost["obsolescence_rate"],
            )
            if cost is not None
            else None,
            max_years=max_years,
        )
    except ValuationError as exc:
        raise ApplicationError(
            str(exc), code=ValuationErrorCode.BAD_INPUT, field_errors={exc.field: str(exc)}
        ) from None
    if max_years is not None:
        result["legal_term_years_left"] = max_years
    return IPValuation.objects.create(
        owner=owner,
        asset=asset,
        title=title,
        valuation_date=on,
        inputs=_plain({"income": income, "cost": cost}),
        result=result,
        created_by=actor,
    )


def ip_valuation_list(*, actor: Actor) -> QuerySet[IPValuation]:
    """Worksheets are the owner's alone: the operator does not read them either."""
    return IPValuation.objects.filter(owner_id__in=organization_ids(actor)).select_related("owner", "asset")


def access_ip_valuation(*, actor: Actor, pk: Any) -> IPValuation:
    try:
        return ip_valuation_list(actor=actor).get(pk=pk)
    except (IPValuation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
