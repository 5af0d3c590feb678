"""Reads of contract documents, their signatures and a contract's evidence entries.

Callers pass a contract from :func:`access_contract`, so the actor may see it (parties, the deal's
brokers, the operator); anyone else got a 404 there.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from apps.contracts.models import Contract, ContractDocument, ContractSignature
from apps.core.evidence import subject_evidence
from apps.core.models import EvidenceEntry


def document_list(*, contract: Contract) -> QuerySet[ContractDocument]:
    return (
        ContractDocument.objects.filter(contract=contract)
        .prefetch_related(
            Prefetch("signatures", queryset=ContractSignature.objects.select_related("signer", "organization"))
        )
        .order_by("number")
    )


def access_document(*, contract: Contract, number: int) -> ContractDocument:
    try:
        return document_list(contract=contract).get(number=number)
    except ContractDocument.DoesNotExist:
        raise Http404 from None


def contract_evidence(*, contract: Contract) -> QuerySet[EvidenceEntry]:
    result: QuerySet[EvidenceEntry] = subject_evidence("contract", contract.pk)
    return result
