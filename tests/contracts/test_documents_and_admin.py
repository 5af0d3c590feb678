"""The signed document (checked on its bytes, private to who sees the contract) and the operator's admin."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.contracts.models import Contract, RuleSet, WorkingDayException
from apps.contracts.services import payment_create, registration_apply, registration_decide
from apps.organizations.models import OrganizationType
from tests.contracts.factories import PDF_BYTES, make_contract
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db


def test_upload_and_download_the_signed_document(world, client_for):
    contract = make_contract(world)
    url = f"/api/v1/contracts/{contract.pk}/document"
    client = client_for(world.seller_user)
    assert client.get(url).status_code == 404  # nothing uploaded yet
    upload = SimpleUploadedFile("技术转让合同（盖章）.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(url, {"file": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["has_document"] is True
    assert response.json()["document_name"] == "技术转让合同（盖章）.pdf"
    assert response["ETag"] == '"2"'
    download = client_for(world.buyer_user).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert client_for(world.outsider).get(url).status_code == 404


def test_a_renamed_executable_is_refused_and_nothing_stored(world, client_for):
    contract = make_contract(world)
    fake = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/pdf")
    response = client_for(world.seller_user).post(
        f"/api/v1/contracts/{contract.pk}/document", {"file": fake}, format="multipart"
    )
    assert response.status_code == 415
    contract.refresh_from_db()
    assert not contract.document
    assert contract.version == 1
    exe = SimpleUploadedFile("合同.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    assert (
        client_for(world.seller_user)
        .post(f"/api/v1/contracts/{contract.pk}/document", {"file": exe}, format="multipart")
        .status_code
        == 415
    )


@pytest.fixture
def operator_client(client: Client) -> Client:
    operator = OrganizationFactory(type=OrganizationType.MARKET_OPERATOR, entity_type_id="024")
    client.force_login(member_of(operator, is_staff=True, is_superuser=True))
    return client


def test_every_admin_page_loads_and_chinese_search_works(world, operator_client):
    contract = make_contract(world, document=True, title="柳州螺蛳粉保鲜技术转让合同")
    payment_create(
        actor=world.buyer_user, contract=contract, amount=contract.contract_amount, paid_on=contract.signed_on
    )
    registration = registration_apply(actor=world.seller_user, contract=contract)
    registration_decide(actor=operator_user(), registration=registration, decision="register")
    for name, obj in (
        ("contract", contract),
        ("payment", contract.payments.first()),
        ("registration", registration),
        ("bypassalert", contract.bypass_alerts.first()),
        ("workingdayexception", WorkingDayException.objects.first()),
        ("ruleset", RuleSet.objects.first()),
    ):
        assert operator_client.get(reverse(f"admin:contracts_{name}_changelist")).status_code == 200
        if obj is not None:
            assert operator_client.get(reverse(f"admin:contracts_{name}_change", args=[obj.pk])).status_code == 200
    found = operator_client.get(reverse("admin:contracts_contract_changelist"), {"q": "螺蛳粉"})
    assert "柳州螺蛳粉保鲜技术转让合同" in found.content.decode()
    missed = operator_client.get(reverse("admin:contracts_contract_changelist"), {"q": "不存在的合同"})
    assert "柳州螺蛳粉保鲜技术转让合同" not in missed.content.decode()
    holidays = operator_client.get(reverse("admin:contracts_workingdayexception_changelist"), {"q": "国庆"})
    page = holidays.content.decode()
    assert "国庆节调休上班" in page
    assert "春节" not in page
    # Contracts are not edited or deleted by hand.
    delete = reverse("admin:contracts_contract_delete", args=[contract.pk])
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert Contract.objects.filter(pk=contract.pk).exists()
