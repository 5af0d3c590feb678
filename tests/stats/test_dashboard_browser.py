"""The statistics dashboard in a real browser: Debian's Chromium, headless, driven by Playwright.

End to end: contracts signed, registered and paid through the contracts services, folded into the
statistics by ``stats_fold_contract``; the operator logs in through the login form, opens the
dashboard and reads the figures. The page may load nothing from outside the live server and may log
no console error. A full-page screenshot is kept in var/screenshots/ (untracked); docs/img/stats-dashboard.png is
refreshed from it by hand (`cp var/screenshots/stats-dashboard.png docs/img/`), never by the test, so a
test run leaves the work tree as it found it.

Playwright's own browser download does not work offline: the test uses /usr/bin/chromium
(``make browser`` installs it) and fails, rather than skips, when it is missing. Chinese needs a CJK
font on the machine (Debian's fonts-wqy-microhei or fonts-noto-cjk); without one every label would be
drawn as boxes, so that fails too.
"""

from __future__ import annotations

import os
import struct
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from apps.accounts.models import User
from apps.contracts.catalogue import ContractType
from apps.contracts.models import Contract
from apps.contracts.selectors import market_today
from apps.stats.services import stats_fold_contract
from apps.stats.views import amount_text
from tests.deals.factories import DealWorld
from tests.factories import TEST_PASSWORD, operator_user
from tests.stats.fold_helpers import pay, register, signed

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOT = Path(django_settings.BASE_DIR) / "var" / "screenshots" / "stats-dashboard.png"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _require_browser() -> None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: the dashboard's browser test needs Debian's chromium "
            "(run `make browser`, i.e. `apt-get install -y chromium`).",
            pytrace=False,
        )
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout  # noqa: S607
    if not fonts.strip():
        pytest.fail(
            "No font with Chinese glyphs is installed: the dashboard would draw its labels as boxes "
            "(run `apt-get install -y fonts-wqy-microhei`, or fonts-noto-cjk).",
            pytrace=False,
        )


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def _fold(*contracts: Contract) -> None:
    for contract in contracts:
        stats_fold_contract(contract_id=contract.pk)


