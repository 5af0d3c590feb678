"""Writes of a contract's terms, deductions and signed document, with the checks they share.

The money rules live in :mod:`apps.contracts.amounts`, the types in :mod:`apps.contracts.catalogue`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.contracts import amounts
from apps.contracts.catalogue import CHINA, legacy_class_for, subtype_fits
from apps.contracts.models import (
    ACTIVE_REGISTRATION_STATUSES,
    Contract,
    Deduction,
    Payment,
    PaymentMilestone,
    Registration,
    RegistrationStatus,
)
from apps.contracts.selectors import is_contract_broker, is_contract_party, market_today
from apps.contracts.services.errors import ContractError
from apps.contracts.services.errors import bad_input as _bad
from apps.contracts.services.evidence import evidence_contract
from apps.contracts.services.external_ids import external_fields, external_id_guard
from apps.contracts.services.webhooks import publish_contract_recorded
from apps.core.changes import record_model_changes
from apps.core.effects import effect
from apps.core.errors import ApplicationError
from apps.core.versioning import stale_version_error
from apps.custody.models import ConsentAction
from apps.custody.services import check_pledge_consent
from apps.deals.models import DealStage
from apps.markets.access import market_for_region
from apps.organizations.access import is_operator, organization_ids
from apps.organizations.models import Organization
from apps.reference.models import Country, EntityType, Region, TechnologyField

# Fields of a contract a party may change while no registration holds it.
_EDITABLE = (
    "title",
    "contract_number",
    "type",
    "subtype",
    "ip_type",
    "programme_class",
    "signed_on",
    "valid_from",
    "valid_until",
    "contract_amount",
)


# --- checks ------------------------------------------------------------------------------------


def check_technology_amount(*, contract_amount: Decimal, deductions: Iterable[Decimal]) -> Decimal:
    """The derived technology amount, or a 400 naming the field at fault."""
    try:
        return amounts.technology_amount(contract_amount, list(deductions))
    except amounts.AmountError as problem:
        code = ContractError.DEDUCTIONS_EXCEED if problem.exceeds else ContractError.BAD_AMOUNT
        raise _bad(_(str(problem)), code=code, field=problem.field) from None


def check_signed_on(signed_on: date) -> None:
    if signed_on > market_today():
        raise _bad(
            _("The signing date cannot be in the future."), code=ContractError.SIGNED_IN_FUTURE, field="signed_on"
        )


def _check_validity(*, signed_on: date, valid_from: date, valid_until: date | None) -> None:
    if valid_until is not None and valid_until < valid_from:
        raise _bad(
            _("The contract cannot end before it takes effect."), code=ContractError.BAD_VALIDITY, field="valid_until"
        )


def _check_types(contract_type: str, subtype: str) -> None:
    if not subtype_fits(contract_type, subtype):
        raise _bad(
            _("This subtype does not belong to the contract type."),
            code=ContractError.SUBTYPE_MISMATCH,
            field="subtype",
        )


def _reference(model: type[Any], code: str | None, field: str) -> Any:
    if code in (None, ""):
        return None
    found = model.objects.filter(pk=code).first()
    if found is None:
        raise _bad(_("Unknown code: %(code)s.") % {"code": code}, code=ContractError.UNKNOWN_CODE, field=field)
    return found


def _resolve_party(role: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The party's organisation (if on the platform) and its snapshot: name, country, region, entity type.

    Given codes override the organisation's own; an unknown code is a 400. A party in China needs a
    region (HK/Macao/Taiwan are regions too); a party abroad has none.
    """
    org_id = data.get(f"{role}_id")
    organization = None
    if org_id is not None:
        organization = Organization.objects.filter(pk=org_id).select_related("region", "entity_type").first()
        if organization is None:
            raise _bad(_("Unknown organisation."), code=ContractError.BAD_PARTIES, field=f"{role}_id")
    country = _reference(Country, data.get(f"{role}_country_code"), f"{role}_country_code")
    if country is None and organization is not None:
        # An organisation registered abroad (e.g. in an ASEAN country) is a party abroad by default.
        country_code = organization.country_id
    else:
        country_code = country.pk if country is not None else CHINA
    region = _reference(Region, data.get(f"{role}_region_code"), f"{role}_region_code")
    entity_type = _reference(EntityType, data.get(f"{role}_entity_type_code"), f"{role}_entity_type_code")
    name = (data.get(f"{role}_name") or "").strip()
    if organization is not None:
        name = name or organization.name
        if country_code == CHINA:
            region = region or organization.region
        entity_type = entity_type or organization.entity_type
    if not name:
        raise _bad(_("Name the party or give its organisation."), code=ContractError.BAD_PARTIES, field=f"{role}_name")
    if country_code == CHINA and region is None:
        raise _bad(
            _("A party in China needs a region code."), code=ContractError.BAD_PARTIES, field=f"{role}_region_code"
        )
    if country_code != CHINA and region is not None:
        raise _bad(
            _("A party abroad has no Chinese region code."),
            code=ContractError.BAD_PARTIES,
            field=f"{role}_region_code",
        )
    if entity_type is None:
        raise _bad(
            _("Give the party's entity type code."), code=ContractError.BAD_PARTIES, field=f"{role}_entity_type_code"
        )
    return {
        role: organization,
        f"{role}_name": name[:200],
        f"{role}_country_id": country_code,
        f"{role}_region": region,
        f"{role}_entity_type": entity_type,
    }


