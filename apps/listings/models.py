"""Listings: achievements (科技成果) offered for transfer and demands (技术需求) posted by enterprises.

Both share one lifecycle (draft → submitted → published, reviewed by the operator), a public teaser and a
confidential part that only organisations with an accepted NDA may read. Search runs on a tsvector built
from words segmented in Python (PostgreSQL's parser cannot split Chinese): see :mod:`apps.listings.search`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.models import TimeStampedModel


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for review")
    PUBLISHED = "published", _("published")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")
    EXPIRED = "expired", _("expired")
    TRANSFERRED = "transferred", _("transferred / concluded")


# A listing in one of these states blocks an identical second one from the same owner.
ACTIVE_STATUSES = (ListingStatus.DRAFT, ListingStatus.SUBMITTED, ListingStatus.PUBLISHED, ListingStatus.REJECTED)


class Stage(models.TextChoices):
    """Development stage derived from TRL (DOMAIN.md): TRL 4 counts as lab validation."""

    LAB = "lab", _("laboratory")
    SMALL_SCALE = "small_scale", _("small-scale trial")
    PILOT = "pilot", _("pilot trial")
    MASS_PRODUCTION = "mass_production", _("mass production")


STAGE_TRL_RANGES: dict[str, tuple[int, int]] = {
    Stage.LAB: (1, 4),
    Stage.SMALL_SCALE: (5, 5),
    Stage.PILOT: (6, 7),
    Stage.MASS_PRODUCTION: (8, 9),
}


def stage_for_trl(trl: int) -> Stage:
    for stage, (low, high) in STAGE_TRL_RANGES.items():
        if low <= trl <= high:
            return Stage(stage)
    raise ValueError(f"TRL {trl} is outside 1–9")


class CooperationMode(models.TextChoices):
    """Ways to put a result to use (科技成果转化法 Art. 16)."""

    SELF_IMPLEMENTATION = "self_implementation", _("self-implementation")
    TRANSFER = "transfer", _("transfer")
    LICENCE = "licence", _("licence")
    COOPERATIVE = "cooperative", _("cooperative implementation")
    EQUITY = "equity", _("equity investment")
    OTHER = "other", _("other")


class Attribute(models.TextChoices):
    ORIGINAL = "original", _("original innovation")
    ABSORBED = "absorbed", _("absorbed foreign innovation")
    SECONDARY = "secondary", _("secondary development")


class PriceType(models.TextChoices):
    FIXED = "fixed", _("fixed price")
    RANGE = "range", _("price range")
    NEGOTIABLE = "negotiable", _("negotiable")


class Language(models.TextChoices):
    ZH = "zh", _("Chinese")
    EN = "en", _("English")
    VI = "vi", _("Vietnamese")
    TH = "th", _("Thai")
    ID = "id", _("Indonesian")
    MS = "ms", _("Malay")


def _search_vector() -> Any:
    # Both columns hold words already segmented by jieba and joined by spaces; the 'simple'
    # configuration only lower-cases and splits on the spaces, so Chinese words survive intact.
    return SearchVector("search_head", config="simple", weight="A") + SearchVector(
        "search_body", config="simple", weight="B"
    )


class Listing(TimeStampedModel):
    """What achievements and demands share: owner, lifecycle, teaser, confidential part, search."""

    owner = models.ForeignKey(
        "organizations.Organization", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An integrator's own id for the record, unique per owner when given (PUT …/by-external-id/{id}).
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")
    status = models.CharField(_("status"), max_length=16, choices=ListingStatus.choices, default=ListingStatus.DRAFT)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ZH)
    title = models.CharField(_("title"), max_length=200)
    translated_title = models.CharField(_("translated title"), max_length=300, blank=True)
    # Further language versions beside the original (``language``): {"en": {"title": …, "summary": …}}
    # for an achievement, {"vi": {"title": …, "description": …}} for a demand. All are searched and matched.
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    technology_field = models.ForeignKey(
        "reference.TechnologyField", verbose_name=_("technology field"), on_delete=models.PROTECT, related_name="+"
    )
    keywords = ArrayField(
        models.CharField(max_length=40), verbose_name=_("keywords"), default=list, blank=True, size=10
    )
    cooperation_modes = ArrayField(
        models.CharField(max_length=32, choices=CooperationMode.choices),
        verbose_name=_("cooperation modes"),
        default=list,
        blank=True,
    )
    # The owner's region, copied at creation so region filters need no join.
    # None for an owner outside China (see Organization.country).
    region = models.ForeignKey(
        "reference.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The market of the network whose operators review it (derived from the owner's region at creation,
    # overridable by the operator); the listing is visible across the network all the same.
    home_market = models.ForeignKey(
        "markets.Market",
        verbose_name=_("home market"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    confidential_detail = models.TextField(_("confidential detail"), max_length=20000, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.CharField(_("rejection reason"), max_length=1000, blank=True)

    # sha256 of the normalised title and text: the same owner cannot post the same listing twice.
    fingerprint = models.CharField(_("fingerprint"), max_length=64, editable=False)
    search_head = models.TextField(editable=False, default="")
    search_body = models.TextField(editable=False, default="")
    search_vector = models.GeneratedField(
        expression=_search_vector(), output_field=SearchVectorField(), db_persist=True
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class Achievement(Listing):
    """A scientific or technological result (科技成果) offered for transfer, licence or cooperation."""

    summary = models.TextField(_("summary"), max_length=3000)
    translated_summary = models.TextField(_("translated summary"), max_length=5000, blank=True)
    trl = models.PositiveSmallIntegerField(_("technology readiness level"))
    stage = models.GeneratedField(
        expression=Case(
            When(trl__lte=4, then=Value(Stage.LAB.value)),
            When(trl=5, then=Value(Stage.SMALL_SCALE.value)),
            When(trl__lte=7, then=Value(Stage.PILOT.value)),
            default=Value(Stage.MASS_PRODUCTION.value),
        ),
        output_field=models.CharField(max_length=16, choices=Stage.choices),
        db_persist=True,
    )
    attribute = models.CharField(_("attribute"), max_length=16, choices=Attribute.choices, default=Attribute.ORIGINAL)
    industries = models.ManyToManyField(
        "reference.Industry", verbose_name=_("industries"), blank=True, related_name="achievements"
    )
    price_type = models.CharField(
        _("price type"), max_length=16, choices=PriceType.choices, default=PriceType.NEGOTIABLE
    )
    price_min = models.DecimalField(_("minimum price (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(_("maximum price (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    ip_assets = models.ManyToManyField(
        "ip.IPAsset", verbose_name=_("IP assets"), blank=True, related_name="achievements"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        constraints = [
            models.CheckConstraint(condition=Q(trl__gte=1, trl__lte=9), name="achievement_trl_1_9"),
            models.CheckConstraint(
                condition=(Q(price_min__isnull=True) | Q(price_min__gte=0))
                & (Q(price_max__isnull=True) | Q(price_max__gte=F("price_min"))),
                name="achievement_price_range",
            ),
            models.CheckConstraint(
                condition=Q(price_type=PriceType.NEGOTIABLE)
                | Q(price_type=PriceType.FIXED, price_min__isnull=False, price_max=F("price_min"))
                | Q(price_type=PriceType.RANGE, price_min__isnull=False, price_max__isnull=False),
                name="achievement_price_type_amounts",
            ),
            models.UniqueConstraint(
                fields=["owner", "fingerprint"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="achievement_no_duplicate",
            ),
            models.UniqueConstraint(
                fields=["owner", "external_id"], condition=~Q(external_id=""), name="achievement_external_id_unique"
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="achievement_search"),
            GinIndex(fields=["cooperation_modes"], name="achievement_coop_modes"),
            models.Index(fields=["status", "-published_at", "-id"], name="achievement_status_published"),
            models.Index(fields=["status", "technology_field", "-id"], name="achievement_status_field"),
            models.Index(fields=["status", "trl", "-id"], name="achievement_status_trl"),
            models.Index(fields=["owner", "status"], name="achievement_owner_status"),
            # Every filterable column beside the id: a filtered search picks its candidates from this
            # index alone (index-only scan) and reads the rows of those only (selectors._walk).
            models.Index(
                fields=["-id"],
                include=[
                    "status",
                    "stage",
                    "trl",
                    "cooperation_modes",
                    "technology_field",
                    "region",
                    "price_min",
                    "price_max",
                    "owner",
                    "language",
                    "published_at",
                ],
                name="achievement_walk",
            ),
        ]

    @property
    def stage_value(self) -> Stage:
        return stage_for_trl(self.trl)


class Demand(Listing):
    """An enterprise's technical problem (技术需求) with a budget and a deadline."""

    description = models.TextField(pgettext_lazy("demand", "description"), max_length=5000)
    translated_description = models.TextField(_("translated description"), max_length=8000, blank=True)
    industry = models.ForeignKey(
        "reference.Industry",
        verbose_name=_("industry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    budget_min = models.DecimalField(_("minimum budget (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    budget_max = models.DecimalField(_("maximum budget (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    deadline = models.DateField(_("deadline"))
    wanted_stage = models.CharField(_("wanted stage"), max_length=16, choices=Stage.choices, blank=True)
    region_preference = models.ForeignKey(
        "reference.Region",
        verbose_name=_("preferred region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        constraints = [
            models.CheckConstraint(
                condition=(Q(budget_min__isnull=True) | Q(budget_min__gte=0))
                & (Q(budget_max__isnull=True) | Q(budget_min__isnull=True) | Q(budget_max__gte=F("budget_min"))),
                name="demand_budget_range",
            ),
            models.UniqueConstraint(
                fields=["owner", "fingerprint"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="demand_no_duplicate",
            ),
            models.UniqueConstraint(
                fields=["owner", "external_id"], condition=~Q(external_id=""), name="demand_external_id_unique"
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="demand_search"),
            GinIndex(fields=["cooperation_modes"], name="demand_coop_modes"),
            models.Index(fields=["status", "-published_at", "-id"], name="demand_status_published"),
            models.Index(fields=["status", "technology_field", "-id"], name="demand_status_field"),
            models.Index(fields=["owner", "status"], name="demand_owner_status"),
            models.Index(
                fields=["-id"],
                include=[
                    "status",
                    "technology_field",
                    "industry",
                    "region",
                    "region_preference",
                    "cooperation_modes",
                    "budget_min",
                    "budget_max",
                    "deadline",
                    "wanted_stage",
                    "owner",
                    "language",
                    "published_at",
                ],
                name="demand_walk",
            ),
        ]


class ListingLink(models.Model):
    """Belongs to exactly one achievement or one demand."""

    achievement = models.ForeignKey(
        Achievement, verbose_name=_("achievement"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    demand = models.ForeignKey(
        Demand, verbose_name=_("demand"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(achievement__isnull=False, demand__isnull=True)
                | Q(achievement__isnull=True, demand__isnull=False),
                name="%(class)s_one_listing",
            )
        ]

    @property
    def listing(self) -> Achievement | Demand:
        return self.achievement or self.demand  # type: ignore[return-value]


class ListingEvent(ListingLink):
    """One lifecycle step of a listing: who moved it from which status to which, when and why."""

    from_status = models.CharField(_("from"), max_length=16, choices=ListingStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ListingStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta(ListingLink.Meta):
        ordering = ["id"]
        verbose_name = _("listing event")
        verbose_name_plural = _("listing events")
        indexes = [models.Index(fields=["achievement", "id"]), models.Index(fields=["demand", "id"])]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class Attachment(TimeStampedModel, ListingLink):
    """A file attached to a listing. Confidential unless marked public; served only through the API."""

    file = models.FileField(_("file"), upload_to="listings/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_public = models.BooleanField(_("public"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(ListingLink.Meta):
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["achievement"]), models.Index(fields=["demand"])]

    def __str__(self) -> str:
        return self.original_name


class NdaStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    REVOKED = "revoked", _("revoked")


class NdaRequest(TimeStampedModel, ListingLink):
    """An organisation's request to read a listing's confidential part under the owner's NDA."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("requesting organisation"),
        on_delete=models.CASCADE,
        related_name="nda_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.CharField(_("message"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=NdaStatus.choices, default=NdaStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=1000, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("NDA request")
        verbose_name_plural = _("NDA requests")
        constraints = [
            *ListingLink.Meta.constraints,
            models.UniqueConstraint(
                fields=["achievement", "organization"],
                condition=Q(status__in=["pending", "accepted"]),
                name="nda_one_open_per_achievement",
            ),
            models.UniqueConstraint(
                fields=["demand", "organization"],
                condition=Q(status__in=["pending", "accepted"]),
                name="nda_one_open_per_demand",
            ),
        ]

    def __str__(self) -> str:
        return f"NDA {self.organization_id} → {self.listing}"


class AccessKind(models.TextChoices):
    DETAIL = "detail", _("confidential detail")
    ATTACHMENT = "attachment", _("attachment")


class ConfidentialAccess(ListingLink):
    """One read of confidential material: who, for which organisation, what, when. Append-only."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AccessKind.choices)
    attachment = models.ForeignKey(
        Attachment, verbose_name=_("attachment"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta(ListingLink.Meta):
        ordering = ["-id"]
        verbose_name = _("confidential access")
        verbose_name_plural = _("confidential accesses")
        indexes = [models.Index(fields=["achievement", "-id"]), models.Index(fields=["demand", "-id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
