"""Pledges with an organisation as pledgee: the bank sees its pledges, consents, releases; a transfer, an
exclusive licence or a second pledge of the asset waits for its consent; it is warned about the collateral."""

from __future__ import annotations

from datetime import date

import pytest

from apps.contracts.models import Contract
from apps.core.effects import run_pending_effects
from apps.custody.models import Pledge, PledgeConsent, PledgeWarning
from apps.custody.services import annuity_reminders_send
from apps.notifications.models import Notification
from apps.organizations.models import OrganizationType
from tests.contracts.factories import contract_payload, pdf_upload
from tests.custody.factories import make_agreement, make_patent
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("custody_today")]

URL = "/api/v1/custody/pledges"


@pytest.fixture
def bank():
    # Any verified organisation may be the pledgee; here a bank.
    org = OrganizationFactory(name="柳州银行股份有限公司", type=OrganizationType.BANK, entity_type_id="160")
    return org, member_of(org)


def _pledge_body(patent, world, bank_org, number="Y2026450000777", **overrides):
    body = {
        "asset_id": patent.pk,
        "pledgors": [{"organization_id": world.owner.pk}],
        "pledgee_organization_id": bank_org.pk,
        "secured_amount": "3000000.00",
        "term_start": "2026-10-01",
        "term_end": "2028-09-30",
        "registration_date": "2026-10-15",
        "registration_number": number,
    }
    body.update(overrides)
    return body


@pytest.fixture
def pledged(client_for, world, bank):
    patent = make_patent(world.owner, title="一种汽车副车架低压铸造方法")
    make_agreement(world, [patent])
    response = client_for(world.owner_member).post(URL, _pledge_body(patent, world, bank[0]), format="json")
    assert response.status_code == 201, response.json()
    return patent, response.json()["id"]


def test_the_bank_sees_its_pledges_with_owner_and_next_annuity(client_for, world, bank, pledged):
    patent, pledge_id = pledged
    bank_client = client_for(bank[1])
    listed = bank_client.get(URL, {"role": "pledgee"})
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert row["id"] == pledge_id
    assert row["asset"]["id"] == patent.pk
    assert row["owner"] == {"id": world.owner.pk, "name": world.owner.name}
    assert row["status"] == "active"
    # Year 8 of the standard patent falls due 2027-03-02, grace until 2027-09-02.
    assert (row["next_annuity_year"], row["next_annuity_due"], row["next_annuity_grace"]) == (
        8,
        "2027-03-02",
        "2027-09-02",
    )
    # The owner holds no pledge as lender; a stranger sees nothing of it.
    assert client_for(world.owner_member).get(URL, {"role": "pledgee"}).json()["results"] == []
    assert client_for(world.stranger).get(f"{URL}/{pledge_id}").status_code == 404
    assert client_for(world.stranger).get(URL).json()["results"] == []
    bad = bank_client.get(URL, {"role": "lender"})
    assert (bad.status_code, bad.json()["code"]) == (400, "validation_error")


def test_unverified_or_own_pledgee_is_refused(client_for, world):
    patent = make_patent(world.owner)
    pending = OrganizationFactory(verification_status="pending")
    client = client_for(world.owner_member)
    for org_id in (pending.pk, world.owner.pk):
        response = client.post(URL, _pledge_body(patent, world, pending, pledgee_organization_id=org_id), format="json")
        assert (response.status_code, response.json()["code"]) == (400, "invalid_pledgee")
    assert not Pledge.objects.exists()


def _transfer(client, world, patent, buyer, **overrides):
    body = contract_payload(buyer=buyer, seller=world.owner, ip_asset_ids=[patent.pk], **overrides)
    return client.post("/api/v1/contracts", body, format="json")


def test_a_transfer_waits_for_the_banks_consent(client_for, world, bank, pledged):
    patent, pledge_id = pledged
    buyer = OrganizationFactory(name="柳州恒达机械有限公司")
    seller = client_for(world.owner_member)
    refused = _transfer(seller, world, patent, buyer)
    assert refused.status_code == 409, refused.json()
    body = refused.json()
    assert body["code"] == "asset_pledged_without_consent"
    assert body["pledges"][0]["pledge_id"] == pledge_id
    assert body["pledges"][0]["pledgee_organization_id"] == bank[0].pk
    exclusive = _transfer(
        seller, world, patent, buyer, type="licence", subtype="exclusive_patent_licence", ip_type="invention_patent"
    )
    assert (exclusive.status_code, exclusive.json()["code"]) == (409, "asset_pledged_without_consent")
    assert not Contract.objects.exists()
    # An ordinary licence leaves the pledgee's security intact.
    ordinary = _transfer(seller, world, patent, buyer, type="licence", subtype="ordinary_patent_licence")
    assert ordinary.status_code == 201, ordinary.json()
    assert ordinary.json()["ip_asset_ids"] == [patent.pk]

    # Only the pledgee consents: the owner sees the pledge but may not (403), a stranger does not see it (404).
    consent = {"action": "transfer", "counterparty_id": buyer.pk, "note": "转让价款优先偿还贷款"}
    owner_try = seller.post(f"{URL}/{pledge_id}/consents", consent, format="json")
    assert (owner_try.status_code, owner_try.json()["code"]) == (403, "not_pledgee_member")
    assert client_for(world.stranger).post(f"{URL}/{pledge_id}/consents", consent, format="json").status_code == 404
    assert not PledgeConsent.objects.exists()
    # A consent for another buyer does not open this transfer.
    other = OrganizationFactory()
    granted_other = client_for(bank[1]).post(
        f"{URL}/{pledge_id}/consents", {**consent, "counterparty_id": other.pk}, format="json"
    )
    assert granted_other.status_code == 201
    assert _transfer(seller, world, patent, buyer).status_code == 409
    granted = client_for(bank[1]).post(f"{URL}/{pledge_id}/consents", consent, format="json")
    assert granted.status_code == 201, granted.json()
    assert granted.json()["counterparty"] == {"id": buyer.pk, "name": buyer.name}
    recorded = _transfer(seller, world, patent, buyer)
    assert recorded.status_code == 201, recorded.json()
    assert recorded.json()["ip_asset_ids"] == [patent.pk]
    listed = seller.get(f"{URL}/{pledge_id}/consents").json()["results"]
    assert [c["counterparty"]["id"] for c in listed] == [buyer.pk, other.pk]


