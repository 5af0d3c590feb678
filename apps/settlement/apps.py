from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "apps.settlement"
    verbose_name = _("Settlement, after-deal tracking and royalties")
