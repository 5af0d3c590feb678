"""HTTP for the step from custody to the market: an asset in custody becomes a prefilled draft achievement.

Routed under custody's path (``custody/assets/<pk>/to-market``) with custody's tag, as before; it lives in
listings because it writes a listing."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.custody.selectors import access_custody_asset
from apps.listings import examples
from apps.listings.from_custody import custody_asset_to_market
from apps.listings.models import CooperationMode
from apps.listings.serializers import ReferenceCodeField

TAGS = ["custody"]


class ToMarketInputSerializer(serializers.Serializer):
    technology_field = ReferenceCodeField(
        kind="technology_field", required=False, help_text="Code; default: from an earlier achievement of the asset."
    )
    trl = serializers.IntegerField(min_value=1, max_value=9, required=False)
    cooperation_modes = serializers.ListField(
        child=serializers.ChoiceField(choices=CooperationMode.choices),
        required=False,
        min_length=1,
        max_length=2,
        help_text="transfer and/or licence; default both (licence only while the asset is pledged).",
    )

    def validate_cooperation_modes(self, value: list[str]) -> list[str]:
        allowed = {CooperationMode.TRANSFER, CooperationMode.LICENCE}
        if not set(value) <= allowed:
            raise serializers.ValidationError(_("Only transfer and licence are offered from custody."))
        return list(dict.fromkeys(value))


class DraftAchievementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    cooperation_modes = serializers.ListField(child=serializers.CharField())


class ToMarketApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="custody_assets_to_market",
        examples=examples.CUSTODY_ASSETS_TO_MARKET,
        request=ToMarketInputSerializer,
        responses={201: DraftAchievementOutputSerializer},
        summary="Turn the asset into a prefilled draft achievement (the owner's members).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        row = access_custody_asset(actor=actor, pk=pk)
        serializer = ToMarketInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        achievement = custody_asset_to_market(actor=actor, custody_asset=row, **serializer.validated_data)
        location = reverse("achievements-detail", kwargs={"pk": achievement.pk})
        return Response(
            DraftAchievementOutputSerializer(achievement).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )
