"""IP assets over HTTP: recording, correcting and deleting; who sees what; every refusal stores nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.ip.models import IPAsset
from apps.listings.models import ListingStatus
from apps.organizations.models import MembershipRole
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, member_of, operator_user
from tests.ip.factories import IPAssetFactory, make_application_number
from tests.listings.factories import make_achievement

pytestmark = pytest.mark.django_db

URL = "/api/v1/ip-assets"
TODAY = timezone.localdate


@pytest.fixture
def org():
    return OrganizationFactory(name="柳州工学院")


@pytest.fixture
def member(org):
    return member_of(org, role=MembershipRole.MEMBER)


@pytest.fixture
def admin(org):
    return member_of(org, role=MembershipRole.ADMIN)


@pytest.fixture
def operator():
    return operator_user()


def invention(**overrides):
    data = {"kind": "invention", "title": "一种螺蛳粉汤料的制备方法", "application_number": "201710601862.3"}
    data.update(overrides)
    return data


def _detail(asset_id: int) -> str:
    return f"{URL}/{asset_id}"


# --- create ------------------------------------------------------------------------------------


class TestCreate:
    def test_minimal_invention_application(self, client_for, org, member):
        response = client_for(member).post(URL, invention(), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["owner"] == {"id": org.pk, "name": "柳州工学院"}
        assert (body["kind"], body["application_number"], body["legal_status"]) == (
            "invention",
            "201710601862.3",
            "pending",
        )
        assert body["achievement_count"] == 0
        asset = IPAsset.objects.get()
        assert (asset.owner, asset.created_by) == (org, member)

    def test_granted_patent_with_every_number_is_stored_normalised(self, client_for, member):
        data = invention(
            patent_number="ZL201710601862.3",
            publication_number="CN107345678B",
            ipc_main="a23l27/10",
            ipc_codes=["A23L 27/10", "a23l 23/00", "Ａ２３Ｌ　２３／００", "A23L 5/10"],
            filing_date="2017-07-26",
            grant_date="2021-03-02",
            legal_status="granted",
        )
        response = client_for(member).post(URL, data, format="json")
        assert response.status_code == 201, response.json()
        asset = IPAsset.objects.get()
        assert asset.ipc_main == "A23L 27/10"
        # The main symbol is not repeated; duplicates (however typed) are dropped; order is kept.
        assert asset.ipc_codes == ["A23L 23/00", "A23L 5/10"]
        assert (asset.patent_number, asset.publication_number) == ("ZL201710601862.3", "CN107345678B")
        assert (asset.filing_date, asset.grant_date) == (date(2017, 7, 26), date(2021, 3, 2))
        assert response.json()["ipc_codes"] == ["A23L 23/00", "A23L 5/10"]

    @pytest.mark.parametrize(
        ("kind", "number"),
        [
            ("invention", "97101765.4"),  # before 2003
            ("invention", make_application_number(1, type_digit="8")),  # PCT national phase
            ("utility_model", make_application_number(2, type_digit="2")),
            ("utility_model", make_application_number(3, type_digit="9")),
            ("design", make_application_number(4, type_digit="3")),
            ("invention", "201910123417.X"),  # X check
        ],
    )
    def test_every_patent_kind_takes_its_type_digits(self, client_for, member, kind, number):
        response = client_for(member).post(URL, invention(kind=kind, application_number=number), format="json")
        assert response.status_code == 201, response.json()
        assert IPAsset.objects.get().application_number == number

    def test_software_copyright_with_registration_number(self, client_for, member):
        data = {
            "kind": "software_copyright",
            "title": "柳州智能网联汽车远程诊断平台V2.0",
            "registration_number": "2019SR1234567",
            "grant_date": "2019-11-20",
            "legal_status": "granted",
        }
        response = client_for(member).post(URL, data, format="json")
        assert response.status_code == 201, response.json()
        assert IPAsset.objects.get().registration_number == "2019SR1234567"

    def test_other_rights_take_a_free_registration_number(self, client_for, member):
        data = {"kind": "plant_variety", "title": "桂柳1号甘蔗", "registration_number": "CNA20191234.5"}
        response = client_for(member).post(URL, data, format="json")
        assert response.status_code == 201, response.json()

    def test_grant_today_is_not_in_the_future(self, client_for, member):
        data = invention(
            filing_date=str(TODAY() - timedelta(days=400)), grant_date=str(TODAY()), legal_status="granted"
        )
        assert client_for(member).post(URL, data, format="json").status_code == 201

    def test_owner_is_named_when_the_user_has_several_organisations(self, client_for, org, member):
        second = OrganizationFactory()
        MembershipFactory(user=member, organization=second)
        client = client_for(member)
        refused = client.post(URL, invention(), format="json")
        assert refused.status_code == 400
        assert refused.json()["code"] == "owner_required"
        assert refused.json()["errors"][0]["field"] == "owner_id"
        assert not IPAsset.objects.exists()
        created = client.post(URL, invention(owner_id=second.pk), format="json")
        assert created.status_code == 201
        assert created.json()["owner"]["id"] == second.pk

    def test_the_operator_organisation_is_not_a_default_owner(self, client_for, org, member):
        # A member of the operator and of one organisation lists for that one without saying so.
        operator_org = OrganizationFactory(type="market_operator", entity_type_id="024")
        MembershipFactory(user=member, organization=operator_org)
        response = client_for(member).post(URL, invention(), format="json")
        assert response.status_code == 201
        assert response.json()["owner"]["id"] == org.pk

    def test_cannot_record_for_an_organisation_one_does_not_belong_to(self, client_for, member):
        other = OrganizationFactory()
        response = client_for(member).post(URL, invention(owner_id=other.pk), format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "not_owner_member"
        assert not IPAsset.objects.exists()

    def test_a_user_without_organisation_cannot_record(self, client_for):
        response = client_for(UserFactory()).post(URL, invention(), format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "owner_required"

    def test_anonymous_is_401(self, api_client):
        assert api_client.post(URL, invention(), format="json").status_code == 401
        assert api_client.get(URL).status_code == 401
        assert not IPAsset.objects.exists()

    def test_the_same_application_number_twice_is_a_409(self, client_for, member):
        IPAssetFactory(application_number="201710601862.3")  # another organisation's record
        response = client_for(member).post(URL, invention(), format="json")
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "duplicate_application_number"
        assert body["errors"][0]["field"] == "application_number"
        assert IPAsset.objects.count() == 1


FUTURE = str(timezone.localdate() + timedelta(days=1))

BAD_INPUT = [
    # (overrides, status, code, fields)
    ({"kind": None}, 400, "validation_error", ["kind"]),
    ({"kind": "trademark"}, 400, "validation_error", ["kind"]),
    ({"title": ""}, 400, "validation_error", ["title"]),
    ({"title": "长" * 301}, 400, "validation_error", ["title"]),
    ({"filing_date": "2017/07/26"}, 400, "validation_error", ["filing_date"]),
    ({"legal_status": "sold"}, 400, "validation_error", ["legal_status"]),
    ({"ipc_codes": ["A61K 31/495"] * 31}, 400, "validation_error", ["ipc_codes"]),
    ({"ipc_codes": "A61K 31/495"}, 400, "validation_error", ["ipc_codes"]),
    ({"application_number": "2" * 33}, 400, "validation_error", ["application_number"]),
    # identifiers in a wrong format (every bad one is reported at once)
    ({"application_number": "201710601862.4"}, 400, "invalid_ip_identifier", ["application_number"]),
    ({"application_number": "2017106018623"}, 400, "invalid_ip_identifier", ["application_number"]),
    ({"application_number": "202010123456.7"}, 400, "invalid_ip_identifier", ["application_number"]),
    ({"application_number": "200210601862.7"}, 400, "invalid_ip_identifier", ["application_number"]),
    ({"patent_number": "201710601862.3"}, 400, "invalid_ip_identifier", ["patent_number"]),
    ({"patent_number": "ZL201710601862.4"}, 400, "invalid_ip_identifier", ["patent_number"]),
    ({"publication_number": "CN102822194"}, 400, "invalid_ip_identifier", ["publication_number"]),
    ({"publication_number": "US9876543B2"}, 400, "invalid_ip_identifier", ["publication_number"]),
    ({"publication_number": "cn102822194b"}, 400, "invalid_ip_identifier", ["publication_number"]),
    ({"ipc_main": "I61K 31/495"}, 400, "invalid_ip_identifier", ["ipc_main"]),
    ({"ipc_main": "A61K 31"}, 400, "invalid_ip_identifier", ["ipc_main"]),
    ({"ipc_codes": ["A61K 31/495", "A00K 1/00"]}, 400, "invalid_ip_identifier", ["ipc_codes"]),
    (
        {"application_number": "201710601862.4", "ipc_main": "Z01K 1/00", "publication_number": "CN1B"},
        400,
        "invalid_ip_identifier",
        ["application_number", "publication_number", "ipc_main"],
    ),
    # numbers that do not fit the kind
    ({"application_number": ""}, 400, "ip_identifier_required", ["application_number"]),
    ({"application_number": make_application_number(5, type_digit="2")}, 400, "patent_kind_mismatch", None),
    ({"kind": "utility_model"}, 400, "patent_kind_mismatch", ["application_number", "kind"]),
    (
        {"kind": "design", "application_number": make_application_number(6, type_digit="8")},
        400,
        "patent_kind_mismatch",
        None,
    ),
    ({"patent_number": f"ZL{make_application_number(7)}"}, 400, "patent_number_mismatch", ["patent_number"]),
    (
        {"kind": "software_copyright", "application_number": "", "registration_number": ""},
        400,
        "ip_identifier_required",
        ["registration_number"],
    ),
    (
        {"kind": "software_copyright", "application_number": "", "registration_number": "2019-SR-1234567"},
        400,
        "invalid_ip_identifier",
        ["registration_number"],
    ),
    (
        {"kind": "software_copyright", "registration_number": "2019SR1234567"},
        400,
        "patent_field_on_non_patent",
        ["application_number"],
    ),
    (
        {"kind": "other", "application_number": "", "ipc_main": "A61K 31/495"},
        400,
        "patent_field_on_non_patent",
        ["ipc_main"],
    ),
    # dates and status
    ({"filing_date": FUTURE}, 400, "date_in_future", ["filing_date"]),
    ({"grant_date": FUTURE, "legal_status": "granted"}, 400, "date_in_future", ["grant_date"]),
    (
        {"filing_date": "2017-07-26", "grant_date": "2017-07-25", "legal_status": "granted"},
        400,
        "grant_before_filing",
        ["grant_date"],
    ),
    ({"legal_status": "granted"}, 400, "grant_date_required", ["grant_date"]),
    ({"grant_date": "2020-01-01"}, 400, "grant_date_unexpected", ["grant_date"]),
    ({"grant_date": "2020-01-01", "legal_status": "rejected"}, 400, "grant_date_unexpected", ["grant_date"]),
]


@pytest.mark.parametrize(("overrides", "status", "code", "fields"), BAD_INPUT)
def test_bad_input_is_refused_and_nothing_is_stored(client_for, member, overrides, status, code, fields):
    data = {k: v for k, v in invention(**overrides).items() if v is not None}
    response = client_for(member).post(URL, data, format="json")
    assert response.status_code == status, response.json()
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    if fields is not None:
        assert sorted(e["field"] for e in body["errors"]) == sorted(fields), body["errors"]
    assert all(e["message"] for e in body["errors"])
    assert not IPAsset.objects.exists()


def test_granted_lapsed_rights_may_keep_their_grant_date(client_for, member):
    for status in ("lapsed", "expired", "invalidated"):
        number = make_application_number()
        data = invention(application_number=number, grant_date="2020-01-01", legal_status=status)
        assert client_for(member).post(URL, data, format="json").status_code == 201, status


# --- list --------------------------------------------------------------------------------------


class TestList:
    def test_members_see_their_organisations_assets_the_operator_sees_all(self, client_for, org, member, operator):
        mine = IPAssetFactory(owner=org)
        theirs = IPAssetFactory()
        assert [a["id"] for a in client_for(member).get(URL).json()["results"]] == [mine.pk]
        assert {a["id"] for a in client_for(operator).get(URL).json()["results"]} == {mine.pk, theirs.pk}
        assert client_for(member_of(OrganizationFactory())).get(URL).json()["results"] == []
        assert client_for(UserFactory()).get(URL).json()["results"] == []

    def test_filters(self, client_for, org, member):
        patent = IPAssetFactory(
            owner=org, title="一种螺蛳粉汤料的制备方法", application_number="201710601862.3", granted=True
        )
        pending = IPAssetFactory(owner=org, title="汽车变速箱齿轮热处理工艺", publication_number="CN102822194A")
        software = IPAssetFactory(owner=org, software=True, registration_number="2019SR1234567")
        client = client_for(member)

        def ids(**params):
            response = client.get(URL, params)
            assert response.status_code == 200, response.json()
            return {a["id"] for a in response.json()["results"]}

        assert ids(kind="invention") == {patent.pk, pending.pk}
        assert ids(kind=["software_copyright", "design"]) == {software.pk}
        assert ids(legal_status="granted") == {patent.pk, software.pk}
        assert ids(legal_status="granted", kind="invention") == {patent.pk}
        assert ids(owner=org.pk) == {patent.pk, pending.pk, software.pk}
        assert ids(owner=OrganizationFactory().pk) == set()
        assert ids(q="螺蛳粉") == {patent.pk}
        assert ids(q="201710601862") == {patent.pk}
        assert ids(q="zl2017106") == {patent.pk}
        assert ids(q="cn102822194") == {pending.pk}
        assert ids(q="2019sr12") == {software.pk}
        assert ids(q="  ") == {patent.pk, pending.pk, software.pk}

    @pytest.mark.parametrize(
        ("params", "field"),
        [({"kind": "trademark"}, "kind"), ({"legal_status": "sold"}, "legal_status"), ({"owner": "abc"}, "owner")],
    )
    def test_bad_filters_are_a_400(self, client_for, member, params, field):
        response = client_for(member).get(URL, params)
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == field

    def test_counts_the_achievements_resting_on_each_asset(self, client_for, org, member):
        asset = IPAssetFactory(owner=org)
        for _ in range(2):
            make_achievement(org, status=ListingStatus.DRAFT).ip_assets.add(asset)
        assert client_for(member).get(URL).json()["results"][0]["achievement_count"] == 2
        assert client_for(member).get(_detail(asset.pk)).json()["achievement_count"] == 2

    @pytest.mark.parametrize("rows", [1, 25])
    def test_list_query_count_is_constant(self, client_for, django_assert_num_queries, org, member, rows):
        for asset in IPAssetFactory.create_batch(rows, owner=org):
            make_achievement(org, status=ListingStatus.DRAFT).ip_assets.add(asset)
        client = client_for(member)
        # user, memberships, one page of assets (owner joined, achievements counted)
        with django_assert_num_queries(3):
            response = client.get(URL, {"page_size": 20, "q": "检测", "kind": "invention"})
        assert len(response.json()["results"]) == min(rows, 20)

    def test_cursor_pages_through_everything_once(self, client_for, org, member):
        created = {a.pk for a in IPAssetFactory.create_batch(7, owner=org)}
        client = client_for(member)
        seen: list[int] = []
        url = f"{URL}?page_size=3"
        while url:
            page = client.get(url).json()
            seen += [a["id"] for a in page["results"]]
            url = page["next"]
        assert sorted(seen) == sorted(created)
        assert seen == sorted(seen, reverse=True)


# --- detail, update, delete --------------------------------------------------------------------


class TestDetail:
    def test_visible_to_owner_members_and_operator_only(self, client_for, org, member, operator):
        asset = IPAssetFactory(owner=org)
        assert client_for(member).get(_detail(asset.pk)).status_code == 200
        assert client_for(operator).get(_detail(asset.pk)).status_code == 200
        stranger = client_for(member_of(OrganizationFactory()))
        response = stranger.get(_detail(asset.pk))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert client_for(member).get(_detail(asset.pk + 1000)).status_code == 404

    def test_detail_query_count(self, client_for, django_assert_num_queries, org, member):
        asset = IPAssetFactory(owner=org)
        client = client_for(member)
        with django_assert_num_queries(3):  # user, memberships, the asset (owner joined, achievements counted)
            assert client.get(_detail(asset.pk)).status_code == 200

    def test_member_records_the_grant(self, client_for, org, member):
        asset = IPAssetFactory(owner=org, application_number="201710601862.3")
        response = client_for(member).patch(
            _detail(asset.pk),
            {"legal_status": "granted", "grant_date": "2021-03-02", "patent_number": "ZL201710601862.3"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["legal_status"] == "granted"
        asset.refresh_from_db()
        assert (asset.legal_status, asset.grant_date, asset.patent_number) == (
            "granted",
            date(2021, 3, 2),
            "ZL201710601862.3",
        )
        assert asset.title.startswith("一种汽车零部件")  # untouched fields stay

    def test_update_query_count(self, client_for, django_assert_num_queries, org, member):
        asset = IPAssetFactory(owner=org)
        client = client_for(member)
        # user, memberships, access; the service's transaction (a savepoint inside the test's) with the
        # row lock and the UPDATE in its own savepoint (so a unique violation can be answered); the changes
        # feed's entry (who sees the asset: owner, custodians; one statement for the log); the fresh asset
        with django_assert_num_queries(13):
            response = client.patch(_detail(asset.pk), {"title": "新的名称"}, format="json")
        assert response.status_code == 200

    def test_an_update_is_checked_against_the_stored_record(self, client_for, org, member):
        asset = IPAssetFactory(owner=org)
        client = client_for(member)
        # Granting without a date, or turning a patent into a software copyright that keeps its
        # patent numbers, is refused; the record is unchanged.
        for data, code in [
            ({"legal_status": "granted"}, "grant_date_required"),
            ({"kind": "software_copyright", "registration_number": "2019SR1234567"}, "patent_field_on_non_patent"),
            ({"kind": "design"}, "patent_kind_mismatch"),
            ({"grant_date": "2019-01-01", "legal_status": "granted"}, "grant_before_filing"),
            ({"application_number": "201710601862.4"}, "invalid_ip_identifier"),
        ]:
            response = client.patch(_detail(asset.pk), data, format="json")
            assert response.status_code == 400, data
            assert response.json()["code"] == code, response.json()
        asset.refresh_from_db()
        assert (asset.kind, asset.legal_status, asset.grant_date) == ("invention", "pending", None)
        # With the patent fields cleared in the same request the change of kind is accepted.
        response = client.patch(
            _detail(asset.pk),
            {
                "kind": "software_copyright",
                "registration_number": "2019SR1234567",
                "application_number": "",
                "ipc_main": "",
            },
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["kind"] == "software_copyright"

    def test_the_owner_cannot_change(self, client_for, org, member):
        asset = IPAssetFactory(owner=org)
        other = OrganizationFactory()
        MembershipFactory(user=member, organization=other)
        response = client_for(member).patch(_detail(asset.pk), {"owner_id": other.pk}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0] == {
            "field": "owner_id",
            "code": "read_only",
            "message": response.json()["errors"][0]["message"],
        }
        asset.refresh_from_db()
        assert asset.owner_id == org.pk

    def test_changing_to_a_recorded_application_number_is_a_409(self, client_for, org, member):
        taken = IPAssetFactory()
        asset = IPAssetFactory(owner=org)
        response = client_for(member).patch(
            _detail(asset.pk), {"application_number": taken.application_number}, format="json"
        )
        assert response.status_code == 409
        assert response.json()["code"] == "duplicate_application_number"
        asset.refresh_from_db()
        assert asset.application_number != taken.application_number

    def test_others_cannot_change_or_delete(self, client_for, org, operator):
        asset = IPAssetFactory(owner=org, title="原名称")
        stranger = client_for(member_of(OrganizationFactory()))
        assert stranger.patch(_detail(asset.pk), {"title": "改"}, format="json").status_code == 404
        assert stranger.delete(_detail(asset.pk)).status_code == 404
        # The operator sees the asset but it is the owner's record to change.
        response = client_for(operator).patch(_detail(asset.pk), {"title": "改"}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "not_owner_member"
        assert client_for(operator).delete(_detail(asset.pk)).status_code == 403
        asset.refresh_from_db()
        assert asset.title == "原名称"

    def test_an_admin_deletes_an_unlinked_asset(self, client_for, org, admin):
        asset = IPAssetFactory(owner=org)
        assert client_for(admin).delete(_detail(asset.pk)).status_code == 204
        assert not IPAsset.objects.filter(pk=asset.pk).exists()
        assert client_for(admin).delete(_detail(asset.pk)).status_code == 404

    def test_a_plain_member_cannot_delete_but_still_edits(self, client_for, org, member, admin):
        asset = IPAssetFactory(owner=org, title="原名称")
        response = client_for(member).delete(_detail(asset.pk))
        assert response.status_code == 403
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == "owner_admin_required"
        assert IPAsset.objects.filter(pk=asset.pk).exists()
        edited = client_for(member).patch(_detail(asset.pk), {"title": "新名称"}, format="json")
        assert edited.status_code == 200 and edited.json()["title"] == "新名称"
        assert client_for(admin).delete(_detail(asset.pk)).status_code == 204

    def test_delete_is_refused_while_an_achievement_rests_on_it(self, client_for, org, admin):
        asset = IPAssetFactory(owner=org)
        achievement = make_achievement(org)
        achievement.ip_assets.add(asset)
        response = client_for(admin).delete(_detail(asset.pk))
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "ip_asset_linked"
        assert body["achievement_ids"] == [achievement.pk]
        assert IPAsset.objects.filter(pk=asset.pk).exists()
        assert list(achievement.ip_assets.all()) == [asset]
        # Unlinked, it goes.
        achievement.ip_assets.clear()
        assert client_for(admin).delete(_detail(asset.pk)).status_code == 204
