"""Contracts for tests: made through the services, so amounts, events and history are real."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import User
from apps.contracts.models import Contract
from apps.contracts.selectors import market_today
from apps.contracts.services import contract_create, contract_document_attach
from apps.organizations.models import Organization
from tests.deals.factories import DealWorld

_counter = itertools.count(1)

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf_upload(name: str = "合同.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def contract_payload(*, buyer: Organization | None, seller: Organization | None, **overrides: Any) -> dict[str, Any]:
    """The JSON body of POST /contracts (amounts as strings, dates ISO)."""
    payload: dict[str, Any] = {
        "title": f"齿轮渗碳热处理技术转让合同{next(_counter)}",
        "type": "transfer",
        "subtype": "patent_right_transfer",
        "ip_type": "invention_patent",
        "technology_field_code": "03",
        "programme_class": "provincial",
        "signed_on": market_today().isoformat(),
        "contract_amount": "1000000.00",
        "deductions": [{"kind": "equipment", "description": "热处理炉一台", "amount": "200000.00"}],
    }
    if buyer is not None:
        payload["buyer_id"] = buyer.pk
    if seller is not None:
        payload["seller_id"] = seller.pk
    payload.update(overrides)
    return payload


def service_data(**overrides: Any) -> dict[str, Any]:
    """validated_data-shaped input for contract_create."""
    data: dict[str, Any] = {
        "title": f"新能源汽车电池管理技术开发合同{next(_counter)}",
        "type": "development",
        "subtype": "commissioned_development",
        "ip_type": "software_copyright",
        "technology_field_code": "01",
        "programme_class": "none",
        "signed_on": market_today(),
        "contract_amount": Decimal("600000.00"),
        "deductions": [],
    }
    data.update(overrides)
    return data


def make_contract(world: DealWorld, *, by: User | None = None, document: bool = False, **overrides: Any) -> Contract:
    """A contract between the world's buyer and seller (seller registers)."""
    data = service_data(**{"buyer_id": world.buyer.pk, "seller_id": world.seller.pk, **overrides})
    actor = by or world.seller_user
    contract = contract_create(actor=actor, data=data)
    if document:
        contract = contract_document_attach(actor=actor, contract=contract, upload=pdf_upload())
    return contract


def day(text: str) -> date:
    return date.fromisoformat(text)
