"""The operator's statistics dashboard (技术市场成交额): a server-rendered page, no JavaScript.

Every figure comes from :func:`apps.stats.selectors.stats_report`, the same reports the API serves;
the charts are SVG drawn here (:mod:`apps.stats.charts`) and the stylesheet is a static file of this
app, so the page loads nothing from outside the service.

Access: the market operator only, with a session login. The admin's login form admits staff only
and operators are not staff, so the dashboard has its own login page (Django's login view, with the
API's per-address and per-account login throttles and service accounts refused). Anonymous users are
sent there with ``?next=``; a logged-in non-operator gets a 403 page (the dashboard's existence is no
secret, as with the statistics API). "Log out everywhere" and password changes end dashboard
sessions too: the session keeps the user's session version and the page refuses a stale one.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_AP
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts.models import User
from apps.accounts.throttles import LoginAccountThrottle, LoginAddressThrottle
from apps.contracts.selectors import market_today
from apps.events.selectors import event_figures
from apps.finance.models import ProductKind
from apps.finance.selectors import financing_volume
from apps.markets.access import is_network_operator
from apps.stats import charts
from apps.stats.dims import Dim, Measure, Zone
from apps.stats.drilldown_links import cell_query
from apps.stats.selectors import PERIOD, ZONE_LABELS, Report, ReportRow, in_wan, in_yi, stats_report
from apps.stats.selectors.aftercare import aftercare_report
from apps.stats.selectors.ip_finance import finance_totals

SESSION_VERSION_KEY = "stats_session_version"
FIRST_YEAR = 2000
# Charts of the full-width panels; the others are drawn 640 wide (SVG scales down on narrow screens).
WIDE_CHART = 1100
# The browser may fetch the page's own stylesheet and nothing else: no script, no outside origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _self_contained(response: HttpResponseBase) -> HttpResponseBase:
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


# --- figures as the page writes them --------------------------------------------------------


def amount_parts(yuan: Decimal | int) -> tuple[str, str]:
    """(number, unit) of an amount: in 亿元 from one hundred million yuan up, else in 万元."""
    value = Decimal(yuan)
    if abs(value) >= Decimal(100_000_000):
        return f"{in_yi(value):,}", _("hundred million yuan")
    return f"{in_wan(value):,}", _("ten thousand yuan")


def amount_text(yuan: Decimal | int) -> str:
    """An amount as the headline writes it: "1.23 亿元", "45.60 万元"."""
    number, unit = amount_parts(yuan)
    return f"{number} {unit}"


def wan_text(yuan: Decimal | int) -> str:
    """An amount in 万元 without the unit (chart values and table cells, whose heading names it)."""
    return f"{in_wan(Decimal(yuan)):,}"


def growth_text(ratio: Decimal | None) -> str:
    """A year-on-year ratio minus one (0.123) as "+12.3%"; "—" when last year had nothing."""
    if ratio is None:
        return "—"
    value = (Decimal(ratio) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{'+' if value > 0 else ''}{value}%"


@dataclass(frozen=True, slots=True)
class Headline:
    """One headline figure: its name, today's value, last year's and the growth, as written."""

    key: str
    name: str
    value: str
    unit: str
    exact: str
    previous: str
    growth: str
    trend: str  # "up", "down" or "" (for the arrow and its colour)


@dataclass(frozen=True, slots=True)
class TableRow:
    label: str
    count: int
    contract_amount: str
    technology_amount: str
    growth: str
    contracts_url: str = ""


# --- the year asked for ------------------------------------------------------------------------


class DashboardQuery(forms.Form):
    """``?year=``: a year from 2000 to the current one; none means the current market year."""

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["year"] = forms.IntegerField(
            required=False, min_value=FIRST_YEAR, max_value=today.year, label=gettext_lazy("year")
        )

    def chosen_year(self) -> int:
        return self.cleaned_data.get("year") or self.today.year


# --- the page ----------------------------------------------------------------------------------


def _session_is_current(request: HttpRequest, user: User) -> bool:
    return request.session.get(SESSION_VERSION_KEY) == user.session_version


def refuse_non_operator(request: HttpRequest) -> HttpResponseBase | None:
    """The login page for anonymous or stale sessions, a 403 page for non-operators; None for an operator."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("stats-login"))
    if not _session_is_current(request, user):
        logout(request)
        return redirect_to_login(request.get_full_path(), login_url=reverse("stats-login"))
    # Market operators see the dashboard of their markets (the reports below are scoped to them).
    if not is_network_operator(user):
        return _self_contained(render(request, "stats/forbidden.html", status=403))
    return None


