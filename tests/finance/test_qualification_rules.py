"""An eligibility rule on a qualification tag admits an enterprise holding it and refuses one whose tag expired."""

from __future__ import annotations

import pytest

from apps.finance.models import FinancingApplication
from tests.finance.helpers import APPLICATIONS, REQUESTS, make_request, ok, publish_product

pytestmark = pytest.mark.django_db


def _tag(client_for, fw, organization, member, *, valid_from, valid_until):
    tag = ok(
        client_for(member).post(
            f"/api/v1/organizations/{organization.pk}/qualifications",
            {
                "kind": "tech_sme",
                "certificate_number": f"2025450203A{organization.pk:07d}",
                "valid_from": valid_from,
                "valid_until": valid_until,
                "evidence": "科技型中小企业信息服务平台入库公示",
            },
            format="json",
        ),
        201,
    )
    ok(
        client_for(fw.operator).post(
            f"/api/v1/organizations/{organization.pk}/qualifications/{tag['id']}/verify",
            {"approve": True},
            format="json",
        )
    )


def test_tech_sme_rule_admits_the_tagged_and_refuses_the_expired(client_for, fw):
    bank = client_for(fw.banker)
    product = publish_product(
        bank,
        fw.bank.pk,
        name="科技型中小企业科创贷",
        kind="sci_tech_loan",
        eligibility_rules=[{"rule": "qualification", "kind": "tech_sme"}],
    )
    _tag(client_for, fw, fw.enterprise, fw.owner, valid_from="2026-04-01", valid_until="2027-03-31")
    _tag(client_for, fw, fw.other_enterprise, fw.other_owner, valid_from="2025-04-01", valid_until="2026-03-31")

    shown = ok(client_for(fw.other_owner).get(f"/api/v1/organizations/{fw.enterprise.pk}"))
    assert shown["qualifications"] == ["tech_sme"]
    assert ok(client_for(fw.owner).get(f"/api/v1/organizations/{fw.other_enterprise.pk}"))["qualifications"] == []

    tagged = make_request(client_for(fw.owner), collateral=[])
    assert tagged["profile"]["qualifications"] == ["tech_sme"]
    (match,) = ok(client_for(fw.owner).get(f"{REQUESTS}/{tagged['id']}/matches", HTTP_ACCEPT_LANGUAGE="en"))
    assert match["eligible"] is True
    assert match["rules"] == [
        {
            "rule": "qualification",
            "passed": True,
            "reason": "Holds a verified technology-based SME qualification valid today.",
        }
    ]
    ok(
        client_for(fw.owner).post(
            APPLICATIONS, {"request_id": tagged["id"], "product_id": product["id"]}, format="json"
        ),
        201,
    )

    expired = make_request(client_for(fw.other_owner), collateral=[])
    assert expired["profile"]["qualifications"] == []
    (match,) = ok(client_for(fw.other_owner).get(f"{REQUESTS}/{expired['id']}/matches", HTTP_ACCEPT_LANGUAGE="en"))
    assert match["eligible"] is False
    assert match["rules"][0]["reason"] == "No verified technology-based SME qualification valid today."
    refused = client_for(fw.other_owner).post(
        APPLICATIONS, {"request_id": expired["id"], "product_id": product["id"]}, format="json"
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "not_eligible")
    assert FinancingApplication.objects.filter(enterprise=fw.other_enterprise).count() == 0
    # In Chinese, the reason reads in Chinese once the catalogue is merged; the rule is the same.
    zh = client_for(fw.other_owner).get(f"{REQUESTS}/{expired['id']}/matches", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.json()[0]["eligible"] is False
