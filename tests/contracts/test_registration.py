"""Registration (认定登记): who applies, deadlines on the working-day calendar, the operator's decisions,
corrections that restart the clock, later events, overdue applications, idempotent POSTs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.contracts.models import Registration, RegistrationEvent, RegistrationStatus, WorkingDayException
from apps.contracts.services import registration_apply, registration_decide, registrations_notify_overdue
from apps.core.effects import run_pending_effects
from apps.deals.models import Deal, DealStage
from apps.notifications.models import Notification
from tests.contracts.factories import make_contract
from tests.factories import operator_user

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


@pytest.fixture
def operator():
    return operator_user()


def _apply(client, contract, **headers):
    return client.post(f"/api/v1/contracts/{contract.pk}/registration", {}, format="json", **headers)


def test_the_seller_applies_once_and_the_deadline_counts_working_days_across_national_day(world, client_for):
    with time_machine.travel(at("2026-09-18"), tick=False):
        contract = make_contract(world, document=True)
        response = _apply(client_for(world.seller_user), contract)
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["status"] == "applied"
        assert body["clock_started_on"] == "2026-09-18"
        assert body["working_days"] == 15
        # Sun 20 Sep and Sat 10 Oct are worked; 25–27 Sep and 1–7 Oct are not.
        assert body["deadline"] == "2026-10-15"
        assert body["deadline_provisional"] is False
        assert body["rule_set_version"] == "2026-01"
        assert body["applicant_id"] == world.seller.pk
        assert body["declared_technology_amount"] == "600000.00"
        again = _apply(client_for(world.seller_user), contract)
        assert again.status_code == 409
        assert again.json()["code"] == "contract_already_registered"
    assert Registration.objects.count() == 1
    assert list(RegistrationEvent.objects.values_list("kind", flat=True)) == ["applied"]


def test_thirty_working_days_at_five_million_and_the_rule_set_by_date(world):
    with time_machine.travel(at("2026-09-18"), tick=False):
        big = make_contract(world, document=True, contract_amount=Decimal("5000000.00"))
        registration = registration_apply(actor=world.seller_user, contract=big)
    assert registration.working_days == 30
    # 15 working days to 15 Oct, then 16 Oct and 19–23, 26–30 Oct, 2–5 Nov.
    assert registration.deadline == date(2026, 11, 5)
    with time_machine.travel(at("2025-12-15"), tick=False):
        old = make_contract(world, document=True, contract_amount=Decimal("4999999.99"))
        earlier = registration_apply(actor=world.seller_user, contract=old)
    assert earlier.rule_set.version == "2001-07"
    assert earlier.working_days == 15


def test_only_the_registrant_applies(world, client_for):
    deal = world.deal()
    contract = make_contract(world, document=True, deal_id=deal.pk)
    assert _apply(client_for(world.buyer_user), contract).status_code == 403
    assert _apply(client_for(world.broker.user), contract).status_code == 403
    assert _apply(client_for(world.outsider), contract).status_code == 404
    assert not Registration.objects.exists()


def test_a_contract_without_its_signed_document_is_not_registered(world, client_for):
    contract = make_contract(world)
    response = _apply(client_for(world.seller_user), contract)
    assert response.status_code == 400
    assert response.json()["code"] == "registration_document_missing"
    assert not Registration.objects.exists()


def test_the_domestic_buyer_registers_an_import(world, client_for):
    contract = make_contract(
        world,
        by=world.buyer_user,
        document=True,
        seller_id=None,
        seller_name="Bangkok Agritech Co., Ltd.",
        seller_country_code="764",
        seller_entity_type_code="300",
    )
    assert contract.is_import
    assert _apply(client_for(world.seller_user), contract).status_code == 404  # not a party any more
    response = _apply(client_for(world.buyer_user), contract)
    assert response.status_code == 201
    assert response.json()["applicant_id"] == world.buyer.pk


def test_idempotent_apply_replays_and_refuses_a_reused_key(world, client_for):
    contract = make_contract(world, document=True)
    client = client_for(world.seller_user)
    url = f"/api/v1/contracts/{contract.pk}/registration"
    first = client.post(url, {"note": ""}, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    replay = client.post(url, {"note": ""}, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    reused = client.post(url, {"note": "请尽快"}, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    assert reused.status_code == 422
    assert Registration.objects.count() == 1
    assert RegistrationEvent.objects.count() == 1


def test_the_operator_registers_with_recognised_amounts_that_may_differ(
    world, client_for, operator, django_capture_on_commit_callbacks
):
    deal = world.deal(stage=DealStage.NEGOTIATING)
    contract = make_contract(world, document=True, deal_id=deal.pk)
    registration = registration_apply(actor=world.seller_user, contract=contract)
    url = f"/api/v1/registrations/{registration.pk}/decide"
    decision = {
        "decision": "register",
        "registration_number": "45020026000123",
        "recognised_contract_amount": "600000.00",
        "recognised_technology_amount": "450000.00",
        "note": "技术秘密部分按实际认定",
    }
    # Registration decisions are the operator's alone.
    refused = client_for(world.seller_user).post(url, decision, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "operator_only"
    # The refusal comes before the input is read: a non-operator's bad input is still a 403.
    assert client_for(world.seller_user).post(url, {"decision": "?"}, format="json").status_code == 403
    assert client_for(world.outsider).post(url, decision, format="json").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(operator).post(url, decision, format="json")
    assert response.status_code == 200, response.json()
    # The deal follows its contract through the effect recorded with the decision.
    assert Deal.objects.get(pk=deal.pk).stage == DealStage.NEGOTIATING
    run_pending_effects()
    body = response.json()
    assert body["status"] == "registered"
    assert body["registration_number"] == "45020026000123"
    assert body["declared_technology_amount"] == "600000.00"
    assert body["recognised_technology_amount"] == "450000.00"
    assert body["decided_by_id"] == operator.pk
    assert Deal.objects.get(pk=deal.pk).stage == DealStage.REGISTERED
    # The applicant's members are told, with the number.
    notice = Notification.objects.get(kind="contracts.registration_decided")
    assert notice.recipient == world.seller_user
    assert "45020026000123" in notice.body
    # Out of order: an application already decided cannot be decided again.
    again = client_for(operator).post(url, {"decision": "refuse", "refusal_ground": "price_unclear"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "registration_bad_transition"
    # Nor can the same contract be registered a second time.
    assert _apply(client_for(world.seller_user), contract).status_code == 409
    # The contract itself is now frozen.
    frozen = client_for(world.seller_user).patch(
        f"/api/v1/contracts/{contract.pk}", {"title": "改"}, format="json", HTTP_IF_MATCH=f'"{contract.version}"'
    )
    assert frozen.status_code == 409
    events = client_for(world.buyer_user).get(f"/api/v1/registrations/{registration.pk}/events").json()
    assert [(e["kind"], e["technology_amount"]) for e in events] == [("applied", None), ("registered", "450000.00")]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"registration_number": "4502002600012"}, 400, "registration_number"),  # 13 digits
        ({"registration_number": "45020026000１23"}, 400, "registration_number"),  # a full-width digit
        ({"registration_number": "4502002600012345678"}, 400, "registration_number"),
        ({"recognised_contract_amount": "0.00"}, 400, "recognised_contract_amount"),
        ({"recognised_technology_amount": "600000.01"}, 400, "recognised_technology_amount"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_changes(world, client_for, operator, change, status, field):
    contract = make_contract(world, document=True)
    registration = registration_apply(actor=world.seller_user, contract=contract)
    body = {"decision": "register", **change}
    response = client_for(operator).post(f"/api/v1/registrations/{registration.pk}/decide", body, format="json")
    assert response.status_code == status, response.json()
    assert any(e["field"] == field for e in response.json()["errors"])
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.APPLIED
    assert registration.registration_number is None
    assert RegistrationEvent.objects.filter(registration=registration).count() == 1


def test_a_registration_number_is_issued_once(world, client_for, operator):
    first = registration_apply(actor=world.seller_user, contract=make_contract(world, document=True))
    second = registration_apply(actor=world.seller_user, contract=make_contract(world, document=True))
    registration_decide(actor=operator, registration=first, decision="register", registration_number="450200260000001")
    taken = client_for(operator).post(
        f"/api/v1/registrations/{second.pk}/decide",
        {"decision": "register", "registration_number": "450200260000001"},
        format="json",
    )
    assert taken.status_code == 409
    assert taken.json()["code"] == "registration_number_taken"
    # Without a number the market issues one: office code + year + sequence, 16 digits.
    issued = client_for(operator).post(
        f"/api/v1/registrations/{second.pk}/decide", {"decision": "register"}, format="json"
    )
    number = issued.json()["registration_number"]
    assert len(number) == 16 and number.startswith("450200") and number.endswith("000001")
    third = registration_apply(actor=world.seller_user, contract=make_contract(world, document=True))
    registration_decide(actor=operator, registration=third, decision="register")
    third.refresh_from_db()
    assert int(third.registration_number) == int(number) + 1


def test_refusal_needs_a_ground_and_leaves_room_for_a_new_application(world, client_for, operator):
    contract = make_contract(world, document=True)
    registration = registration_apply(actor=world.seller_user, contract=contract)
    url = f"/api/v1/registrations/{registration.pk}/decide"
    no_ground = client_for(operator).post(url, {"decision": "refuse"}, format="json")
    assert no_ground.status_code == 400
    unknown = client_for(operator).post(url, {"decision": "refuse", "refusal_ground": "too_expensive"}, format="json")
    assert unknown.status_code == 400
    refused = client_for(operator).post(
        url,
        {"decision": "refuse", "refusal_ground": "name_seal_mismatch", "note": "合同专用章名称与单位名称不一致"},
        format="json",
    )
    assert refused.status_code == 200
    assert refused.json()["status"] == "refused"
    assert refused.json()["refusal_ground"] == "name_seal_mismatch"
    assert _apply(client_for(world.seller_user), contract).status_code == 201


def test_a_correction_request_restarts_the_clock(world, client_for, operator):
    with time_machine.travel(at("2026-09-18"), tick=False):
        contract = make_contract(world, document=True)
        registration = registration_apply(actor=world.seller_user, contract=contract)
    assert registration.deadline == date(2026, 10, 15)
    with time_machine.travel(at("2026-09-22"), tick=False):
        url = f"/api/v1/registrations/{registration.pk}/decide"
        assert client_for(operator).post(url, {"decision": "request_correction"}, format="json").status_code == 400
        asked = client_for(operator).post(
            url, {"decision": "request_correction", "note": "请补充技术秘密的范围说明"}, format="json"
        )
        assert asked.status_code == 200
        assert asked.json()["status"] == "correction_requested"
        # The contract may be corrected now.
        fixed = client_for(world.seller_user).patch(
            f"/api/v1/contracts/{contract.pk}",
            {"contract_amount": "650000.00"},
            format="json",
            HTTP_IF_MATCH=f'"{contract.version}"',
        )
        assert fixed.status_code == 200, fixed.json()
        # Deciding is not possible until it is resubmitted.
        assert client_for(operator).post(url, {"decision": "register"}, format="json").status_code == 409
    with time_machine.travel(at("2026-10-09"), tick=False):
        resubmit = f"/api/v1/registrations/{registration.pk}/resubmit"
        assert client_for(world.buyer_user).post(resubmit, {}, format="json").status_code == 403
        response = client_for(world.seller_user).post(resubmit, {"note": "已补充"}, format="json")
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["status"] == "applied"
        assert body["clock_started_on"] == "2026-10-09"
        # Sat 10 Oct (make-up) is the first of the 15 working days.
        assert body["deadline"] == "2026-10-29"
        assert body["declared_contract_amount"] == "650000.00"
        assert client_for(world.seller_user).post(resubmit, {}, format="json").status_code == 409
    kinds = list(RegistrationEvent.objects.filter(registration=registration).values_list("kind", flat=True))
    assert kinds == ["applied", "correction", "resubmitted"]


def test_overdue_applications_are_in_the_operators_queue(world, client_for, operator, django_assert_num_queries):
    with time_machine.travel(at("2026-09-18"), tick=False):
        late = registration_apply(actor=world.seller_user, contract=make_contract(world, document=True))
    with time_machine.travel(at("2026-10-14"), tick=False):
        on_time = registration_apply(actor=world.seller_user, contract=make_contract(world, document=True))
    with time_machine.travel(at("2026-10-16"), tick=False):
        client = client_for(operator)
        overdue = client.get("/api/v1/registrations?overdue=true").json()["results"]
        assert [r["id"] for r in overdue] == [late.pk]
        assert overdue[0]["is_overdue"] is True
        not_overdue = client.get("/api/v1/registrations?overdue=false").json()["results"]
        assert [r["id"] for r in not_overdue] == [on_time.pk]
        # The applicant sees their own; an outsider sees none.
        assert len(client_for(world.seller_user).get("/api/v1/registrations").json()["results"]) == 2
        assert client_for(world.outsider).get("/api/v1/registrations").json()["results"] == []
        assert client_for(world.outsider).get(f"/api/v1/registrations/{late.pk}").status_code == 404
        # user + memberships + one page, whatever its length.
        with django_assert_num_queries(3):
            assert len(client.get("/api/v1/registrations").json()["results"]) == 2
        for _ in range(5):
            registration_apply(actor=world.seller_user, contract=make_contract(world, document=True))
        with django_assert_num_queries(3):
            assert len(client.get("/api/v1/registrations").json()["results"]) == 7
        # The morning check tells the operator once about the late one.
        assert registrations_notify_overdue() == 1
        assert registrations_notify_overdue() == 0
        notices = Notification.objects.filter(kind="contracts.registration_overdue")
        assert [n.recipient_id for n in notices] == [operator.pk]
        assert notices.get().target_id == str(late.pk)


def test_a_deadline_into_a_year_without_holidays_is_provisional_until_the_calendar_has_it(
    world, operator, client, celery_eager, django_capture_on_commit_callbacks
):
    with time_machine.travel(at("2026-12-21"), tick=False):
        registration = registration_apply(actor=world.seller_user, contract=make_contract(world, document=True))
    assert registration.deadline == date(2027, 1, 11)
    assert registration.deadline_provisional is True
    # The operator adds New Year's Day 2027 in the admin; pending deadlines are recounted.
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/contracts/workingdayexception/add/",
            {"date": "2027-01-01", "is_working_day": "", "name": "元旦"},
        )
    assert response.status_code == 302, response.content[:500]
    assert WorkingDayException.objects.filter(date=date(2027, 1, 1), is_working_day=False).exists()
    registration.refresh_from_db()
    assert registration.deadline == date(2027, 1, 12)
    assert registration.deadline_provisional is False


def test_changes_terminations_and_annulments_are_events_with_amounts_to_fold(world, client_for, operator):
    with time_machine.travel(at("2026-03-02"), tick=False):
        contract = make_contract(world, document=True, contract_amount=Decimal("800000.00"))
        registration = registration_apply(actor=world.seller_user, contract=contract)
        registration_decide(actor=operator, registration=registration, decision="register")
    url = f"/api/v1/registrations/{registration.pk}/events"
    with time_machine.travel(at("2026-06-01"), tick=False):
        client = client_for(operator)  # a token issued "now", inside the travelled time
        assert (
            client_for(world.seller_user)
            .post(url, {"kind": "annulment", "effective_on": "2026-05-01"}, format="json")
            .status_code
            == 403
        )
        bad = client.post(url, {"kind": "change", "effective_on": "2026-05-01"}, format="json")
        assert bad.status_code == 400  # a change names the new amounts
        early = client.post(
            url, {"kind": "change", "effective_on": "2026-01-01", "contract_amount": "900000.00"}, format="json"
        )
        assert early.status_code == 400  # before the registration
        over = client.post(
            url, {"kind": "change", "effective_on": "2026-05-01", "technology_amount": "900000.00"}, format="json"
        )
        assert over.status_code == 400  # technology above contract
        change = client.post(
            url,
            {
                "kind": "change",
                "effective_on": "2026-05-01",
                "contract_amount": "900000.00",
                "technology_amount": "850000.00",
            },
            format="json",
        )
        assert change.status_code == 201, change.json()
        assert change.json()["contract_amount_delta"] == "100000.00"
        assert change.json()["technology_amount_delta"] == "50000.00"
        end = client.post(
            url,
            {
                "kind": "termination",
                "effective_on": "2026-05-20",
                "contract_amount": "500000.00",
                "technology_amount": "450000.00",
            },
            format="json",
        )
        assert end.status_code == 201
        assert (
            client.post(
                url, {"kind": "change", "effective_on": "2026-05-21", "contract_amount": "1.00"}, format="json"
            ).status_code
            == 409
        )
        annul = client.post(url, {"kind": "annulment", "effective_on": "2026-05-30", "note": "虚假合同"}, format="json")
        assert annul.status_code == 201
        assert client.post(url, {"kind": "annulment", "effective_on": "2026-05-31"}, format="json").status_code == 409
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ANNULLED
    amount_events = RegistrationEvent.objects.filter(registration=registration).exclude(contract_amount=None)
    rows = list(amount_events.values_list("kind", "contract_amount", "technology_amount"))
    assert rows == [
        ("registered", Decimal("800000.00"), Decimal("800000.00")),
        ("change", Decimal("900000.00"), Decimal("850000.00")),
        ("termination", Decimal("500000.00"), Decimal("450000.00")),
        ("annulment", Decimal("0.00"), Decimal("0.00")),
    ]
    # Folding the deltas gives the amounts after the last event, at every step.
    running = Decimal("0")
    for event in amount_events:
        running += event.technology_amount_delta
        assert running == event.technology_amount
    listed = client_for(world.buyer_user).get(url).json()
    assert [e["kind"] for e in listed] == ["applied", "registered", "change", "termination", "annulment"]


def test_idempotent_decision_replays(world, client_for, operator):
    registration = registration_apply(actor=world.seller_user, contract=make_contract(world, document=True))
    client = client_for(operator)
    url = f"/api/v1/registrations/{registration.pk}/decide"
    first = client.post(url, {"decision": "register"}, format="json", HTTP_IDEMPOTENCY_KEY="dec-1")
    replay = client.post(url, {"decision": "register"}, format="json", HTTP_IDEMPOTENCY_KEY="dec-1")
    assert first.status_code == replay.status_code == 200
    assert replay.json()["registration_number"] == first.json()["registration_number"]
    assert RegistrationEvent.objects.filter(registration=registration, kind="registered").count() == 1


def test_the_events_list_has_a_pinned_query_count(world, client_for, operator, django_assert_num_queries):
    registration = registration_apply(actor=world.seller_user, contract=make_contract(world, document=True))
    registration_decide(actor=operator, registration=registration, decision="register")
    client = client_for(world.buyer_user)
    url = f"/api/v1/registrations/{registration.pk}/events"
    # user + memberships + registration + events (actors are ids, not loaded).
    with django_assert_num_queries(4):
        assert len(client.get(url).json()) == 2


def test_calendar_edits_are_kept_in_the_history():
    from apps.contracts.models import WorkingDayExceptionEvent

    before = WorkingDayExceptionEvent.objects.count()
    row = WorkingDayException.objects.get(date=date(2026, 10, 10))
    row.name = "国庆节调休上班（周六）"
    row.save()
    assert WorkingDayExceptionEvent.objects.count() == before + 1
    assert WorkingDayExceptionEvent.objects.latest("pgh_id").name == "国庆节调休上班（周六）"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_applications_register_the_contract_once():
    import threading

    from django.db import connection

    from tests.deals.factories import DealWorld

    world = DealWorld()
    contract = make_contract(world, document=True)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def apply() -> None:
        try:
            barrier.wait(timeout=10)
            registration_apply(actor=world.seller_user, contract=contract)
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(getattr(exc, "code", type(exc).__name__))
        finally:
            connection.close()

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["contract_already_registered", "ok"]
    assert Registration.objects.filter(contract=contract).count() == 1
