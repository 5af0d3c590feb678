"""Reads of IP assets, scoped to the acting user.

An asset is seen by the members of its owner and by the operator; to anyone else it does not exist
(404). The public sees patents only through published achievements, which carry their numbers.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from rest_framework.exceptions import ErrorDetail, ValidationError

from apps.ip.models import IPAsset
from apps.organizations.selectors import is_operator, organization_ids


def ip_asset_visible_qs(actor: Any) -> QuerySet[IPAsset]:
    qs = IPAsset.objects.select_related("owner").annotate(achievement_count=Count("achievements"))
    if is_operator(actor):
        return qs
    return qs.filter(owner_id__in=organization_ids(actor))


def ip_asset_list(*, actor: Any, filters: Any = None) -> QuerySet[IPAsset]:
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


def access_ip_asset(*, actor: Any, pk: int) -> IPAsset:
    try:
        return ip_asset_visible_qs(actor).get(pk=pk)
    except (IPAsset.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
