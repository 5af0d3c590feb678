"""An organisation's API keys: issuing one (its service account becomes a member of the organisation)
and the reads scoped to the organisation's administrators. The key itself and its service account are
the accounts app's (:func:`apps.accounts.services.api_key_issue`, :func:`~apps.accounts.services.api_key_revoke`)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import ApiKey, User
from apps.accounts.services import api_key_issue
from apps.organizations.access import Actor, admin_organization_ids, require_operator
from apps.organizations.models import Membership, MembershipRole, Organization

# --- reads -------------------------------------------------------------------------------------


def api_key_list(*, actor: Actor, organization: Organization) -> QuerySet[ApiKey]:
    """Keys of an organisation, for its admins (the caller has checked admin access)."""
    return ApiKey.objects.filter(organization=organization).select_related("created_by")


def access_api_key(*, actor: Actor, prefix: str) -> ApiKey:
    """A key of an organisation the actor administers; anything else is a 404."""
    key = ApiKey.objects.filter(prefix=prefix, organization_id__in=admin_organization_ids(actor)).first()
    if key is None:
        raise Http404
    return key


def access_api_key_as_operator(*, actor: Actor, prefix: str) -> ApiKey:
    """Any organisation's key, for the market operator (403 ``operator_only`` for anyone else)."""
    require_operator(actor, _("Only the market operator sets an API key's rate."))
    key = ApiKey.objects.filter(prefix=prefix).first()
    if key is None:
        raise Http404
    return key


# --- writes ------------------------------------------------------------------------------------


@transaction.atomic
def api_key_create(
    *,
    actor: User,
    organization: Organization,
    name: str,
    scopes: list[str] | None = None,
    scope: str | None = None,
    expiry_date: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key for an API consumer of ``organization``: the key's service account is a plain
    member of it. Returns the key object and the raw key, shown only once."""
    api_key, raw_key = api_key_issue(
        actor=actor, organization_id=organization.pk, name=name, scopes=scopes, scope=scope, expiry_date=expiry_date
    )
    Membership.objects.create(user_id=api_key.service_user_id, organization=organization, role=MembershipRole.MEMBER)
    return api_key, raw_key


@transaction.atomic
def api_key_set_rate(*, actor: User, api_key: ApiKey, rate_limit_per_minute: int | None) -> ApiKey:
    """The operator gives a key its own quota (requests per minute), or back the default (None)."""
    require_operator(actor, _("Only the market operator sets an API key's rate."))
    api_key.rate_limit_per_minute = rate_limit_per_minute
    api_key.save(update_fields=["rate_limit_per_minute"])
    return api_key
