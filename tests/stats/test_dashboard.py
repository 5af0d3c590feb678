"""The operator's statistics dashboard through Django's test client, and the SVG charts on their own.

The browser test (test_dashboard_browser.py) drives the same page in Chromium; here are the access
rules, the empty and filled page, bad input, and the chart functions' edge cases.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from apps.accounts.models import User
from apps.accounts.services import user_revoke_sessions
from apps.contracts.selectors import market_today
from apps.stats import charts
from apps.stats.views import CONTENT_SECURITY_POLICY, amount_text, growth_text
from tests.factories import TEST_PASSWORD, UserFactory, operator_user
from tests.stats.report_cells import add

URL = "/stats/dashboard/"
SVG = "{http://www.w3.org/2000/svg}"


def logged_in(user: User) -> Client:
    """A client that logged in through the dashboard's own login form."""
    client = Client()
    response = client.post("/stats/login/", {"username": user.email, "password": TEST_PASSWORD, "next": URL})
    assert response.status_code == 302, response.content
    assert response["Location"] == URL
    return client


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own output, not untrusted input


def svg(html: str, chart_id: str) -> ET.Element:
    found = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', html, re.S)
    assert found, f"no chart {chart_id}"
    return parse(found.group(0))


def bars(html: str, chart_id: str) -> list[ET.Element]:
    return [rect for rect in svg(html, chart_id).iter(f"{SVG}rect") if rect.get("class") == "bar"]


def card(html: str, measure: str) -> tuple[str, str]:
    """(value with its unit, growth) of a headline card, as its text reads."""
    found = re.search(
        rf'data-measure="{measure}".*?class="card__value"[^>]*>(.*?)</p>.*?class="growth">([^<]*)<', html, re.S
    )
    assert found, f"no card {measure}"
    value = " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())
    return value, found.group(2)


@pytest.fixture
def operator(db) -> User:
    return operator_user()


@pytest.fixture
def filled(db) -> None:
    """2025 against 2024: 1.23 亿元 from four contracts in 2025 (two of them output, one absorbed)."""
    add("2024-03", amount="50000000", paid="10000000")
    add("2024-11", amount="10000000", contract_type="consulting", technology_field="05")
    add("2025-01", amount="100000000", technology="80000000", paid="30000000")
    add("2025-03", amount="15000000", contract_type="transfer", technology_field="03", buyer_zone="domestic")
    add("2025-03", amount="5000000", contract_type="licence", technology_field="03", buyer_zone="asean")
    add("2025-07", amount="3000000", contract_type="service", seller_zone="province", seller_area="450300")


# --- access ------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page_and_come_back(operator):
    response = Client().get(URL + "?year=2025")
    assert response.status_code == 302
    assert response["Location"] == "/stats/login/?next=/stats/dashboard/%3Fyear%3D2025"

    client = Client()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert 'name="next" value="/stats/dashboard/?year=2025"' in page.content.decode()
    login = client.post(
        "/stats/login/", {"username": operator.email, "password": TEST_PASSWORD, "next": "/stats/dashboard/?year=2025"}
    )
    assert login.status_code == 302
    assert login["Location"] == "/stats/dashboard/?year=2025"
    assert client.get(login["Location"]).status_code == 200


def test_a_logged_in_user_who_is_not_the_operator_is_refused(db):
    client = logged_in(UserFactory())
    response = client.get(URL)
    assert response.status_code == 403
    assert "text/html" in response["Content-Type"]
    assert "svg" not in response.content.decode()


def test_wrong_passwords_and_service_accounts_do_not_log_in(operator):
    wrong = Client().post("/stats/login/", {"username": operator.email, "password": "not-it", "next": URL})
    assert wrong.status_code == 200
    assert 'role="alert"' in wrong.content.decode()
    robot = UserFactory(is_service_account=True)
    refused = Client().post("/stats/login/", {"username": robot.email, "password": TEST_PASSWORD, "next": URL})
    assert refused.status_code == 200
    assert "_auth_user_id" not in refused.wsgi_request.session


