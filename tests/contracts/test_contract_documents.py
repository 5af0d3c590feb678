"""Contract documents: a draft from the model text, its PDF (Chinese, hashed), signing by both parties,
a change after signing as a new version, and the evidence chain of the whole story."""

from __future__ import annotations

import hashlib
import io
import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.utils import InternalError
from pypdf import PdfReader

from apps.contracts.documents.templates import MODEL_TEXTS, resolve_clauses, yuan_in_capitals
from apps.contracts.models import ContractDocument, ContractSignature
from apps.contracts.services import payment_create, registration_apply
from apps.core.evidence import verify_chain
from apps.core.models import EvidenceEntry
from apps.organizations.models import MembershipRole
from tests.contracts.factories import make_contract
from tests.factories import member_of, operator_user

pytestmark = pytest.mark.django_db


def _url(contract, suffix=""):
    return f"/api/v1/contracts/{contract.pk}/documents{suffix}"


def _pdf(client, contract, number):
    response = client.get(_url(contract, f"/{number}/pdf"))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_draft_revise_sign_by_both_parties_and_change_after_signing(world, client_for):
    contract = make_contract(world, title="新能源汽车电池管理系统开发", contract_amount=Decimal("1200.50"))
    seller, buyer = client_for(world.seller_user), client_for(world.buyer_user)

    created = seller.post(_url(contract), {}, format="json")
    assert created.status_code == 201, created.json()
    v1 = created.json()
    assert (v1["number"], v1["status"], v1["template"]) == (1, "draft", "development")
    assert [c["heading"] for c in v1["clauses"]][:3] == [
        "项目名称",
        "标的技术的内容、范围及要求",
        "履行的计划、进度、期限、地点和方式",
    ]
    data = _pdf(buyer, contract, 1)
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == v1["pdf_sha256"]
    text = _text(data)
    assert "技术开发（委托）合同" in text
    assert "新能源汽车电池管理系统开发" in text
    assert "柳州五菱零部件有限公司" in text
    assert "壹仟贰佰元伍角整" in text

    # The draft is editable; each change re-renders it.
    revised = buyer.patch(
        _url(contract, "/1"), {"overrides": {"acceptance": "双方于{valid_from}后三十日内共同验收。"}}, format="json"
    )
    assert revised.status_code == 200, revised.json()
    assert revised.json()["pdf_sha256"] != v1["pdf_sha256"]
    assert "共同验收" in _text(_pdf(seller, contract, 1))
    sha = revised.json()["pdf_sha256"]

    signed_once = seller.post(_url(contract, "/1/sign"), {"document_sha256": sha}, format="json")
    assert signed_once.status_code == 200, signed_once.json()
    assert signed_once.json()["status"] == "signing"
    assert signed_once.json()["signatures"][0]["role"] == "seller"
    # Frozen from the first signature on.
    frozen = buyer.patch(_url(contract, "/1"), {"overrides": {"acceptance": "改"}}, format="json")
    assert frozen.status_code == 409 and frozen.json()["code"] == "contract_document_frozen"
    # The seller cannot sign twice; the buyer must sign the bytes as they are now.
    again = seller.post(_url(contract, "/1/sign"), {"document_sha256": sha}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "contract_document_already_signed"
    stale = buyer.post(_url(contract, "/1/sign"), {"document_sha256": v1["pdf_sha256"]}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "contract_document_hash_mismatch"

    done = buyer.post(_url(contract, "/1/sign"), {"document_sha256": sha.upper()}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "signed" and done.json()["signed_at"]
    assert {s["role"] for s in done.json()["signatures"]} == {"buyer", "seller"}
    assert all(s["document_sha256"] == sha for s in done.json()["signatures"])
    # The signed PDF became the contract's written document.
    detail = seller.get(f"/api/v1/contracts/{contract.pk}").json()
    assert detail["has_document"] is True and detail["document_sha256"] == sha

    # A change after signing is version 2; version 1 and its signatures stay as they were.
    frozen = seller.patch(_url(contract, "/1"), {"overrides": {"price": "另议"}}, format="json")
    assert frozen.status_code == 409
    v2 = seller.post(
        _url(contract, ""), {"overrides": {"price": "价款为人民币{contract_amount}元，一次付清。"}}, format="json"
    )
    assert v2.status_code == 201, v2.json()
    assert v2.json()["number"] == 2 and v2.json()["status"] == "draft"
    assert v2.json()["overrides"]["acceptance"] == "双方于{valid_from}后三十日内共同验收。"
    assert v2.json()["pdf_sha256"] != sha
    listed = seller.get(_url(contract)).json()
    assert [(d["number"], d["status"], d["pdf_sha256"]) for d in listed] == [
        (1, "signed", sha),
        (2, "draft", v2.json()["pdf_sha256"]),
    ]
    assert hashlib.sha256(_pdf(seller, contract, 1)).hexdigest() == sha
    assert ContractSignature.objects.filter(document__number=1, document__contract=contract).count() == 2
    # Starting yet another version while version 2 is a draft is refused.
    assert seller.post(_url(contract), {}, format="json").json()["code"] == "contract_document_draft_open"

    # The database refuses to change a signed version.
    with pytest.raises(InternalError), transaction.atomic():
        ContractDocument.objects.filter(contract=contract, number=1).update(pdf_sha256="0" * 64)

    evidence = seller.get(f"/api/v1/contracts/{contract.pk}/evidence").json()["results"]
    assert [e["event"] for e in evidence] == [
        "contract.recorded",
        "contract.document_drafted",
        "contract.document_revised",
        "contract.document_signature",
        "contract.document_signature",
        "contract.signed",
        "contract.document_drafted",
    ]
    assert evidence[5]["payload"]["document"]["pdf_sha256"] == sha
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in itertools.pairwise(evidence))
    assert verify_chain().ok


def test_who_may_see_draft_and_sign(world, client_for):
    contract = make_contract(world)
    seller = client_for(world.seller_user)
    sha = seller.post(_url(contract), {}, format="json").json()["pdf_sha256"]

    outsider = client_for(world.outsider)
    assert outsider.get(_url(contract)).status_code == 404
    assert outsider.get(_url(contract, "/1/pdf")).status_code == 404
    assert outsider.post(_url(contract, "/1/sign"), {"document_sha256": sha}, format="json").status_code == 404
    assert outsider.post(_url(contract), {}, format="json").status_code == 404

    plain_member = client_for(member_of(world.buyer, role=MembershipRole.MEMBER))
    refused = plain_member.post(_url(contract, "/1/sign"), {"document_sha256": sha}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "contract_document_not_signatory"
    operator = client_for(operator_user())
    assert operator.get(_url(contract, "/1")).status_code == 200
    refused = operator.post(_url(contract, "/1/sign"), {"document_sha256": sha}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "contract_document_not_signatory"
    assert not ContractSignature.objects.exists()
    assert seller.get(_url(contract, "/9")).status_code == 404


def test_bad_input_is_refused_and_nothing_is_stored(world, client_for):
    contract = make_contract(world)
    seller = client_for(world.seller_user)
    unknown = seller.post(_url(contract), {"overrides": {"no_such_clause": "x"}}, format="json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "contract_document_unknown_clause"
    too_long = seller.post(_url(contract), {"overrides": {"price": "长" * 5001}}, format="json")
    assert too_long.status_code == 400
    assert not ContractDocument.objects.exists()
    seller.post(_url(contract), {}, format="json")
    bad_hash = seller.post(_url(contract, "/1/sign"), {"document_sha256": "not-a-hash"}, format="json")
    assert bad_hash.status_code == 400 and bad_hash.json()["code"] == "validation_error"
    assert not ContractSignature.objects.exists()


def test_every_model_text_fills_all_its_placeholders():
    values = dict.fromkeys(
        [
            "title",
            "contract_number",
            "buyer_name",
            "seller_name",
            "contract_amount",
            "contract_amount_upper",
            "technology_amount",
            "valid_from",
            "valid_until",
            "technology_field",
            "licence_mode",
            "market",
        ],
        "x",
    )
    for key, text in MODEL_TEXTS.items():
        clauses = resolve_clauses(text, {}, values)
        assert {"subject", "price", "liability", "disputes"} <= {c["key"] for c in clauses}, key
        assert not any("{" in c["text"] for c in clauses), key
    assert yuan_in_capitals("1005000.00") == "壹佰万零伍仟元整"
    assert yuan_in_capitals("300000.07") == "叁拾万元零柒分"


def test_registration_and_payment_events_join_the_chain(world):
    contract = make_contract(world, document=True)
    registration_apply(actor=world.seller_user, contract=contract)
    payment_create(actor=world.buyer_user, contract=contract, amount=Decimal("1000.00"), paid_on=contract.signed_on)
    events = list(
        EvidenceEntry.objects.filter(subject_type="contract", subject_id=contract.pk).values_list("stream", "event")
    )
    assert events == [
        ("contracts", "contract.recorded"),
        ("contracts", "contract.document_attached"),
        ("registrations", "registration.applied"),
        ("settlements", "payment.recorded"),
    ]
    payment = EvidenceEntry.objects.get(event="payment.recorded")
    assert payment.payload["amount"] == "1000.00"
    assert verify_chain().ok
