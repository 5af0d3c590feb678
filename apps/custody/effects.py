"""Effects owned by custody (see apps.core.effects)."""

from __future__ import annotations

from apps.core.effects import effect_handler
from apps.custody.services.annuities import custody_assets_refresh_for
from apps.custody.services.pledge_warnings import pledgees_warn_status


# Recorded by ip when an asset's kind, dates or legal status change: custody keeps each asset's next
# annuity for the daily reminder scan. Recomputed from the asset as it is now, so running twice is harmless.
# A pledged patent that lapsed (or expired, or was invalidated) is lost collateral: its pledgee is warned,
# once per pledge and status (the warning log's unique key).
@effect_handler("custody.refresh_asset")
def refresh_asset(*, asset_id: int) -> None:
    custody_assets_refresh_for(asset_id=asset_id)
    pledgees_warn_status(asset_id=asset_id)