@never_cache
@require_GET
def dashboard(request: HttpRequest) -> HttpResponseBase:
    """技术市场成交额: headline, contract types, fields, output against absorption, monthly trend."""
    refusal = refuse_non_operator(request)
    if refusal is not None:
        return refusal
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - refuse_non_operator let only an operator through

    today = market_today()
    query = DashboardQuery(request.GET, today=today)
    years = list(range(today.year, FIRST_YEAR - 1, -1))
    if not query.is_valid():
        context = {"query": query, "years": years, "year": today.year, "has_data": False}
        return _self_contained(render(request, "stats/dashboard.html", context, status=400))
    year = query.chosen_year()
    context = {"query": query, "years": years, **_figures(user, year, today)}
    return _self_contained(render(request, "stats/dashboard.html", context))


def _window(year: int, today: date) -> tuple[date, date]:
    """The year so far: compared with the same months a year earlier (上年同期), not a whole year."""
    last_month = today.replace(day=1) if year == today.year else date(year, 12, 1)
    return date(year, 1, 1), last_month


def _figures(user: User, year: int, today: date) -> dict[str, Any]:
    date_from, date_to = _window(year, today)

    def report(group_by: list[str], **kwargs: Any) -> Any:
        return stats_report(actor=user, group_by=group_by, date_from=date_from, date_to=date_to, **kwargs)

    headline = report([])
    by_type = report([Dim.CONTRACT_TYPE])
    by_class = report([Dim.LEGACY_CLASS])
    by_field = report([Dim.TECHNOLOGY_FIELD])
    by_market = report([Dim.MARKET])
    # Output (技术输出) counts contracts whose seller is in the city, by where the buyer is;
    # absorption (技术吸纳) those whose buyer is in the city, by where the seller is.
    output = report([Dim.BUYER_ZONE], filters={Dim.SELLER_ZONE: [Zone.CITY]})
    absorption = report([Dim.SELLER_ZONE], filters={Dim.BUYER_ZONE: [Zone.CITY]})
    # Cross-border with ASEAN, country by country: inflow (技术引进) is a buyer in China acquiring from a seller
    # in an ASEAN country; outflow the reverse.
    china = [Zone.CITY, Zone.PROVINCE, Zone.DOMESTIC]
    asean_in = report([Dim.SELLER_AREA], filters={Dim.SELLER_ZONE: [Zone.ASEAN], Dim.BUYER_ZONE: china})
    asean_out = report([Dim.BUYER_AREA], filters={Dim.BUYER_ZONE: [Zone.ASEAN], Dim.SELLER_ZONE: china})
    months = stats_report(
        actor=user,
        group_by=[PERIOD],
        period="month",
        date_from=date(year - 1, 1, 1),
        date_to=date_to,
        compare=False,
    )

    fields_sorted = sorted(by_field.rows, key=lambda r: r.values[Measure.CONTRACT_AMOUNT], reverse=True)
    return {
        "year": year,
        "window": (date_from, date_to),
        "has_data": any(headline.totals.values.values()),
        "headlines": _headlines(headline.totals) + _finance_headlines(date_from, date_to),
        "type_chart": _bar_chart("chart-type", _("Contract amount by contract type"), by_type.rows, Dim.CONTRACT_TYPE),
        "type_rows": _table(by_type, by_type.rows, Dim.CONTRACT_TYPE),
        "class_chart": _bar_chart(
            "chart-class", _("Contract amount by contract class (four classes)"), by_class.rows, Dim.LEGACY_CLASS
        ),
        "class_rows": _table(by_class, by_class.rows, Dim.LEGACY_CLASS),
        "field_chart": _bar_chart(
            "chart-field", _("Contract amount by technology field"), fields_sorted, Dim.TECHNOLOGY_FIELD
        ),
        "field_rows": _table(by_field, fields_sorted, Dim.TECHNOLOGY_FIELD),
        "market_chart": _bar_chart(
            "chart-market", _("Contract amount by market of the network"), by_market.rows, Dim.MARKET
        ),
        "market_rows": _table(by_market, by_market.rows, Dim.MARKET),
        **_flows(output, absorption),
        "asean_in_rows": _table(asean_in, asean_in.rows, Dim.SELLER_AREA),
        "asean_out_rows": _table(asean_out, asean_out.rows, Dim.BUYER_AREA),
        **_trend(months.rows, year, date_to),
        "aftercare": aftercare_report(actor=user, year=year),
        "finance_rows": _finance_rows(date_from, date_to),
        "event_rows": _event_rows(user, date_from, date_to),
        "generated_at": timezone.localtime(),
    }


