from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.core.validators import validate_credit_code

# ISO 3166-1 numeric code of China (the reference.Country primary key).
CHINA = "156"


class OrganizationType(models.TextChoices):
    ENTERPRISE = "enterprise", _("enterprise")
    UNIVERSITY = "university", _("university")
    RESEARCH_INSTITUTE = "research_institute", _("research institute")
    BROKER_AGENCY = "broker_agency", _("technology broker agency")
    IP_AGENCY = "ip_agency", _("IP service agency")
    MARKET_OPERATOR = "market_operator", _("market operator")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("pending verification")
    VERIFIED = "verified", _("verified")
    REJECTED = "rejected", _("rejected")


class Organization(TimeStampedModel):
    """An enterprise, university, institute, agency or the market operator.

    Created by a person who becomes its first admin; the operator verifies it against its
    unified social credit code before it may trade.
    """

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    type = models.CharField(_("type"), max_length=32, choices=OrganizationType.choices)
    country = models.ForeignKey(
        "reference.Country",
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        related_name="organizations",
        default=CHINA,
    )
    # China: the unified social credit code; elsewhere empty and ``registration_id`` holds the country's own.
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    registration_id = models.CharField(
        _("registration number"),
        max_length=32,
        blank=True,
        help_text=_("An organisation outside China: its registration number in its country (see docs/asean.md)."),
    )
    # China: a GB/T 2260 region; elsewhere none, and ``foreign_region`` names the province or state.
    region = models.ForeignKey(
        "reference.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    foreign_region = models.CharField(_("province or state (outside China)"), max_length=100, blank=True)
    entity_type = models.ForeignKey(
        "reference.EntityType", verbose_name=_("entity type"), on_delete=models.PROTECT, related_name="organizations"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)

    verification_status = models.CharField(
        _("verification status"),
        max_length=16,
        choices=VerificationStatus.choices,
        default=VerificationStatus.PENDING,
        db_index=True,
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

    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organizations", verbose_name=_("members")
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit_code=Upper("credit_code")), name="organization_credit_code_upper"
            ),
            models.UniqueConstraint(
                fields=["credit_code"], condition=~models.Q(credit_code=""), name="organization_credit_code_unique"
            ),
            models.UniqueConstraint(
                fields=["country", "registration_id"],
                condition=~models.Q(registration_id=""),
                name="organization_registration_id_unique",
            ),
            # China: credit code and region, no foreign identifier; elsewhere the reverse.
            models.CheckConstraint(
                condition=(
                    models.Q(country=CHINA, region__isnull=False, registration_id="", foreign_region="")
                    & ~models.Q(credit_code="")
                )
                | (
                    ~models.Q(country=CHINA)
                    & models.Q(region__isnull=True, credit_code="")
                    & ~models.Q(registration_id="")
                ),
                name="organization_identifier_by_country",
            ),
        ]
        indexes = [models.Index(fields=["type", "verification_status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED


class VerificationDocumentKind(models.TextChoices):
    REGISTRATION_CERTIFICATE = "registration_certificate", _("certificate of registration")
    TAX_CERTIFICATE = "tax_certificate", _("tax registration certificate")
    AUTHORISATION = "authorisation", _("letter of authorisation")
    OTHER = "other", _("other document")


class VerificationDocument(TimeStampedModel):
    """A document the organisation gives the operator to verify it: for an organisation abroad, whose
    registration number the platform cannot look up, its certificate of registration. Seen by the
    organisation's members and the operator only."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="verification_documents",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=VerificationDocumentKind.choices)
    file = models.FileField(_("file"), upload_to="organizations/verification/")
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("verification document")
        verbose_name_plural = _("verification documents")

    def __str__(self) -> str:
        return self.original_name


class MembershipRole(models.TextChoices):
    ADMIN = "admin", _("administrator")
    MEMBER = "member", _("member")


class Membership(TimeStampedModel):
    """A person's place in an organisation. Admins manage members and API keys."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER)

    class Meta:
        ordering = ["id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"