def test_the_login_form_shares_the_api_login_throttle(operator, throttle_rates):
    throttle_rates(login_account="2/min")
    client = Client()
    for _attempt in range(2):
        assert client.post("/stats/login/", {"username": operator.email, "password": "x"}).status_code == 200
    throttled = client.post("/stats/login/", {"username": operator.email, "password": TEST_PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_log_out_everywhere_ends_the_dashboard_session(operator):
    client = logged_in(operator)
    assert client.get(URL).status_code == 200
    user_revoke_sessions(user=operator)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/stats/login/")
    assert client.get(URL).status_code == 302  # logged out, not only turned away


def test_logging_out_takes_a_post(operator):
    client = logged_in(operator)
    assert client.post("/stats/logout/").status_code == 302
    assert client.get(URL).status_code == 302


def test_a_bad_year_is_a_400_that_says_so(operator):
    client = logged_in(operator)
    for bad in ("1999", str(market_today().year + 1), "last"):
        response = client.get(URL, {"year": bad})
        assert response.status_code == 400, bad
        assert 'class="error"' in response.content.decode()
    assert client.post(URL).status_code == 405


# --- the page ----------------------------------------------------------------------------------


def test_with_no_data_the_page_renders_zeros_and_empty_charts(operator):
    response = logged_in(operator).get(URL)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    html = response.content.decode()
    with translation.override("zh-hans"):
        zero = amount_text(Decimal(0))
    assert card(html, "contract_amount") == (zero, "—")
    assert card(html, "contract_count") == ("0", "—")
    assert bars(html, "chart-type") == []
    # The flow chart always lists the six flow classes, and the trend the months so far.
    assert len(bars(html, "chart-flow")) == 12
    assert all(float(rect.get("width", "1")) == 0 for rect in bars(html, "chart-flow"))
    points = list(svg(html, "chart-trend").iter(f"{SVG}circle"))
    assert len(points) == market_today().month + 12
    assert f'<option value="{market_today().year}" selected>' in html


def test_the_figures_of_a_year_against_the_year_before(operator, filled):
    response = logged_in(operator).get(URL, {"year": "2025"})
    assert response.status_code == 200
    html = response.content.decode()

    with translation.override("zh-hans"):
        assert card(html, "contract_amount") == (amount_text(Decimal("123000000")), "+105.0%")
        assert card(html, "technology_amount") == (amount_text(Decimal("103000000")), "+71.7%")
        assert card(html, "paid_amount") == (amount_text(Decimal("30000000")), "+200.0%")
    assert card(html, "contract_amount")[0].startswith("1.23 ")
    assert card(html, "paid_amount")[0].startswith("3,000.00 ")
    assert card(html, "contract_count") == ("4", "+100.0%")

    # development, transfer, licence, service (consulting had contracts only in 2024: an empty bar).
    type_bars = bars(html, "chart-type")
    assert len(type_bars) == 5
    assert (
        max(type_bars, key=lambda rect: float(rect.get("width", 0))).findtext(f"{SVG}title", "").endswith("10,000.00")
    )
    assert len(bars(html, "chart-field")) == 3
    # Output (sellers in the city): city 10,000.00, other provinces 1,500.00, ASEAN 500.00 (万元);
    # absorption (buyers in the city): city 10,000.00, province 300.00.
    flow = svg(html, "chart-flow")
    values = [text.text for text in flow.iter(f"{SVG}text") if text.get("class") == "bar-value"]
    assert values == [
        "10,000.00", "10,000.00",
        "0.00", "300.00",
        "1,500.00", "0.00",
        "0.00", "0.00",
        "500.00", "0.00",
        "0.00", "0.00",
    ]  # fmt: skip
    desc = flow.findtext(f"{SVG}desc", "")
    assert "1,500.00" in desc and "300.00" in desc
    # The trend: 2025 January to December against 2024; each of the 24 points has its value.
    trend = svg(html, "chart-trend")
    titles = [circle.findtext(f"{SVG}title", "") for circle in trend.iter(f"{SVG}circle")]
    assert len(titles) == 24
    assert sum(title.endswith("10,000.00") for title in titles) == 1
    assert sum(title.endswith("5,000.00") for title in titles) == 1


def test_the_default_year_is_the_current_market_year_so_far(operator):
    today = market_today()
    add(f"{today.year}-{today.month:02d}", amount="2500000")
    add(f"{today.year - 1}-{today.month:02d}", amount="2000000")
    # Later last year: outside "the same months a year earlier".
    if today.month < 12:
        add(f"{today.year - 1}-12", amount="9000000")
    html = logged_in(operator).get(URL).content.decode()
    assert card(html, "contract_amount")[1] == "+25.0%"
    assert card(html, "contract_count") == ("1", "0.0%")


def test_html_in_labels_is_escaped():
    svg_text = charts.bar_chart(
        chart_id="x",
        title="<b>t</b>",
        desc="d & e",
        bars=[charts.Bar(label="<script>alert(1)</script>", value=1, text="1")],
        empty_text="none",
    )
    assert "<script>" not in svg_text
    assert parse(svg_text).findtext(f"{SVG}title") == "<b>t</b>"


# --- the charts on their own -------------------------------------------------------------------


def test_a_bar_chart_with_one_bar_fills_the_room_and_names_its_value():
    chart = parse(
        charts.bar_chart(
            chart_id="one", title="按合同类型", desc="万元", bars=[charts.Bar("技术开发", Decimal("12.5"), "12.50")],
            empty_text="暂无数据",
        )
    )  # fmt: skip
    assert chart.get("role") == "img"
    assert chart.get("aria-labelledby") == "one-title one-desc"
    assert chart.findtext(f"{SVG}title") == "按合同类型"
    assert chart.findtext(f"{SVG}desc") == "万元 技术开发: 12.50"
    (rect,) = [r for r in chart.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert float(rect.get("width", 0)) > 300
    assert "WenQuanYi Micro Hei" in chart.get("font-family", "")


def test_zero_and_negative_values_draw_empty_bars_and_still_show_their_values():
    chart = parse(
        charts.bar_chart(
            chart_id="z",
            title="t",
            desc="",
            bars=[charts.Bar("技术转让", 0, "0.00"), charts.Bar("技术许可", Decimal("-5"), "-5.00")],
            empty_text="暂无数据",
        )
    )
    widths = [float(r.get("width", 1)) for r in chart.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert widths == [0.0, 0.0]
    texts = [t.text for t in chart.iter(f"{SVG}text") if t.get("class") == "bar-value"]
    assert texts == ["0.00", "-5.00"]


def test_no_bars_at_all_says_so():
    chart = parse(charts.bar_chart(chart_id="e", title="t", desc="", bars=[], empty_text="暂无数据"))
    assert [t.text for t in chart.iter(f"{SVG}text")] == ["暂无数据"]
    assert not list(chart.iter(f"{SVG}rect"))


def test_long_chinese_labels_are_shortened_and_kept_whole_in_the_title():
    long_label = "新一代信息技术与人工智能及其在智能网联新能源汽车领域的应用"
    chart = parse(
        charts.bar_chart(
            chart_id="long",
            title="t",
            desc="",
            bars=[charts.Bar(long_label, 100, "100.00"), charts.Bar("农业", 50, "50.00")],
            empty_text="",
            width=640,
        )
    )
    labels = [t.text or "" for t in chart.iter(f"{SVG}text") if t.get("class") == "bar-label"]
    assert labels[0].endswith("…") and long_label.startswith(labels[0][:-1])
    assert charts.text_width(labels[0], 13) <= 640 * 0.32
    assert labels[1] == "农业"
    groups = [g.findtext(f"{SVG}title") for g in chart.iter(f"{SVG}g") if g.get("class") == "bar-group"]
    assert groups == [long_label, "农业"]
    # The bars start right of the (capped) label column and stay inside the chart.
    for rect in chart.iter(f"{SVG}rect"):
        assert float(rect.get("x", 0)) + float(rect.get("width", 0)) <= 640


def test_grouped_bars_have_a_legend_and_one_bar_per_series_and_category():
    chart = parse(
        charts.grouped_bar_chart(
            chart_id="g",
            title="技术输出与吸纳",
            desc="",
            categories=["市内", "省内", "外省"],
            series=[
                charts.Series("技术输出", [Decimal(3), Decimal(2), Decimal(1)], ["3.00", "2.00", "1.00"]),
                charts.Series("技术吸纳", [Decimal(0), Decimal(6), Decimal(0)], ["0.00", "6.00", "0.00"]),
            ],
            empty_text="",
        )
    )
    rects = [r for r in chart.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert len(rects) == 6
    assert [r.get("data-series") for r in rects] == ["0", "1"] * 3
    widest = max(rects, key=lambda r: float(r.get("width", 0)))
    assert widest.findtext(f"{SVG}title") == "省内 技术吸纳: 6.00"
    legend = [g for g in chart.iter(f"{SVG}g") if g.get("class") == "legend-item"]
    assert [g.findtext(f"{SVG}text") for g in legend] == ["技术输出", "技术吸纳"]


def test_a_line_chart_takes_a_shorter_series_and_an_all_zero_one():
    labels = [f"{m}月" for m in range(1, 13)]
    chart = parse(
        charts.line_chart(
            chart_id="l",
            title="月度走势",
            desc="",
            x_labels=labels,
            series=[
                charts.Series("2026", [Decimal(0)] * 3, ["0.00"] * 3),
                charts.Series("2025", [Decimal(0)] * 12, ["0.00"] * 12),
            ],
            empty_text="",
        )
    )
    assert len(list(chart.iter(f"{SVG}circle"))) == 15
    # Zero points carry their value in their title only (a row of "0.00" would hide the lines).
    assert [t for t in chart.iter(f"{SVG}text") if t.get("class") == "point-value"] == []
    assert [c.findtext(f"{SVG}title") for c in chart.iter(f"{SVG}circle")][:2] == ["1月 2025: 0.00", "2月 2025: 0.00"]
    # All points on the base line, which is inside the chart.
    ys = {float(c.get("cy", 0)) for c in chart.iter(f"{SVG}circle")}
    assert len(ys) == 1 and 0 < ys.pop() < 280


def test_the_axis_maximum_is_a_round_number():
    assert [charts.nice_ceiling(v) for v in (0, 0.7, 1, 3, 7, 12, 26, 999)] == [1, 1, 1, 5, 10, 20, 50, 1000]
    assert charts.nice_ceiling(2.1) == 2.5


def test_growth_and_amount_texts():
    assert growth_text(None) == "—"
    assert growth_text(Decimal("0.1234")) == "+12.3%"
    assert growth_text(Decimal("-0.5")) == "-50.0%"
    with translation.override("zh-hans"):
        assert amount_text(Decimal("99999999")).startswith("10,000.00 ")
        assert amount_text(Decimal("123456789")).startswith("1.23 ")


def test_the_page_costs_a_fixed_number_of_queries(operator, filled, django_assert_num_queries):
    client = logged_in(operator)
    # Session, user, memberships; ten reports of at most two aggregates each (two for ASEAN by country);
    # the field, country and market names; the after-deal table (two aggregates); the financing volume (rows
    # and total); the finance cards (pledges and subsidies, this year and last); the year's events (one query
    # here, where there are none; two more per event).
    with django_assert_num_queries(34):
        assert client.get(URL, {"year": "2025"}).status_code == 200


def test_a_year_with_nothing_says_so_even_when_the_year_before_had_contracts(operator, filled):
    add("2022-06", amount="1000000")
    client = logged_in(operator)
    assert 'class="notice"' not in client.get(URL, {"year": "2024"}).content.decode()
    html = client.get(URL, {"year": "2023"}).content.decode()
    assert 'class="notice"' in html
    assert card(html, "contract_count") == ("0", "-100.0%")
    assert len(bars(html, "chart-type")) == 1  # last year's development contract, at zero this year
