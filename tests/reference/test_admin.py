"""The operator's admin: Chinese search everywhere, industries editable, national codes read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from apps.reference.models import Country, EntityType, Industry, Region, TechnologyField
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN = "/admin/reference"


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def staff_client(client):
    """An operator's staff account with every permission on the reference models."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="reference"))
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("model", "query", "found", "not_found"),
    [
        ("technologyfield", "医药", "生物医药和医疗器械", "航空航天"),
        ("industry", "汽车", "智能网联汽车", "钢铁"),
        ("region", "融水", "融水苗族自治县", "三江侗族自治县"),
        ("country", "越南", "越南", "老挝"),
        ("entitytype", "企业", "私营企业", "高等院校"),
    ],
)
def test_changelists_search_chinese_names(staff_client, model, query, found, not_found):
    response = staff_client.get(f"{ADMIN}/{model}/", {"q": query})
    assert response.status_code == 200
    page = response.content.decode()
    assert found in page
    assert not_found not in page


def test_staff_edits_and_retires_an_industry(staff_client):
    response = staff_client.post(
        f"{ADMIN}/industry/luosifen/change/",
        {"name_zh": "柳州螺蛳粉", "name_en": "Liuzhou luosifen", "kind": "feature", "is_active": "", "sort_order": 15},
    )
    assert response.status_code == 302, response.content.decode()
    industry = Industry.objects.get(code="luosifen")
    assert (industry.name_zh, industry.is_active) == ("柳州螺蛳粉", False)


def test_staff_adds_an_industry(staff_client):
    response = staff_client.post(
        f"{ADMIN}/industry/add/",
        {
            "code": "robotics",
            "name_zh": "机器人",
            "name_en": "Robotics",
            "kind": "emerging",
            "is_active": "on",
            "sort_order": 30,
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert Industry.objects.get(code="robotics").kind == Industry.Kind.EMERGING


def test_industry_code_cannot_be_changed_or_deleted(staff_client):
    # An editable primary key would save a copy under the new code and leave the old row behind.
    response = staff_client.post(
        f"{ADMIN}/industry/steel/change/",
        {
            "code": "metals",
            "name_zh": "钢铁冶金",
            "name_en": "Iron and steel",
            "kind": "pillar",
            "is_active": "on",
            "sort_order": 2,
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert Industry.objects.get(code="steel").name_zh == "钢铁冶金"
    assert not Industry.objects.filter(code="metals").exists()
    assert staff_client.post(f"{ADMIN}/industry/steel/delete/", {"post": "yes"}).status_code == 403
    assert Industry.objects.filter(code="steel").exists()


@pytest.mark.parametrize(("model", "pk"), [("technologyfield", "01"), ("entitytype", "170")])
def test_national_codes_are_read_only_even_for_a_superuser(superuser_client, model, pk):
    assert superuser_client.get(f"{ADMIN}/{model}/add/").status_code == 403
    assert superuser_client.post(f"{ADMIN}/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    superuser_client.post(f"{ADMIN}/{model}/{pk}/change/", {"name_zh": "改名"})
    assert TechnologyField.objects.get(code="01").name_zh == "电子信息"
    assert EntityType.objects.get(code="170").name_zh == "私营企业"


def test_staff_cannot_edit_regions_or_countries(staff_client):
    assert staff_client.get(f"{ADMIN}/region/add/").status_code == 403
    assert staff_client.get(f"{ADMIN}/country/add/").status_code == 403
    staff_client.post(f"{ADMIN}/region/450202/change/", {"name_zh": "改名", "level": 3, "parent": "450200"})
    assert Region.objects.get(code="450202").name_zh == "城中区"


def test_superuser_adds_a_region_with_a_consistent_parent(superuser_client):
    response = superuser_client.post(
        f"{ADMIN}/region/add/",
        {"code": "440300", "name_zh": "深圳市", "name_en": "Shenzhen", "level": 2, "parent": "440000"},
    )
    assert response.status_code == 302, response.content.decode()
    assert Region.objects.get(code="440300").parent_id == "440000"


@pytest.mark.parametrize(
    "data",
    [
        {"code": "4403", "name_zh": "深圳市", "level": 2, "parent": "440000"},
        {"code": "440300", "name_zh": "深圳市", "level": 2, "parent": ""},
        {"code": "440300", "name_zh": "深圳市", "level": 2, "parent": "450000"},
        {"code": "440300", "name_zh": "深圳市", "level": 1, "parent": "440000"},
        {"code": "440300", "name_zh": "深圳市", "level": 2, "parent": "450202"},
    ],
)
def test_superuser_cannot_add_an_inconsistent_region(superuser_client, data):
    response = superuser_client.post(f"{ADMIN}/region/add/", {"name_en": "", **data})
    assert response.status_code == 200  # the form again, with its errors
    assert not Region.objects.filter(name_zh="深圳市").exists()


def test_superuser_adds_a_country_and_alpha2_is_upper_cased(superuser_client):
    response = superuser_client.post(
        f"{ADMIN}/country/add/", {"code": "032", "alpha2": "ar", "name_zh": "阿根廷", "name_en": "Argentina"}
    )
    assert response.status_code == 302, response.content.decode()
    assert Country.objects.get(code="032").alpha2 == "AR"


@pytest.mark.parametrize(("code", "alpha2"), [("32", "AR"), ("032", "A1")])
def test_superuser_cannot_add_a_malformed_country_code(superuser_client, code, alpha2):
    response = superuser_client.post(
        f"{ADMIN}/country/add/", {"code": code, "alpha2": alpha2, "name_zh": "阿根廷", "name_en": "Argentina"}
    )
    assert response.status_code == 200  # the form again, with its errors
    assert not Country.objects.filter(name_zh="阿根廷").exists()
