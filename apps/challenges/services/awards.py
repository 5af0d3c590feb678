"""Writes of the evaluation: scores of bids after the deadline and the award."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.challenges import rules
from apps.challenges.models import (
    Bid,
    BidScore,
    BidStatus,
    Challenge,
    ChallengeStatus,
    DecisionKind,
)
from apps.challenges.services.common import (
    ChallengeError,
    bad_transition,
    check_evaluator,
    decide,
    invalid_input,
    lock,
    members_of,
    money,
    move,
)
from apps.core.errors import ApplicationError
from apps.core.evidence import record_evidence
from apps.notifications.services import notify

# --- scoring and the award ---------------------------------------------------------------------


def _check_bidding_closed(challenge: Challenge) -> None:
    if challenge.status != ChallengeStatus.OPEN:
        raise bad_transition(challenge.status, "evaluate")
    if challenge.bid_deadline > timezone.now():
        raise ApplicationError(
            _("Bids are evaluated after the bid deadline."),
            code=ChallengeError.BID_DEADLINE_NOT_REACHED,
            status=409,
            extra={"bid_deadline": challenge.bid_deadline.isoformat()},
        )


@transaction.atomic
def bid_score_create(*, actor: User, bid: Bid, score: Decimal, comment: str = "") -> BidScore:
    """One score (0–100) per evaluator per bid; a second one is refused, never overwritten."""
    check_evaluator(actor=actor, challenge=bid.challenge)
    # Locked so that a score cannot land on a bid while the award is being decided.
    challenge = Challenge.objects.select_for_update().get(pk=bid.challenge_id)
    if score is None or not Decimal("0") <= score <= Decimal("100"):
        raise invalid_input(ChallengeError.INVALID_SCORE, {"score": _("A score runs from 0 to 100.")})
    _check_bidding_closed(challenge)
    if bid.status != BidStatus.SUBMITTED:
        raise ApplicationError(_("Only a submitted bid can be scored."), code=ChallengeError.BID_BAD_STATE, status=409)
    row = BidScore(bid=bid, scorer=actor, score=score, comment=comment)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        if "bid_score_one_per_scorer" in str(exc):
            raise ApplicationError(
                _("You have scored this bid already; a score is not changed once given."),
                code=ChallengeError.ALREADY_SCORED,
                status=409,
            ) from None
        raise
    decide(
        challenge=challenge,
        kind=DecisionKind.SCORE,
        actor=actor,
        bid_id=bid.pk,
        organization=bid.organization.name,
        score=money(score),
        comment=comment,
    )
    return row


@transaction.atomic
def challenge_award(*, actor: User, challenge: Challenge, bid_ids: list[int]) -> Challenge:
    """The winning bid (single) or the 2..race_team_count teams (race) become active; the rest not awarded."""
    check_evaluator(actor=actor, challenge=challenge)
    locked = lock(challenge)
    _check_bidding_closed(locked)
    if len(set(bid_ids)) != len(bid_ids):
        raise invalid_input(ChallengeError.AWARD_BIDS_INVALID, {"bid_ids": _("A bid is named twice.")})
    problem = rules.award_count_problem(mode=locked.mode, race_team_count=locked.race_team_count, count=len(bid_ids))
    if problem:
        raise invalid_input(ChallengeError.AWARD_COUNT, {"bid_ids": problem})
    winners = list(
        Bid.objects.filter(challenge=locked, pk__in=bid_ids, status=BidStatus.SUBMITTED)
        .select_related("organization")
        .order_by("pk")
    )
    if len(winners) != len(bid_ids):
        unknown = sorted(set(bid_ids) - {b.pk for b in winners})
        raise invalid_input(
            ChallengeError.AWARD_BIDS_INVALID,
            {"bid_ids": _("Not submitted bids on this challenge: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}},
        )
    now = timezone.now()
    moved = move(challenge=locked, action="award", awarded_at=now)
    Bid.objects.filter(pk__in=bid_ids, status=BidStatus.SUBMITTED).update(
        status=BidStatus.ACTIVE, decided_at=now, updated_at=now
    )
    losers = list(Bid.objects.filter(challenge=locked, status=BidStatus.SUBMITTED).values_list("pk", "organization_id"))
    Bid.objects.filter(pk__in=[pk for pk, _org in losers]).update(
        status=BidStatus.NOT_AWARDED, decided_at=now, updated_at=now
    )
    decide(
        challenge=moved,
        kind=DecisionKind.AWARD,
        actor=actor,
        mode=moved.mode,
        teams=[
            {"bid_id": b.pk, "organization_id": b.organization_id, "organization": b.organization.name} for b in winners
        ],
        not_awarded=[pk for pk, _org in losers],
    )
    record_evidence(
        stream="bids",
        subject_type="challenge",
        subject_id=moved.pk,
        event="challenge.awarded",
        payload={
            "awarded": [{"bid_id": b.pk, "organization_id": b.organization_id} for b in winners],
            "not_awarded": [pk for pk, _org in losers],
        },
        actor_id=actor.pk,
    )
    title = moved.demand.title
    notify(
        recipients=members_of(b.organization_id for b in winners),
        kind="challenge.awarded",
        title=format_lazy(gettext_lazy("Your bid won: {title}"), title=title),
        target=moved,
    )
    notify(
        recipients=members_of(org for _pk, org in losers),
        kind="challenge.not_awarded",
        title=format_lazy(gettext_lazy("Your bid was not selected: {title}"), title=title),
        target=moved,
    )
    return moved
