"""Qualification tags (高新技术企业, 科技型中小企业 …): the enterprise submits, the operator verifies;
only verified tags valid on a day count that day."""

from __future__ import annotations

from datetime import date

import pytest

from apps.organizations.models import OrganizationType, QualificationTag
from apps.organizations.selectors import active_qualification_kinds
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db

TAG = {
    "kind": "tech_sme",
    "certificate_number": "2026450203A0001234",
    "valid_from": "2026-04-01",
    "valid_until": "2027-03-31",
    "evidence": "科技型中小企业信息服务平台入库公示",
}


def url(org_id: int) -> str:
    return f"/api/v1/organizations/{org_id}/qualifications"


def test_submit_verify_and_show_on_the_organisation(client_for):
    enterprise = OrganizationFactory()
    admin, operator = member_of(enterprise), operator_user()
    created = client_for(admin).post(url(enterprise.pk), TAG, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert created.status_code == 201, created.json()
    tag = created.json()
    assert (tag["status"], tag["kind_display"]) == ("pending", "technology-based SME")
    # Pending: not counted, not public.
    assert active_qualification_kinds(enterprise.pk, date(2026, 6, 1)) == set()
    stranger = client_for(member_of(OrganizationFactory()))
    assert stranger.get(url(enterprise.pk)).json()["results"] == []
    # Only the operator verifies.
    refused = client_for(admin).post(f"{url(enterprise.pk)}/{tag['id']}/verify", {"approve": True}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "operator_only")
    verified = client_for(operator).post(f"{url(enterprise.pk)}/{tag['id']}/verify", {"approve": True}, format="json")
    assert verified.json()["status"] == "verified"
    again = client_for(operator).post(f"{url(enterprise.pk)}/{tag['id']}/verify", {"approve": True}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "qualification_already_decided")

    assert active_qualification_kinds(enterprise.pk, date(2026, 4, 1)) == {"tech_sme"}
    assert active_qualification_kinds(enterprise.pk, date(2027, 3, 31)) == {"tech_sme"}
    assert active_qualification_kinds(enterprise.pk, date(2027, 4, 1)) == set()
    assert active_qualification_kinds(enterprise.pk, date(2026, 3, 31)) == set()
    assert [t["id"] for t in stranger.get(url(enterprise.pk)).json()["results"]] == [tag["id"]]


def test_rejection_needs_a_reason_and_bad_input_stores_nothing(client_for):
    enterprise = OrganizationFactory()
    admin, operator = member_of(enterprise), operator_user()
    backwards = client_for(admin).post(url(enterprise.pk), {**TAG, "valid_until": "2026-03-01"}, format="json")
    assert (backwards.status_code, backwards.json()["code"]) == (400, "qualification_invalid_period")
    unknown = client_for(admin).post(url(enterprise.pk), {**TAG, "kind": "unicorn"}, format="json")
    assert unknown.status_code == 400
    outsider = client_for(member_of(OrganizationFactory())).post(url(enterprise.pk), TAG, format="json")
    assert outsider.status_code == 404
    bank = OrganizationFactory(type=OrganizationType.BANK)
    not_enterprise = client_for(member_of(bank)).post(url(bank.pk), TAG, format="json")
    assert (not_enterprise.status_code, not_enterprise.json()["code"]) == (400, "qualification_not_enterprise")
    assert not QualificationTag.objects.exists()

    tag = client_for(admin).post(url(enterprise.pk), TAG, format="json").json()
    no_reason = client_for(operator).post(f"{url(enterprise.pk)}/{tag['id']}/verify", {"approve": False}, format="json")
    assert (no_reason.status_code, no_reason.json()["code"]) == (400, "rejection_reason_required")
    rejected = client_for(operator).post(
        f"{url(enterprise.pk)}/{tag['id']}/verify", {"approve": False, "reason": "入库编号查无此号"}, format="json"
    )
    assert (rejected.json()["status"], rejected.json()["rejection_reason"]) == ("rejected", "入库编号查无此号")
