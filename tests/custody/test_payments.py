"""Annuity payments: checked against the schedule; underpayment flagged, lapse without restoration refused."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from apps.custody.models import AgreementEvent, Payment
from tests.custody.factories import custody_row, make_agreement, make_patent
from tests.factories import operator_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("custody_today")]


@pytest.fixture
def held(world):
    patent = make_patent(world.owner)
    make_agreement(world, [patent])
    return custody_row(patent)


def _url(row) -> str:
    return f"/api/v1/custody/assets/{row.pk}/payments"


def _pay(**overrides):
    data = {"year": 8, "amount": "2000.00", "paid_on": "2026-12-01", "receipt_number": "45000000000001"}
    data.update(overrides)
    return data


def test_an_on_time_payment_settles_the_year(client_for, world, held):
    response = client_for(world.agency_member).post(_url(held), _pay(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["code"], body["underpaid"], body["amount_owed"], body["late_fee"]) == (
        "on_time",
        False,
        "2000.00",
        "0.00",
    )
    held.refresh_from_db()
    assert (held.paid_through_year, held.next_year, held.next_due_date) == (8, 9, date(2028, 3, 2))
    listed = client_for(world.owner_member).get(_url(held)).json()["results"]
    assert [p["receipt_number"] for p in listed] == ["45000000000001"]


def test_an_underpayment_is_kept_flagged_and_the_year_stays_due(client_for, world, held):
    response = client_for(world.owner_member).post(_url(held), _pay(amount="1500.00"), format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["underpaid"], body["shortfall"], body["code"]) == (True, "500.00", "underpaid")
    held.refresh_from_db()
    assert (held.paid_through_year, held.next_year) == (7, 8)


def test_a_top_up_settles_an_underpaid_year(client_for, world, held):
    client = client_for(world.agency_member)
    client.post(_url(held), _pay(amount="1500.00", receipt_number="A"), format="json")
    top_up = client.post(_url(held), _pay(amount="500.00", receipt_number="B"), format="json")
    assert top_up.status_code == 201
    assert (top_up.json()["underpaid"], top_up.json()["code"]) == (False, "on_time")
    held.refresh_from_db()
    assert held.next_year == 9


def test_a_late_payment_must_carry_the_late_fee(client_for, world, held):
    with time_machine.travel("2027-04-10T10:00:00+08:00", tick=False):
        client = client_for(world.agency_member)
        short = client.post(_url(held), _pay(paid_on="2027-04-10"), format="json")
        assert (short.json()["underpaid"], short.json()["shortfall"]) == (True, "100.00")
        # The top-up of the missing late fee settles the year.
        paid = client.post(_url(held), _pay(paid_on="2027-04-10", amount="100.00", receipt_number="2"), format="json")
        assert (paid.json()["code"], paid.json()["late_fee"]) == ("late", "100.00")
    held.refresh_from_db()
    assert held.next_year == 9


def test_after_lapse_only_a_restoration_is_accepted(client_for, world, held):
    with time_machine.travel("2027-10-10T10:00:00+08:00", tick=False):
        client = client_for(world.agency_member)
        refused = client.post(_url(held), _pay(paid_on="2027-10-10", amount="3500.00"), format="json")
        assert refused.status_code == 409
        assert refused.json()["code"] == "lapsed_without_restoration"
        assert not Payment.objects.exists()
        restored = client.post(
            _url(held), _pay(paid_on="2027-10-10", amount="3500.00", restoration=True), format="json"
        )
        assert restored.status_code == 201, restored.json()
        assert (restored.json()["code"], restored.json()["restoration"], restored.json()["amount_owed"]) == (
            "restored",
            True,
            "3500.00",  # 2000 + 25% late fee 500 + restoration 1000
        )
    # The note is written in the request's language (zh-hans by default).
    assert held.asset.legal_events.filter(note__contains="恢复权利请求").exists()


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"amount": "-1.00"}, 400, "validation_error"),
        ({"amount": "0"}, 400, "validation_error"),
        ({"amount": "abc"}, 400, "validation_error"),
        ({"paid_on": "2026-12-02"}, 400, "date_in_future"),
        ({"year": 9}, 409, "wrong_annuity_year"),
        ({"year": 7}, 409, "wrong_annuity_year"),
        ({"receipt_number": ""}, 400, "validation_error"),
    ],
)
def test_bad_payments_store_nothing(client_for, world, held, overrides, status, code):
    response = client_for(world.agency_member).post(_url(held), _pay(**overrides), format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert not Payment.objects.exists()


def test_a_receipt_is_recorded_once(client_for, world, held):
    client = client_for(world.agency_member)
    assert client.post(_url(held), _pay(amount="1000.00"), format="json").status_code == 201
    again = client.post(_url(held), _pay(amount="1000.00"), format="json")
    assert (again.status_code, again.json()["code"]) == (409, "duplicate_receipt")
    assert Payment.objects.count() == 1


def test_idempotency_key_replays_instead_of_paying_twice(client_for, world, held):
    client = client_for(world.agency_member)
    first = client.post(_url(held), _pay(), format="json", HTTP_IDEMPOTENCY_KEY="pay-8")
    replay = client.post(_url(held), _pay(), format="json", HTTP_IDEMPOTENCY_KEY="pay-8")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1


def test_strangers_get_404_and_the_operator_cannot_pay(client_for, world, held):
    assert client_for(world.stranger).post(_url(held), _pay(), format="json").status_code == 404
    assert client_for(world.stranger).get(_url(held)).status_code == 404
    operator = client_for(operator_user())
    assert operator.get(_url(held)).status_code == 200
    assert operator.post(_url(held), _pay(), format="json").status_code == 403
    assert not Payment.objects.exists()


def test_payments_of_an_ended_custody_are_refused(client_for, world, held):
    from apps.custody.services import agreement_end

    agreement_end(actor=world.owner_member, agreement=held.agreement)
    response = client_for(world.owner_member).post(_url(held), _pay(), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "custody_not_active")


@pytest.mark.parametrize("count", [1, 6])
def test_payment_list_query_count(client_for, django_assert_num_queries, world, held, count):
    client = client_for(world.agency_member)
    for n in range(count):
        client.post(_url(held), _pay(amount="10.00", receipt_number=f"R{n}"), format="json")
    with django_assert_num_queries(4):  # user, memberships, the custody asset (parties joined), one page
        response = client.get(_url(held))
    assert len(response.json()["results"]) == count


def test_fee_reduction_can_be_changed_and_the_fee_follows(client_for, world, held):
    response = client_for(world.owner_member).patch(
        f"/api/v1/custody/assets/{held.pk}", {"reduction_share": "0.70", "reduction_years": 10}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["next_fee"] == "600.00"
    bad = client_for(world.owner_member).patch(
        f"/api/v1/custody/assets/{held.pk}", {"reduction_share": "0.70", "reduction_years": None}, format="json"
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_fee_reduction")
    assert client_for(world.stranger).patch(f"/api/v1/custody/assets/{held.pk}", {}, format="json").status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_reminder_list_query_count(client_for, django_assert_num_queries, world, count):
    from apps.custody.services import annuity_reminders_send

    patents = [make_patent(world.owner) for _ in range(count)]
    make_agreement(world, patents)
    for day in (date(2026, 12, 2), date(2027, 1, 31), date(2027, 2, 23)):
        annuity_reminders_send(today=day)
    row = custody_row(patents[0])
    client = client_for(world.owner_member)
    with django_assert_num_queries(4):
        response = client.get(f"/api/v1/custody/assets/{row.pk}/reminders")
    assert [r["kind"] for r in response.json()["results"]] == ["before_7", "before_30", "before_90"]


# --- the paid-through year: moved by payments, corrected only by the custodian with a reason ----------


def _asset_url(row) -> str:
    return f"/api/v1/custody/assets/{row.pk}"


def test_the_owner_cannot_set_the_paid_through_year(client_for, world, held):
    before = (held.paid_through_year, held.next_year, held.next_due_date, held.next_reminder_on)
    response = client_for(world.owner_member).patch(
        _asset_url(held), {"paid_through_year": 20, "reason": "都交了"}, format="json"
    )
    assert response.status_code == 403, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_custodian_member"
    held.refresh_from_db()
    assert (held.paid_through_year, held.next_year, held.next_due_date, held.next_reminder_on) == before
    assert not AgreementEvent.objects.filter(kind="paid_through").exists()
    # Sending the year it already has changes nothing and is no correction.
    same = client_for(world.owner_member).patch(_asset_url(held), {"paid_through_year": 7}, format="json")
    assert same.status_code == 200 and same.json()["paid_through_year"] == 7
    assert not AgreementEvent.objects.filter(kind="paid_through").exists()


def test_the_custodian_corrects_it_only_with_a_reason_and_both_parties_read_the_record(client_for, world, held):
    custodian = client_for(world.agency_member)
    refused = custodian.patch(_asset_url(held), {"paid_through_year": 9}, format="json")
    assert refused.status_code == 400, refused.json()
    assert refused.json()["code"] == "paid_through_reason_required"
    assert [e["field"] for e in refused.json()["errors"]] == ["reason"]
    held.refresh_from_db()
    assert (held.paid_through_year, held.next_year) == (7, 8)
    assert not AgreementEvent.objects.filter(kind="paid_through").exists()

    response = custodian.patch(
        _asset_url(held),
        {"paid_through_year": 9, "reason": "第8、9年年费已由权利人自行缴纳（收据已核）"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["paid_through_year"], response.json()["next_year"]) == (9, 10)
    for member in (world.owner_member, world.agency_member):
        events = client_for(member).get(f"/api/v1/custody/agreements/{held.agreement_id}/events").json()["results"]
        corrected = [e for e in events if e["kind"] == "paid_through"]
        assert [
            (e["asset_id"], e["paid_through_before"], e["paid_through_after"], e["note"], e["actor_id"])
            for e in corrected
        ] == [(held.asset_id, 7, 9, "第8、9年年费已由权利人自行缴纳（收据已核）", world.agency_member.pk)]


def test_a_recorded_payment_still_advances_the_year_for_either_party(client_for, world, held):
    response = client_for(world.owner_member).post(_url(held), _pay(), format="json")
    assert response.status_code == 201, response.json()
    held.refresh_from_db()
    assert (held.paid_through_year, held.next_year) == (8, 9)
