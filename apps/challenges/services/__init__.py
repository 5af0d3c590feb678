"""Writes of challenges, by sub-domain: terms and the lifecycle (:mod:`.challenges`), bids (:mod:`.bids`),
scores and the award (:mod:`.awards`), milestones, reviews and tranches (:mod:`.milestones`); what they
share is in :mod:`.common`. The public names are re-exported here."""

from apps.challenges.services.awards import bid_score_create, challenge_award
from apps.challenges.services.bids import bid_attachment_add, bid_create, bid_withdraw, check_team_member
from apps.challenges.services.challenges import (
    challenge_cancel,
    challenge_create,
    challenge_review,
    challenge_submit,
    challenge_update,
)
from apps.challenges.services.common import (
    CHALLENGE_LIFECYCLE,
    MILESTONE_FIELDS,
    MILESTONE_STATUSES,
    TERM_FIELDS,
    ChallengeError,
    can_evaluate,
    check_evaluator,
    check_issuer_member,
    is_issuer_member,
)
from apps.challenges.services.milestones import (
    challenge_complete,
    milestone_create,
    milestone_review_create,
    milestone_update,
)

__all__ = [
    "CHALLENGE_LIFECYCLE",
    "MILESTONE_FIELDS",
    "MILESTONE_STATUSES",
    "TERM_FIELDS",
    "ChallengeError",
    "bid_attachment_add",
    "bid_create",
    "bid_score_create",
    "bid_withdraw",
    "can_evaluate",
    "challenge_award",
    "challenge_cancel",
    "challenge_complete",
    "challenge_create",
    "challenge_review",
    "challenge_submit",
    "challenge_update",
    "check_evaluator",
    "check_issuer_member",
    "check_team_member",
    "is_issuer_member",
    "milestone_create",
    "milestone_review_create",
    "milestone_update",
]
