"""HTTP for open challenges (揭榜挂帅), by sub-domain: challenges (terms, lifecycle, award, log), bids
(bids, attachments, scores), milestones (milestones, reviews, tranches). The views are re-exported here
for the URL configuration."""

from apps.challenges.apis.bids import (
    BidAttachmentCreateApi,
    BidAttachmentDownloadApi,
    BidDetailApi,
    BidScoreListCreateApi,
    BidWithdrawApi,
    ChallengeBidListCreateApi,
)
from apps.challenges.apis.challenges import (
    ChallengeAwardApi,
    ChallengeCancelApi,
    ChallengeCompleteApi,
    ChallengeDecisionListApi,
    ChallengeDetailApi,
    ChallengeListCreateApi,
    ChallengeReviewApi,
    ChallengeSubmitApi,
)
from apps.challenges.apis.milestones import (
    ChallengeMilestoneListCreateApi,
    ChallengeTrancheListApi,
    MilestoneDetailApi,
    MilestoneReviewListCreateApi,
)

__all__ = [
    "BidAttachmentCreateApi",
    "BidAttachmentDownloadApi",
    "BidDetailApi",
    "BidScoreListCreateApi",
    "BidWithdrawApi",
    "ChallengeAwardApi",
    "ChallengeBidListCreateApi",
    "ChallengeCancelApi",
    "ChallengeCompleteApi",
    "ChallengeDecisionListApi",
    "ChallengeDetailApi",
    "ChallengeListCreateApi",
    "ChallengeMilestoneListCreateApi",
    "ChallengeReviewApi",
    "ChallengeSubmitApi",
    "ChallengeTrancheListApi",
    "MilestoneDetailApi",
    "MilestoneReviewListCreateApi",
]
