"""Broker profiles: registration, verification by the operator, the directory and its filters."""

from __future__ import annotations

import pytest

from apps.brokers.models import Broker, BrokerEvent
from apps.notifications.models import Notification
from tests.brokers.factories import make_broker
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return OrganizationFactory(name="柳州市技术转移服务中心", type="broker_agency", entity_type_id="150")


def _profile(agency, **overrides):
    body = {
        "organization_id": agency.pk,
        "level": "senior",
        "certificate_number": "GX-JSJJ-2026-0001",
        "bio": "十年汽车零部件技术转移经验。",
        "field_codes": ["03", "06"],
        "industry_codes": [],
        "region_codes": ["450200"],
    }
    body.update(overrides)
    return body


def test_register_then_the_operator_verifies(agency, client_for):
    person = member_of(agency)
    operator = operator_user()
    response = client_for(person).post("/api/v1/brokers", _profile(agency))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending"
    assert [f["code"] for f in body["technology_fields"]] == ["03", "06"]
    assert [r["code"] for r in body["regions"]] == ["450200"]
    assert Notification.objects.filter(recipient=operator, kind="broker.verification_requested").exists()
    # Pending: invisible to others, visible to the person and the operator.
    assert client_for(member_of(OrganizationFactory())).get(f"/api/v1/brokers/{body['id']}").status_code == 404
    assert client_for(person).get(f"/api/v1/brokers/{body['id']}").status_code == 200
    # Only the operator decides.
    assert client_for(person).post(f"/api/v1/brokers/{body['id']}/verify", {"approve": True}).status_code == 403
    rejected_without_reason = client_for(operator).post(f"/api/v1/brokers/{body['id']}/verify", {"approve": False})
    assert rejected_without_reason.status_code == 400
    verified = client_for(operator).post(f"/api/v1/brokers/{body['id']}/verify", {"approve": True})
    assert verified.status_code == 200
    assert verified.json()["status"] == "verified"
    again = client_for(operator).post(f"/api/v1/brokers/{body['id']}/verify", {"approve": True})
    assert again.status_code == 409
    broker = Broker.objects.get(pk=body["id"])
    assert broker.verified_by == operator
    assert Notification.objects.filter(recipient=person, kind="broker.verification").exists()
    # Now in the public directory.
    outsider = member_of(OrganizationFactory())
    assert client_for(outsider).get(f"/api/v1/brokers/{body['id']}").status_code == 200


def test_rejection_keeps_the_reason(agency, client_for):
    broker = make_broker(status="pending", agency=agency)
    response = client_for(operator_user()).post(
        f"/api/v1/brokers/{broker.pk}/verify", {"approve": False, "reason": "证书编号无法核实"}
    )
    assert response.status_code == 200
    assert response.json()["rejection_reason"] == "证书编号无法核实"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"level": "guru"}, 400, "validation_error"),
        ({"field_codes": ["99"]}, 400, "broker_unknown_code"),
        ({"region_codes": ["4502"]}, 400, "validation_error"),
        ({"region_codes": ["999999"]}, 400, "broker_unknown_code"),
        ({"organization_id": "other"}, 400, "broker_not_a_member"),
        ({"certificate_number": ""}, 400, "validation_error"),
    ],
)
def test_bad_profiles_are_refused_and_nothing_stored(agency, client_for, change, status, code):
    person = member_of(agency)
    body = _profile(agency, **change)
    if body["organization_id"] == "other":
        body["organization_id"] = OrganizationFactory().pk
    response = client_for(person).post("/api/v1/brokers", body)
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert not Broker.objects.exists()


def test_one_profile_per_person_and_unique_certificates(agency, client_for):
    first = member_of(agency)
    assert client_for(first).post("/api/v1/brokers", _profile(agency)).status_code == 201
    twice = client_for(first).post("/api/v1/brokers", _profile(agency, certificate_number="X-2"))
    assert twice.status_code == 409
    same_cert = client_for(member_of(agency)).post("/api/v1/brokers", _profile(agency))
    assert same_cert.status_code == 409
    assert same_cert.json()["code"] == "broker_duplicate_certificate"
    assert Broker.objects.count() == 1


def test_unverified_agency_cannot_host_brokers(client_for):
    pending = OrganizationFactory(type="broker_agency", verification_status="pending")
    response = client_for(member_of(pending)).post("/api/v1/brokers", _profile(pending))
    assert response.status_code == 409
    assert not Broker.objects.exists()


def test_changing_the_level_sends_a_verified_profile_back_to_review(client_for):
    broker = make_broker()
    client = client_for(broker.user)
    bio = client.patch(f"/api/v1/brokers/{broker.pk}", {"bio": "新简介"})
    assert bio.status_code == 200
    assert bio.json()["status"] == "verified"
    level = client.patch(f"/api/v1/brokers/{broker.pk}", {"level": "senior"})
    assert level.json()["status"] == "pending"
    # Somebody else cannot edit it.
    other = client_for(make_broker().user).patch(f"/api/v1/brokers/{broker.pk}", {"bio": "x"})
    assert other.status_code == 404
    assert BrokerEvent.objects.filter(pgh_obj_id=broker.pk, pgh_label="update").count() == 2


def test_directory_filters(client_for):
    a = make_broker(level="senior", fields=["03"], industries=["automotive"], regions=["450200"])
    b = make_broker(level="junior", fields=["01"], industries=["steel", "automotive"], regions=["450000"])
    c = make_broker(level="intermediate", fields=["03"], regions=["450100"])
    pending = make_broker(status="pending", fields=["03"], regions=["450200"])
    client = client_for(member_of(OrganizationFactory()))

    def ids(**params):
        response = client.get("/api/v1/brokers", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {a.pk, b.pk, c.pk}
    assert ids(field="03") == {a.pk, c.pk}
    assert ids(industry="automotive") == {a.pk, b.pk}
    assert ids(industry="steel", level="junior") == {b.pk}
    assert ids(industry="automotive", verified="true") == {a.pk, b.pk}
    assert ids(level=["senior", "junior"]) == {a.pk, b.pk}
    # Liuzhou is served by the Liuzhou broker and by the one serving all of Guangxi.
    assert ids(region="450202") == {a.pk, b.pk}
    assert ids(region="450000") == {a.pk, b.pk, c.pk}
    assert ids(verified="false") == set()
    assert client_for(operator_user()).get("/api/v1/brokers", {"verified": "false"}).json()["results"][0]["id"] == (
        pending.pk
    )
    assert ids(q=a.certificate_number) == {a.pk}
    assert client.get("/api/v1/brokers", {"region": "4502"}).status_code == 400


def test_directory_query_count_is_constant(client_for, django_assert_num_queries):
    client = client_for(member_of(OrganizationFactory()))
    make_broker(fields=["03"], regions=["450200"])
    # auth user, memberships, page, fields, industries, regions
    with django_assert_num_queries(6):
        client.get("/api/v1/brokers")
    for _ in range(4):
        make_broker(fields=["03", "01"], regions=["450200"])
    with django_assert_num_queries(6):
        response = client.get("/api/v1/brokers")
    assert len(response.json()["results"]) == 5
