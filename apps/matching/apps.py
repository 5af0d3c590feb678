from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "apps.matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from apps.matching import metrics, serving  # noqa: F401 - serving connects the worker signals

        metrics.register()
