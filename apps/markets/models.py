"""The network of markets (科技大市场网络): the Liuzhou main market, the 桂中 city markets and the county
stations, each with its own operators, review queue and statistics scope.

A listing, a contract and an event belong to one home market; listings stay visible across the network.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel

MAIN_MARKET_CODE = "liuzhou"


class MarketLevel(models.TextChoices):
    MAIN = "main", _("main market")
    CITY = "city", _("city market")
    COUNTY = "county", _("county station")


class Market(TimeStampedModel):
    """One market of the network. ``region_codes`` are the GB/T 2260 codes it serves: a county code
    (6 digits, not ending in 00) serves that county, a prefecture code (``4513 00``) every county of the
    prefecture, a province code (``45 0000``) the whole province; the most specific match wins."""

    code = models.SlugField(_("code"), max_length=24, primary_key=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=8, choices=MarketLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent market"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region_codes = ArrayField(
        models.CharField(max_length=6), verbose_name=_("regions served"), default=list, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("market")
        verbose_name_plural = _("markets")
        constraints = [
            models.UniqueConstraint(fields=["level"], condition=models.Q(level="main"), name="market_one_main"),
            models.CheckConstraint(
                condition=models.Q(level="main", parent__isnull=True)
                | (~models.Q(level="main") & models.Q(parent__isnull=False)),
                name="market_parent_unless_main",
            ),
        ]

    def __str__(self) -> str:
        return self.name_zh


class MarketOperatorRole(models.TextChoices):
    MANAGER = "manager", _("market manager")
    REVIEWER = "reviewer", _("reviewer")


class MarketOperator(TimeStampedModel):
    """A person who operates one market of the network (and, through it, the markets below it).

    The main market's operators are the members of the ``market_operator`` organisations: they operate
    the whole network and need no row here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="market_roles"
    )
    market = models.ForeignKey(Market, verbose_name=_("market"), on_delete=models.CASCADE, related_name="operators")
    role = models.CharField(
        _("role"), max_length=16, choices=MarketOperatorRole.choices, default=MarketOperatorRole.REVIEWER
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("market operator")
        verbose_name_plural = _("market operators")
        constraints = [models.UniqueConstraint(fields=["user", "market"], name="market_operator_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.market_id}"
