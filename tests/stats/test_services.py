"""The incremental fold and the nightly recompute, through the contracts services, on the real database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.contracts.models import Contract
from apps.contracts.services import payment_create
from apps.deals.services import deal_broker_add
from apps.notifications.models import Notification
from apps.stats.dimension_sql import contract_dimensions
from apps.stats.dims import ALL, DIMS, GRAIN_BY_ID, GRAINS, Dim, Zone
from apps.stats.models import Cell, ContractFigures
from apps.stats.services import (
    RECOMPUTE_NOTIFICATION_KIND,
    stats_fold_contract,
    stats_recompute,
)
from tests.brokers.factories import make_broker
from tests.factories import operator_user
from tests.stats.fold_helpers import (
    cells,
    event,
    grain_totals,
    headline,
    key_for,
    make_world,
    pay,
    registered,
    signed,
)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def world(db, settings, tmp_path):
    return make_world(settings, tmp_path)


@pytest.fixture
def operator(db):
    return operator_user()


def m(text: str) -> date:
    return date.fromisoformat(text + "-01")


def fold(contract_id: int) -> bool:
    return stats_fold_contract(contract_id=contract_id)


def every_grain_agrees():
    """Each grain sums to the same monthly totals as grain 1 (the headline)."""
    expected = grain_totals(1)
    for grain in GRAIN_BY_ID:
        assert grain_totals(grain) == expected, grain


def test_a_registration_is_counted_in_its_month_in_every_grain(world, operator):
    registration = registered(world, operator, on="2026-03-10")
    assert not Cell.objects.exists()  # nothing until the fold runs (the task, after commit)
    assert fold(registration.contract_id) is True
    assert headline() == {m("2026-03"): (1, D("600000.00"), D("600000.00"), D("0.00"))}
    every_grain_agrees()
    dims = contract_dimensions(registration.contract)
    assert dims[Dim.SELLER_ZONE] == dims[Dim.BUYER_ZONE] == Zone.CITY
    assert dims[Dim.SELLER_AREA] == "450200"
    assert dims[Dim.BROKER] == ""
    full = Cell.objects.get(grain=0)
    assert tuple(getattr(full, d) for d in DIMS) == key_for(0, dims)
    assert ALL not in key_for(0, dims)
    figures = ContractFigures.objects.get(contract_id=registration.contract_id)
    assert figures.months == {"2026-03-01": [1, "600000.00", "600000.00", "0.00"]}
    assert figures.version == 1


def test_replaying_a_fold_changes_nothing(world, operator):
    registration = registered(world, operator, on="2026-03-10")
    assert fold(registration.contract_id) is True
    before = list(Cell.objects.order_by("id").values())
    for _ in range(3):
        assert fold(registration.contract_id) is False
    assert list(Cell.objects.order_by("id").values()) == before
    assert ContractFigures.objects.get(contract_id=registration.contract_id).version == 1


def test_an_unregistered_contract_contributes_nothing(world, operator):
    contract = signed(world, on="2026-03-10")
    pay(world, contract, "1000.00", on="2026-03-11")
    assert fold(contract.pk) is False
    assert not Cell.objects.exists()
    assert not ContractFigures.objects.exists()


def test_changes_terminations_and_payments_land_in_their_months(world, operator):
    registration = registered(world, operator, on="2026-03-10")
    contract = registration.contract
    pay(world, contract, "50000.00", on="2026-02-20")  # before registration: counts in March
    pay(world, contract, "10000.00", on="2026-04-02")
    event(operator, registration, "change", on="2026-05-03", contract_amount=D("700000.00"))
    event(
        operator,
        registration,
        "termination",
        on="2026-06-30",
        contract_amount=D("500000.00"),
        technology_amount=D("400000.00"),
    )
    fold(contract.pk)
    assert headline() == {
        m("2026-03"): (1, D("600000.00"), D("600000.00"), D("50000.00")),
        m("2026-04"): (0, D("0.00"), D("0.00"), D("10000.00")),
        m("2026-05"): (0, D("100000.00"), D("0.00"), D("0.00")),
        m("2026-06"): (0, D("-200000.00"), D("-200000.00"), D("0.00")),
    }
    every_grain_agrees()


def test_folding_after_each_step_equals_folding_once_at_the_end(world, operator):
    stepwise = registered(world, operator, on="2026-03-10")
    fold(stepwise.contract_id)
    pay(world, stepwise.contract, "1000.00", on="2026-03-20")
    fold(stepwise.contract_id)
    event(operator, stepwise, "change", on="2026-04-03", contract_amount=D("800000.00"))
    fold(stepwise.contract_id)
    event(operator, stepwise, "annulment", on="2026-05-04")
    fold(stepwise.contract_id)
    assert headline() == {
        m("2026-03"): (1, D("600000.00"), D("600000.00"), D("1000.00")),
        m("2026-04"): (0, D("200000.00"), D("0.00"), D("0.00")),
        m("2026-05"): (-1, D("-800000.00"), D("-600000.00"), D("-1000.00")),
    }
    assert ContractFigures.objects.get(contract_id=stepwise.contract_id).version == 4
    assert stats_recompute().differences == 0


def test_an_annulment_takes_everything_back_and_later_payments_count_nowhere(world, operator):
    registration = registered(world, operator, on="2026-03-10")
    contract = registration.contract
    pay(world, contract, "20000.00", on="2026-03-15")
    event(operator, registration, "annulment", on="2026-04-01", note="虚假合同")
    pay(world, contract, "30000.00", on="2026-04-02")
    fold(contract.pk)
    assert headline() == {
        m("2026-03"): (1, D("600000.00"), D("600000.00"), D("20000.00")),
        m("2026-04"): (-1, D("-600000.00"), D("-600000.00"), D("-20000.00")),
    }
    totals = [sum(f[i] for f in headline().values()) for i in range(4)]
    assert totals == [0, D("0.00"), D("0.00"), D("0.00")]


def test_a_late_correction_moves_amounts_to_the_registration_month(world, operator):
    registration = registered(world, operator, on="2026-03-10")
    event(operator, registration, "change", on="2026-05-03", contract_amount=D("700000.00"))
    fold(registration.contract_id)
    # Recorded in November, it corrects what March counted; May keeps its change.
    event(
        operator,
        registration,
        "amount_correction",
        on="2026-03-10",
        recorded="2026-11-20",
        contract_amount=D("650000.00"),
        technology_amount=D("500000.00"),
    )
    assert fold(registration.contract_id) is True
    assert headline() == {
        m("2026-03"): (1, D("550000.00"), D("500000.00"), D("0.00")),
        m("2026-05"): (0, D("100000.00"), D("0.00"), D("0.00")),
    }
    assert m("2026-11") not in headline()
    every_grain_agrees()
    assert stats_recompute().differences == 0


ZONE_CASES = {
    # party overrides -> (seller zone, buyer zone, buyer area)
    "city": ({"buyer_region_code": "450222"}, Zone.CITY, "450200"),
    "province": ({"buyer_region_code": "450100"}, Zone.PROVINCE, "450100"),
    "other province": ({"buyer_region_code": "440000"}, Zone.DOMESTIC, "440000"),
    "hmt": ({"buyer_region_code": "810000"}, Zone.HMT, "810000"),
    "asean": (
        {"buyer_id": None, "buyer_name": "Vinacomi JSC", "buyer_country_code": "704", "buyer_entity_type_code": "300"},
        Zone.ASEAN,
        "704",
    ),
    "abroad": (
        {"buyer_id": None, "buyer_name": "Kraft GmbH", "buyer_country_code": "276", "buyer_entity_type_code": "300"},
        Zone.ABROAD,
        "276",
    ),
}


def test_flows_by_zone_from_the_home_city(world, operator):
    contracts: dict[str, Contract] = {}
    for name, (overrides, _zone, _area) in ZONE_CASES.items():
        registration = registered(world, operator, on="2026-03-10", **overrides)
        contracts[name] = registration.contract
        fold(registration.contract_id)
    flow = {(key[DIMS.index(Dim.BUYER_ZONE) + 1]): figures[0] for key, figures in cells(4).items()}
    assert flow == {str(zone): 1 for _o, zone, _a in ZONE_CASES.values()}
    absorption = {key[DIMS.index(Dim.BUYER_AREA) + 1]: figures[0] for key, figures in cells(6).items()}
    assert absorption == {area: 1 for _o, _z, area in ZONE_CASES.values()}
    # The fold's SQL and contract_dimensions() agree on every case.
    for name, contract in contracts.items():
        stored = ContractFigures.objects.get(contract=contract)
        assert {d: getattr(stored, d) for d in DIMS} == contract_dimensions(contract), name
    assert stats_recompute().differences == 0


def test_a_seller_abroad_is_output_from_abroad(world, operator):
    registration = registered(
        world,
        operator,
        on="2026-03-10",
        seller_id=None,
        seller_name="Siam Robotics Co.",
        seller_country_code="764",
        seller_entity_type_code="300",
        by=world.buyer_user,
    )
    fold(registration.contract_id)
    (key,) = cells(5)
    assert key[DIMS.index(Dim.SELLER_ZONE) + 1] == Zone.ASEAN
    assert key[DIMS.index(Dim.SELLER_AREA) + 1] == "764"
    assert key[DIMS.index(Dim.SELLER_ENTITY_TYPE) + 1] == "300"


def test_the_home_region_is_a_setting(world, operator, settings):
    settings.STATS_HOME_REGION = "450100"  # seen from Nanning, Liuzhou is the province
    registration = registered(world, operator, on="2026-03-10")
    fold(registration.contract_id)
    (key,) = cells(4)
    assert key[1:] == tuple(Zone.PROVINCE if d in (Dim.SELLER_ZONE, Dim.BUYER_ZONE) else ALL for d in DIMS)


def test_the_broker_dimension_is_the_deals_earliest_broker_and_follows_a_change(world, operator):
    deal = world.deal()
    registration = registered(world, operator, on="2026-03-10", deal_id=deal.pk)
    fold(registration.contract_id)
    assert {key[DIMS.index(Dim.BROKER) + 1]: f[0] for key, f in cells(8).items()} == {str(world.broker.pk): 1}
    # A second broker joins: the lead broker (the earliest) stays.
    second = make_broker()
    deal.refresh_from_db()
    deal_broker_add(actor=operator, deal=deal, broker_id=second.pk, expected_version=deal.version)
    assert fold(registration.contract_id) is False
    # The deal's participants are edited by hand: the contract's figures move to the new lead broker.
    from apps.deals.models import DealParticipant

    DealParticipant.objects.filter(deal=deal, broker=world.broker).delete()
    assert fold(registration.contract_id) is True
    assert {key[DIMS.index(Dim.BROKER) + 1]: f[0] for key, f in cells(8).items() if f[0]} == {str(second.pk): 1}
    assert headline() == {m("2026-03"): (1, D("600000.00"), D("600000.00"), D("0.00"))}
    assert stats_recompute().differences == 0


def test_recompute_on_a_clean_state_finds_nothing(world, operator):
    for day in ("2026-01-05", "2026-02-06", "2026-02-20"):
        registration = registered(world, operator, on=day)
        pay(world, registration.contract, "100.00", on=day)
        fold(registration.contract_id)
    run = stats_recompute()
    assert (run.differences, run.repaired, run.sample) == (0, False, [])
    assert run.contracts == 3
    assert run.cells == Cell.objects.exclude(contract_count=0, contract_amount=0, paid_amount=0).count()
    assert run.finished_at is not None and run.seconds is not None
    assert not Notification.objects.filter(kind=RECOMPUTE_NOTIFICATION_KIND).exists()


def test_recompute_finds_a_cell_changed_by_hand_alerts_the_operator_and_repairs_it(world, operator, caplog):
    registration = registered(world, operator, on="2026-03-10")
    fold(registration.contract_id)
    correct = list(Cell.objects.order_by("grain").values_list("grain", "contract_amount"))
    tampered = Cell.objects.get(grain=3)
    Cell.objects.filter(pk=tampered.pk).update(contract_amount=D("1.00"))
    # A stray cell with no contract behind it.
    Cell.objects.create(grain=1, month=m("2025-01"), contract_count=2, **dict.fromkeys(DIMS, ALL))
    run = stats_recompute()
    assert run.differences == 2
    assert run.repaired is True
    by_grain = {row["grain"]: row for row in run.sample}
    assert by_grain[3]["incremental"][1] == "1.00"
    assert by_grain[3]["recomputed"][1] == "600000.00"
    assert by_grain[1] == {
        "grain": 1,
        "month": "2025-01-01",
        "key": {},
        "incremental": [2, "0.00", "0.00", "0.00"],
        "recomputed": None,
    }
    alert = Notification.objects.get(kind=RECOMPUTE_NOTIFICATION_KIND)
    assert alert.recipient == operator
    assert "2" in alert.body
    assert any(r.levelname == "ERROR" and "differing cells" in r.getMessage() for r in caplog.records)
    assert list(Cell.objects.order_by("grain").values_list("grain", "contract_amount")) == correct
    again = stats_recompute()
    assert again.differences == 0


def test_recompute_without_repair_only_reports(world, operator):
    registration = registered(world, operator, on="2026-03-10")
    fold(registration.contract_id)
    Cell.objects.filter(grain=0).update(contract_count=5)
    run = stats_recompute(repair=False)
    assert (run.differences, run.repaired) == (1, False)
    assert Cell.objects.get(grain=0).contract_count == 5
    assert stats_recompute().differences == 1
    assert stats_recompute().differences == 0


def test_a_lost_fold_is_found_and_the_figures_repaired_so_the_next_fold_adds_nothing_twice(world, operator):
    registration = registered(world, operator, on="2026-03-10")
    fold(registration.contract_id)
    # The change's fold task is lost (recorded long ago, so not within the recompute's grace period).
    event(operator, registration, "change", on="2026-04-01", contract_amount=D("900000.00"))
    run = stats_recompute()
    assert run.differences == len(GRAINS)  # April, in every grain
    figures = ContractFigures.objects.get(contract_id=registration.contract_id)
    assert figures.months["2026-04-01"] == [0, "300000.00", "0.00", "0.00"]
    assert fold(registration.contract_id) is False
    assert headline()[m("2026-04")] == (0, D("300000.00"), D("0.00"), D("0.00"))
    assert stats_recompute().differences == 0


def test_recompute_folds_what_was_recorded_within_the_grace_period_first(world, operator):
    registration = registered(world, operator, on="2026-03-10")
    fold(registration.contract_id)
    # Recorded now (no time travel): its fold task may still be in the queue.
    payment_create(
        actor=world.seller_user, contract=registration.contract, amount=D("10.00"), paid_on=date(2026, 3, 11)
    )
    run = stats_recompute()
    assert run.differences == 0
    assert headline()[m("2026-03")][3] == D("10.00")


def test_recompute_replaces_figures_of_contracts_that_no_longer_count(world, operator):
    registration = registered(world, operator, on="2026-03-10")
    fold(registration.contract_id)
    contract = signed(world, on="2026-03-10")
    ContractFigures.objects.create(
        contract=contract, months={"2026-03-01": [1, "5.00", "5.00", "0.00"]}, **dict.fromkeys(DIMS, "x")
    )
    Cell.objects.filter(grain=1).update(contract_count=2)
    run = stats_recompute()
    assert run.differences == 1
    assert list(ContractFigures.objects.values_list("contract_id", flat=True)) == [registration.contract_id]


def test_recompute_checks_every_cell_of_a_month_and_zero_cells_count_as_absent(world, operator):
    # The recompute compares checksums per grain and month first, then the cells of the months that differ.
    registration = registered(world, operator, on="2026-03-10")
    pay(world, registration.contract, "100.00", on="2026-04-02")
    fold(registration.contract_id)
    Cell.objects.create(grain=0, month=m("2026-03"), **dict.fromkeys(DIMS, "z"))  # all figures 0
    assert stats_recompute().differences == 0
    # A cell moved to another key: its old key is missing and its new key is extra, in that month only.
    Cell.objects.filter(grain=0, month=m("2026-04")).exclude(contract_type="z").update(broker="7")
    run = stats_recompute()
    assert run.differences == 2
    assert {(row["month"], row["key"].get("broker")) for row in run.sample} == {("2026-04-01", ""), ("2026-04-01", "7")}
    assert stats_recompute().differences == 0
    every_grain_agrees()


def test_a_recompute_from_nothing_rebuilds_every_grain_exactly_as_the_folds_wrote_it(world, operator):
    # The recompute rolls each coarser grain up from its smallest parent (the headline from the field
    # grain, the field grain from "type, field and flow", …); the fold writes every grain directly.
    deal = world.deal()
    registrations = []
    for n, (overrides, _zone, _area) in enumerate(ZONE_CASES.values()):
        month = ("2026-01", "2026-02", "2026-03")[n % 3]
        extra = {"deal_id": deal.pk} if n % 2 else {}
        registrations.append(registered(world, operator, on=f"{month}-1{n % 9}", **overrides, **extra))
    first, second, third = registrations[:3]
    pay(world, first.contract, "1000.00", on="2026-01-20")
    pay(world, second.contract, "2500.50", on="2026-04-02")
    event(operator, second, "change", on="2026-04-03", contract_amount=D("800000.00"))
    event(operator, third, "annulment", on="2026-05-04")  # its months sum to zero in some grains
    for registration in registrations:
        fold(registration.contract_id)
    folded = {grain.id: cells(grain.id) for grain in GRAINS}
    assert all(folded.values())
    assert len(folded[4]) > 1 and len(folded[8]) > 1 and len(folded[9]) > 1  # several keys per grain

    Cell.objects.all().delete()
    ContractFigures.objects.all().delete()
    run = stats_recompute()
    assert run.repaired is True
    assert run.differences == run.cells == sum(len(grain_cells) for grain_cells in folded.values())
    assert {grain.id: cells(grain.id) for grain in GRAINS} == folded
    every_grain_agrees()
    for registration in registrations:
        assert fold(registration.contract_id) is False  # the rebuilt figures match the sources
    assert stats_recompute().differences == 0
