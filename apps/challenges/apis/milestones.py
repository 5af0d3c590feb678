"""HTTP for milestones, their reviews and the tranches they release."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.challenges import examples, rules
from apps.challenges.apis.common import (
    PUBLIC_READ,
    TAGS,
    MilestoneCursorPagination,
    OldestFirstCursorPagination,
    money_field,
)
from apps.challenges.models import (
    Milestone,
    ReviewOutcome,
)
from apps.challenges.selectors import (
    access_challenge,
    access_milestone,
    milestone_list,
    milestone_review_list,
    tranche_list,
)
from apps.challenges.services import (
    milestone_create,
    milestone_review_create,
    milestone_update,
)
from apps.core.fields import DecimalNumberField, MarketDateField
from apps.core.pagination import paginated_response


class MilestoneCreateInputSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, help_text="Order of review; default: after the last one."
    )
    title = serializers.CharField(max_length=200)
    review_date = MarketDateField()
    criteria = serializers.CharField(max_length=5000)
    tranche_share_pct = DecimalNumberField(
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
    review_date = MarketDateField()
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
    amount = money_field()
    created_at = serializers.DateTimeField()


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
        examples=examples.CHALLENGES_MILESTONES_CREATE,
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
        location = reverse("milestone-detail", kwargs={"milestone_id": milestone.pk})
        return Response(
            MilestoneOutputSerializer(milestone).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )


class MilestoneDetailApi(APIView):
    permission_classes = PUBLIC_READ

    @extend_schema(tags=TAGS, operation_id="milestones_retrieve", responses={200: MilestoneOutputSerializer})
    def get(self, request: Request, milestone_id: int) -> Response:
        return Response(MilestoneOutputSerializer(access_milestone(actor=request.user, pk=milestone_id)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="milestones_update",
        examples=examples.MILESTONES_UPDATE,
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
        examples=examples.MILESTONES_REVIEWS_CREATE,
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
