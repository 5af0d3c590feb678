"""Reads of challenges and everything hanging off them, always scoped to the acting user.

- A challenge that is open, awarded or completed is public (anonymous visitors included); a draft,
  submitted or cancelled one is seen by its issuer, the operator and the organisations that bid on it.
- A bid is seen by its own team organisation, the issuer and the operator; never by other bidders.
- Scores, the decision log and all teams' tranches are for the issuer and the operator.
Anything the actor may not see is a 404, never a 403 that would leak its existence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.challenges.models import (
    PUBLIC_STATUSES,
    Bid,
    BidAttachment,
    BidScore,
    Challenge,
    ChallengeDecision,
    ChallengePhase,
    ChallengeStatus,
    Milestone,
    MilestoneReview,
    Tranche,
)
from apps.challenges.services import can_evaluate
from apps.core.errors import ApplicationError, ErrorCode
from apps.organizations.access import Actor, is_operator, organization_ids


def _forbidden() -> ApplicationError:
    return ApplicationError(
        _("Only the issuing organisation and the market operator may read this."),
        code=ErrorCode.PERMISSION_DENIED,
        status=403,
    )


# --- challenges --------------------------------------------------------------------------------


def challenge_visible_qs(actor: Actor) -> QuerySet[Challenge]:
    qs = Challenge.objects.select_related("demand", "demand__technology_field", "issuer")
    if is_operator(actor):
        return qs
    orgs = organization_ids(actor)
    visible = Q(status__in=PUBLIC_STATUSES)
    if orgs:
        bid_on = Exists(Bid.objects.filter(challenge=OuterRef("pk"), organization_id__in=orgs))
        visible |= Q(issuer_id__in=orgs) | Q(bid_on)
    return qs.filter(visible)


def challenge_list(*, actor: Actor, filters: Mapping[str, Any] | None = None) -> QuerySet[Challenge]:
    """Visible challenges, newest first; ``filters`` holds validated ``status``, ``mode``,
    ``funding_mode``, ``technology_field`` (the demand's code), ``issuer`` (organisation id) and ``phase``
    (the status as readers see it: ``open`` only before the bid deadline, ``evaluating`` after it)."""
    filters = filters or {}
    qs = challenge_visible_qs(actor).order_by("-id")
    for key, lookup in (
        ("status", "status"),
        ("mode", "mode"),
        ("funding_mode", "funding_mode"),
        ("technology_field", "demand__technology_field_id"),
        ("issuer", "issuer_id"),
    ):
        value = filters.get(key)
        if value not in (None, ""):
            qs = qs.filter(**{lookup: value})
    phase = filters.get("phase")
    if phase:
        now = timezone.now()
        if phase == ChallengePhase.OPEN:
            qs = qs.filter(status=ChallengeStatus.OPEN, bid_deadline__gt=now)
        elif phase == ChallengePhase.EVALUATING:
            qs = qs.filter(status=ChallengeStatus.OPEN, bid_deadline__lte=now)
        else:
            qs = qs.filter(status=phase)
    if filters.get("updated_since"):
        qs = qs.filter(updated_at__gte=filters["updated_since"])
    return qs


def access_challenge(*, actor: Actor, pk: int) -> Challenge:
    try:
        return challenge_visible_qs(actor).get(pk=pk)
    except (Challenge.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- bids --------------------------------------------------------------------------------------


def _score_subquery(expression: Any, output: Any) -> Subquery:
    return Subquery(
        BidScore.objects.filter(bid=OuterRef("pk")).order_by().values("bid").annotate(v=expression).values("v"),
        output_field=output,
    )


def bid_visible_qs(actor: Actor) -> QuerySet[Bid]:
    """Bids the actor may read, annotated with ``average_score`` and ``score_count`` for evaluators
    (the issuer, the operator); a team sees ``None`` for its own bid's scores."""
    qs = Bid.objects.select_related("organization", "challenge").prefetch_related(
        Prefetch("attachments", queryset=BidAttachment.objects.order_by("id"))
    )
    average = _score_subquery(Avg("score"), DecimalField(max_digits=5, decimal_places=2))
    count = Coalesce(_score_subquery(Count("id"), IntegerField()), 0)
    if is_operator(actor):
        return qs.annotate(average_score=average, score_count=count)
    orgs = organization_ids(actor)
    evaluator = Q(challenge__issuer_id__in=orgs)
    return qs.filter(Q(organization_id__in=orgs) | evaluator).annotate(
        average_score=Case(When(evaluator, then=average), default=Value(None), output_field=average.output_field),
        score_count=Case(When(evaluator, then=count), default=Value(None), output_field=IntegerField()),
    )


def bid_list(*, actor: Actor, challenge: Challenge, filters: Mapping[str, Any] | None = None) -> QuerySet[Bid]:
    """The challenge's bids the actor may read: all of them for evaluators, its own for a team."""
    filters = filters or {}
    qs = bid_visible_qs(actor).filter(challenge=challenge).order_by("-id")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs


def access_bid(*, actor: Actor, pk: int) -> Bid:
    try:
        return bid_visible_qs(actor).get(pk=pk)
    except (Bid.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_bid_attachment(*, actor: Actor, bid: Bid, pk: int) -> BidAttachment:
    try:
        return BidAttachment.objects.get(bid=access_bid(actor=actor, pk=bid.pk), pk=pk)
    except (BidAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def bid_score_list(*, actor: Actor, bid: Bid) -> QuerySet[BidScore]:
    if not can_evaluate(actor=actor, challenge=bid.challenge):
        raise _forbidden()
    return BidScore.objects.filter(bid=bid).select_related("scorer").order_by("id")


# --- milestones, reviews, tranches, decisions -------------------------------------------------


def milestone_list(*, actor: Actor, challenge: Challenge) -> QuerySet[Milestone]:
    """A challenge's milestones are part of its terms: whoever sees the challenge sees them."""
    return Milestone.objects.filter(challenge=challenge).select_related("challenge").order_by("sequence")


def access_milestone(*, actor: Actor, pk: int) -> Milestone:
    try:
        milestone = Milestone.objects.get(pk=pk)
    except (Milestone.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    milestone.challenge = access_challenge(actor=actor, pk=milestone.challenge_id)
    return milestone


def _team_filter(actor: Actor, challenge: Challenge, field: str) -> Q:
    """Everything for evaluators; a team's own rows for its members; nothing for anyone else."""
    if can_evaluate(actor=actor, challenge=challenge):
        return Q()
    return Q(**{f"{field}__in": organization_ids(actor)})


def milestone_review_list(*, actor: Actor, milestone: Milestone) -> QuerySet[MilestoneReview]:
    return (
        MilestoneReview.objects.filter(milestone=milestone)
        .filter(_team_filter(actor, milestone.challenge, "bid__organization_id"))
        .select_related("bid__organization")
        .order_by("id")
    )


def tranche_list(*, actor: Actor, challenge: Challenge) -> QuerySet[Tranche]:
    return (
        Tranche.objects.filter(challenge=challenge)
        .filter(_team_filter(actor, challenge, "bid__organization_id"))
        .select_related("bid__organization", "milestone")
        .order_by("id")
    )


def decision_list(*, actor: Actor, challenge: Challenge) -> QuerySet[ChallengeDecision]:
    if not can_evaluate(actor=actor, challenge=challenge):
        raise _forbidden()
    return ChallengeDecision.objects.filter(challenge=challenge).select_related("actor").order_by("id")
