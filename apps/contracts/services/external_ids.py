"""An integrator's own id on a contract, unique per organisation that gives it, and the upsert by it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.contracts.models import Contract
from apps.contracts.services.errors import ContractError
from apps.core.changes import check_external_id
from apps.core.errors import ApplicationError
from apps.core.versioning import VersionError, stale_version_error
from apps.organizations import access


def external_fields(*, actor: User, data: Mapping[str, Any]) -> dict[str, Any]:
    """The external id columns ``data`` asks for: none when it names no ``external_id``, cleared when empty."""
    if "external_id" not in data:
        return {}
    external_id = (data.get("external_id") or "").strip()
    if not external_id:
        return {"external_id": "", "external_owner": None}
    owner = access.resolve_owner(
        actor=actor,
        owner_id=data.get("external_owner_id"),
        required_message=_("Say which of your organisations gives this external id (external_owner_id)."),
        not_member_message=_("An external id is given by an organisation you belong to."),
    )
    return {"external_id": external_id, "external_owner": owner}


@contextmanager
def external_id_guard() -> Iterator[None]:
    """Turn the unique index's refusal into a 409 ``external_id_taken`` (the index decides, not a pre-check)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if "contract_external_id_unique" in str(exc):
            raise ApplicationError(
                _("Your organisation already has a contract with this external id."),
                code=ContractError.EXTERNAL_ID_TAKEN,
                status=409,
                field_errors={"external_id": _("Already used by another contract of this organisation.")},
            ) from None
        raise


@transaction.atomic
def contract_upsert_by_external_id(
    *, actor: User, external_id: str, data: Mapping[str, Any], expected_version: int | None
) -> tuple[Contract, bool]:
    """Create the contract your organisation knows by ``external_id``, or update it; returns it and whether
    it was created. Creating follows the rules of create (no version may be named: 412); updating those
    of update, If-Match included (428 without it). Parties and deal are set at creation only."""
    from apps.contracts.services.contracts import contract_create, contract_update

    check_external_id(external_id)
    fields = external_fields(actor=actor, data={**data, "external_id": external_id})
    owner = fields["external_owner"]
    data = {**data, "external_id": external_id, "external_owner_id": owner.pk}
    existing = Contract.objects.filter(external_owner=owner, external_id=fields["external_id"]).first()
    if existing is None:
        if expected_version is not None:
            raise stale_version_error(current_version=0)
        try:
            with transaction.atomic():
                return contract_create(actor=actor, data=data), True
        except ApplicationError as exc:
            if exc.code != ContractError.EXTERNAL_ID_TAKEN:
                raise
        # A concurrent PUT created it first: the caller now updates it as any other (with If-Match).
        existing = Contract.objects.get(external_owner=owner, external_id=fields["external_id"])
    if expected_version is None:
        raise ApplicationError(
            _("This contract exists: send If-Match with the ETag you read to update it."),
            code=VersionError.PRECONDITION_REQUIRED,
            status=428,
            extra={"contract_id": existing.pk},
        )
    return contract_update(actor=actor, contract=existing, expected_version=expected_version, data=data), False
