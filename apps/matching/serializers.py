"""Input and output shapes of the matching API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.fields import MarketDateField
from apps.matching.explaining import criterion_row, evidence, evidence_text, filter_row, paragraph, sentences
from apps.matching.models import BrokerProgress, DismissalReason, Match, MatchState

# Labels of the engine's criteria and filters, translated for the reader. A criterion the engine adds
# later shows under its code until it gets a label here.
CRITERION_LABELS: dict[str, Any] = {
    "text": _("text similarity"),
    "keywords": _("shared keywords"),
    "field": _("technology field"),
    "technology_field": _("technology field"),
    "industry": _("industry"),
    "industries": _("industry"),
    "trl": _("technology readiness"),
    "stage": _("development stage"),
    "cooperation": _("cooperation mode"),
    "cooperation_modes": _("cooperation mode"),
    "price": _("price within budget"),
    "budget": _("price within budget"),
    "region": _("region"),
    "language": _("language"),
    "lang": _("language"),
    "published": _("published"),
    "not_expired": _("not expired"),
    "excluded": _("dismissed before or the same organisation"),
}


def criterion_label(code: str) -> str:
    label = CRITERION_LABELS.get(code)
    return str(label) if label is not None else code


class MatchListFilterInputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=MatchState.choices, required=False, help_text="Only this state; by default all but dismissed."
    )


class MatchListingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    owner_id = serializers.IntegerField()
    owner_name = serializers.CharField(source="owner.name")
    technology_field = serializers.CharField(source="technology_field_id")
    status = serializers.CharField()


class MatchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    demand = MatchListingOutputSerializer()
    achievement = MatchListingOutputSerializer()
    score = serializers.FloatField()
    state = serializers.ChoiceField(choices=MatchState.choices)
    dismissal_reason = serializers.CharField()
    dismissed_by_me = serializers.BooleanField(
        default=False,
        help_text="You, a broker outside both organisations, set this match aside: hidden from your lists only.",
    )
    my_progress = serializers.ChoiceField(
        choices=BrokerProgress.choices,
        allow_null=True,
        default=None,
        help_text="Your own progress on this match as a broker outside both organisations (viewed, contacted); "
        "null otherwise. It does not change the parties' state.",
    )
    engine_version = serializers.CharField()
    index_version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class MatchCriterionOutputSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    label = serializers.CharField(help_text="The criterion's name in the request's language.")  # type: ignore[assignment]
    passed = serializers.BooleanField(allow_null=True, help_text="null: either side lacks the data.")
    contribution = serializers.FloatField(allow_null=True)
    detail = serializers.JSONField(
        allow_null=True,
        help_text=(
            "Both sides, machine-readable: `wanted` is always the demand's value, `offered` the achievement's "
            "(codes; TRL as a number or a {min, max} range; money in yuan as a decimal string; null: not "
            "specified). Filters give their parameters (`on`, `count`, or `wanted`/`offered` modes)."
        ),
    )
    text = serializers.CharField(help_text="The same as a sentence in the request's language.")


class MatchFilterOutputSerializer(MatchCriterionOutputSerializer):
    passed = serializers.BooleanField(help_text="Always true: every match shown passed the filter.")
    contribution = serializers.FloatField(help_text="Always 0: filters decide eligibility, not the score.")
    detail = serializers.JSONField(help_text="The filter's parameters.")


class MatchTermOutputSerializer(serializers.Serializer):
    term = serializers.CharField(help_text="A word or glossary concept both texts share.")
    weight = serializers.FloatField(help_text="Its share of the score.")
    via = serializers.CharField(
        required=False,
        help_text="`glossary` when reached through a glossary concept, `dictionary` when an English word of one "
        "text is the dictionary translation (CC-CEDICT) of a Chinese word of the other.",
    )
    english = serializers.CharField(required=False, help_text="The concept's English name.")


class MatchExplanationOutputSerializer(serializers.Serializer):
    engine_version = serializers.CharField()
    score = serializers.FloatField()
    terms = MatchTermOutputSerializer(
        many=True,
        help_text="The meaningful words both texts share (no single characters or stop words; a word inside a "
        "longer term shown is counted with it).",
    )
    terms_text = serializers.CharField(help_text="The shared words as a sentence in the request's language.")
    sentences = serializers.ListField(
        child=serializers.CharField(),
        help_text="Every reason for the match as one sentence in the request's language, most weighty first: "
        "the shared words, words matched across Chinese and English, each fit criterion met or not known.",
    )
    text = serializers.CharField(help_text="The sentences as one paragraph.")
    criteria = MatchCriterionOutputSerializer(many=True)
    filters = MatchFilterOutputSerializer(many=True, help_text="Only the filters the search applied.")


def render_explanation(match: Match) -> dict[str, Any]:
    """The engine's explanation with every criterion and filter labelled and told in the active language."""
    raw: dict[str, Any] = match.explanation or {}
    demand, achievement = match.demand, match.achievement

    def rows(items: Any, describe: Any) -> list[dict[str, Any]]:
        rendered = []
        for item in items or []:
            if isinstance(item, str):
                item = {"criterion": item}
            code = str(item.get("criterion") or item.get("filter") or item.get("name") or "")
            told = describe(code, item, demand, achievement)
            rendered.append({"criterion": code, "label": criterion_label(code), **told})
        return rendered

    text = raw.get("text") or {}
    terms = evidence(text.get("terms", []) if isinstance(text, dict) else [])
    criteria = rows(raw.get("criteria"), criterion_row)
    told = sentences(terms, criteria)
    return {
        "engine_version": raw.get("engine_version", match.engine_version),
        "score": raw.get("score", match.score),
        "terms": terms,
        "terms_text": evidence_text(terms),
        "sentences": told,
        "text": paragraph(told),
        "criteria": criteria,
        "filters": rows(raw.get("filters"), filter_row),
    }


