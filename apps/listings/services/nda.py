"""NDA requests for a listing's confidential part, their decisions, and the access log."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.listings.models import AccessKind, Attachment, ConfidentialAccess, ListingStatus, NdaRequest, NdaStatus
from apps.listings.services.common import Listing, ListingError, check_owner_member, link_name, owner_recipients
from apps.notifications.services import notify
from apps.organizations.access import actor_memberships, verified_organization
from apps.organizations.models import Membership


@transaction.atomic
def nda_request_create(*, actor: User, listing: Listing, organization_id: int | None, message: str = "") -> NdaRequest:
    """A verified organisation asks to read the confidential part. Published listings only, one open request each.

    An organisation the operator has not verified is refused (403, ``nda_organization_not_verified``):
    the confidential part goes only to counterparties whose identity the market checked.
    """
    memberships = actor_memberships(actor)
    if organization_id is None:
        if len(memberships) != 1:
            raise ApplicationError(
                _("Say for which of your organisations you ask (organization_id)."),
                code=ListingError.OWNER_REQUIRED,
                field_errors={"organization_id": _("Required when you belong to several organisations.")},
            )
        organization_id = next(iter(memberships))
    elif organization_id not in memberships:
        raise ApplicationError(
            _("You can only ask on behalf of an organisation you belong to."),
            code=ListingError.NOT_OWNER_MEMBER,
            field_errors={"organization_id": _("You are not a member of this organisation.")},
        )
    if organization_id == listing.owner_id:
        raise ApplicationError(
            _("Your organisation owns this listing and reads it already."), code=ListingError.NDA_OWN_LISTING
        )
    verified_organization(
        organization_id,
        field="organization_id",
        unknown_code=ListingError.NOT_OWNER_MEMBER,
        not_verified_code=ListingError.NDA_NOT_VERIFIED,
        not_verified_message=_("Your organisation must be verified by the operator before it can request an NDA."),
        not_verified_status=403,
    )
    if listing.status != ListingStatus.PUBLISHED:
        raise ApplicationError(
            _("Only a published listing takes NDA requests."), code=ListingError.NDA_NOT_PUBLISHED, status=409
        )
    request = NdaRequest(
        **{link_name(listing): listing}, organization_id=organization_id, requested_by=actor, message=message
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise ApplicationError(
            _("Your organisation already has a pending or accepted request for this listing."),
            code=ListingError.NDA_ALREADY_OPEN,
            status=409,
        ) from None
    notify(
        recipients=owner_recipients(listing),
        kind="nda_requested",
        title=format_lazy(gettext_lazy("NDA request for {title}"), title=listing.title),
        body=message,
        target=request,
    )
    return request


def _nda_move(*, request: NdaRequest, sources: tuple[str, ...], to: str, actor: User, note: str) -> NdaRequest:
    moved = NdaRequest.objects.filter(pk=request.pk, status__in=sources).update(
        status=to, decided_by=actor, decided_at=timezone.now(), decision_note=note, updated_at=timezone.now()
    )
    if not moved:
        raise ApplicationError(
            _("This request is %(status)s and cannot be changed this way.")
            % {"status": NdaStatus(NdaRequest.objects.get(pk=request.pk).status).label},
            code=ListingError.NDA_BAD_STATE,
            status=409,
        )
    return NdaRequest.objects.select_related("organization", "achievement", "demand").get(pk=request.pk)


@transaction.atomic
def nda_decide(*, actor: User, request: NdaRequest, accept: bool, note: str = "") -> NdaRequest:
    """The owner accepts (the requester may now read the confidential part) or declines."""
    check_owner_member(actor=actor, listing=request.listing)
    to = NdaStatus.ACCEPTED if accept else NdaStatus.DECLINED
    decided = _nda_move(request=request, sources=(NdaStatus.PENDING,), to=to, actor=actor, note=note)
    notify(
        recipients=[m.user for m in Membership.objects.filter(organization_id=decided.organization_id)],
        kind="nda_decided",
        title=format_lazy(
            gettext_lazy("NDA {decision}: {title}"),
            decision=gettext_lazy("accepted") if accept else gettext_lazy("declined"),
            title=decided.listing.title,
        ),
        body=note,
        target=decided,
    )
    return decided


@transaction.atomic
def nda_revoke(*, actor: User, request: NdaRequest, note: str = "") -> NdaRequest:
    """The owner ends an accepted NDA; reads stop at once (access is checked on every read)."""
    check_owner_member(actor=actor, listing=request.listing)
    return _nda_move(
        request=request, sources=(NdaStatus.ACCEPTED, NdaStatus.PENDING), to=NdaStatus.REVOKED, actor=actor, note=note
    )


def confidential_access_record(
    *,
    actor: User,
    listing: Listing,
    organization_id: int | None,
    kind: AccessKind,
    attachment: Attachment | None = None,
    ip_address: str | None = None,
) -> ConfidentialAccess:
    return ConfidentialAccess.objects.create(
        **{link_name(listing): listing},
        organization_id=organization_id,
        user=actor,
        kind=kind,
        attachment=attachment,
        ip_address=ip_address,
    )
