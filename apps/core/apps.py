from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Each app registers the handlers of the effects it owns in its effects.py (apps.core.effects).
        autodiscover_modules("effects")
        # Each app registers the record types it serves in the changes feed in its changes.py (apps.core.changes).
        autodiscover_modules("changes")
