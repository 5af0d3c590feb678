"""The code lists are in the database after `migrate`, with the codes other apps and reports rely on."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from apps.reference.models import Country, EntityType, Industry, Region, TechnologyField

pytestmark = pytest.mark.django_db

LIUZHOU_DISTRICTS_AND_COUNTIES = {
    "450202": "城中区",
    "450203": "鱼峰区",
    "450204": "柳南区",
    "450205": "柳北区",
    "450206": "柳江区",
    "450222": "柳城县",
    "450223": "鹿寨县",
    "450224": "融安县",
    "450225": "融水苗族自治县",
    "450226": "三江侗族自治县",
}


def test_the_eleven_technology_fields_in_statistics_order():
    assert [(f.code, f.name_zh) for f in TechnologyField.objects.all()] == [
        ("01", "电子信息"),
        ("02", "航空航天"),
        ("03", "先进制造"),
        ("04", "生物医药和医疗器械"),
        ("05", "新材料及其应用"),
        ("06", "新能源与高效节能"),
        ("07", "环境保护与资源综合利用"),
        ("08", "核应用"),
        ("09", "农业"),
        ("10", "现代交通"),
        ("11", "城市建设与社会发展"),
    ]
    assert all(f.name_en for f in TechnologyField.objects.all())


def test_liuzhou_industries_by_kind():
    by_kind: dict[str, set[str]] = {}
    for industry in Industry.objects.filter(is_active=True):
        by_kind.setdefault(industry.kind, set()).add(industry.name_zh)
        assert industry.name_en
    assert by_kind["pillar"] == {"汽车", "钢铁", "机械", "化工"}
    assert {"新能源汽车", "智能网联汽车", "新材料", "生物医药", "电子信息", "节能环保"} <= by_kind["emerging"]
    assert "螺蛳粉" in by_kind["feature"]
    # The list is shown in its configured order: pillars first.
    assert list(Industry.objects.values_list("code", flat=True)[:3]) == ["automotive", "steel", "machinery"]


def test_all_34_provincial_level_units():
    provinces = Region.objects.filter(level=Region.Level.PROVINCE)
    assert provinces.count() == 34
    assert not provinces.exclude(parent=None).exists()
    assert all(code.endswith("0000") for code in provinces.values_list("code", flat=True))
    names = dict(provinces.values_list("code", "name_zh"))
    assert names["110000"] == "北京市"
    assert names["450000"] == "广西壮族自治区"
    assert names["710000"] == "台湾省"
    assert names["810000"] == "香港特别行政区"
    assert names["820000"] == "澳门特别行政区"


def test_guangxi_has_its_14_prefecture_level_cities():
    cities = Region.objects.filter(parent_id="450000")
    assert cities.count() == 14
    assert set(cities.values_list("level", flat=True)) == {Region.Level.PREFECTURE}
    names = dict(cities.values_list("code", "name_zh"))
    assert names["450100"] == "南宁市"
    assert names["450200"] == "柳州市"
    assert names["451400"] == "崇左市"


def test_liuzhou_districts_and_counties_hang_under_450200():
    children = Region.objects.filter(parent_id="450200")
    assert dict(children.values_list("code", "name_zh")) == LIUZHOU_DISTRICTS_AND_COUNTIES
    assert set(children.values_list("level", flat=True)) == {Region.Level.COUNTY}
    chengzhong = Region.objects.get(code="450202")
    assert (chengzhong.prefecture_code, chengzhong.province_code) == ("450200", "450000")


def test_every_region_code_nests_in_its_parent():
    for region in Region.objects.exclude(parent=None).select_related("parent"):
        assert region.parent.level < region.level, region.code
        prefix = region.parent.code[: 2 * region.parent.level]
        assert region.code.startswith(prefix), region.code


def test_asean_members_and_what_is_not_a_country():
    asean = set(Country.objects.filter(is_asean=True).values_list("alpha2", flat=True))
    # The ten members before 2025 plus Timor-Leste, admitted as the eleventh on 26 October 2025.
    assert asean == {"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"}
    china = Country.objects.get(code="156")
    assert (china.alpha2, china.name_zh, china.is_asean) == ("CN", "中国", False)
    # Hong Kong, Macao and Taiwan are regions of China (810000, 820000, 710000), not countries.
    assert not Country.objects.filter(code__in=["344", "446", "158"]).exists()
    assert Country.objects.get(alpha2="VN").code == "704"
    assert Country.objects.get(alpha2="US").name_zh == "美国"
    for country in Country.objects.all():
        assert len(country.code) == 3 and country.code.isdigit(), country.code
        assert len(country.alpha2) == 2 and country.alpha2.isupper(), country.alpha2


def test_entity_type_hierarchy():
    parents = dict(EntityType.objects.values_list("code", "parent_id"))
    assert parents == {
        "010": None, "011": "010", "012": "010", "013": "010", "014": "010",
        "020": None, "021": "020", "022": "020", "023": "020", "024": "020",
        "030": None,
        "100": None, "110": "100", "120": "100", "130": "100", "140": "100",
        "150": "100", "160": "100", "170": "100", "180": "100",
        "200": None, "300": None, "400": None,
    }  # fmt: skip
    names = dict(EntityType.objects.values_list("code", "name_zh"))
    assert names["170"] == "私营企业"
    assert names["022"] == "高等院校"
    assert names["130"] == "股份合作企业"
    assert names["140"] == "联营企业"


def test_codes_used_by_the_test_factories_exist():
    assert Region.objects.filter(code="450202").exists()
    assert set(EntityType.objects.filter(code__in=["170", "024"]).values_list("code", flat=True)) == {"170", "024"}


class TestDataMigration:
    migration = importlib.import_module("apps.reference.migrations.0002_load_reference_data")

    def counts(self) -> dict[str, int]:
        return {name: apps.get_model("reference", name).objects.count() for name in self.migration.TABLES}

    def run(self, direction: str) -> None:
        for operation in self.migration.Migration.operations:
            function = operation.code if direction == "forward" else operation.reverse_code
            function(apps, None)

    def test_reverse_removes_the_loaded_codes_and_forward_restores_them(self):
        loaded = self.counts()
        self.run("backward")
        assert set(self.counts().values()) == {0}
        self.run("forward")
        assert self.counts() == loaded

    def test_reverse_keeps_codes_added_by_hand(self):
        Region.objects.create(code="440300", name_zh="深圳市", level=Region.Level.PREFECTURE, parent=None)
        self.run("backward")
        assert list(Region.objects.values_list("code", flat=True)) == ["440300"]

    def test_forward_again_converges_without_duplicates(self):
        loaded = self.counts()
        TechnologyField.objects.filter(code="01").update(name_zh="电子")
        self.run("forward")
        assert self.counts() == loaded
        assert TechnologyField.objects.get(code="01").name_zh == "电子信息"
