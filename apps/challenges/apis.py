"""HTTP for open challenges (揭榜挂帅): terms and lifecycle, bids, scores, award, milestones, tranches, log."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.accounts.permissions import ApiKeyScopePermission
from apps.challenges import rules
from apps.challenges.models import (
    BidStatus,
    ChallengeMode,
    ChallengeStatus,
    Comparison,
    FundingMode,
    Milestone,
    ReviewOutcome,
)
from apps.challenges.selectors import (
    access_bid,
    access_bid_attachment,
    access_challenge,
    access_milestone,
    bid_list,
    bid_score_list,
    challenge_list,
    decision_list,
    milestone_list,
    milestone_review_list,
    tranche_list,
)
from apps.challenges.services import (
    bid_attachment_add,
    bid_create,
    bid_score_create,
    bid_withdraw,
    challenge_award,
    challenge_cancel,
    challenge_complete,
    challenge_create,
    challenge_review,
    challenge_submit,
    challenge_update,
    milestone_create,
    milestone_review_create,
    milestone_update,
)
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.organizations.models import OrganizationType

TAGS = ["challenges"]
PUBLIC_READ = [IsAuthenticatedOrReadOnly, ApiKeyScopePermission]
BIDDER_TYPES = [
    (value, label) for value, label in OrganizationType.choices if value != OrganizationType.MARKET_OPERATOR
]


class OldestFirstCursorPagination(StandardCursorPagination):
    """Logs read in the order things happened."""

    ordering = "id"


class MilestoneCursorPagination(StandardCursorPagination):
    ordering = "sequence"


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


# --- serializers -------------------------------------------------------------------------------


class ChallengeIndicatorInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    target = serializers.DecimalField(max_digits=20, decimal_places=6)
    unit = serializers.CharField(max_length=32, allow_blank=True)
    comparison = serializers.ChoiceField(choices=Comparison.choices)


@extend_schema_field(OpenApiTypes.NUMBER)
class JsonNumberField(serializers.Field):
    """A number as stored in JSON: 300 stays 300, 2.5 stays 2.5."""

    def to_representation(self, value: Any) -> Any:
        return value


class ChallengeIndicatorOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    target = JsonNumberField()
    unit = serializers.CharField()
    comparison = serializers.CharField()


class ChallengeCreateInputSerializer(serializers.Serializer):
    demand_id = serializers.IntegerField(help_text="A published demand of your organisation.")
    reward = _money(help_text="Yuan, more than zero.")
    enterprise_funding = _money(help_text="Yuan; enterprise + government funding = reward.")
    government_funding = _money(help_text="Yuan; enterprise + government funding = reward.")
    indicators = ChallengeIndicatorInputSerializer(many=True, help_text="At least one quantified indicator.")
    eligibility = serializers.CharField(max_length=5000)
    allowed_organization_types = serializers.ListField(
        child=serializers.ChoiceField(choices=BIDDER_TYPES),
        required=False,
        max_length=len(BIDDER_TYPES),
        help_text="Organisation types that may bid; empty: any.",
    )
    bid_deadline = serializers.DateTimeField(help_text="Time-zone aware, in the future.")
    mode = serializers.ChoiceField(choices=ChallengeMode.choices, default=ChallengeMode.SINGLE)
    race_team_count = serializers.IntegerField(
        required=False, min_value=0, max_value=100, help_text="Race: 2–5 teams funded in parallel; single: 1."
    )
    funding_mode = serializers.ChoiceField(choices=FundingMode.choices, default=FundingMode.BUDGETED)
    negative_list = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, help_text="Required for lump-sum (包干制) funding."
    )


class ChallengeUpdateInputSerializer(ChallengeCreateInputSerializer):
    """Every term optional; the demand cannot change."""

    demand_id = None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class ChallengeFilterInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ChallengeStatus.choices, required=False)
    mode = serializers.ChoiceField(choices=ChallengeMode.choices, required=False)
    funding_mode = serializers.ChoiceField(choices=FundingMode.choices, required=False)
    technology_field = serializers.CharField(max_length=8, required=False)
    issuer = serializers.IntegerField(required=False, min_value=1)


class ChallengeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    demand_id = serializers.IntegerField()
    title = serializers.CharField(source="demand.title")
    technology_field = serializers.CharField(source="demand.technology_field_id")
    technology_field_name = serializers.CharField(source="demand.technology_field.name_zh")
    issuer_id = serializers.IntegerField()
    issuer_name = serializers.CharField(source="issuer.name")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    reward = _money()
    enterprise_funding = _money()
    government_funding = _money()
    indicators = ChallengeIndicatorOutputSerializer(many=True)
    eligibility = serializers.CharField()
    allowed_organization_types = serializers.ListField(child=serializers.CharField())
    bid_deadline = serializers.DateTimeField()
    mode = serializers.CharField()
    race_team_count = serializers.IntegerField()
    funding_mode = serializers.CharField()
    negative_list = serializers.CharField()
    rejection_reason = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    awarded_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ChallengeReviewInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ChallengeCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ChallengeAwardInputSerializer(serializers.Serializer):
    bid_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        max_length=50,
        help_text="Single mode: exactly one bid; race mode: 2 up to race_team_count bids.",
    )


class BidBudgetLineInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=200)
    amount = _money()


class BidBudgetLineOutputSerializer(serializers.Serializer):
    item = serializers.CharField()
    amount = _money()


class BidCreateInputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(required=False, help_text="The bidding organisation; default yours.")
    proposal = serializers.CharField(max_length=20000)
    team_description = serializers.CharField(max_length=5000)
    budget_lines = BidBudgetLineInputSerializer(
        many=True, required=False, help_text="Budgeted challenges: the line budget, its sum ≤ the reward."
    )
    commitment_confirmed = serializers.BooleanField(
        default=False, help_text="Lump-sum (包干制) challenges: the team confirms the commitment letter."
    )


class BidFilterInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=BidStatus.choices, required=False)


class BidAttachmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()


class BidAttachmentUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField()


class BidOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    challenge_id = serializers.IntegerField()
    organization_id = serializers.IntegerField()
    organization_name = serializers.CharField(source="organization.name")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    proposal = serializers.CharField()
    team_description = serializers.CharField()
    budget_lines = BidBudgetLineOutputSerializer(many=True)
    commitment_confirmed = serializers.BooleanField()
    attachments = BidAttachmentOutputSerializer(many=True)
    average_score = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="Issuer and operator only; null for teams."
    )
    score_count = serializers.IntegerField(allow_null=True, help_text="Issuer and operator only; null for teams.")
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    eliminated_at_milestone_id = serializers.IntegerField(source="eliminated_at_id", allow_null=True)
    created_at = serializers.DateTimeField()


class BidScoreInputSerializer(serializers.Serializer):
    score = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="0 to 100.")
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class BidScoreOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    bid_id = serializers.IntegerField()
    scorer_id = serializers.IntegerField()
    scorer_name = serializers.CharField(source="scorer.name")
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class MilestoneCreateInputSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, help_text="Order of review; default: after the last one."
    )
    title = serializers.CharField(max_length=200)
    review_date = serializers.DateField()
    criteria = serializers.CharField(max_length=5000)
    tranche_share_pct = serializers.DecimalField(
        max_digits=6, decimal_places=2, help_text="Share of the reward paid at this milestone, 0 < x ≤ 100."
    )


class MilestoneUpdateInputSerializer(MilestoneCreateInputSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class MilestoneOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    challenge_id = serializers.IntegerField()
    sequence = serializers.IntegerField()
    title = serializers.CharField()
    review_date = serializers.DateField()
    criteria = serializers.CharField()
    tranche_share_pct = serializers.DecimalField(max_digits=5, decimal_places=2)
    tranche_amount = serializers.SerializerMethodField(help_text="reward × share / 100, rounded down to the fen.")
    settled_at = serializers.DateTimeField(allow_null=True, help_text="When every team had been reviewed.")
    tranche_withheld = serializers.BooleanField(help_text="No team passed: the tranche was not paid.")
    created_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_tranche_amount(self, obj: Milestone) -> str:
        return str(rules.tranche_total(reward=obj.challenge.reward, share_pct=obj.tranche_share_pct))


class MilestoneReviewInputSerializer(serializers.Serializer):
    bid_id = serializers.IntegerField(help_text="The team (its awarded bid).")
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class MilestoneReviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    milestone_id = serializers.IntegerField()
    bid_id = serializers.IntegerField()
    organization_id = serializers.IntegerField(source="bid.organization_id")
    organization_name = serializers.CharField(source="bid.organization.name")
    outcome = serializers.CharField()
    comment = serializers.CharField()
    reviewed_by_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class TrancheOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    milestone_id = serializers.IntegerField()
    milestone_sequence = serializers.IntegerField(source="milestone.sequence")
    bid_id = serializers.IntegerField()
    organization_id = serializers.IntegerField(source="bid.organization_id")
    organization_name = serializers.CharField(source="bid.organization.name")
    amount = _money()
    created_at = serializers.DateTimeField()


class ChallengeDecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    actor_id = serializers.IntegerField(allow_null=True)
    actor_name = serializers.CharField(source="actor.name", allow_null=True, default=None)
    created_at = serializers.DateTimeField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # "data" cannot be declared as a class attribute: it would hide Serializer.data.
        fields = super().get_fields()
        fields["data"] = serializers.JSONField(help_text="The decision's particulars (amounts as strings).")
        return fields


# --- challenges --------------------------------------------------------------------------------


class ChallengeListCreateApi(APIView):
    permission_classes = PUBLIC_READ
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="challenges_list",
        parameters=[ChallengeFilterInputSerializer],
        responses={200: ChallengeOutputSerializer(many=True)},
        summary="Challenges the caller may see: open ones publicly, drafts to their issuer and the operator.",
    )
    def get(self, request: Request) -> Response:
        filters = ChallengeFilterInputSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = challenge_list(actor=request.user, filters=filters.validated_data)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=ChallengeOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="challenges_create",
        request=ChallengeCreateInputSerializer,
        responses={201: ChallengeOutputSerializer},
        summary="Put a challenge (a draft) on a published demand of your organisation.",
    )
    def post(self, request: Request) -> Response:
        serializer = ChallengeCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        challenge = challenge_create(actor=request_user(request), data=serializer.validated_data)
        challenge = access_challenge(actor=request.user, pk=challenge.pk)
        return Response(ChallengeOutputSerializer(challenge).data, status=status.HTTP_201_CREATED)


class ChallengeDetailApi(APIView):
    permission_classes = PUBLIC_READ

    @extend_schema(tags=TAGS, operation_id="challenges_retrieve", responses={200: ChallengeOutputSerializer})
    def get(self, request: Request, challenge_id: int) -> Response:
        return Response(ChallengeOutputSerializer(access_challenge(actor=request.user, pk=challenge_id)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="challenges_update",
        request=ChallengeUpdateInputSerializer,
        responses={200: ChallengeOutputSerializer},
        summary="Change the terms of a draft (the issuer only).",
    )
    def patch(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        serializer = ChallengeUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        challenge_update(actor=request_user(request), challenge=challenge, data=serializer.validated_data)
        return Response(ChallengeOutputSerializer(access_challenge(actor=request.user, pk=challenge_id)).data)


class ChallengeSubmitApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="challenges_submit",
        request=None,
        responses={200: ChallengeOutputSerializer},
        summary="The issuer submits a draft to the operator's review.",
    )
    def post(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        moved = challenge_submit(actor=request_user(request), challenge=challenge)
        return Response(ChallengeOutputSerializer(moved).data)


class ChallengeReviewApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="challenges_review",
        request=ChallengeReviewInputSerializer,
        responses={200: ChallengeOutputSerializer},
        summary="The operator opens a submitted challenge for bids, or returns it to draft with a reason.",
    )
    def post(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        serializer = ChallengeReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = challenge_review(actor=request_user(request), challenge=challenge, **serializer.validated_data)
        return Response(ChallengeOutputSerializer(moved).data)


class ChallengeCancelApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="challenges_cancel",
        request=ChallengeCancelInputSerializer,
        responses={200: ChallengeOutputSerializer},
        summary="The issuer or the operator cancels a draft, submitted or open challenge.",
    )
    def post(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        serializer = ChallengeCancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = challenge_cancel(actor=request_user(request), challenge=challenge, **serializer.validated_data)
        return Response(ChallengeOutputSerializer(moved).data)


class ChallengeAwardApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="challenges_award",
        request=ChallengeAwardInputSerializer,
        responses={200: ChallengeOutputSerializer},
        summary="After the bid deadline, the issuer or the operator names the winning bid(s).",
    )
    def post(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        serializer = ChallengeAwardInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = challenge_award(actor=request_user(request), challenge=challenge, **serializer.validated_data)
        return Response(ChallengeOutputSerializer(moved).data)


class ChallengeCompleteApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="challenges_complete",
        request=None,
        responses={200: ChallengeOutputSerializer},
        summary="Close an awarded challenge once its last milestone has been reviewed.",
    )
    def post(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        moved = challenge_complete(actor=request_user(request), challenge=challenge)
        return Response(ChallengeOutputSerializer(moved).data)


# --- bids --------------------------------------------------------------------------------------


class ChallengeBidListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="challenges_bids_list",
        parameters=[BidFilterInputSerializer],
        responses={200: BidOutputSerializer(many=True)},
        summary="All bids for the issuer and the operator (with average scores); a team sees its own.",
    )
    def get(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        filters = BidFilterInputSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = bid_list(actor=request.user, challenge=challenge, filters=filters.validated_data)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=BidOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="challenges_bids_create",
        request=BidCreateInputSerializer,
        responses={201: BidOutputSerializer},
        summary="Bid (揭榜) for one of your organisations while the challenge is open.",
    )
    def post(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        serializer = BidCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bid = bid_create(actor=request_user(request), challenge=challenge, data=serializer.validated_data)
        return Response(
            BidOutputSerializer(access_bid(actor=request.user, pk=bid.pk)).data, status=status.HTTP_201_CREATED
        )


class BidDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="bids_retrieve", responses={200: BidOutputSerializer})
    def get(self, request: Request, bid_id: int) -> Response:
        return Response(BidOutputSerializer(access_bid(actor=request.user, pk=bid_id)).data)


class BidWithdrawApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="bids_withdraw",
        request=None,
        responses={200: BidOutputSerializer},
        summary="The team withdraws its bid before the bid deadline.",
    )
    def post(self, request: Request, bid_id: int) -> Response:
        bid = access_bid(actor=request.user, pk=bid_id)
        bid_withdraw(actor=request_user(request), bid=bid)
        return Response(BidOutputSerializer(access_bid(actor=request.user, pk=bid_id)).data)


class BidAttachmentCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        operation_id="bids_attachments_create",
        request={"multipart/form-data": BidAttachmentUploadInputSerializer},
        responses={201: BidAttachmentOutputSerializer},
        summary="The team attaches a file (PDF, image, Office, text) to its bid before the deadline.",
    )
    def post(self, request: Request, bid_id: int) -> Response:
        bid = access_bid(actor=request.user, pk=bid_id)
        serializer = BidAttachmentUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = bid_attachment_add(actor=request_user(request), bid=bid, upload=serializer.validated_data["file"])
        return Response(BidAttachmentOutputSerializer(attachment).data, status=status.HTTP_201_CREATED)


class BidAttachmentDownloadApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="bids_attachments_download",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        summary="The file, to whoever may read the bid.",
    )
    def get(self, request: Request, bid_id: int, attachment_id: int) -> FileResponse:
        bid = access_bid(actor=request.user, pk=bid_id)
        attachment = access_bid_attachment(actor=request.user, bid=bid, pk=attachment_id)
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )


class BidScoreListCreateApi(APIView):
    pagination_class = OldestFirstCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="bids_scores_list",
        responses={200: BidScoreOutputSerializer(many=True)},
        summary="Every score of a bid (the issuer and the operator only).",
    )
    def get(self, request: Request, bid_id: int) -> Response:
        bid = access_bid(actor=request.user, pk=bid_id)
        qs = bid_score_list(actor=request.user, bid=bid)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=BidScoreOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="bids_scores_create",
        request=BidScoreInputSerializer,
        responses={201: BidScoreOutputSerializer},
        summary="After the bid deadline, an evaluator scores a bid once (0–100).",
    )
    def post(self, request: Request, bid_id: int) -> Response:
        bid = access_bid(actor=request.user, pk=bid_id)
        serializer = BidScoreInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        score = bid_score_create(actor=request_user(request), bid=bid, **serializer.validated_data)
        return Response(BidScoreOutputSerializer(score).data, status=status.HTTP_201_CREATED)


# --- milestones, reviews, tranches, decisions -------------------------------------------------


class ChallengeMilestoneListCreateApi(APIView):
    permission_classes = PUBLIC_READ
    pagination_class = MilestoneCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="challenges_milestones_list",
        responses={200: MilestoneOutputSerializer(many=True)},
        summary="The challenge's milestones in review order (public with the challenge).",
    )
    def get(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        qs = milestone_list(actor=request.user, challenge=challenge)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=MilestoneOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="challenges_milestones_create",
        request=MilestoneCreateInputSerializer,
        responses={201: MilestoneOutputSerializer},
        summary="Define a milestone; the tranche shares of all milestones never exceed 100 %.",
    )
    def post(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        serializer = MilestoneCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestone = milestone_create(actor=request_user(request), challenge=challenge, data=serializer.validated_data)
        milestone.challenge = challenge
        return Response(MilestoneOutputSerializer(milestone).data, status=status.HTTP_201_CREATED)


class MilestoneDetailApi(APIView):
    permission_classes = PUBLIC_READ

    @extend_schema(tags=TAGS, operation_id="milestones_retrieve", responses={200: MilestoneOutputSerializer})
    def get(self, request: Request, milestone_id: int) -> Response:
        return Response(MilestoneOutputSerializer(access_milestone(actor=request.user, pk=milestone_id)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="milestones_update",
        request=MilestoneUpdateInputSerializer,
        responses={200: MilestoneOutputSerializer},
        summary="Change a milestone that has no review yet.",
    )
    def patch(self, request: Request, milestone_id: int) -> Response:
        milestone = access_milestone(actor=request.user, pk=milestone_id)
        serializer = MilestoneUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = milestone_update(actor=request_user(request), milestone=milestone, data=serializer.validated_data)
        updated.challenge = milestone.challenge
        return Response(MilestoneOutputSerializer(updated).data)


class MilestoneReviewListCreateApi(APIView):
    pagination_class = OldestFirstCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="milestones_reviews_list",
        responses={200: MilestoneReviewOutputSerializer(many=True)},
        summary="All reviews for the issuer and the operator; a team sees its own.",
    )
    def get(self, request: Request, milestone_id: int) -> Response:
        milestone = access_milestone(actor=request.user, pk=milestone_id)
        qs = milestone_review_list(actor=request.user, milestone=milestone)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=MilestoneReviewOutputSerializer
        )

    @extend_schema(
        tags=TAGS,
        operation_id="milestones_reviews_create",
        request=MilestoneReviewInputSerializer,
        responses={201: MilestoneReviewOutputSerializer},
        summary="Pass, fail or eliminate one team; the last review of a milestone allocates its tranche.",
    )
    def post(self, request: Request, milestone_id: int) -> Response:
        milestone = access_milestone(actor=request.user, pk=milestone_id)
        serializer = MilestoneReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = milestone_review_create(actor=request_user(request), milestone=milestone, **serializer.validated_data)
        return Response(MilestoneReviewOutputSerializer(review).data, status=status.HTTP_201_CREATED)


class ChallengeTrancheListApi(APIView):
    pagination_class = OldestFirstCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="challenges_tranches_list",
        responses={200: TrancheOutputSerializer(many=True)},
        summary="Allocated tranches: all for the issuer and the operator, its own for a team.",
    )
    def get(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        qs = tranche_list(actor=request.user, challenge=challenge)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=TrancheOutputSerializer)


class ChallengeDecisionListApi(APIView):
    pagination_class = OldestFirstCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="challenges_decisions_list",
        responses={200: ChallengeDecisionOutputSerializer(many=True)},
        summary="The append-only decision log (the issuer and the operator only), oldest first.",
    )
    def get(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        qs = decision_list(actor=request.user, challenge=challenge)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=ChallengeDecisionOutputSerializer
        )
