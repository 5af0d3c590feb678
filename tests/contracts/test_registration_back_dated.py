"""Past registrations for loaders of past records (the demo's history): ``as_of`` on apply and decide.

The services take the past day; the HTTP API has no such field, so a request always acts today.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.contracts.models import Registration, RegistrationEvent, RegistrationEventKind, RegistrationStatus
from apps.contracts.services import registration_apply, registration_decide, registration_record_event
from apps.core.errors import ApplicationError
from apps.notifications.models import Notification
from apps.stats.models import Cell
from apps.stats.services import stats_fold_contract
from tests.contracts.factories import make_contract
from tests.factories import operator_user

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 9, 18, 10, tzinfo=SHANGHAI)


@pytest.fixture
def operator():
    return operator_user()


@time_machine.travel(NOW, tick=False)
def test_a_registration_of_two_years_ago_is_stored_and_counted_on_its_days(world, operator):
    contract = make_contract(world, document=True, signed_on=date(2024, 3, 4), contract_amount=Decimal("800000.00"))

    registration = registration_apply(actor=world.seller_user, contract=contract, as_of=date(2024, 3, 8))
    assert registration.clock_started_on == date(2024, 3, 8)
    assert registration.applied_at == datetime(2024, 3, 8, 9, tzinfo=SHANGHAI)
    assert registration.rule_set.version == "2001-07"  # the rules in force then
    decided = registration_decide(
        actor=operator, registration=registration, decision="register", as_of=date(2024, 3, 27)
    )

    assert decided.status == RegistrationStatus.REGISTERED
    assert decided.decided_at == datetime(2024, 3, 27, 15, tzinfo=SHANGHAI)
    assert decided.registration_number.startswith("4502002024")  # numbered in the year of the decision
    assert list(decided.events.order_by("pk").values_list("kind", "effective_on")) == [
        (RegistrationEventKind.APPLIED, date(2024, 3, 8)),
        (RegistrationEventKind.REGISTERED, date(2024, 3, 27)),
    ]
    # History: nobody is told today of a decision made in 2024.
    assert not Notification.objects.filter(kind="contracts.registration_decided").exists()
    # A later change may then be dated between that registration and today.
    registration_record_event(
        actor=operator,
        registration=decided,
        kind="change",
        effective_on=date(2025, 1, 10),
        contract_amount=Decimal("900000.00"),
        technology_amount=Decimal("700000.00"),
    )
    stats_fold_contract(contract_id=contract.pk)
    headline = Cell.objects.filter(grain=1).order_by("month")
    assert [(c.month, c.contract_count, c.contract_amount) for c in headline] == [
        (date(2024, 3, 1), 1, Decimal("800000.00")),
        (date(2025, 1, 1), 0, Decimal("100000.00")),
    ]


@time_machine.travel(NOW, tick=False)
def test_without_as_of_the_steps_are_today_and_the_applicant_is_told(world, operator):
    contract = make_contract(world, document=True, signed_on=date(2024, 3, 4))
    registration = registration_apply(actor=world.seller_user, contract=contract)
    decided = registration_decide(actor=operator, registration=registration, decision="register")
    assert registration.clock_started_on == date(2026, 9, 18)
    assert decided.registration_number.startswith("4502002026")
    assert Notification.objects.filter(kind="contracts.registration_decided", recipient=world.seller_user).exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("applied", "decided", "where"),
    [
        (date(2024, 3, 1), None, "apply"),  # before signing
        (date(2026, 9, 19), None, "apply"),  # tomorrow
        (date(2024, 3, 8), date(2024, 3, 7), "decide"),  # before the application
        (date(2024, 3, 8), date(2026, 9, 19), "decide"),  # tomorrow
    ],
)
def test_a_past_day_outside_signing_to_today_is_refused_and_nothing_is_stored(world, operator, applied, decided, where):
    contract = make_contract(world, document=True, signed_on=date(2024, 3, 4))
    if where == "apply":
        with pytest.raises(ApplicationError) as refused:
            registration_apply(actor=world.seller_user, contract=contract, as_of=applied)
        assert Registration.objects.count() == 0
    else:
        registration = registration_apply(actor=world.seller_user, contract=contract, as_of=applied)
        with pytest.raises(ApplicationError) as refused:
            registration_decide(actor=operator, registration=registration, decision="register", as_of=decided)
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.APPLIED and registration.decided_at is None
    assert refused.value.status in (400, 409)
    assert not RegistrationEvent.objects.filter(kind=RegistrationEventKind.REGISTERED).exists()


@time_machine.travel(NOW, tick=False)
def test_the_api_has_no_way_to_back_date(world, operator, client_for):
    """An ``as_of`` in a request body is no field of the API (ignored like any unknown key): today it is."""
    contract = make_contract(world, document=True, signed_on=NOW.date() - timedelta(days=400))
    applied = client_for(world.seller_user).post(
        f"/api/v1/contracts/{contract.pk}/registration", {"as_of": "2025-09-01"}, format="json"
    )
    assert applied.status_code == 201, applied.json()
    assert applied.json()["clock_started_on"] == "2026-09-18"
    decided = client_for(operator).post(
        f"/api/v1/registrations/{applied.json()['id']}/decide",
        {"decision": "register", "as_of": "2025-09-02"},
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["registration_number"].startswith("4502002026")
    registration = Registration.objects.get()
    assert registration.decided_at.astimezone(SHANGHAI).date() == date(2026, 9, 18)
    assert registration.events.get(kind=RegistrationEventKind.REGISTERED).effective_on == date(2026, 9, 18)
    schema = client_for(operator).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200 and "as_of" not in schema.content.decode()
