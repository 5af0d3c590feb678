"""The dashboard's drill-down page: the contracts behind a table row, reached by clicking its count."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework.exceptions import ValidationError

from apps.core.errors import ApplicationError
from apps.stats.apis import check_query
from apps.stats.dims import Measure
from apps.stats.drilldown_apis import StatsCellContractsQuerySerializer
from apps.stats.selectors.drilldown import stats_cell_contracts
from apps.stats.views import _self_contained, refuse_non_operator, wan_text


@never_cache
@require_GET
def dashboard_contracts(request: HttpRequest) -> HttpResponseBase:
    refusal = refuse_non_operator(request)
    if refusal is not None:
        return refusal
    try:
        query = check_query(request.GET, StatsCellContractsQuerySerializer)
        exact = [part.strip() for part in query.pop("exact", "").split(",") if part.strip()]
        found = stats_cell_contracts(
            actor=request.user,
            date_from=query.get("date_from"),
            date_to=query.get("date_to"),
            filters=query["filters"],
            exact=exact,
            after=query.get("after"),
            limit=query["page_size"],
        )
    except (ValidationError, ApplicationError):
        return _self_contained(render(request, "stats/contracts.html", {"bad_request": True}, status=400))
    rows: list[dict[str, Any]] = [
        {
            "id": c.contract_id,
            "title": c.title,
            "registration_number": c.registration_number or "",
            "seller": c.seller_name,
            "buyer": c.buyer_name,
            "count": c.figures[Measure.CONTRACT_COUNT],
            "contract_amount": wan_text(c.figures[Measure.CONTRACT_AMOUNT]),
            "technology_amount": wan_text(c.figures[Measure.TECHNOLOGY_AMOUNT]),
        }
        for c in found.contracts
    ]
    next_url = ""
    if found.next_after is not None:
        params = request.GET.copy()
        params["after"] = str(found.next_after)
        next_url = f"?{urlencode(list(params.lists()), doseq=True)}"
    context = {
        "window": (found.date_from, found.date_to),
        "filters": {name: ", ".join(values) for name, values in found.filters.items()},
        "rows": rows,
        "totals": {
            "count": found.totals[Measure.CONTRACT_COUNT],
            "contract_amount": wan_text(found.totals[Measure.CONTRACT_AMOUNT]),
            "technology_amount": wan_text(found.totals[Measure.TECHNOLOGY_AMOUNT]),
        },
        "next_url": next_url,
    }
    return _self_contained(render(request, "stats/contracts.html", context))
