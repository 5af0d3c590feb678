"""Foreign IP: application numbers per office, priority claims under the Paris Convention, patent families."""

from __future__ import annotations

from datetime import date

import pytest

from apps.ip.models import IPAsset
from apps.ip.offices import add_months, application_number_problem, epo_check_digit, normalise_application_number
from tests.factories import OrganizationFactory, member_of, operator_user

URL = "/api/v1/ip-assets"


@pytest.mark.parametrize(
    ("office", "typed", "stored"),
    [
        ("CN", "201710601862.3", "201710601862.3"),
        ("WO", "pct/cn2023/123456", "PCT/CN2023/123456"),
        ("EP", "EP13748138.8", "EP13748138.8"),
        ("EP", "EP23123456", "EP23123456"),  # without its check digit
        ("US", "16/123,456", "16123456"),
        ("US", "16123456", "16123456"),
        ("VN", "1-2023-01234", "1-2023-01234"),
        ("TH", "2301001234", "2301001234"),
        ("MY", "PI2023001234", "PI2023001234"),
        ("SG", "10202301234X", "10202301234X"),
        ("ID", "P00202301234", "P00202301234"),
        ("PH", "1-2023-012345", "1-2023-012345"),
        ("KH", "KH/P/2023/00012", "KH/P/2023/00012"),
    ],
)
def test_application_numbers_of_each_office(office, typed, stored):
    assert normalise_application_number(office, typed) == stored
    assert application_number_problem(office, stored) is None


@pytest.mark.parametrize(
    ("office", "number"),
    [
        ("CN", "202010123456.7"),  # check digit should be 2
        ("WO", "PCT/CN23/123456"),  # the two-digit year form before 2004 is not taken
        ("EP", "EP13748138.1"),  # check digit should be 8
        ("EP", "EP1374813"),
        ("US", "16/123456"),
        ("VN", "4-2023-01234"),  # 4 is a trademark application
        ("MY", "PI23001234"),
        ("ID", "P002023012"),
        ("PH", "1-2023-01234"),
        ("MM", "?"),
    ],
)
def test_numbers_in_the_wrong_form_are_refused(office, number):
    assert application_number_problem(office, number)


def test_the_epo_check_digit_and_month_arithmetic():
    # The EPO's own worked example (OPS support): 99403122 → 7.
    assert epo_check_digit("99403122") == "7"
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2023, 3, 1), 12) == date(2024, 3, 1)


@pytest.fixture
def vietnamese(db):
    org = OrganizationFactory(
        name="Hanoi Heat Treatment Technology JSC",
        country_id="704",
        credit_code="",
        region_id=None,
        registration_id="0109998883",
        entity_type_id="300",
    )
    return org, member_of(org)


def _asset(**overrides):
    data = {
        "kind": "invention",
        "title": "Gear carburizing deformation control",
        "office": "VN",
        "application_number": "1-2023-01234",
        "filing_date": "2023-03-01",
        "family_id": "GEAR-2023",
        "ipc_main": "C21D 9/32",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_foreign_family_with_priority_claims(client_for, vietnamese):
    _org, user = vietnamese
    client = client_for(user)
    first = client.post(URL, _asset(), format="json")
    assert first.status_code == 201, first.json()
    assert (first.json()["office"], first.json()["application_number"]) == ("VN", "1-2023-01234")
    pct = _asset(
        office="WO",
        application_number="PCT/VN2024/000123",
        filing_date="2024-02-28",
        priority_claims=[{"office": "VN", "number": "1-2023-01234", "date": "2023-03-01"}],
    )
    second = client.post(URL, pct, format="json")
    assert second.status_code == 201, second.json()
    assert second.json()["priority_claims"] == [{"office": "VN", "number": "1-2023-01234", "date": "2023-03-01"}]
    # The Chinese national phase: a CNIPA number of the PCT type (8), same family.
    cn = _asset(office="CN", application_number="202480012345.8", filing_date="2024-02-28", ipc_main="")
    cn["application_number"] = "20248001234" + "5." + _cn_check("202480012345")
    assert client.post(URL, cn, format="json").status_code == 201
    family = client.get(URL, {"family_id": "GEAR-2023"}).json()["results"]
    assert {row["office"] for row in family} == {"VN", "WO", "CN"}
    assert [row["office"] for row in client.get(URL, {"office": "WO"}).json()["results"]] == ["WO"]
    # The same number may exist at two offices, not twice at one.
    again = client.post(URL, _asset(title="again"), format="json")
    assert again.status_code == 409 and again.json()["code"] == "duplicate_application_number"
    # Another organisation sees none of it.
    outsider = member_of(OrganizationFactory(name="南宁无关科技有限公司"))
    assert client_for(outsider).get(URL, {"family_id": "GEAR-2023"}).json()["results"] == []
    assert client_for(outsider).get(f"{URL}/{second.json()['id']}").status_code == 404
    assert client_for(operator_user()).get(URL, {"family_id": "GEAR-2023"}).status_code == 200


def _cn_check(digits: str) -> str:
    from apps.core.validators import patent_check_character

    return patent_check_character(digits)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        # 12 months and a day after the priority date: too late for an invention.
        ({"filing_date": "2024-03-02"}, "12 months"),
        ({"kind": "design", "ipc_main": "", "filing_date": "2023-09-02"}, "6 months"),
        ({"filing_date": "2023-02-01"}, "after the filing date"),
        ({"filing_date": None}, "filing date"),
        ({"claim_number": "1-23-01234"}, "1-2023-01234"),
    ],
)
def test_priority_claims_that_cannot_stand_are_refused(client_for, vietnamese, overrides, fragment):
    _org, user = vietnamese
    claim = {"office": "VN", "number": overrides.pop("claim_number", "1-2023-01234"), "date": "2023-03-01"}
    data = _asset(office="MY", application_number="PI2024001234", filing_date="2024-03-01", priority_claims=[claim])
    data.update(overrides)
    response = client_for(user).post(URL, data, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid_priority_claim"
    assert fragment in response.json()["errors"][0]["message"]
    assert not IPAsset.objects.exists()


@pytest.mark.django_db
def test_a_wrong_office_number_is_a_400_and_cnipa_rules_stay_for_cnipa(client_for, vietnamese):
    _org, user = vietnamese
    bad = client_for(user).post(URL, _asset(application_number="201710601862.3"), format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_ip_identifier"
    cn = client_for(user).post(URL, _asset(office="CN", application_number="1-2023-01234"), format="json")
    assert cn.status_code == 400 and cn.json()["code"] == "invalid_ip_identifier"
    assert not IPAsset.objects.exists()
