"""Reads of IP assets, scoped to the acting user.

An asset is seen by the members of its owner and by the operator; to anyone else it does not exist
(404). The public sees patents only through published achievements, which carry their numbers.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, JSONObject
from django.http import Http404
from rest_framework.exceptions import ErrorDetail, ValidationError

from apps.ip.models import IPAsset, IPCoOwner, IPLegalEvent
from apps.organizations.access import Actor, is_operator, organization_ids


def _co_owner_rows() -> ArraySubquery:
    # In the asset's own query (no query per asset): [{organization_id, name}, …] in their order.
    rows = (
        IPCoOwner.objects.filter(asset=OuterRef("pk"))
        .order_by("position", "id")
        .values(json=JSONObject(organization_id="organization_id", name=Coalesce("organization__name", "person_name")))
    )
    return ArraySubquery(rows)


def ip_asset_visible_qs(actor: Actor) -> QuerySet[IPAsset]:
    qs = IPAsset.objects.select_related("owner").annotate(
        achievement_count=Count("achievements"), co_owner_list=_co_owner_rows()
    )
    if is_operator(actor):
        return qs
    orgs = organization_ids(actor)
    # The agency holding an asset in active custody keeps its record too (through the custody rows' reverse
    # relation, custody_links; an EXISTS, so the asset's row is neither repeated nor its counts inflated).
    in_custody = IPAsset.objects.filter(
        pk=OuterRef("pk"), custody_links__active=True, custody_links__agreement__custodian_id__in=orgs
    )
    return qs.filter(Q(owner_id__in=orgs) | Exists(in_custody))


def ip_asset_list(*, actor: Actor, filters: Any = None) -> QuerySet[IPAsset]:
    from apps.ip.filters import IPAssetFilter

    filterset = IPAssetFilter(filters or {}, queryset=ip_asset_visible_qs(actor))
    if not filterset.is_valid():
        raise ValidationError(
            {
                field: [ErrorDetail(error["message"], code=error["code"] or "invalid") for error in errors]
                for field, errors in filterset.form.errors.get_json_data().items()
            }
        )
    return filterset.qs


def access_ip_asset(*, actor: Actor, pk: int) -> IPAsset:
    try:
        return ip_asset_visible_qs(actor).get(pk=pk)
    except (IPAsset.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def legal_event_list(*, actor: Actor, asset: IPAsset) -> QuerySet[IPLegalEvent]:
    """The asset's legal status history, oldest first (the caller has already accessed the asset)."""
    return IPLegalEvent.objects.filter(asset=asset).select_related("recorded_by").order_by("occurred_on", "id")
