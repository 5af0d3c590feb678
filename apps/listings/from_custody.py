"""From custody to market: a draft achievement prefilled from an asset in custody.

It lives in listings, above custody in the app order: listings reads the custody asset and the pledge, and
writes the achievement; custody knows nothing of the market.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.custody.models import CustodyAsset
from apps.custody.selectors import actively_pledged_asset_ids
from apps.custody.services import check_owner
from apps.listings.models import Achievement, CooperationMode
from apps.listings.services import achievement_create


class FromCustodyError(StrEnum):
    FIELD_REQUIRED = "field_required"


@transaction.atomic
def custody_asset_to_market(
    *,
    actor: User,
    custody_asset: CustodyAsset,
    technology_field: str | None = None,
    trl: int | None = None,
    cooperation_modes: list[str] | None = None,
) -> Achievement:
    """A draft achievement prefilled from the asset (title, summary, IP link, owner, field and TRL where known).

    Transfer is only offered for an asset that is not pledged; licence always. The owner's members only.
    """
    agreement = custody_asset.agreement
    check_owner(actor=actor, agreement=agreement)
    asset = custody_asset.asset
    found = Achievement.objects.filter(ip_assets=asset).order_by("-id").values("technology_field_id", "trl").first()
    previous: dict[str, Any] = dict(found) if found else {}
    field = technology_field or previous.get("technology_field_id")
    level = trl or previous.get("trl")
    missing = {
        name: _("Required: no achievement of this asset says it yet.")
        for name, value in (("technology_field", field), ("trl", level))
        if not value
    }
    if missing:
        raise ApplicationError(
            _("Say the technology field and readiness level of this asset."),
            code=FromCustodyError.FIELD_REQUIRED,
            field_errors=missing,
        )
    pledged = asset.pk in actively_pledged_asset_ids([asset.pk])
    modes = cooperation_modes or (
        [CooperationMode.LICENCE] if pledged else [CooperationMode.TRANSFER, CooperationMode.LICENCE]
    )
    number = asset.patent_number or asset.application_number or asset.registration_number
    summary_parts = [f"{asset.get_kind_display()}：{asset.title}"]
    if number:
        summary_parts.append(_("Number: %(number)s.") % {"number": number})
    if asset.ipc_main:
        summary_parts.append(_("IPC: %(ipc)s.") % {"ipc": ", ".join([asset.ipc_main, *asset.ipc_codes])})
    if asset.grant_date:
        summary_parts.append(_("Granted on %(date)s.") % {"date": asset.grant_date.isoformat()})
    data = {
        "owner_id": agreement.owner_id,
        "title": asset.title[:200],
        "summary": " ".join(str(part) for part in summary_parts)[:3000],
        "technology_field": field,
        "trl": level,
        "cooperation_modes": modes,
        "keywords": [asset.ipc_main] if asset.ipc_main else [],
        "ip_asset_ids": [asset.pk],
    }
    return achievement_create(actor=actor, data=data)
