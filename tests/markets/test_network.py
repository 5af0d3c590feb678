"""The network of markets over HTTP: sub-markets and their operators, the scoped review queue, statistics
per sub-market and the national export of registered contracts."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.effects import run_pending_effects
from apps.listings.models import Achievement
from apps.markets.models import Market
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.factories import achievement_data
from tests.stats.fold_helpers import register, signed

pytestmark = pytest.mark.django_db


def _json(data: dict) -> dict:
    return {k: (str(v) if not isinstance(v, list | int | str | type(None)) else v) for k, v in data.items()}


class Network:
    """The main market, a 桂中 city market (来宾) and a county station (鹿寨县), with their operators."""

    def __init__(self, client_for) -> None:
        self.operator = operator_user()
        self.op = client_for(self.operator)
        made = self.op.post(
            "/api/v1/markets",
            {"code": "laibin", "name_zh": "来宾科技大市场", "level": "city", "parent_code": "liuzhou",
             "region_codes": ["451300"]},
            format="json",
        )  # fmt: skip
        assert made.status_code == 201, made.json()
        made = self.op.post(
            "/api/v1/markets",
            {"code": "luzhai", "name_zh": "鹿寨县科技服务工作站", "level": "county", "parent_code": "liuzhou",
             "region_codes": ["450223"]},
            format="json",
        )  # fmt: skip
        assert made.status_code == 201, made.json()
        self.county_user = member_of(OrganizationFactory(name="鹿寨县科技局", region_id="450223", entity_type_id="014"))
        self.city_user = member_of(OrganizationFactory(name="来宾市科技局", region_id="451300", entity_type_id="013"))
        for code, user, role in (("luzhai", self.county_user, "reviewer"), ("laibin", self.city_user, "manager")):
            added = self.op.post(f"/api/v1/markets/{code}/operators", {"user_id": user.pk, "role": role}, format="json")
            assert added.status_code == 201, added.json()
        self.county = client_for(self.county_user)
        self.city = client_for(self.city_user)
        self.luzhai_org = OrganizationFactory(name="鹿寨县化工有限公司", region_id="450223")
        self.city_org = OrganizationFactory(name="柳州精工齿轮有限公司", region_id="450202")


@pytest.fixture
def network(client_for):
    return Network(client_for)


def _submitted_achievement(client, title):
    created = client.post("/api/v1/achievements", _json(achievement_data(title=title)), format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert client.post(f"/api/v1/achievements/{pk}/submit").status_code == 200
    return pk


def test_county_operator_reviews_only_its_own_queue(network, client_for):
    luzhai_pk = _submitted_achievement(client_for(member_of(network.luzhai_org)), "鹿寨县竹材改性技术")
    city_pk = _submitted_achievement(client_for(member_of(network.city_org)), "齿轮渗碳变形控制技术")
    assert Achievement.objects.get(pk=luzhai_pk).home_market_id == "luzhai"
    assert Achievement.objects.get(pk=city_pk).home_market_id == "liuzhou"

    queue = network.county.get("/api/v1/achievements", {"status": "submitted"}).json()["results"]
    assert [row["id"] for row in queue] == [luzhai_pk]
    # The global operator's queue holds both markets'.
    everything = network.op.get("/api/v1/achievements", {"status": "submitted"}).json()["results"]
    assert {row["id"] for row in everything} == {luzhai_pk, city_pk}
    # Filtered by home market, as the global operator splits the work.
    only = network.op.get("/api/v1/achievements", {"status": "submitted", "home_market": "luzhai"}).json()
    assert [row["id"] for row in only["results"]] == [luzhai_pk]

    # Another market's listing: the county station cannot see it, nor can the 来宾 operator see 鹿寨's.
    refused = network.county.post(f"/api/v1/achievements/{city_pk}/review", {"approve": True})
    assert refused.status_code == 404
    assert network.city.post(f"/api/v1/achievements/{luzhai_pk}/review", {"approve": True}).status_code == 404
    assert Achievement.objects.get(pk=city_pk).status == "submitted"
    assert Achievement.objects.get(pk=luzhai_pk).status == "submitted"

    reviewed = network.county.post(f"/api/v1/achievements/{luzhai_pk}/review", {"approve": True})
    assert reviewed.status_code == 200, reviewed.json()
    assert reviewed.json()["status"] == "published"
    assert reviewed.json()["home_market"] == "luzhai"
    # Published, it is visible network-wide: the 来宾 operator and any user read it.
    assert network.city.get(f"/api/v1/achievements/{luzhai_pk}").status_code == 200
    # The global operator reviews any market's listing.
    assert network.op.post(f"/api/v1/achievements/{city_pk}/review", {"approve": True}).json()["status"] == "published"


def test_county_operator_is_notified_of_its_market_submissions(network, client_for):
    from apps.notifications.models import Notification

    _submitted_achievement(client_for(member_of(network.luzhai_org)), "鹿寨县甘蔗渣综合利用")
    _submitted_achievement(client_for(member_of(network.city_org)), "柳州螺蛳粉杀菌工艺")
    assert Notification.objects.filter(recipient=network.county_user, kind="listing_submitted").count() == 1
    assert Notification.objects.filter(recipient=network.operator, kind="listing_submitted").count() == 2


def test_markets_are_listed_and_changed_only_by_the_global_operator(network, client_for):
    listed = client_for(member_of(network.city_org)).get("/api/v1/markets").json()["results"]
    assert [(m["code"], m["level"], m["parent_code"]) for m in listed] == [
        ("laibin", "city", "liuzhou"),
        ("liuzhou", "main", None),
        ("luzhai", "county", "liuzhou"),
    ]
    outsider = client_for(member_of(network.city_org))
    body = {"code": "rongan", "name_zh": "融安县工作站", "level": "county", "parent_code": "liuzhou",
            "region_codes": ["450224"]}  # fmt: skip
    for client in (outsider, network.county, network.city):
        refused = client.post("/api/v1/markets", body, format="json")
        assert refused.status_code == 403
        assert refused.json()["code"] == "operator_only"
    assert not Market.objects.filter(code="rongan").exists()
    assert network.county.patch("/api/v1/markets/luzhai", {"name_zh": "改名"}, format="json").status_code == 403

    # A reviewer may not add operators; the 来宾 manager may, to its own market only.
    newcomer = member_of(network.city_org)
    assert network.county.post("/api/v1/markets/luzhai/operators", {"user_id": newcomer.pk}).status_code == 403
    assert network.city.post("/api/v1/markets/luzhai/operators", {"user_id": newcomer.pk}).status_code == 403
    assert network.city.post("/api/v1/markets/laibin/operators", {"user_id": newcomer.pk}).status_code == 201
    # The operators list is for those who operate the market.
    assert network.county.get("/api/v1/markets/laibin/operators").status_code == 404
    names = [row["user_id"] for row in network.city.get("/api/v1/markets/laibin/operators").json()]
    assert names == [network.city_user.pk, newcomer.pk]


@pytest.mark.parametrize(
    ("body", "code", "status"),
    [
        ({"region_codes": ["459999"]}, "unknown_region", 400),
        ({"parent_code": "luzhai"}, "bad_market_level", 400),
        ({"parent_code": "nowhere"}, "unknown_parent_market", 400),
        ({"level": "main"}, "validation_error", 400),
        ({"code": "luzhai"}, "duplicate_market_code", 409),
    ],
)
def test_bad_markets_are_refused_and_nothing_is_stored(network, body, code, status):
    base = {"code": "rongan", "name_zh": "融安县工作站", "level": "county", "parent_code": "liuzhou",
            "region_codes": ["450224"]}  # fmt: skip
    before = Market.objects.count()
    refused = network.op.post("/api/v1/markets", {**base, **body}, format="json")
    assert refused.status_code == status, refused.json()
    assert refused.json()["code"] == code
    assert Market.objects.count() == before


class _World:
    """A DealWorld-like pair whose seller is where we say (for the registration helpers)."""

    def __init__(self, seller_region: str) -> None:
        self.buyer = OrganizationFactory(name="柳州五菱零部件有限公司")
        self.seller = OrganizationFactory(
            name=f"卖方{seller_region}", type="university", entity_type_id="022", region_id=seller_region
        )
        self.buyer_user = member_of(self.buyer)
        self.seller_user = member_of(self.seller)


def _registered(network, world, amount, on="2026-03-10"):
    contract = signed(world, on=on, buyer_id=world.buyer.pk, seller_id=world.seller.pk, contract_amount=Decimal(amount))
    return register(world, network.operator, contract, on=on)


def test_statistics_and_national_export_per_sub_market(network, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    luzhai = _registered(network, _World("450223"), "300000.00")
    liuzhou = _registered(network, _World("450202"), "1000000.00")
    assert (luzhai.contract.market_id, liuzhou.contract.market_id) == ("luzhai", "liuzhou")
    run_pending_effects(names=["stats.fold_contract"])

    query = {"group_by": "market", "date_from": "2026-01", "date_to": "2026-12", "compare": "false"}
    body = network.op.get("/api/v1/stats/report", query).json()
    rows = {row["key"]["market"]: row for row in body["rows"]}
    assert set(rows) == {"liuzhou", "luzhai"}
    assert rows["luzhai"]["values"]["contract_amount"] == "300000.00"
    assert rows["luzhai"]["labels"]["market"] == "鹿寨县科技服务工作站"
    assert rows["liuzhou"]["values"]["contract_amount"] == "1000000.00"

    # The county station reads its own market's statistics only, whatever it asks for.
    county = network.county.get("/api/v1/stats/report", query).json()
    assert [row["key"]["market"] for row in county["rows"]] == ["luzhai"]
    assert county["totals"]["values"]["contract_amount"] == "300000.00"
    other = network.county.get("/api/v1/stats/report", {**query, "market": "liuzhou"}).json()
    assert other["rows"] == []
    # A user who operates nothing reads no statistics.
    assert network.city.get("/api/v1/stats/report", query).json()["rows"] == []
    assert client_for(member_of(OrganizationFactory())).get("/api/v1/stats/report", query).status_code == 403

    as_file = network.op.get("/api/v1/stats/report", {**query, "format": "csv"})
    csv_text = b"".join(as_file.streaming_content).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("所属市场")
    assert "鹿寨县科技服务工作站" in csv_text

    window = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    exported = network.op.get("/api/v1/contracts/network-export", window)
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/jsonl")
    records = [json.loads(line) for line in b"".join(exported.streaming_content).decode().splitlines()]
    assert [(r["market_code"], r["contract_amount"]) for r in records] == [
        ("luzhai", "300000.00"),
        ("liuzhou", "1000000.00"),
    ]
    assert records[0]["registration_number"] == luzhai.registration_number
    assert records[0]["seller_region"] == "450223"
    assert records[0]["registered_on"] == "2026-03-10"

    mine = network.county.get("/api/v1/contracts/network-export", window)
    lines = b"".join(mine.streaming_content).decode().splitlines()
    assert [json.loads(line)["market_code"] for line in lines] == ["luzhai"]

    as_csv = network.op.get("/api/v1/contracts/network-export", {**window, "format": "csv"})
    text = b"".join(as_csv.streaming_content).decode("utf-8-sig").splitlines()
    assert text[0].split(",")[:3] == ["格式版本", "登记号", "登记机构代码"]
    assert len(text) == 3

    # Outside the window: nothing; a bad window: 400; a user who operates nothing: 403.
    later = network.op.get("/api/v1/contracts/network-export", {"date_from": "2026-04-01", "date_to": "2026-04-30"})
    assert b"".join(later.streaming_content) == b""
    bad = network.op.get("/api/v1/contracts/network-export", {"date_from": "2026-04-01", "date_to": "2026-03-01"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "bad_date_range"
    nobody = client_for(member_of(OrganizationFactory()))
    assert nobody.get("/api/v1/contracts/network-export", window).status_code == 403


def test_the_operator_moves_a_listing_to_another_markets_queue(network, client_for):
    pk = _submitted_achievement(client_for(member_of(network.city_org)), "柳城县蔗糖副产品利用")
    url = f"/api/v1/achievements/{pk}/home-market"
    # The county station cannot pull in another market's listing; the 来宾 manager operates neither market.
    assert network.county.post(url, {"market_code": "luzhai"}, format="json").status_code == 404
    assert network.city.post(url, {"market_code": "laibin"}, format="json").status_code == 404
    unknown = network.op.post(url, {"market_code": "nowhere"}, format="json")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_market")
    assert Achievement.objects.get(pk=pk).home_market_id == "liuzhou"

    moved = network.op.post(url, {"market_code": "luzhai"}, format="json")
    assert moved.status_code == 200, moved.json()
    assert moved.json()["home_market"] == "luzhai"
    queue = network.county.get("/api/v1/achievements", {"status": "submitted"}).json()["results"]
    assert [row["id"] for row in queue] == [pk]
    # The county operator may not send it on to a market it does not operate.
    onward = network.county.post(url, {"market_code": "laibin"}, format="json")
    assert (onward.status_code, onward.json()["code"]) == (403, "operator_only")
    assert Achievement.objects.get(pk=pk).home_market_id == "luzhai"


def test_the_dashboard_shows_each_market_and_a_station_its_own(network, settings, tmp_path):
    from django.test import Client

    from tests.factories import TEST_PASSWORD

    settings.MEDIA_ROOT = tmp_path
    on = timezone.localdate().replace(day=1).isoformat()
    _registered(network, _World("450223"), "300000.00", on=on)
    _registered(network, _World("450202"), "1000000.00", on=on)
    run_pending_effects(names=["stats.fold_contract"])

    def dashboard(user):
        client = Client()
        client.post("/stats/login/", {"username": user.email, "password": TEST_PASSWORD, "next": "/stats/dashboard/"})
        return client.get("/stats/dashboard/")

    everything = dashboard(network.operator)
    assert everything.status_code == 200
    html = everything.content.decode()
    assert 'id="h-market"' in html
    assert "鹿寨县科技服务工作站" in html
    assert "柳州科技大市场" in html
    station = dashboard(network.county_user)
    assert station.status_code == 200
    html = station.content.decode()
    assert "鹿寨县科技服务工作站" in html
    assert "柳州科技大市场" not in html
    # Someone who operates no market gets the dashboard's 403 page.
    assert dashboard(member_of(OrganizationFactory())).status_code == 403