def _parties_from_deal(data: Mapping[str, Any], deal: Any) -> dict[str, Any]:
    """A deal's contract is between the deal's parties: an omitted ``buyer_id`` or ``seller_id`` is the
    deal's; one that names another organisation is refused (400 on that field)."""
    filled = dict(data)
    messages = {
        "buyer": _("The deal's buyer is organisation %(id)d: leave buyer_id out or give that one."),
        "seller": _("The deal's seller is organisation %(id)d: leave seller_id out or give that one."),
    }
    for role, message in messages.items():
        expected = getattr(deal, f"{role}_id")
        given = data.get(f"{role}_id")
        if given is None:
            filled[f"{role}_id"] = expected
        elif given != expected:
            raise _bad(message % {"id": expected}, code=ContractError.DEAL_MISMATCH, field=f"{role}_id")
    return filled


def _check_parties(*, actor: User, values: dict[str, Any], deal: Any) -> None:
    buyer, seller = values["buyer"], values["seller"]
    if buyer is not None and seller is not None and buyer.pk == seller.pk:
        raise _bad(_("Buyer and seller must differ."), code=ContractError.BAD_PARTIES, field="seller_id")
    is_import = values["seller_country_id"] != CHINA and values["buyer_country_id"] == CHINA
    registrant = buyer if is_import else seller
    if registrant is None:
        field = "buyer_id" if is_import else "seller_id"
        raise _bad(
            _(
                "The party that registers the contract (the seller, or the domestic buyer of an import) must be an "
                "organisation on the platform."
            ),
            code=ContractError.BAD_PARTIES,
            field=field,
        )
    values["is_import"] = is_import
    if deal is not None:
        if {deal.buyer_id, deal.seller_id} != {getattr(buyer, "pk", None), getattr(seller, "pk", None)}:
            raise _bad(
                _("The contract's parties are not the deal's parties."),
                code=ContractError.DEAL_MISMATCH,
                field="deal_id",
            )
        return
    if is_operator(actor):
        return
    orgs = organization_ids(actor)
    if not ({getattr(buyer, "pk", None), getattr(seller, "pk", None)} & orgs):
        raise ApplicationError(
            _("Record contracts your organisation is a party to, or through the deal you broker."),
            code=ContractError.NOT_ALLOWED,
            status=403,
        )


