"""Effects owned by organizations (see apps.core.effects)."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps.core.effects import effect_handler
from apps.core.models import Effect
from apps.notifications.services import notify
from apps.organizations.access import operator_users


@effect_handler("organizations.alert_failed_effect")
def alert_failed_effect(*, effect_id: int) -> None:
    """Tell the operator that an effect kept failing; it waits in the admin's effect list for a retry."""
    failed = Effect.objects.filter(pk=effect_id).values("name", "attempts").first()
    if failed is None:
        return
    notify(
        recipients=operator_users(),
        kind="effect_failed",
        title=format_lazy(
            _("Background work {name} failed {attempts} times"), name=failed["name"], attempts=failed["attempts"]
        ),
        body=_("It waits in the admin's list of effects; retry it there once the cause is fixed."),
        target=None,
    )
