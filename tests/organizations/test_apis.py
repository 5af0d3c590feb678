"""Organisations: registration, verification by the operator, members, and who sees what."""

from __future__ import annotations

import pytest

from apps.notifications.models import Notification
from apps.organizations.models import Membership, MembershipRole, Organization, VerificationStatus
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    make_credit_code,
    member_of,
    operator_user,
)

pytestmark = pytest.mark.django_db

VALID = {
    "name": "柳州市螺蛳粉科技有限公司",
    "type": "enterprise",
    "credit_code": make_credit_code(900001),
    "region_code": "450203",
    "entity_type_code": "170",
    "address": "柳州市鱼峰区",
}


class TestRegister:
    def test_creator_becomes_admin_and_operator_is_told(self, client_for):
        operator = operator_user()
        user = UserFactory()
        response = client_for(user).post("/api/v1/organizations", VALID, format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["verification_status"] == "pending"
        assert body["region_name"] == "鱼峰区"
        assert Membership.objects.get(user=user, organization_id=body["id"]).role == "admin"
        assert Notification.objects.filter(recipient=operator, kind="organization.submitted").count() == 1

    @pytest.mark.parametrize(
        ("field", "value", "code"),
        [
            ("credit_code", "91350100M000100Y44", "invalid_credit_code"),  # wrong check character
            ("credit_code", "91350100M000100Y4", "invalid_credit_code"),  # wrong length
            ("credit_code", "91350100m000100y43", "invalid_credit_code"),  # lower case
            ("credit_code", "91350100I000100Y43", "invalid_credit_code"),  # forbidden letter
            ("region_code", "45020", "invalid"),
            ("entity_type_code", "17", "invalid"),
            ("type", "casino", "invalid_choice"),
            ("name", "", "blank"),
            ("name", "长" * 201, "max_length"),
            ("website", "not a url", "invalid"),
        ],
    )
    def test_bad_input_is_a_400_and_nothing_is_stored(self, client_for, field, value, code):
        response = client_for(UserFactory()).post("/api/v1/organizations", {**VALID, field: value}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "validation_error"
        assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, code)]
        assert not Organization.objects.exists()
        assert not Membership.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value", "code"),
        [("region_code", "999999", "unknown_region"), ("entity_type_code", "999", "unknown_entity_type")],
    )
    def test_unknown_codes_are_refused(self, client_for, field, value, code):
        response = client_for(UserFactory()).post("/api/v1/organizations", {**VALID, field: value}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == code
        assert response.json()["errors"][0]["field"] == field
        assert not Organization.objects.exists()

    def test_duplicate_credit_code_is_a_409(self, client_for):
        OrganizationFactory(credit_code=VALID["credit_code"])
        response = client_for(UserFactory()).post("/api/v1/organizations", VALID, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "duplicate_credit_code"
        assert Organization.objects.count() == 1

    def test_only_the_operator_may_create_an_operator_organisation(self, client_for):
        response = client_for(UserFactory()).post(
            "/api/v1/organizations", {**VALID, "type": "market_operator"}, format="json"
        )
        assert response.status_code == 403
        assert not Organization.objects.exists()


class TestVisibility:
    def test_pending_organisations_are_hidden_from_outsiders(self, client_for):
        pending = OrganizationFactory(verification_status=VerificationStatus.PENDING)
        member = member_of(pending)
        outsider = member_of(OrganizationFactory())
        assert client_for(outsider).get(f"/api/v1/organizations/{pending.pk}").status_code == 404
        assert client_for(member).get(f"/api/v1/organizations/{pending.pk}").status_code == 200
        assert client_for(operator_user()).get(f"/api/v1/organizations/{pending.pk}").status_code == 200
        listed = [o["id"] for o in client_for(outsider).get("/api/v1/organizations").json()["results"]]
        assert pending.pk not in listed

    def test_members_list_is_private(self, client_for):
        organization = OrganizationFactory()
        member = member_of(organization, role=MembershipRole.MEMBER)
        outsider = member_of(OrganizationFactory())
        url = f"/api/v1/organizations/{organization.pk}/members"
        assert client_for(outsider).get(url).status_code == 404
        assert client_for(member).get(url).status_code == 200
        assert client_for(operator_user()).get(url).status_code == 200

    def test_another_organisation_cannot_change_it(self, client_for):
        organization = OrganizationFactory(name="原名")
        outsider = member_of(OrganizationFactory())
        response = client_for(outsider).patch(
            f"/api/v1/organizations/{organization.pk}", {"name": "篡改"}, format="json"
        )
        assert response.status_code == 404
        organization.refresh_from_db()
        assert organization.name == "原名"

    def test_anonymous_gets_401(self, api_client):
        assert api_client.get("/api/v1/organizations").status_code == 401


class TestListAndSearch:
    def test_search_in_chinese_and_filter_by_prefecture(self, client_for):
        OrganizationFactory(name="柳州钢铁测试股份有限公司", region_id="450204")
        OrganizationFactory(name="南宁某某公司", region_id="450100")
        client = client_for(UserFactory())
        names = [o["name"] for o in client.get("/api/v1/organizations", {"q": "钢铁"}).json()["results"]]
        assert names == ["柳州钢铁测试股份有限公司"]
        in_liuzhou = client.get("/api/v1/organizations", {"region": "450200"}).json()["results"]
        assert [o["region_code"] for o in in_liuzhou] == ["450204"]

    def test_bad_filter_is_a_400(self, client_for):
        response = client_for(UserFactory()).get("/api/v1/organizations", {"type": "casino"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "type"

    def test_page_size_is_capped(self, client_for):
        OrganizationFactory.create_batch(3)
        response = client_for(UserFactory()).get("/api/v1/organizations", {"page_size": 10_000})
        assert response.status_code == 200
        assert len(response.json()["results"]) == 3

    @pytest.mark.parametrize("rows", [1, 25])
    def test_list_query_count_is_constant(self, client_for, django_assert_num_queries, rows):
        OrganizationFactory.create_batch(rows)
        client = client_for(UserFactory())
        # user, memberships, page of organisations (regions and entity types joined), their verified tags
        with django_assert_num_queries(4):
            response = client.get("/api/v1/organizations", {"page_size": 20})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(rows, 20)

    def test_cursor_pages_through_everything_once(self, client_for):
        created = {o.pk for o in OrganizationFactory.create_batch(7)}
        client = client_for(UserFactory())
        seen: list[int] = []
        url = "/api/v1/organizations?page_size=3"
        while url:
            page = client.get(url).json()
            seen += [o["id"] for o in page["results"]]
            url = page["next"]
        assert sorted(seen) == sorted(created)


class TestVerification:
    def test_operator_verifies_and_admins_are_told(self, client_for):
        organization = OrganizationFactory(verification_status=VerificationStatus.PENDING)
        admin = member_of(organization)
        operator = operator_user()
        response = client_for(operator).post(
            f"/api/v1/organizations/{organization.pk}/verify", {"approve": True}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["verification_status"] == "verified"
        organization.refresh_from_db()
        assert organization.verified_by == operator
        assert Notification.objects.filter(recipient=admin, kind="organization.verification").exists()

    def test_rejection_needs_a_reason(self, client_for):
        organization = OrganizationFactory(verification_status=VerificationStatus.PENDING)
        client = client_for(operator_user())
        url = f"/api/v1/organizations/{organization.pk}/verify"
        response = client.post(url, {"approve": False}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "rejection_reason_required"
        organization.refresh_from_db()
        assert organization.verification_status == "pending"
        response = client.post(url, {"approve": False, "reason": "营业执照与信用代码不符"}, format="json")
        assert response.json()["rejection_reason"] == "营业执照与信用代码不符"

    def test_non_operator_cannot_verify_even_their_own(self, client_for):
        organization = OrganizationFactory(verification_status=VerificationStatus.PENDING)
        admin = member_of(organization)
        response = client_for(admin).post(
            f"/api/v1/organizations/{organization.pk}/verify", {"approve": True}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "operator_only"
        organization.refresh_from_db()
        assert organization.verification_status == "pending"

    def test_deciding_twice_is_a_409(self, client_for):
        organization = OrganizationFactory(verification_status=VerificationStatus.VERIFIED)
        response = client_for(operator_user()).post(
            f"/api/v1/organizations/{organization.pk}/verify", {"approve": True}, format="json"
        )
        assert response.status_code == 409

    def test_changing_a_verified_name_reopens_verification(self, client_for):
        organization = OrganizationFactory()
        admin = member_of(organization)
        response = client_for(admin).patch(
            f"/api/v1/organizations/{organization.pk}", {"name": "新名称有限公司"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["verification_status"] == "pending"
        response = client_for(admin).patch(
            f"/api/v1/organizations/{organization.pk}", {"address": "柳北区"}, format="json"
        )
        assert response.json()["verification_status"] == "pending"


class TestMembers:
    @pytest.mark.parametrize("extra_members", [0, 15])
    def test_member_list_query_count_is_constant(self, client_for, django_assert_num_queries, extra_members):
        organization = OrganizationFactory()
        admin = member_of(organization)
        for _ in range(extra_members):
            member_of(organization, role=MembershipRole.MEMBER)
        client = client_for(admin)
        # user, memberships of the actor, the organisation, page of members (users joined)
        with django_assert_num_queries(4):
            response = client.get(f"/api/v1/organizations/{organization.pk}/members", {"page_size": 10})
        assert len(response.json()["results"]) == min(extra_members + 1, 10)

    def test_admin_adds_changes_and_removes_members(self, client_for):
        organization = OrganizationFactory()
        admin = member_of(organization)
        newcomer = UserFactory(email="new@example.cn")
        client = client_for(admin)
        url = f"/api/v1/organizations/{organization.pk}/members"
        added = client.post(url, {"email": "NEW@example.cn", "role": "member"}, format="json")
        assert added.status_code == 201
        membership_id = added.json()["id"]
        assert client.post(url, {"email": "new@example.cn"}, format="json").status_code == 409
        assert client.patch(f"{url}/{membership_id}", {"role": "admin"}, format="json").json()["role"] == "admin"
        assert client.delete(f"{url}/{membership_id}").status_code == 204
        assert not Membership.objects.filter(user=newcomer).exists()

    def test_unknown_email_is_refused(self, client_for):
        organization = OrganizationFactory()
        response = client_for(member_of(organization)).post(
            f"/api/v1/organizations/{organization.pk}/members", {"email": "nobody@example.cn"}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "unknown_user"

    def test_the_last_admin_cannot_leave_or_step_down(self, client_for):
        organization = OrganizationFactory()
        admin = member_of(organization)
        membership = Membership.objects.get(user=admin)
        client = client_for(admin)
        url = f"/api/v1/organizations/{organization.pk}/members/{membership.pk}"
        assert client.patch(url, {"role": "member"}, format="json").json()["code"] == "last_admin"
        assert client.delete(url).status_code == 409
        membership.refresh_from_db()
        assert membership.role == "admin"

    def test_members_cannot_manage_members(self, client_for):
        organization = OrganizationFactory()
        member_of(organization)
        plain = member_of(organization, role=MembershipRole.MEMBER)
        other = MembershipFactory(organization=organization, role=MembershipRole.MEMBER)
        client = client_for(plain)
        response = client.delete(f"/api/v1/organizations/{organization.pk}/members/{other.pk}")
        assert response.status_code == 403
        assert Membership.objects.filter(pk=other.pk).exists()
