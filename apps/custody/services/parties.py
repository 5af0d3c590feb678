"""Who may act on an agreement: the owner's members, the custodian's, or either."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.custody.models import CustodyAgreement
from apps.custody.services.errors import CustodyError
from apps.organizations.access import actor_memberships
from apps.organizations.models import Membership


def check_member(actor: User, org_ids: Iterable[int], code: CustodyError, message: str) -> None:
    if not set(org_ids) & set(actor_memberships(actor)):
        raise ApplicationError(message, code=code, status=403)


def check_owner(*, actor: User, agreement: CustodyAgreement) -> None:
    message = _("Only the owner's members may do this.")
    check_member(actor, [agreement.owner_id], CustodyError.NOT_OWNER_MEMBER, message)


def check_party(*, actor: User, agreement: CustodyAgreement) -> None:
    check_member(
        actor,
        [agreement.owner_id, agreement.custodian_id],
        CustodyError.NOT_PARTY,
        _("Only the owner's or the custodian's members may do this."),
    )


def organization_members(org_ids: Iterable[int]) -> list[User]:
    return [m.user for m in Membership.objects.filter(organization_id__in=list(org_ids)).select_related("user")]
