"""Open challenges (揭榜挂帅 榜单) and races (赛马制).

A challenge puts a reward on a published demand. Teams bid (揭榜); after the bid deadline the issuer and
the operator score the bids and award one team (single mode) or several run in parallel (race mode).
Milestone reviews then pass, fail or eliminate each team, and each milestone's tranche is split among
the teams that passed. Every decision is kept in an append-only log (:class:`ChallengeDecision`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.models import TimeStampedModel
from apps.organizations.models import OrganizationType

RACE_TEAMS_MIN = 2
RACE_TEAMS_MAX = 5


class ChallengeStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for review")
    OPEN = "open", _("open for bids")
    AWARDED = "awarded", _("awarded")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


class ChallengePhase(models.TextChoices):
    """What a reader sees: the lifecycle status, except that an open challenge whose bid deadline has
    passed is no longer taking bids (it stays ``open`` in the lifecycle until it is awarded)."""

    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for review")
    OPEN = "open", _("open for bids")
    EVALUATING = "evaluating", _("bids closed, under evaluation")
    AWARDED = "awarded", _("awarded")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


# Anyone, anonymous visitors included, may read a challenge in one of these states.
PUBLIC_STATUSES = (ChallengeStatus.OPEN, ChallengeStatus.AWARDED, ChallengeStatus.COMPLETED)


class ChallengeMode(models.TextChoices):
    SINGLE = "single", _("single winner")
    RACE = "race", _("race")


class FundingMode(models.TextChoices):
    BUDGETED = "budgeted", _("line budget")
    LUMP_SUM = "lump_sum", _("lump-sum")


class Comparison(models.TextChoices):
    AT_LEAST = "≥", _("at least")
    AT_MOST = "≤", _("at most")
    EQUAL = "=", _("equal to")


class Challenge(TimeStampedModel):
    """A reward posted on a published demand (揭榜挂帅 榜单), with its terms and its lifecycle.

    ``indicators`` is a list of ``{name, target, unit, comparison}``: the quantified goals a team must
    reach. ``allowed_organization_types`` empty means any type may bid.
    """

    demand = models.OneToOneField(
        "listings.Demand", verbose_name=_("demand"), on_delete=models.PROTECT, related_name="challenge"
    )
    # The demand's owner, copied at creation so that permission filters need no join.
    issuer = models.ForeignKey(
        "organizations.Organization", verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ChallengeStatus.choices, default=ChallengeStatus.DRAFT
    )

    reward = models.DecimalField(_("reward (yuan)"), max_digits=16, decimal_places=2)
    enterprise_funding = models.DecimalField(_("enterprise funding (yuan)"), max_digits=16, decimal_places=2)
    government_funding = models.DecimalField(_("government funding (yuan)"), max_digits=16, decimal_places=2)
    indicators = models.JSONField(_("quantified indicators"), default=list, encoder=DjangoJSONEncoder)
    eligibility = models.TextField(_("eligibility"), max_length=5000)
    allowed_organization_types = ArrayField(
        models.CharField(max_length=32, choices=OrganizationType.choices),
        verbose_name=_("allowed organisation types"),
        default=list,
        blank=True,
    )
    bid_deadline = models.DateTimeField(_("bid deadline"))
    mode = models.CharField(_("mode"), max_length=16, choices=ChallengeMode.choices, default=ChallengeMode.SINGLE)
    race_team_count = models.PositiveSmallIntegerField(_("teams funded in parallel"), default=1)
    funding_mode = models.CharField(
        _("funding mode"), max_length=16, choices=FundingMode.choices, default=FundingMode.BUDGETED
    )
    negative_list = models.TextField(_("negative list"), max_length=5000, blank=True)

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.CharField(_("rejection reason"), max_length=1000, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    awarded_at = models.DateTimeField(_("awarded at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=1000, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        constraints = [
            models.CheckConstraint(condition=Q(reward__gt=0), name="challenge_reward_positive"),
            models.CheckConstraint(
                condition=Q(enterprise_funding__gte=0, government_funding__gte=0)
                & Q(reward=F("enterprise_funding") + F("government_funding")),
                name="challenge_funding_split",
            ),
            models.CheckConstraint(
                condition=Q(mode=ChallengeMode.SINGLE, race_team_count=1)
                | Q(mode=ChallengeMode.RACE, race_team_count__gte=RACE_TEAMS_MIN, race_team_count__lte=RACE_TEAMS_MAX),
                name="challenge_race_team_count",
            ),
            models.CheckConstraint(
                condition=Q(funding_mode=FundingMode.BUDGETED) | ~Q(negative_list=""),
                name="challenge_lump_sum_negative_list",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="challenge_status"),
            models.Index(fields=["issuer", "status"], name="challenge_issuer_status"),
        ]

    def phase(self, now: datetime) -> ChallengePhase:
        """The phase at ``now``: ``evaluating`` once an open challenge's bid deadline has passed."""
        if self.status == ChallengeStatus.OPEN and self.bid_deadline <= now:
            return ChallengePhase.EVALUATING
        return ChallengePhase(self.status)

    def __str__(self) -> str:
        # The title lives on the demand: shown when it was loaded with it (admin lists select it).
        if Challenge.demand.is_cached(self):
            return f"{self.demand.title} · ¥{self.reward}"
        return f"challenge {self.pk} · ¥{self.reward}"


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    WITHDRAWN = "withdrawn", _("withdrawn")
    ACTIVE = "active", _("awarded, active team")
    NOT_AWARDED = "not_awarded", _("not awarded")
    ELIMINATED = "eliminated", _("eliminated")


