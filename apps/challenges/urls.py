"""Open challenges (揭榜挂帅) and races (赛马制)."""

from django.urls import URLPattern, path

from apps.challenges import apis

urlpatterns: list[URLPattern] = [
    path("challenges", apis.ChallengeListCreateApi.as_view(), name="challenges"),
    path("challenges/<int:challenge_id>", apis.ChallengeDetailApi.as_view(), name="challenge-detail"),
    path("challenges/<int:challenge_id>/submit", apis.ChallengeSubmitApi.as_view(), name="challenge-submit"),
    path("challenges/<int:challenge_id>/review", apis.ChallengeReviewApi.as_view(), name="challenge-review"),
    path("challenges/<int:challenge_id>/cancel", apis.ChallengeCancelApi.as_view(), name="challenge-cancel"),
    path("challenges/<int:challenge_id>/award", apis.ChallengeAwardApi.as_view(), name="challenge-award"),
    path("challenges/<int:challenge_id>/complete", apis.ChallengeCompleteApi.as_view(), name="challenge-complete"),
    path("challenges/<int:challenge_id>/bids", apis.ChallengeBidListCreateApi.as_view(), name="challenge-bids"),
    path(
        "challenges/<int:challenge_id>/milestones",
        apis.ChallengeMilestoneListCreateApi.as_view(),
        name="challenge-milestones",
    ),
    path("challenges/<int:challenge_id>/tranches", apis.ChallengeTrancheListApi.as_view(), name="challenge-tranches"),
    path(
        "challenges/<int:challenge_id>/decisions", apis.ChallengeDecisionListApi.as_view(), name="challenge-decisions"
    ),
    path("bids/<int:bid_id>", apis.BidDetailApi.as_view(), name="bid-detail"),
    path("bids/<int:bid_id>/withdraw", apis.BidWithdrawApi.as_view(), name="bid-withdraw"),
    path("bids/<int:bid_id>/attachments", apis.BidAttachmentCreateApi.as_view(), name="bid-attachments"),
    path(
        "bids/<int:bid_id>/attachments/<int:attachment_id>",
        apis.BidAttachmentDownloadApi.as_view(),
        name="bid-attachment-download",
    ),
    path("bids/<int:bid_id>/scores", apis.BidScoreListCreateApi.as_view(), name="bid-scores"),
    path("milestones/<int:milestone_id>", apis.MilestoneDetailApi.as_view(), name="milestone-detail"),
    path(
        "milestones/<int:milestone_id>/reviews", apis.MilestoneReviewListCreateApi.as_view(), name="milestone-reviews"
    ),
]
