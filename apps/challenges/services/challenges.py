"""Writes of a challenge's terms and its way from draft to open or cancelled (submit, review, cancel)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
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
    ChallengeMode,
    ChallengeStatus,
    DecisionKind,
    FundingMode,
)
from apps.challenges.services.common import (
    TERM_FIELDS,
    ChallengeError,
    check_evaluator,
    check_issuer_member,
    check_status,
    decide,
    invalid_input,
    lock,
    log_value,
    members_of,
    move,
)
from apps.core.errors import ApplicationError
from apps.listings.models import Demand, ListingStatus
from apps.notifications.services import notify
from apps.organizations.access import actor_memberships, operator_users, require_operator

# --- terms -------------------------------------------------------------------------------------


def _check_deadline_future(bid_deadline: datetime | None, *, status: int = 400) -> None:
    if bid_deadline is None or bid_deadline <= timezone.now():
        raise ApplicationError(
            _("The bid deadline must be in the future."),
            code=ChallengeError.BID_DEADLINE_PAST,
            status=status,
            field_errors={"bid_deadline": _("This moment has passed.")},
        )


def _check_terms(challenge: Challenge, *, deadline_changed: bool) -> None:
    """Every rule that ties the terms together, checked on the merged (unsaved) challenge."""
    problems = rules.check_funding(
        reward=challenge.reward,
        enterprise_funding=challenge.enterprise_funding,
        government_funding=challenge.government_funding,
    )
    if problems:
        raise invalid_input(ChallengeError.INVALID_FUNDING, problems)
    problems = rules.check_race_team_count(mode=challenge.mode, race_team_count=challenge.race_team_count)
    if problems:
        raise invalid_input(ChallengeError.INVALID_TEAM_COUNT, problems)
    challenge.indicators, problems = rules.check_indicators(challenge.indicators)
    if problems:
        raise invalid_input(ChallengeError.INVALID_INDICATORS, problems, _("The quantified indicators are not valid."))
    if challenge.funding_mode == FundingMode.LUMP_SUM and not challenge.negative_list.strip():
        raise invalid_input(
            ChallengeError.NEGATIVE_LIST_REQUIRED,
            {"negative_list": _("Lump-sum funding (包干制) needs a negative list.")},
        )
    if not challenge.eligibility.strip():
        raise invalid_input(ChallengeError.INVALID_ELIGIBILITY, {"eligibility": _("Say who may bid.")})
    if deadline_changed:
        _check_deadline_future(challenge.bid_deadline)


def _assign_terms(challenge: Challenge, data: Mapping[str, Any]) -> None:
    """Copy the given terms onto ``challenge`` (absent or null ones keep their value)."""
    for name in TERM_FIELDS:
        if data.get(name) is not None:
            setattr(challenge, name, data[name])
    if challenge.mode == ChallengeMode.SINGLE and data.get("race_team_count") is None:
        challenge.race_team_count = 1
    if challenge.funding_mode == FundingMode.BUDGETED and data.get("negative_list") is None:
        challenge.negative_list = ""
    challenge.allowed_organization_types = list(dict.fromkeys(challenge.allowed_organization_types))


@transaction.atomic
def challenge_create(*, actor: User, data: Mapping[str, Any]) -> Challenge:
    """A draft challenge on one of the actor's organisation's published demands."""
    memberships = actor_memberships(actor)
    demand_id = data.get("demand_id")
    demand = Demand.objects.filter(pk=demand_id).first() if isinstance(demand_id, int) else None
    if demand is None or (demand.owner_id not in memberships and demand.status != ListingStatus.PUBLISHED):
        # Someone else's unpublished demand is as good as unknown: its existence is not told.
        raise invalid_input(ChallengeError.UNKNOWN_DEMAND, {"demand_id": _("Unknown demand.")})
    if demand.owner_id not in memberships:
        raise ApplicationError(
            _("Only members of the organisation that posted the demand may put a challenge on it."),
            code=ChallengeError.NOT_ISSUER_MEMBER,
            status=403,
        )
    if demand.status != ListingStatus.PUBLISHED:
        raise ApplicationError(
            _("Only a published demand can become a challenge."),
            code=ChallengeError.DEMAND_NOT_PUBLISHED,
            status=409,
            field_errors={"demand_id": _("This demand is not published.")},
        )
    exists = ApplicationError(
        _("This demand already has a challenge."), code=ChallengeError.CHALLENGE_EXISTS, status=409
    )
    if Challenge.objects.filter(demand=demand).exists():
        raise exists
    challenge = Challenge(demand=demand, issuer_id=demand.owner_id, created_by=actor, indicators=[], eligibility="")
    _assign_terms(challenge, data)
    _check_terms(challenge, deadline_changed=True)
    try:
        with transaction.atomic():
            challenge.save()
    except IntegrityError as exc:
        if "demand_id" in str(exc):  # the one-to-one's unique index: a concurrent create won
            raise exists from None
        raise
    decide(
        challenge=challenge,
        kind=DecisionKind.CREATE,
        actor=actor,
        demand_id=demand.pk,
        **{name: log_value(getattr(challenge, name)) for name in TERM_FIELDS},
    )
    return challenge


@transaction.atomic
def challenge_update(*, actor: User, challenge: Challenge, data: Mapping[str, Any]) -> Challenge:
    """Change the terms of a draft (a rejected challenge is a draft again)."""
    check_issuer_member(actor=actor, challenge=challenge)
    locked = lock(challenge)
    if locked.status != ChallengeStatus.DRAFT:
        raise ApplicationError(_("Only a draft challenge can be edited."), code=ChallengeError.NOT_EDITABLE, status=409)
    before = {name: getattr(locked, name) for name in TERM_FIELDS}
    _assign_terms(locked, data)
    _check_terms(locked, deadline_changed=locked.bid_deadline != before["bid_deadline"])
    # Compared after the checks normalised the input (indicators cleaned, single mode → one team).
    changed = [name for name in TERM_FIELDS if getattr(locked, name) != before[name]]
    if changed:
        locked.save()
        decide(
            challenge=locked,
            kind=DecisionKind.UPDATE,
            actor=actor,
            changes={name: log_value(getattr(locked, name)) for name in changed},
        )
    return locked


def _check_demand_published(challenge: Challenge) -> None:
    status = Demand.objects.filter(pk=challenge.demand_id).values_list("status", flat=True).first()
    if status != ListingStatus.PUBLISHED:
        raise ApplicationError(
            _("The demand behind this challenge is no longer published."),
            code=ChallengeError.DEMAND_NOT_PUBLISHED,
            status=409,
        )


@transaction.atomic
def challenge_submit(*, actor: User, challenge: Challenge) -> Challenge:
    check_issuer_member(actor=actor, challenge=challenge)
    locked = lock(challenge)
    check_status(locked, "submit")
    _check_demand_published(locked)
    _check_deadline_future(locked.bid_deadline, status=409)
    moved = move(challenge=locked, action="submit", submitted_at=timezone.now(), rejection_reason="")
    decide(challenge=moved, kind=DecisionKind.SUBMIT, actor=actor)
    notify(
        recipients=operator_users(),
        kind="challenge.submitted",
        title=format_lazy(gettext_lazy("Challenge awaiting review: {title}"), title=moved.demand.title),
        target=moved,
        email=False,
    )
    return moved


@transaction.atomic
def challenge_review(*, actor: User, challenge: Challenge, approve: bool, reason: str = "") -> Challenge:
    """The operator opens a submitted challenge for bids, or sends it back to draft with a reason."""
    require_operator(actor)
    now = timezone.now()
    locked = lock(challenge)
    if approve:
        check_status(locked, "approve")
        _check_demand_published(locked)
        _check_deadline_future(locked.bid_deadline, status=409)
        moved = move(challenge=locked, action="approve", reviewed_at=now, reviewed_by_id=actor.pk, opened_at=now)
        decide(challenge=moved, kind=DecisionKind.APPROVE, actor=actor, note=reason, status=moved.status)
        title = format_lazy(gettext_lazy("Open for bids: {title}"), title=moved.demand.title)
    else:
        if not reason.strip():
            raise ApplicationError(
                _("Say why the challenge is rejected."),
                code=ChallengeError.REASON_REQUIRED,
                field_errors={"reason": _("Required when rejecting.")},
            )
        moved = move(
            challenge=locked, action="reject", reviewed_at=now, reviewed_by_id=actor.pk, rejection_reason=reason
        )
        decide(challenge=moved, kind=DecisionKind.REJECT, actor=actor, reason=reason)
        title = format_lazy(gettext_lazy("Challenge returned for changes: {title}"), title=moved.demand.title)
    notify(recipients=members_of([moved.issuer_id]), kind="challenge.reviewed", title=title, body=reason, target=moved)
    return moved


@transaction.atomic
def challenge_cancel(*, actor: User, challenge: Challenge, reason: str = "") -> Challenge:
    check_evaluator(actor=actor, challenge=challenge)
    locked = lock(challenge)
    moved = move(challenge=locked, action="cancel", cancelled_at=timezone.now(), cancel_reason=reason)
    decide(challenge=moved, kind=DecisionKind.CANCEL, actor=actor, reason=reason, from_status=locked.status)
    if locked.status == ChallengeStatus.OPEN:
        bidders = Bid.objects.filter(challenge=moved, status=BidStatus.SUBMITTED).values_list(
            "organization_id", flat=True
        )
        notify(
            recipients=members_of(bidders),
            kind="challenge.cancelled",
            title=format_lazy(gettext_lazy("Challenge cancelled: {title}"), title=moved.demand.title),
            body=reason,
            target=moved,
        )
    return moved
