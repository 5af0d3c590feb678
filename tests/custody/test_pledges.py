"""Pledges: every holder pledges, the pledgee and amounts recorded; a pledged patent is not for transfer."""

from __future__ import annotations

import pytest

from apps.custody.models import Pledge
from apps.ip.models import IPCoOwner
from apps.listings.models import ListingStatus
from apps.organizations.models import Organization
from tests.custody.factories import make_agreement, make_patent
from tests.factories import OrganizationFactory, operator_user
from tests.listings.factories import make_achievement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("custody_today")]

URL = "/api/v1/custody/pledges"


def _bank(name="中国工商银行柳州分行"):
    """The pledgee: a verified organisation (any type plays the bank here)."""
    return Organization.objects.filter(name=name).first() or OrganizationFactory(name=name)


@pytest.fixture
def co_owned(world):
    patent = make_patent(world.owner)
    partner = OrganizationFactory(name="广西科技大学")
    IPCoOwner.objects.create(asset=patent, organization=partner, position=0)
    IPCoOwner.objects.create(asset=patent, person_name="张伟", position=1)
    return patent, partner


def _pledge(patent, partner, world, **overrides):
    data = {
        "asset_id": patent.pk,
        "pledgors": [{"organization_id": world.owner.pk}, {"organization_id": partner.pk}, {"name": "张伟"}],
        "pledgee_organization_id": _bank().pk,
        "secured_amount": "5000000.00",
        "term_start": "2026-10-01",
        "term_end": "2029-09-30",
        "registration_date": "2026-10-15",
        "registration_number": "Y2026450000123",
    }
    data.update(overrides)
    return data


