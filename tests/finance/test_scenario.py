"""The issue's whole IP pledge financing story over the API, with a bank that is a bank: it publishes a
知识产权质押贷, the enterprise's request built from its granted patent is matched and approved, the pledge
is registered with the bank as pledgee, a transfer of the patent waits for the bank's consent, and the
annuity falling due on the collateral warns the bank. (Subsidy claims: tests/subsidies/test_claims_api.py;
qualification rules: tests/finance/test_qualification_rules.py.)"""

from __future__ import annotations

from datetime import date

import pytest

from apps.contracts.models import Contract
from apps.custody.models import Pledge
from apps.custody.services import annuity_reminders_send
from apps.notifications.models import Notification
from apps.organizations.models import OrganizationType
from tests.contracts.factories import contract_payload
from tests.custody.factories import World, make_agreement
from tests.factories import OrganizationFactory, member_of
from tests.finance.helpers import APPLICATIONS, REQUESTS, make_request, ok, publish_product

pytestmark = pytest.mark.django_db

PLEDGES = "/api/v1/custody/pledges"


def test_a_pledge_loan_from_product_to_consent_and_annuity_warning(client_for, fw):
    bank, owner = client_for(fw.banker), client_for(fw.owner)
    assert fw.bank.type == OrganizationType.BANK
    # The patent is in custody with an IP agency, so its annuities are watched.
    agency = OrganizationFactory(name="柳州市知识产权服务中心", type=OrganizationType.IP_AGENCY)
    world = World(fw.enterprise, fw.owner, agency, member_of(agency), fw.other_owner)
    make_agreement(world, [fw.patent])

    # The bank publishes; the enterprise's request is built from its granted patent and matched.
    product = publish_product(bank, fw.bank.pk)
    request = make_request(owner, collateral=[fw.patent.pk])
    [match] = ok(owner.get(f"{REQUESTS}/{request['id']}/matches"))
    assert (match["product"]["id"], match["eligible"]) == (product["id"], True)
    application = ok(
        owner.post(APPLICATIONS, {"request_id": request["id"], "product_id": product["id"]}, format="json"), 201
    )
    url = f"{APPLICATIONS}/{application['id']}"
    ok(bank.post(f"{url}/review"))
    approved = ok(
        bank.post(f"{url}/approve", {"amount": "1800000.00", "rate": "3.900", "term_months": 24}, format="json")
    )
    assert approved["status"] == "approved"

    # The pledge is registered with the bank (an organisation) as pledgee; the bank sees it.
    pledge = ok(
        owner.post(
            PLEDGES,
            {
                "asset_id": fw.patent.pk,
                "pledgors": [{"organization_id": fw.enterprise.pk}],
                "pledgee_organization_id": fw.bank.pk,
                "secured_amount": approved["approved_amount"],
                "term_start": "2026-12-01",
                "term_end": "2028-11-30",
                "registration_date": "2026-12-01",
                "registration_number": "Y2026450000901",
            },
            format="json",
        ),
        201,
    )
    [row] = ok(bank.get(PLEDGES, {"role": "pledgee"}))["results"]
    assert (row["id"], row["owner"]["id"], row["next_annuity_due"]) == (pledge["id"], fw.enterprise.pk, "2027-03-02")
    assert ok(client_for(fw.other_banker).get(PLEDGES, {"role": "pledgee"}))["results"] == []
    # The financing profile now knows the patent is pledged.
    refreshed = make_request(owner, collateral=[fw.patent.pk])
    assert refreshed["profile"]["ip_assets"][0]["pledged"] is True

    # A transfer of the pledged patent is refused until the bank consents to that buyer.
    buyer = OrganizationFactory(name="柳州恒达机械有限公司")
    transfer = contract_payload(buyer=buyer, seller=fw.enterprise, ip_asset_ids=[fw.patent.pk])
    refused = owner.post("/api/v1/contracts", transfer, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "asset_pledged_without_consent")
    assert not Contract.objects.exists()
    other_bank_consent = client_for(fw.other_banker).post(
        f"{PLEDGES}/{pledge['id']}/consents", {"action": "transfer", "counterparty_id": buyer.pk}, format="json"
    )
    assert other_bank_consent.status_code == 404
    ok(
        bank.post(
            f"{PLEDGES}/{pledge['id']}/consents",
            {"action": "transfer", "counterparty_id": buyer.pk, "note": "转让价款优先偿还贷款"},
            format="json",
        ),
        201,
    )
    recorded = ok(owner.post("/api/v1/contracts", transfer, format="json"), 201)
    assert recorded["ip_asset_ids"] == [fw.patent.pk]

    # Year 8's annuity (due 2027-03-02) is unpaid 90 days before: the bank is warned, once.
    annuity_reminders_send(today=date(2026, 12, 2))
    annuity_reminders_send(today=date(2026, 12, 2))
    warnings = Notification.objects.filter(recipient=fw.banker, kind="custody.pledge_warning")
    assert warnings.count() == 1
    assert "Y2026450000901" in warnings.get().body
    listed = ok(bank.get(f"{PLEDGES}/{pledge['id']}/warnings"))["results"]
    assert [w["key"] for w in listed] == ["y8_before_90"]
    assert not Notification.objects.filter(recipient=fw.other_banker, kind="custody.pledge_warning").exists()
    assert Pledge.objects.get(pk=pledge["id"]).pledgee_organization_id == fw.bank.pk
