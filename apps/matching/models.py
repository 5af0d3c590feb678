"""Matching: the change log that versions the in-memory index, stored matches and rebuild audits.

The engine itself (:mod:`apps.matching.engine`) is plain Python; what it serves is kept current in every
worker process from :class:`IndexChange`, whose serial id *is* the index version (see
:mod:`apps.matching.index_state`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ListingKind(models.TextChoices):
    ACHIEVEMENT = "achievement", _("achievement")
    DEMAND = "demand", _("demand")


class ChangeOp(models.TextChoices):
    UPSERT = "upsert", _("add or replace")
    REMOVE = "remove", _("remove")


class IndexChange(models.Model):
    """One change to the set of listings the matcher serves; ``id`` is the index version it creates.

    Written in the same transaction as the listing's move (publish, withdraw, expire, transfer), under a
    transaction-level advisory lock, so versions become visible in id order and a worker that has applied
    version *n* has seen every change up to *n*.
    """

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("listing kind"), max_length=16, choices=ListingKind.choices)
    listing_id = models.BigIntegerField(_("listing id"))
    op = models.CharField(_("operation"), max_length=8, choices=ChangeOp.choices)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("index change")
        verbose_name_plural = _("index changes")

    def __str__(self) -> str:
        return f"v{self.id} {self.op} {self.kind} {self.listing_id}"


class ChangeLogHorizon(models.Model):
    """How far the change log has been pruned: every :class:`IndexChange` with ``id <= pruned_through``
    is gone. A worker whose index is older than that cannot catch up change by change and rebuilds.
    One row (``id`` 1)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    pruned_through = models.BigIntegerField(_("pruned through version"), default=0)
    pruned_at = models.DateTimeField(_("pruned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("change log horizon")
        verbose_name_plural = _("change log horizon")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="matching_change_log_horizon_single")]

    def __str__(self) -> str:
        return f"≤ v{self.pruned_through}"


class MatchState(models.TextChoices):
    SUGGESTED = "suggested", _("suggested")
    VIEWED = "viewed", _("viewed")
    CONTACTED = "contacted", _("contacted")
    DISMISSED = "dismissed", _("dismissed")


# Feedback only moves forward; a dismissal is final (the pair is never suggested again).
MATCH_TRANSITIONS: dict[str, tuple[str, ...]] = {
    MatchState.VIEWED: (MatchState.SUGGESTED,),
    MatchState.CONTACTED: (MatchState.SUGGESTED, MatchState.VIEWED),
    MatchState.DISMISSED: (MatchState.SUGGESTED, MatchState.VIEWED, MatchState.CONTACTED),
}


class DismissalReason(models.TextChoices):
    TOO_EARLY = "too_early", _("too early (the technology is not mature enough)")
    PRICE = "price", _("price or budget does not fit")
    BENEFIT_UNCLEAR = "benefit_unclear", _("benefit unclear")
    DESCRIPTION_VAGUE = "description_vague", _("description too vague")
    NOT_RELEVANT = "not_relevant", _("not relevant")
    OTHER = "other", _("other")


class Match(models.Model):
    """A demand and an achievement the engine found to fit, with its score and the reasons why.

    One row per pair, ever: recomputation updates it, and a dismissed row stays as the record that the
    pair must not be suggested again.
    """

    demand = models.ForeignKey(
        "listings.Demand", verbose_name=_("demand"), on_delete=models.CASCADE, related_name="matches"
    )
    achievement = models.ForeignKey(
        "listings.Achievement", verbose_name=_("achievement"), on_delete=models.CASCADE, related_name="matches"
    )
    score = models.FloatField(_("score"))
    explanation = models.JSONField(_("explanation"), default=dict)
    engine_version = models.CharField(_("engine version"), max_length=32)
    index_version = models.BigIntegerField(_("index version"))
    state = models.CharField(_("state"), max_length=16, choices=MatchState.choices, default=MatchState.SUGGESTED)
    dismissal_reason = models.CharField(
        _("dismissal reason"), max_length=32, choices=DismissalReason.choices, blank=True
    )
    dismissal_note = models.CharField(_("dismissal note"), max_length=1000, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("feedback by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-score", "-id"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["demand", "achievement"], name="match_one_per_pair"),
            models.CheckConstraint(
                condition=Q(state=MatchState.DISMISSED, dismissal_reason__gt="")
                | (~Q(state=MatchState.DISMISSED) & Q(dismissal_reason="")),
                name="match_dismissal_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["demand", "-score", "-id"], name="match_demand_score"),
            models.Index(fields=["achievement", "-score", "-id"], name="match_achievement_score"),
            models.Index(fields=["state", "engine_version"], name="match_state_engine"),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} ↔ {self.achievement_id} ({self.score:.3f})"


class BrokerMatchDismissal(models.Model):
    """A broker outside both organisations set a match aside: hidden from that broker's lists only.

    The parties' match keeps its state; only the two organisations' own dismissal (``Match.state``) tells
    the engine not to suggest the pair again.
    """

    match = models.ForeignKey(
        Match, verbose_name=_("match"), on_delete=models.CASCADE, related_name="broker_dismissals"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("broker user"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("dismissal reason"), max_length=32, choices=DismissalReason.choices)
    note = models.CharField(_("dismissal note"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("broker's match dismissal")
        verbose_name_plural = _("brokers' match dismissals")
        constraints = [models.UniqueConstraint(fields=["match", "user"], name="broker_match_dismissal_once")]

    def __str__(self) -> str:
        return f"{self.match_id} ✕ {self.user_id}"


class BrokerProgress(models.TextChoices):
    VIEWED = "viewed", _("viewed")
    CONTACTED = "contacted", _("contacted")


class BrokerMatchMark(models.Model):
    """A broker outside both organisations viewed a match or contacted its parties: that broker's own
    progress, in that broker's lists only. The parties' match keeps its state (``Match.state`` says what
    the two organisations did); like their feedback, a mark only moves forward."""

    match = models.ForeignKey(Match, verbose_name=_("match"), on_delete=models.CASCADE, related_name="broker_marks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("broker user"), on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(_("state"), max_length=16, choices=BrokerProgress.choices)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("broker's match progress")
        verbose_name_plural = _("brokers' match progress")
        constraints = [models.UniqueConstraint(fields=["match", "user"], name="broker_match_mark_once")]

    def __str__(self) -> str:
        return f"{self.match_id} {self.state} {self.user_id}"


class RunKind(models.TextChoices):
    REBUILD = "rebuild", _("nightly rebuild")
    REMATCH = "rematch", _("re-match for an engine version")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    CONSISTENT = "consistent", _("consistent")
    DIFFERENCES = "differences", _("differences found")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class MatchingRun(models.Model):
    """One nightly rebuild (fresh index compared with the incremental one) or one batch re-match."""

    kind = models.CharField(_("kind"), max_length=16, choices=RunKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    engine_version = models.CharField(_("engine version"), max_length=32)
    index_version = models.BigIntegerField(_("index version"), null=True, blank=True)
    incremental_fingerprint = models.CharField(_("incremental fingerprint"), max_length=128, blank=True)
    rebuilt_fingerprint = models.CharField(_("rebuilt fingerprint"), max_length=128, blank=True)
    listings = models.PositiveIntegerField(_("listings compared"), default=0)
    differences = models.PositiveIntegerField(_("differences"), default=0)
    # {"index": {"missing": [...], "extra": [...]}, "top_k": [...], "stored": {"missing": [...], "stale": [...]}}
    diff = models.JSONField(_("difference"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"
