"""Registered pledges (质押) of IP assets: record and release, the pledgee's consents, and the consent rule.

A pledged right cannot be transferred, exclusively licensed or pledged again without the pledgee's
recorded consent (Civil Code Art. 443–444). :func:`check_pledge_consent` is that one rule: pledging
again checks it here, contracts check it when a contract is recorded and when it is registered.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.custody.models import ConsentAction, Pledge, PledgeConsent, PledgeStatus
from apps.custody.services.errors import CustodyError
from apps.ip.models import IPAsset, IPLegalEvent, LegalEventKind
from apps.ip.services import check_record_keeper
from apps.organizations.access import Actor, organization_ids, verified_organization
from apps.organizations.models import Organization

_ACTION_LABELS = {
    ConsentAction.TRANSFER: gettext_lazy("transferred"),
    ConsentAction.EXCLUSIVE_LICENCE: gettext_lazy("exclusively licensed"),
    ConsentAction.PLEDGE_AGAIN: gettext_lazy("pledged again"),
}


def pledges_without_consent(
    *, asset_ids: list[int], action: str, counterparty_id: int | None = None, contract_id: int | None = None
) -> list[Pledge]:
    """The active pledges on ``asset_ids`` whose pledgee has not consented to ``action`` (for this
    counterparty and contract, when the consent names them)."""
    blocking = []
    for pledge in Pledge.objects.filter(asset_id__in=asset_ids, status=PledgeStatus.ACTIVE).select_related("asset"):
        consents = PledgeConsent.objects.filter(pledge=pledge, action=action)
        consents = consents.filter(Q(counterparty__isnull=True) | Q(counterparty_id=counterparty_id))
        consents = consents.filter(Q(contract_id__isnull=True) | Q(contract_id=contract_id))
        if not consents.exists():
            blocking.append(pledge)
    return blocking


def check_pledge_consent(
    *, asset_ids: list[int], action: str, counterparty_id: int | None = None, contract_id: int | None = None
) -> None:
    """409 ``asset_pledged_without_consent`` when a pledged asset among ``asset_ids`` would be transferred,
    exclusively licensed or pledged again without its pledgee's consent."""
    blocking = pledges_without_consent(
        asset_ids=asset_ids, action=action, counterparty_id=counterparty_id, contract_id=contract_id
    )
    if blocking:
        raise ApplicationError(
            _(
                "The asset is pledged (registration %(number)s to %(pledgee)s): it cannot be %(action)s without the "
                "pledgee's recorded consent."
            )
            % {
                "number": blocking[0].registration_number,
                "pledgee": blocking[0].pledgee_name,
                "action": _ACTION_LABELS[ConsentAction(action)],
            },
            code=CustodyError.PLEDGED_WITHOUT_CONSENT,
            status=409,
            extra={
                "pledges": [
                    {
                        "pledge_id": p.pk,
                        "asset_id": p.asset_id,
                        "registration_number": p.registration_number,
                        "pledgee_organization_id": p.pledgee_organization_id,
                        "pledgee_name": p.pledgee_name,
                    }
                    for p in blocking
                ],
                "action": action,
            },
        )


def check_pledgee_member(*, actor: Actor, pledge: Pledge) -> None:
    if pledge.pledgee_organization_id is None or pledge.pledgee_organization_id not in organization_ids(actor):
        raise ApplicationError(
            _("Only the pledgee's members may do this."), code=CustodyError.NOT_PLEDGEE_MEMBER, status=403
        )


def _holder_keys(asset: IPAsset) -> set[tuple[str, Any]]:
    keys: set[tuple[str, Any]] = {("org", asset.owner_id)}
    for co in asset.co_owners.all():
        keys.add(("org", co.organization_id) if co.organization_id else ("name", co.person_name.strip()))
    return keys


