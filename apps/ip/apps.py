from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IpConfig(AppConfig):
    name = "apps.ip"
    verbose_name = _("Intellectual property")