class MatchDetailOutputSerializer(MatchOutputSerializer):
    dismissal_note = serializers.CharField()
    feedback_at = serializers.DateTimeField(allow_null=True)
    notified_at = serializers.DateTimeField(allow_null=True)
    explanation = serializers.SerializerMethodField()

    @extend_schema_field(MatchExplanationOutputSerializer)
    def get_explanation(self, match: Match) -> dict[str, Any]:
        return render_explanation(match)


class MatchFeedbackInputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[(s, label) for s, label in MatchState.choices if s != MatchState.SUGGESTED],
        help_text="viewed → contacted → dismissed; states never move back, a dismissal is final.",
    )
    reason = serializers.ChoiceField(
        choices=DismissalReason.choices, required=False, allow_blank=True, help_text="Required when dismissing."
    )
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class QualityReportFilterInputSerializer(serializers.Serializer):
    since = MarketDateField(required=False, help_text="Matches created on or after this date.")
    until = MarketDateField(required=False, help_text="Matches created on or before this date.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"since": _("After until.")})
        return attrs


class QualityGroupOutputSerializer(serializers.Serializer):
    suggested = serializers.IntegerField()
    viewed = serializers.IntegerField()
    contacted = serializers.IntegerField()
    dismissed = serializers.IntegerField()
    total = serializers.IntegerField()
    contact_rate = serializers.FloatField(allow_null=True)


class QualityByEngineOutputSerializer(QualityGroupOutputSerializer):
    engine_version = serializers.CharField()


class QualityByFieldOutputSerializer(QualityGroupOutputSerializer):
    technology_field = serializers.CharField()


class QualityReportOutputSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_state = serializers.DictField(child=serializers.IntegerField())
    by_dismissal_reason = serializers.DictField(child=serializers.IntegerField())
    contact_rate = serializers.FloatField(
        allow_null=True, help_text="Contacted ÷ matches with any feedback (viewed, contacted or dismissed)."
    )
    dismissal_rate = serializers.FloatField(allow_null=True)
    by_engine_version = QualityByEngineOutputSerializer(many=True)
    by_field = QualityByFieldOutputSerializer(many=True)


class ServedIndexOutputSerializer(serializers.Serializer):
    process = serializers.CharField(help_text="host:pid of the worker process.")
    version = serializers.IntegerField(help_text="The change-log version its index is synced to.")
    fingerprint = serializers.CharField(help_text="Digest of the listings it serves (equal = same content).")
    achievements = serializers.IntegerField()
    demands = serializers.IntegerField()
    engine_version = serializers.CharField()
    synced_at = serializers.FloatField(help_text="When it last synced (Unix time).")
    sync_seconds = serializers.FloatField(help_text="How often it syncs (MATCHING_SYNC_SECONDS of that worker).")


class IndexAgreementOutputSerializer(serializers.Serializer):
    latest_version = serializers.IntegerField(help_text="The newest version of the index change log.")
    agree = serializers.BooleanField(
        help_text="Every live worker process serves the newest version with one fingerprint (false when none reports)."
    )
    processes = ServedIndexOutputSerializer(many=True)
