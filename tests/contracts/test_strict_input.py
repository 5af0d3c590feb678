"""Strict input on contracts (issue 16): money in ASCII decimal notation, dates within the market's range,
JSON in UTF-8; and the bypass check survives a signing date stored before dates were bounded."""

from __future__ import annotations

import json
from datetime import date

import pytest

from apps.contracts.models import BypassAlert, Contract, Deduction
from apps.contracts.services import contract_check_bypass
from apps.core.effects import run_pending_effects
from apps.core.errors import PROBLEM_CONTENT_TYPE
from apps.core.models import Effect, EffectStatus
from tests.brokers.factories import make_broker, make_introduction
from tests.contracts.factories import contract_payload, make_contract

pytestmark = pytest.mark.django_db

URL = "/api/v1/contracts"


def _nothing_stored() -> None:
    assert Contract.objects.count() == 0
    assert Deduction.objects.count() == 0


def _field_codes(response) -> dict[str, str]:
    return {e["field"]: e["code"] for e in response.json()["errors"]}


@pytest.mark.parametrize("amount", ["１２３", "1e5", "1E5", "0x10", "1_000", "١٢٣", "+100", ".5", "Infinity", True])
def test_money_outside_ascii_decimal_notation_is_refused(world, client_for, amount):
    payload = contract_payload(buyer=world.buyer, seller=world.seller, contract_amount=amount)
    response = client_for(world.seller_user).post(URL, payload, format="json")
    assert response.status_code == 400, response.json()
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert _field_codes(response)["contract_amount"] == "invalid_money"
    _nothing_stored()


@pytest.mark.parametrize("literal", ["1e5", "1E5", "1.5e6", "100000e0"])
def test_a_json_number_written_with_an_exponent_is_refused(world, client_for, literal):
    payload = contract_payload(buyer=world.buyer, seller=world.seller, contract_amount="__AMOUNT__", deductions=[])
    body = json.dumps(payload, ensure_ascii=False).replace('"__AMOUNT__"', literal)
    response = client_for(world.seller_user).post(URL, body.encode(), content_type="application/json")
    assert response.status_code == 400, response.json()
    assert _field_codes(response)["contract_amount"] == "invalid_money"
    _nothing_stored()


def test_a_deduction_amount_in_full_width_digits_is_refused(world, client_for):
    payload = contract_payload(
        buyer=world.buyer, seller=world.seller, deductions=[{"kind": "equipment", "amount": "２００"}]
    )
    response = client_for(world.seller_user).post(URL, payload, format="json")
    assert response.status_code == 400
    assert _field_codes(response)["deductions.0.amount"] == "invalid_money"
    _nothing_stored()


@pytest.mark.parametrize(
    ("amount", "stored"), [("1000000.00", "1000000.00"), (1000000, "1000000.00"), (2500.5, "2500.50")]
)
def test_plain_decimal_strings_and_json_numbers_are_money(world, client_for, amount, stored):
    payload = contract_payload(buyer=world.buyer, seller=world.seller, contract_amount=amount, deductions=[])
    response = client_for(world.seller_user).post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["contract_amount"] == stored


def test_a_payment_amount_with_an_exponent_is_refused(world, client_for):
    contract = make_contract(world)
    response = client_for(world.buyer_user).post(
        f"{URL}/{contract.pk}/payments", {"amount": "5e3", "paid_on": contract.signed_on.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert _field_codes(response)["amount"] == "invalid_money"
    assert not contract.payments.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("signed_on", "0001-01-01"),
        ("signed_on", "1949-09-30"),
        ("valid_until", "2101-01-01"),
        ("valid_until", "9999-12-31"),
    ],
)
def test_dates_outside_the_market_range_are_refused(world, client_for, field, value):
    payload = contract_payload(buyer=world.buyer, seller=world.seller, **{field: value})
    response = client_for(world.seller_user).post(URL, payload, format="json")
    assert response.status_code == 400, response.json()
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert _field_codes(response)[field] == "date_out_of_range"
    _nothing_stored()


def test_the_first_day_of_the_range_is_a_date(world, client_for):
    payload = contract_payload(buyer=world.buyer, seller=world.seller, signed_on="1949-10-01")
    response = client_for(world.seller_user).post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["signed_on"] == "1949-10-01"


@pytest.mark.parametrize("param", ["signed_from", "signed_to"])
def test_a_date_query_parameter_outside_the_range_is_a_400(world, client_for, param):
    make_contract(world)
    response = client_for(world.seller_user).get(URL, {param: "0001-01-01"})
    assert response.status_code == 400
    assert _field_codes(response)[param] == "date_out_of_range"
    assert client_for(world.seller_user).get(URL, {param: "2000-01-01"}).status_code == 200


@pytest.mark.parametrize("charset", ["latin-1", "iso-8859-1", "gbk", "utf-16", "no-such-charset"])
def test_json_declared_in_another_charset_is_415_and_nothing_is_stored(world, client_for, charset):
    payload = contract_payload(buyer=world.buyer, seller=world.seller)
    response = client_for(world.seller_user).post(
        URL, json.dumps(payload, ensure_ascii=False).encode(), content_type=f"application/json; charset={charset}"
    )
    assert response.status_code == 415, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["code"] == "unsupported_media_type"
    _nothing_stored()


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/json; charset=UTF8"]
)
def test_json_in_utf8_is_stored_as_sent(world, client_for, content_type):
    payload = contract_payload(buyer=world.buyer, seller=world.seller, title="齿轮渗碳热处理技术转让合同")
    response = client_for(world.seller_user).post(
        URL, json.dumps(payload, ensure_ascii=False).encode(), content_type=content_type
    )
    assert response.status_code == 201, response.json()
    assert Contract.objects.get().title == "齿轮渗碳热处理技术转让合同"


def test_bytes_that_are_not_utf8_are_a_parse_error(world, client_for):
    body = json.dumps(contract_payload(buyer=world.buyer, seller=world.seller), ensure_ascii=False).encode("gbk")
    response = client_for(world.seller_user).post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    _nothing_stored()


def test_the_bypass_effect_survives_a_signing_date_stored_before_dates_were_bounded(world):
    broker = make_broker()
    introduction = make_introduction(broker, world.buyer, world.seller)
    contract = make_contract(world)  # records the contracts.check_bypass effect
    # A row written before the API bounded dates: the effect raised OverflowError on it.
    Contract.objects.filter(pk=contract.pk).update(signed_on=date(1, 1, 1))
    run_pending_effects()
    effect = Effect.objects.get(name="contracts.check_bypass", kwargs__contract_id=contract.pk)
    assert effect.status == EffectStatus.DONE, effect.last_error
    assert introduction.pk in set(
        BypassAlert.objects.filter(contract=contract).values_list("introduction_id", flat=True)
    )
    Contract.objects.filter(pk=contract.pk).update(signed_on=date(9999, 12, 31))
    assert contract_check_bypass(contract_id=contract.pk) == []  # one alert per introduction, already raised
