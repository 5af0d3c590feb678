"""Writes of milestones, their reviews, the tranches they release and the completion of a challenge."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.challenges import rules
from apps.challenges.models import (
    Bid,
    BidStatus,
    Challenge,
    ChallengeStatus,
    DecisionKind,
    Milestone,
    MilestoneReview,
    ReviewOutcome,
    Tranche,
)
from apps.challenges.services.common import (
    MILESTONE_FIELDS,
    MILESTONE_STATUSES,
    ChallengeError,
    bad_transition,
    check_evaluator,
    check_status,
    decide,
    invalid_input,
    lock,
    log_value,
    members_of,
    money,
    move,
)
from apps.core.errors import ApplicationError
from apps.notifications.services import notify

# --- milestones --------------------------------------------------------------------------------


def _lock_for_milestones(*, actor: User, challenge: Challenge) -> Challenge:
    check_evaluator(actor=actor, challenge=challenge)
    locked = lock(challenge)
    if locked.status not in MILESTONE_STATUSES:
        raise ApplicationError(
            _("Milestones cannot be changed on a challenge that is %(status)s.")
            % {"status": ChallengeStatus(locked.status).label},
            code=ChallengeError.MILESTONES_CLOSED,
            status=409,
        )
    return locked


def _check_milestone(locked: Challenge, milestone: Milestone, *, exclude_pk: int | None) -> None:
    """Shares of all milestones ≤ 100 %; sequences unique and after every milestone already reviewed."""
    share = milestone.tranche_share_pct
    if share is None or not Decimal("0") < share <= rules.HUNDRED:
        raise invalid_input(
            ChallengeError.INVALID_MILESTONE, {"tranche_share_pct": _("A share is above 0 and at most 100.")}
        )
    if not milestone.title.strip() or not milestone.criteria.strip():
        raise invalid_input(ChallengeError.INVALID_MILESTONE, {"criteria": _("Give a title and review criteria.")})
    if milestone.review_date < timezone.localtime(locked.bid_deadline).date():
        raise invalid_input(
            ChallengeError.INVALID_MILESTONE, {"review_date": _("A milestone is reviewed after the bid deadline.")}
        )
    others = Milestone.objects.filter(challenge=locked)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    used = others.aggregate(total=Sum("tranche_share_pct"))["total"] or Decimal("0")
    if used + share > rules.HUNDRED:
        raise ApplicationError(
            _("The milestones' tranche shares would add up to %(total)s %%; at most 100 %% is possible.")
            % {"total": used + share},
            code=ChallengeError.SHARES_OVER_100,
            status=400,
            extra={"remaining_share_pct": str(rules.HUNDRED - used)},
            field_errors={"tranche_share_pct": _("At most %(left)s %% is left.") % {"left": rules.HUNDRED - used}},
        )
    if others.filter(sequence=milestone.sequence).exists():
        raise invalid_input(ChallengeError.MILESTONE_SEQUENCE, {"sequence": _("Another milestone has this number.")})
    reviewed_up_to = others.filter(reviews__isnull=False).aggregate(top=Max("sequence"))["top"]
    if reviewed_up_to is not None and milestone.sequence <= reviewed_up_to:
        raise invalid_input(
            ChallengeError.MILESTONE_SEQUENCE,
            {
                "sequence": _("Milestones up to %(n)d have been reviewed; number this one after them.")
                % {"n": reviewed_up_to}
            },
        )


@transaction.atomic
def milestone_create(*, actor: User, challenge: Challenge, data: Mapping[str, Any]) -> Milestone:
    locked = _lock_for_milestones(actor=actor, challenge=challenge)
    sequence = data.get("sequence")
    if sequence is None:
        top = Milestone.objects.filter(challenge=locked).aggregate(top=Max("sequence"))["top"]
        sequence = (top or 0) + 1
    milestone = Milestone(challenge=locked, sequence=sequence)
    for name in ("title", "review_date", "criteria", "tranche_share_pct"):
        setattr(milestone, name, data[name])
    _check_milestone(locked, milestone, exclude_pk=None)
    milestone.save()
    decide(
        challenge=locked,
        kind=DecisionKind.MILESTONE_CREATE,
        actor=actor,
        milestone_id=milestone.pk,
        **{name: log_value(getattr(milestone, name)) for name in MILESTONE_FIELDS},
    )
    return milestone


@transaction.atomic
def milestone_update(*, actor: User, milestone: Milestone, data: Mapping[str, Any]) -> Milestone:
    locked_challenge = _lock_for_milestones(actor=actor, challenge=milestone.challenge)
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if MilestoneReview.objects.filter(milestone=locked).exists():
        raise ApplicationError(
            _("This milestone has reviews and can no longer be changed."),
            code=ChallengeError.MILESTONE_LOCKED,
            status=409,
        )
    changed: dict[str, Any] = {}
    for name in MILESTONE_FIELDS:
        if name in data and data[name] is not None and getattr(locked, name) != data[name]:
            setattr(locked, name, data[name])
            changed[name] = data[name]
    if not changed:
        return locked
    _check_milestone(locked_challenge, locked, exclude_pk=locked.pk)
    locked.save()
    decide(
        challenge=locked_challenge,
        kind=DecisionKind.MILESTONE_UPDATE,
        actor=actor,
        milestone_id=locked.pk,
        changes={name: log_value(getattr(locked, name)) for name in changed},
    )
    return locked


# --- milestone reviews and tranches ------------------------------------------------------------


def _teams_at(milestone: Milestone) -> list[Bid]:
    """The teams to review at ``milestone``: still active, or eliminated at this very milestone."""
    return list(
        Bid.objects.filter(challenge_id=milestone.challenge_id)
        .filter(Q(status=BidStatus.ACTIVE) | Q(status=BidStatus.ELIMINATED, eliminated_at=milestone))
        .order_by("pk")
    )


def _settle(*, actor: User, challenge: Challenge, milestone: Milestone) -> None:
    """Once every team at the milestone is reviewed, split its tranche among the teams that passed."""
    teams = _teams_at(milestone)
    outcomes = dict(MilestoneReview.objects.filter(milestone=milestone).values_list("bid_id", "outcome"))
    if not teams or any(team.pk not in outcomes for team in teams):
        return
    passed = [team.pk for team in teams if outcomes[team.pk] == ReviewOutcome.PASS]
    total = rules.tranche_total(reward=challenge.reward, share_pct=milestone.tranche_share_pct)
    now = timezone.now()
    settled = Milestone.objects.filter(pk=milestone.pk, settled_at__isnull=True).update(
        settled_at=now, tranche_withheld=not passed, updated_at=now
    )
    if not settled:  # pragma: no cover - the milestone row is locked by the caller
        return
    if not passed:
        decide(
            challenge=challenge,
            kind=DecisionKind.TRANCHE_WITHHELD,
            actor=actor,
            milestone_id=milestone.pk,
            sequence=milestone.sequence,
            total=money(total),
            reason="no team passed",
        )
        return
    parts = rules.split_equally(total, passed)
    Tranche.objects.bulk_create(
        Tranche(challenge=challenge, milestone=milestone, bid_id=bid_id, amount=amount)
        for bid_id, amount in parts.items()
    )
    decide(
        challenge=challenge,
        kind=DecisionKind.TRANCHE_ALLOCATED,
        actor=actor,
        milestone_id=milestone.pk,
        sequence=milestone.sequence,
        total=money(total),
        parts=[{"bid_id": bid_id, "amount": money(amount)} for bid_id, amount in parts.items()],
    )


def check_milestone_due(milestone: Milestone) -> None:
    """A review judges work done by the review date: refused before the date minus
    ``CHALLENGE_MILESTONE_REVIEW_EARLY_DAYS`` (a review meeting may be held a little early)."""
    opens = milestone.review_date - timedelta(days=settings.CHALLENGE_MILESTONE_REVIEW_EARLY_DAYS)
    if timezone.localdate() < opens:
        raise ApplicationError(
            _("This milestone is due on %(due)s; it can be reviewed from %(opens)s.")
            % {"due": milestone.review_date.isoformat(), "opens": opens.isoformat()},
            code=ChallengeError.MILESTONE_NOT_DUE,
            status=409,
            extra={"review_date": milestone.review_date.isoformat(), "reviewable_from": opens.isoformat()},
        )


@transaction.atomic
def milestone_review_create(
    *, actor: User, milestone: Milestone, bid_id: int, outcome: str, comment: str = ""
) -> MilestoneReview:
    """Pass, fail or eliminate one team at a milestone; the last review of a milestone settles its tranche.

    Milestones are reviewed in order: a milestone opens for reviews once every earlier one is settled,
    so "the teams still active at this milestone" is well defined.
    """
    challenge = milestone.challenge
    check_evaluator(actor=actor, challenge=challenge)
    locked_challenge = lock(challenge)
    if locked_challenge.status != ChallengeStatus.AWARDED:
        raise bad_transition(locked_challenge.status, "review")
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if locked.settled_at is not None:
        raise ApplicationError(
            _("Every team has been reviewed at this milestone."), code=ChallengeError.MILESTONE_SETTLED, status=409
        )
    check_milestone_due(locked)
    if Milestone.objects.filter(
        challenge=locked_challenge, sequence__lt=locked.sequence, settled_at__isnull=True
    ).exists():
        raise ApplicationError(
            _("Review the earlier milestones first."), code=ChallengeError.EARLIER_MILESTONE_OPEN, status=409
        )
    bid = (
        Bid.objects.select_related("organization")
        .filter(pk=bid_id, challenge=locked_challenge, status__in=(BidStatus.ACTIVE, BidStatus.ELIMINATED))
        .first()
    )
    if bid is None:
        raise invalid_input(ChallengeError.NOT_A_TEAM, {"bid_id": _("Not an awarded team of this challenge.")})
    if bid.status == BidStatus.ELIMINATED:
        raise ApplicationError(
            _("This team was eliminated at an earlier milestone."), code=ChallengeError.TEAM_ELIMINATED, status=409
        )
    review = MilestoneReview(milestone=locked, bid=bid, outcome=outcome, comment=comment, reviewed_by=actor)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:
        if "milestone_review_one_per_team" in str(exc):
            raise ApplicationError(
                _("This team has been reviewed at this milestone already."),
                code=ChallengeError.ALREADY_REVIEWED,
                status=409,
            ) from None
        raise
    if outcome == ReviewOutcome.ELIMINATE:
        Bid.objects.filter(pk=bid.pk, status=BidStatus.ACTIVE).update(
            status=BidStatus.ELIMINATED, eliminated_at=locked, updated_at=timezone.now()
        )
    decide(
        challenge=locked_challenge,
        kind=DecisionKind.REVIEW,
        actor=actor,
        milestone_id=locked.pk,
        sequence=locked.sequence,
        bid_id=bid.pk,
        organization=bid.organization.name,
        outcome=outcome,
        comment=comment,
    )
    notify(
        recipients=members_of([bid.organization_id]),
        kind="challenge.milestone_reviewed",
        title=format_lazy(
            gettext_lazy("Milestone {sequence} ({milestone}): {outcome}"),
            sequence=locked.sequence,
            milestone=locked.title,
            outcome=ReviewOutcome(outcome).label,
        ),
        body=comment,
        target=review,
    )
    _settle(actor=actor, challenge=locked_challenge, milestone=locked)
    return review


@transaction.atomic
def challenge_complete(*, actor: User, challenge: Challenge) -> Challenge:
    """Close an awarded challenge once its last milestone is settled (or no team is left running)."""
    check_evaluator(actor=actor, challenge=challenge)
    locked = lock(challenge)
    check_status(locked, "complete")
    milestones = Milestone.objects.filter(challenge=locked)
    running = Bid.objects.filter(challenge=locked, status=BidStatus.ACTIVE).exists()
    if not milestones.exists() or (running and milestones.filter(settled_at__isnull=True).exists()):
        raise ApplicationError(
            _("A challenge is completed once its last milestone has been reviewed."),
            code=ChallengeError.NOT_COMPLETABLE,
            status=409,
        )
    moved = move(challenge=locked, action="complete", completed_at=timezone.now())
    paid = Tranche.objects.filter(challenge=locked).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    decide(challenge=moved, kind=DecisionKind.COMPLETE, actor=actor, tranches_total=money(paid))
    return moved
