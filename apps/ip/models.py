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


class PatentOffice(models.TextChoices):
    """Where an application was filed (codes as WIPO ST.3; WO for PCT international applications)."""

    CNIPA = "CN", _("CNIPA (China)")
    WIPO = "WO", _("WIPO (PCT international application)")
    EPO = "EP", _("European Patent Office")
    USPTO = "US", _("USPTO (United States)")
    VIETNAM = "VN", _("IP Viet Nam")
    THAILAND = "TH", _("DIP (Thailand)")
    MALAYSIA = "MY", _("MyIPO (Malaysia)")
    SINGAPORE = "SG", _("IPOS (Singapore)")
    INDONESIA = "ID", _("DJKI (Indonesia)")
    PHILIPPINES = "PH", _("IPOPHL (Philippines)")
    CAMBODIA = "KH", _("Cambodia")
    LAOS = "LA", _("Lao PDR")
    MYANMAR = "MM", _("Myanmar")
    BRUNEI = "BN", _("BruIPO (Brunei)")


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
    # An integrator's own id for the record, unique per owner when given (PUT …/by-external-id/{id}).
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=32, choices=IPAssetKind.choices)
    title = models.CharField(_("title"), max_length=300)
    office = models.CharField(
        _("patent office"), max_length=2, choices=PatentOffice.choices, default=PatentOffice.CNIPA
    )
    application_number = models.CharField(_("application number"), max_length=32, blank=True)
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
    # Applications for one invention in several offices share a family id (the owner's own, or e.g. a
    # DOCDB family number); the list filter ``family_id`` shows the family.
    family_id = models.CharField(_("patent family"), max_length=40, blank=True, db_index=True)
    # Paris Convention priorities: [{"office": "VN", "number": "1-2023-01234", "date": "2023-03-01"}, …]
    priority_claims = models.JSONField(_("priority claims"), default=list, blank=True)
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
                fields=["office", "application_number"],
                condition=~Q(application_number=""),
                name="ipasset_application_unique",
            ),
            models.CheckConstraint(
                condition=Q(grant_date__isnull=True)
                | Q(filing_date__isnull=True)
                | Q(grant_date__gte=F("filing_date")),
                name="ipasset_grant_after_filing",
            ),
            models.UniqueConstraint(
                fields=["owner", "external_id"], condition=~Q(external_id=""), name="ipasset_external_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["owner", "kind"])]

    def __str__(self) -> str:
        return f"{self.application_number or self.registration_number or self.pk} {self.title}"


class IPCoOwner(models.Model):
    """A further holder of an asset (共有人) beside its owner: another organisation or a named person.

    Co-owners matter where every holder must act together, e.g. as pledgors of a pledge.
    """

    asset = models.ForeignKey(IPAsset, verbose_name=_("IP asset"), on_delete=models.CASCADE, related_name="co_owners")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="co_owned_ip_assets",
    )
    person_name = models.CharField(_("person's name"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["asset", "position", "id"]
        verbose_name = _("IP co-owner")
        verbose_name_plural = _("IP co-owners")
        constraints = [
            # Either an organisation or a person, never both or neither.
            models.CheckConstraint(
                condition=(Q(organization__isnull=False) & Q(person_name=""))
                | (Q(organization__isnull=True) & ~Q(person_name="")),
                name="ipcoowner_org_xor_person",
            ),
            models.UniqueConstraint(
                fields=["asset", "organization"],
                condition=Q(organization__isnull=False),
                name="ipcoowner_unique_org",
            ),
            models.UniqueConstraint(
                fields=["asset", "person_name"], condition=~Q(person_name=""), name="ipcoowner_unique_person"
            ),
        ]

    def __str__(self) -> str:
        return self.person_name or str(self.organization_id)


class LegalEventKind(models.TextChoices):
    FILED = "filed", _("application filed")
    PUBLISHED = "published", _("application published")
    GRANTED = "granted", _("granted")
    REJECTED = "rejected", _("rejected or withdrawn")
    LAPSED = "lapsed", _("lapsed for unpaid annuity")
    RESTORED = "restored", _("rights restored")
    EXPIRED = "expired", _("term expired")
    INVALIDATED = "invalidated", _("invalidated")
    TRANSFERRED = "transferred", _("ownership transferred")
    PLEDGED = "pledged", _("pledge registered")
    PLEDGE_RELEASED = "pledge_released", _("pledge released")
    OTHER = "other", _("other")


# The legal status an event leaves the asset in; events missing here do not change the status.
STATUS_AFTER_EVENT: dict[str, str] = {
    LegalEventKind.FILED: LegalStatus.PENDING,
    LegalEventKind.GRANTED: LegalStatus.GRANTED,
    LegalEventKind.REJECTED: LegalStatus.REJECTED,
    LegalEventKind.LAPSED: LegalStatus.LAPSED,
    LegalEventKind.RESTORED: LegalStatus.GRANTED,
    LegalEventKind.EXPIRED: LegalStatus.EXPIRED,
    LegalEventKind.INVALIDATED: LegalStatus.INVALIDATED,
}


class IPLegalEvent(models.Model):
    """One dated entry of an asset's legal status history (法律状态), as published by the register."""

    asset = models.ForeignKey(
        IPAsset, verbose_name=_("IP asset"), on_delete=models.CASCADE, related_name="legal_events"
    )
    occurred_on = models.DateField(_("date"))
    kind = models.CharField(_("event"), max_length=24, choices=LegalEventKind.choices)
    status_after = models.CharField(_("status after the event"), max_length=16, choices=LegalStatus.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["asset", "occurred_on", "id"]
        verbose_name = _("legal status event")
        verbose_name_plural = _("legal status events")
        indexes = [models.Index(fields=["asset", "occurred_on", "id"])]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.kind}"
