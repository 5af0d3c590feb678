"""A request's documents are disclosed in stages: an institution reads them only once the enterprise applied to it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.finance.models import DocumentAccess, RequestDocument
from tests.finance.helpers import APPLICATIONS, REQUESTS, make_request, ok, publish_product

pytestmark = pytest.mark.django_db


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("2025年度财务报表.pdf", b"%PDF-1.4 financial statements", content_type="application/pdf")


def test_documents_reach_an_institution_only_after_the_enterprise_applied(client_for, fw, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    bank, owner = client_for(fw.banker), client_for(fw.owner)
    product = publish_product(bank, fw.bank.pk)
    request = make_request(owner, collateral=[fw.patent.pk])
    docs = f"{REQUESTS}/{request['id']}/documents"
    document = ok(owner.post(docs, {"file": _pdf()}, format="multipart"), 201)
    renamed = owner.post(
        docs, {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00", content_type="application/pdf")}, format="multipart"
    )
    assert renamed.status_code == 415
    assert RequestDocument.objects.count() == 1
    # Not yet applied: the bank sees nothing, and cannot upload either.
    assert bank.get(docs).status_code == 404
    assert bank.get(f"{docs}/{document['id']}").status_code == 404
    assert bank.post(docs, {"file": _pdf()}, format="multipart").status_code == 404

    ok(owner.post(APPLICATIONS, {"request_id": request["id"], "product_id": product["id"]}, format="json"), 201)
    assert [d["id"] for d in ok(bank.get(docs))["results"]] == [document["id"]]
    download = bank.get(f"{docs}/{document['id']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 financial statements"
    assert list(DocumentAccess.objects.values_list("organization_id", "user_id")) == [(fw.bank.pk, fw.banker.pk)]
    # Another bank, never applied to, still sees nothing.
    assert client_for(fw.other_banker).get(docs).status_code == 404
    # The enterprise's own reads are not logged as disclosures.
    assert owner.get(f"{docs}/{document['id']}").status_code == 200
    assert DocumentAccess.objects.count() == 1