def _event_rows(user: User, date_from: date, date_to: date) -> list[dict[str, Any]]:
    """Roadshows and 对接会 starting in the window, of the markets the user operates: registrants, attendees,
    the deals they started and the contracts signed from those deals (apps.events.selectors.event_figures)."""
    last_day = date_to.replace(day=calendar.monthrange(date_to.year, date_to.month)[1])
    rows = event_figures(actor=user, date_from=date_from, date_to=last_day)
    return [{**row, "contract_wan": f"{in_wan(row['contract_amount']):,}"} for row in rows]


def _finance_rows(date_from: date, date_to: date) -> list[dict[str, Any]]:
    """科技金融: money disbursed this window, by product kind (ten thousand yuan), with the total last."""
    last_day = date_to.replace(day=calendar.monthrange(date_to.year, date_to.month)[1])
    volume = financing_volume(date_from=date_from, date_to=last_day, by=["kind"])
    rows = [
        {"label": ProductKind(row["kind"]).label, "count": f"{row['count']:,}", "amount": f"{in_wan(row['amount']):,}"}
        for row in volume.rows
    ]
    rows.append({"label": _("Total"), "count": f"{volume.total_count:,}", "amount": f"{in_wan(volume.total_amount):,}"})
    return rows


def _finance_headlines(date_from: date, date_to: date) -> list[Headline]:
    """IP pledge financing and post-subsidies paid in the window, beside last year's same months."""
    now = finance_totals(date_from=date_from, date_to=date_to)
    before = finance_totals(
        date_from=date_from.replace(year=date_from.year - 1), date_to=date_to.replace(year=date_to.year - 1)
    )
    cards = []
    for key, name, value, previous in (
        ("pledge_financing", _("IP pledge financing"), now[1], before[1]),
        ("subsidies_paid", _("Post-subsidies paid"), now[3], before[3]),
    ):
        growth = None if not previous else (value - previous) / previous
        shown, unit = amount_parts(value)
        cards.append(
            Headline(
                key=key,
                name=name,
                value=shown,
                unit=unit,
                exact=_("%(amount)s yuan") % {"amount": f"{value:,.2f}"},
                previous=amount_text(previous),
                growth=growth_text(growth),
                trend="" if not growth else ("up" if growth > 0 else "down"),
            )
        )
    return cards