@transaction.atomic
def pledge_create(
    *,
    actor: User,
    asset: IPAsset,
    pledgors: list[dict[str, Any]],
    pledgee_organization_id: int,
    secured_amount: Decimal,
    term_start: date,
    term_end: date,
    registration_date: date,
    registration_number: str,
) -> Pledge:
    """Record a registered pledge; every holder of the asset (owner and co-owners) must be a pledgor and the
    pledgee a verified organisation. A second pledge needs the first pledgee's consent."""
    check_record_keeper(actor=actor, asset=asset)
    pledgee: Organization = verified_organization(
        pledgee_organization_id,
        field="pledgee_organization_id",
        unknown_code=CustodyError.BAD_PLEDGEE,
        not_verified_code=CustodyError.BAD_PLEDGEE,
        not_verified_message=_("The pledgee must be an organisation verified by the market operator."),
        not_verified_status=400,
    )
    if pledgee.pk == asset.owner_id:
        raise ApplicationError(
            _("An owner cannot pledge its right to itself."),
            code=CustodyError.BAD_PLEDGEE,
            field_errors={"pledgee_organization_id": _("The asset's owner.")},
        )
    locked = IPAsset.objects.select_for_update().get(pk=asset.pk)
    if locked.legal_status != "granted":
        raise ApplicationError(_("Only a right in force can be pledged."), code=CustodyError.NOT_IN_FORCE, status=409)
    if term_end <= term_start:
        raise ApplicationError(
            _("The pledge term must end after it starts."),
            code=CustodyError.PERIOD,
            field_errors={"term_end": _("Not after the term start.")},
        )
    if registration_date > timezone.localdate():
        raise ApplicationError(
            _("The registration date is in the future."),
            code=CustodyError.DATE_IN_FUTURE,
            field_errors={"registration_date": _("After today.")},
        )
    given = {
        ("org", p["organization_id"]) if p.get("organization_id") else ("name", (p.get("name") or "").strip())
        for p in pledgors
    }
    holders = _holder_keys(locked)
    if given != holders:
        raise ApplicationError(
            _("The pledgors must be exactly the asset's holders: the owner and every co-owner."),
            code=CustodyError.PLEDGORS,
            field_errors={"pledgors": _("Missing or extra pledgors.")},
            extra={
                "missing": sorted(str(v) for _k, v in holders - given),
                "extra": sorted(str(v) for _k, v in given - holders),
            },
        )
    if pledges_without_consent(asset_ids=[locked.pk], action=ConsentAction.PLEDGE_AGAIN, counterparty_id=pledgee.pk):
        raise ApplicationError(
            _("This asset is already under an active pledge; a further pledge needs that pledgee's recorded consent."),
            code=CustodyError.ALREADY_PLEDGED,
            status=409,
        )
    pledge = Pledge(
        asset=locked,
        pledgors=[
            {"organization_id": p.get("organization_id"), "name": (p.get("name") or "").strip()} for p in pledgors
        ],
        pledgee_organization=pledgee,
        pledgee_name=pledgee.name,
        secured_amount=secured_amount,
        term_start=term_start,
        term_end=term_end,
        registration_date=registration_date,
        registration_number=registration_number,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            pledge.save()
    except IntegrityError as exc:
        if "registration_number" in str(exc):
            raise ApplicationError(
                _("Pledge registration %(number)s is already recorded.") % {"number": registration_number},
                code=CustodyError.DUPLICATE_PLEDGE,
                status=409,
                field_errors={"registration_number": _("Already recorded.")},
            ) from None
        raise
    IPLegalEvent.objects.create(
        asset=locked,
        occurred_on=registration_date,
        kind=LegalEventKind.PLEDGED,
        note=f"{pledgee.name} {registration_number}",
        recorded_by=actor,
    )
    return pledge


@transaction.atomic
def pledge_release(*, actor: User, pledge: Pledge, released_on: date, reason: str = "") -> Pledge:
    """The asset's record keeper or the pledgee records the release (注销) of a pledge."""
    if pledge.pledgee_organization_id is None or pledge.pledgee_organization_id not in organization_ids(actor):
        check_record_keeper(actor=actor, asset=pledge.asset)
    locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if locked.status != PledgeStatus.ACTIVE:
        raise ApplicationError(_("This pledge is already released."), code=CustodyError.BAD_TRANSITION, status=409)
    if released_on > timezone.localdate() or released_on < locked.registration_date:
        raise ApplicationError(
            _("The release date must lie between the registration and today."),
            code=CustodyError.DATE_IN_FUTURE,
            field_errors={"released_on": _("Out of range.")},
        )
    Pledge.objects.filter(pk=locked.pk).update(
        status=PledgeStatus.RELEASED,
        released_on=released_on,
        released_at=timezone.now(),
        release_reason=reason,
        updated_at=timezone.now(),
    )
    IPLegalEvent.objects.create(
        asset_id=locked.asset_id,
        occurred_on=released_on,
        kind=LegalEventKind.PLEDGE_RELEASED,
        note=locked.registration_number,
        recorded_by=actor,
    )
    return Pledge.objects.select_related("asset", "asset__owner", "pledgee_organization").get(pk=locked.pk)


@transaction.atomic
def pledge_consent_record(
    *,
    actor: User,
    pledge: Pledge,
    action: str,
    counterparty_id: int | None = None,
    contract_id: int | None = None,
    note: str = "",
) -> PledgeConsent:
    """The pledgee consents to one act over the pledged asset (optionally for one counterparty or contract)."""
    check_pledgee_member(actor=actor, pledge=pledge)
    locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if locked.status != PledgeStatus.ACTIVE:
        raise ApplicationError(_("A released pledge needs no consent."), code=CustodyError.BAD_TRANSITION, status=409)
    if counterparty_id is not None and not Organization.objects.filter(pk=counterparty_id).exists():
        raise ApplicationError(
            _("Unknown organisation."),
            code=CustodyError.BAD_COUNTERPARTY,
            field_errors={"counterparty_id": _("Unknown id.")},
        )
    return PledgeConsent.objects.create(
        pledge=locked,
        action=action,
        counterparty_id=counterparty_id,
        contract_id=contract_id,
        note=note,
        granted_by=actor,
    )