# The statuses of an awarded team, still running or cut at a milestone.
TEAM_STATUSES = (BidStatus.ACTIVE, BidStatus.ELIMINATED)


class Bid(TimeStampedModel):
    """A team's proposal for a challenge (揭榜申请). Awarded bids are the challenge's teams.

    ``budget_lines`` (``[{item, amount}]``, amounts as strings of yuan) for a budgeted challenge; a
    lump-sum challenge takes ``commitment_confirmed`` (the team signs the commitment letter) instead.
    """

    challenge = models.ForeignKey(Challenge, verbose_name=_("challenge"), on_delete=models.PROTECT, related_name="bids")
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("team organisation"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=BidStatus.choices, default=BidStatus.SUBMITTED)
    proposal = models.TextField(_("proposal"), max_length=20000)
    team_description = models.TextField(_("team description"), max_length=5000)
    budget_lines = models.JSONField(_("budget lines"), default=list, blank=True, encoder=DjangoJSONEncoder)
    commitment_confirmed = models.BooleanField(_("commitment letter confirmed"), default=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("award decided at"), null=True, blank=True)
    eliminated_at = models.ForeignKey(
        "Milestone",
        verbose_name=_("eliminated at milestone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "organization"],
                condition=~Q(status=BidStatus.WITHDRAWN),
                name="bid_one_active_per_organization",
            ),
            models.CheckConstraint(
                condition=Q(status=BidStatus.ELIMINATED) | Q(eliminated_at__isnull=True),
                name="bid_eliminated_at_only_when_eliminated",
            ),
        ]
        indexes = [
            models.Index(fields=["challenge", "status"], name="bid_challenge_status"),
            models.Index(fields=["organization", "-id"], name="bid_organization"),
        ]

    def __str__(self) -> str:
        return f"bid {self.pk} on challenge {self.challenge_id}"


