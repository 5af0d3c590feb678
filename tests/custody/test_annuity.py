"""Worked examples of the annuity engine, computed by hand from the CNIPA rules (shared/DOMAIN.md)."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from apps.custody.annuity import (
    DATA_FILE,
    AnnuityError,
    AnnuityLapsedError,
    AnnuityStatus,
    AnnuityYear,
    FeeReduction,
    FeeTable,
    FeeTableError,
    PatentKind,
    PaymentCode,
    add_months,
    amount_due_on,
    anniversary,
    annuity_schedule,
    check_payment,
    lapse_date,
    late_fee_on,
    load_fee_tables,
    load_term_rules,
    parse_fee_tables,
    parse_term_rules,
    patent_year_on,
    restoration_deadline,
    standard_reduction,
    status_on,
    table_on,
    term_end,
    term_years,
)

D = Decimal
SINGLE = FeeReduction(share=D("0.85"), years=10)
SEVERAL = FeeReduction(share=D("0.70"), years=10)


def raw_data() -> dict[str, Any]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def by_year(schedule: list[AnnuityYear]) -> dict[int, AnnuityYear]:
    return {year.year: year for year in schedule}


# --- the invention of the brief: filed 2017-10-25, granted 2020-05-12 ---------------------------------


def invention_2017(reduction: FeeReduction | None = None) -> list[AnnuityYear]:
    return annuity_schedule(
        kind=PatentKind.INVENTION, filing_date=date(2017, 10, 25), grant_date=date(2020, 5, 12), reduction=reduction
    )


def test_invention_schedule_runs_from_the_grant_year_to_year_20() -> None:
    schedule = invention_2017()

    # Patent year 3 runs 2019-10-25 … 2020-10-24: the grant falls in it, years 1-2 need no annuity.
    assert [year.year for year in schedule] == list(range(3, 21))
    grant = schedule[0]
    assert grant.at_grant
    assert grant.due_date == grant.grace_deadline == date(2020, 5, 12)
    assert (grant.full_fee, grant.fee) == (D("900.00"), D("900.00"))
    assert grant.late_fee_months == ()
    assert [(y.year, y.due_date) for y in schedule[1:4]] == [
        (4, date(2020, 10, 25)),
        (5, date(2021, 10, 25)),
        (6, date(2022, 10, 25)),
    ]
    assert schedule[-1].due_date == date(2036, 10, 25)
    assert term_end(PatentKind.INVENTION, date(2017, 10, 25)) == date(2037, 10, 25)
    fees = {year.year: year.full_fee for year in schedule}
    assert fees == {
        3: D(900),
        4: D(1200),
        5: D(1200),
        6: D(1200),
        7: D(2000),
        8: D(2000),
        9: D(2000),
        10: D(4000),
        11: D(4000),
        12: D(4000),
        13: D(6000),
        14: D(6000),
        15: D(6000),
        16: D(8000),
        17: D(8000),
        18: D(8000),
        19: D(8000),
        20: D(8000),
    }
    assert all(year.fee == year.full_fee and not year.reduced for year in schedule)
    assert all(not year.at_grant for year in schedule[1:])
    assert by_year(schedule)[4].grace_deadline == date(2021, 4, 25)
    assert by_year(schedule)[4].restoration_fee == D("1000.00")
    # priced by the table in effect on each due date
    assert by_year(schedule)[4].table_id == "cnipa-2018-08"
    assert by_year(schedule)[5].table_id == "cnipa-2021-06"


def test_single_applicant_reduction_covers_ten_years_from_the_grant_year() -> None:
    schedule = by_year(invention_2017(SINGLE))

    expected = {3: "135", 4: "180", 5: "180", 6: "180", 7: "300", 8: "300", 9: "300", 10: "600", 11: "600", 12: "600"}
    for number, fee in expected.items():
        assert schedule[number].reduced
        assert schedule[number].fee == D(fee)
    assert not schedule[13].reduced
    assert schedule[13].fee == schedule[13].full_fee == D(6000)
    assert schedule[20].fee == D(8000)


def test_several_applicants_reduction_and_its_year_limit() -> None:
    schedule = by_year(invention_2017(SEVERAL))
    assert schedule[3].fee == D("270.00")
    assert schedule[4].fee == D("360.00")
    assert schedule[12].fee == D("1200.00")
    assert schedule[13].fee == D("6000.00")

    six_years = by_year(invention_2017(FeeReduction(share=D("0.70"), years=6)))
    assert [n for n, year in six_years.items() if year.reduced] == [3, 4, 5, 6, 7, 8]
    assert six_years[9].fee == D(2000)

    none = by_year(invention_2017(FeeReduction(share=D("0.85"), years=0)))
    assert not any(year.reduced for year in none.values())
    zero_share = by_year(invention_2017(FeeReduction(share=D("0"), years=10)))
    assert not any(year.reduced for year in zero_share.values())


def test_standard_reduction_follows_the_scheme_in_effect() -> None:
    assert standard_reduction(1, date(2020, 5, 12)) == FeeReduction(share=D("0.85"), years=10)
    assert standard_reduction(3, date(2020, 5, 12)) == FeeReduction(share=D("0.70"), years=10)
    assert standard_reduction(1, date(2017, 3, 1)) == FeeReduction(share=D("0.85"), years=6)
    with pytest.raises(FeeTableError, match="no fee reduction scheme"):
        standard_reduction(1, date(2010, 1, 1))
    with pytest.raises(ValueError, match="at least one"):
        standard_reduction(0, date(2020, 1, 1))


def test_fee_reduction_rejects_floats_and_impossible_values() -> None:
    with pytest.raises(ValueError, match="Decimal"):
        FeeReduction(share=0.85, years=10)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="between 0 and 1"):
        FeeReduction(share=D("1.5"), years=10)
    with pytest.raises(ValueError, match="whole number"):
        FeeReduction(share=D("0.85"), years=-1)


# --- 29 February ----------------------------------------------------------------------------------


def test_utility_model_filed_on_29_february() -> None:
    filed = date(2020, 2, 29)
    assert term_end(PatentKind.UTILITY_MODEL, filed) == date(2030, 2, 28)
    # year 2 starts on 2021-02-28, the anniversary clamped into a common year
    assert patent_year_on(filed, date(2021, 2, 27)) == 1
    assert patent_year_on(filed, date(2021, 2, 28)) == 2
    assert patent_year_on(filed, date(2024, 2, 28)) == 4
    assert patent_year_on(filed, date(2024, 2, 29)) == 5

    schedule = annuity_schedule(kind="utility_model", filing_date=filed, grant_date=date(2021, 3, 10))
    assert [(y.year, y.due_date, y.full_fee) for y in schedule] == [
        (2, date(2021, 3, 10), D(600)),
        (3, date(2022, 2, 28), D(600)),
        (4, date(2023, 2, 28), D(900)),
        (5, date(2024, 2, 29), D(900)),
        (6, date(2025, 2, 28), D(1200)),
        (7, date(2026, 2, 28), D(1200)),
        (8, date(2027, 2, 28), D(1200)),
        (9, date(2028, 2, 29), D(2000)),
        (10, date(2029, 2, 28), D(2000)),
    ]
    # six months after the due date itself
    assert by_year(schedule)[3].grace_deadline == date(2022, 8, 28)
    assert by_year(schedule)[5].grace_deadline == date(2024, 8, 29)

    granted_day_before = annuity_schedule(kind="utility_model", filing_date=filed, grant_date=date(2021, 2, 27))
    assert [y.year for y in granted_day_before][:2] == [1, 2]
    assert granted_day_before[1].due_date == date(2021, 2, 28)


def test_date_helpers_clamp_to_month_end_from_the_original_date() -> None:
    assert anniversary(date(2020, 2, 29), 1) == date(2021, 2, 28)
    assert anniversary(date(2020, 2, 29), 4) == date(2024, 2, 29)
    assert add_months(date(2022, 1, 31), 1) == date(2022, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2022, 1, 31), 2) == date(2022, 3, 31)  # not chained through 28 February
    assert add_months(date(2020, 8, 31), 6) == date(2021, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2022, 11, 30), 3) == date(2023, 2, 28)
    assert add_months(date(2022, 3, 31), -1) == date(2022, 2, 28)


# --- designs: term by filing date -----------------------------------------------------------------


def test_design_filed_before_june_2021_has_a_ten_year_term() -> None:
    filed = date(2021, 5, 31)
    assert term_years(PatentKind.DESIGN, filed) == 10
    assert term_end(PatentKind.DESIGN, filed) == date(2031, 5, 31)
    schedule = annuity_schedule(kind=PatentKind.DESIGN, filing_date=filed, grant_date=date(2021, 11, 2))
    assert [y.year for y in schedule] == list(range(1, 11))
    assert schedule[-1].due_date == date(2030, 5, 31)
    assert [y.full_fee for y in schedule] == [D(v) for v in (600, 600, 600, 900, 900, 1200, 1200, 1200, 2000, 2000)]


def test_design_filed_from_june_2021_has_a_fifteen_year_term() -> None:
    filed = date(2021, 6, 1)
    assert term_years("design", filed) == 15
    assert term_end(PatentKind.DESIGN, filed) == date(2036, 6, 1)
    schedule = by_year(annuity_schedule(kind=PatentKind.DESIGN, filing_date=filed, grant_date=date(2021, 12, 15)))
    assert sorted(schedule) == list(range(1, 16))
    assert schedule[11].due_date == date(2031, 6, 1)
    assert [schedule[n].full_fee for n in range(9, 16)] == [D(v) for v in (2000, 2000, 3000, 3000, 3000, 3000, 3000)]
    assert schedule[15].due_date == date(2035, 6, 1)


def test_terms_of_the_other_kinds_do_not_change_in_2021() -> None:
    for filed in (date(1995, 3, 1), date(2021, 5, 31), date(2021, 6, 1), date(2026, 1, 1)):
        assert term_years(PatentKind.INVENTION, filed) == 20
        assert term_years(PatentKind.UTILITY_MODEL, filed) == 10
    with pytest.raises(AnnuityError, match="No patent term rule"):
        term_years(PatentKind.INVENTION, date(1992, 12, 31))


# --- grace period and late fees -------------------------------------------------------------------


def test_late_fee_by_month_started_for_a_due_date_of_31_january() -> None:
    schedule = by_year(annuity_schedule(kind="invention", filing_date=date(2019, 1, 31), grant_date=date(2021, 6, 15)))
    year = schedule[4]
    assert (year.due_date, year.full_fee, year.grace_deadline) == (date(2022, 1, 31), D(1200), date(2022, 7, 31))
    expected = [
        (date(2022, 1, 31), "0"),
        (date(2022, 2, 28), "0"),  # one month after 31 January ends on 28 February
        (date(2022, 3, 1), "60"),
        (date(2022, 3, 31), "60"),
        (date(2022, 4, 1), "120"),
        (date(2022, 4, 30), "120"),
        (date(2022, 5, 1), "180"),
        (date(2022, 6, 1), "240"),
        (date(2022, 6, 30), "240"),
        (date(2022, 7, 1), "300"),
        (date(2022, 7, 31), "300"),
    ]
    for paid_on, fee in expected:
        assert late_fee_on(year, paid_on) == D(fee), paid_on
    assert year.late_fee_months == (
        (date(2022, 2, 1), D(0)),
        (date(2022, 3, 1), D(60)),
        (date(2022, 4, 1), D(120)),
        (date(2022, 5, 1), D(180)),
        (date(2022, 6, 1), D(240)),
        (date(2022, 7, 1), D(300)),
    )
    # in a leap year the free month ends on 29 February
    leap_year = schedule[6]
    assert leap_year.due_date == date(2024, 1, 31)
    assert late_fee_on(leap_year, date(2024, 2, 29)) == 0
    assert late_fee_on(leap_year, date(2024, 3, 1)) == D(60)


def test_late_fee_by_month_started_for_a_due_date_of_31_august() -> None:
    schedule = by_year(
        annuity_schedule(kind="utility_model", filing_date=date(2018, 8, 31), grant_date=date(2019, 11, 20))
    )
    year = schedule[3]
    assert (year.due_date, year.full_fee, year.grace_deadline) == (date(2020, 8, 31), D(600), date(2021, 2, 28))
    expected = [
        (date(2020, 9, 30), "0"),
        (date(2020, 10, 1), "30"),
        (date(2020, 10, 31), "30"),
        (date(2020, 11, 1), "60"),
        (date(2020, 11, 30), "60"),
        (date(2020, 12, 1), "90"),
        (date(2020, 12, 31), "90"),
        (date(2021, 1, 1), "120"),
        (date(2021, 1, 31), "120"),
        (date(2021, 2, 1), "150"),
        (date(2021, 2, 28), "150"),
    ]
    for paid_on, fee in expected:
        assert late_fee_on(year, paid_on) == D(fee), paid_on
    assert status_on(year, date(2021, 2, 28)) == AnnuityStatus.GRACE
    assert status_on(year, date(2021, 3, 1)) == AnnuityStatus.LAPSED
    assert status_on(year, date(2020, 8, 31)) == AnnuityStatus.NOT_DUE
    assert schedule[6].grace_deadline == date(2024, 2, 29)  # due 2023-08-31


def test_late_fee_is_a_share_of_the_full_fee_even_when_reduced() -> None:
    year = by_year(invention_2017(SINGLE))[4]
    assert (year.fee, year.full_fee) == (D(180), D(1200))
    assert late_fee_on(year, date(2020, 11, 26)) == D(60)
    assert amount_due_on(year, date(2020, 11, 26)) == D(240)
    assert amount_due_on(year, date(2020, 10, 25)) == D(180)
    assert amount_due_on(year, date(2021, 4, 25)) == D(480)
    assert year.max_late_fee == D(300)


def test_grant_year_has_no_grace_period() -> None:
    grant = invention_2017()[0]
    assert late_fee_on(grant, date(2020, 5, 12)) == 0
    assert amount_due_on(grant, date(2020, 5, 12)) == D(900)
    assert status_on(grant, date(2020, 5, 13)) == AnnuityStatus.LAPSED
    with pytest.raises(AnnuityLapsedError):
        amount_due_on(grant, date(2020, 5, 13))
    assert grant.max_late_fee == 0


# --- lapse and restoration ------------------------------------------------------------------------


def test_unpaid_after_grace_lapses_as_of_the_due_date_and_can_be_restored() -> None:
    year = by_year(invention_2017())[4]  # due 2020-10-25, grace to 2021-04-25
    assert lapse_date(year) == year.lapse_date == date(2020, 10, 25)
    # default notice: 15 days after the grace deadline (2021-05-10), restoration within 2 months of it
    assert restoration_deadline(year) == date(2021, 7, 10)
    assert restoration_deadline(year, notice_date=date(2021, 5, 31)) == date(2021, 7, 31)
    with pytest.raises(AnnuityError, match="after the grace period"):
        restoration_deadline(year, notice_date=date(2021, 4, 25))

    with pytest.raises(AnnuityLapsedError) as lapsed:
        amount_due_on(year, date(2021, 4, 26))
    assert lapsed.value.lapse_date == date(2020, 10, 25)
    assert lapsed.value.restoration_deadline == date(2021, 7, 10)
    # annuity + 25% late fee + ¥1000
    assert amount_due_on(year, date(2021, 5, 20), restoring=True) == D(1200) + D(300) + D(1000)
    assert late_fee_on(year, date(2021, 5, 20)) == D(300)
    with pytest.raises(AnnuityLapsedError, match="restoration deadline"):
        amount_due_on(year, date(2021, 7, 11), restoring=True)
    assert amount_due_on(year, date(2021, 7, 11), restoring=True, notice_date=date(2021, 6, 1)) == D(2500)


def test_check_payment_codes() -> None:
    year = by_year(invention_2017(SINGLE))[4]  # fee 180, full 1200, due 2020-10-25

    on_time = check_payment(year, D("180.00"), date(2020, 10, 1))
    assert (on_time.ok, on_time.code, on_time.shortfall, on_time.late_fee) == (True, PaymentCode.ON_TIME, 0, 0)
    free_month = check_payment(year, D(180), date(2020, 11, 25))
    assert (free_month.ok, free_month.code) == (True, PaymentCode.ON_TIME)

    short = check_payment(year, D(180), date(2020, 11, 26))
    assert (short.ok, short.code, short.shortfall, short.late_fee, short.required) == (
        False,
        PaymentCode.UNDERPAID,
        D(60),
        D(60),
        D(240),
    )
    late = check_payment(year, D(240), date(2020, 11, 26))
    assert (late.ok, late.code, late.lapsed) == (True, PaymentCode.LATE, False)
    over = check_payment(year, D("250.50"), date(2020, 11, 26))
    assert (over.ok, over.excess) == (True, D("10.50"))

    lapsed = check_payment(year, D(10_000), date(2021, 4, 26))
    assert (lapsed.ok, lapsed.code, lapsed.lapsed) == (False, PaymentCode.LAPSED, True)
    restored = check_payment(year, D(1480), date(2021, 5, 1), restored=True)
    assert (restored.ok, restored.code, restored.lapsed, restored.required) == (
        True,
        PaymentCode.RESTORED,
        True,
        D(1480),
    )
    short_restore = check_payment(year, D(1479), date(2021, 5, 1), restored=True)
    assert (short_restore.ok, short_restore.code, short_restore.shortfall) == (False, PaymentCode.UNDERPAID, D(1))
    too_late = check_payment(year, D(1480), date(2021, 7, 11), restored=True)
    assert (too_late.ok, too_late.code) == (False, PaymentCode.RESTORATION_EXPIRED)
    noticed_later = check_payment(year, D(1480), date(2021, 7, 11), restored=True, notice_date=date(2021, 6, 1))
    assert noticed_later.code == PaymentCode.RESTORED
    # "restored" changes nothing within the grace period
    assert check_payment(year, D(240), date(2020, 11, 26), restored=True).code == PaymentCode.LATE

    with pytest.raises(TypeError):
        check_payment(year, 180.0, date(2020, 10, 1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        check_payment(year, D(-1), date(2020, 10, 1))


# --- bad inputs -----------------------------------------------------------------------------------


def test_not_granted_has_no_schedule_and_impossible_grants_are_refused() -> None:
    assert annuity_schedule(kind="invention", filing_date=date(2020, 1, 1), grant_date=None) == []
    with pytest.raises(AnnuityError, match="before the filing date"):
        annuity_schedule(kind="invention", filing_date=date(2020, 1, 1), grant_date=date(2019, 12, 31))
    with pytest.raises(AnnuityError, match="expired"):
        annuity_schedule(kind="utility_model", filing_date=date(2000, 1, 1), grant_date=date(2010, 1, 1))
    last_day = annuity_schedule(kind="utility_model", filing_date=date(2000, 1, 1), grant_date=date(2009, 12, 31))
    assert [y.year for y in last_day] == [10]
    with pytest.raises(ValueError, match="software_copyright"):
        annuity_schedule(kind="software_copyright", filing_date=date(2020, 1, 1), grant_date=date(2021, 1, 1))


def test_patent_kind_matches_the_ip_asset_kinds() -> None:
    from apps.ip.models import IPAssetKind

    assert {kind.value for kind in PatentKind} <= set(IPAssetKind.values)
    assert IPAssetKind.UTILITY_MODEL.value == PatentKind.UTILITY_MODEL


# --- fee tables as data ---------------------------------------------------------------------------


def test_the_data_file_holds_the_current_table_and_is_read_once() -> None:
    tables = load_fee_tables()
    assert load_fee_tables() is tables
    assert [t.effective_from for t in tables] == sorted(t.effective_from for t in tables)
    current = table_on(date(2026, 11, 27))
    assert current.id == "cnipa-2021-06"
    assert current.full_fee(PatentKind.INVENTION, 16) == D(8000)
    assert current.full_fee(PatentKind.DESIGN, 15) == D(3000)
    assert current.restoration_fee == D(1000)
    assert (current.grace_months, current.late_fee_free_months, current.late_fee_rate) == (6, 1, D("0.05"))
    with pytest.raises(FeeTableError, match="year 21"):
        current.full_fee(PatentKind.INVENTION, 21)
    assert [rule.filed_from for rule in load_term_rules()] == [date(1993, 1, 1), date(2021, 6, 1)]


def future_data(effective_from: str = "2027-10-25") -> dict[str, Any]:
    """The shipped data plus a future table (as an operator would add it): invention fees up by half,
    late fee 6% a month, restoration ¥1200."""
    data = raw_data()
    future = copy.deepcopy(data["tables"][-1])
    future["id"] = "future-test"
    future["effective_from"] = effective_from
    for band in future["annuities"]["invention"]:
        band["fee"] = str(int(band["fee"]) * 3 // 2)
    future["late_fee"]["rate_per_month"] = "0.06"
    future["restoration"]["fee"] = "1200"
    data["tables"].append(future)
    return data


def test_a_new_table_prices_annuities_due_from_its_effective_date() -> None:
    tables = parse_fee_tables(future_data())
    schedule = by_year(
        annuity_schedule(kind="invention", filing_date=date(2017, 10, 25), grant_date=date(2020, 5, 12), tables=tables)
    )
    assert (schedule[10].due_date, schedule[10].full_fee, schedule[10].table_id) == (
        date(2026, 10, 25),
        D(4000),
        "cnipa-2021-06",
    )
    # due exactly on the effective date: the new table
    assert (schedule[11].due_date, schedule[11].full_fee, schedule[11].table_id) == (
        date(2027, 10, 25),
        D(6000),
        "future-test",
    )
    assert schedule[20].full_fee == D(12000)
    assert schedule[11].restoration_fee == D(1200)
    assert late_fee_on(schedule[11], date(2027, 12, 26)) == D("720.00")  # 2 × 6% of 6000
    assert schedule[11].max_late_fee == D("1800.00")
    # the reduced fee comes from the new table's full fee
    reduced = by_year(
        annuity_schedule(
            kind="invention",
            filing_date=date(2017, 10, 25),
            grant_date=date(2020, 5, 12),
            reduction=SINGLE,
            tables=tables,
        )
    )
    assert reduced[11].fee == D("900.00")
    assert reduced[10].fee == D("600.00")
    # the default tables are untouched
    assert by_year(invention_2017())[11].full_fee == D(4000)


def test_table_order_does_not_matter() -> None:
    tables = parse_fee_tables(future_data())
    kwargs: dict[str, Any] = {"kind": "invention", "filing_date": date(2017, 10, 25), "grant_date": date(2020, 5, 12)}
    forward = annuity_schedule(**kwargs, tables=tables)
    backward = annuity_schedule(**kwargs, tables=tuple(reversed(tables)))
    assert forward == backward
    assert [y.table_id for y in forward] == [y.table_id for y in backward]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t["annuities"]["invention"][0].update(fee=900.0), "strings or integers"),
        (lambda t: t["annuities"]["invention"][0].update(fee="nine hundred"), "not a number"),
        (lambda t: t["annuities"]["invention"][0].update(fee="-1"), "non-negative"),
        (lambda t: t["annuities"]["invention"][1].update(years=[5, 6]), "without gaps"),
        (lambda t: t["annuities"]["invention"][1].update(years=[3, 6]), "without gaps"),
        (lambda t: t["annuities"].pop("design"), "no annuities for design"),
        (lambda t: t["annuities"].update(trademark=[{"years": [1, 1], "fee": "1"}]), "unknown patent kind"),
        (lambda t: t.update(effective_from="2027-02-30"), "not an ISO date"),
        (lambda t: t.update(grace_months=0), "grace_months"),
        (lambda t: t["late_fee"].update(free_months=7), "cannot exceed the grace period"),
        (lambda t: t["late_fee"].update(rate_per_month="5"), "between 0 and 1"),
        (lambda t: t["restoration"].pop("fee"), "restoration.fee"),
        (lambda t: t["reduction"].update(years="10"), "reduction.years"),
        (lambda t: t.update(id=""), "non-empty string id"),
    ],
)
def test_malformed_tables_are_refused_with_a_clear_message(change: Any, message: str) -> None:
    data = future_data()
    change(data["tables"][-1])
    with pytest.raises(FeeTableError, match=message):
        parse_fee_tables(data)


def test_tables_must_be_distinct_and_cover_the_due_date() -> None:
    data = future_data(effective_from="2021-06-01")
    with pytest.raises(FeeTableError, match="same day"):
        parse_fee_tables(data)
    data = future_data()
    data["tables"][-1]["id"] = "cnipa-2021-06"
    with pytest.raises(FeeTableError, match="duplicate ids"):
        parse_fee_tables(data)
    only_future = parse_fee_tables({"tables": [future_data()["tables"][-1]]})
    with pytest.raises(FeeTableError, match="No fee table is in effect on 2020-05-12"):
        annuity_schedule(
            kind="invention", filing_date=date(2017, 10, 25), grant_date=date(2020, 5, 12), tables=only_future
        )
    with pytest.raises(FeeTableError, match="No fee tables"):
        table_on(date(2020, 1, 1), tables=())


def test_a_table_without_the_fees_of_a_year_fails_loudly() -> None:
    data = future_data(effective_from="2030-01-01")
    data["tables"][-1]["annuities"]["invention"] = [{"years": [1, 15], "fee": "1000"}]
    tables = parse_fee_tables(data)
    with pytest.raises(FeeTableError, match="no invention annuity for year 16"):
        annuity_schedule(kind="invention", filing_date=date(2017, 10, 25), grant_date=date(2020, 5, 12), tables=tables)


def test_term_rules_are_data_too() -> None:
    data = raw_data()
    data["terms"].append(
        {"filed_from": "2030-01-01", "years": {"invention": 20, "utility_model": 12, "design": 15}, "source": "test"}
    )
    rules = parse_term_rules(data)
    assert term_years("utility_model", date(2030, 1, 1), rules) == 12
    assert term_years("utility_model", date(2029, 12, 31), rules) == 10
    assert term_years("utility_model", date(2030, 1, 1), tuple(reversed(rules))) == 12
    ten = annuity_schedule(
        kind="utility_model", filing_date=date(2029, 12, 31), grant_date=date(2031, 1, 1), terms=rules
    )
    assert ten[-1].year == 10
    # the shipped tables price utility models up to year 10: a longer term needs a new fee table as well
    with pytest.raises(FeeTableError, match="no utility_model annuity for year 11"):
        annuity_schedule(kind="utility_model", filing_date=date(2030, 1, 1), grant_date=date(2031, 1, 1), terms=rules)
    del data["terms"][0]["years"]["design"]
    with pytest.raises(FeeTableError, match="design"):
        parse_term_rules(data)


def test_fast_construction_equals_the_dataclass_constructor() -> None:
    year = invention_2017()[1]
    rebuilt = AnnuityYear(
        year=year.year,
        due_date=year.due_date,
        full_fee=year.full_fee,
        fee=year.fee,
        reduced=year.reduced,
        at_grant=year.at_grant,
        grace_deadline=year.grace_deadline,
        restoration_fee=year.restoration_fee,
        table=year.table,
    )
    assert rebuilt == year
    assert hash(rebuilt) == hash(year)
    assert repr(rebuilt) == repr(year)
    assert isinstance(year.table, FeeTable)
    with pytest.raises(AttributeError):
        year.fee = D(0)  # type: ignore[misc]


def test_a_day_by_day_walk_agrees_with_the_late_fee_months() -> None:
    year = by_year(annuity_schedule(kind="design", filing_date=date(2022, 3, 31), grant_date=date(2023, 1, 5)))[2]
    assert (year.due_date, year.grace_deadline) == (date(2023, 3, 31), date(2023, 9, 30))
    months = dict(year.late_fee_months)
    current = D(0)
    day = year.due_date
    while day <= year.grace_deadline:
        current = months.get(day, current)
        assert late_fee_on(year, day) == current, day
        day += timedelta(days=1)
    assert current == D(150)


def test_explicit_tables_give_what_the_default_tables_give() -> None:
    kwargs: dict[str, Any] = {"kind": "design", "filing_date": date(2021, 8, 31), "grant_date": date(2022, 3, 1)}
    assert annuity_schedule(**kwargs, tables=list(load_fee_tables())) == annuity_schedule(**kwargs)


def test_reduced_fees_round_half_up_to_the_fen() -> None:
    data = future_data(effective_from="2030-01-01")
    data["tables"][-1]["annuities"]["utility_model"] = [{"years": [1, 10], "fee": "1"}]
    tables = parse_fee_tables(data)
    schedule = annuity_schedule(
        kind="utility_model",
        filing_date=date(2029, 6, 1),
        grant_date=date(2030, 7, 1),
        reduction=FeeReduction(share=D("0.995"), years=10),
        tables=tables,
    )
    assert schedule[0].fee == D("0.01")  # 0.005 rounds up, not to the even 0.00
    assert schedule[0].full_fee == D("1.00")


def test_a_fee_file_elsewhere_is_read_and_checked(tmp_path: Any) -> None:
    path = tmp_path / "fees.json"
    path.write_text(json.dumps(future_data(), ensure_ascii=False), encoding="utf-8")
    tables = load_fee_tables(path)
    assert [table.id for table in tables][-1] == "future-test"
    assert load_fee_tables(path) is tables
    broken = tmp_path / "broken.json"
    data = future_data()
    data["tables"][0]["annuities"]["design"][0]["fee"] = 600.5
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FeeTableError, match="fee table cnipa-1993 design years 1-3"):
        load_fee_tables(broken)