def _headlines(totals: ReportRow) -> list[Headline]:
    names = {
        Measure.CONTRACT_AMOUNT: _("Contract turnover"),
        Measure.TECHNOLOGY_AMOUNT: _("Technology transaction amount"),
        Measure.CONTRACT_COUNT: _("Contracts registered"),
        Measure.PAID_AMOUNT: _("Amount paid"),
    }
    cards = []
    for measure, name in names.items():
        value = totals.values[measure]
        previous = totals.previous[measure] if totals.previous else 0
        growth = totals.growth.get(measure) if totals.growth else None
        if measure is Measure.CONTRACT_COUNT:
            shown, unit, exact, before = f"{value:,}", "", f"{value:,}", f"{previous:,}"
        else:
            shown, unit = amount_parts(value)
            exact = _("%(amount)s yuan") % {"amount": f"{Decimal(value):,.2f}"}
            before = amount_text(previous)
        trend = "" if growth is None or growth == 0 else ("up" if growth > 0 else "down")
        cards.append(
            Headline(
                key=measure.value,
                name=name,
                value=shown,
                unit=unit,
                exact=exact,
                previous=before,
                growth=growth_text(growth),
                trend=trend,
            )
        )
    return cards


def _bar_chart(chart_id: str, title: str, rows: list[ReportRow], dim: Dim) -> SafeString:
    bars = [
        charts.Bar(
            label=row.labels.get(dim, row.key[dim]),
            value=in_wan(Decimal(row.values[Measure.CONTRACT_AMOUNT])),
            text=wan_text(row.values[Measure.CONTRACT_AMOUNT]),
        )
        for row in rows
    ]
    svg = charts.bar_chart(
        chart_id=chart_id,
        title=title,
        desc=_("Contract amount in ten thousand yuan."),
        bars=bars,
        empty_text=_("No registered contracts in this period."),
    )
    # Every text inside the SVG is escaped by the chart functions.
    return mark_safe(svg)  # noqa: S308


def contracts_link(report: Report, row: ReportRow) -> str:
    """The dashboard's drill-down page of a row: the contracts behind its figures."""
    return f"{reverse('stats-dashboard-contracts')}?{urlencode(cell_query(report, row))}"


def _table(report: Report, rows: list[ReportRow], dim: Dim) -> list[TableRow]:
    return [
        TableRow(
            label=row.labels.get(dim, row.key[dim]),
            count=int(row.values[Measure.CONTRACT_COUNT]),
            contract_amount=wan_text(row.values[Measure.CONTRACT_AMOUNT]),
            technology_amount=wan_text(row.values[Measure.TECHNOLOGY_AMOUNT]),
            growth=growth_text(row.growth.get(Measure.CONTRACT_AMOUNT) if row.growth else None),
            contracts_url=contracts_link(report, row),
        )
        for row in rows
    ]


def _flows(output_report: Report, absorption_report: Report) -> dict[str, Any]:
    output = {row.key[Dim.BUYER_ZONE]: row.values for row in output_report.rows}
    absorption = {row.key[Dim.SELLER_ZONE]: row.values for row in absorption_report.rows}
    output_links = {row.key[Dim.BUYER_ZONE]: contracts_link(output_report, row) for row in output_report.rows}
    absorption_links = {
        row.key[Dim.SELLER_ZONE]: contracts_link(absorption_report, row) for row in absorption_report.rows
    }
    zero: dict[str, Decimal | int] = {m.value: 0 for m in Measure}
    # Every flow class is shown, empty ones included: the zones are the rows of the official form.
    zones = list(Zone)
    labels = [str(ZONE_LABELS[zone]) for zone in zones]
    out_values = [in_wan(Decimal(output.get(zone, zero)[Measure.CONTRACT_AMOUNT])) for zone in zones]
    in_values = [in_wan(Decimal(absorption.get(zone, zero)[Measure.CONTRACT_AMOUNT])) for zone in zones]
    svg = charts.grouped_bar_chart(
        chart_id="chart-flow",
        title=_("Technology output against absorption, by flow"),
        desc=_(
            "Contract amount in ten thousand yuan. Output: sellers in the city, by where the buyer is; "
            "absorption: buyers in the city, by where the seller is."
        ),
        categories=labels,
        width=WIDE_CHART,
        series=[
            charts.Series(name=_("output"), values=out_values, texts=[f"{v:,}" for v in out_values]),
            charts.Series(name=_("absorption"), values=in_values, texts=[f"{v:,}" for v in in_values]),
        ],
        empty_text=_("No registered contracts in this period."),
    )
    rows = [
        {
            "label": label,
            "output_count": int(output.get(zone, zero)[Measure.CONTRACT_COUNT]),
            "output_amount": wan_text(output.get(zone, zero)[Measure.CONTRACT_AMOUNT]),
            "absorption_count": int(absorption.get(zone, zero)[Measure.CONTRACT_COUNT]),
            "absorption_amount": wan_text(absorption.get(zone, zero)[Measure.CONTRACT_AMOUNT]),
            "output_url": output_links.get(zone, ""),
            "absorption_url": absorption_links.get(zone, ""),
        }
        for zone, label in zip(zones, labels, strict=True)
    ]
    return {"flow_chart": mark_safe(svg), "flow_rows": rows}  # noqa: S308


