"""stats_report: one grain per report, periods, filters, totals, year-on-year growth, labels, access."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from apps.contracts.selectors import market_today
from apps.core.errors import ApplicationError
from apps.organizations.selectors import is_operator
from apps.stats.selectors import MAX_REPORT_QUERIES, ReportError, in_wan, in_yi, stats_report
from tests.brokers.factories import make_broker
from tests.factories import OrganizationFactory, UserFactory, member_of, operator_user
from tests.stats.report_cells import add

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return operator_user()


def rows_by(report, *names):
    return {tuple(row.key[n] for n in names): row for row in report.rows}


@pytest.mark.parametrize(
    ("group_by", "filters", "grain"),
    [
        ([], {}, 1),
        (["period"], {}, 1),
        (["contract_type"], {}, 2),
        (["period", "legacy_class"], {}, 2),
        (["technology_field"], {}, 3),
        (["seller_zone", "buyer_zone"], {}, 4),
        (["seller_area"], {}, 5),
        (["buyer_entity_type"], {"buyer_area": ["45"]}, 6),
        (["ip_type"], {"programme_class": ["none"]}, 7),
        (["broker"], {}, 8),
        (["contract_type", "technology_field"], {"buyer_zone": ["city"]}, 9),
        (["technology_field"], {"broker": ["none"]}, 0),
        (["seller_area", "buyer_area"], {}, 0),
    ],
)
def test_a_report_reads_the_smallest_grain_that_covers_its_cuts(operator, group_by, filters, grain):
    add("2025-03", amount="1000.00")
    report = stats_report(actor=operator, group_by=group_by, filters=filters, date_to=date(2025, 12, 1))
    assert report.grain == grain
    # Every grain holds the contract once: whatever grain is read, it is counted once.
    assert report.totals.values["contract_count"] == 1
    assert report.totals.values["contract_amount"] == Decimal("1000.00")


def test_grouping_by_period_month_quarter_and_year(operator):
    add("2024-03", amount="100.00")
    add("2025-01", amount="10.00")
    add("2025-02", amount="20.00", paid="5.00")
    add("2025-05", amount="40.00", technology="30.00")
    window = {"date_from": date(2024, 1, 1), "date_to": date(2025, 12, 31), "compare": False}

    years = stats_report(actor=operator, group_by=["period"], period="year", **window)
    assert [(r.key["period"], r.values["contract_amount"]) for r in years.rows] == [
        ("2024", Decimal("100.00")),
        ("2025", Decimal("70.00")),
    ]
    quarters = stats_report(actor=operator, group_by=["period"], period="quarter", **window)
    assert [(r.key["period"], r.values["contract_count"]) for r in quarters.rows] == [
        ("2024-Q1", 1),
        ("2025-Q1", 2),
        ("2025-Q2", 1),
    ]
    months = stats_report(actor=operator, group_by=["period"], period="month", **window)
    assert [r.key["period"] for r in months.rows] == ["2024-03", "2025-01", "2025-02", "2025-05"]
    may = months.rows[-1].values
    assert (may["contract_amount"], may["technology_amount"], may["paid_amount"]) == (
        Decimal("40.00"),
        Decimal("30.00"),
        Decimal("0.00"),
    )
    assert months.totals.values == {
        "contract_count": 4,
        "contract_amount": Decimal("170.00"),
        "technology_amount": Decimal("160.00"),
        "paid_amount": Decimal("5.00"),
    }
    assert months.totals.previous is None and months.totals.growth is None


def test_window_is_whole_months_and_date_to_defaults_to_this_month(operator):
    add("2025-01", amount="1.00")
    add("2025-03", amount="2.00")
    add("2025-04", amount="4.00")
    # A day names its month: 2025-03-31 counts all of March, 2025-01-15 all of January.
    report = stats_report(
        actor=operator, group_by=[], date_from=date(2025, 1, 15), date_to=date(2025, 3, 31), compare=False
    )
    assert report.totals.values["contract_amount"] == Decimal("3.00")
    assert report.date_from == date(2025, 1, 1)
    assert report.date_to == date(2025, 3, 1)
    everything = stats_report(actor=operator, group_by=[], compare=False)
    assert everything.totals.values["contract_amount"] == Decimal("7.00")
    assert everything.date_to == market_today().replace(day=1)


def test_group_by_several_cuts_and_filters(operator):
    add("2025-02", amount="100.00", contract_type="development", technology_field="01")
    add("2025-02", amount="200.00", contract_type="licence", technology_field="01")
    add("2025-02", amount="400.00", contract_type="transfer", technology_field="03")
    add("2025-02", amount="800.00", contract_type="consulting", technology_field="03", buyer_zone="asean")

    report = stats_report(
        actor=operator,
        group_by=["legacy_class", "technology_field"],
        filters={"contract_type": ["licence", "transfer", "development"]},
        date_to=date(2025, 12, 1),
        compare=False,
    )
    rows = rows_by(report, "legacy_class", "technology_field")
    assert {k: r.values["contract_amount"] for k, r in rows.items()} == {
        ("development", "01"): Decimal("100.00"),
        ("transfer", "01"): Decimal("200.00"),
        ("transfer", "03"): Decimal("400.00"),
    }
    # Rows follow the report forms' order: development before transfer (not alphabetical).
    assert [r.key["legacy_class"] for r in report.rows] == ["development", "transfer", "transfer"]
    assert report.totals.values["contract_amount"] == Decimal("700.00")

    flows = stats_report(
        actor=operator, group_by=["buyer_zone"], filters={"buyer_zone": ["asean"]}, date_to=date(2025, 12, 1)
    )
    assert [(r.key["buyer_zone"], r.values["contract_count"]) for r in flows.rows] == [("asean", 1)]


def test_area_filter_takes_codes_and_domestic_prefixes(operator):
    add("2025-06", amount="1.00", seller_area="450200")
    add("2025-06", amount="2.00", seller_area="450100")
    add("2025-06", amount="4.00", seller_area="440300", seller_zone="domestic")
    add("2025-06", amount="8.00", seller_area="458", seller_zone="asean")  # Malaysia: 458 starts with 45

    def total(*areas: str) -> Decimal:
        report = stats_report(
            actor=operator, group_by=[], filters={"seller_area": list(areas)}, date_to=date(2025, 12, 1)
        )
        return report.totals.values["contract_amount"]

    assert total("45") == Decimal("3.00")
    assert total("4502") == Decimal("1.00")
    assert total("450100") == Decimal("2.00")
    assert total("458") == Decimal("8.00")
    assert total("44", "458") == Decimal("12.00")
    assert total("46") == Decimal("0.00")


def test_entity_type_filter_takes_in_subcodes(operator):
    add("2025-06", amount="1.00", buyer_entity_type="170")
    add("2025-06", amount="2.00", buyer_entity_type="150")
    add("2025-06", amount="4.00", buyer_entity_type="021")
    add("2025-06", amount="8.00", buyer_entity_type="300")

    def total(*codes: str) -> Decimal:
        report = stats_report(
            actor=operator, group_by=[], filters={"buyer_entity_type": list(codes)}, date_to=date(2025, 12, 1)
        )
        return report.totals.values["contract_amount"]

    assert total("100") == Decimal("3.00")
    assert total("170") == Decimal("1.00")
    assert total("020") == Decimal("4.00")
    assert total("300", "150") == Decimal("10.00")


def test_year_on_year_growth_with_zero_previous(operator):
    add("2024-04", amount="100.00", count=2, technology_field="01")
    add("2025-04", amount="150.00", count=3, technology_field="01", paid="10.00")
    add("2025-04", amount="50.00", technology_field="05")
    add("2024-08", amount="30.00", technology_field="09")  # nothing in 2025

    report = stats_report(
        actor=operator,
        group_by=["period", "technology_field"],
        date_from=date(2025, 1, 1),
        date_to=date(2025, 12, 1),
    )
    rows = rows_by(report, "period", "technology_field")
    assert set(rows) == {("2025", "01"), ("2025", "05"), ("2025", "09")}
    electronics = rows[("2025", "01")]
    assert electronics.previous["contract_amount"] == Decimal("100.00")
    assert electronics.growth["contract_amount"] == Decimal("0.5000")
    assert electronics.growth["contract_count"] == Decimal("0.5000")
    assert electronics.growth["paid_amount"] is None  # nothing paid a year earlier
    materials = rows[("2025", "05")]
    assert materials.previous["contract_amount"] == Decimal("0.00")
    assert materials.growth == dict.fromkeys(materials.values)
    # A cut that sold last year and not this year stays in the report, down 100 %.
    vanished = rows[("2025", "09")]
    assert vanished.values["contract_amount"] == Decimal("0.00")
    assert vanished.growth["contract_amount"] == Decimal("-1.0000")
    assert report.totals.values["contract_amount"] == Decimal("200.00")
    assert report.totals.previous["contract_amount"] == Decimal("130.00")
    assert report.totals.growth["contract_amount"] == Decimal("0.5385")


def test_comparison_is_like_for_like_for_a_partial_year(operator):
    add("2024-02", amount="10.00")
    add("2024-11", amount="1000.00")
    add("2025-02", amount="30.00")
    report = stats_report(actor=operator, group_by=["period"], date_from=date(2025, 1, 1), date_to=date(2025, 3, 1))
    (row,) = report.rows
    assert row.key == {"period": "2025"}
    # January–March 2025 against January–March 2024, not against the whole of 2024.
    assert row.previous["contract_amount"] == Decimal("10.00")
    assert row.growth["contract_amount"] == Decimal("2.0000")
    # Without a start the window runs from the beginning: everything to March 2025 against everything
    # to March 2024.
    cumulative = stats_report(actor=operator, group_by=[], date_to=date(2025, 3, 1))
    assert cumulative.totals.values["contract_amount"] == Decimal("1040.00")
    assert cumulative.totals.previous["contract_amount"] == Decimal("10.00")


def test_labels_follow_the_language(operator):
    broker = make_broker(name="韦经纪")
    add(
        "2025-06",
        amount="1.00",
        technology_field="01",
        buyer_area="458",
        buyer_zone="asean",
        seller_entity_type="170",
        broker=str(broker.pk),
    )
    add("2025-06", amount="2.00", technology_field="01", buyer_area="440300", buyer_zone="domestic")
    group_by = ["period", "technology_field", "buyer_area", "buyer_zone", "seller_entity_type", "broker"]
    with translation.override("zh-hans"):
        zh = stats_report(actor=operator, group_by=group_by, period="quarter", date_to=date(2025, 12, 1))
    with translation.override("en"):
        en = stats_report(actor=operator, group_by=group_by, period="quarter", date_to=date(2025, 12, 1))
    by_area_zh = {r.key["buyer_area"]: r.labels for r in zh.rows}
    by_area_en = {r.key["buyer_area"]: r.labels for r in en.rows}
    assert by_area_zh["458"]["technology_field"] == "电子信息"
    assert by_area_en["458"]["technology_field"] == "Electronic information"
    assert by_area_zh["458"]["buyer_area"] == "马来西亚"
    assert by_area_en["458"]["buyer_area"] == "Malaysia"
    assert by_area_zh["458"]["seller_entity_type"] == "私营企业"
    assert by_area_en["458"]["seller_entity_type"] == "Private enterprises"
    assert by_area_zh["458"]["broker"].startswith("韦经纪（")
    assert by_area_en["458"]["buyer_zone"] == "ASEAN"
    assert by_area_en["440300"]["buyer_zone"] == "other provinces"
    assert by_area_en["440300"]["broker"] == "no broker"
    assert by_area_en["440300"]["period"] == "2025 Q2"
    # Shenzhen is not in the regions table: its province and code stand in.
    assert by_area_zh["440300"]["buyer_area"] == "广东省 440300"
    types = stats_report(actor=operator, group_by=["contract_type", "ip_type"], date_to=date(2025, 12, 1))
    with translation.override("en"):
        types_en = stats_report(actor=operator, group_by=["contract_type", "ip_type"], date_to=date(2025, 12, 1))
    assert types_en.rows[0].labels == {"contract_type": "technology development", "ip_type": "invention patent"}
    assert types.rows[0].labels["ip_type"] == "发明专利"


def test_zero_rows_are_left_out(operator):
    add("2025-06", amount="5.00", technology_field="01")
    # An annulled contract leaves cells whose sums are back to zero.
    add("2025-06", amount="5.00", technology_field="02")
    add("2025-06", count=-1, amount="-5.00", technology_field="02")
    report = stats_report(actor=operator, group_by=["technology_field"], date_to=date(2025, 12, 1), compare=False)
    assert [r.key["technology_field"] for r in report.rows] == ["01"]


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"group_by": ["colour"]}, ReportError.UNKNOWN_DIMENSION, "group_by"),
        ({"group_by": ["*"]}, ReportError.UNKNOWN_DIMENSION, "group_by"),
        ({"group_by": [], "period": "week"}, ReportError.BAD_PERIOD, "period"),
        ({"group_by": [], "filters": {"colour": ["red"]}}, ReportError.UNKNOWN_DIMENSION, "colour"),
        ({"group_by": [], "filters": {"contract_type": ["lease"]}}, ReportError.BAD_FILTER_VALUE, "contract_type"),
        ({"group_by": [], "filters": {"contract_type": []}}, ReportError.BAD_FILTER_VALUE, "contract_type"),
        ({"group_by": [], "filters": {"buyer_zone": ["moon"]}}, ReportError.BAD_FILTER_VALUE, "buyer_zone"),
        ({"group_by": [], "filters": {"seller_area": ["4"]}}, ReportError.BAD_FILTER_VALUE, "seller_area"),
        ({"group_by": [], "filters": {"seller_area": ["45020"]}}, ReportError.BAD_FILTER_VALUE, "seller_area"),
        ({"group_by": [], "filters": {"buyer_entity_type": ["17"]}}, ReportError.BAD_FILTER_VALUE, "buyer_entity_type"),
        ({"group_by": [], "filters": {"technology_field": ["0'1"]}}, ReportError.BAD_FILTER_VALUE, "technology_field"),
        ({"group_by": [], "filters": {"broker": ["abc"]}}, ReportError.BAD_FILTER_VALUE, "broker"),
        (
            {"group_by": [], "date_from": date(2025, 5, 1), "date_to": date(2025, 4, 30)},
            ReportError.BAD_DATE_RANGE,
            "date_from",
        ),
    ],
)
def test_bad_requests_are_refused_with_a_code(operator, kwargs, code, field):
    with pytest.raises(ApplicationError) as refused:
        stats_report(actor=operator, **kwargs)
    assert refused.value.status == 400
    assert refused.value.code == code
    assert field in refused.value.field_errors


def test_too_many_rows(operator, settings):
    settings.STATS_REPORT_MAX_ROWS = 2
    for field in ("01", "02", "03"):
        add("2025-06", amount="1.00", technology_field=field)
    with pytest.raises(ApplicationError) as refused:
        stats_report(actor=operator, group_by=["technology_field"], date_to=date(2025, 12, 1))
    assert refused.value.code == ReportError.TOO_MANY_ROWS
    assert refused.value.extra == {"max_rows": 2}
    settings.STATS_REPORT_MAX_ROWS = 3
    assert len(stats_report(actor=operator, group_by=["technology_field"], date_to=date(2025, 12, 1)).rows) == 3


def test_only_the_operator_and_holders_of_the_permission_read_statistics():
    add("2025-06", amount="1.00")
    enterprise_admin = member_of(OrganizationFactory())
    with pytest.raises(ApplicationError) as refused:
        stats_report(actor=enterprise_admin, group_by=[])
    assert (refused.value.status, refused.value.code) == (403, ReportError.NOT_PERMITTED)

    service = UserFactory(is_service_account=True)
    with pytest.raises(ApplicationError):
        stats_report(actor=service, group_by=[])
    service.user_permissions.add(Permission.objects.get(codename="view_cell", content_type__app_label="stats"))
    service = type(service).objects.get(pk=service.pk)  # permissions are cached on the object
    assert stats_report(actor=service, group_by=[], date_to=date(2025, 12, 1)).totals.values["contract_count"] == 1


@pytest.mark.parametrize(
    ("group_by", "compare", "queries"),
    [
        ([], False, 1),
        (["period"], True, 2),
        (["period", "contract_type", "buyer_zone", "ip_type"], True, 2),
        (["technology_field"], True, 3),
        (["period", "technology_field", "seller_entity_type", "buyer_area", "seller_area", "broker"], True, 6),
    ],
)
def test_query_count_is_fixed(operator, django_assert_num_queries, group_by, compare, queries):
    brokers = [make_broker() for _ in range(3)]
    for index in range(30):
        add(
            f"{2023 + index % 3}-{index % 12 + 1:02d}",
            amount="10.00",
            technology_field=f"{index % 11 + 1:02d}",
            seller_entity_type=("021", "022", "170")[index % 3],
            buyer_area=("450200", "450100", "458", "440300")[index % 4],
            broker=str(brokers[index % 3].pk) if index % 4 else "",
            grains=(0, 1, 2, 3, 4, 7),
        )
    assert is_operator(operator)  # the membership read belongs to the request, not the report
    with django_assert_num_queries(queries):
        report = stats_report(actor=operator, group_by=group_by, compare=compare, date_to=date(2025, 12, 1))
    assert queries <= MAX_REPORT_QUERIES
    assert report.totals.values["contract_count"] == 30
    assert all(label for row in report.rows for label in row.labels.values())


def test_display_units_round_half_up():
    assert in_yi(Decimal("64510000000.00")) == Decimal("645.10")
    assert in_wan(Decimal("64510000000.00")) == Decimal("6451000.00")
    assert in_wan(Decimal("50.00")) == Decimal("0.01")  # 0.005 万元: half up, not to even
    assert in_yi(Decimal("1500000.00")) == Decimal("0.02")
    assert in_wan(Decimal("-50.00")) == Decimal("-0.01")
