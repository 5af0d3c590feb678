"""Amount corrections (更正): the operator corrects the recognised amounts of a registered or terminated
contract; the status stays, the event takes the registration's date, and the statistics fold is queued."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from apps.contracts.models import RegistrationEvent, RegistrationStatus
from apps.contracts.services import (
    payment_create,
    registration_apply,
    registration_decide,
    registration_record_event,
)
from apps.core.effects import run_pending_effects
from apps.core.errors import ApplicationError
from apps.core.models import Effect, EffectStatus
from tests.contracts.factories import make_contract
from tests.factories import operator_user
from tests.stats.fold_helpers import headline

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str) -> time_machine.travel:
    return time_machine.travel(datetime.fromisoformat(day).replace(hour=10, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def operator():
    return operator_user()


@pytest.fixture
def registration(world, operator):
    with at("2026-03-02"):
        contract = make_contract(world, document=True, contract_amount=Decimal("800000.00"))
        applied = registration_apply(actor=world.seller_user, contract=contract)
        return registration_decide(actor=operator, registration=applied, decision="register")


def test_the_operator_corrects_the_amounts_over_the_api_dated_at_the_registration(
    world, client_for, operator, registration
):
    url = f"/api/v1/registrations/{registration.pk}/events"
    with at("2026-07-15"):
        client = client_for(operator)
        forbidden = client_for(world.seller_user).post(
            url, {"kind": "amount_correction", "contract_amount": "700000.00"}, format="json"
        )
        assert forbidden.status_code == 403
        nothing = client.post(url, {"kind": "amount_correction"}, format="json")
        assert nothing.status_code == 400
        assert nothing.json()["code"] == "registration_bad_amounts"
        wrong_day = client.post(
            url,
            {"kind": "amount_correction", "effective_on": "2026-07-15", "contract_amount": "700000.00"},
            format="json",
        )
        assert wrong_day.status_code == 400
        assert wrong_day.json()["code"] == "registration_bad_effective_date"
        assert "2026-03-02" in wrong_day.json()["detail"]
        corrected = client.post(
            url,
            {"kind": "amount_correction", "contract_amount": "750000.00", "technology_amount": "700000.00"},
            format="json",
        )
        assert corrected.status_code == 201, corrected.json()
        body = corrected.json()
        assert body["kind"] == "amount_correction"
        assert body["kind_display"] == "金额更正"
        assert body["effective_on"] == "2026-03-02"
        assert (body["contract_amount_delta"], body["technology_amount_delta"]) == ("-50000.00", "-100000.00")
        same_day = client.post(
            url,
            {"kind": "amount_correction", "effective_on": "2026-03-02", "contract_amount": "760000.00"},
            format="json",
        )
        assert same_day.status_code == 201
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED
    assert registration.recognised_contract_amount == Decimal("760000.00")
    assert registration.recognised_technology_amount == Decimal("700000.00")
    kinds = list(RegistrationEvent.objects.filter(registration=registration).values_list("kind", flat=True))
    assert kinds == ["applied", "registered", "amount_correction", "amount_correction"]


def test_a_terminated_registration_can_be_corrected_and_stays_terminated(operator, registration):
    with at("2026-05-01"):
        registration_record_event(
            actor=operator,
            registration=registration,
            kind="termination",
            effective_on=date(2026, 4, 30),
            contract_amount=Decimal("400000.00"),
            technology_amount=Decimal("350000.00"),
        )
        event = registration_record_event(
            actor=operator, registration=registration, kind="amount_correction", contract_amount=Decimal("450000.00")
        )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.TERMINATED
    assert registration.recognised_contract_amount == Decimal("450000.00")
    assert event.effective_on == date(2026, 3, 2)
    assert event.contract_amount_delta == Decimal("50000.00")


@pytest.mark.parametrize(
    "amounts",
    [
        {"contract_amount": Decimal("0.00")},
        {"technology_amount": Decimal("900000.00")},
        {"contract_amount": Decimal("100.00"), "technology_amount": Decimal("200.00")},
    ],
)
def test_a_bad_correction_is_refused_and_nothing_changes(operator, registration, amounts):
    with at("2026-05-01"), pytest.raises(ApplicationError) as refused:
        registration_record_event(actor=operator, registration=registration, kind="amount_correction", **amounts)
    assert refused.value.code == "registration_bad_amounts"
    registration.refresh_from_db()
    assert registration.recognised_contract_amount == Decimal("800000.00")
    assert not RegistrationEvent.objects.filter(kind="amount_correction").exists()


def test_an_annulled_or_pending_registration_is_not_corrected(world, operator, registration):
    with at("2026-05-01"):
        registration_record_event(
            actor=operator, registration=registration, kind="annulment", effective_on=date(2026, 5, 1)
        )
        with pytest.raises(ApplicationError) as refused:
            registration_record_event(
                actor=operator, registration=registration, kind="amount_correction", contract_amount=Decimal("1.00")
            )
        assert refused.value.status == 409
        pending = registration_apply(actor=world.seller_user, contract=make_contract(world, document=True))
        with pytest.raises(ApplicationError) as early:
            registration_record_event(
                actor=operator, registration=pending, kind="amount_correction", contract_amount=Decimal("1.00")
            )
        assert early.value.status == 409


def test_other_events_still_need_their_effective_date(operator, registration):
    with at("2026-05-01"), pytest.raises(ApplicationError) as refused:
        registration_record_event(
            actor=operator, registration=registration, kind="change", contract_amount=Decimal("900000.00")
        )
    assert refused.value.code == "registration_bad_effective_date"


def test_amount_events_and_payments_record_the_statistics_fold(world, operator, registration):
    folds = Effect.objects.filter(name="stats.fold_contract", kwargs={"contract_id": registration.contract_id})
    before = folds.count()
    with at("2026-05-01"):
        registration_record_event(
            actor=operator,
            registration=registration,
            kind="amount_correction",
            contract_amount=Decimal("1000.00"),
            technology_amount=Decimal("800.00"),
        )
        payment_create(
            actor=world.seller_user, contract=registration.contract, amount=Decimal("500.00"), paid_on=date(2026, 4, 1)
        )
    # One fold per amount event and per payment, recorded with them; a worker runs them.
    assert folds.count() == before + 2
    run_pending_effects()
    assert not folds.exclude(status=EffectStatus.DONE).exists()
    assert headline() == {
        date(2026, 3, 1): (1, Decimal("1000.00"), Decimal("800.00"), Decimal("0.00")),
        date(2026, 4, 1): (0, Decimal("0.00"), Decimal("0.00"), Decimal("500.00")),
    }


def test_a_contract_is_registered_and_annulled_at_most_once(registration):
    event = RegistrationEvent.objects.get(registration=registration, kind="registered")
    for kind in ("registered", "annulment", "annulment"):
        try:
            with transaction.atomic():
                RegistrationEvent.objects.create(
                    registration=registration,
                    contract=registration.contract,
                    kind=kind,
                    effective_on=event.effective_on,
                    contract_amount=Decimal("0.00"),
                    technology_amount=Decimal("0.00"),
                    contract_amount_delta=Decimal("0.00"),
                    technology_amount_delta=Decimal("0.00"),
                )
        except IntegrityError:
            continue
        assert kind == "annulment"  # the first annulment is allowed, a second one not
    assert RegistrationEvent.objects.filter(registration=registration, kind="annulment").count() == 1


def test_an_event_cannot_take_effect_before_an_earlier_one(operator, registration):
    with at("2026-06-01"):
        registration_record_event(
            actor=operator,
            registration=registration,
            kind="change",
            effective_on=date(2026, 5, 1),
            contract_amount=Decimal("900000.00"),
        )
        with pytest.raises(ApplicationError) as refused:
            registration_record_event(
                actor=operator, registration=registration, kind="annulment", effective_on=date(2026, 4, 1)
            )
        assert refused.value.code == "registration_bad_effective_date"
        assert "2026-05-01" in str(refused.value)
        # The same day is fine, and a correction still goes to the registration date.
        registration_record_event(
            actor=operator, registration=registration, kind="termination", effective_on=date(2026, 5, 1)
        )
        correction = registration_record_event(
            actor=operator, registration=registration, kind="amount_correction", contract_amount=Decimal("850000.00")
        )
    assert correction.effective_on == date(2026, 3, 2)
