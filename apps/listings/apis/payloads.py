"""Serializers of the listing APIs: what a listing, an attachment, an NDA request or an event looks
like on the wire, and the small inputs of the lifecycle and NDA actions."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.core.fields import MarketDateField
from apps.listings.models import Attribute, CooperationMode, ListingStatus, NdaStatus, PriceType, Stage

# --- output serializers ------------------------------------------------------------------------


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="name_zh")
    name_en = serializers.CharField()


class RegionBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="name_zh")


class OwnerBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.CharField()


class ListingTeaserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    # Method fields rather than callable sources: DRF inspects a callable source on every row.
    status_display = serializers.SerializerMethodField()
    language = serializers.CharField()
    title = serializers.CharField()
    translated_title = serializers.CharField()
    technology_field = CodeNameSerializer()
    keywords = serializers.ListField(child=serializers.CharField())
    cooperation_modes = serializers.ListField(child=serializers.ChoiceField(choices=CooperationMode.choices))
    owner = OwnerBriefSerializer()
    region = RegionBriefSerializer(allow_null=True, help_text="None for an owner outside China.")
    published_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_status_display(self, obj: Any) -> str:
        return str(ListingStatus(obj.status).label)


class AchievementListOutputSerializer(ListingTeaserSerializer):
    summary = serializers.CharField()
    industries = CodeNameSerializer(many=True)
    trl = serializers.IntegerField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    attribute = serializers.ChoiceField(choices=Attribute.choices)
    price_type = serializers.ChoiceField(choices=PriceType.choices)
    price_min = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    price_max = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    expires_on = MarketDateField(allow_null=True)


class IPAssetBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    application_number = serializers.CharField()
    patent_number = serializers.CharField()
    publication_number = serializers.CharField()
    registration_number = serializers.CharField()
    ipc_main = serializers.CharField()
    legal_status = serializers.CharField()


class ListingDetailMixin(serializers.Serializer):
    rejection_reason = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    home_market = serializers.CharField(
        source="home_market_id",
        allow_null=True,
        required=False,
        help_text="The code of the market of the network whose operators review this listing.",
    )
    viewer_access = serializers.SerializerMethodField(
        help_text="owner, operator, nda_accepted, nda_pending or none: what the reader may open."
    )

    external_id = serializers.SerializerMethodField(help_text="The owner's own id (shown to the owner and operator).")

    def get_external_id(self, obj: Any) -> str:
        return obj.external_id if self.context.get("access") in {"owner", "operator"} else ""

    def get_rejection_reason(self, obj: Any) -> str:
        # The reviewer's reason is between the operator and the owner.
        return obj.rejection_reason if self.context.get("access") in {"owner", "operator"} else ""

    def get_viewer_access(self, obj: Any) -> str:
        return str(self.context.get("access", "none"))


class AchievementTranslationOutputSerializer(serializers.Serializer):
    title = serializers.CharField()
    summary = serializers.CharField()


class DemandTranslationOutputSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField()


class AchievementDetailOutputSerializer(ListingDetailMixin, AchievementListOutputSerializer):
    translated_summary = serializers.CharField()
    translations = serializers.DictField(child=AchievementTranslationOutputSerializer())
    ip_assets = IPAssetBriefSerializer(many=True, source="ip_assets.all")


class DemandListOutputSerializer(ListingTeaserSerializer):
    description = serializers.CharField()
    industry = CodeNameSerializer(allow_null=True)
    budget_min = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    budget_max = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    deadline = MarketDateField()
    wanted_stage = serializers.CharField()


class DemandDetailOutputSerializer(ListingDetailMixin, DemandListOutputSerializer):
    translated_description = serializers.CharField()
    translations = serializers.DictField(child=DemandTranslationOutputSerializer())
    region_preference = RegionBriefSerializer(allow_null=True)


class AttachmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    is_public = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class ConfidentialOutputSerializer(serializers.Serializer):
    confidential_detail = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    contact_email = serializers.CharField()
    attachments = AttachmentOutputSerializer(many=True)
    access_reason = serializers.CharField(help_text="owner, operator or nda")


class ListingEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor_name = serializers.CharField(source="actor.name", default="")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class NdaRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    listing_kind = serializers.SerializerMethodField()
    listing_id = serializers.SerializerMethodField()
    organization = OwnerBriefSerializer()
    requested_by_name = serializers.CharField(source="requested_by.name", default="")
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=NdaStatus.choices)
    decision_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_listing_kind(self, obj: Any) -> str:
        return "achievement" if obj.achievement_id else "demand"

    def get_listing_id(self, obj: Any) -> int:
        return int(obj.achievement_id or obj.demand_id)


class ConfidentialAccessOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    organization = OwnerBriefSerializer(allow_null=True)
    user_name = serializers.CharField(source="user.name", default="")
    attachment_name = serializers.CharField(source="attachment.original_name", default="")
    ip_address = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


# --- input serializers -------------------------------------------------------------------------


class ReviewInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class MoveMarketInputSerializer(serializers.Serializer):
    market_code = serializers.SlugField(max_length=24, help_text="The market of the network to move it to.")


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)
    is_public = serializers.BooleanField(default=False)


class NdaRequestInputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(required=False)
    message = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class NdaDecisionInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
