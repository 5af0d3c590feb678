"""The public reference-list endpoints: content, filters, refusals, caching and query counts."""

from __future__ import annotations

import pytest

from apps.reference.models import Industry, Region

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reference"


def codes(response) -> list[str]:
    return [item["code"] for item in response.json()]


def assert_bad_filter(response, field: str, code: str) -> None:
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:marketplace:problem:validation_error"
    assert body["status"] == 400
    assert body["code"] == "validation_error"
    assert body["detail"]
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, code)]
    assert body["errors"][0]["message"]


class TestTechnologyFields:
    def test_lists_the_eleven_fields_with_chinese_unescaped(self, api_client):
        response = api_client.get(f"{BASE}/technology-fields")
        assert response.status_code == 200
        assert response.json()[0] == {"code": "01", "name_zh": "电子信息", "name_en": "Electronic information"}
        assert codes(response) == [f"{n:02d}" for n in range(1, 12)]
        assert "生物医药和医疗器械".encode() in response.content
        assert b"\\u" not in response.content

    def test_public_even_with_a_bad_token(self, api_client):
        api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
        assert api_client.get(f"{BASE}/technology-fields").status_code == 200

    def test_cacheable_and_revalidated_by_etag(self, api_client):
        response = api_client.get(f"{BASE}/technology-fields")
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert cache_control == {"public", "max-age=3600"}
        etag = response["ETag"]
        assert etag.startswith('"') and etag.endswith('"')

        again = api_client.get(f"{BASE}/technology-fields", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == etag
        assert api_client.get(f"{BASE}/technology-fields", HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
        assert api_client.get(f"{BASE}/technology-fields", HTTP_IF_NONE_MATCH='"stale"').status_code == 200

    def test_a_changed_list_gets_a_new_etag(self, api_client):
        before = api_client.get(f"{BASE}/industries")
        Industry.objects.filter(code="luosifen").update(name_en="Luosifen")
        after = api_client.get(f"{BASE}/industries", HTTP_IF_NONE_MATCH=before["ETag"])
        assert after.status_code == 200
        assert after["ETag"] != before["ETag"]
        assert "max-age=300" in after["Cache-Control"]

    def test_writes_are_refused(self, api_client):
        response = api_client.post(f"{BASE}/technology-fields", {"code": "12", "name_zh": "其他"}, format="json")
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"

    def test_query_count(self, api_client, django_assert_num_queries):
        with django_assert_num_queries(1):
            assert api_client.get(f"{BASE}/technology-fields").status_code == 200


class TestIndustries:
    def test_lists_active_industries_in_configured_order(self, api_client):
        Industry.objects.filter(code="food").update(is_active=False)
        response = api_client.get(f"{BASE}/industries")
        assert response.status_code == 200
        body = response.json()
        assert body[0] == {"code": "automotive", "name_zh": "汽车", "name_en": "Automotive", "kind": "pillar"}
        assert "food" not in codes(response)
        assert "luosifen" in codes(response)
        assert len(body) == Industry.objects.filter(is_active=True).count()

    def test_an_industry_added_by_the_operator_appears(self, api_client):
        Industry.objects.create(
            code="robotics", name_zh="机器人", name_en="Robotics", kind=Industry.Kind.EMERGING, sort_order=99
        )
        assert codes(api_client.get(f"{BASE}/industries"))[-1] == "robotics"

    def test_filter_by_kind(self, api_client):
        response = api_client.get(f"{BASE}/industries", {"kind": "pillar"})
        assert codes(response) == ["automotive", "steel", "machinery", "chemicals"]

    def test_unknown_kind_is_a_400(self, api_client):
        assert_bad_filter(api_client.get(f"{BASE}/industries", {"kind": "sunset"}), "kind", "invalid_choice")

    def test_query_count(self, api_client, django_assert_num_queries):
        with django_assert_num_queries(1):
            assert api_client.get(f"{BASE}/industries", {"kind": "emerging"}).status_code == 200


class TestRegions:
    def test_lists_all_regions_with_level_and_parent(self, api_client):
        response = api_client.get(f"{BASE}/regions")
        assert response.status_code == 200
        assert len(response.json()) == Region.objects.count() == 34 + 14 + 10
        by_code = {item["code"]: item for item in response.json()}
        assert by_code["450202"] == {
            "code": "450202",
            "name_zh": "城中区",
            "name_en": "Chengzhong District",
            "level": 3,
            "parent_code": "450200",
        }
        assert by_code["450000"]["parent_code"] is None

    def test_children_of_liuzhou(self, api_client):
        response = api_client.get(f"{BASE}/regions", {"parent": "450200"})
        assert codes(response) == [
            "450202", "450203", "450204", "450205", "450206", "450222", "450223", "450224", "450225", "450226",
        ]  # fmt: skip

    def test_filter_by_level(self, api_client):
        response = api_client.get(f"{BASE}/regions", {"level": "2"})
        assert len(codes(response)) == 14
        assert {item["parent_code"] for item in response.json()} == {"450000"}

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("融水", ["450225"]),
            ("自治县", ["450225", "450226"]),
            ("特别行政区", ["810000", "820000"]),
            ("liunan", ["450204"]),
            (
                "4502",
                [
                    "450200",
                    "450202",
                    "450203",
                    "450204",
                    "450205",
                    "450206",
                    "450222",
                    "450223",
                    "450224",
                    "450225",
                    "450226",
                ],
            ),
        ],
    )
    def test_search(self, api_client, q, expected):
        assert codes(api_client.get(f"{BASE}/regions", {"q": q})) == expected

    def test_search_combines_with_parent(self, api_client):
        response = api_client.get(f"{BASE}/regions", {"q": "柳", "parent": "450200"})
        assert codes(response) == ["450204", "450205", "450206", "450222"]
        everywhere = codes(api_client.get(f"{BASE}/regions", {"q": "柳"}))
        assert "450200" in everywhere

    def test_search_finds_nothing(self, api_client):
        response = api_client.get(f"{BASE}/regions", {"q": "不存在的地方"})
        assert response.status_code == 200
        assert response.json() == []

    @pytest.mark.parametrize(
        ("params", "field", "code"),
        [
            ({"level": "4"}, "level", "invalid_choice"),
            ({"level": "province"}, "level", "invalid_choice"),
            ({"parent": "4502"}, "parent", "invalid_region_code"),
            ({"q": "柳" * 65}, "q", "max_length"),
        ],
    )
    def test_bad_filter_values_are_a_400(self, api_client, params, field, code):
        assert_bad_filter(api_client.get(f"{BASE}/regions", params), field, code)

    def test_query_count(self, api_client, django_assert_num_queries):
        with django_assert_num_queries(1):
            assert api_client.get(f"{BASE}/regions", {"parent": "450000", "q": "柳"}).status_code == 200


