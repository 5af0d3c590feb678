"""Creating, reading, listing, searching and filtering listings; bad input; the permission matrix."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.ip.models import IPAsset, IPAssetKind
from apps.listings.models import Achievement, Demand, ListingEvent, ListingStatus
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.factories import achievement_data, demand_data, make_achievement, make_demand

pytestmark = pytest.mark.django_db


def _json(data: dict) -> dict:
    return {k: (str(v) if not isinstance(v, list | int | str | type(None)) else v) for k, v in data.items()}


@pytest.fixture
def org():
    return OrganizationFactory(name="柳州工学院")


@pytest.fixture
def owner(org):
    return member_of(org)


# --- create ------------------------------------------------------------------------------------


def test_create_achievement_returns_derived_stage_and_stores_search_words(client_for, owner, org):
    response = client_for(owner).post(
        "/api/v1/achievements",
        _json(achievement_data(title="发动机缸体缺陷视觉检测", trl=5, industries=["automotive", "machinery"])),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["stage"] == "small_scale"
    assert body["owner"]["id"] == org.pk
    assert body["region"]["code"] == "450202"
    assert {i["code"] for i in body["industries"]} == {"automotive", "machinery"}
    assert body["viewer_access"] == "owner"
    assert "confidential_detail" not in body
    stored = Achievement.objects.get(pk=body["id"])
    assert "发动机" in stored.search_head.split()
    assert "缸体" in stored.search_head.split()
    assert ListingEvent.objects.filter(achievement=stored, to_status="draft").count() == 1


def test_markup_is_stored_as_plain_text(client_for, owner):
    title = '<script>alert("x")</script>齿轮'
    response = client_for(owner).post("/api/v1/achievements", _json(achievement_data(title=title)), format="json")
    assert response.status_code == 201
    assert response.json()["title"] == title
    assert response["Content-Type"].startswith("application/json")
    assert Achievement.objects.get(pk=response.json()["id"]).title == title


def test_fixed_price_takes_one_amount(client_for, owner):
    data = achievement_data(price_type="fixed", price_min=Decimal("300000"), price_max=None)
    body = client_for(owner).post("/api/v1/achievements", _json(data), format="json").json()
    assert body["price_min"] == body["price_max"] == "300000.00"


BAD_ACHIEVEMENTS = [
    ({"trl": 0}, "trl", 400),
    ({"trl": 10}, "trl", 400),
    ({"price_min": "-1"}, "price_min", 400),
    ({"price_min": "900000", "price_max": "100000"}, "price_min", 400),
    ({"price_type": "fixed", "price_min": None, "price_max": None}, "price_min", 400),
    ({"price_type": "negotiable"}, "price_type", 400),
    ({"price_type": "range", "price_max": None}, "price_min", 400),
    ({"title": "长" * 201}, "title", 400),
    ({"summary": "长" * 3001}, "summary", 400),
    ({"title": ""}, "title", 400),
    ({"technology_field": "99"}, "technology_field", 400),
    ({"industries": ["no-such-industry"]}, "industries", 400),
    ({"cooperation_modes": []}, "cooperation_modes", 400),
    ({"cooperation_modes": ["barter"]}, "cooperation_modes", 400),
    ({"keywords": [f"词{i}" for i in range(11)]}, "keywords", 400),
    ({"expires_on": "2020-01-01"}, "expires_on", 400),
    ({"language": "fr"}, "language", 400),
    ({"contact_email": "not-an-email"}, "contact_email", 400),
    ({"ip_asset_ids": [999999]}, "ip_asset_ids", 400),
]


@pytest.mark.parametrize(("change", "field", "status"), BAD_ACHIEVEMENTS)
def test_bad_achievement_input_is_refused_and_nothing_stored(change, field, status, client_for, owner):
    data = {**_json(achievement_data()), **change}
    response = client_for(owner).post("/api/v1/achievements", data, format="json")
    assert response.status_code == status, response.json()
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert field in {e["field"].split(".")[0] for e in body["errors"]}, body
    assert Achievement.objects.count() == 0
    assert ListingEvent.objects.count() == 0


BAD_DEMANDS = [
    ({"budget_min": "900000", "budget_max": "100000"}, "budget_min"),
    ({"budget_min": "-5"}, "budget_min"),
    ({"deadline": str(timezone.localdate() - timedelta(days=1))}, "deadline"),
    ({"deadline": None}, "deadline"),
    ({"description": "长" * 5001}, "description"),
    ({"region_preference": "999999"}, "region_preference"),
    ({"wanted_stage": "dream"}, "wanted_stage"),
]


@pytest.mark.parametrize(("change", "field"), BAD_DEMANDS)
def test_bad_demand_input_is_refused_and_nothing_stored(change, field, client_for, owner):
    data = {**_json(demand_data()), **change}
    response = client_for(owner).post("/api/v1/demands", data, format="json")
    assert response.status_code == 400, response.json()
    assert field in {e["field"] for e in response.json()["errors"]}
    assert Demand.objects.count() == 0


def test_duplicate_submission_is_a_conflict(client_for, owner):
    client = client_for(owner)
    data = _json(achievement_data(title="同一项成果"))
    assert client.post("/api/v1/achievements", data, format="json").status_code == 201
    # The same words with other spacing and full-width letters are the same listing.
    again = client.post("/api/v1/achievements", {**data, "title": "同一项成果 "}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_listing"
    assert Achievement.objects.count() == 1


def test_a_withdrawn_listing_does_not_block_posting_it_again(client_for, owner, org):
    old = make_achievement(org, title="重新发布的成果", status=ListingStatus.WITHDRAWN)
    data = _json(achievement_data(title=old.title, summary=old.summary))
    assert client_for(owner).post("/api/v1/achievements", data, format="json").status_code == 201


def test_owner_must_be_named_when_the_actor_has_several_organisations(client_for, org):
    user = member_of(org)
    second = OrganizationFactory()
    member_of(second, email="x@example.cn")
    from apps.organizations.models import Membership

    Membership.objects.create(user=user, organization=second)
    client = client_for(user)
    response = client.post("/api/v1/achievements", _json(achievement_data()), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "owner_required"
    ok = client.post("/api/v1/achievements", {**_json(achievement_data()), "owner_id": second.pk}, format="json")
    assert ok.status_code == 201
    assert ok.json()["owner"]["id"] == second.pk


def test_cannot_list_for_someone_elses_organisation(client_for, owner):
    other = OrganizationFactory()
    response = client_for(owner).post(
        "/api/v1/achievements", {**_json(achievement_data()), "owner_id": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_owner_member"
    assert Achievement.objects.count() == 0


def test_anonymous_cannot_create(api_client):
    response = api_client.post("/api/v1/achievements", _json(achievement_data()), format="json")
    assert response.status_code == 401


def test_linking_ip_assets_of_the_owner_only(client_for, owner, org):
    own = IPAsset.objects.create(
        owner=org, kind=IPAssetKind.INVENTION, title="一种缸体检测方法", application_number="201710601862.3"
    )
    foreign = IPAsset.objects.create(owner=OrganizationFactory(), kind=IPAssetKind.OTHER, title="他人的")
    client = client_for(owner)
    refused = client.post(
        "/api/v1/achievements", {**_json(achievement_data()), "ip_asset_ids": [own.pk, foreign.pk]}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "unknown_ip_asset"
    assert Achievement.objects.count() == 0
    ok = client.post("/api/v1/achievements", {**_json(achievement_data()), "ip_asset_ids": [own.pk]}, format="json")
    assert ok.status_code == 201
    assert [a["application_number"] for a in ok.json()["ip_assets"]] == ["201710601862.3"]


def test_partial_update_is_checked_against_stored_values(client_for, owner, org):
    listing = make_achievement(org, status=ListingStatus.DRAFT)  # range 500,000–1,200,000
    client = client_for(owner)
    response = client.patch(f"/api/v1/achievements/{listing.pk}", {"price_min": "2000000"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "price_inconsistent"
    listing.refresh_from_db()
    assert listing.price_min == Decimal("500000.00")
    ok = client.patch(
        f"/api/v1/achievements/{listing.pk}", {"price_type": "negotiable", "trl": 9}, format="json"
    ).json()
    assert (ok["price_min"], ok["price_max"], ok["stage"]) == (None, None, "mass_production")


# --- read: the permission matrix ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reader", "code"),
    [
        ("published", "anonymous", 200),
        ("published", "stranger", 200),
        ("published", "owner", 200),
        ("published", "operator", 200),
        ("draft", "anonymous", 404),
        ("draft", "stranger", 404),
        ("draft", "owner", 200),
        ("draft", "operator", 200),
        ("submitted", "stranger", 404),
        ("submitted", "operator", 200),
        ("rejected", "stranger", 404),
        ("withdrawn", "anonymous", 404),
        ("expired", "stranger", 404),
        ("expired", "owner", 200),
        ("transferred", "stranger", 404),
    ],
)
def test_who_reads_what(status, reader, code, api_client, client_for, org):
    listing = make_demand(org, status=status)
    client = {
        "anonymous": lambda: api_client,
        "stranger": lambda: client_for(member_of(OrganizationFactory())),
        "owner": lambda: client_for(member_of(org)),
        "operator": lambda: client_for(operator_user()),
    }[reader]()
    response = client.get(f"/api/v1/demands/{listing.pk}")
    assert response.status_code == code
    if code == 200:
        assert "confidential_detail" not in response.json()
        assert "contact_phone" not in response.json()


def test_rejection_reason_is_for_owner_and_operator_only(client_for, api_client, org):
    listing = make_achievement(org)
    Achievement.objects.filter(pk=listing.pk).update(rejection_reason="旧的退回意见")
    assert client_for(member_of(org)).get(f"/api/v1/achievements/{listing.pk}").json()["rejection_reason"]
    assert api_client.get(f"/api/v1/achievements/{listing.pk}").json()["rejection_reason"] == ""


# --- lists, filters, search --------------------------------------------------------------------


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_public_list_shows_published_only_newest_first(api_client, org):
    older = make_achievement(org)
    newer = make_achievement(org)
    make_achievement(org, status=ListingStatus.DRAFT)
    assert _ids(api_client.get("/api/v1/achievements")) == [newer.pk, older.pk]


def test_mine_lists_every_status_of_my_organisations(client_for, org):
    published = make_achievement(org)
    draft = make_achievement(org, status=ListingStatus.DRAFT)
    make_achievement(OrganizationFactory(), status=ListingStatus.PUBLISHED)
    ids = _ids(client_for(member_of(org)).get("/api/v1/achievements?mine=true"))
    assert set(ids) == {published.pk, draft.pk}


def test_status_filter_never_reveals_others_drafts(client_for, org):
    make_achievement(org, status=ListingStatus.DRAFT)
    stranger = client_for(member_of(OrganizationFactory()))
    assert _ids(stranger.get("/api/v1/achievements?status=draft")) == []
    assert len(_ids(client_for(operator_user()).get("/api/v1/achievements?status=draft"))) == 1


def test_achievement_filters(api_client, org):
    elsewhere = OrganizationFactory(region_id="450100")  # Nanning
    a = make_achievement(org, trl=3, technology_field="01", industries=["automotive"], cooperation_modes=["transfer"])
    b = make_achievement(
        org,
        trl=7,
        technology_field="03",
        industries=["machinery"],
        cooperation_modes=["licence"],
        price_type="fixed",
        price_min=Decimal("80000"),
        price_max=Decimal("80000"),
    )
    c = make_achievement(
        elsewhere,
        trl=9,
        technology_field="03",
        cooperation_modes=["equity"],
        price_type="negotiable",
        price_min=None,
        price_max=None,
    )

    def ids(query: str) -> set[int]:
        return set(_ids(api_client.get(f"/api/v1/achievements?{query}")))

    assert ids("technology_field=03") == {b.pk, c.pk}
    assert ids("technology_field=01,03") == {a.pk, b.pk, c.pk}
    assert ids("industry=automotive") == {a.pk}
    assert ids("industry=automotive,machinery") == {a.pk, b.pk}
    assert ids("stage=lab") == {a.pk}
    assert ids("stage=pilot&stage=mass_production") == {b.pk, c.pk}
    assert ids("trl_min=6&trl_max=8") == {b.pk}
    assert ids("cooperation_mode=licence&cooperation_mode=equity") == {b.pk, c.pk}
    assert ids("price_max=100000") == {b.pk}
    assert ids("price_min=1000000") == {a.pk}
    assert ids("region=450200") == {a.pk, b.pk}
    assert ids("region=450000") == {a.pk, b.pk, c.pk}
    assert ids("region=450100") == {c.pk}
    assert ids(f"owner={elsewhere.pk}") == {c.pk}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("trl_min=0", "trl_min"),
        ("region=45", "region"),
        ("stage=dream", "stage"),
        ("status=lost", "status"),
        ("ordering=price", "ordering"),
        ("price_min=-3", "price_min"),
        ("owner=abc", "owner"),
    ],
)
def test_bad_filters_are_400(query, field, api_client):
    response = api_client.get(f"/api/v1/achievements?{query}")
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}


def test_demand_filters(api_client, org):
    cheap = make_demand(org, budget_min=Decimal("10000"), budget_max=Decimal("50000"), industry="steel")
    rich = make_demand(org, budget_min=Decimal("1000000"), budget_max=Decimal("3000000"), region_preference="450200")
    open_ended = make_demand(org, budget_min=None, budget_max=None, wanted_stage="pilot")

    def ids(query: str) -> set[int]:
        return set(_ids(api_client.get(f"/api/v1/demands?{query}")))

    assert ids("budget_min=500000") == {rich.pk, open_ended.pk}
    assert ids("budget_max=60000") == {cheap.pk, open_ended.pk}
    assert ids("industry=steel") == {cheap.pk}
    assert ids("region_preference=450000") == {rich.pk}
    assert ids("wanted_stage=pilot") == {open_ended.pk}
    later = str(timezone.localdate() + timedelta(days=200))
    assert ids(f"deadline_before={later}") == {cheap.pk, rich.pk, open_ended.pk}


def test_search_chinese_words_inside_longer_words(api_client, org):
    engine = make_achievement(org, title="新能源汽车驱动电机控制器", summary="高效率永磁同步电机矢量控制，适配商用车。")
    steel = make_achievement(org, title="高强度汽车用钢板热成形工艺", summary="热冲压成形，强度1500MPa级。")
    make_achievement(org, title="螺蛳粉风味保持技术", summary="柳州螺蛳粉汤料杀菌与保鲜。", keywords=["食品"])

    assert set(_ids(api_client.get("/api/v1/achievements?q=汽车"))) == {engine.pk, steel.pk}
    assert _ids(api_client.get("/api/v1/achievements?q=电机控制")) == [engine.pk]
    # Every word must match: 钢板 and 电机 are never in one listing.
    assert _ids(api_client.get("/api/v1/achievements?q=钢板 电机")) == []
    assert _ids(api_client.get("/api/v1/achievements?q=螺蛳粉")) != []
    assert _ids(api_client.get("/api/v1/achievements?q=热成形")) == [steel.pk]


def test_search_english_and_full_width_text(api_client, org):
    listing = make_achievement(
        org, language="en", title="Machine vision inspection of engine blocks", summary="Deep learning, 99.5% recall."
    )
    make_achievement(org, title="齿轮热处理", summary="渗碳淬火")
    assert _ids(api_client.get("/api/v1/achievements?q=Engine Blocks")) == [listing.pk]
    assert _ids(api_client.get("/api/v1/achievements?q=ＥＮＧＩＮＥ")) == [listing.pk]


def test_search_finds_translations_and_keywords(api_client, org):
    listing = make_achievement(
        org, title="柳钢余热回收", translated_title="Waste heat recovery at a steel plant", keywords=["节能减排"]
    )
    assert _ids(api_client.get("/api/v1/achievements?q=waste heat")) == [listing.pk]
    assert _ids(api_client.get("/api/v1/achievements?q=节能减排")) == [listing.pk]


def test_relevance_puts_title_matches_first_and_pages_by_number(api_client, org):
    in_body = make_achievement(org, title="工业控制系统", summary="其中包括轴承的状态监测。")
    in_title = make_achievement(org, title="轴承故障诊断", summary="振动信号分析。")
    # Real clients percent-encode the query; the test client must be given it as data to do the same.
    response = api_client.get("/api/v1/achievements", {"q": "轴承", "page_size": 1})
    assert _ids(response) == [in_title.pk]
    assert "page=2" in response.json()["next"]
    assert _ids(api_client.get(response.json()["next"])) == [in_body.pk]
    by_date = api_client.get("/api/v1/achievements", {"q": "轴承", "ordering": "-published_at"})
    assert _ids(by_date) == [in_title.pk, in_body.pk]


def test_search_with_only_stop_words_matches_everything(api_client, org):
    make_achievement(org)
    assert len(_ids(api_client.get("/api/v1/achievements?q=的"))) == 1


def test_search_text_with_query_syntax_is_harmless(api_client, org):
    make_achievement(org, title="齿轮")
    for q in ["齿轮 & | !", "'\\", "(齿轮", "齿轮:*"]:
        assert api_client.get("/api/v1/achievements", {"q": q}).status_code == 200


def test_cursor_pages_do_not_repeat_or_skip(api_client, org):
    made = [make_demand(org).pk for _ in range(5)]
    seen: list[int] = []
    url = "/api/v1/demands?page_size=2"
    while url:
        body = api_client.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert seen == list(reversed(made))


# --- query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 6])
def test_achievement_list_query_count_is_constant(rows, api_client, org, django_assert_num_queries):
    for _ in range(rows):
        make_achievement(org, industries=["automotive", "steel"])
    # Anonymous pages: first the listings' write counter (apps.listings.page_cache), then the page is built.
    with django_assert_num_queries(2):  # the counter, the page (industries included)
        assert len(_ids(api_client.get("/api/v1/achievements?page_size=20"))) == rows
    with django_assert_num_queries(1):  # the counter; the page is the shared cache's
        assert len(_ids(api_client.get("/api/v1/achievements?page_size=20"))) == rows
    api_client.get("/api/v1/achievements?q=检测")  # the process reads the column's statistics once
    with django_assert_num_queries(3):  # the counter, the newest matches' ids, the ranked page
        assert len(_ids(api_client.get("/api/v1/achievements?q=检测&industry=automotive"))) == rows


@pytest.mark.parametrize("rows", [1, 6])
def test_demand_list_query_count_is_constant(rows, client_for, org, django_assert_num_queries):
    for _ in range(rows):
        make_demand(org, industry="steel", region_preference="450200")
    client = client_for(member_of(org))
    with django_assert_num_queries(3):  # user, memberships, page
        assert len(_ids(client.get("/api/v1/demands?mine=true&page_size=100"))) == rows


def test_detail_query_count(api_client, org, django_assert_num_queries):
    listing = make_achievement(org, industries=["automotive"])
    with django_assert_num_queries(3):  # listing, industries, IP assets
        assert api_client.get(f"/api/v1/achievements/{listing.pk}").status_code == 200


def test_relevance_ranks_the_newest_matches_within_the_window(api_client, org, settings):
    settings.LISTING_SEARCH_RANK_WINDOW = 2
    oldest_title_match = make_achievement(org, title="轴承寿命预测", summary="振动分析。")
    body_a = make_achievement(org, title="工业网关", summary="采集轴承温度。")
    body_b = make_achievement(org, title="边缘计算", summary="轴承故障报警。")
    ids = _ids(api_client.get("/api/v1/achievements", {"q": "轴承"}))
    assert ids == [body_b.pk, body_a.pk]  # the older title match is outside the window
    by_date = _ids(api_client.get("/api/v1/achievements", {"q": "轴承", "ordering": "-published_at"}))
    assert by_date == [body_b.pk, body_a.pk, oldest_title_match.pk]


@pytest.fixture
def analysed(settings):
    """Real column statistics for the search strategy, read afresh."""
    from django.db import connection

    from apps.listings import selectors

    def analyse():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE listings_achievement")
        selectors._STATISTICS.clear()
        selectors._NEWEST_IDS.clear()

    yield analyse
    selectors._STATISTICS.clear()
    selectors._NEWEST_IDS.clear()


def _search_paths(client, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        ids = _ids(client.get("/api/v1/achievements", params))
    sql = [q["sql"] for q in queries.captured_queries]
    return ids, sum("IS TRUE" in q for q in sql), sum('"id" + 0' in q for q in sql)


@pytest.mark.parametrize(
    ("with_word", "scan_rows", "walks", "index_reads"),
    [
        (9, 100, 1, 0),  # the newest rows hold the window
        (9, 3, 2, 0),  # none among the newest 3; the GIN index would fetch 9 rows: walk on (6 more)
        (3, 9, 1, 1),  # none among the newest 9; the GIN index fetches the 3 older matches
        (3, 3, 0, 1),  # 振动 in a quarter of the rows is rare for a walk of 3: the GIN index at once
    ],
)
def test_relevance_window_by_walk_or_index(
    api_client, org, settings, analysed, with_word, scan_rows, walks, index_reads
):
    # 轴承 is in all twelve listings, 振动 in the oldest ``with_word``; the window holds two.
    made = [
        make_achievement(org, title=f"轴承{'振动' if i < with_word else '温度'}监测{i}", summary="轴承状态。")
        for i in range(12)
    ]
    analysed()
    from apps.listings import selectors

    statistics = selectors.word_statistics(Achievement)
    assert statistics.rows == 12
    assert statistics.frequencies["振动"] == pytest.approx(with_word / 12)
    settings.LISTING_SEARCH_RANK_WINDOW = 2
    settings.LISTING_SEARCH_SCAN_ROWS = scan_rows
    ids, walked, from_index = _search_paths(api_client, {"q": "振动 轴承"})
    assert sorted(ids) == sorted([made[with_word - 1].pk, made[with_word - 2].pk])
    assert (walked, from_index) == (walks, index_reads)
    by_date = _ids(api_client.get("/api/v1/achievements", {"q": "振动 轴承", "ordering": "-published_at"}))
    assert by_date == [a.pk for a in reversed(made[:with_word])]


def test_filtered_walk_picks_candidates_from_the_covering_index(api_client, org, settings, analysed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # 轴承 in all; TRL 8 (mass production) in every third listing.
    made = [make_achievement(org, title=f"轴承监测{i}", trl=8 if i % 3 == 0 else 4) for i in range(12)]
    analysed()
    settings.LISTING_SEARCH_RANK_WINDOW = 3
    settings.LISTING_SEARCH_SCAN_ROWS = 100
    with CaptureQueriesContext(connection) as queries:
        ids = _ids(api_client.get("/api/v1/achievements", {"q": "轴承", "stage": "mass_production"}))
    assert sorted(ids) == sorted(a.pk for a in made[3::3])  # the newest three matches: 9, 6, 3
    walks = [q["sql"] for q in queries.captured_queries if "IS TRUE" in q["sql"]]
    assert len(walks) == 1
    assert "IN (SELECT" in walks[0]


def test_a_long_walk_that_finds_nothing_still_asks_the_index(api_client, org, settings, analysed):
    # 振动 is in half the listings (common), all of them older than the walk's reach (10 + 20 rows):
    # the search must not answer "nothing".
    made = [make_achievement(org, title=f"轴承{'振动' if i < 40 else '温度'}{i}", summary="轴承。") for i in range(80)]
    analysed()
    settings.LISTING_SEARCH_RANK_WINDOW = 10
    settings.LISTING_SEARCH_SCAN_ROWS = 10
    ids, walked, from_index = _search_paths(api_client, {"q": "振动"})
    assert (walked, from_index) == (2, 1)
    assert sorted(ids) == sorted(a.pk for a in made[30:40])


def test_rare_words_go_to_the_index(api_client, org, settings, analysed):
    for i in range(10):
        make_achievement(org, title=f"齿轮热处理{i}")
    rare = make_achievement(org, title="蔗渣板材")
    analysed()
    settings.LISTING_SEARCH_SCAN_ROWS = 2
    ids, walked, from_index = _search_paths(api_client, {"q": "蔗渣"})
    assert (ids, walked, from_index) == ([rare.pk], 0, 1)


def test_filtered_list_sql_has_no_distinct(api_client, org):
    # DISTINCT over every column made PostgreSQL sort all matches instead of reading the date index.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_achievement(org, trl=7)
    with CaptureQueriesContext(connection) as queries:
        api_client.get("/api/v1/achievements?status=published&stage=pilot&cooperation_mode=transfer")
    assert not any("DISTINCT" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("extra", [{}, {"industry": "automotive"}])
def test_search_text_too_long_is_a_400(api_client, extra):
    body = api_client.get("/api/v1/achievements", {"q": "轴" * 201, **extra})
    assert body.status_code == 400
    assert [(e["field"], e["code"]) for e in body.json()["errors"]] == [("q", "max_length")]
