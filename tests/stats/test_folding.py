"""The pure folding rules: what one contract contributes month by month, the diff, the cell deltas and
the zone/area of a party (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

import pytest

from apps.stats import folding
from apps.stats.dims import ALL, DIMS, GRAINS, Dim, Zone

D = Decimal


class E(NamedTuple):
    kind: str
    effective_on: date
    contract_amount_delta: Decimal | None = None
    technology_amount_delta: Decimal | None = None


class P(NamedTuple):
    paid_on: date
    amount: Decimal


def ev(kind: str, day: str, contract: str | None = None, technology: str | None = None) -> E:
    return E(kind, date.fromisoformat(day), D(contract) if contract else None, D(technology) if technology else None)


def pay(day: str, amount: str) -> P:
    return P(date.fromisoformat(day), D(amount))


def m(text: str) -> date:
    return date.fromisoformat(text + "-01")


def f(count: int, contract: str = "0.00", technology: str = "0.00", paid: str = "0.00") -> folding.Figures:
    return (count, D(contract), D(technology), D(paid))


REGISTERED = ev("registered", "2026-03-10", "100.00", "80.00")


def test_a_contract_without_a_registered_event_contributes_nothing():
    assert folding.contribution(events=[ev("applied", "2026-03-01")], payments=[pay("2026-03-05", "10.00")]) == {}


def test_registration_counts_once_with_its_amounts_in_its_month():
    assert folding.contribution(events=[ev("applied", "2026-02-27"), REGISTERED], payments=[]) == {
        m("2026-03"): f(1, "100.00", "80.00")
    }


def test_changes_and_terminations_land_in_their_own_months():
    events = [
        REGISTERED,
        ev("change", "2026-05-02", "50.00", "0.00"),
        ev("termination", "2026-06-30", "-70.00", "-40.00"),
    ]
    assert folding.contribution(events=events, payments=[]) == {
        m("2026-03"): f(1, "100.00", "80.00"),
        m("2026-05"): f(0, "50.00"),
        m("2026-06"): f(0, "-70.00", "-40.00"),
    }


def test_a_late_correction_moves_its_amounts_to_the_registration_month():
    # Recorded (and even dated, by a careless caller) in September: it belongs to March.
    events = [
        REGISTERED,
        ev("change", "2026-05-02", "50.00", "0.00"),
        ev("amount_correction", "2026-09-01", "-30.00", "-10.00"),
    ]
    assert folding.contribution(events=events, payments=[]) == {
        m("2026-03"): f(1, "70.00", "70.00"),
        m("2026-05"): f(0, "50.00"),
    }


def test_payments_before_registration_count_in_the_registration_month():
    payments = [pay("2026-01-15", "10.00"), pay("2026-03-31", "5.00"), pay("2026-04-01", "7.50")]
    assert folding.contribution(events=[REGISTERED], payments=payments) == {
        m("2026-03"): f(1, "100.00", "80.00", "15.00"),
        m("2026-04"): f(0, paid="7.50"),
    }


def test_an_annulment_takes_back_count_amounts_and_what_had_been_paid():
    events = [
        REGISTERED,
        ev("change", "2026-04-02", "20.00", "20.00"),
        ev("annulment", "2026-06-15", "-120.00", "-100.00"),
    ]
    payments = [
        pay("2026-02-01", "10.00"),
        pay("2026-05-01", "5.00"),
        pay("2026-06-15", "1.00"),
        pay("2026-07-01", "99.00"),
    ]
    result = folding.contribution(events=events, payments=payments)
    assert result == {
        m("2026-03"): f(1, "100.00", "80.00", "10.00"),
        m("2026-04"): f(0, "20.00", "20.00"),
        m("2026-05"): f(0, paid="5.00"),
        # -1 contract, the amounts back to zero, and the 16.00 paid up to the annulment taken back;
        # the payment after the annulment counts nowhere.
        m("2026-06"): f(-1, "-120.00", "-100.00", "-15.00"),
    }
    totals = [sum(figures[i] for figures in result.values()) for i in range(4)]
    assert totals == [0, D("0.00"), D("0.00"), D("0.00")]


def test_annulled_in_the_month_it_was_registered_leaves_nothing():
    events = [REGISTERED, ev("annulment", "2026-03-20", "-100.00", "-80.00")]
    assert folding.contribution(events=events, payments=[pay("2026-03-11", "3.00")]) == {}


def test_order_of_events_and_payments_does_not_matter():
    events = [
        REGISTERED,
        ev("change", "2026-05-02", "50.00", "0.00"),
        ev("amount_correction", "2026-03-10", "1.00", "1.00"),
    ]
    payments = [pay("2026-04-01", "1.00"), pay("2026-02-01", "2.00")]
    assert folding.contribution(events=events[::-1], payments=payments[::-1]) == folding.contribution(
        events=events, payments=payments
    )


def test_diff_is_what_the_cells_still_need():
    old = {m("2026-03"): f(1, "100.00", "80.00"), m("2026-04"): f(0, paid="5.00")}
    new = {m("2026-03"): f(1, "90.00", "80.00"), m("2026-05"): f(0, "3.00")}
    assert folding.diff(old, new) == {
        m("2026-03"): f(0, "-10.00"),
        m("2026-04"): f(0, paid="-5.00"),
        m("2026-05"): f(0, "3.00"),
    }
    assert folding.diff(new, new) == {}


def test_money_never_keeps_a_negative_zero():
    assert str(folding.money(-D("0.00"))) == "0.00"
    assert str(folding.money(D("1.5"))) == "1.50"


def test_months_survive_the_json_round_trip():
    months = {m("2026-03"): f(1, "100.00", "-0.00", "7.5")}
    stored = folding.months_to_json(months)
    assert stored == {"2026-03-01": [1, "100.00", "0.00", "7.50"]}
    assert folding.months_from_json(stored) == {m("2026-03"): f(1, "100.00", "0.00", "7.50")}


DIMS_A = {dim: f"a-{dim}" for dim in DIMS}


def test_cell_deltas_spread_a_diff_over_every_grain_sorted_by_key():
    old = {m("2026-03"): f(1, "100.00")}
    new = {m("2026-03"): f(1, "120.00")}
    deltas = folding.cell_deltas(old_dims=DIMS_A, old=old, new_dims=DIMS_A, new=new)
    assert list(deltas) == sorted(deltas)
    assert len(deltas) == len(GRAINS)
    for (grain_id, month, key), figures in deltas.items():
        grain = next(g for g in GRAINS if g.id == grain_id)
        assert month == m("2026-03")
        assert key == tuple(DIMS_A[d] if d in grain.dims else ALL for d in DIMS)
        assert figures == f(0, "20.00")
    assert folding.cell_deltas(old_dims=DIMS_A, old=new, new_dims=DIMS_A, new=new) == {}


def test_a_changed_dimension_moves_the_figures_to_the_new_cells():
    dims_b = {**DIMS_A, Dim.BROKER: "17"}
    months = {m("2026-03"): f(1, "100.00")}
    deltas = folding.cell_deltas(old_dims=DIMS_A, old=months, new_dims=dims_b, new=months)
    broker_cells = {key[2][DIMS.index(Dim.BROKER)]: figures for key, figures in deltas.items() if key[0] == 8}
    assert broker_cells == {f"a-{Dim.BROKER}": f(-1, "-100.00"), "17": f(1, "100.00")}
    # Grains without the broker see no change at all.
    assert {key[0] for key in deltas} == {0, 8}


@pytest.mark.parametrize(
    ("country", "region", "asean", "area", "zone"),
    [
        ("156", "450202", False, "450200", Zone.CITY),  # a Liuzhou district
        ("156", "450200", False, "450200", Zone.CITY),
        ("156", "450102", False, "450100", Zone.PROVINCE),  # Nanning
        ("156", "450000", False, "450000", Zone.PROVINCE),  # Guangxi itself keeps its code
        ("156", "440305", False, "440300", Zone.DOMESTIC),  # Shenzhen
        ("156", "110000", False, "110000", Zone.DOMESTIC),
        ("156", "810000", False, "810000", Zone.HMT),
        ("156", "820000", False, "820000", Zone.HMT),
        ("156", "710000", False, "710000", Zone.HMT),
        ("704", None, True, "704", Zone.ASEAN),  # Vietnam
        ("276", None, False, "276", Zone.ABROAD),  # Germany
    ],
)
def test_area_and_zone_of_a_party_seen_from_liuzhou(country, region, asean, area, zone):
    assert folding.party_area(country=country, region=region) == area
    assert folding.party_zone(country=country, region=region, is_asean=asean, home_region="450200") == zone
