"""HTTP for IP assets: an organisation's register of patents, software copyrights and other rights."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.ip.models import IPAsset, IPAssetKind, LegalStatus
from apps.ip.selectors import access_ip_asset, ip_asset_list
from apps.ip.services import ip_asset_create, ip_asset_delete, ip_asset_update

TAGS = ["ip"]


class IPAssetInputSerializer(serializers.Serializer):
    """One serializer for create and (partial) update, so the kind enum is one schema component."""

    owner_id = serializers.IntegerField(
        required=False,
        help_text="On create: one of your organisations; may be left out when you belong to only one. "
        "The owner cannot change afterwards.",
    )
    kind = serializers.ChoiceField(choices=IPAssetKind.choices)
    title = serializers.CharField(max_length=300)
    application_number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="CNIPA application number, e.g. 201710601862.3."
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
    filing_date = serializers.DateField(required=False, allow_null=True)
    grant_date = serializers.DateField(required=False, allow_null=True)
    legal_status = serializers.ChoiceField(choices=LegalStatus.choices, required=False)

    def validate_owner_id(self, value: int) -> int:
        if self.partial:
            raise serializers.ValidationError(_("The owner of an asset cannot change."), code="read_only")
        return value


class IPAssetOwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class IPAssetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    owner = IPAssetOwnerSerializer()
    # A plain string here (values as in the input's enum): a second component carrying the same enum
    # would collide with reference's Industry "kind" in the schema's enum naming.
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    application_number = serializers.CharField()
    patent_number = serializers.CharField()
    publication_number = serializers.CharField()
    registration_number = serializers.CharField()
    ipc_main = serializers.CharField()
    ipc_codes = serializers.ListField(child=serializers.CharField())
    filing_date = serializers.DateField(allow_null=True)
    grant_date = serializers.DateField(allow_null=True)
    legal_status = serializers.ChoiceField(choices=LegalStatus.choices)
    legal_status_display = serializers.CharField(source="get_legal_status_display")
    achievement_count = serializers.IntegerField(help_text="Achievements that rest on this asset.")
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
            OpenApiParameter(
                "q",
                str,
                description="Title, or a fragment of an application, patent, publication or registration number.",
            ),
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
