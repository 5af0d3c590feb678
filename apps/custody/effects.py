"""Effects owned by custody (see apps.core.effects)."""

from __future__ import annotations

from apps.core.effects import effect_handler
from apps.custody.services.annuities import custody_assets_refresh_for


# Recorded by ip when an asset's kind, dates or legal status change: custody keeps each asset's next
# annuity for the daily reminder scan. Recomputed from the asset as it is now, so running twice is harmless.
@effect_handler("custody.refresh_asset")
def refresh_asset(*, asset_id: int) -> None:
    custody_assets_refresh_for(asset_id=asset_id)
