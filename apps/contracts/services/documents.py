"""Contract documents: drafts from the model text of the contract's type, their PDF, and signing.

A draft's clauses can be changed until the first signature; from then on a change is a new version
(:func:`document_create`), and the earlier version with its signatures stays as it was (a signed version
is also protected by a database trigger). Every draft, signature and completed signing is written to
the evidence chain with the PDF's SHA-256, so a party can later prove which bytes were signed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.contracts.documents.pdf import DocumentContent, render_pdf
from apps.contracts.documents.templates import SUBTYPE_ZH, model_text, resolve_clauses, yuan_in_capitals
from apps.contracts.models import Contract, ContractDocument, ContractDocumentStatus, ContractSignature
from apps.contracts.services.contracts import _check_unlocked, _conditional_update, check_contract_writer
from apps.contracts.services.errors import DocumentError
from apps.contracts.services.evidence import evidence_contract
from apps.core.errors import ApplicationError
from apps.organizations.access import admin_organization_ids, organization_ids

MARKET_NAME = "柳州科技大市场"
CLAUSE_MAX_CHARS = 5000


def _values(contract: Contract) -> dict[str, str]:
    return {
        "title": contract.title,
        "contract_number": contract.contract_number or "（待编号）",
        "buyer_name": contract.buyer_name,
        "seller_name": contract.seller_name,
        "contract_amount": f"{contract.contract_amount:,.2f}",
        "contract_amount_upper": yuan_in_capitals(f"{contract.contract_amount:.2f}"),
        "technology_amount": f"{contract.technology_amount:,.2f}",
        "valid_from": contract.valid_from.isoformat(),
        "valid_until": contract.valid_until.isoformat() if contract.valid_until else "合同义务履行完毕之日",
        "technology_field": contract.technology_field.name_zh,
        "licence_mode": SUBTYPE_ZH.get(contract.subtype, contract.subtype),
        "market": MARKET_NAME,
    }


def _check_overrides(contract: Contract, overrides: Mapping[str, str | None]) -> None:
    keys = {c.key for c in model_text(contract.type).clauses}
    for key, text in overrides.items():
        if key not in keys:
            raise ApplicationError(
                _("No clause %(key)s in this model text; clauses: %(keys)s.")
                % {"key": key, "keys": ", ".join(sorted(keys))},
                code=DocumentError.UNKNOWN_CLAUSE,
                status=400,
                field_errors={"overrides": _("Unknown clause.")},
            )
        if text is not None and len(text) > CLAUSE_MAX_CHARS:
            raise ApplicationError(
                _("A clause has at most %(n)d characters.") % {"n": CLAUSE_MAX_CHARS},
                code=DocumentError.CLAUSE_TOO_LONG,
                status=400,
                field_errors={"overrides": _("Too long.")},
            )


def _merge(base: Mapping[str, str], changes: Mapping[str, str | None]) -> dict[str, str]:
    merged = dict(base)
    for key, text in changes.items():
        if text is None or not text.strip():
            merged.pop(key, None)  # back to the model text
        else:
            merged[key] = text.strip()
    return merged


def _render(document: ContractDocument, contract: Contract) -> None:
    """Fill, render and store the PDF of ``document`` (unsaved fields; the caller saves)."""
    text = model_text(contract.type)
    clauses = resolve_clauses(text, document.overrides, _values(contract))
    created_at = document.created_at or timezone.now()
    content = DocumentContent(
        title=text.title,
        subtitle=" · ".join(
            (
                SUBTYPE_ZH.get(contract.subtype, contract.subtype),
                f"合同编号：{contract.contract_number or '（待编号）'}",
                f"第 {document.number} 版",
                MARKET_NAME,
            )
        ),
        parties=[(text.buyer_label, contract.buyer_name), (text.seller_label, contract.seller_name)],
        clauses=clauses,
        footer=(
            f"本文本依照技术合同示范文本的结构生成。平台合同号 {contract.pk}，文本第 {document.number} 版。"
            "签署后的任何变更均生成新版本，各版本及签署记录与其 SHA-256 摘要一并存证。"
        ),
        created_at=created_at,
    )
    data = render_pdf(content, font_path=settings.CONTRACT_PDF_FONT)
    document.clauses = clauses
    document.template = text.key
    document.pdf.save(f"{os.urandom(16).hex()}.pdf", ContentFile(data), save=False)
    document.pdf_sha256 = hashlib.sha256(data).hexdigest()
    document.pdf_size = len(data)


def _evidence(document: ContractDocument, contract: Contract, event: str, actor: User, **extra: Any) -> None:
    evidence_contract(
        contract=contract,
        event=event,
        actor_id=actor.pk,
        document={
            "id": document.pk,
            "version": document.number,
            "status": document.status,
            "template": document.template,
            "pdf_sha256": document.pdf_sha256,
            "overrides": document.overrides,
        },
        **extra,
    )


def current_document(contract: Contract) -> ContractDocument | None:
    return ContractDocument.objects.filter(contract=contract).order_by("-number").first()


@transaction.atomic
def document_create(
    *, actor: User, contract: Contract, overrides: Mapping[str, str | None] | None = None
) -> ContractDocument:
    """Draft the next version: the model text of the contract's type, the previous version's overrides,
    then ``overrides`` (a clause's text, or null to return to the model text). A version being signed
    is superseded; a signed one stays signed."""
    check_contract_writer(actor=actor, contract=contract)
    locked = Contract.objects.select_for_update().select_related("technology_field").get(pk=contract.pk)
    changes = dict(overrides or {})
    _check_overrides(locked, changes)
    previous = current_document(locked)
    if previous is not None and previous.status == ContractDocumentStatus.DRAFT:
        raise ApplicationError(
            _("Version %(n)d is still a draft: change it instead of starting a new version.") % {"n": previous.number},
            code=DocumentError.DRAFT_OPEN,
            status=409,
            extra={"version": previous.number},
        )
    if previous is not None and previous.status == ContractDocumentStatus.SIGNING:
        ContractDocument.objects.filter(pk=previous.pk).update(
            status=ContractDocumentStatus.SUPERSEDED, updated_at=timezone.now()
        )
    document = ContractDocument(
        contract=locked,
        number=(previous.number + 1) if previous else 1,
        overrides=_merge(previous.overrides if previous else {}, changes),
        created_by=actor,
        created_at=timezone.now(),
    )
    _render(document, locked)
    document.save()
    _evidence(document, locked, "contract.document_drafted", actor)
    return document


@transaction.atomic
def document_revise(
    *, actor: User, document: ContractDocument, overrides: Mapping[str, str | None]
) -> ContractDocument:
    """Change a draft's clauses and render it again; a version already signed by anyone is frozen."""
    contract = Contract.objects.select_related("technology_field").get(pk=document.contract_id)
    check_contract_writer(actor=actor, contract=contract)
    locked = ContractDocument.objects.select_for_update().get(pk=document.pk)
    if locked.status != ContractDocumentStatus.DRAFT:
        raise ApplicationError(
            _("This version has been signed or superseded; a change makes a new version (POST to documents)."),
            code=DocumentError.FROZEN,
            status=409,
            extra={"status": locked.status},
        )
    changes = dict(overrides)
    _check_overrides(contract, changes)
    old_pdf = locked.pdf.name or ""
    locked.overrides = _merge(locked.overrides, changes)
    _render(locked, contract)
    locked.save()
    storage = locked.pdf.storage
    if old_pdf:
        transaction.on_commit(lambda: storage.delete(old_pdf))
    _evidence(locked, contract, "contract.document_revised", actor)
    return locked


def _signing_role(actor: User, contract: Contract, signed: set[int]) -> tuple[str, int]:
    admin_orgs = admin_organization_ids(actor)
    for role, org_id in (("buyer", contract.buyer_id), ("seller", contract.seller_id)):
        if org_id is not None and org_id in admin_orgs and org_id not in signed:
            return role, org_id
    for org_id in (contract.buyer_id, contract.seller_id):
        if org_id is not None and org_id in admin_orgs:
            raise ApplicationError(
                _("Your organisation has already signed this version."), code=DocumentError.ALREADY_SIGNED, status=409
            )
    if {contract.buyer_id, contract.seller_id} & organization_ids(actor):
        message = _("Only an administrator of a party's organisation may sign for it.")
    else:
        message = _("Only the parties to the contract sign its document.")
    raise ApplicationError(message, code=DocumentError.NOT_SIGNATORY, status=403)


@transaction.atomic
def document_sign(
    *,
    actor: User,
    document: ContractDocument,
    document_sha256: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> ContractSignature:
    """Sign ``document`` for the actor's party (an administrator of the buyer's or seller's organisation).

    ``document_sha256`` is the hash of the PDF the signer read; a different current hash refuses the
    signature (409), so nobody signs bytes they did not see. When every party on the platform has
    signed, the version is signed and its PDF becomes the contract's written document.
    """
    # The contract row first, as every contracts service does, then the chain head (in record_evidence):
    # one lock order, so a signature and a payment on the same contract cannot deadlock.
    contract = Contract.objects.select_for_update().get(pk=document.contract_id)
    locked = ContractDocument.objects.select_for_update().get(pk=document.pk)
    signed = set(locked.signatures.values_list("organization_id", flat=True))
    role, org_id = _signing_role(actor, contract, signed)
    if locked.status not in (ContractDocumentStatus.DRAFT, ContractDocumentStatus.SIGNING):
        raise ApplicationError(
            _("This version can no longer be signed (%(status)s).") % {"status": locked.get_status_display()},
            code=DocumentError.NOT_SIGNABLE,
            status=409,
            extra={"status": locked.status},
        )
    if document_sha256.lower() != locked.pdf_sha256:
        raise ApplicationError(
            _("The document changed since you read it: read the current version and sign its hash."),
            code=DocumentError.HASH_MISMATCH,
            status=409,
            extra={"pdf_sha256": locked.pdf_sha256},
        )
    now = timezone.now()
    signature = ContractSignature.objects.create(
        document=locked,
        organization_id=org_id,
        role=role,
        signer=actor,
        signed_at=now,
        document_sha256=locked.pdf_sha256,
        ip_address=ip_address,
        user_agent=user_agent[:300],
    )
    signed.add(org_id)
    required = {pk for pk in (contract.buyer_id, contract.seller_id) if pk is not None}
    complete = required <= signed
    locked.status = ContractDocumentStatus.SIGNED if complete else ContractDocumentStatus.SIGNING
    locked.signed_at = now if complete else None
    ContractDocument.objects.filter(pk=locked.pk).update(
        status=locked.status, signed_at=locked.signed_at, updated_at=now
    )
    _evidence(
        locked,
        contract,
        "contract.document_signature",
        actor,
        signature={"organization_id": org_id, "role": role, "signer_id": actor.pk, "signed_at": now},
    )
    if complete:
        contract = _attach_signed_pdf(contract, locked)
        _evidence(locked, contract, "contract.signed", actor, signed_at=now)
    return signature


def _attach_signed_pdf(contract: Contract, document: ContractDocument) -> Contract:
    """The signed PDF becomes the contract's written document, unless registration holds the contract."""
    locked = Contract.objects.get(pk=contract.pk)  # already locked by document_sign
    try:
        _check_unlocked(locked)
    except ApplicationError:
        return locked
    with document.pdf.open("rb") as source:
        data = source.read()
    old_path = locked.document.name or ""
    locked.document.save(f"{os.urandom(16).hex()}.pdf", ContentFile(data), save=False)
    updated = _conditional_update(
        contract=locked,
        expected_version=locked.version,
        document=locked.document.name,
        document_name=f"contract-{contract.pk}-v{document.number}.pdf",
        document_content_type="application/pdf",
        document_size=len(data),
        document_sha256=document.pdf_sha256,
    )
    if old_path:
        storage = locked.document.storage
        transaction.on_commit(lambda: storage.delete(old_path))
    return updated