class BidAttachment(TimeStampedModel):
    """A file attached to a bid. Served only through the API, to those who may read the bid."""

    bid = models.ForeignKey(Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="challenges/bids/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("bid attachment")
        verbose_name_plural = _("bid attachments")

    def __str__(self) -> str:
        return self.original_name


class BidScore(models.Model):
    """One evaluator's score of one bid. Never changed: a second score by the same person is refused."""

    bid = models.ForeignKey(Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="scores")
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("scorer"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    created_at = models.DateTimeField(_("scored at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("bid score")
        verbose_name_plural = _("bid scores")
        constraints = [
            models.UniqueConstraint(fields=["bid", "scorer"], name="bid_score_one_per_scorer"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="bid_score_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.score} for bid {self.bid_id}"


class Milestone(TimeStampedModel):
    """A dated review (里程碑) with criteria and a tranche: ``tranche_share_pct`` % of the reward.

    ``settled_at`` is set once every team still running at this milestone has been reviewed and the
    tranche has been allocated (or withheld, when no team passed).
    """

    challenge = models.ForeignKey(
        Challenge, verbose_name=_("challenge"), on_delete=models.PROTECT, related_name="milestones"
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    title = models.CharField(_("title"), max_length=200)
    review_date = models.DateField(_("review date"))
    criteria = models.TextField(_("criteria"), max_length=5000)
    tranche_share_pct = models.DecimalField(_("tranche share (%)"), max_digits=5, decimal_places=2)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    tranche_withheld = models.BooleanField(_("tranche withheld"), default=False)

    class Meta:
        ordering = ["challenge", "sequence"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(fields=["challenge", "sequence"], name="milestone_unique_sequence"),
            models.CheckConstraint(
                condition=Q(tranche_share_pct__gt=0, tranche_share_pct__lte=100), name="milestone_share_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sequence}. {self.title}"


class ReviewOutcome(models.TextChoices):
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")
    ELIMINATE = "eliminate", _("eliminate")


class MilestoneReview(models.Model):
    """The outcome of one team at one milestone."""

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("milestone"), on_delete=models.PROTECT, related_name="reviews"
    )
    bid = models.ForeignKey(Bid, verbose_name=_("team"), on_delete=models.PROTECT, related_name="reviews")
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReviewOutcome.choices)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("milestone review", "reviewed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(pgettext_lazy("milestone review", "reviewed at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("milestone review")
        verbose_name_plural = _("milestone reviews")
        constraints = [models.UniqueConstraint(fields=["milestone", "bid"], name="milestone_review_one_per_team")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} · bid {self.bid_id}"


class Tranche(models.Model):
    """A team's part of a milestone's tranche (yuan, exact to the fen)."""

    challenge = models.ForeignKey(
        Challenge, verbose_name=_("challenge"), on_delete=models.PROTECT, related_name="tranches"
    )
    milestone = models.ForeignKey(
        Milestone, verbose_name=_("milestone"), on_delete=models.PROTECT, related_name="tranches"
    )
    bid = models.ForeignKey(Bid, verbose_name=_("team"), on_delete=models.PROTECT, related_name="tranches")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2)
    created_at = models.DateTimeField(_("allocated at"), auto_now_add=True)

    class Meta:
        ordering = ["milestone__sequence", "bid_id"]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        constraints = [
            models.UniqueConstraint(fields=["milestone", "bid"], name="tranche_one_per_team_and_milestone"),
            models.CheckConstraint(condition=Q(amount__gte=Decimal("0.00")), name="tranche_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"¥{self.amount} · bid {self.bid_id}"


class DecisionKind(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("terms changed")
    SUBMIT = "submit", pgettext_lazy("decision", "submitted for review")
    APPROVE = "approve", _("approved and opened for bids")
    REJECT = "reject", _("rejected")
    CANCEL = "cancel", _("cancelled")
    SCORE = "score", _("bid scored")
    AWARD = "award", _("awarded")
    MILESTONE_CREATE = "milestone_create", _("milestone defined")
    MILESTONE_UPDATE = "milestone_update", _("milestone changed")
    REVIEW = "review", _("milestone review")
    TRANCHE_ALLOCATED = "tranche_allocated", _("tranche allocated")
    TRANCHE_WITHHELD = "tranche_withheld", _("tranche withheld")
    COMPLETE = "complete", _("completed")


class ChallengeDecision(models.Model):
    """One decision on a challenge: who decided what, when, with its particulars in ``data``.

    Append-only: a database trigger (migration 0002) refuses UPDATE and DELETE, except the
    ``SET NULL`` of ``actor`` when a user is deleted.
    """

    challenge = models.ForeignKey(
        Challenge, verbose_name=_("challenge"), on_delete=models.PROTECT, related_name="decisions"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DecisionKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("challenge decision")
        verbose_name_plural = _("challenge decisions")
        indexes = [models.Index(fields=["challenge", "id"], name="challenge_decision_log")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · challenge {self.challenge_id}"
