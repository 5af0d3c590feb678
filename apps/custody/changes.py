"""Custody agreements in the changes feed (apps.core.changes): the owner's and the agency's.

An asset entering or leaving custody changes who sees the IP asset: recorded as a change of it too.
"""

from __future__ import annotations

from apps.core.changes import Audience, register_change_type, register_part
from apps.custody.models import CustodyAgreement, CustodyAsset
from apps.custody.selectors import agreement_visible_qs


def _audience(ids: list[int]) -> dict[int, Audience]:
    rows = CustodyAgreement.objects.filter(pk__in=ids).values_list("pk", "owner_id", "custodian_id")
    return {pk: Audience(organization_ids=frozenset({owner_id, custodian_id})) for pk, owner_id, custodian_id in rows}


register_change_type(
    "custody_agreement",
    model=CustodyAgreement,
    visible_qs=agreement_visible_qs,
    audience=_audience,
    path="custody/agreements/{id}",
)
register_part(CustodyAsset, of="ip_asset", record_id=lambda row: row.asset_id)
