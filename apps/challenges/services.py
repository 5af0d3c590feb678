"""Writes of challenges: terms, the lifecycle, bids, scores, the award, milestones, reviews and tranches.

Every lifecycle move is one conditional ``UPDATE … WHERE status IN (…)``, so two concurrent moves (two
awards, an approval racing a cancellation) cannot both win. Writes that must see a consistent set of
sibling rows (milestone shares, reviews completing a milestone) lock the challenge row first. Every
decision leaves a :class:`ChallengeDecision`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
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
    BidAttachment,
    BidScore,
    BidStatus,
    Challenge,
    ChallengeDecision,
    ChallengeMode,
    ChallengeStatus,
    DecisionKind,
    FundingMode,
    Milestone,
    MilestoneReview,
    ReviewOutcome,
    Tranche,
)
from apps.core.errors import ApplicationError
from apps.listings.models import Demand, ListingStatus
from apps.listings.services import check_upload
from apps.notifications.services import notify
from apps.organizations.models import Membership, Organization, OrganizationType
from apps.organizations.selectors import actor_memberships, is_operator


class ChallengeError(StrEnum):
    UNKNOWN_DEMAND = "unknown_demand"
    DEMAND_NOT_PUBLISHED = "demand_not_published"
    CHALLENGE_EXISTS = "challenge_exists"
    NOT_ISSUER_MEMBER = "not_issuer_member"
    NOT_ISSUER_OR_OPERATOR = "not_issuer_or_operator"
    OPERATOR_ONLY = "operator_only"
    INVALID_FUNDING = "invalid_funding"
    INVALID_TEAM_COUNT = "invalid_race_team_count"
    INVALID_INDICATORS = "invalid_indicators"
    INVALID_ELIGIBILITY = "invalid_eligibility"
    NEGATIVE_LIST_REQUIRED = "negative_list_required"
    BID_DEADLINE_PAST = "bid_deadline_past"
    BAD_TRANSITION = "bad_transition"
    NOT_EDITABLE = "not_editable"
    REASON_REQUIRED = "reason_required"
    ORGANIZATION_REQUIRED = "organization_required"
    NOT_TEAM_MEMBER = "not_team_member"
    OWN_CHALLENGE = "own_challenge"
    TEAM_NOT_VERIFIED = "organization_not_verified"
    NOT_ELIGIBLE = "organization_not_eligible"
    BIDDING_CLOSED = "bidding_closed"
    DUPLICATE_BID = "duplicate_bid"
    INVALID_BUDGET = "invalid_budget_lines"
    BUDGET_NOT_ALLOWED = "budget_lines_not_allowed"
    COMMITMENT_REQUIRED = "commitment_required"
    BID_BAD_STATE = "bid_bad_state"
    ATTACHMENT_LIMIT = "attachment_limit"
    BID_DEADLINE_NOT_REACHED = "bid_deadline_not_reached"
    INVALID_SCORE = "invalid_score"
    ALREADY_SCORED = "already_scored"
    AWARD_COUNT = "award_count"
    AWARD_BIDS_INVALID = "award_bids_invalid"
    MILESTONES_CLOSED = "milestones_closed"
    SHARES_OVER_100 = "tranche_shares_over_100"
    INVALID_MILESTONE = "invalid_milestone"
    MILESTONE_SEQUENCE = "milestone_sequence"
    MILESTONE_LOCKED = "milestone_locked"
    MILESTONE_SETTLED = "milestone_settled"
    EARLIER_MILESTONE_OPEN = "earlier_milestone_unsettled"
    NOT_A_TEAM = "not_a_team"
    TEAM_ELIMINATED = "team_eliminated"
    ALREADY_REVIEWED = "already_reviewed"
    NOT_COMPLETABLE = "not_completable"


TERM_FIELDS = (
    "reward",
    "enterprise_funding",
    "government_funding",
    "indicators",
    "eligibility",
    "allowed_organization_types",
    "bid_deadline",
    "mode",
    "race_team_count",
    "funding_mode",
    "negative_list",
)
MILESTONE_FIELDS = ("sequence", "title", "review_date", "criteria", "tranche_share_pct")
# Milestones are part of the terms until the work is over.
MILESTONE_STATUSES = (
    ChallengeStatus.DRAFT,
    ChallengeStatus.SUBMITTED,
    ChallengeStatus.OPEN,
    ChallengeStatus.AWARDED,
)


# --- who may do what ---------------------------------------------------------------------------


def is_issuer_member(*, actor: Any, challenge: Challenge) -> bool:
    return challenge.issuer_id in actor_memberships(actor)


def can_evaluate(*, actor: Any, challenge: Challenge) -> bool:
    """Scores, awards, reviews and the decision log belong to the issuer and the operator."""
    return is_issuer_member(actor=actor, challenge=challenge) or is_operator(actor)


def check_issuer_member(*, actor: User, challenge: Challenge) -> None:
    if not is_issuer_member(actor=actor, challenge=challenge):
        raise ApplicationError(
            _("Only members of the issuing organisation may do this."),
            code=ChallengeError.NOT_ISSUER_MEMBER,
            status=403,
        )


def check_evaluator(*, actor: User, challenge: Challenge) -> None:
    if not can_evaluate(actor=actor, challenge=challenge):
        raise ApplicationError(
            _("Only the issuing organisation and the market operator may do this."),
            code=ChallengeError.NOT_ISSUER_OR_OPERATOR,
            status=403,
        )


def _members(organization_ids: Iterable[int]) -> list[User]:
    return [
        m.user for m in Membership.objects.filter(organization_id__in=list(organization_ids)).select_related("user")
    ]


def _operators() -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(organization__type=OrganizationType.MARKET_OPERATOR).select_related("user")
    ]


def _decide(*, challenge: Challenge, kind: DecisionKind, actor: User | None, **data: Any) -> ChallengeDecision:
    return ChallengeDecision.objects.create(challenge=challenge, kind=kind, actor=actor, data=data)


def _money(value: Decimal) -> str:
    return str(value.quantize(rules.FEN))


def _problem(code: ChallengeError, problems: Mapping[str, str], message: str | None = None) -> ApplicationError:
    return ApplicationError(
        message or next(iter(problems.values())), code=code, status=400, field_errors=dict(problems)
    )


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
        raise _problem(ChallengeError.INVALID_FUNDING, problems)
    problems = rules.check_race_team_count(mode=challenge.mode, race_team_count=challenge.race_team_count)
    if problems:
        raise _problem(ChallengeError.INVALID_TEAM_COUNT, problems)
    challenge.indicators, problems = rules.check_indicators(challenge.indicators)
    if problems:
        raise _problem(ChallengeError.INVALID_INDICATORS, problems, _("The quantified indicators are not valid."))
    if challenge.funding_mode == FundingMode.LUMP_SUM and not challenge.negative_list.strip():
        raise _problem(
            ChallengeError.NEGATIVE_LIST_REQUIRED,
            {"negative_list": _("Lump-sum funding (包干制) needs a negative list.")},
        )
    if not challenge.eligibility.strip():
        raise _problem(ChallengeError.INVALID_ELIGIBILITY, {"eligibility": _("Say who may bid.")})
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


def _log_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _money(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@transaction.atomic
def challenge_create(*, actor: User, data: Mapping[str, Any]) -> Challenge:
    """A draft challenge on one of the actor's organisation's published demands."""
    memberships = actor_memberships(actor)
    demand_id = data.get("demand_id")
    demand = Demand.objects.filter(pk=demand_id).first() if isinstance(demand_id, int) else None
    if demand is None or (demand.owner_id not in memberships and demand.status != ListingStatus.PUBLISHED):
        # Someone else's unpublished demand is as good as unknown: its existence is not told.
        raise _problem(ChallengeError.UNKNOWN_DEMAND, {"demand_id": _("Unknown demand.")})
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
    _decide(
        challenge=challenge,
        kind=DecisionKind.CREATE,
        actor=actor,
        demand_id=demand.pk,
        **{name: _log_value(getattr(challenge, name)) for name in TERM_FIELDS},
    )
    return challenge


@transaction.atomic
def challenge_update(*, actor: User, challenge: Challenge, data: Mapping[str, Any]) -> Challenge:
    """Change the terms of a draft (a rejected challenge is a draft again)."""
    check_issuer_member(actor=actor, challenge=challenge)
    locked = _lock(challenge)
    if locked.status != ChallengeStatus.DRAFT:
        raise ApplicationError(_("Only a draft challenge can be edited."), code=ChallengeError.NOT_EDITABLE, status=409)
    before = {name: getattr(locked, name) for name in TERM_FIELDS}
    _assign_terms(locked, data)
    _check_terms(locked, deadline_changed=locked.bid_deadline != before["bid_deadline"])
    # Compared after the checks normalised the input (indicators cleaned, single mode → one team).
    changed = [name for name in TERM_FIELDS if getattr(locked, name) != before[name]]
    if changed:
        locked.save()
        _decide(
            challenge=locked,
            kind=DecisionKind.UPDATE,
            actor=actor,
            changes={name: _log_value(getattr(locked, name)) for name in changed},
        )
    return locked


# --- the lifecycle -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition((ChallengeStatus.DRAFT,), ChallengeStatus.SUBMITTED),
    "approve": Transition((ChallengeStatus.SUBMITTED,), ChallengeStatus.OPEN),
    "reject": Transition((ChallengeStatus.SUBMITTED,), ChallengeStatus.DRAFT),
    "cancel": Transition(
        (ChallengeStatus.DRAFT, ChallengeStatus.SUBMITTED, ChallengeStatus.OPEN), ChallengeStatus.CANCELLED
    ),
    "award": Transition((ChallengeStatus.OPEN,), ChallengeStatus.AWARDED),
    "complete": Transition((ChallengeStatus.AWARDED,), ChallengeStatus.COMPLETED),
}


def _bad_transition(status: str | None, action: str) -> ApplicationError:
    return ApplicationError(
        _("A challenge that is %(status)s cannot be moved this way.")
        % {"status": ChallengeStatus(status).label if status else "?"},
        code=ChallengeError.BAD_TRANSITION,
        status=409,
        extra={"current_status": status, "action": action},
    )


def _move(*, challenge: Challenge, action: str, **changes: Any) -> Challenge:
    transition = TRANSITIONS[action]
    moved = Challenge.objects.filter(pk=challenge.pk, status__in=transition.sources).update(
        status=transition.target, updated_at=timezone.now(), **changes
    )
    if not moved:
        current = Challenge.objects.filter(pk=challenge.pk).values_list("status", flat=True).first()
        raise _bad_transition(current, action)
    return Challenge.objects.select_related("demand", "demand__technology_field", "issuer").get(pk=challenge.pk)


def _lock(challenge: Challenge) -> Challenge:
    """The challenge's current row, locked until the transaction ends (the caller's copy may be stale)."""
    return Challenge.objects.select_for_update().get(pk=challenge.pk)


def _check_status(challenge: Challenge, action: str) -> None:
    """Refuse early (before slower checks) a move the conditional UPDATE would refuse anyway."""
    if challenge.status not in TRANSITIONS[action].sources:
        raise _bad_transition(challenge.status, action)


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
    locked = _lock(challenge)
    _check_status(locked, "submit")
    _check_demand_published(locked)
    _check_deadline_future(locked.bid_deadline, status=409)
    moved = _move(challenge=locked, action="submit", submitted_at=timezone.now(), rejection_reason="")
    _decide(challenge=moved, kind=DecisionKind.SUBMIT, actor=actor)
    notify(
        recipients=_operators(),
        kind="challenge.submitted",
        title=format_lazy(gettext_lazy("Challenge awaiting review: {title}"), title=moved.demand.title),
        target=moved,
        email=False,
    )
    return moved


@transaction.atomic
def challenge_review(*, actor: User, challenge: Challenge, approve: bool, reason: str = "") -> Challenge:
    """The operator opens a submitted challenge for bids, or sends it back to draft with a reason."""
    if not is_operator(actor):
        raise ApplicationError(
            _("Only the market operator may do this."), code=ChallengeError.OPERATOR_ONLY, status=403
        )
    now = timezone.now()
    locked = _lock(challenge)
    if approve:
        _check_status(locked, "approve")
        _check_demand_published(locked)
        _check_deadline_future(locked.bid_deadline, status=409)
        moved = _move(challenge=locked, action="approve", reviewed_at=now, reviewed_by=actor, opened_at=now)
        _decide(challenge=moved, kind=DecisionKind.APPROVE, actor=actor, note=reason, status=moved.status)
        title = format_lazy(gettext_lazy("Open for bids: {title}"), title=moved.demand.title)
    else:
        if not reason.strip():
            raise ApplicationError(
                _("Say why the challenge is rejected."),
                code=ChallengeError.REASON_REQUIRED,
                field_errors={"reason": _("Required when rejecting.")},
            )
        moved = _move(challenge=locked, action="reject", reviewed_at=now, reviewed_by=actor, rejection_reason=reason)
        _decide(challenge=moved, kind=DecisionKind.REJECT, actor=actor, reason=reason)
        title = format_lazy(gettext_lazy("Challenge returned for changes: {title}"), title=moved.demand.title)
    notify(recipients=_members([moved.issuer_id]), kind="challenge.reviewed", title=title, body=reason, target=moved)
    return moved


@transaction.atomic
def challenge_cancel(*, actor: User, challenge: Challenge, reason: str = "") -> Challenge:
    check_evaluator(actor=actor, challenge=challenge)
    locked = _lock(challenge)
    moved = _move(challenge=locked, action="cancel", cancelled_at=timezone.now(), cancel_reason=reason)
    _decide(challenge=moved, kind=DecisionKind.CANCEL, actor=actor, reason=reason, from_status=locked.status)
    if locked.status == ChallengeStatus.OPEN:
        bidders = Bid.objects.filter(challenge=moved, status=BidStatus.SUBMITTED).values_list(
            "organization_id", flat=True
        )
        notify(
            recipients=_members(bidders),
            kind="challenge.cancelled",
            title=format_lazy(gettext_lazy("Challenge cancelled: {title}"), title=moved.demand.title),
            body=reason,
            target=moved,
        )
    return moved


# --- bids --------------------------------------------------------------------------------------


def _check_bidding_open(challenge: Challenge) -> None:
    if challenge.status != ChallengeStatus.OPEN or challenge.bid_deadline <= timezone.now():
        raise ApplicationError(
            _("This challenge does not take bids now: it is not open or its bid deadline has passed."),
            code=ChallengeError.BIDDING_CLOSED,
            status=409,
        )


def _resolve_team(*, actor: User, organization_id: int | None) -> Organization:
    memberships = actor_memberships(actor)
    if organization_id is None:
        candidates = list(
            Organization.objects.filter(pk__in=list(memberships))
            .exclude(type=OrganizationType.MARKET_OPERATOR)
            .values_list("pk", flat=True)
        )
        if len(candidates) != 1:
            raise _problem(
                ChallengeError.ORGANIZATION_REQUIRED,
                {"organization_id": _("Name the organisation that bids.")},
                _("Say for which of your organisations you bid (organization_id)."),
            )
        organization_id = candidates[0]
    elif organization_id not in memberships:
        raise _problem(
            ChallengeError.NOT_TEAM_MEMBER,
            {"organization_id": _("You are not a member of this organisation.")},
            _("You can only bid for an organisation you belong to."),
        )
    return Organization.objects.get(pk=organization_id)


def _check_team_eligible(*, challenge: Challenge, team: Organization) -> None:
    if team.pk == challenge.issuer_id:
        raise ApplicationError(
            _("The issuing organisation cannot bid on its own challenge."),
            code=ChallengeError.OWN_CHALLENGE,
            status=403,
        )
    if team.type == OrganizationType.MARKET_OPERATOR:
        raise ApplicationError(_("The market operator does not bid."), code=ChallengeError.NOT_ELIGIBLE, status=403)
    if not team.is_verified:
        raise ApplicationError(
            _("The organisation must be verified by the operator before it can bid."),
            code=ChallengeError.TEAM_NOT_VERIFIED,
            status=403,
        )
    if challenge.allowed_organization_types and team.type not in challenge.allowed_organization_types:
        raise ApplicationError(
            _("Organisations of this type may not bid on this challenge."),
            code=ChallengeError.NOT_ELIGIBLE,
            status=403,
            extra={"allowed_organization_types": challenge.allowed_organization_types},
        )


def _check_bid_funding(*, challenge: Challenge, budget_lines: Any, commitment_confirmed: bool) -> list[dict[str, str]]:
    if challenge.funding_mode == FundingMode.LUMP_SUM:
        if budget_lines:
            raise _problem(
                ChallengeError.BUDGET_NOT_ALLOWED,
                {"budget_lines": _("A lump-sum (包干制) challenge takes a commitment letter, not a line budget.")},
            )
        if not commitment_confirmed:
            raise _problem(
                ChallengeError.COMMITMENT_REQUIRED,
                {"commitment_confirmed": _("Confirm the commitment letter to bid on a lump-sum challenge.")},
            )
        return []
    lines, _total, problems = rules.check_budget_lines(budget_lines, reward=challenge.reward)
    if problems:
        raise _problem(ChallengeError.INVALID_BUDGET, problems)
    return lines


@transaction.atomic
def bid_create(*, actor: User, challenge: Challenge, data: Mapping[str, Any]) -> Bid:
    """A team organisation bids (揭榜): one active bid per organisation, while the challenge is open."""
    team = _resolve_team(actor=actor, organization_id=data.get("organization_id"))
    _check_team_eligible(challenge=challenge, team=team)
    # Locked so that a cancellation or an award cannot slip in between this check and the insert.
    locked = _lock(challenge)
    _check_bidding_open(locked)
    commitment = bool(data.get("commitment_confirmed", False))
    lines = _check_bid_funding(
        challenge=locked, budget_lines=data.get("budget_lines") or [], commitment_confirmed=commitment
    )
    bid = Bid(
        challenge=locked,
        organization=team,
        submitted_by=actor,
        proposal=data["proposal"],
        team_description=data["team_description"],
        budget_lines=lines,
        commitment_confirmed=commitment and locked.funding_mode == FundingMode.LUMP_SUM,
    )
    try:
        with transaction.atomic():
            bid.save()
    except IntegrityError as exc:
        if "bid_one_active_per_organization" in str(exc):
            raise ApplicationError(
                _("Your organisation already has a bid on this challenge; withdraw it to bid again."),
                code=ChallengeError.DUPLICATE_BID,
                status=409,
            ) from None
        raise
    notify(
        recipients=_members([locked.issuer_id]),
        kind="challenge.bid_submitted",
        title=format_lazy(gettext_lazy("New bid from {team} on {title}"), team=team.name, title=challenge.demand.title),
        target=bid,
    )
    return bid


def check_team_member(*, actor: User, bid: Bid) -> None:
    if bid.organization_id not in actor_memberships(actor):
        raise ApplicationError(
            _("Only members of the bidding organisation may do this."),
            code=ChallengeError.NOT_TEAM_MEMBER,
            status=403,
        )


@transaction.atomic
def bid_withdraw(*, actor: User, bid: Bid) -> Bid:
    check_team_member(actor=actor, bid=bid)
    challenge = Challenge.objects.select_for_update().get(pk=bid.challenge_id)
    _check_bidding_open(challenge)
    now = timezone.now()
    moved = Bid.objects.filter(pk=bid.pk, status=BidStatus.SUBMITTED).update(
        status=BidStatus.WITHDRAWN, withdrawn_at=now, updated_at=now
    )
    if not moved:
        raise ApplicationError(
            _("Only a submitted bid can be withdrawn."), code=ChallengeError.BID_BAD_STATE, status=409
        )
    bid.refresh_from_db()
    return bid


@transaction.atomic
def bid_attachment_add(*, actor: User, bid: Bid, upload: UploadedFile) -> BidAttachment:
    check_team_member(actor=actor, bid=bid)
    locked = Bid.objects.select_for_update().select_related("challenge").get(pk=bid.pk)
    if locked.status != BidStatus.SUBMITTED:
        raise ApplicationError(
            _("Files can only be added to a submitted bid."), code=ChallengeError.BID_BAD_STATE, status=409
        )
    _check_bidding_open(locked.challenge)
    name, content_type = check_upload(upload)
    if BidAttachment.objects.filter(bid=locked).count() >= settings.LISTING_ATTACHMENTS_MAX:
        raise ApplicationError(
            _("A bid can have at most %(n)d attachments.") % {"n": settings.LISTING_ATTACHMENTS_MAX},
            code=ChallengeError.ATTACHMENT_LIMIT,
            status=409,
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = BidAttachment(
        bid=locked,
        original_name=name[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    # Stored under a random name: the client's file name never reaches the file system.
    attachment.file.save(f"{os.urandom(16).hex()}{os.path.splitext(name)[1].lower()}", upload, save=False)
    try:
        attachment.save()
    except Exception:
        if attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


# --- scoring and the award ---------------------------------------------------------------------


def _check_bidding_closed(challenge: Challenge) -> None:
    if challenge.status != ChallengeStatus.OPEN:
        raise _bad_transition(challenge.status, "evaluate")
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
        raise _problem(ChallengeError.INVALID_SCORE, {"score": _("A score runs from 0 to 100.")})
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
    _decide(
        challenge=challenge,
        kind=DecisionKind.SCORE,
        actor=actor,
        bid_id=bid.pk,
        organization=bid.organization.name,
        score=_money(score),
        comment=comment,
    )
    return row


@transaction.atomic
def challenge_award(*, actor: User, challenge: Challenge, bid_ids: list[int]) -> Challenge:
    """The winning bid (single) or the 2..race_team_count teams (race) become active; the rest not awarded."""
    check_evaluator(actor=actor, challenge=challenge)
    locked = _lock(challenge)
    _check_bidding_closed(locked)
    if len(set(bid_ids)) != len(bid_ids):
        raise _problem(ChallengeError.AWARD_BIDS_INVALID, {"bid_ids": _("A bid is named twice.")})
    problem = rules.award_count_problem(mode=locked.mode, race_team_count=locked.race_team_count, count=len(bid_ids))
    if problem:
        raise _problem(ChallengeError.AWARD_COUNT, {"bid_ids": problem})
    winners = list(
        Bid.objects.filter(challenge=locked, pk__in=bid_ids, status=BidStatus.SUBMITTED)
        .select_related("organization")
        .order_by("pk")
    )
    if len(winners) != len(bid_ids):
        unknown = sorted(set(bid_ids) - {b.pk for b in winners})
        raise _problem(
            ChallengeError.AWARD_BIDS_INVALID,
            {"bid_ids": _("Not submitted bids on this challenge: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}},
        )
    now = timezone.now()
    moved = _move(challenge=locked, action="award", awarded_at=now)
    Bid.objects.filter(pk__in=bid_ids, status=BidStatus.SUBMITTED).update(
        status=BidStatus.ACTIVE, decided_at=now, updated_at=now
    )
    losers = list(Bid.objects.filter(challenge=locked, status=BidStatus.SUBMITTED).values_list("pk", "organization_id"))
    Bid.objects.filter(pk__in=[pk for pk, _org in losers]).update(
        status=BidStatus.NOT_AWARDED, decided_at=now, updated_at=now
    )
    _decide(
        challenge=moved,
        kind=DecisionKind.AWARD,
        actor=actor,
        mode=moved.mode,
        teams=[
            {"bid_id": b.pk, "organization_id": b.organization_id, "organization": b.organization.name} for b in winners
        ],
        not_awarded=[pk for pk, _org in losers],
    )
    title = moved.demand.title
    notify(
        recipients=_members(b.organization_id for b in winners),
        kind="challenge.awarded",
        title=format_lazy(gettext_lazy("Your bid won: {title}"), title=title),
        target=moved,
    )
    notify(
        recipients=_members(org for _pk, org in losers),
        kind="challenge.not_awarded",
        title=format_lazy(gettext_lazy("Your bid was not selected: {title}"), title=title),
        target=moved,
    )
    return moved


# --- milestones --------------------------------------------------------------------------------


def _lock_for_milestones(*, actor: User, challenge: Challenge) -> Challenge:
    check_evaluator(actor=actor, challenge=challenge)
    locked = _lock(challenge)
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
        raise _problem(
            ChallengeError.INVALID_MILESTONE, {"tranche_share_pct": _("A share is above 0 and at most 100.")}
        )
    if not milestone.title.strip() or not milestone.criteria.strip():
        raise _problem(ChallengeError.INVALID_MILESTONE, {"criteria": _("Give a title and review criteria.")})
    if milestone.review_date < timezone.localtime(locked.bid_deadline).date():
        raise _problem(
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
        raise _problem(ChallengeError.MILESTONE_SEQUENCE, {"sequence": _("Another milestone has this number.")})
    reviewed_up_to = others.filter(reviews__isnull=False).aggregate(top=Max("sequence"))["top"]
    if reviewed_up_to is not None and milestone.sequence <= reviewed_up_to:
        raise _problem(
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
    _decide(
        challenge=locked,
        kind=DecisionKind.MILESTONE_CREATE,
        actor=actor,
        milestone_id=milestone.pk,
        **{name: _log_value(getattr(milestone, name)) for name in MILESTONE_FIELDS},
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
    _decide(
        challenge=locked_challenge,
        kind=DecisionKind.MILESTONE_UPDATE,
        actor=actor,
        milestone_id=locked.pk,
        changes={name: _log_value(getattr(locked, name)) for name in changed},
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
        _decide(
            challenge=challenge,
            kind=DecisionKind.TRANCHE_WITHHELD,
            actor=actor,
            milestone_id=milestone.pk,
            sequence=milestone.sequence,
            total=_money(total),
            reason="no team passed",
        )
        return
    parts = rules.split_equally(total, passed)
    Tranche.objects.bulk_create(
        Tranche(challenge=challenge, milestone=milestone, bid_id=bid_id, amount=amount)
        for bid_id, amount in parts.items()
    )
    _decide(
        challenge=challenge,
        kind=DecisionKind.TRANCHE_ALLOCATED,
        actor=actor,
        milestone_id=milestone.pk,
        sequence=milestone.sequence,
        total=_money(total),
        parts=[{"bid_id": bid_id, "amount": _money(amount)} for bid_id, amount in parts.items()],
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
    locked_challenge = _lock(challenge)
    if locked_challenge.status != ChallengeStatus.AWARDED:
        raise _bad_transition(locked_challenge.status, "review")
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if locked.settled_at is not None:
        raise ApplicationError(
            _("Every team has been reviewed at this milestone."), code=ChallengeError.MILESTONE_SETTLED, status=409
        )
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
        raise _problem(ChallengeError.NOT_A_TEAM, {"bid_id": _("Not an awarded team of this challenge.")})
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
    _decide(
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
        recipients=_members([bid.organization_id]),
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
    locked = _lock(challenge)
    _check_status(locked, "complete")
    milestones = Milestone.objects.filter(challenge=locked)
    running = Bid.objects.filter(challenge=locked, status=BidStatus.ACTIVE).exists()
    if not milestones.exists() or (running and milestones.filter(settled_at__isnull=True).exists()):
        raise ApplicationError(
            _("A challenge is completed once its last milestone has been reviewed."),
            code=ChallengeError.NOT_COMPLETABLE,
            status=409,
        )
    moved = _move(challenge=locked, action="complete", completed_at=timezone.now())
    paid = Tranche.objects.filter(challenge=locked).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    _decide(challenge=moved, kind=DecisionKind.COMPLETE, actor=actor, tranches_total=_money(paid))
    return moved
