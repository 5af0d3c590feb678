"""The operator's admin for brokers and introductions."""

from __future__ import annotations

import pytest

from apps.brokers.models import Broker
from tests.brokers.factories import make_broker, make_introduction
from tests.factories import OrganizationFactory, UserFactory, operator_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    user = operator_user(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_broker_changelist_searches_chinese_names(operator_client):
    make_broker(name="覃海洋")
    make_broker(name="韦丽华")
    response = operator_client.get("/admin/brokers/broker/", {"q": "海洋"})
    assert response.status_code == 200
    assert "覃海洋" in response.content.decode()
    assert "韦丽华" not in response.content.decode()


def test_verify_action_runs_the_service(operator_client):
    pending = make_broker(status="pending")
    response = operator_client.post(
        "/admin/brokers/broker/", {"action": "verify_selected", "_selected_action": [pending.pk]}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "verified"
    assert pending.verified_by is not None


def test_introductions_are_read_only_in_the_admin(operator_client):
    intro = make_introduction(make_broker(), OrganizationFactory(name="柳工机械"), OrganizationFactory())
    listing = operator_client.get("/admin/brokers/introduction/", {"q": "柳工"})
    assert listing.status_code == 200
    assert "柳工机械" in listing.content.decode()
    page = operator_client.get(f"/admin/brokers/introduction/{intro.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert operator_client.post(f"/admin/brokers/introduction/{intro.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_plain_staff_user_without_permissions_sees_nothing(client):
    client.force_login(UserFactory(is_staff=True))
    make_broker()
    assert client.get("/admin/brokers/broker/").status_code == 403
    assert Broker.objects.count() == 1
