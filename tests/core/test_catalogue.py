"""The zh-hans catalogue covers every user-facing string of the source (its compiled .mo included)."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

LOCALES = Path(settings.BASE_DIR) / "locale"
LOCALE = LOCALES / "zh_Hans" / "LC_MESSAGES"


def _po_entries(path: Path) -> list[tuple[str, str, bool]]:
    """(key, msgstr or msgstr[0], fuzzy) of every entry but the header; the key as gettext stores it."""
    entries, current, field, fuzzy = [], {}, None, False
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgid ", "msgid_plural ", "msgstr ", "msgstr[0] ", "msgctxt ")):
            field, _, literal = line.partition(" ")
            current[field] = ast.literal_eval(literal)
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
        elif not line.strip() and current:
            if current.get("msgid"):
                key = current["msgid"]
                if "msgctxt" in current:
                    key = f"{current['msgctxt']}\x04{key}"
                entries.append((key, current.get("msgstr", current.get("msgstr[0]", "")), fuzzy))
            current, field, fuzzy = {}, None, False
    return entries


# The market's languages with a complete catalogue: zh-hans first, and Vietnamese (the ASEAN language the
# API answers fully in; English is the source).
@pytest.mark.parametrize("language", ["zh_Hans", "vi"])
def test_every_string_is_translated_and_compiled(language):
    LOCALE = LOCALES / language / "LC_MESSAGES"  # noqa: N806 - the module's name, per language
    entries = _po_entries(LOCALE / "django.po")
    assert len(entries) > 500
    assert [msgid for msgid, _, fuzzy in entries if fuzzy] == []
    assert [msgid for msgid, msgstr, _ in entries if not msgstr] == []
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    keys = {key[0] if isinstance(key, tuple) else key for key in compiled._catalog}  # type: ignore[attr-defined]
    missing = [key for key, _, _ in entries if key not in keys]
    assert missing == [], "compile the catalogue: manage.py compilemessages"


def test_one_english_word_two_chinese_meanings():
    from django.utils import translation

    from apps.challenges.models import ChallengeStatus, DecisionKind, MilestoneReview
    from apps.listings.models import Demand, ListingStatus
    from apps.organizations.models import Organization

    with translation.override("zh-hans"):
        assert str(ListingStatus.SUBMITTED.label) == str(ChallengeStatus.SUBMITTED.label) == "待审核"
        assert str(DecisionKind.SUBMIT.label) == "提交审核"  # the event, not the state
        assert str(Demand._meta.get_field("description").verbose_name) == "需求描述"
        assert str(Organization._meta.get_field("description").verbose_name) == "简介"
        assert str(MilestoneReview._meta.get_field("reviewed_by").verbose_name) == "评审人"
