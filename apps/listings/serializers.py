"""Input serializers for listings, shared by the API and the bulk importer so both validate alike.

They check each field on its own (types, lengths, known codes, dates not past); rules that tie fields
together (price type against amounts, budget minimum against maximum) live in the services, because a
partial update must be checked against the stored values.
"""

from __future__ import annotations

import time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.fields import MarketDateField, MoneyField
from apps.listings.models import Attribute, CooperationMode, Language, PriceType, Stage
from apps.reference.models import Industry, Region, TechnologyField

MAX_KEYWORDS = 10
_CODE_CACHE_SECONDS = 60.0
_code_cache: dict[str, tuple[float, frozenset[str]]] = {}


def known_codes(kind: str) -> frozenset[str]:
    """Codes of a reference list, re-read at most once a minute (imports validate 100,000s of rows)."""
    now = time.monotonic()
    cached = _code_cache.get(kind)
    if cached and now - cached[0] < _CODE_CACHE_SECONDS:
        return cached[1]
    if kind == "technology_field":
        codes = frozenset(TechnologyField.objects.values_list("code", flat=True))
    elif kind == "industry":
        codes = frozenset(Industry.objects.filter(is_active=True).values_list("code", flat=True))
    elif kind == "region":
        codes = frozenset(Region.objects.values_list("code", flat=True))
    else:  # pragma: no cover - programming error
        raise ValueError(kind)
    _code_cache[kind] = (now, codes)
    return codes


def forget_known_codes() -> None:
    _code_cache.clear()


class ReferenceCodeField(serializers.CharField):
    """A code from one reference list (technology field, industry, region)."""

    def __init__(self, *, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("max_length", 48)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value and value not in known_codes(self.kind):
            raise serializers.ValidationError(
                _("Unknown code %(code)s.") % {"code": value[:48]}, code=f"unknown_{self.kind}"
            )
        return value


def _not_past(value: Any) -> None:
    if value < timezone.localdate():
        raise serializers.ValidationError(_("This date is in the past."), code="date_in_past")


class ListingMoneyField(MoneyField):
    """Yuan, exact to the fen, never negative; plain ASCII decimal notation."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)


class AchievementTranslationSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    summary = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class DemandTranslationSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")


def check_translations(value: dict[str, Any], language: str) -> dict[str, Any]:
    """Language codes of the listing languages, none the original's; stored in Language order."""
    unknown = sorted(set(value) - set(Language.values))
    if unknown:
        raise serializers.ValidationError(
            _("Unknown language: %(codes)s. Use %(known)s.")
            % {"codes": ", ".join(unknown)[:60], "known": ", ".join(Language.values)},
            code="unknown_language",
        )
    if language in value:
        raise serializers.ValidationError(
            _("The original language is given by title and text, not as a translation."), code="original_language"
        )
    return {code: dict(value[code]) for code in Language.values if code in value}


class ListingInputSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField(required=False, help_text="Organisation that lists it; defaults to yours.")
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Your own id for the listing, unique in your organisation (empty: none).",
    )
    language = serializers.ChoiceField(choices=Language.choices, default=Language.ZH)
    title = serializers.CharField(max_length=200)
    translated_title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    technology_field = ReferenceCodeField(kind="technology_field")
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=MAX_KEYWORDS, required=False
    )
    cooperation_modes = serializers.ListField(
        child=serializers.ChoiceField(choices=CooperationMode.choices), min_length=1
    )
    confidential_detail = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)

    def validate_keywords(self, value: list[str]) -> list[str]:
        # Keep order, drop blanks and repeats: keywords are a set the owner typed as a list.
        return list(dict.fromkeys(k.strip() for k in value if k.strip()))

    def validate_cooperation_modes(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "translations" in attrs:
            # On a partial update without ``language`` the service checks against the stored one.
            language = attrs.get("language") or (Language.ZH if not self.partial else "")
            try:
                attrs["translations"] = check_translations(attrs["translations"], language)
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"translations": exc.detail}) from None
        return attrs


class AchievementInputSerializer(ListingInputSerializer):
    summary = serializers.CharField(max_length=3000)
    translated_summary = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    translations = serializers.DictField(
        child=AchievementTranslationSerializer(),
        required=False,
        help_text="Further language versions by code (en, zh, vi, th, id, ms), beside the original `language`.",
    )
    trl = serializers.IntegerField(
        min_value=1,
        max_value=9,
        error_messages={
            "min_value": _("TRL runs from 1 to 9."),
            "max_value": _("TRL runs from 1 to 9."),
        },
    )
    attribute = serializers.ChoiceField(choices=Attribute.choices, default=Attribute.ORIGINAL)
    industries = serializers.ListField(child=ReferenceCodeField(kind="industry"), max_length=10, required=False)
    price_type = serializers.ChoiceField(choices=PriceType.choices, default=PriceType.NEGOTIABLE)
    price_min = ListingMoneyField()
    price_max = ListingMoneyField()
    expires_on = MarketDateField(required=False, allow_null=True, validators=[_not_past])
    ip_asset_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=50, required=False)

    def validate_industries(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class DemandInputSerializer(ListingInputSerializer):
    description = serializers.CharField(max_length=5000)
    translated_description = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    translations = serializers.DictField(
        child=DemandTranslationSerializer(),
        required=False,
        help_text="Further language versions by code (en, zh, vi, th, id, ms), beside the original `language`.",
    )
    industry = ReferenceCodeField(kind="industry", required=False, allow_blank=True)
    budget_min = ListingMoneyField()
    budget_max = ListingMoneyField()
    deadline = MarketDateField(validators=[_not_past])
    wanted_stage = serializers.ChoiceField(choices=Stage.choices, required=False, allow_blank=True)
    region_preference = ReferenceCodeField(kind="region", required=False, allow_blank=True)