def check_contract_writer(*, actor: User, contract: Contract) -> None:
    """The parties' members, the deal's brokers and the operator change a contract (others who see it: 403)."""
    if is_operator(actor) or is_contract_party(actor=actor, contract=contract):
        return
    if is_contract_broker(actor=actor, contract=contract):
        return
    raise ApplicationError(_("You may not change this contract."), code=ContractError.NOT_ALLOWED, status=403)


def _check_unlocked(contract: Contract) -> None:
    """A contract is frozen while its registration is pending or done (a correction request reopens it)."""
    holding = [s for s in ACTIVE_REGISTRATION_STATUSES if s != RegistrationStatus.CORRECTION_REQUESTED]
    held = Registration.objects.filter(contract=contract, status__in=holding).exists()
    if held:
        raise ApplicationError(
            _("The contract is under registration or registered; changes go through registration events."),
            code=ContractError.LOCKED,
            status=409,
        )


def _resolve_ip_assets(ids: Iterable[int], *, party_ids: set[int | None]) -> list[int]:
    """The contract's subject assets: each must exist and be held by one of its parties (400 otherwise)."""
    from apps.ip.models import IPAsset

    wanted = sorted(set(ids))
    found = set(IPAsset.objects.filter(pk__in=wanted, owner_id__in=party_ids - {None}).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise _bad(
            _("Unknown IP asset, or not held by a party of the contract: %(ids)s.")
            % {"ids": ", ".join(str(pk) for pk in missing)},
            code=ContractError.UNKNOWN_IP_ASSET,
            field="ip_asset_ids",
        )
    return wanted


def pledge_action_for(contract_type: str, subtype: str) -> str | None:
    """What a contract of this type does to a pledged subject asset, in the pledge-consent vocabulary."""
    if contract_type == "transfer":
        return ConsentAction.TRANSFER
    if subtype == "exclusive_patent_licence":
        return ConsentAction.EXCLUSIVE_LICENCE
    return None


def check_pledged_assets(contract: Contract) -> None:
    """A transfer or exclusive licence of a pledged asset needs the pledgee's recorded consent (409
    ``asset_pledged_without_consent``): checked when the contract is recorded or changed, and again when
    it is applied for and registered."""
    action = pledge_action_for(contract.type, contract.subtype)
    if action is None:
        return
    asset_ids = list(contract.ip_assets.values_list("pk", flat=True))
    if asset_ids:
        check_pledge_consent(
            asset_ids=asset_ids, action=action, counterparty_id=contract.buyer_id, contract_id=contract.pk
        )


def sum_amounts(qs: Any) -> Decimal:
    total: Decimal | None = qs.aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


# --- contracts ---------------------------------------------------------------------------------


@transaction.atomic
def contract_create(*, actor: User, data: Mapping[str, Any]) -> Contract:
    """Record a signed contract with its deductions; the effects recorded with it move the deal (if any)
    to signed and run the bypass check."""
    deal = None
    if data.get("deal_id") is not None:
        from apps.deals.selectors import access_deal

        deal = access_deal(actor=actor, pk=data["deal_id"])
        data = _parties_from_deal(data, deal)
    _check_types(data["type"], data["subtype"])
    check_signed_on(data["signed_on"])
    valid_from = data.get("valid_from") or data["signed_on"]
    _check_validity(signed_on=data["signed_on"], valid_from=valid_from, valid_until=data.get("valid_until"))
    deduction_rows = list(data.get("deductions") or [])
    technology = check_technology_amount(
        contract_amount=data["contract_amount"], deductions=[d["amount"] for d in deduction_rows]
    )
    field = _reference(TechnologyField, data["technology_field_code"], "technology_field_code")
    values: dict[str, Any] = {**_resolve_party("buyer", data), **_resolve_party("seller", data)}
    _check_parties(actor=actor, values=values, deal=deal)
    # The contract's market: where the registrant is (the seller, or the domestic buyer of an import).
    registrant_region = values["buyer_region" if values["is_import"] else "seller_region"]
    values["market"] = market_for_region(registrant_region.code if registrant_region is not None else None)
    external = external_fields(actor=actor, data=data)

    with external_id_guard():
        contract = Contract.objects.create(
            title=data["title"],
            contract_number=data.get("contract_number", ""),
            deal=deal,
            type=data["type"],
            subtype=data["subtype"],
            legacy_class=legacy_class_for(data["type"]),
            ip_type=data["ip_type"],
            technology_field=field,
            programme_class=data.get("programme_class") or "none",
            signed_on=data["signed_on"],
            valid_from=valid_from,
            valid_until=data.get("valid_until"),
            contract_amount=data["contract_amount"],
            deductions_total=data["contract_amount"] - technology,
            technology_amount=technology,
            created_by=actor,
            **external,
            **values,
        )
    Deduction.objects.bulk_create(
        Deduction(contract=contract, kind=d["kind"], description=d.get("description", ""), amount=d["amount"])
        for d in deduction_rows
    )
    party_ids = {getattr(values["buyer"], "pk", None), getattr(values["seller"], "pk", None)}
    if data.get("ip_asset_ids") is not None:
        contract.ip_assets.set(_resolve_ip_assets(data["ip_asset_ids"], party_ids=party_ids))
    elif deal is not None and deal.achievement is not None:
        # A deal over an achievement: the contract's subject is the achievement's IP, unless named.
        held = deal.achievement.ip_assets.filter(owner_id__in=party_ids - {None})
        contract.ip_assets.set(list(held.values_list("pk", flat=True)))
    check_pledged_assets(contract)
    evidence_contract(contract=contract, event="contract.recorded", actor_id=actor.pk)
    _after_signing(contract)
    return contract


def _after_signing(contract: Contract) -> None:
    effect("contracts.check_bypass", contract_id=contract.pk)
    publish_contract_recorded(contract)
    if contract.deal_id is not None:
        sync_deal(deal_id=contract.deal_id, stage=DealStage.SIGNED)


def sync_deal(*, deal_id: int, stage: DealStage) -> None:
    """Record that the deal follows its contract to ``stage`` (run by a worker after commit, idempotent)."""
    effect("deals.sync_from_contract", deal_id=deal_id, stage=stage.value)


def _conditional_update(*, contract: Contract, expected_version: int, **values: Any) -> Contract:
    moved = Contract.objects.filter(pk=contract.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now(), **values
    )
    if not moved:
        current = Contract.objects.filter(pk=contract.pk).values_list("version", flat=True).first()
        raise stale_version_error(current_version=current or 0)
    record_model_changes(Contract, [contract.pk])
    return Contract.objects.get(pk=contract.pk)


@transaction.atomic
def contract_update(*, actor: User, contract: Contract, expected_version: int, data: Mapping[str, Any]) -> Contract:
    """Change a contract's terms (and replace its deduction lines when ``deductions`` is given)."""
    check_contract_writer(actor=actor, contract=contract)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.version != expected_version:
        raise stale_version_error(current_version=locked.version)
    _check_unlocked(locked)
    values = {name: data[name] for name in _EDITABLE if name in data}
    merged = {name: values.get(name, getattr(locked, name)) for name in _EDITABLE}
    _check_types(merged["type"], merged["subtype"])
    check_signed_on(merged["signed_on"])
    _check_validity(signed_on=merged["signed_on"], valid_from=merged["valid_from"], valid_until=merged["valid_until"])
    if "technology_field_code" in data:
        values["technology_field"] = _reference(TechnologyField, data["technology_field_code"], "technology_field_code")
    deduction_rows = data.get("deductions")
    lines = (
        [d["amount"] for d in deduction_rows]
        if deduction_rows is not None
        else list(locked.deductions.values_list("amount", flat=True))
    )
    technology = check_technology_amount(contract_amount=merged["contract_amount"], deductions=lines)
    _check_room(contract=locked, contract_amount=merged["contract_amount"])
    if "type" in values:
        values["legacy_class"] = legacy_class_for(values["type"])
    values["technology_amount"] = technology
    values["deductions_total"] = merged["contract_amount"] - technology
    values.update(external_fields(actor=actor, data=data))
    if deduction_rows is not None:
        Deduction.objects.filter(contract=locked).delete()
        Deduction.objects.bulk_create(
            Deduction(contract=locked, kind=d["kind"], description=d.get("description", ""), amount=d["amount"])
            for d in deduction_rows
        )
    if data.get("ip_asset_ids") is not None:
        locked.ip_assets.set(_resolve_ip_assets(data["ip_asset_ids"], party_ids={locked.buyer_id, locked.seller_id}))
    with external_id_guard():
        updated = _conditional_update(contract=locked, expected_version=expected_version, **values)
    check_pledged_assets(updated)
    evidence_contract(contract=updated, event="contract.amended", actor_id=actor.pk, changed=sorted(data))
    return updated


def _check_room(*, contract: Contract, contract_amount: Decimal) -> None:
    """A smaller contract amount must still cover what was paid and what the milestones schedule."""
    if sum_amounts(Payment.objects.filter(contract=contract)) > contract_amount:
        raise _bad(
            _("Payments already received exceed this contract amount."),
            code=ContractError.PAYMENTS_EXCEED,
            field="contract_amount",
        )
    if sum_amounts(PaymentMilestone.objects.filter(contract=contract)) > contract_amount:
        raise _bad(
            _("The payment milestones exceed this contract amount."),
            code=ContractError.MILESTONES_EXCEED,
            field="contract_amount",
        )


@transaction.atomic
def deduction_add(
    *, actor: User, contract: Contract, expected_version: int, kind: str, amount: Decimal, description: str = ""
) -> Deduction:
    """Add one non-technical deduction line; the technology amount follows."""
    check_contract_writer(actor=actor, contract=contract)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.version != expected_version:
        raise stale_version_error(current_version=locked.version)
    _check_unlocked(locked)
    lines = [*locked.deductions.values_list("amount", flat=True), amount]
    technology = check_technology_amount(contract_amount=locked.contract_amount, deductions=lines)
    deduction = Deduction.objects.create(contract=locked, kind=kind, amount=amount, description=description)
    updated = _conditional_update(
        contract=locked,
        expected_version=expected_version,
        technology_amount=technology,
        deductions_total=locked.contract_amount - technology,
    )
    evidence_contract(
        contract=updated,
        event="contract.deduction_added",
        actor_id=actor.pk,
        deduction={"kind": kind, "amount": amount, "description": description},
    )
    return deduction


@transaction.atomic
def contract_document_attach(*, actor: User, contract: Contract, upload: UploadedFile) -> Contract:
    """Store the signed document (PDF, image or Office file, checked on its bytes); replaces an earlier one."""
    from apps.listings.services import check_upload

    check_contract_writer(actor=actor, contract=contract)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    _check_unlocked(locked)
    name, content_type = check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    old_path = locked.document.name or ""
    # Stored under a random name: the client's file name never reaches the file system.
    locked.document.save(f"{os.urandom(16).hex()}{os.path.splitext(name)[1].lower()}", upload, save=False)
    new_path = locked.document.name or ""
    storage = locked.document.storage
    try:
        updated = _conditional_update(
            contract=locked,
            expected_version=locked.version,
            document=new_path,
            document_name=name[:255],
            document_content_type=content_type,
            document_size=upload.size or 0,
            document_sha256=digest.hexdigest(),
        )
    except Exception:
        storage.delete(new_path)
        raise
    evidence_contract(contract=updated, event="contract.document_attached", actor_id=actor.pk, document_name=name[:255])
    if old_path:
        transaction.on_commit(lambda: storage.delete(old_path))
    return updated