def test_owner_records_a_pledge_with_every_holder(client_for, world, co_owned):
    patent, partner = co_owned
    response = client_for(world.owner_member).post(URL, _pledge(patent, partner, world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["secured_amount"], body["pledgee_name"]) == (
        "active",
        "5000000.00",
        "中国工商银行柳州分行",
    )
    assert body["pledgee_organization"] == {"id": _bank().pk, "name": "中国工商银行柳州分行"}
    assert len(body["pledgors"]) == 3
    assert patent.legal_events.filter(kind="pledged").exists()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"pledgors": [{"organization_id": "OWNER"}]}, 400, "pledgors_incomplete"),
        (
            {"pledgors": [{"organization_id": "OWNER"}, {"organization_id": "PARTNER"}, {"name": "李四"}]},
            400,
            "pledgors_incomplete",
        ),
        ({"secured_amount": "0.00"}, 400, "validation_error"),
        ({"secured_amount": "-5.00"}, 400, "validation_error"),
        ({"term_end": "2026-09-30"}, 400, "invalid_period"),
        ({"registration_date": "2027-01-01"}, 400, "date_in_future"),
        ({"pledgee_organization_id": None}, 400, "validation_error"),
        ({"pledgee_organization_id": 999999}, 400, "invalid_pledgee"),
    ],
)
def test_bad_pledges_store_nothing(client_for, world, co_owned, change, status, code):
    patent, partner = co_owned
    data = _pledge(patent, partner, world, **change)
    for p in data["pledgors"]:
        if p.get("organization_id") == "OWNER":
            p["organization_id"] = world.owner.pk
        if p.get("organization_id") == "PARTNER":
            p["organization_id"] = partner.pk
    response = client_for(world.owner_member).post(URL, data, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert not Pledge.objects.exists()


def test_one_active_pledge_and_one_registration_number(client_for, world, co_owned):
    patent, partner = co_owned
    client = client_for(world.owner_member)
    assert client.post(URL, _pledge(patent, partner, world), format="json").status_code == 201
    again = client.post(URL, _pledge(patent, partner, world, registration_number="Y2"), format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_pledged")
    other = make_patent(world.owner)
    dup = client.post(
        URL, {**_pledge(other, partner, world), "pledgors": [{"organization_id": world.owner.pk}]}, format="json"
    )
    assert (dup.status_code, dup.json()["code"]) == (409, "duplicate_pledge_registration")
    assert Pledge.objects.count() == 1


def test_custodian_may_record_and_strangers_cannot(client_for, world, co_owned):
    patent, partner = co_owned
    stranger = client_for(world.stranger).post(URL, _pledge(patent, partner, world), format="json")
    assert stranger.status_code == 404
    # Before custody the agency does not know the asset; in active custody it keeps its record.
    assert client_for(world.agency_member).post(URL, _pledge(patent, partner, world), format="json").status_code == 404
    make_agreement(world, [patent])
    response = client_for(world.agency_member).post(URL, _pledge(patent, partner, world), format="json")
    assert response.status_code == 201, response.json()
    pledge_id = response.json()["id"]
    assert client_for(world.stranger).get(f"{URL}/{pledge_id}").status_code == 404
    assert (
        client_for(world.stranger)
        .post(f"{URL}/{pledge_id}/release", {"released_on": "2026-11-30"}, format="json")
        .status_code
        == 404
    )
    assert client_for(world.owner_member).get(f"{URL}/{pledge_id}").status_code == 200


def test_release_and_operator_totals(client_for, world, co_owned):
    patent, partner = co_owned
    client = client_for(world.owner_member)
    pledge_id = client.post(URL, _pledge(patent, partner, world), format="json").json()["id"]
    second = make_patent(world.owner)
    client.post(
        URL,
        {
            **_pledge(second, partner, world),
            "pledgors": [{"organization_id": world.owner.pk}],
            "registration_number": "Y2026450000124",
            "secured_amount": "1000000.00",
            "registration_date": "2026-11-02",
        },
        format="json",
    )
    bad = client.post(f"{URL}/{pledge_id}/release", {"released_on": "2026-10-01"}, format="json")
    assert bad.status_code == 400
    released = client.post(f"{URL}/{pledge_id}/release", {"released_on": "2026-11-30"}, format="json")
    assert released.status_code == 200
    assert released.json()["status"] == "released"
    assert client.post(f"{URL}/{pledge_id}/release", {"released_on": "2026-11-30"}, format="json").status_code == 409

    refused = client.get(f"{URL}/totals")
    assert (refused.status_code, refused.json()["code"]) == (403, "operator_only")
    totals = client_for(operator_user()).get(f"{URL}/totals").json()
    assert (totals["active_count"], totals["active_amount"], totals["released_count"]) == (1, "1000000.00", 1)
    assert (totals["total_count"], totals["total_amount"]) == (2, "6000000.00")
    assert totals["by_month"] == [
        {"month": "2026-10", "count": 1, "amount": "5000000.00"},
        {"month": "2026-11", "count": 1, "amount": "1000000.00"},
    ]


@pytest.mark.parametrize("count", [1, 5])
def test_list_query_count(client_for, django_assert_num_queries, world, count):
    client = client_for(world.owner_member)
    for n in range(count):
        patent = make_patent(world.owner)
        client.post(
            URL,
            {
                "asset_id": patent.pk,
                "pledgors": [{"organization_id": world.owner.pk}],
                "pledgee_organization_id": _bank("柳州银行").pk,
                "secured_amount": "100000.00",
                "term_start": "2026-10-01",
                "term_end": "2027-09-30",
                "registration_date": "2026-10-15",
                "registration_number": f"Y{n}",
            },
            format="json",
        )
    with django_assert_num_queries(3):
        response = client.get(URL, {"status": "active"})
    assert len(response.json()["results"]) == count


class TestPledgedPatentNotForTransfer:
    def _pledge(self, client_for, world, patent):
        response = client_for(world.owner_member).post(
            URL,
            {
                "asset_id": patent.pk,
                "pledgors": [{"organization_id": world.owner.pk}],
                "pledgee_organization_id": _bank("柳州银行").pk,
                "secured_amount": "100000.00",
                "term_start": "2026-10-01",
                "term_end": "2027-09-30",
                "registration_date": "2026-10-15",
                "registration_number": "Y-T-1",
            },
            format="json",
        )
        assert response.status_code == 201
        return response.json()["id"]

    def test_submit_of_a_transfer_offer_is_refused_licence_passes(self, client_for, world):
        patent = make_patent(world.owner)
        self._pledge(client_for, world, patent)
        offer = make_achievement(world.owner, status=ListingStatus.DRAFT, cooperation_modes=["transfer", "licence"])
        offer.ip_assets.add(patent)
        client = client_for(world.owner_member)
        refused = client.post(f"/api/v1/achievements/{offer.pk}/submit")
        assert refused.status_code == 409
        assert refused.json()["code"] == "pledged_asset_not_transferable"
        assert refused.json()["pledged_ip_asset_ids"] == [patent.pk]
        offer.refresh_from_db()
        assert offer.status == ListingStatus.DRAFT
        licence = make_achievement(world.owner, status=ListingStatus.DRAFT, cooperation_modes=["licence"])
        licence.ip_assets.add(patent)
        assert client.post(f"/api/v1/achievements/{licence.pk}/submit").status_code == 200

    def test_publish_is_refused_when_pledged_after_submit(self, client_for, world):
        patent = make_patent(world.owner)
        offer = make_achievement(world.owner, status=ListingStatus.DRAFT, cooperation_modes=["transfer"])
        offer.ip_assets.add(patent)
        assert client_for(world.owner_member).post(f"/api/v1/achievements/{offer.pk}/submit").status_code == 200
        pledge_id = self._pledge(client_for, world, patent)
        operator = client_for(operator_user())
        refused = operator.post(f"/api/v1/achievements/{offer.pk}/review", {"approve": True}, format="json")
        assert (refused.status_code, refused.json()["code"]) == (409, "pledged_asset_not_transferable")
        client_for(world.owner_member).post(f"{URL}/{pledge_id}/release", {"released_on": "2026-11-30"}, format="json")
        assert (
            operator.post(f"/api/v1/achievements/{offer.pk}/review", {"approve": True}, format="json").status_code
            == 200
        )