def test_registration_of_a_transfer_recorded_before_the_pledge_is_refused(client_for, world, bank):
    patent = make_patent(world.owner)
    buyer = OrganizationFactory()
    seller = client_for(world.owner_member)
    contract = _transfer(seller, world, patent, buyer, signed_on="2026-11-20").json()
    seller.post(f"/api/v1/contracts/{contract['id']}/document", {"file": pdf_upload()}, format="multipart")
    pledge = seller.post(URL, _pledge_body(patent, world, bank[0]), format="json")
    assert pledge.status_code == 201
    applied = seller.post(f"/api/v1/contracts/{contract['id']}/registration", {}, format="json")
    assert (applied.status_code, applied.json()["code"]) == (409, "asset_pledged_without_consent")
    # The bank consents to this very contract: now it may be registered.
    consent = {"action": "transfer", "contract_id": contract["id"]}
    assert client_for(bank[1]).post(f"{URL}/{pledge.json()['id']}/consents", consent, format="json").status_code == 201
    applied = seller.post(f"/api/v1/contracts/{contract['id']}/registration", {}, format="json")
    assert applied.status_code == 201, applied.json()
    decided = client_for(operator_user()).post(
        f"/api/v1/registrations/{applied.json()['id']}/decide", {"decision": "register"}, format="json"
    )
    assert decided.status_code == 200, decided.json()


def test_a_second_pledge_needs_the_first_pledgees_consent(client_for, world, bank, pledged):
    patent, pledge_id = pledged
    second_bank = OrganizationFactory(name="广西北部湾银行柳州分行")
    client = client_for(world.owner_member)
    again = _pledge_body(patent, world, second_bank, number="Y2026450000778")
    refused = client.post(URL, again, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "already_pledged")
    consent = {"action": "pledge_again", "counterparty_id": second_bank.pk}
    assert client_for(bank[1]).post(f"{URL}/{pledge_id}/consents", consent, format="json").status_code == 201
    accepted = client.post(URL, again, format="json")
    assert accepted.status_code == 201, accepted.json()
    assert Pledge.objects.filter(asset=patent, status="active").count() == 2


def test_the_bank_releases_with_a_reason(client_for, world, bank, pledged):
    _patent, pledge_id = pledged
    released = client_for(bank[1]).post(
        f"{URL}/{pledge_id}/release", {"released_on": "2026-11-30", "reason": "贷款已还清"}, format="json"
    )
    assert released.status_code == 200, released.json()
    assert (released.json()["status"], released.json()["release_reason"]) == ("released", "贷款已还清")
    stranger = client_for(world.stranger).post(f"{URL}/{pledge_id}/release", {"released_on": "2026-11-30"})
    assert stranger.status_code == 404


def _warnings(user):
    return list(Notification.objects.filter(recipient=user, kind="custody.pledge_warning").values_list("title", "body"))


def test_an_unpaid_annuity_and_a_lapse_warn_the_bank_once(client_for, world, bank, pledged):
    patent, pledge_id = pledged
    # 90 days before year 8 falls due (2027-03-02) the scan reminds owner and agency, and warns the bank.
    annuity_reminders_send(today=date(2026, 12, 2))
    [(_title, body)] = _warnings(bank[1])
    assert "Y2026450000777" in body and "2027-03-02" in body and "2,000.00" in body
    assert _warnings(world.owner_member) == []
    annuity_reminders_send(today=date(2026, 12, 2))
    assert len(_warnings(bank[1])) == 1
    # Overdue: the first grace-period stage warns again.
    annuity_reminders_send(today=date(2027, 3, 3))
    assert len(_warnings(bank[1])) == 2
    listed = client_for(bank[1]).get(f"{URL}/{pledge_id}/warnings").json()["results"]
    assert [w["key"] for w in listed][-1] == "y8_before_90"
    # The patent lapses: the collateral is lost.
    lapsed = client_for(world.owner_member).post(
        f"/api/v1/ip-assets/{patent.pk}/legal-events",
        {"occurred_on": "2026-11-30", "kind": "lapsed", "note": "未缴年费"},
        format="json",
    )
    assert lapsed.status_code == 201, lapsed.json()
    run_pending_effects()
    run_pending_effects()
    warnings = _warnings(bank[1])
    assert len(warnings) == 3
    assert "Y2026450000777" in warnings[-1][1] or "Y2026450000777" in warnings[0][1]
    assert PledgeWarning.objects.filter(pledge_id=pledge_id, key="status_lapsed").count() == 1
    assert _warnings(world.stranger) == []
