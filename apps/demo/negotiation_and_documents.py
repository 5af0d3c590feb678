"""The demo's negotiation and signed contract document (issue 20): made through the services.

- The buyer's NDA for the licensed achievement is accepted, then buyer, seller and broker negotiate
  the licence in a thread (one message with a file), so the NDA gate and unread counts can be shown.
- One hand-made contract gets a document drafted from its model text, signed by both parties'
  administrators: a signed PDF with its SHA-256 and the signing events in the evidence chain.

Idempotent: a thread with the demo subject, or a contract that already has document versions, is left
as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import User
from apps.contracts.models import Contract
from apps.contracts.services import document_create, document_sign
from apps.deals.models import Deal
from apps.listings.models import NdaRequest, NdaStatus
from apps.listings.services import nda_decide, nda_request_create
from apps.negotiation.models import Thread
from apps.negotiation.selectors import participation
from apps.negotiation.services import message_post, thread_create
from apps.organizations.models import Membership, MembershipRole

NEGOTIATED_DEAL = "发动机缸体视觉检测系统独占许可"
THREAD_SUBJECT = "许可费与分期付款节点"
SIGNED_CONTRACT = "LZDEMO-JSXK-016"  # the licence negotiated above

Progress = Callable[..., None]


def _admin_of(organization_id: int) -> User:
    return (
        Membership.objects.filter(organization_id=organization_id, role=MembershipRole.ADMIN)
        .select_related("user")
        .order_by("id")
        .first()
        .user  # type: ignore[union-attr]
    )


def load_negotiation(*, progress: Progress, pdf: Callable[[str], bytes]) -> None:
    deal = Deal.objects.select_related("achievement").filter(title=NEGOTIATED_DEAL).first()
    if deal is None:
        return
    created = not Thread.objects.filter(deal=deal, subject=THREAD_SUBJECT).exists()
    if created:
        buyer, seller = _admin_of(deal.buyer_id), _admin_of(deal.seller_id)
        if (
            deal.achievement is not None
            and not NdaRequest.objects.filter(
                achievement=deal.achievement, organization_id=deal.buyer_id, status=NdaStatus.ACCEPTED
            ).exists()
        ):
            request = nda_request_create(
                actor=buyer,
                listing=deal.achievement,
                organization_id=deal.buyer_id,
                message="洽谈独占许可，需查阅核心算法资料。",
            )
            nda_decide(actor=seller, request=request, accept=True, note="同意，请遵守保密协议。")
        buyer_part = participation(actor=buyer, deal=deal)
        seller_part = participation(actor=seller, deal=deal)
        if buyer_part is None or seller_part is None:
            return
        thread = thread_create(
            actor=buyer,
            deal=deal,
            taking_part=buyer_part,
            subject=THREAD_SUBJECT,
            body="我方建议许可费分三期：签约付30%，小试验收付40%，量产后付清30%。",
            uploads=[
                SimpleUploadedFile("付款节点建议.pdf", pdf("Demo payment schedule"), content_type="application/pdf")
            ],
        )
        message_post(
            actor=seller,
            deal=deal,
            taking_part=seller_part,
            thread=thread,
            body="原则同意分期，但首付需不低于40%，并请明确产线数量。",
        )
    progress("negotiation thread", f"{NEGOTIATED_DEAL}: {THREAD_SUBJECT}", created=created)


def load_signed_document(*, progress: Progress) -> None:
    contract = Contract.objects.filter(contract_number=SIGNED_CONTRACT).first()
    if contract is None or contract.buyer_id is None or contract.seller_id is None:
        return
    created = not contract.document_versions.exists()
    if created:
        seller = _admin_of(contract.seller_id)
        document = document_create(
            actor=seller,
            contract=contract,
            overrides={"schedule": "乙方应在本合同生效后十五日内交付全部工艺文件，并派工程师到甲方现场指导两次。"},
        )
        document_sign(actor=seller, document=document, document_sha256=document.pdf_sha256)
        document_sign(actor=_admin_of(contract.buyer_id), document=document, document_sha256=document.pdf_sha256)
    progress("signed contract document", f"{SIGNED_CONTRACT} version 1", created=created)
