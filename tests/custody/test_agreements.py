"""Custody agreements over HTTP: propose, start, renew, end; who sees what; every refusal stores nothing."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from apps.core.effects import run_pending_effects
from apps.core.errors import ApplicationError
from apps.custody.models import AgreementEvent, CustodyAgreement, CustodyAsset
from apps.custody.services import agreement_start
from tests.custody.factories import custody_row, make_agreement, make_patent, make_world
from tests.factories import OrganizationFactory, operator_user
from tests.ip.factories import IPAssetFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("custody_today")]

URL = "/api/v1/custody/agreements"


def _payload(world, assets_, **overrides):
    data = {
        "owner_id": world.owner.pk,
        "custodian_id": world.agency.pk,
        "start_date": "2026-11-01",
        "end_date": "2029-10-31",
        "service_level": "pay_annuities",
        "fee": "3000.00",
        "assets": [{"asset_id": a.pk} for a in assets_],
    }
    data.update(overrides)
    return data


class TestCreateAndStart:
    def test_owner_proposes_agency_starts(self, client_for, world):
        patent = make_patent(world.owner)
        response = client_for(world.owner_member).post(URL, _payload(world, [patent]), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["status"], body["asset_count"], body["fee"]) == ("draft", 1, "3000.00")
        assert body["custodian"] == {"id": world.agency.pk, "name": "柳州市知识产权服务中心"}
        row = CustodyAsset.objects.get()
        assert row.active is False
        # Year 7 fell due before the start: taken as paid; year 8 is next.
        assert (row.paid_through_year, row.next_year, row.next_due_date) == (7, 8, date(2027, 3, 2))

        # The owner cannot start its own proposal; the agency does.
        assert client_for(world.owner_member).post(f"{URL}/{body['id']}/start").status_code == 403
        started = client_for(world.agency_member).post(f"{URL}/{body['id']}/start")
        assert started.status_code == 200, started.json()
        assert started.json()["status"] == "active"
        row.refresh_from_db()
        assert row.active is True
        assert world.owner_member.notifications.filter(kind="custody_started").count() == 1

    def test_the_owner_declares_unpaid_years_never_paid_ones(self, client_for, world):
        patent = make_patent(world.owner)
        for claimed in (8, 20):  # year 7 fell due before the start; 8 and later are not paid by saying so
            response = client_for(world.owner_member).post(
                URL, _payload(world, [patent], assets=[{"asset_id": patent.pk, "paid_through_year": claimed}]),
                format="json",
            )  # fmt: skip
            assert response.status_code == 400, response.json()
            assert response.json()["code"] == "invalid_paid_through_year"
            assert "paid_through_year" in response.json()["errors"][0]["message"]
        assert not CustodyAgreement.objects.exists() and not CustodyAsset.objects.exists()
        # Declaring arrears is fine: year 7 still unpaid makes year 7 the next one.
        response = client_for(world.owner_member).post(
            URL, _payload(world, [patent], assets=[{"asset_id": patent.pk, "paid_through_year": 6}]), format="json"
        )
        assert response.status_code == 201, response.json()
        assert (CustodyAsset.objects.get().paid_through_year, CustodyAsset.objects.get().next_year) == (6, 7)

    def test_fee_reduction_is_applied_to_the_schedule(self, client_for, world):
        patent = make_patent(world.owner, grant_date=date(2022, 6, 7))
        entry = {"asset_id": patent.pk, "reduction_share": "0.85", "reduction_years": 10}
        response = client_for(world.owner_member).post(URL, _payload(world, [], assets=[entry]), format="json")
        assert response.status_code == 201, response.json()
        row = CustodyAsset.objects.get()
        assert (row.next_fee, row.next_full_fee, row.next_reduced) == (300, 2000, True)

    @pytest.mark.parametrize(("applicants", "fee"), [(1, 300), (3, 600)])
    def test_standard_reduction_by_number_of_applicants(self, client_for, world, applicants, fee):
        patent = make_patent(world.owner)
        entry = {"asset_id": patent.pk, "reduction_applicants": applicants}
        response = client_for(world.owner_member).post(URL, _payload(world, [], assets=[entry]), format="json")
        assert response.status_code == 201, response.json()
        row = CustodyAsset.objects.get()
        # Reduced for the grant year (3) and nine more: year 8 is still reduced.
        assert (row.next_fee, row.reduction_years) == (fee, 10)

    def test_non_patents_are_held_without_annuities(self, client_for, world):
        software = IPAssetFactory(owner=world.owner, software=True)
        response = client_for(world.owner_member).post(URL, _payload(world, [software]), format="json")
        assert response.status_code == 201
        assert CustodyAsset.objects.get().next_year is None

    @pytest.mark.parametrize(
        ("overrides", "status", "code"),
        [
            ({"fee": "-1.00"}, 400, "validation_error"),
            ({"end_date": "2026-10-31"}, 400, "invalid_period"),
            ({"service_level": "everything"}, 400, "validation_error"),
            ({"assets": []}, 400, "validation_error"),
            ({"assets": [{"asset_id": 99999999}]}, 400, "unknown_ip_asset"),
            ({"assets": [{"asset_id": 1, "reduction_share": "1.5", "reduction_years": 3}]}, 400, "validation_error"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_stored(self, client_for, world, overrides, status, code):
        patent = make_patent(world.owner)
        response = client_for(world.owner_member).post(URL, _payload(world, [patent], **overrides), format="json")
        assert response.status_code == status, response.json()
        assert response.json()["code"] == code
        assert not CustodyAgreement.objects.exists()

    def test_custodian_must_be_a_verified_ip_agency(self, client_for, world):
        patent = make_patent(world.owner)
        for custodian in (OrganizationFactory(), OrganizationFactory(type="ip_agency", verification_status="pending")):
            response = client_for(world.owner_member).post(
                URL, _payload(world, [patent], custodian_id=custodian.pk), format="json"
            )
            assert response.status_code == 400
            assert response.json()["code"] == "invalid_custodian"
        assert not CustodyAgreement.objects.exists()

    def test_reduction_needs_share_and_years(self, client_for, world):
        patent = make_patent(world.owner)
        entry = {"asset_id": patent.pk, "reduction_share": "0.85"}
        response = client_for(world.owner_member).post(URL, _payload(world, [], assets=[entry]), format="json")
        assert (response.status_code, response.json()["code"]) == (400, "invalid_fee_reduction")
        assert not CustodyAgreement.objects.exists()

    def test_another_organisations_asset_or_owner_is_refused(self, client_for, world):
        foreign = make_patent(OrganizationFactory())
        response = client_for(world.owner_member).post(URL, _payload(world, [foreign]), format="json")
        assert (response.status_code, response.json()["code"]) == (400, "unknown_ip_asset")
        other = OrganizationFactory()
        mine = make_patent(world.owner)
        response = client_for(world.owner_member).post(URL, _payload(world, [mine], owner_id=other.pk), format="json")
        assert response.status_code == 403
        assert not CustodyAgreement.objects.exists()

    def test_an_asset_in_active_custody_cannot_be_entrusted_again(self, client_for, world):
        patent = make_patent(world.owner)
        make_agreement(world, [patent])
        response = client_for(world.owner_member).post(URL, _payload(world, [patent]), format="json")
        assert response.status_code == 409
        assert (response.json()["code"], response.json()["asset_ids"]) == ("asset_in_active_custody", [patent.pk])
        assert CustodyAgreement.objects.count() == 1

    def test_two_drafts_over_one_asset_only_one_starts(self, client_for, world):
        patent = make_patent(world.owner)
        first = make_agreement(world, [patent], start=False)
        second = make_agreement(world, [patent], start=False)
        assert client_for(world.agency_member).post(f"{URL}/{first.pk}/start").status_code == 200
        response = client_for(world.agency_member).post(f"{URL}/{second.pk}/start")
        assert (response.status_code, response.json()["code"]) == (409, "asset_in_active_custody")
        second.refresh_from_db()
        assert second.status == "draft"
        assert CustodyAsset.objects.filter(asset=patent, active=True).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_starts_over_one_asset_leave_one_active_custody():
    world = make_world()
    patent = make_patent(world.owner)
    agreements = [make_agreement(world, [patent], start=False) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def start(agreement: CustodyAgreement) -> None:
        try:
            barrier.wait()
            agreement_start(actor=world.agency_member, agreement=agreement)
            outcomes.append("started")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=start, args=(a,)) for a in agreements]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["asset_in_active_custody", "started"]
    assert CustodyAsset.objects.filter(asset=patent, active=True).count() == 1
    assert CustodyAgreement.objects.filter(status="active").count() == 1


class TestRenewAndEnd:
    def test_renew_extends_and_keeps_history(self, client_for, world):
        agreement = make_agreement(world, [make_patent(world.owner)])
        response = client_for(world.owner_member).post(
            f"{URL}/{agreement.pk}/renew", {"end_date": "2032-10-31", "fee": "3600.00"}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert (response.json()["end_date"], response.json()["fee"]) == ("2032-10-31", "3600.00")
        events = client_for(world.agency_member).get(f"{URL}/{agreement.pk}/events").json()["results"]
        assert [e["kind"] for e in events] == ["created", "started", "renewed"]
        assert (events[2]["end_date_before"], events[2]["end_date_after"]) == ("2029-10-31", "2032-10-31")

    def test_renew_must_extend(self, client_for, world):
        agreement = make_agreement(world, [make_patent(world.owner)])
        response = client_for(world.owner_member).post(
            f"{URL}/{agreement.pk}/renew", {"end_date": "2029-10-31"}, format="json"
        )
        assert (response.status_code, response.json()["code"]) == (400, "invalid_period")
        assert not AgreementEvent.objects.filter(kind="renewed").exists()

    def test_end_releases_the_assets(self, client_for, world):
        patent = make_patent(world.owner)
        agreement = make_agreement(world, [patent])
        response = client_for(world.agency_member).post(
            f"{URL}/{agreement.pk}/end", {"note": "客户解约"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["status"] == "ended"
        assert not CustodyAsset.objects.filter(asset=patent, active=True).exists()
        # Ended is final; the asset may go to a new custody.
        again = client_for(world.agency_member).post(f"{URL}/{agreement.pk}/end")
        assert (again.status_code, again.json()["code"]) == (409, "bad_transition")
        make_agreement(world, [patent])
        assert custody_row(patent).agreement_id != agreement.pk


class TestAccess:
    def test_parties_and_operator_see_others_get_404(self, client_for, world):
        agreement = make_agreement(world, [make_patent(world.owner)])
        for user in (world.owner_member, world.agency_member, operator_user()):
            assert client_for(user).get(f"{URL}/{agreement.pk}").status_code == 200
        stranger = client_for(world.stranger)
        for path in ("", "/events", "/assets"):
            assert stranger.get(f"{URL}/{agreement.pk}{path}").status_code == 404
        for action in ("start", "renew", "end"):
            assert (
                stranger.post(f"{URL}/{agreement.pk}/{action}", {"end_date": "2035-01-01"}, format="json").status_code
                == 404
            )
        assert stranger.get(URL).json()["results"] == []
        agreement.refresh_from_db()
        assert (agreement.status, agreement.end_date) == ("active", date(2029, 10, 31))

    def test_operator_reads_but_cannot_act(self, client_for, world):
        agreement = make_agreement(world, [make_patent(world.owner)])
        response = client_for(operator_user()).post(f"{URL}/{agreement.pk}/end")
        assert (response.status_code, response.json()["code"]) == (403, "not_custody_party")

    @pytest.mark.parametrize("count", [1, 8])
    def test_list_query_count_is_constant(self, client_for, django_assert_num_queries, world, count):
        for _ in range(count):
            make_agreement(world, [make_patent(world.owner)], start=False)
        client = client_for(world.agency_member)
        with django_assert_num_queries(3):  # user, memberships, one page (parties joined, assets counted)
            response = client.get(URL, {"role": "custodian"})
        assert len(response.json()["results"]) == count

    @pytest.mark.parametrize(("params", "field"), [({"role": "broker"}, "role"), ({"status": "paused"}, "status")])
    def test_bad_list_filters_are_a_400(self, client_for, world, params, field):
        response = client_for(world.owner_member).get(URL, params)
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == field

    @pytest.mark.parametrize("count", [1, 8])
    def test_asset_list_query_count_is_constant(self, client_for, django_assert_num_queries, world, count):
        agreement = make_agreement(world, [make_patent(world.owner) for _ in range(count)])
        client = client_for(world.owner_member)
        with django_assert_num_queries(4):  # user, memberships, the agreement, one page of assets
            response = client.get(f"{URL}/{agreement.pk}/assets")
        assert len(response.json()["results"]) == count


def test_agreements_past_their_period_end_once(world):
    from apps.custody.services import agreements_expire
    from apps.custody.tasks import expire_agreements

    patent = make_patent(world.owner)
    agreement = make_agreement(world, [patent], start_date=date(2025, 1, 1), end_date=date(2026, 12, 5))
    assert expire_agreements.name == "custody.expire_agreements"
    assert agreements_expire(today=date(2026, 12, 5)) == 0
    assert agreements_expire(today=date(2026, 12, 6)) == 1
    assert agreements_expire(today=date(2026, 12, 6)) == 0
    agreement.refresh_from_db()
    assert agreement.status == "ended"
    assert not CustodyAsset.objects.filter(asset=patent, active=True).exists()
    assert list(agreement.events.values_list("kind", flat=True)) == ["created", "started", "ended"]


def test_granting_a_pending_patent_in_custody_starts_its_annuities(client_for, world):
    pending = IPAssetFactory(owner=world.owner, filing_date=date(2020, 3, 2))
    make_agreement(world, [pending])
    assert custody_row(pending).next_year is None
    response = client_for(world.owner_member).post(
        f"/api/v1/ip-assets/{pending.pk}/legal-events", {"occurred_on": "2022-06-07", "kind": "granted"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert custody_row(pending).next_year is None  # custody follows through the effect custody.refresh_asset
    run_pending_effects()
    row = custody_row(pending)
    # Granted in year 3 (paid with the registration); years due before today are taken as paid, as on entrusting.
    assert (row.paid_through_year, row.next_year, row.next_due_date) == (7, 8, date(2027, 3, 2))


def test_admin_lists_and_searches_in_chinese(client, world):
    from tests.factories import UserFactory

    make_agreement(world, [make_patent(world.owner)])
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for path in ("custodyagreement", "custodyasset", "payment", "reminder", "pledge"):
        assert client.get(f"/admin/custody/{path}/", {"q": "五菱"}).status_code == 200
    page = client.get("/admin/custody/custodyagreement/", {"q": "五菱"}).content.decode()
    assert "柳州五菱汽车工业有限公司" in page
    assert "柳州五菱" not in client.get("/admin/custody/custodyagreement/", {"q": "不存在的机构"}).content.decode()
