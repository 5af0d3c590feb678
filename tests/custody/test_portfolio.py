"""Portfolio views per owner and per custodian: twelve months of fees, grace, lapsed; CSV; the .ics feed."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import time_machine
from icalendar import Calendar

from apps.custody.models import CalendarFeed
from tests.custody.factories import make_agreement, make_patent
from tests.factories import OrganizationFactory, operator_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("custody_today")]

URL = "/api/v1/custody/portfolio"


@pytest.fixture
def portfolio(world):
    on_time = make_patent(world.owner, title="一种螺蛳粉汤料的制备方法")  # year 8 due 2027-03-02, ¥2000
    utility = make_patent(
        world.owner,
        kind="utility_model",
        application_number="202020123458.2",
        patent_number="ZL202020123458.2",
        title='=HYPERLINK("http://x")汽车座椅调节装置',
        filing_date=date(2020, 5, 20),
        grant_date=date(2021, 1, 5),
    )
    # Year 8 of this one fell due 2026-09-20 and is unpaid: in grace on 2026-12-01 (third month, 10%).
    in_grace = make_patent(
        world.owner, title="发动机缸体缺陷检测方法", filing_date=date(2019, 9, 20), grant_date=date(2021, 2, 1)
    )
    # Year 7 fell due 2026-05-10, its grace ended 2026-11-10: lapsed.
    lapsed = make_patent(
        world.owner, title="变速箱换挡控制方法", filing_date=date(2020, 5, 10), grant_date=date(2022, 1, 4)
    )
    entries = [
        {"asset_id": on_time.pk},
        {"asset_id": utility.pk},
        {"asset_id": in_grace.pk, "paid_through_year": 7},
        {"asset_id": lapsed.pk, "paid_through_year": 6},
    ]
    make_agreement(world, [], entries=entries)
    return on_time, utility, in_grace, lapsed


def test_owner_portfolio(client_for, world, portfolio):
    _on_time, _utility, in_grace, lapsed = portfolio
    response = client_for(world.owner_member).get(URL, {"organization": world.owner.pk, "role": "owner"})
    assert response.status_code == 200, response.json()
    body = response.json()
    months = {m["month"]: (m["count"], m["total"]) for m in body["months"]}
    assert months["2027-03"] == (1, "2000.00")
    assert months["2027-05"] == (1, "1200.00")  # utility model year 8
    # The patent in grace also owes its next year within twelve months.
    assert months["2027-09"] == (1, "2000.00")
    assert [a["asset"]["id"] for a in body["in_grace"]] == [in_grace.pk]
    grace = body["in_grace"][0]
    assert (grace["next_year"], grace["late_fee_today"], grace["amount_today"]) == (8, "200.00", "2200.00")
    assert [a["asset"]["id"] for a in body["lapsed"]] == [lapsed.pk]
    assert body["total_12_months"] == f"{sum(float(t) for _c, t in months.values()):.2f}"


def test_custodian_sees_the_same_from_its_side_and_others_404(client_for, world, portfolio):
    agency = client_for(world.agency_member).get(URL, {"organization": world.agency.pk, "role": "custodian"})
    assert agency.status_code == 200
    assert len(agency.json()["in_grace"]) == 1
    # The agency cannot read the owner's portfolio as the owner, nor can strangers.
    assert (
        client_for(world.agency_member).get(URL, {"organization": world.owner.pk, "role": "owner"}).status_code == 404
    )
    assert client_for(world.stranger).get(URL, {"organization": world.owner.pk, "role": "owner"}).status_code == 404
    assert client_for(operator_user()).get(URL, {"organization": world.owner.pk, "role": "owner"}).status_code == 200
    assert client_for(world.owner_member).get(URL, {"organization": "x", "role": "owner"}).status_code == 400
    assert client_for(world.owner_member).get(URL, {"organization": world.owner.pk, "role": "x"}).status_code == 400


def test_portfolio_query_count_does_not_grow(client_for, django_assert_num_queries, world, portfolio):
    client = client_for(world.owner_member)
    with django_assert_num_queries(5):  # user, memberships, months, in grace, lapsed (no query per row)
        client.get(URL, {"organization": world.owner.pk, "role": "owner"})
    make_agreement(world, [make_patent(world.owner) for _ in range(5)])
    with django_assert_num_queries(5):
        client.get(URL, {"organization": world.owner.pk, "role": "owner"})


def test_csv_export(client_for, world, portfolio):
    response = client_for(world.agency_member).get(
        f"{URL}/export", {"organization": world.agency.pk, "role": "custodian"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["申请号", "专利号/登记号", "名称", "类型"]
    assert len(rows) == 5
    states = {row[2]: row[10] for row in rows[1:]}
    assert states["发动机缸体缺陷检测方法"] == "宽限期"
    assert states["变速箱换挡控制方法"] == "已失效（未缴年费）"
    # A title that a spreadsheet would run as a formula is written as text.
    assert '\'=HYPERLINK("http://x")汽车座椅调节装置' in states
    assert (
        client_for(world.stranger)
        .get(f"{URL}/export", {"organization": world.agency.pk, "role": "custodian"})
        .status_code
        == 404
    )


class TestCalendarFeed:
    def test_subscribe_read_rotate_revoke(self, client_for, api_client, world, portfolio):
        created = client_for(world.owner_member).post("/api/v1/custody/calendar-feed")
        assert created.status_code == 201
        url = created.json()["url"]
        assert url.endswith(".ics")
        path = url[url.index("/api/v1/") :]
        feed = api_client.get(path)  # no login: the address is the key
        assert feed.status_code == 200
        assert feed["Content-Type"].startswith("text/calendar")
        calendar = Calendar.from_ical(feed.content)
        events = list(calendar.walk("VEVENT"))
        summaries = " ".join(str(e["SUMMARY"]) for e in events)
        assert "一种螺蛳粉汤料的制备方法" in summaries
        first = next(e for e in events if "螺蛳粉" in str(e["SUMMARY"]))
        assert first.decoded("DTSTART") == date(2027, 3, 2)
        # Each asset's next annuity while payable: the lapsed patent's (2026-05-10) is not.
        assert len(events) == 3
        # Another token, or the old one after rotating, is a 404.
        assert api_client.get("/api/v1/custody/calendar/not-a-token.ics").status_code == 404
        client_for(world.owner_member).post("/api/v1/custody/calendar-feed")
        assert api_client.get(path).status_code == 404
        client_for(world.owner_member).delete("/api/v1/custody/calendar-feed")
        assert not CalendarFeed.objects.exists()

    def test_the_feed_shows_only_what_its_owner_may_see(self, client_for, api_client, world, portfolio):
        outsider_org = OrganizationFactory()
        from tests.factories import member_of

        outsider = member_of(outsider_org)
        url = client_for(outsider).post("/api/v1/custody/calendar-feed").json()["url"]
        feed = api_client.get(url[url.index("/api/v1/") :])
        assert feed.status_code == 200
        assert list(Calendar.from_ical(feed.content).walk("VEVENT")) == []

    def test_the_feed_follows_payments(self, client_for, api_client, world, portfolio):
        on_time = portfolio[0]
        url = client_for(world.agency_member).post("/api/v1/custody/calendar-feed").json()["url"]
        path = url[url.index("/api/v1/") :]
        from apps.custody.models import CustodyAsset

        row = CustodyAsset.objects.get(asset=on_time)
        with time_machine.travel("2026-12-01T11:00:00+08:00", tick=False):
            paid = client_for(world.agency_member).post(
                f"/api/v1/custody/assets/{row.pk}/payments",
                {"year": 8, "amount": "2000.00", "paid_on": "2026-12-01", "receipt_number": "R-1"},
                format="json",
            )
        assert paid.status_code == 201
        events = list(Calendar.from_ical(api_client.get(path).content).walk("VEVENT"))
        mine = [e for e in events if "螺蛳粉" in str(e["SUMMARY"])]
        assert [e.decoded("DTSTART") for e in mine] == [date(2028, 3, 2)]


@pytest.mark.parametrize("extra", [0, 6])
def test_csv_export_query_count(client_for, django_assert_num_queries, world, portfolio, extra):
    if extra:
        make_agreement(world, [make_patent(world.owner) for _ in range(extra)])
    client = client_for(world.owner_member)
    with django_assert_num_queries(3):  # user, memberships, the rows (asset and parties joined)
        response = client.get(f"{URL}/export", {"organization": world.owner.pk, "role": "owner"})
        rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == 5 + extra
