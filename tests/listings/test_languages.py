"""Listings in Vietnamese, Thai, Indonesian and Malay beside Chinese and English: per-language versions,
search in each language (Thai segmented, Vietnamese with or without diacritics), filters, bad input."""

from __future__ import annotations

import pytest

from apps.core.text import fold_diacritics, tokens_for_index, tokens_for_query
from apps.listings.models import Achievement
from tests.factories import OrganizationFactory, member_of

URL = "/api/v1/achievements"


def test_thai_is_segmented_and_vietnamese_also_indexed_without_diacritics():
    assert tokens_for_query("แบตเตอรี่รถยนต์ไฟฟ้า") == ["แบตเตอรี่", "รถยนต์", "ไฟฟ้า"]
    assert {"điện", "dien", "pin"} <= set(tokens_for_index("Pin xe điện"))
    assert tokens_for_query("xe điện") == ["xe", "điện"]  # a query keeps what was typed
    assert fold_diacritics("Nhiệt luyện đường") == "Nhiet luyen duong"
    # Chinese and English are analysed as before.
    assert tokens_for_query("锂电池 battery") == ["锂电池", "battery"]


@pytest.fixture
def owner(db):
    return member_of(OrganizationFactory(name="Siam Geartech Co., Ltd."))


def _data(**overrides):
    data = {
        "language": "th",
        "title": "เทคโนโลยีแบตเตอรี่ลิเธียมสำหรับรถยนต์ไฟฟ้า",
        "summary": "ระบบจัดการแบตเตอรี่สำหรับรถยนต์ไฟฟ้า ยืดอายุการใช้งานแบตเตอรี่ 20%",
        "translations": {
            "en": {"title": "Lithium battery management for electric vehicles", "summary": "Extends battery life."},
            "ms": {"title": "Pengurusan bateri litium untuk kenderaan elektrik", "summary": "Hayat bateri."},
        },
        "technology_field": "06",
        "trl": 5,
        "cooperation_modes": ["licence"],
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_thai_listing_is_found_in_thai_english_and_malay(client_for, owner):
    client = client_for(owner)
    created = client.post(URL, _data(), format="json")
    assert created.status_code == 201, created.json()["errors"]
    body = created.json()
    assert body["language"] == "th"
    assert list(body["translations"]) == ["en", "ms"]
    assert body["translations"]["ms"]["title"].startswith("Pengurusan")
    pk = body["id"]
    for query in ("แบตเตอรี่", "รถยนต์ไฟฟ้า", "battery management", "kenderaan elektrik"):
        found = client.get(URL, {"q": query, "mine": "true", "status": "draft"}).json()["results"]
        assert [row["id"] for row in found] == [pk], query
    assert client.get(URL, {"q": "ไฟฉาย", "mine": "true", "status": "draft"}).json()["results"] == []
    # Filters: the original language, and the languages it can be read in.
    mine = {"mine": "true", "status": "draft"}
    assert [r["id"] for r in client.get(URL, {**mine, "language": "th"}).json()["results"]] == [pk]
    assert client.get(URL, {**mine, "language": "en"}).json()["results"] == []
    assert [r["id"] for r in client.get(URL, {**mine, "available_language": "ms"}).json()["results"]] == [pk]
    assert client.get(URL, {**mine, "available_language": "vi"}).json()["results"] == []
    # Editing a version replaces the set of versions.
    changed = client.patch(
        f"{URL}/{pk}", {"translations": {"vi": {"title": "Pin lithium cho xe điện", "summary": ""}}}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert list(changed.json()["translations"]) == ["vi"]
    found = client.get(URL, {"q": "xe dien", **mine}).json()["results"]
    assert [row["id"] for row in found] == [pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"translations": {"fr": {"title": "Batterie"}}}, "unknown_language"),
        ({"translations": {"th": {"title": "ซ้ำ"}}}, "original_language"),
        ({"translations": {"en": {"summary": "no title"}}}, "required"),
        ({"language": "lo"}, "invalid_choice"),
    ],
)
def test_bad_language_versions_are_refused_and_nothing_stored(client_for, owner, overrides, code):
    response = client_for(owner).post(URL, _data(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert code in {error["code"] for error in response.json()["errors"]}, response.json()
    assert not Achievement.objects.exists()


@pytest.mark.django_db
def test_a_version_in_the_original_language_is_refused_on_update_too(client_for, owner):
    client = client_for(owner)
    pk = client.post(URL, _data(), format="json").json()["id"]
    response = client.patch(f"{URL}/{pk}", {"translations": {"th": {"title": "ซ้ำ", "summary": ""}}}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "translation_of_original_language"
    assert list(Achievement.objects.get(pk=pk).translations) == ["en", "ms"]
    # Another organisation's member cannot edit it.
    outsider = member_of(OrganizationFactory(name="南宁无关科技有限公司"))
    assert client_for(outsider).patch(f"{URL}/{pk}", {"translations": {}}, format="json").status_code == 404
    assert list(Achievement.objects.get(pk=pk).translations) == ["en", "ms"]


@pytest.mark.django_db
def test_a_thai_listing_is_published_with_an_english_or_chinese_version(client_for, owner):
    client = client_for(owner)
    malay_only = {"ms": {"title": "Pengurusan bateri litium", "summary": "Hayat bateri lebih panjang."}}
    created = client.post(URL, _data(translations=malay_only), format="json")
    assert created.status_code == 201, created.json()  # a draft may wait for its version
    pk = created.json()["id"]
    refused = client.post(f"{URL}/{pk}/submit", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400, refused.json()
    assert refused.json()["code"] == "bridge_version_required"
    assert "Chinese or English version" in refused.json()["detail"]
    assert client.get(f"{URL}/{pk}").json()["status"] == "draft"
    # An English title without its text is not a version yet; with it, the listing goes to review.
    english = {"en": {"title": "Lithium battery management", "summary": ""}}
    assert client.patch(f"{URL}/{pk}", {"translations": {**malay_only, **english}}, format="json").status_code == 200
    assert client.post(f"{URL}/{pk}/submit").json()["code"] == "bridge_version_required"
    english["en"]["summary"] = "Extends battery life by 20%."
    assert client.patch(f"{URL}/{pk}", {"translations": {**malay_only, **english}}, format="json").status_code == 200
    submitted = client.post(f"{URL}/{pk}/submit")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"
