"""Co-owners and the legal status history of IP assets (extensions used by custody and pledges)."""

from __future__ import annotations

from datetime import date

import pytest

from apps.ip.models import IPAsset, IPCoOwner, IPLegalEvent
from apps.organizations.models import MembershipRole
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.ip.factories import IPAssetFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/ip-assets"


@pytest.fixture
def org():
    return OrganizationFactory(name="柳州工学院")


@pytest.fixture
def member(org):
    return member_of(org)


def _invention(**overrides):
    data = {"kind": "invention", "title": "一种螺蛳粉汤料的制备方法", "application_number": "201710601862.3"}
    data.update(overrides)
    return data


class TestCoOwners:
    def test_recorded_with_the_asset_and_shown(self, client_for, org, member):
        partner = OrganizationFactory(name="广西科技大学")
        data = _invention(co_owners=[{"organization_id": partner.pk}, {"name": "张伟"}])
        response = client_for(member).post(URL, data, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["co_owners"] == [
            {"organization_id": partner.pk, "name": "广西科技大学"},
            {"organization_id": None, "name": "张伟"},
        ]
        asset_id = response.json()["id"]
        # An update replaces the list.
        changed = client_for(member).patch(f"{URL}/{asset_id}", {"co_owners": [{"name": "李娜"}]}, format="json")
        assert changed.json()["co_owners"] == [{"organization_id": None, "name": "李娜"}]
        assert IPCoOwner.objects.count() == 1

    def test_a_plain_member_adds_co_owners_but_only_an_admin_removes_one(self, client_for, org, member):
        plain = member_of(org, role=MembershipRole.MEMBER)
        partner = OrganizationFactory(name="广西科技大学")
        asset = IPAssetFactory(owner=org)
        IPCoOwner.objects.create(asset=asset, organization=partner, position=0)
        client = client_for(plain)
        # Adding one beside the recorded co-owner is an edit.
        both = [{"organization_id": partner.pk}, {"name": "张伟"}]
        added = client.patch(f"{URL}/{asset.pk}", {"co_owners": both}, format="json")
        assert added.status_code == 200, added.json()
        assert [c["name"] for c in added.json()["co_owners"]] == ["广西科技大学", "张伟"]
        # Dropping the partner is refused, and nothing of the request is stored.
        refused = client.patch(f"{URL}/{asset.pk}", {"title": "改名", "co_owners": [{"name": "张伟"}]}, format="json")
        assert refused.status_code == 403
        assert refused.json()["code"] == "owner_admin_required"
        asset.refresh_from_db()
        assert asset.title != "改名"
        assert set(IPCoOwner.objects.filter(asset=asset).values_list("organization_id", "person_name")) == {
            (partner.pk, ""),
            (None, "张伟"),
        }
        # The organisation's admin removes it.
        removed = client_for(member).patch(f"{URL}/{asset.pk}", {"co_owners": [{"name": "张伟"}]}, format="json")
        assert removed.status_code == 200
        assert removed.json()["co_owners"] == [{"organization_id": None, "name": "张伟"}]

    @pytest.mark.parametrize(
        "entries",
        [
            [{"name": "张伟"}, {"name": "张伟"}],
            [{"organization_id": 99999999}],
            [{}],
            [{"organization_id": "OWN"}],
        ],
    )
    def test_bad_co_owners_store_nothing(self, client_for, org, member, entries):
        entries = [{"organization_id": org.pk} if e.get("organization_id") == "OWN" else e for e in entries]
        response = client_for(member).post(URL, _invention(co_owners=entries), format="json")
        assert response.status_code == 400, response.json()
        assert response.json()["code"] == "invalid_co_owner"
        assert not IPAsset.objects.exists()

    @pytest.mark.parametrize("rows", [1, 10])
    def test_list_query_count_stays_with_co_owners(self, client_for, django_assert_num_queries, org, member, rows):
        for asset in IPAssetFactory.create_batch(rows, owner=org):
            IPCoOwner.objects.create(asset=asset, person_name="张伟")
        client = client_for(member)
        with django_assert_num_queries(3):
            response = client.get(URL)
        assert all(a["co_owners"] == [{"organization_id": None, "name": "张伟"}] for a in response.json()["results"])


class TestLegalHistory:
    def test_creation_starts_the_history(self, client_for, member):
        data = _invention(filing_date="2017-07-26", grant_date="2021-03-02", legal_status="granted")
        asset_id = client_for(member).post(URL, data, format="json").json()["id"]
        events = client_for(member).get(f"{URL}/{asset_id}/legal-events").json()["results"]
        assert [(e["occurred_on"], e["kind"]) for e in events] == [("2017-07-26", "filed"), ("2021-03-02", "granted")]

    def test_an_event_moves_the_status_when_it_is_the_latest(self, client_for, org, member):
        asset = IPAssetFactory(owner=org, filing_date=date(2020, 3, 2))
        client = client_for(member)
        granted = client.post(
            f"{URL}/{asset.pk}/legal-events", {"occurred_on": "2022-06-07", "kind": "granted"}, format="json"
        )
        assert granted.status_code == 201, granted.json()
        asset.refresh_from_db()
        assert (asset.legal_status, asset.grant_date) == ("granted", date(2022, 6, 7))
        client.post(f"{URL}/{asset.pk}/legal-events", {"occurred_on": "2025-09-03", "kind": "lapsed"}, format="json")
        # A late entry of an older event is history only.
        client.post(f"{URL}/{asset.pk}/legal-events", {"occurred_on": "2023-01-01", "kind": "restored"}, format="json")
        asset.refresh_from_db()
        assert asset.legal_status == "lapsed"
        kinds = [e["kind"] for e in client.get(f"{URL}/{asset.pk}/legal-events").json()["results"]]
        assert kinds == ["granted", "restored", "lapsed"]

    @pytest.mark.parametrize("day", ["2019-01-01", "2099-01-01"])
    def test_dates_outside_the_assets_life_are_refused(self, client_for, org, member, day):
        asset = IPAssetFactory(owner=org, filing_date=date(2020, 3, 2))
        response = client_for(member).post(
            f"{URL}/{asset.pk}/legal-events", {"occurred_on": day, "kind": "granted"}, format="json"
        )
        assert (response.status_code, response.json()["code"]) == (400, "invalid_event_date")
        assert not IPLegalEvent.objects.exists()

    def test_a_status_change_by_edit_is_recorded(self, client_for, org, member):
        asset = IPAssetFactory(owner=org)
        client_for(member).patch(
            f"{URL}/{asset.pk}",
            {"legal_status": "granted", "grant_date": "2022-06-07", "patent_number": f"ZL{asset.application_number}"},
            format="json",
        )
        assert list(asset.legal_events.values_list("kind", "occurred_on")) == [("granted", date(2022, 6, 7))]

    def test_strangers_get_404_operator_reads(self, client_for, org, member):
        asset = IPAssetFactory(owner=org)
        stranger = client_for(member_of(OrganizationFactory()))
        assert stranger.get(f"{URL}/{asset.pk}/legal-events").status_code == 404
        assert (
            stranger.post(
                f"{URL}/{asset.pk}/legal-events", {"occurred_on": "2022-06-07", "kind": "granted"}, format="json"
            ).status_code
            == 404
        )
        operator = client_for(operator_user())
        assert operator.get(f"{URL}/{asset.pk}/legal-events").status_code == 200
        assert (
            operator.post(
                f"{URL}/{asset.pk}/legal-events", {"occurred_on": "2022-06-07", "kind": "granted"}, format="json"
            ).status_code
            == 403
        )
        assert not IPLegalEvent.objects.exists()

    @pytest.mark.parametrize("rows", [1, 6])
    def test_history_query_count(self, client_for, django_assert_num_queries, org, member, rows):
        asset = IPAssetFactory(owner=org)
        IPLegalEvent.objects.bulk_create(
            IPLegalEvent(asset=asset, occurred_on=date(2021, 1, n + 1), kind="other") for n in range(rows)
        )
        client = client_for(member)
        with django_assert_num_queries(4):  # user, memberships, the asset, one page
            assert len(client.get(f"{URL}/{asset.pk}/legal-events").json()["results"]) == rows


def test_an_asset_in_custody_cannot_be_deleted(client_for, org, member):
    from tests.custody.factories import World, make_agreement, make_patent

    agency = OrganizationFactory(type="ip_agency")
    world = World(owner=org, owner_member=member, agency=agency, agency_member=member_of(agency), stranger=member)
    patent = make_patent(org)
    make_agreement(world, [patent])
    response = client_for(member).delete(f"{URL}/{patent.pk}")
    assert (response.status_code, response.json()["code"]) == (409, "ip_asset_linked")
    # The agency holding it sees the asset and may record its history.
    agency_client = client_for(world.agency_member)
    assert agency_client.get(f"{URL}/{patent.pk}").status_code == 200
    recorded = agency_client.post(
        f"{URL}/{patent.pk}/legal-events",
        {"occurred_on": "2026-01-05", "kind": "other", "note": "著录项目变更"},
        format="json",
    )
    assert recorded.status_code == 201
