"""HTTP for bids: bidding, withdrawing, attachments and scores."""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.challenges import examples
from apps.challenges.apis.common import (
    TAGS,
    OldestFirstCursorPagination,
    money_field,
)
from apps.challenges.models import (
    BidStatus,
)
from apps.challenges.selectors import (
    access_bid,
    access_bid_attachment,
    access_challenge,
    bid_list,
    bid_score_list,
)
from apps.challenges.services import (
    bid_attachment_add,
    bid_create,
    bid_score_create,
    bid_withdraw,
)
from apps.core.fields import DecimalNumberField
from apps.core.negotiation import FileResponseNegotiation
from apps.core.pagination import StandardCursorPagination, paginated_response


class BidBudgetLineInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=200)
    amount = money_field()


class BidBudgetLineOutputSerializer(serializers.Serializer):
    item = serializers.CharField()
    amount = money_field()


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
    score = DecimalNumberField(max_digits=6, decimal_places=2, help_text="0 to 100.")
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class BidScoreOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    bid_id = serializers.IntegerField()
    scorer_id = serializers.IntegerField()
    scorer_name = serializers.CharField(source="scorer.name")
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


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
        examples=examples.CHALLENGES_BIDS_CREATE,
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
            BidOutputSerializer(access_bid(actor=request.user, pk=bid.pk)).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("bid-detail", kwargs={"bid_id": bid.pk})},
        )


class BidDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="bids_retrieve", responses={200: BidOutputSerializer})
    def get(self, request: Request, bid_id: int) -> Response:
        return Response(BidOutputSerializer(access_bid(actor=request.user, pk=bid_id)).data)


class BidWithdrawApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="bids_withdraw",
        examples=examples.BIDS_WITHDRAW,
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
        examples=examples.BIDS_ATTACHMENTS_CREATE,
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
    content_negotiation_class = FileResponseNegotiation

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
        examples=examples.BIDS_SCORES_CREATE,
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