class TestCountries:
    def test_lists_countries(self, api_client):
        response = api_client.get(f"{BASE}/countries")
        assert response.status_code == 200
        by_code = {item["code"]: item for item in response.json()}
        assert by_code["704"] == {
            "code": "704",
            "alpha2": "VN",
            "name_zh": "越南",
            "name_en": "Vietnam",
            "is_asean": True,
        }
        assert by_code["156"]["is_asean"] is False

    def test_asean_filter(self, api_client):
        asean = api_client.get(f"{BASE}/countries", {"is_asean": "true"}).json()
        assert {c["alpha2"] for c in asean} == {"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"}
        others = api_client.get(f"{BASE}/countries", {"is_asean": "false"}).json()
        assert others
        assert not any(c["is_asean"] for c in others)
        assert "CN" in {c["alpha2"] for c in others}

    @pytest.mark.parametrize(
        ("q", "expected"), [("泰国", ["764"]), ("thai", ["764"]), ("jp", ["392"]), ("840", ["840"])]
    )
    def test_search(self, api_client, q, expected):
        assert codes(api_client.get(f"{BASE}/countries", {"q": q})) == expected

    def test_search_by_a_chinese_character(self, api_client):
        found = set(codes(api_client.get(f"{BASE}/countries", {"q": "国"})))
        assert {"156", "410", "764", "826", "840"} <= found
        assert "392" not in found  # 日本

    @pytest.mark.parametrize("value", ["maybe", "yes", "2"])
    def test_bad_is_asean_is_a_400(self, api_client, value):
        assert_bad_filter(api_client.get(f"{BASE}/countries", {"is_asean": value}), "is_asean", "invalid_choice")

    def test_query_count(self, api_client, django_assert_num_queries):
        with django_assert_num_queries(1):
            assert api_client.get(f"{BASE}/countries", {"is_asean": "true"}).status_code == 200


class TestEntityTypes:
    def test_lists_the_hierarchy(self, api_client):
        response = api_client.get(f"{BASE}/entity-types")
        assert response.status_code == 200
        by_code = {item["code"]: item for item in response.json()}
        assert by_code["170"] == {
            "code": "170",
            "name_zh": "私营企业",
            "name_en": "Private enterprises",
            "parent_code": "100",
        }
        assert by_code["100"]["parent_code"] is None
        assert [code for code, item in by_code.items() if item["parent_code"] == "020"] == ["021", "022", "023", "024"]
        assert codes(response) == sorted(codes(response))

    def test_query_count(self, api_client, django_assert_num_queries):
        with django_assert_num_queries(1):
            assert api_client.get(f"{BASE}/entity-types").status_code == 200
