"""HTTP for the expert pool and blind expert reviews (docs/experts-and-events.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.challenges.selectors import access_challenge
from apps.contracts.selectors import access_registration
from apps.core.fields import DecimalNumberField
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.schema import problem_response
from apps.experts import examples, selectors, services
from apps.experts.models import ConflictReason, ExpertReview, PanelStatus, ReviewKind, ReviewStatus

TAGS = ["experts"]


class ExpertOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField()
    affiliation_id = serializers.IntegerField(allow_null=True)
    affiliation_name = serializers.SerializerMethodField()
    affiliation_text = serializers.CharField()
    user_id = serializers.IntegerField(allow_null=True)
    field_codes = serializers.SerializerMethodField()
    market_codes = serializers.SerializerMethodField()
    active = serializers.BooleanField()

    def get_affiliation_name(self, obj: Any) -> str:
        return obj.affiliation.name if obj.affiliation_id else ""

    def get_field_codes(self, obj: Any) -> list[str]:
        return [f.code for f in obj.fields.all()]

    def get_market_codes(self, obj: Any) -> list[str]:
        return [m.code for m in obj.markets.all()]


class ExpertCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    affiliation_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    affiliation_text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    user_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    field_codes = serializers.ListField(child=serializers.CharField(max_length=8), min_length=1, max_length=11)
    market_codes = serializers.ListField(
        child=serializers.SlugField(max_length=24), required=False, default=list, max_length=50
    )


class ConflictInputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    person_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ConflictOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization_id = serializers.IntegerField(allow_null=True)
    person_name = serializers.CharField()
    reason = serializers.CharField()


class CriterionSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=32)
    name = serializers.CharField(max_length=60)
    weight = DecimalNumberField(max_digits=3, decimal_places=2, min_value=0, max_value=1)


class ReviewCreateInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReviewKind.choices)
    challenge_id = serializers.IntegerField(required=False, min_value=1)
    registration_id = serializers.IntegerField(required=False, min_value=1)
    criteria = serializers.ListField(child=CriterionSerializer(), min_length=1, max_length=10)
    panel_size = serializers.IntegerField(min_value=1, max_value=15, default=3)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        wanted = "challenge_id" if attrs["kind"] == ReviewKind.CHALLENGE_BIDS else "registration_id"
        if attrs.get(wanted) is None:
            raise serializers.ValidationError({wanted: [_("Required for this kind of review.")]})
        return attrs


class ReviewItemOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    summary = serializers.CharField()


class ReviewCriterionOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    weight = serializers.CharField()


class ReviewListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReviewKind.choices)
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=ReviewStatus.choices)
    market_code = serializers.CharField(source="market_id", allow_null=True)
    panel_size = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ReviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReviewKind.choices)
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=ReviewStatus.choices)
    market_code = serializers.CharField(source="market_id", allow_null=True)
    criteria = ReviewCriterionOutputSerializer(many=True)
    panel_size = serializers.IntegerField()
    items = serializers.SerializerMethodField(help_text="Anonymised: a code and the text, never a name.")
    my_role = serializers.SerializerMethodField(help_text="manager (operator or issuer) or expert.")
    submitted = serializers.SerializerMethodField(help_text="For an expert: whether its scores are in.")
    created_at = serializers.DateTimeField()

    def get_items(self, obj: ExpertReview) -> list[dict[str, str]]:
        return ReviewItemOutputSerializer(obj.items.order_by("code"), many=True).data  # type: ignore[return-value]

    def get_my_role(self, obj: ExpertReview) -> str:
        return selectors.panel_role(self.context["actor"], obj)

    def get_submitted(self, obj: ExpertReview) -> bool:
        member = selectors.my_membership(actor=self.context["actor"], review=obj)
        return bool(member and member.submitted_at)


class PanelMemberOutputSerializer(serializers.Serializer):
    expert_id = serializers.IntegerField()
    expert_name = serializers.CharField(source="expert.name")
    status = serializers.ChoiceField(choices=PanelStatus.choices)
    conflict_reason = serializers.ChoiceField(choices=[("", ""), *ConflictReason.choices])
    conflict_detail = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)


class ItemScoreInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=4)
    criteria = serializers.DictField(
        child=DecimalNumberField(max_digits=5, decimal_places=2, min_value=0, max_value=100), allow_empty=False
    )
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ScoresInputSerializer(serializers.Serializer):
    scores = serializers.ListField(child=ItemScoreInputSerializer(), min_length=1, max_length=100)


class ScoreOutputSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    criteria = serializers.DictField(child=serializers.CharField())
    total = serializers.DecimalField(max_digits=6, decimal_places=2)
    comment = serializers.CharField()


class ResultOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    bid_id = serializers.IntegerField(allow_null=True)
    organization_name = serializers.CharField()
    result = serializers.DecimalField(max_digits=6, decimal_places=2)
    method = serializers.ChoiceField(choices=["mean", "trimmed_mean"])
    totals = serializers.DictField(child=serializers.DecimalField(max_digits=6, decimal_places=2))


class ExpertListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="experts_list",
        parameters=[OpenApiParameter("field", str, description="A technology field code.")],
        responses={200: ExpertOutputSerializer(many=True)},
        summary="The expert pool, shared across the network (operators).",
    )
    def get(self, request: Request) -> Response:
        qs = selectors.expert_list(actor=request_user(request), field=request.query_params.get("field"))
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=ExpertOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="experts_create",
        examples=examples.EXPERTS_CREATE,
        request=ExpertCreateInputSerializer,
        responses={201: ExpertOutputSerializer},
        summary="Add an expert to the pool (operators of any market).",
    )
    def post(self, request: Request) -> Response:
        serializer = ExpertCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expert = services.expert_create(actor=request_user(request), **serializer.validated_data)
        return Response(ExpertOutputSerializer(expert).data, status=status.HTTP_201_CREATED)


class ExpertConflictCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="experts_conflicts_create",
        examples=examples.EXPERTS_CONFLICTS_CREATE,
        request=ConflictInputSerializer,
        responses={201: ConflictOutputSerializer},
        summary="Declare a conflict of interest (the expert itself, or an operator).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        expert = selectors.access_expert(actor=actor, pk=pk)
        serializer = ConflictInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conflict = services.expert_conflict_add(actor=actor, expert=expert, **serializer.validated_data)
        response = Response(ConflictOutputSerializer(conflict).data, status=status.HTTP_201_CREATED)
        response["Location"] = "/api/v1/experts"  # the pool lists each expert with its declared conflicts
        return response


def _review(request: Request, review: ExpertReview, code: int = 200) -> Response:
    return Response(ReviewOutputSerializer(review, context={"actor": request_user(request)}).data, status=code)


class ReviewListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="expert_reviews_list",
        responses={200: ReviewListOutputSerializer(many=True)},
        summary="Reviews you organise or sit on the panel of (open one for its items and your part).",
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            request=request, view=self, queryset=selectors.review_visible_qs(request_user(request)),
            serializer_class=ReviewListOutputSerializer,
        )  # fmt: skip

    @extend_schema(
        tags=TAGS,
        operation_id="expert_reviews_create",
        examples=examples.EXPERT_REVIEWS_CREATE,
        request=ReviewCreateInputSerializer,
        responses={
            201: ReviewOutputSerializer,
            **problem_response(404, "The challenge or registration does not exist or is not visible to you."),
        },
        summary="Open a blind review of a challenge's bids or of a large registration; the panel is drawn "
        "from the pool with conflicted experts excluded (回避).",
    )
    def post(self, request: Request) -> Response:
        actor = request_user(request)
        serializer = ReviewCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        common = {"actor": actor, "criteria": data["criteria"], "panel_size": data["panel_size"]}
        if data["kind"] == ReviewKind.CHALLENGE_BIDS:
            challenge = access_challenge(actor=actor, pk=data["challenge_id"])
            review = services.review_create_for_challenge(challenge=challenge, **common)
        else:
            registration = access_registration(actor=actor, pk=data["registration_id"])
            review = services.review_create_for_registration(registration=registration, **common)
        return _review(request, review, status.HTTP_201_CREATED)


class ReviewDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="expert_reviews_retrieve", responses={200: ReviewOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return _review(request, selectors.access_review(actor=request_user(request), pk=pk))


class ReviewPanelApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="expert_reviews_panel",
        responses={200: PanelMemberOutputSerializer(many=True)},
        summary="The panel, with the excluded experts and why (organisers only).",
    )
    def get(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        review = selectors.access_review(actor=actor, pk=pk)
        return Response(PanelMemberOutputSerializer(selectors.review_panel(actor=actor, review=review), many=True).data)


class ReviewScoresApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="expert_reviews_scores_list",
        responses={200: ScoreOutputSerializer(many=True)},
        summary="Your own scores (an expert never sees the others').",
    )
    def get(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        review = selectors.access_review(actor=actor, pk=pk)
        return Response(ScoreOutputSerializer(selectors.my_scores(actor=actor, review=review), many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="expert_reviews_scores_create",
        examples=examples.EXPERT_REVIEWS_SCORES_CREATE,
        request=ScoresInputSerializer,
        responses={201: ScoreOutputSerializer(many=True)},
        summary="Submit your scores of every item, once (0–100 per criterion).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        review = selectors.access_review(actor=actor, pk=pk)
        serializer = ScoresInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.scores_submit(actor=actor, review=review, scores=serializer.validated_data["scores"])
        scores = selectors.my_scores(actor=actor, review=review)
        return Response(ScoreOutputSerializer(scores, many=True).data, status=status.HTTP_201_CREATED)


class ReviewResultsApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="expert_reviews_results",
        responses={200: ResultOutputSerializer(many=True)},
        summary="The aggregated results, best first (organisers; once every panel member has submitted).",
    )
    def get(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        review = selectors.access_review(actor=actor, pk=pk)
        return Response(ResultOutputSerializer(selectors.review_results(actor=actor, review=review), many=True).data)
