"""Technology brokers (技术经纪人) and the attribution ledger of their introductions.

A :class:`Broker` is a person's certified broker profile inside an agency; the operator verifies it.
An :class:`Introduction` is the ledger entry that proves who brought two parties together and on which
commission terms: written once, never edited or deleted (a database trigger refuses it, so bulk and
queryset updates are refused too).
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.brokers.commission import CommissionTerms, commission_due
from apps.core.models import TimeStampedModel


class BrokerLevel(models.TextChoices):
    """Certification levels (初级技术经纪人 / 中级技术经纪人 / 高级技术经理人)."""

    JUNIOR = "junior", _("junior technology broker")
    INTERMEDIATE = "intermediate", _("intermediate technology broker")
    SENIOR = "senior", _("senior technology manager")


class BrokerStatus(models.TextChoices):
    PENDING = "pending", _("pending verification")
    VERIFIED = "verified", _("verified")
    REJECTED = "rejected", _("rejected")


@pghistory.track()
class Broker(TimeStampedModel):
    """A person's broker profile: their agency, level, certificate, specialties and service regions.

    Only a verified broker may record introductions and open deals from them.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="broker"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="brokers",
        help_text=_("The agency the broker works for (or their employer)."),
    )
    level = models.CharField(_("level"), max_length=16, choices=BrokerLevel.choices, db_index=True)
    certificate_number = models.CharField(_("certificate number"), max_length=64)
    bio = models.TextField(_("profile"), max_length=3000, blank=True)
    fields = models.ManyToManyField(
        "reference.TechnologyField", verbose_name=_("technology fields"), blank=True, related_name="brokers"
    )
    industries = models.ManyToManyField(
        "reference.Industry", verbose_name=_("industries"), blank=True, related_name="brokers"
    )
    regions = models.ManyToManyField(
        "reference.Region", verbose_name=_("service regions"), blank=True, related_name="brokers"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BrokerStatus.choices, default=BrokerStatus.PENDING, db_index=True
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejection_reason = models.CharField(_("rejection reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("technology broker")
        verbose_name_plural = _("technology brokers")
        constraints = [
            models.UniqueConstraint(fields=["certificate_number"], name="broker_unique_certificate_number"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_level_display()})"

    @property
    def is_verified(self) -> bool:
        return self.status == BrokerStatus.VERIFIED


@pghistory.track(pghistory.InsertEvent())
class Introduction(models.Model):
    """A ledger entry: the broker introduced ``party_a`` to ``party_b`` at ``created_at``.

    Optionally around a demand or an achievement. The commission agreed at introduction is a share of
    the technology amount actually paid (``commission_rate``, e.g. 0.0300 = 3 %), plus a fixed fee, capped
    at ``commission_cap`` when set. Immutable: there is no update API and a trigger refuses UPDATE and
    DELETE, so the time and terms a broker can point to cannot be rewritten later.
    """

    broker = models.ForeignKey(Broker, verbose_name=_("broker"), on_delete=models.PROTECT, related_name="introductions")
    party_a = models.ForeignKey(
        "organizations.Organization", verbose_name=_("party A"), on_delete=models.PROTECT, related_name="+"
    )
    party_b = models.ForeignKey(
        "organizations.Organization", verbose_name=_("party B"), on_delete=models.PROTECT, related_name="+"
    )
    demand = models.ForeignKey(
        "listings.Demand", verbose_name=_("demand"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    achievement = models.ForeignKey(
        "listings.Achievement",
        verbose_name=_("achievement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    commission_rate = models.DecimalField(
        _("commission rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of the paid technology amount, e.g. 0.0300 for 3%."),
    )
    commission_fixed = models.DecimalField(
        _("fixed commission (yuan)"), max_digits=16, decimal_places=2, default=Decimal("0")
    )
    commission_cap = models.DecimalField(
        _("commission cap (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        # PROTECT, not SET_NULL: the row may never change, so a user with ledger entries is deactivated, not deleted.
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("introduced at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("introduction")
        verbose_name_plural = _("introductions")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(party_a=models.F("party_b")), name="introduction_distinct_parties"
            ),
            models.CheckConstraint(
                condition=models.Q(commission_rate__gte=0, commission_rate__lte=1), name="introduction_rate_range"
            ),
            models.CheckConstraint(condition=models.Q(commission_fixed__gte=0), name="introduction_fixed_nonnegative"),
            models.CheckConstraint(
                condition=models.Q(commission_cap__isnull=True) | models.Q(commission_cap__gte=0),
                name="introduction_cap_nonnegative",
            ),
        ]
        indexes = [models.Index(fields=["party_a", "party_b", "created_at"], name="introduction_pair_idx")]
        triggers = [
            pgtrigger.Protect(name="introduction_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.broker}: {self.party_a} ↔ {self.party_b}"

    def commission_for(self, paid_technology_amount: Decimal) -> Decimal:
        """The commission earned on ``paid_technology_amount`` yuan under the agreed terms.

        The rule lives in one place, :func:`apps.brokers.commission.commission_due` (rate × paid, half up
        to the fen, plus the fixed fee once anything is paid, capped).
        """
        terms = CommissionTerms(rate=self.commission_rate, fixed=self.commission_fixed, cap=self.commission_cap)
        return commission_due(terms=terms, paid_technology=paid_technology_amount)
