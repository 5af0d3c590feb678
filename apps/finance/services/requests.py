"""Financing requests: an enterprise asks for money, its profile prefilled from the market; its documents."""

from __future__ import annotations

import hashlib
import os
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.finance.models import DocumentAccess, FinancingRequest, RequestDocument, RequestStatus
from apps.finance.selectors.profile import build_profile
from apps.finance.services.errors import FinanceError
from apps.ip.models import IPAsset
from apps.listings.services.attachments import check_upload
from apps.organizations.access import organization_ids, resolve_owner
from apps.organizations.models import Organization, OrganizationType

MAX_DOCUMENTS = 20


def check_enterprise_member(*, actor: User, request: FinancingRequest) -> None:
    if request.enterprise_id not in organization_ids(actor):
        raise ApplicationError(
            _("Only the enterprise's members may do this."), code=FinanceError.NOT_ENTERPRISE_MEMBER, status=403
        )


def _collateral(enterprise: Organization, asset_ids: list[int]) -> list[IPAsset]:
    assets = list(IPAsset.objects.filter(owner=enterprise, pk__in=asset_ids))
    if len(assets) != len(set(asset_ids)):
        raise ApplicationError(
            _("Collateral must be IP assets the enterprise owns."),
            code=FinanceError.UNKNOWN_ASSET,
            field_errors={"collateral_ids": _("Unknown asset, or not the enterprise's.")},
        )
    return assets


@transaction.atomic
def request_create(
    *,
    actor: User,
    enterprise_id: int | None = None,
    amount: Decimal,
    term_months: int,
    purpose: str,
    kind: str = "",
    collateral_ids: list[int] | None = None,
) -> FinancingRequest:
    """A financing request of the actor's enterprise; its profile is taken from the market now."""
    enterprise = resolve_owner(
        actor=actor,
        owner_id=enterprise_id,
        required_message=_("Say which of your organisations asks for finance (enterprise_id)."),
    )
    if enterprise.type != OrganizationType.ENTERPRISE:
        raise ApplicationError(
            _("Only enterprises request finance here."),
            code=FinanceError.NOT_ENTERPRISE,
            field_errors={"enterprise_id": _("Not an enterprise.")},
        )
    ids = collateral_ids or []
    assets = _collateral(enterprise, ids)
    now = timezone.now()
    request = FinancingRequest.objects.create(
        enterprise=enterprise,
        amount=amount,
        term_months=term_months,
        purpose=purpose,
        kind=kind,
        profile=build_profile(enterprise=enterprise, collateral_ids=ids, on=timezone.localdate(now)),
        profile_taken_at=now,
        created_by=actor,
    )
    request.collateral.set(assets)
    return request


@transaction.atomic
def request_refresh(
    *, actor: User, request: FinancingRequest, collateral_ids: list[int] | None = None
) -> FinancingRequest:
    """Take the profile again (and change the collateral, when given)."""
    check_enterprise_member(actor=actor, request=request)
    request = FinancingRequest.objects.select_for_update().select_related("enterprise").get(pk=request.pk)
    if request.status != RequestStatus.OPEN:
        raise ApplicationError(_("This request is closed."), code=FinanceError.REQUEST_CLOSED, status=409)
    if collateral_ids is not None:
        request.collateral.set(_collateral(request.enterprise, collateral_ids))
    ids = list(request.collateral.values_list("pk", flat=True))
    now = timezone.now()
    request.profile = build_profile(enterprise=request.enterprise, collateral_ids=ids, on=timezone.localdate(now))
    request.profile_taken_at = now
    request.save(update_fields=["profile", "profile_taken_at", "updated_at"])
    return request


@transaction.atomic
def request_close(*, actor: User, request: FinancingRequest) -> FinancingRequest:
    """The enterprise closes its request: no new applications; those made continue."""
    check_enterprise_member(actor=actor, request=request)
    FinancingRequest.objects.filter(pk=request.pk).update(status=RequestStatus.CLOSED, updated_at=timezone.now())
    request.refresh_from_db()
    return request


@transaction.atomic
def document_add(*, actor: User, request: FinancingRequest, upload: UploadedFile) -> RequestDocument:
    """A document on the request; institutions read it once the enterprise applied to them."""
    check_enterprise_member(actor=actor, request=request)
    FinancingRequest.objects.select_for_update().filter(pk=request.pk).first()
    if request.documents.count() >= MAX_DOCUMENTS:
        raise ApplicationError(
            _("A request can have at most %(n)d documents.") % {"n": MAX_DOCUMENTS},
            code=FinanceError.REQUEST_CLOSED,
            status=409,
        )
    name, content_type = check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = RequestDocument(
        request=request,
        original_name=name[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    # Stored under a random name: the client's file name never reaches the file system.
    document.file.save(f"{os.urandom(16).hex()}{os.path.splitext(name)[1].lower()}", upload, save=False)
    try:
        document.save()
    except Exception:
        document.file.storage.delete(document.file.name or "")
        raise
    return document


@transaction.atomic
def document_access_record(*, actor: User, document: RequestDocument, organization_id: int) -> None:
    """Log an institution's read of a financing document (the staged disclosure's audit trail)."""
    DocumentAccess.objects.create(document=document, organization_id=organization_id, user=actor)
