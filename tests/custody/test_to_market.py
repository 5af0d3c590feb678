"""From custody to market: one action makes a prefilled draft achievement for the owner."""

from __future__ import annotations

import pytest

from apps.listings.models import Achievement
from tests.custody.factories import custody_row, make_agreement, make_patent
from tests.factories import operator_user
from tests.listings.factories import make_achievement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("custody_today")]


@pytest.fixture
def held(world):
    patent = make_patent(world.owner, title="一种螺蛳粉汤料的制备方法", ipc_main="A23L 27/10")
    make_agreement(world, [patent])
    return custody_row(patent)


def _url(row) -> str:
    return f"/api/v1/custody/assets/{row.pk}/to-market"


def test_owner_gets_a_prefilled_draft(client_for, world, held):
    response = client_for(world.owner_member).post(_url(held), {"technology_field": "09", "trl": 7}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["cooperation_modes"]) == ("draft", ["transfer", "licence"])
    achievement = Achievement.objects.get(pk=response.json()["id"])
    assert achievement.title == "一种螺蛳粉汤料的制备方法"
    assert achievement.owner_id == world.owner.pk
    assert list(achievement.ip_assets.all()) == [held.asset]
    assert held.asset.patent_number in achievement.summary and "A23L 27/10" in achievement.summary
    assert (achievement.technology_field_id, achievement.trl) == ("09", 7)


def test_field_and_level_come_from_an_earlier_achievement(client_for, world, held):
    earlier = make_achievement(world.owner, technology_field="04", trl=5, title="早先的成果")
    earlier.ip_assets.add(held.asset)
    response = client_for(world.owner_member).post(_url(held), {}, format="json")
    assert response.status_code == 201, response.json()
    created = Achievement.objects.get(pk=response.json()["id"])
    assert (created.technology_field_id, created.trl) == ("04", 5)


def test_without_a_known_field_it_asks(client_for, world, held):
    response = client_for(world.owner_member).post(_url(held), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "field_required")
    assert {e["field"] for e in response.json()["errors"]} == {"technology_field", "trl"}
    assert not Achievement.objects.exists()


def test_a_pledged_asset_is_offered_for_licence_only(client_for, world, held):
    from apps.custody.models import Pledge

    Pledge.objects.create(
        asset=held.asset,
        pledgors=[{"organization_id": world.owner.pk, "name": ""}],
        pledgee_name="柳州银行",
        secured_amount=100000,
        term_start="2026-01-01",
        term_end="2027-01-01",
        registration_date="2026-01-05",
        registration_number="Y-1",
    )
    response = client_for(world.owner_member).post(_url(held), {"technology_field": "09", "trl": 6}, format="json")
    assert response.json()["cooperation_modes"] == ["licence"]


def test_only_the_owner(client_for, world, held):
    data = {"technology_field": "09", "trl": 6}
    custodian = client_for(world.agency_member).post(_url(held), data, format="json")
    assert (custodian.status_code, custodian.json()["code"]) == (403, "not_owner_member")
    assert client_for(world.stranger).post(_url(held), data, format="json").status_code == 404
    assert client_for(operator_user()).post(_url(held), data, format="json").status_code == 403
    bad = client_for(world.owner_member).post(_url(held), {"technology_field": "99", "trl": 6}, format="json")
    assert bad.status_code == 400
    assert not Achievement.objects.exists()
