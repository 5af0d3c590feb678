"""HTTP for IP assets: an organisation's register of patents, software copyrights and other rights."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.changes import UPDATED_SINCE_PARAMETER
from apps.core.fields import MarketDateField
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.ip import examples
from apps.ip.models import IPAsset, IPAssetKind, LegalEventKind, LegalStatus, PatentOffice
from apps.ip.selectors import access_ip_asset, ip_asset_list, legal_event_list
from apps.ip.services import (
    ip_asset_create,
    ip_asset_delete,
    ip_asset_update,
    ip_asset_upsert_by_external_id,
    ip_legal_event_record,
)

TAGS = ["ip"]


class IPCoOwnerInputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="A named person.")


class PriorityClaimSerializer(serializers.Serializer):
    office = serializers.ChoiceField(choices=PatentOffice.choices, help_text="Office of the earlier filing.")
    number = serializers.CharField(max_length=32, help_text="Its application number, in that office's form.")
    date = MarketDateField(help_text="Its filing date: the priority date.")


class IPAssetInputSerializer(serializers.Serializer):
    """One serializer for create and (partial) update, so the kind enum is one schema component."""

    owner_id = serializers.IntegerField(
        required=False,
        help_text="On create: one of your organisations; may be left out when you belong to only one. "
        "The owner cannot change afterwards.",
    )
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Your own id for the asset, unique in the owner organisation (empty: none).",
    )
    kind = serializers.ChoiceField(choices=IPAssetKind.choices)
    title = serializers.CharField(max_length=300)
    office = serializers.ChoiceField(
        choices=PatentOffice.choices, required=False, help_text="Patent office (default CN, CNIPA)."
    )
    application_number = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="In the office's form: CNIPA 201710601862.3, PCT/CN2023/123456, EP23123456.7, 16/123,456, "
        "1-2023-01234 (Viet Nam), PI2023001234 (Malaysia) … (docs/asean.md).",
    )
    patent_number = serializers.CharField(
        max_length=22, required=False, allow_blank=True, help_text="ZL + the application number."
    )
    publication_number = serializers.CharField(
        max_length=24, required=False, allow_blank=True, help_text="e.g. CN102822194B."
    )
    registration_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Software copyright: e.g. 2019SR1234567."
    )
    ipc_main = serializers.CharField(max_length=24, required=False, allow_blank=True, help_text="e.g. A61K 31/495.")
    ipc_codes = serializers.ListField(
        child=serializers.CharField(max_length=24), max_length=30, required=False, help_text="Further IPC symbols."
    )
    filing_date = MarketDateField(required=False, allow_null=True)
    grant_date = MarketDateField(required=False, allow_null=True)
    legal_status = serializers.ChoiceField(choices=LegalStatus.choices, required=False)
    family_id = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Groups the applications of one invention."
    )
    priority_claims = serializers.ListField(
        child=PriorityClaimSerializer(),
        required=False,
        max_length=20,
        help_text="Earlier filings whose priority this application claims (12 months, designs 6).",
    )
    co_owners = serializers.ListField(
        child=IPCoOwnerInputSerializer(),
        required=False,
        max_length=20,
        help_text="Further holders besides the owner: each an organization_id or a person's name. "
        "On update the list replaces the stored one.",
    )

    def validate_owner_id(self, value: int) -> int:
        if self.partial:
            raise serializers.ValidationError(_("The owner of an asset cannot change."), code="read_only")
        return value


class IPAssetOwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class IPCoOwnerOutputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class IPAssetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    owner = IPAssetOwnerSerializer()
    # A plain string here (values as in the input's enum): a second component carrying the same enum
    # would collide with reference's Industry "kind" in the schema's enum naming.
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    office = serializers.CharField()
    application_number = serializers.CharField()
    patent_number = serializers.CharField()
    publication_number = serializers.CharField()
    registration_number = serializers.CharField()
    ipc_main = serializers.CharField()
    ipc_codes = serializers.ListField(child=serializers.CharField())
    family_id = serializers.CharField()
    priority_claims = PriorityClaimSerializer(many=True)
    filing_date = MarketDateField(allow_null=True)
    grant_date = MarketDateField(allow_null=True)
    legal_status = serializers.ChoiceField(choices=LegalStatus.choices)
    legal_status_display = serializers.CharField(source="get_legal_status_display")
    achievement_count = serializers.IntegerField(help_text="Achievements that rest on this asset.")
    co_owners = IPCoOwnerOutputSerializer(many=True, source="co_owner_list")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _detail(request: Request, asset: IPAsset, *, code: int = status.HTTP_200_OK) -> Response:
    fresh = access_ip_asset(actor=request_user(request), pk=asset.pk)
    return Response(IPAssetOutputSerializer(fresh).data, status=code)


class IPAssetListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="ip_assets_list",
        parameters=[
            OpenApiParameter("kind", str, many=True, enum=IPAssetKind.values),
            OpenApiParameter("legal_status", str, many=True, enum=LegalStatus.values),
            OpenApiParameter("owner", int, description="Owner organisation id."),
            OpenApiParameter("office", str, many=True, enum=PatentOffice.values),
            OpenApiParameter("family_id", str, description="The applications of one patent family."),
            OpenApiParameter(
                "q",
                str,
                description="Title, or a fragment of an application, patent, publication or registration number.",
            ),
            OpenApiParameter("external_id", str, description="The asset with this external id (its owner's own)."),
            UPDATED_SINCE_PARAMETER,
        ],
        responses={200: IPAssetOutputSerializer(many=True)},
        summary="The IP assets of your organisations (the operator sees all).",
    )
    def get(self, request: Request) -> Response:
        qs = ip_asset_list(actor=request_user(request), filters=request.query_params)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=IPAssetOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="ip_assets_create",
        examples=[*examples.IP_ASSETS_CREATE, *examples.IP_ASSETS_CREATE_PCT],
        request=IPAssetInputSerializer,
        responses={201: IPAssetOutputSerializer},
        summary="Record an IP asset for one of your organisations; identifiers are checked (409 if already recorded).",
    )
    def post(self, request: Request) -> Response:
        serializer = IPAssetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        asset = ip_asset_create(actor=request_user(request), data=serializer.validated_data)
        return _detail(request, asset, code=status.HTTP_201_CREATED)


class IPAssetDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="ip_assets_retrieve", responses={200: IPAssetOutputSerializer})
    def get(self, request: Request, asset_id: int) -> Response:
        return Response(IPAssetOutputSerializer(access_ip_asset(actor=request_user(request), pk=asset_id)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="ip_assets_update",
        examples=examples.IP_ASSETS_UPDATE,
        request=IPAssetInputSerializer,
        responses={200: IPAssetOutputSerializer},
        summary="Correct an asset (owner's members only); the whole record is checked again.",
    )
    def patch(self, request: Request, asset_id: int) -> Response:
        asset = access_ip_asset(actor=request_user(request), pk=asset_id)
        serializer = IPAssetInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        asset = ip_asset_update(actor=request_user(request), asset=asset, data=serializer.validated_data)
        return _detail(request, asset)

    @extend_schema(
        tags=TAGS,
        operation_id="ip_assets_delete",
        responses={204: None},
        summary="Delete an asset (owner's members only); refused with 409 while achievements rest on it.",
    )
    def delete(self, request: Request, asset_id: int) -> Response:
        asset = access_ip_asset(actor=request_user(request), pk=asset_id)
        ip_asset_delete(actor=request_user(request), asset=asset)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IPAssetByExternalIdApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="ip_assets_upsert_by_external_id",
        examples=examples.IP_ASSETS_UPSERT_BY_EXTERNAL_ID,
        request=IPAssetInputSerializer,
        responses={200: IPAssetOutputSerializer, 201: IPAssetOutputSerializer},
        summary="Create the owner's asset with this external id (201, with Location) or update it (200).",
    )
    def put(self, request: Request, external_id: str) -> Response:
        serializer = IPAssetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        asset, created = ip_asset_upsert_by_external_id(
            actor=request_user(request), external_id=external_id, data=serializer.validated_data
        )
        if not created:
            return _detail(request, asset)
        response = _detail(request, asset, code=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"/api/v1/ip-assets/{asset.pk}")
        return response


class IPLegalEventInputSerializer(serializers.Serializer):
    occurred_on = MarketDateField()
    kind = serializers.ChoiceField(choices=LegalEventKind.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class IPLegalEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    occurred_on = MarketDateField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    status_after = serializers.CharField(help_text="The legal status the event left the asset in; empty if none.")
    note = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class OldestFirstPagination(StandardCursorPagination):
    ordering = ("occurred_on", "id")  # type: ignore[assignment]  # DRF accepts a tuple; the stub says str


class IPLegalEventListApi(APIView):
    pagination_class = OldestFirstPagination

    @extend_schema(
        tags=TAGS,
        operation_id="ip_assets_legal_events_list",
        responses={200: IPLegalEventOutputSerializer(many=True)},
        summary="The asset's legal status history (法律状态), oldest first.",
    )
    def get(self, request: Request, asset_id: int) -> Response:
        actor = request_user(request)
        asset = access_ip_asset(actor=actor, pk=asset_id)
        qs = legal_event_list(actor=actor, asset=asset)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=IPLegalEventOutputSerializer
        )

    @extend_schema(
        tags=TAGS,
        operation_id="ip_assets_legal_events_create",
        examples=examples.IP_ASSETS_LEGAL_EVENTS_CREATE,
        request=IPLegalEventInputSerializer,
        responses={201: IPLegalEventOutputSerializer},
        summary="Record a dated legal event (owner's members or the custodian); the latest one sets the status.",
    )
    def post(self, request: Request, asset_id: int) -> Response:
        actor = request_user(request)
        asset = access_ip_asset(actor=actor, pk=asset_id)
        serializer = IPLegalEventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = ip_legal_event_record(actor=actor, asset=asset, **serializer.validated_data)
        return Response(IPLegalEventOutputSerializer(event).data, status=status.HTTP_201_CREATED)