def _trend(rows: list[ReportRow], year: int, last_month: date) -> dict[str, Any]:
    by_month: dict[tuple[int, int], Decimal] = {}
    for row in rows:
        key = row.key[PERIOD]  # "YYYY-MM"
        by_month[(int(key[:4]), int(key[5:7]))] = in_wan(Decimal(row.values[Measure.CONTRACT_AMOUNT]))
    zero = Decimal("0.00")
    this_year = [by_month.get((year, m), zero) for m in range(1, last_month.month + 1)]
    last_year = [by_month.get((year - 1, m), zero) for m in range(1, 13)]
    labels = [str(MONTHS_AP[m]) for m in range(1, 13)]
    this_name = _("%(year)s") % {"year": year}
    last_name = _("%(year)s") % {"year": year - 1}
    svg = charts.line_chart(
        chart_id="chart-trend",
        title=_("Monthly contract amount, this year against last year"),
        desc=_("Contract amount in ten thousand yuan, by month of registration."),
        x_labels=labels,
        width=WIDE_CHART,
        series=[
            charts.Series(name=this_name, values=this_year, texts=[f"{v:,}" for v in this_year]),
            charts.Series(name=last_name, values=last_year, texts=[f"{v:,}" for v in last_year]),
        ],
        empty_text=_("No registered contracts in this period."),
    )
    table = {
        "months": labels,
        "this_year": [f"{v:,}" for v in this_year] + [""] * (12 - len(this_year)),
        "last_year": [f"{v:,}" for v in last_year],
    }
    return {
        "trend_chart": mark_safe(svg),  # noqa: S308
        "trend_rows": table,
        "this_year_name": this_name,
        "last_year_name": last_name,
    }


# --- logging in and out ------------------------------------------------------------------------


class OperatorLoginForm(AuthenticationForm):
    """E-mail and password; service accounts (behind API keys) cannot log in, as on the API."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if getattr(user, "is_service_account", False):
            raise forms.ValidationError(self.error_messages["inactive"], code="inactive")


class DashboardLoginView(LoginView):
    template_name = "stats/login.html"
    form_class = OperatorLoginForm
    redirect_authenticated_user = False

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The API's login throttles, with the same counters: the form is no way around them.
        attempt = SimpleNamespace(
            META=request.META, headers=request.headers, data={"email": request.POST.get("username", "")}
        )
        throttles = (LoginAddressThrottle(), LoginAccountThrottle())
        for throttle in throttles:
            if not throttle.allow_request(attempt, self):  # type: ignore[arg-type]
                context = self.get_context_data(form=self.get_form_class()(request), throttled=True)
                response = self.render_to_response(context, status=429)
                wait = throttle.wait()
                if wait is not None:
                    response["Retry-After"] = str(int(wait) + 1)
                return response
        response = super().post(request, *args, **kwargs)
        if response.status_code != 302:  # the form was refused: only failures count, as on the API
            for throttle in throttles:
                throttle.record_failure(attempt, self)  # type: ignore[arg-type]
        return response

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **response_kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session[SESSION_VERSION_KEY] = form.get_user().session_version
        return response

    def get_default_redirect_url(self) -> str:
        return reverse("stats-dashboard")


class DashboardLogoutView(LogoutView):
    next_page = "stats-login"
