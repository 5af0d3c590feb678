"""Organisations outside China over the API: country and registration number instead of the credit code
and Chinese region, verification documents for the operator, the rules seen from the other side."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.organizations.models import Organization, VerificationDocument
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
THAI = {
    "name": "บริษัท สยามเกียร์เทค จำกัด",
    "name_en": "Siam Geartech Co., Ltd.",
    "type": "enterprise",
    "country": "TH",
    "registration_id": "0-10-5-599-88877-0",
    "foreign_region": "Bangkok",
    "entity_type_code": "300",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def thai_admin():
    return member_of(OrganizationFactory(name="柳州某企业"))  # someone who signs up; any user may register


def _fields(body):
    return {error["field"] for error in body["errors"]}


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code, response.json()
    return response.json()


def test_a_thai_company_registers_with_its_juristic_person_number(client_for, thai_admin):
    response = client_for(thai_admin).post("/api/v1/organizations", THAI, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["country"], body["country_name"]) == ("TH", "泰国")
    assert body["registration_id"] == "0105599888770"  # stored without the grouping dashes
    assert (body["credit_code"], body["region_code"], body["region_name"]) == ("", None, None)
    assert body["foreign_region"] == "Bangkok"
    listed = client_for(operator_user()).get("/api/v1/organizations", {"country": "th"}).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"registration_id": "0105599888771"}, 400, "invalid_registration_id", "registration_id"),
        ({"registration_id": ""}, 400, "blank", "registration_id"),
        ({"credit_code": "91350100M000100Y43"}, 400, "identifier_not_for_country", "credit_code"),
        ({"region_code": "450202"}, 400, "identifier_not_for_country", "region_code"),
        ({"country": "XX"}, 400, "unknown_country", "country"),
        ({"country": "THA"}, 400, "invalid", "country"),
    ],
)
def test_bad_foreign_identifiers_are_refused_and_nothing_stored(client_for, thai_admin, change, status, code, field):
    before = Organization.objects.count()
    response = client_for(thai_admin).post("/api/v1/organizations", {**THAI, **change}, format="json")
    assert response.status_code == status, response.json()
    body = response.json()
    assert field in _fields(body), body
    assert code in {body["code"]} | {error["code"] for error in body["errors"]}, body
    assert Organization.objects.count() == before


def test_a_chinese_organisation_still_needs_its_credit_code_and_region(client_for, thai_admin):
    chinese = {"name": "柳州新企业有限公司", "type": "enterprise", "entity_type_code": "170", "region_code": "450202"}
    body = _problem(
        client_for(thai_admin).post("/api/v1/organizations", chinese, format="json"), 400, "identifier_not_for_country"
    )
    assert "credit_code" in _fields(body)
    with_foreign_id = {**chinese, "credit_code": "91350100M000100Y43", "registration_id": "0109998883"}
    body = _problem(
        client_for(thai_admin).post("/api/v1/organizations", with_foreign_id, format="json"),
        400,
        "identifier_not_for_country",
    )
    assert "registration_id" in _fields(body)


def test_the_same_number_in_the_same_country_registers_once(client_for, thai_admin):
    client = client_for(thai_admin)
    assert client.post("/api/v1/organizations", THAI, format="json").status_code == 201
    _problem(
        client.post("/api/v1/organizations", {**THAI, "registration_id": "0105599888770"}, format="json"),
        409,
        "duplicate_registration_id",
    )
    assert Organization.objects.filter(country_id="764").count() == 1


def test_changing_a_verified_registration_number_reopens_verification(client_for, thai_admin):
    operator = operator_user()
    created = client_for(thai_admin).post("/api/v1/organizations", THAI, format="json").json()
    url = f"/api/v1/organizations/{created['id']}"
    client_for(operator).post(f"{url}/verify", {"approve": True}, format="json")
    changed = client_for(thai_admin).patch(url, {"foreign_region": "Chon Buri"}, format="json").json()
    assert changed["verification_status"] == "verified"  # not an identifier
    changed = client_for(thai_admin).patch(url, {"registration_id": "0105599777668"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["verification_status"] == "pending"
    # Moving to China needs the Chinese identifiers, and drops the foreign ones.
    moved = client_for(thai_admin).patch(
        url, {"country": "CN", "credit_code": "91350100M000100Y43", "region_code": "450202", "foreign_region": ""}
    )
    assert moved.status_code == 200, moved.json()
    assert (moved.json()["registration_id"], moved.json()["region_code"]) == ("", "450202")


def test_verification_documents_are_for_the_organisation_and_the_operator(client_for, thai_admin):
    operator = operator_user()
    created = client_for(thai_admin).post("/api/v1/organizations", THAI, format="json").json()
    url = f"/api/v1/organizations/{created['id']}/verification-documents"
    upload = SimpleUploadedFile("หนังสือรับรอง.pdf", PDF, content_type="application/pdf")
    response = client_for(thai_admin).post(
        url, {"file": upload, "kind": "registration_certificate"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    document = response.json()
    assert (document["original_name"], document["content_type"], document["size"]) == (
        "หนังสือรับรอง.pdf",
        "application/pdf",
        len(PDF),
    )
    # The operator sees and opens it before deciding.
    listed = client_for(operator).get(url)
    assert [row["id"] for row in listed.json()] == [document["id"]]
    download = client_for(operator).get(f"{url}/{document['id']}/file")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    # Another organisation's member cannot see the pending organisation, nor its documents.
    outsider = member_of(OrganizationFactory(name="南宁无关科技有限公司"))
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(outsider).get(f"{url}/{document['id']}/file").status_code == 404
    assert client_for(outsider).post(url, {"file": upload, "kind": "other"}, format="multipart").status_code == 404
    # A plain member reads them but may not hand any in.
    member = member_of(Organization.objects.get(pk=created["id"]), role="member")
    assert client_for(member).get(url).status_code == 200
    again = SimpleUploadedFile("b.pdf", PDF, content_type="application/pdf")
    assert client_for(member).post(url, {"file": again, "kind": "other"}, format="multipart").status_code == 403
    # An executable renamed to .pdf is refused.
    fake = SimpleUploadedFile("certificate.pdf", b"MZ\x90\x00\x03", content_type="application/pdf")
    _problem(
        client_for(thai_admin).post(url, {"file": fake, "kind": "other"}, format="multipart"),
        415,
        "document_type_not_allowed",
    )
    assert VerificationDocument.objects.count() == 1
