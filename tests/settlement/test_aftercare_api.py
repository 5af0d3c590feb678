"""After the deal over HTTP: the buyer reports 小试 → 中试 → 产业化, stage order holds, and the statistics
count the contracts per stage and the outcomes."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from apps.contracts.selectors import market_today
from apps.settlement.models import Implementation, ImplementationReport
from apps.settlement.services import implementation_report_create
from tests.contracts.factories import make_contract
from tests.factories import TEST_PASSWORD, operator_user

pytestmark = pytest.mark.django_db


def _report(client, contract, stage, start, end, **extra):
    body = {"stage": stage, "period_start": start.isoformat(), "period_end": end.isoformat(), **extra}
    return client.post(f"/api/v1/contracts/{contract.pk}/implementation/reports", body, format="json")


def test_a_pilot_report_is_counted_in_the_statistics(world, client_for):
    today = market_today()
    signed = today - timedelta(days=200)
    contract = make_contract(world, signed_on=signed)
    buyer = client_for(world.buyer_user)
    small = _report(buyer, contract, "small_trial", signed, signed + timedelta(days=30), jobs_created=2)
    assert small.status_code == 201, small.json()
    pilot = _report(
        buyer,
        contract,
        "pilot",
        signed + timedelta(days=31),
        today - timedelta(days=1),
        revenue="1200000.00",
        output_value="1800000.00",
        jobs_created=12,
        units_produced=3000,
        note="中试线投产",
    )
    assert pilot.status_code == 201, pilot.json()
    state = client_for(world.seller_user).get(f"/api/v1/contracts/{contract.pk}/implementation").json()
    assert state["stage"] == "pilot" and state["pilot_on"] == (signed + timedelta(days=31)).isoformat()
    assert [r["stage"] for r in state["reports"]] == ["small_trial", "pilot"]

    # Going back is refused, and nothing is stored.
    back = _report(buyer, contract, "small_trial", signed + timedelta(days=40), signed + timedelta(days=50))
    assert back.status_code == 409 and back.json()["code"] == "implementation_stage_behind"
    assert ImplementationReport.objects.count() == 2

    operator = client_for(operator_user())
    stats = operator.get("/api/v1/stats/aftercare").json()
    by_stage = {row["stage"]: row for row in stats["rows"]}
    assert by_stage["pilot"]["contracts"] == 1 and by_stage["small_trial"]["contracts"] == 0
    assert by_stage["pilot"]["reports"] == 1
    assert by_stage["pilot"]["revenue"] == "1200000.00" and by_stage["pilot"]["jobs_created"] == 12
    assert stats["totals"]["jobs_created"] == 14 and stats["totals"]["units_produced"] == 3000
    exported = operator.get("/api/v1/stats/aftercare?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "阶段" and rows[-1][0] == "合计" and rows[-1][5] == "14"
    assert client_for(world.buyer_user).get("/api/v1/stats/aftercare").status_code == 403


@pytest.mark.parametrize(
    ("who", "expected"),
    [("seller_user", 403), ("outsider", 404)],
)
def test_only_the_buyer_reports(world, client_for, who, expected):
    contract = make_contract(world)
    today = market_today()
    response = _report(client_for(getattr(world, who)), contract, "pilot", today, today)
    assert response.status_code == expected
    assert not Implementation.objects.exists() and not ImplementationReport.objects.exists()


@pytest.mark.parametrize(
    ("days", "field", "extra"),
    [
        ((0, 5), "period_end", {}),  # ends in the future
        ((-1, -3), "period_end", {}),  # ends before it starts
        ((-2, -1), "revenue", {"revenue": "-1.00"}),
        ((-2, -1), "stage", {"stage": "not_started"}),
    ],
)
def test_bad_reports_are_refused(world, client_for, days, field, extra):
    today = market_today()
    contract = make_contract(world, signed_on=today - timedelta(days=10))
    body = {"stage": "pilot", **extra}
    response = _report(
        client_for(world.buyer_user),
        contract,
        body.pop("stage"),
        today + timedelta(days=days[0]),
        today + timedelta(days=days[1]),
        **body,
    )
    assert response.status_code == 400, response.json()
    assert any(e["field"] == field for e in response.json()["errors"])
    assert not ImplementationReport.objects.exists()
    assert Decimal("0") == sum((r.revenue for r in ImplementationReport.objects.all()), Decimal("0"))


def test_the_dashboard_shows_the_pilot_stage(world):
    today = market_today()
    contract = make_contract(world, signed_on=today - timedelta(days=20))
    implementation_report_create(
        actor=world.buyer_user,
        contract=contract,
        stage="pilot",
        period_start=today - timedelta(days=10),
        period_end=today,
        revenue=Decimal("5000.00"),
        jobs_created=4,
    )
    client = Client()
    login = client.post("/stats/login/", {"username": operator_user().email, "password": TEST_PASSWORD})
    assert login.status_code == 302
    html = client.get("/stats/dashboard/", {"year": str(today.year)}).content.decode()
    row = html.split('data-stage="pilot"', 1)[1].split("</tr>", 1)[0]
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in row.split("<td")[1:]]
    assert cells[:2] == ["1", "1"] and cells[2] == "5000.00" and cells[4] == "4"
