"""What the challenge services share: error codes, who may do what, the decision log and the lifecycle.

Every lifecycle move is one conditional ``UPDATE … WHERE status IN (…)``, so two concurrent moves (two
awards, an approval racing a cancellation) cannot both win. Writes that must see a consistent set of
sibling rows (milestone shares, reviews completing a milestone) lock the challenge row first. Every
decision leaves a :class:`ChallengeDecision`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.challenges import rules
from apps.challenges.models import (
    Challenge,
    ChallengeDecision,
    ChallengeStatus,
    DecisionKind,
)
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Lifecycle, Transition
from apps.organizations.access import Actor, actor_memberships, is_operator
from apps.organizations.models import Membership


class ChallengeError(StrEnum):
    UNKNOWN_DEMAND = "unknown_demand"
    DEMAND_NOT_PUBLISHED = "demand_not_published"
    CHALLENGE_EXISTS = "challenge_exists"
    NOT_ISSUER_MEMBER = "not_issuer_member"
    NOT_ISSUER_OR_OPERATOR = "not_issuer_or_operator"
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
    MILESTONE_NOT_DUE = "milestone_not_due"


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


def is_issuer_member(*, actor: Actor, challenge: Challenge) -> bool:
    return challenge.issuer_id in actor_memberships(actor)


def can_evaluate(*, actor: Actor, challenge: Challenge) -> bool:
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


def members_of(organization_ids: Iterable[int]) -> list[User]:
    return [
        m.user for m in Membership.objects.filter(organization_id__in=list(organization_ids)).select_related("user")
    ]


def decide(*, challenge: Challenge, kind: DecisionKind, actor: User | None, **data: Any) -> ChallengeDecision:
    return ChallengeDecision.objects.create(challenge=challenge, kind=kind, actor=actor, data=data)


def money(value: Decimal) -> str:
    return str(value.quantize(rules.FEN))


def invalid_input(code: ChallengeError, problems: Mapping[str, str], message: str | None = None) -> ApplicationError:
    return ApplicationError(
        message or next(iter(problems.values())), code=code, status=400, field_errors=dict(problems)
    )


def log_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# --- the lifecycle -----------------------------------------------------------------------------


CHALLENGE_LIFECYCLE = Lifecycle(
    transitions={
        "submit": Transition(sources=(ChallengeStatus.DRAFT,), target=ChallengeStatus.SUBMITTED),
        "approve": Transition(sources=(ChallengeStatus.SUBMITTED,), target=ChallengeStatus.OPEN),
        "reject": Transition(sources=(ChallengeStatus.SUBMITTED,), target=ChallengeStatus.DRAFT),
        "cancel": Transition(
            sources=(ChallengeStatus.DRAFT, ChallengeStatus.SUBMITTED, ChallengeStatus.OPEN),
            target=ChallengeStatus.CANCELLED,
        ),
        "award": Transition(sources=(ChallengeStatus.OPEN,), target=ChallengeStatus.AWARDED),
        "complete": Transition(sources=(ChallengeStatus.AWARDED,), target=ChallengeStatus.COMPLETED),
    },
    error_code=ChallengeError.BAD_TRANSITION,
    message=gettext_lazy("A challenge that is %(status)s cannot be moved this way."),
    labels=ChallengeStatus,
)


def bad_transition(status: str | None, action: str) -> ApplicationError:
    """The lifecycle's 409 for ``action`` (also for steps outside the table: "evaluate", "review")."""
    return CHALLENGE_LIFECYCLE.refusal(status, action)


def move(*, challenge: Challenge, action: str, **changes: Any) -> Challenge:
    """One conditional UPDATE along ``action`` (plain values in ``changes``); the moved challenge."""
    CHALLENGE_LIFECYCLE.move(model=Challenge, pk=challenge.pk, action=action, **changes)
    return Challenge.objects.select_related("demand", "demand__technology_field", "issuer").get(pk=challenge.pk)


def lock(challenge: Challenge) -> Challenge:
    """The challenge's current row, locked until the transaction ends (the caller's copy may be stale)."""
    return Challenge.objects.select_for_update().get(pk=challenge.pk)


def check_status(challenge: Challenge, action: str) -> None:
    """Refuse early (before slower checks) a move the conditional UPDATE would refuse anyway."""
    CHALLENGE_LIFECYCLE.check(challenge.status, action)
