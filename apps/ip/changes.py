"""IP assets in the changes feed (apps.core.changes): the owner's, and the agency's while it holds them in custody."""

from __future__ import annotations

from apps.core.changes import Audience, register_change_type, register_part
from apps.ip.models import IPAsset, IPCoOwner
from apps.ip.selectors import ip_asset_visible_qs


def _audience(ids: list[int]) -> dict[int, Audience]:
    orgs: dict[int, set[int]] = {
        pk: {owner_id} for pk, owner_id in IPAsset.objects.filter(pk__in=ids).values_list("pk", "owner_id")
    }
    # Custodians through the reverse relation custody declares (ip does not import custody).
    custodians = IPAsset.objects.filter(pk__in=ids, custody_links__active=True).values_list(
        "pk", "custody_links__agreement__custodian_id"
    )
    for pk, custodian_id in custodians:
        orgs[pk].add(custodian_id)
    return {pk: Audience(organization_ids=frozenset(members)) for pk, members in orgs.items()}


register_change_type(
    "ip_asset", model=IPAsset, visible_qs=ip_asset_visible_qs, audience=_audience, path="ip-assets/{id}"
)
register_part(IPCoOwner, of="ip_asset", record_id=lambda row: row.asset_id)
