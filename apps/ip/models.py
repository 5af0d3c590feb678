"""Intellectual property assets: patents, software copyrights and other registered rights.

An asset belongs to one organisation (co-owners come with custody); achievements link the assets they
rest on. Identifiers are validated by :mod:`apps.core.validators` (patent check digits, IPC symbols).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class IPAssetKind(models.TextChoices):
    INVENTION = "invention", _("invention patent")
    UTILITY_MODEL = "utility_model", _("utility model patent")
    DESIGN = "design", _("design patent")
    SOFTWARE_COPYRIGHT = "software_copyright", _("software copyright")
    IC_LAYOUT = "ic_layout", _("integrated circuit layout design")
    PLANT_VARIETY = "plant_variety", _("new plant variety")
    OTHER = "other", _("other")


PATENT_KINDS = frozenset({IPAssetKind.INVENTION, IPAssetKind.UTILITY_MODEL, IPAssetKind.DESIGN})
# Which application-number type digits fit which patent kind (8 and 9 are PCT national-phase filings).
PATENT_TYPE_DIGITS_BY_KIND = {
    IPAssetKind.INVENTION: frozenset("18"),
    IPAssetKind.UTILITY_MODEL: frozenset("29"),
    IPAssetKind.DESIGN: frozenset("3"),
}


class LegalStatus(models.TextChoices):
    PENDING = "pending", _("pending examination")
    GRANTED = "granted", _("granted, in force")
    REJECTED = "rejected", _("rejected or withdrawn")
    LAPSED = "lapsed", _("lapsed (fees unpaid)")
    EXPIRED = "expired", _("term expired")
    INVALIDATED = "invalidated", _("invalidated")


class IPAsset(TimeStampedModel):
    """One registered (or applied-for) right held by an organisation."""

    owner = models.ForeignKey(
        "organizations.Organization", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="ip_assets"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=IPAssetKind.choices)
    title = models.CharField(_("title"), max_length=300)
    application_number = models.CharField(_("application number"), max_length=20, blank=True)
    patent_number = models.CharField(_("patent number"), max_length=22, blank=True)
    publication_number = models.CharField(_("publication number"), max_length=24, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    ipc_main = models.CharField(_("main IPC code"), max_length=24, blank=True)
    ipc_codes = ArrayField(
        models.CharField(max_length=24), verbose_name=_("other IPC codes"), default=list, blank=True, size=30
    )
    filing_date = models.DateField(_("filing date"), null=True, blank=True)
    grant_date = models.DateField(_("grant date"), null=True, blank=True)
    legal_status = models.CharField(
        _("legal status"), max_length=16, choices=LegalStatus.choices, default=LegalStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("IP asset")
        verbose_name_plural = _("IP assets")
        constraints = [
            # A patent exists once in the register, whoever enters it.
            models.UniqueConstraint(
                fields=["application_number"], condition=~Q(application_number=""), name="ipasset_application_unique"
            ),
            models.CheckConstraint(
                condition=Q(grant_date__isnull=True)
                | Q(filing_date__isnull=True)
                | Q(grant_date__gte=F("filing_date")),
                name="ipasset_grant_after_filing",
            ),
        ]
        indexes = [models.Index(fields=["owner", "kind"])]

    def __str__(self) -> str:
        return f"{self.application_number or self.registration_number or self.pk} {self.title}"
