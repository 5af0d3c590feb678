from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BrokersConfig(AppConfig):
    name = "apps.brokers"
    verbose_name = _("Technology brokers")