@pytest.fixture
def market(settings: Any, tmp_path: Path, celery_eager: None) -> dict[str, Any]:
    """Last year's contracts (1.23 亿元 in four) and the year before's (one of 6,000 万元)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # The live server speaks plain HTTP; secure-only cookies would never come back from the browser.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    world = DealWorld()
    operator = operator_user(name="韦丽华")
    year = market_today().year - 1
    development = signed(world, on=f"{year}-03-02", contract_amount=Decimal("100000000.00"))
    to_guangdong = signed(
        world,
        on=f"{year}-06-01",
        type="transfer",
        subtype="patent_right_transfer",
        ip_type="invention_patent",
        technology_field_code="03",
        contract_amount=Decimal("15000000.00"),
        buyer_region_code="440000",
    )
    to_vietnam = signed(
        world,
        on=f"{year}-09-01",
        type="consulting",
        subtype="feasibility_study",
        ip_type="none",
        technology_field_code="09",
        contract_amount=Decimal("5000000.00"),
        buyer_country_code="704",
    )
    from_nanning = signed(
        world,
        on=f"{year}-11-02",
        type="service",
        subtype="general_service",
        ip_type="none",
        technology_field_code="05",
        contract_amount=Decimal("3000000.00"),
        seller_region_code="450100",
    )
    earlier = signed(world, on=f"{year - 1}-05-06", contract_amount=Decimal("60000000.00"))
    register(world, operator, development, on=f"{year}-03-10")
    register(world, operator, to_guangdong, on=f"{year}-06-12")
    register(world, operator, to_vietnam, on=f"{year}-09-08")
    register(world, operator, from_nanning, on=f"{year}-11-20")
    register(world, operator, earlier, on=f"{year - 1}-05-20")
    pay(world, development, "30000000.00", on=f"{year}-04-15")
    _fold(development, to_guangdong, to_vietnam, from_nanning, earlier)
    with translation.override("zh-hans"):
        expected = {
            "contract_amount": amount_text(Decimal("123000000")),
            "paid_amount": amount_text(Decimal("30000000")),
            "development": str(ContractType.DEVELOPMENT.label),
        }
    return {"year": year, "operator": operator, "expected": expected, "world": world}


@pytest.fixture
def every_field(market: dict[str, Any]) -> dict[str, Any]:
    """The market plus a registered contract in each other technology field, the long English names
    (环境保护与资源综合利用: "Environmental protection and comprehensive use of resources") and
    amounts in the billions included: the widest field table the dashboard draws."""
    world, operator, year = market["world"], market["operator"], market["year"]
    for i, code in enumerate(("02", "04", "06", "07", "08", "10", "11")):
        contract = signed(
            world,
            on=f"{year}-{i + 2:02d}-03",
            type="transfer",
            subtype="patent_right_transfer",
            ip_type="invention_patent",
            technology_field_code=code,
            contract_amount=Decimal("987654321.00") * (i + 1),
        )
        register(world, operator, contract, on=f"{year}-{i + 2:02d}-20")
        _fold(contract)
    return market


def test_the_operator_reads_the_dashboard_in_chromium(live_server: Any, market: dict[str, Any], tmp_path: Path):
    _require_browser()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The Python package playwright is missing: pip install -r requirements-dev.txt", pytrace=False)

    operator: User = market["operator"]
    year = market["year"]
    base = live_server.url
    requests: list[str] = []
    failed: list[str] = []
    console_errors: list[str] = []
    statuses: dict[str, int] = {}

    # No ORM below: Playwright's sync API runs an event loop in this thread while it is open.
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            locale="zh-CN",
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = context.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.on("response", lambda response: statuses.__setitem__(response.url, response.status))
            page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
            page.on("pageerror", lambda error: console_errors.append(str(error)))

            # Anonymous: sent to the login form, then back to the page asked for.
            page.goto(f"{base}/stats/dashboard/?year={year}")
            assert page.url.startswith(f"{base}/stats/login/?next=")
            page.fill("#id_username", operator.email)
            page.fill("#id_password", TEST_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/stats/dashboard/?year={year}")

            def card(measure: str, part: str) -> str:
                return page.locator(f'[data-measure="{measure}"] .{part}').inner_text().strip()

            expected = market["expected"]
            assert card("contract_amount", "card__value") == expected["contract_amount"]
            assert card("contract_amount", "card__value").startswith("1.23 ")
            assert card("contract_amount", "growth") == "+105.0%"
            assert card("contract_count", "card__value") == "4"
            assert card("contract_count", "growth") == "+300.0%"
            assert card("paid_amount", "card__value") == expected["paid_amount"]
            assert card("paid_amount", "growth") == "—"

            # Bars: four contract types and four fields over the two years, 6 flows × 2, 24 months.
            assert page.locator("#chart-type rect.bar").count() == 4
            assert page.locator("#chart-class rect.bar").count() == 4
            assert page.locator("#chart-field rect.bar").count() == 4
            assert page.locator("#chart-flow rect.bar").count() == 12
            assert page.locator("#chart-trend circle.point").count() == 24
            # Accessible: an image named by its <title> and described, values included, by its <desc>.
            assert page.locator("#chart-type").get_attribute("role") == "img"
            assert (page.locator("#chart-type-title").text_content() or "").strip()
            assert "10,000.00" in (page.locator("#chart-type-desc").text_content() or "")
            type_labels = page.locator("#chart-type .bar-group > title").all_text_contents()
            assert expected["development"] in type_labels
            assert "电子信息" in page.locator("#chart-field .bar-group > title").all_text_contents()
            flow_values = page.locator("#chart-flow text.bar-value").all_text_contents()
            assert flow_values == [
                "10,000.00", "10,000.00",  # within the city: output, absorption
                "0.00", "300.00",  # the province: a Nanning seller
                "1,500.00", "0.00",  # other provinces: a Guangdong buyer
                "0.00", "0.00",
                "500.00", "0.00",  # ASEAN: a Vietnamese buyer
                "0.00", "0.00",
            ]  # fmt: skip
            # The CJK font stack comes from the page's own (and only) stylesheet.
            font = page.evaluate("getComputedStyle(document.querySelector('.bar-label')).fontFamily")
            assert "WenQuanYi Micro Hei" in font
            assert page.evaluate("document.styleSheets.length") == 1

            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            context.close()

    outside = [url for url in requests if not url.startswith((base + "/", "data:"))]
    assert outside == [], f"requests outside the live server: {outside}"
    assert failed == []
    assert console_errors == []
    assert statuses[f"{base}/static/stats/dashboard.css"] == 200

    width, height = _png_size(SCREENSHOT)
    assert width == 1280 and height > 1200, (width, height)
    assert SCREENSHOT.stat().st_size > 50_000


EVERY_FIELD_LONGEST = "Environmental protection and comprehensive use of resources"

# The field table, measured in the page: its right edge, its scroll box's, the page's width, and any
# cell whose text is wider than the cell (clipped).
FIELD_TABLE_GEOMETRY = """() => {
  const table = document.querySelector('#h-field').closest('section').querySelector('table.data');
  const scroller = table.closest('.table-scroll');
  const cells = [...table.querySelectorAll('th, td')];
  return {
    viewport: document.documentElement.clientWidth,
    pageWidth: document.documentElement.scrollWidth,
    tableRight: table.getBoundingClientRect().right,
    scrollerRight: scroller.getBoundingClientRect().right,
    scrollerScrolls: ['auto', 'scroll'].includes(getComputedStyle(scroller).overflowX),
    scrollerOverflows: scroller.scrollWidth > scroller.clientWidth,
    clipped: cells.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent.trim()),
    labels: [...table.querySelectorAll('tbody th')].map((c) => c.textContent.trim()),
  };
}"""


def test_the_field_table_fits_at_1400_px_in_english_and_chinese(
    live_server: Any, every_field: dict[str, Any], tmp_path: Path
):
    """At 1400 px the field table (every field, the long English names) ends inside its panel and the
    window in both languages: never cut off behind a scroll box that shows no scrollbar."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    market = every_field
    operator: User = market["operator"]
    base = live_server.url
    url = f"{base}/stats/dashboard/?year={market['year']}"
    measured = {}
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            locale="zh-CN",
            viewport={"width": 1400, "height": 900},
        )
        try:
            page = context.new_page()
            page.goto(url)
            page.fill("#id_username", operator.email)
            page.fill("#id_password", TEST_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(url)
            measured["zh-hans"] = page.evaluate(FIELD_TABLE_GEOMETRY)
            # The language cookie outranks the browser's Accept-Language (LocaleMiddleware).
            context.add_cookies([{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base}])
            page.goto(url)
            measured["en"] = page.evaluate(FIELD_TABLE_GEOMETRY)
        finally:
            context.close()

    for language, field_name in (("zh-hans", "环境保护与资源综合利用"), ("en", EVERY_FIELD_LONGEST)):
        geometry = measured[language]
        assert field_name in geometry["labels"] and len(geometry["labels"]) == 11, (language, geometry)
        assert geometry["pageWidth"] <= geometry["viewport"], (language, geometry)  # no sideways page scroll
        assert geometry["scrollerRight"] <= geometry["viewport"], (language, geometry)
        # It fits: nothing hidden behind its scroll box (headless and overlay scrollbars show no bar at
        # all, so an overflowing table just looks cut off); narrower screens can still scroll it.
        assert geometry["scrollerScrolls"], (language, geometry)
        assert not geometry["scrollerOverflows"], (language, geometry)
        assert geometry["tableRight"] <= geometry["scrollerRight"] + 0.5, (language, geometry)
        assert geometry["clipped"] == [], (language, geometry)
