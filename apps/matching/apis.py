"""HTTP for matches: a listing's matches, one match with its explanation, feedback, the quality report."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.matching import examples
from apps.matching.feedback import match_feedback
from apps.matching.models import ListingKind
from apps.matching.selectors import (
    access_listing_for_matches,
    access_match,
    index_agreement,
    match_list,
    quality_report,
)
from apps.matching.serializers import (
    IndexAgreementOutputSerializer,
    MatchDetailOutputSerializer,
    MatchFeedbackInputSerializer,
    MatchListFilterInputSerializer,
    MatchOutputSerializer,
    QualityReportFilterInputSerializer,
    QualityReportOutputSerializer,
)

TAGS = ["matching"]


class BestFirstCursorPagination(StandardCursorPagination):
    ordering = ("-score", "-id")  # type: ignore[assignment]


def _listing_matches_view(kind: ListingKind) -> type[APIView]:
    noun = "demand" if kind == ListingKind.DEMAND else "achievement"

    class ListingMatchListApi(APIView):
        pagination_class = BestFirstCursorPagination

        @extend_schema(
            tags=TAGS,
            operation_id=f"{noun}s_matches_list",
            parameters=[MatchListFilterInputSerializer],
            responses={200: MatchOutputSerializer(many=True)},
            summary=f"The {noun}'s matches, best first (its organisation, brokers following its field, the operator).",
        )
        def get(self, request: Request, pk: int) -> Response:
            listing = access_listing_for_matches(actor=request.user, kind=kind, pk=pk)
            filters = MatchListFilterInputSerializer(data=request.query_params)
            filters.is_valid(raise_exception=True)
            qs = match_list(actor=request.user, kind=kind, listing=listing, filters=filters.validated_data)
            return paginated_response(request=request, view=self, queryset=qs, serializer_class=MatchOutputSerializer)

    ListingMatchListApi.__name__ = ListingMatchListApi.__qualname__ = f"{noun.title()}MatchListApi"
    return ListingMatchListApi


DemandMatchListApi = _listing_matches_view(ListingKind.DEMAND)
AchievementMatchListApi = _listing_matches_view(ListingKind.ACHIEVEMENT)


class MatchDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="matches_retrieve",
        responses={200: MatchDetailOutputSerializer},
        summary="One match with its explanation: every reason as a sentence in the request's language, "
        "both sides (wanted: the demand's, offered: the achievement's) machine-readable.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(MatchDetailOutputSerializer(access_match(actor=request.user, pk=pk)).data)


class MatchFeedbackApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="matches_feedback",
        examples=examples.MATCHES_FEEDBACK,
        request=MatchFeedbackInputSerializer,
        responses={200: MatchDetailOutputSerializer},
        summary="Mark a match viewed or contacted, or dismiss it with a coded reason (final).",
    )
    def post(self, request: Request, pk: int) -> Response:
        match = access_match(actor=request.user, pk=pk)
        serializer = MatchFeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        match_feedback(actor=request_user(request), match=match, **serializer.validated_data)
        return Response(MatchDetailOutputSerializer(access_match(actor=request.user, pk=pk)).data)


class MatchQualityReportApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="matching_quality_report",
        parameters=[QualityReportFilterInputSerializer],
        responses={200: QualityReportOutputSerializer},
        summary="The operator's report: matches by state, dismissal reason, engine version and field.",
    )
    def get(self, request: Request) -> Response:
        filters = QualityReportFilterInputSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        report = quality_report(actor=request.user, **filters.validated_data)
        return Response(QualityReportOutputSerializer(report).data)


class MatchIndexStatusApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="matching_index_status",
        responses={200: IndexAgreementOutputSerializer},
        summary="The operator's check that every worker serves the newest match index (version, fingerprint).",
    )
    def get(self, request: Request) -> Response:
        return Response(IndexAgreementOutputSerializer(index_agreement(actor=request.user)).data)
