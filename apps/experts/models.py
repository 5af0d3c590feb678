"""The expert pool (专家库), shared across the network of markets, and blind expert reviews.

An :class:`ExpertReview` scores anonymised items (a challenge's bids, or one contract registration that
needs expert review) on weighted criteria. Its panel is drawn from the pool with conflicted experts
excluded (回避), each exclusion recorded with its reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Expert(TimeStampedModel):
    """A person in the pool: fields of expertise, affiliation, the markets that drew them in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_profile",
    )
    name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("professional title"), max_length=100, blank=True)
    affiliation = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("affiliation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    affiliation_text = models.CharField(_("affiliation (not on the platform)"), max_length=200, blank=True)
    fields = models.ManyToManyField("reference.TechnologyField", verbose_name=_("technology fields"), related_name="+")
    markets = models.ManyToManyField("markets.Market", verbose_name=_("markets"), related_name="experts", blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self) -> str:
        return self.name


class ExpertConflict(TimeStampedModel):
    """A conflict of interest the expert declared: an organisation, or a person by name."""

    expert = models.ForeignKey(Expert, verbose_name=_("expert"), on_delete=models.CASCADE, related_name="conflicts")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    person_name = models.CharField(_("person"), max_length=60, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")

    def __str__(self) -> str:
        return f"{self.expert} ≠ {self.organization or self.person_name}"


class ReviewKind(models.TextChoices):
    CHALLENGE_BIDS = "challenge_bids", _("challenge bids (揭榜挂帅)")
    REGISTRATION = "registration", _("contract registration (≥ ¥5M)")


class ReviewStatus(models.TextChoices):
    SCORING = "scoring", _("scoring")
    COMPLETE = "complete", _("complete")


class ExpertReview(TimeStampedModel):
    """One blind review: its items, criteria (with weights, as data), panel and scores."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReviewKind.choices)
    challenge = models.ForeignKey(
        "challenges.Challenge", verbose_name=_("challenge"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    registration = models.ForeignKey(
        "contracts.Registration", verbose_name=_("registration"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    market = models.ForeignKey(
        "markets.Market", verbose_name=_("market"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    # [{"code": "feasibility", "name": "技术可行性", "weight": "0.40"}, …]: weights sum to 1.
    criteria = models.JSONField(_("criteria"))
    panel_size = models.PositiveSmallIntegerField(_("panel size"))
    status = models.CharField(_("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.SCORING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("expert review")
        verbose_name_plural = _("expert reviews")

    def __str__(self) -> str:
        return self.title


class ReviewItem(models.Model):
    """What the panel scores, under a code (A, B, …) that hides who is behind it."""

    review = models.ForeignKey(ExpertReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=4)
    bid = models.ForeignKey(
        "challenges.Bid", verbose_name=_("bid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("organisation"), null=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    # The anonymised text the experts read (no names of the parties).
    summary = models.TextField(_("summary"), max_length=20000)

    class Meta:
        ordering = ["code"]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        constraints = [models.UniqueConstraint(fields=["review", "code"], name="review_item_code_unique")]

    def __str__(self) -> str:
        return f"{self.review_id}/{self.code}"


class ConflictReason(models.TextChoices):
    SAME_ORGANIZATION = "same_organization", _("same organisation as a party")
    RECENT_COLLABORATION = "recent_collaboration", _("recent collaboration with a party")
    DECLARED = "declared", _("declared conflict")


class PanelStatus(models.TextChoices):
    SELECTED = "selected", _("selected")
    EXCLUDED = "excluded", _("excluded (回避)")


class PanelMember(models.Model):
    """An expert considered for a review: selected, or excluded with the reason (回避)."""

    review = models.ForeignKey(ExpertReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="panel")
    expert = models.ForeignKey(Expert, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="panels")
    status = models.CharField(_("status"), max_length=16, choices=PanelStatus.choices)
    conflict_reason = models.CharField(_("conflict"), max_length=24, choices=ConflictReason.choices, blank=True)
    conflict_detail = models.CharField(_("conflict detail"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("scores submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        constraints = [models.UniqueConstraint(fields=["review", "expert"], name="panel_member_unique")]

    def __str__(self) -> str:
        return f"{self.expert} ({self.status})"


class Score(models.Model):
    """One expert's scores of one item: 0–100 per criterion and the weighted total."""

    member = models.ForeignKey(
        PanelMember, verbose_name=_("panel member"), on_delete=models.CASCADE, related_name="scores"
    )
    item = models.ForeignKey(ReviewItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="scores")
    criteria = models.JSONField(_("scores by criterion"))
    total = models.DecimalField(_("weighted total"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["member", "item"], name="expert_score_unique")]

    def __str__(self) -> str:
        return f"{self.item} {self.total}"
