from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import ApiKey
from apps.organizations.models import Organization
from apps.organizations.selectors import admin_organization_ids


def api_key_list(*, actor: Any, organization: Organization) -> QuerySet[ApiKey]:
    """Keys of an organisation, for its admins (the caller has checked admin access)."""
    return ApiKey.objects.filter(organization=organization).select_related("created_by")


def access_api_key(*, actor: Any, prefix: str) -> ApiKey:
    """A key of an organisation the actor administers; anything else is a 404."""
    key = ApiKey.objects.filter(prefix=prefix, organization_id__in=admin_organization_ids(actor)).first()
    if key is None:
        raise Http404
    return key
