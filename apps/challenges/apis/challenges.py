"""HTTP for challenges (揭榜挂帅): terms, the lifecycle, the award and the decision log."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.challenges import examples
from apps.challenges.apis.common import (
    BIDDER_TYPES,
    PUBLIC_READ,
    TAGS,
    JsonNumberField,
    OldestFirstCursorPagination,
    money_field,
)
from apps.challenges.models import (
    Challenge,
    ChallengeMode,
    ChallengePhase,
    ChallengeStatus,
    Comparison,
    FundingMode,
)
from apps.challenges.selectors import (
    access_challenge,
    challenge_list,
    decision_list,
)
from apps.challenges.services import (
    challenge_award,
    challenge_cancel,
    challenge_complete,
    challenge_create,
    challenge_review,
    challenge_submit,
    challenge_update,
)
from apps.core.fields import AwareDateTimeField, DecimalNumberField
from apps.core.pagination import StandardCursorPagination, paginated_response

# --- serializers -------------------------------------------------------------------------------


class ChallengeIndicatorInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    target = DecimalNumberField(max_digits=20, decimal_places=6)
    unit = serializers.CharField(max_length=32, allow_blank=True)
    comparison = serializers.ChoiceField(choices=Comparison.choices)


class ChallengeIndicatorOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    target = JsonNumberField()
    unit = serializers.CharField()
    comparison = serializers.CharField()


class ChallengeCreateInputSerializer(serializers.Serializer):
    demand_id = serializers.IntegerField(help_text="A published demand of your organisation.")
    reward = money_field(help_text="Yuan, more than zero.")
    enterprise_funding = money_field(help_text="Yuan; enterprise + government funding = reward.")
    government_funding = money_field(help_text="Yuan; enterprise + government funding = reward.")
    indicators = ChallengeIndicatorInputSerializer(many=True, help_text="At least one quantified indicator.")
    eligibility = serializers.CharField(max_length=5000)
    allowed_organization_types = serializers.ListField(
        child=serializers.ChoiceField(choices=BIDDER_TYPES),
        required=False,
        max_length=len(BIDDER_TYPES),
        help_text="Organisation types that may bid; empty: any.",
    )
    bid_deadline = AwareDateTimeField(help_text="Time-zone aware, in the future.")
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
    phase = serializers.ChoiceField(
        choices=ChallengePhase.choices,
        required=False,
        help_text="`open`: still taking bids (before the deadline); `evaluating`: open but past the bid deadline.",
    )
    mode = serializers.ChoiceField(choices=ChallengeMode.choices, required=False)
    funding_mode = serializers.ChoiceField(choices=FundingMode.choices, required=False)
    technology_field = serializers.CharField(max_length=8, required=False)
    issuer = serializers.IntegerField(required=False, min_value=1)
    updated_since = AwareDateTimeField(
        required=False, help_text="Only challenges changed at or after this time (with its offset)."
    )


class ChallengeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    demand_id = serializers.IntegerField()
    title = serializers.CharField(source="demand.title")
    technology_field = serializers.CharField(source="demand.technology_field_id")
    technology_field_name = serializers.CharField(source="demand.technology_field.name_zh")
    issuer_id = serializers.IntegerField()
    issuer_name = serializers.CharField(source="issuer.name")
    status = serializers.CharField(help_text="The lifecycle status (stays `open` until the award).")
    status_display = serializers.SerializerMethodField(help_text="The phase in the request's language.")
    phase = serializers.SerializerMethodField(
        help_text="The status as readers see it: `evaluating` once an open challenge's bid deadline has passed."
    )
    bidding_open = serializers.SerializerMethodField(help_text="Bids are taken now (open and before the deadline).")
    reward = money_field()
    enterprise_funding = money_field()
    government_funding = money_field()
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

    def _phase(self, challenge: Challenge) -> ChallengePhase:
        # One clock per serializer (a page is one list serializer), so rows never disagree.
        if not hasattr(self, "_now"):
            self._now = timezone.now()
        return challenge.phase(self._now)

    @extend_schema_field(serializers.ChoiceField(choices=ChallengePhase.choices))
    def get_phase(self, challenge: Challenge) -> str:
        return self._phase(challenge).value

    def get_status_display(self, challenge: Challenge) -> str:
        return str(self._phase(challenge).label)

    def get_bidding_open(self, challenge: Challenge) -> bool:
        return self._phase(challenge) == ChallengePhase.OPEN


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
        examples=examples.CHALLENGES_CREATE,
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
        examples=examples.CHALLENGES_UPDATE,
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
        examples=examples.CHALLENGES_SUBMIT,
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
        examples=examples.CHALLENGES_REVIEW,
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
        examples=examples.CHALLENGES_CANCEL,
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
        examples=examples.CHALLENGES_AWARD,
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
        examples=examples.CHALLENGES_COMPLETE,
        request=None,
        responses={200: ChallengeOutputSerializer},
        summary="Close an awarded challenge once its last milestone has been reviewed.",
    )
    def post(self, request: Request, challenge_id: int) -> Response:
        challenge = access_challenge(actor=request.user, pk=challenge_id)
        moved = challenge_complete(actor=request_user(request), challenge=challenge)
        return Response(ChallengeOutputSerializer(moved).data)


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
