"""Writes of contracts, their money and their registration.

The rules live here and in the pure modules beside it: :mod:`apps.contracts.amounts` (money),
:mod:`apps.contracts.workdays` (deadlines), :mod:`apps.contracts.catalogue` (types). Each service
is atomic and refuses bad input with an :class:`ApplicationError` before anything is stored.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.contracts import amounts, workdays
from apps.contracts.catalogue import CHINA, legacy_class_for, subtype_fits
from apps.contracts.models import (
    ACTIVE_REGISTRATION_STATUSES,
    BypassAlert,
    Contract,
    Deduction,
    Payment,
    PaymentMilestone,
    RefusalGround,
    Registration,
    RegistrationEvent,
    RegistrationEventKind,
    RegistrationStatus,
)
from apps.contracts.selectors import (
    bypass_window_start,
    calendar_exceptions,
    calendar_years,
    is_contract_broker,
    is_contract_party,
    market_today,
    rule_set_in_force,
)
from apps.core.errors import ApplicationError, ErrorCode
from apps.core.versioning import stale_version_error
from apps.organizations.models import Organization, OrganizationType
from apps.organizations.selectors import is_operator, organization_ids
from apps.reference.models import Country, EntityType, Region, TechnologyField


class ContractError(StrEnum):
    NOT_ALLOWED = "contract_not_allowed"
    BAD_AMOUNT = "contract_bad_amount"
    DEDUCTIONS_EXCEED = "contract_deductions_exceed_amount"
    SIGNED_IN_FUTURE = "contract_signed_in_future"
    UNKNOWN_CODE = "unknown_reference_code"
    BAD_PARTIES = "contract_bad_parties"
    SUBTYPE_MISMATCH = "contract_subtype_mismatch"
    BAD_VALIDITY = "contract_bad_validity"
    DEAL_MISMATCH = "contract_deal_mismatch"
    LOCKED = "contract_locked_by_registration"
    PAYMENTS_EXCEED = "payments_exceed_contract_amount"
    MILESTONES_EXCEED = "milestones_exceed_contract_amount"
    PAID_IN_FUTURE = "payment_in_future"
    UNKNOWN_MILESTONE = "unknown_milestone"


class RegistrationError(StrEnum):
    NOT_REGISTRANT = "registration_not_registrant"
    OPERATOR_ONLY = "registration_operator_only"
    ALREADY_REGISTERED = "contract_already_registered"
    BAD_TRANSITION = "registration_bad_transition"
    NOT_WRITTEN = "registration_document_missing"
    NOT_IN_EFFECT = "registration_contract_not_in_effect"
    NO_RULE_SET = "registration_no_rule_set"
    NUMBER_TAKEN = "registration_number_taken"
    BAD_NUMBER = "registration_number_invalid"
    BAD_AMOUNTS = "registration_bad_amounts"
    GROUND_REQUIRED = "registration_ground_required"
    NOTE_REQUIRED = "registration_note_required"
    BAD_EFFECTIVE_DATE = "registration_bad_effective_date"


BYPASS_NOTIFICATION_KIND = "contracts.broker_bypass"

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


def _operators() -> list[User]:
    return list(
        User.objects.filter(memberships__organization__type=OrganizationType.MARKET_OPERATOR, is_active=True).distinct()
    )


def _bad(message: str, *, code: str, field: str, status: int = 400) -> ApplicationError:
    return ApplicationError(message, code=code, status=status, field_errors={field: message})


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


def check_payment_writer(*, actor: User, contract: Contract) -> None:
    """Money received is recorded by the parties' members or the operator."""
    if is_operator(actor) or is_contract_party(actor=actor, contract=contract):
        return
    raise ApplicationError(
        _("Only the parties or the operator record payments."), code=ContractError.NOT_ALLOWED, status=403
    )


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


def _sum(qs: Any) -> Decimal:
    total: Decimal | None = qs.aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


# --- contracts ---------------------------------------------------------------------------------


@transaction.atomic
def contract_create(*, actor: User, data: Mapping[str, Any]) -> Contract:
    """Record a signed contract with its deductions; the deal (if any) moves to signed after commit and
    the bypass check runs."""
    deal = None
    if data.get("deal_id") is not None:
        from apps.deals.selectors import access_deal

        deal = access_deal(actor=actor, pk=data["deal_id"])
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
        **values,
    )
    Deduction.objects.bulk_create(
        Deduction(contract=contract, kind=d["kind"], description=d.get("description", ""), amount=d["amount"])
        for d in deduction_rows
    )
    _after_signing(contract)
    return contract


def _after_signing(contract: Contract) -> None:
    from apps.contracts.tasks import contract_check_bypass_task

    contract_check_bypass_task.delay_on_commit(contract_id=contract.pk)  # type: ignore[attr-defined]
    if contract.deal_id is not None:
        _sync_deal(deal_id=contract.deal_id, stage="signed")


def _sync_deal(*, deal_id: int, stage: str) -> None:
    def sync() -> None:
        from apps.deals.services import deal_sync_from_contract

        with transaction.atomic():
            deal_sync_from_contract(deal_id=deal_id, stage=stage)

    transaction.on_commit(sync)


def _conditional_update(*, contract: Contract, expected_version: int, **values: Any) -> Contract:
    moved = Contract.objects.filter(pk=contract.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now(), **values
    )
    if not moved:
        current = Contract.objects.filter(pk=contract.pk).values_list("version", flat=True).first()
        raise stale_version_error(current_version=current or 0)
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
    if deduction_rows is not None:
        Deduction.objects.filter(contract=locked).delete()
        Deduction.objects.bulk_create(
            Deduction(contract=locked, kind=d["kind"], description=d.get("description", ""), amount=d["amount"])
            for d in deduction_rows
        )
    return _conditional_update(contract=locked, expected_version=expected_version, **values)


def _check_room(*, contract: Contract, contract_amount: Decimal) -> None:
    """A smaller contract amount must still cover what was paid and what the milestones schedule."""
    if _sum(Payment.objects.filter(contract=contract)) > contract_amount:
        raise _bad(
            _("Payments already received exceed this contract amount."),
            code=ContractError.PAYMENTS_EXCEED,
            field="contract_amount",
        )
    if _sum(PaymentMilestone.objects.filter(contract=contract)) > contract_amount:
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
    _conditional_update(
        contract=locked,
        expected_version=expected_version,
        technology_amount=technology,
        deductions_total=locked.contract_amount - technology,
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
    if old_path:
        transaction.on_commit(lambda: storage.delete(old_path))
    return updated


# --- milestones and payments -------------------------------------------------------------------


@transaction.atomic
def milestone_create(*, actor: User, contract: Contract, title: str, due_on: date, amount: Decimal) -> PaymentMilestone:
    check_payment_writer(actor=actor, contract=contract)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if amount <= 0:
        raise _bad(_("The amount must be more than zero."), code=ContractError.BAD_AMOUNT, field="amount")
    if _sum(PaymentMilestone.objects.filter(contract=locked)) + amount > locked.contract_amount:
        raise _bad(
            _("The payment milestones would exceed the contract amount."),
            code=ContractError.MILESTONES_EXCEED,
            field="amount",
        )
    return PaymentMilestone.objects.create(contract=locked, title=title, due_on=due_on, amount=amount)


@transaction.atomic
def payment_create(
    *,
    actor: User,
    contract: Contract,
    amount: Decimal,
    paid_on: date,
    reference: str = "",
    note: str = "",
    milestone_id: int | None = None,
) -> Payment:
    """Record money received. The contract row is locked so two payments cannot together pass its amount."""
    check_payment_writer(actor=actor, contract=contract)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if amount <= 0:
        raise _bad(_("The amount must be more than zero."), code=ContractError.BAD_AMOUNT, field="amount")
    if paid_on > market_today():
        raise _bad(_("The payment date cannot be in the future."), code=ContractError.PAID_IN_FUTURE, field="paid_on")
    milestone = None
    if milestone_id is not None:
        milestone = PaymentMilestone.objects.filter(pk=milestone_id, contract=locked).first()
        if milestone is None:
            raise _bad(
                _("No such milestone on this contract."), code=ContractError.UNKNOWN_MILESTONE, field="milestone_id"
            )
    already = _sum(Payment.objects.filter(contract=locked))
    if already + amount > locked.contract_amount:
        raise ApplicationError(
            _("Payments would exceed the contract amount (%(paid)s of %(total)s yuan already paid).")
            % {"paid": already, "total": locked.contract_amount},
            code=ContractError.PAYMENTS_EXCEED,
            status=400,
            field_errors={"amount": _("Beyond the contract amount.")},
            extra={"paid_amount": str(already), "contract_amount": str(locked.contract_amount)},
        )
    payment = Payment.objects.create(
        contract=locked,
        milestone=milestone,
        amount=amount,
        paid_on=paid_on,
        reference=reference,
        note=note,
        recorded_by=actor,
    )
    from apps.stats.tasks import fold_contract

    fold_contract.delay_on_commit(contract_id=locked.pk)  # type: ignore[attr-defined]
    return payment


# --- bypass alert ------------------------------------------------------------------------------


@transaction.atomic
def contract_check_bypass(*, contract_id: int) -> list[BypassAlert]:
    """Alert brokers whose introduction of these two parties (within the window before signing) was
    bypassed: the contract has no deal, or its deal does not include them. Idempotent: one alert per
    (contract, introduction), so running twice notifies nobody twice. Returns the alerts raised now."""
    from apps.brokers.selectors import introductions_between
    from apps.deals.models import DealParticipant, ParticipantRole
    from apps.notifications.services import notify

    contract = Contract.objects.filter(pk=contract_id).first()
    if contract is None or contract.buyer_id is None or contract.seller_id is None:
        return []
    taking_part: set[int] = set()
    if contract.deal_id is not None:
        taking_part = set(
            DealParticipant.objects.filter(deal_id=contract.deal_id, role=ParticipantRole.BROKER).values_list(
                "broker_id", flat=True
            )
        )
    introductions = introductions_between(
        org_a_id=contract.buyer_id, org_b_id=contract.seller_id, since=bypass_window_start(signed_on=contract.signed_on)
    ).filter(created_at__lte=contract.created_at)
    raised: list[BypassAlert] = []
    seen_brokers: set[int] = set()
    operators = _operators()
    for introduction in introductions:
        # Newest first: a broker's latest introduction stands for all of theirs.
        if introduction.broker_id in taking_part or introduction.broker_id in seen_brokers:
            continue
        seen_brokers.add(introduction.broker_id)
        alert, created = BypassAlert.objects.get_or_create(
            contract=contract, introduction=introduction, defaults={"broker_id": introduction.broker_id}
        )
        if not created:
            continue
        raised.append(alert)
        notify(
            recipients=[introduction.broker.user, *operators],
            kind=BYPASS_NOTIFICATION_KIND,
            title=gettext_lazy("Contract signed without the introducing broker"),
            body=format_lazy(
                gettext_lazy(
                    "{buyer} and {seller} signed “{title}” on {date} without {broker}, who introduced them on "
                    "{introduced}."
                ),
                buyer=contract.buyer_name,
                seller=contract.seller_name,
                title=contract.title,
                date=contract.signed_on.isoformat(),
                broker=introduction.broker.user.name,
                introduced=timezone.localdate(introduction.created_at).isoformat(),
            ),
            target=contract,
        )
    return raised


# --- registration ------------------------------------------------------------------------------


def compute_deadline(*, start: date, working_days: int) -> tuple[date, bool]:
    """The decision deadline ``working_days`` working days after ``start``, and whether it is provisional
    (it reaches into a year the calendar has no holidays for)."""
    # 30 working days never span more than ~3 months, even across Spring Festival and National Day.
    horizon = date(start.year + 1, 12, 31)
    exceptions = calendar_exceptions(start=start, end=horizon)
    deadline = workdays.add_working_days(start, working_days, exceptions)
    missing = workdays.years_between(start, deadline) - calendar_years()
    return deadline, bool(missing)


def _event(
    *,
    registration: Registration,
    kind: str,
    actor: User | None,
    effective_on: date,
    note: str = "",
    previous: tuple[Decimal, Decimal] | None = None,
    after: tuple[Decimal, Decimal] | None = None,
) -> RegistrationEvent:
    values: dict[str, Any] = {}
    if after is not None:
        before = previous or (Decimal("0.00"), Decimal("0.00"))
        values = {
            "contract_amount": after[0],
            "technology_amount": after[1],
            "contract_amount_delta": after[0] - before[0],
            "technology_amount_delta": after[1] - before[1],
        }
    event = RegistrationEvent.objects.create(
        registration=registration,
        contract_id=registration.contract_id,
        kind=kind,
        actor=actor,
        effective_on=effective_on,
        note=note,
        **values,
    )
    if after is not None:
        from apps.stats.tasks import fold_contract

        fold_contract.delay_on_commit(contract_id=registration.contract_id)  # type: ignore[attr-defined]
    return event


def check_operator(actor: User) -> None:
    if not is_operator(actor):
        raise ApplicationError(
            _("Registration decisions are the market operator's."), code=RegistrationError.OPERATOR_ONLY, status=403
        )


@transaction.atomic
def registration_apply(*, actor: User, contract: Contract) -> Registration:
    """The registrant (the seller; the domestic buyer of an import) applies to register the contract, once."""
    registrant_id = contract.registrant_id
    if registrant_id is None or registrant_id not in organization_ids(actor):
        raise ApplicationError(
            _("The seller registers a contract (the domestic buyer, for a technology import)."),
            code=RegistrationError.NOT_REGISTRANT,
            status=403,
        )
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if Registration.objects.filter(contract=locked, status__in=ACTIVE_REGISTRATION_STATUSES).exists():
        raise ApplicationError(
            _("This contract has already been submitted for registration."),
            code=RegistrationError.ALREADY_REGISTERED,
            status=409,
        )
    if not locked.document:
        raise ApplicationError(
            _("Upload the signed contract first: only written contracts are registered."),
            code=RegistrationError.NOT_WRITTEN,
            status=400,
        )
    today = market_today()
    if locked.valid_from > today:
        raise ApplicationError(
            _("The contract has not taken effect yet (it is valid from %(date)s).") % {"date": locked.valid_from},
            code=RegistrationError.NOT_IN_EFFECT,
            status=400,
        )
    rule_set = rule_set_in_force(on=today)
    if rule_set is None:
        raise ApplicationError(
            _("No registration rules are in force today; the operator must add a rule set."),
            code=RegistrationError.NO_RULE_SET,
            status=409,
        )
    working_days = rule_set.working_days_for(locked.technology_amount)
    deadline, provisional = compute_deadline(start=today, working_days=working_days)
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                contract=locked,
                applicant_id=registrant_id,
                applied_by=actor,
                rule_set=rule_set,
                declared_contract_amount=locked.contract_amount,
                declared_technology_amount=locked.technology_amount,
                applied_at=timezone.now(),
                clock_started_on=today,
                working_days=working_days,
                deadline=deadline,
                deadline_provisional=provisional,
            )
    except IntegrityError:
        raise ApplicationError(
            _("This contract has already been submitted for registration."),
            code=RegistrationError.ALREADY_REGISTERED,
            status=409,
        ) from None
    _event(registration=registration, kind=RegistrationEventKind.APPLIED, actor=actor, effective_on=today)
    return registration


def _locked_registration(registration: Registration, *, expect: Iterable[str]) -> Registration:
    locked = Registration.objects.select_for_update().select_related("contract", "rule_set").get(pk=registration.pk)
    allowed = list(expect)
    if locked.status not in allowed:
        raise ApplicationError(
            _("A registration that is %(status)s cannot do this.") % {"status": locked.get_status_display()},
            code=RegistrationError.BAD_TRANSITION,
            status=409,
            extra={"status": locked.status},
        )
    return locked


@transaction.atomic
def registration_resubmit(*, actor: User, registration: Registration, note: str = "") -> Registration:
    """After a correction request the applicant resubmits; the deadline counts again from today."""
    if registration.applicant_id not in organization_ids(actor):
        raise ApplicationError(_("Only the applicant resubmits."), code=RegistrationError.NOT_REGISTRANT, status=403)
    locked = _locked_registration(registration, expect=[RegistrationStatus.CORRECTION_REQUESTED])
    contract = locked.contract
    today = market_today()
    working_days = locked.rule_set.working_days_for(contract.technology_amount)
    deadline, provisional = compute_deadline(start=today, working_days=working_days)
    Registration.objects.filter(pk=locked.pk).update(
        status=RegistrationStatus.APPLIED,
        declared_contract_amount=contract.contract_amount,
        declared_technology_amount=contract.technology_amount,
        clock_started_on=today,
        working_days=working_days,
        deadline=deadline,
        deadline_provisional=provisional,
        overdue_notified_at=None,
        updated_at=timezone.now(),
    )
    _event(registration=locked, kind=RegistrationEventKind.RESUBMITTED, actor=actor, effective_on=today, note=note)
    return Registration.objects.get(pk=locked.pk)


def _check_number(number: str) -> str:
    number = number.strip()
    if not (number.isascii() and number.isdigit() and 14 <= len(number) <= 16):
        raise _bad(
            _("A registration number has 14 to 16 digits."),
            code=RegistrationError.BAD_NUMBER,
            field="registration_number",
        )
    if Registration.objects.filter(registration_number=number).exists():
        raise _bad(
            _("This registration number is already in use."),
            code=RegistrationError.NUMBER_TAKEN,
            field="registration_number",
            status=409,
        )
    return number


def next_registration_number(*, year: int) -> str:
    """The next number the market issues itself: office code (6) + year (4) + sequence (6) = 16 digits.

    Serialised by a transaction-scoped advisory lock, so two decisions never draw the same number.
    """
    from django.db import connection

    prefix = f"{settings.CONTRACT_REGISTRATION_OFFICE_CODE}{year}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(prefix)])
    last = (
        Registration.objects.filter(registration_number__startswith=prefix, registration_number__regex=r"^[0-9]{16}$")
        .order_by("-registration_number")
        .values_list("registration_number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


def _check_recognised(contract_amount: Decimal, technology_amount: Decimal) -> None:
    if contract_amount <= 0 or contract_amount > amounts.MAX_AMOUNT:
        raise _bad(
            _("The recognised contract amount must be more than zero."),
            code=RegistrationError.BAD_AMOUNTS,
            field="recognised_contract_amount",
        )
    if technology_amount < 0 or technology_amount > contract_amount:
        raise _bad(
            _("The recognised technology amount must lie between zero and the recognised contract amount."),
            code=RegistrationError.BAD_AMOUNTS,
            field="recognised_technology_amount",
        )


@transaction.atomic
def registration_decide(
    *,
    actor: User,
    registration: Registration,
    decision: str,
    registration_number: str = "",
    recognised_contract_amount: Decimal | None = None,
    recognised_technology_amount: Decimal | None = None,
    refusal_ground: str = "",
    note: str = "",
) -> Registration:
    """The operator decides an application: ``register``, ``request_correction`` or ``refuse``."""
    check_operator(actor)
    locked = _locked_registration(registration, expect=[RegistrationStatus.APPLIED])
    now = timezone.now()
    today = market_today()
    values: dict[str, Any] = {"decided_at": now, "decided_by": actor, "updated_at": now, "decision_note": note}
    if decision == "register":
        recognised = (
            recognised_contract_amount if recognised_contract_amount is not None else locked.declared_contract_amount,
            recognised_technology_amount
            if recognised_technology_amount is not None
            else locked.declared_technology_amount,
        )
        _check_recognised(*recognised)
        number = (
            _check_number(registration_number) if registration_number else next_registration_number(year=today.year)
        )
        values.update(
            status=RegistrationStatus.REGISTERED,
            registration_number=number,
            recognised_contract_amount=recognised[0],
            recognised_technology_amount=recognised[1],
        )
        Registration.objects.filter(pk=locked.pk).update(**values)
        _event(
            registration=locked,
            kind=RegistrationEventKind.REGISTERED,
            actor=actor,
            effective_on=today,
            note=note,
            after=recognised,
        )
        if locked.contract.deal_id is not None:
            _sync_deal(deal_id=locked.contract.deal_id, stage="registered")
    elif decision == "request_correction":
        if not note.strip():
            raise _bad(_("Say what must be corrected."), code=RegistrationError.NOTE_REQUIRED, field="note")
        values.update(status=RegistrationStatus.CORRECTION_REQUESTED, correction_note=note)
        Registration.objects.filter(pk=locked.pk).update(**values)
        _event(registration=locked, kind=RegistrationEventKind.CORRECTION, actor=actor, effective_on=today, note=note)
    elif decision == "refuse":
        if refusal_ground not in RefusalGround.values:
            raise _bad(
                _("Give one of the refusal grounds."), code=RegistrationError.GROUND_REQUIRED, field="refusal_ground"
            )
        values.update(status=RegistrationStatus.REFUSED, refusal_ground=refusal_ground)
        Registration.objects.filter(pk=locked.pk).update(**values)
        _event(registration=locked, kind=RegistrationEventKind.REFUSED, actor=actor, effective_on=today, note=note)
    else:
        raise _bad(_("Unknown decision."), code=ErrorCode.VALIDATION_ERROR, field="decision")
    decided = Registration.objects.select_related("contract", "rule_set").get(pk=locked.pk)
    _notify_applicant(registration=decided)
    return decided


_DECISION_TITLES = {
    RegistrationStatus.REGISTERED: gettext_lazy("Your contract has been registered"),
    RegistrationStatus.CORRECTION_REQUESTED: gettext_lazy("Your registration application needs a correction"),
    RegistrationStatus.REFUSED: gettext_lazy("Your registration application was refused"),
}


def _notify_applicant(*, registration: Registration) -> None:
    from apps.notifications.services import notify

    members = User.objects.filter(
        memberships__organization_id=registration.applicant_id, is_active=True, is_service_account=False
    ).distinct()
    detail = (
        registration.registration_number or registration.correction_note or registration.get_refusal_ground_display()
    )
    notify(
        recipients=members,
        kind="contracts.registration_decided",
        title=_DECISION_TITLES[RegistrationStatus(registration.status)],
        body=format_lazy("{title}: {detail}", title=registration.contract.title, detail=detail or ""),
        target=registration,
    )


# Which registration statuses each later event may follow, and the status it leaves.
_EVENT_RULES: dict[str, tuple[tuple[str, ...], str]] = {
    RegistrationEventKind.CHANGE: ((RegistrationStatus.REGISTERED,), RegistrationStatus.REGISTERED),
    RegistrationEventKind.TERMINATION: ((RegistrationStatus.REGISTERED,), RegistrationStatus.TERMINATED),
    RegistrationEventKind.ANNULMENT: (
        (RegistrationStatus.REGISTERED, RegistrationStatus.TERMINATED),
        RegistrationStatus.ANNULLED,
    ),
    # A correction leaves the status as it is ("" below).
    RegistrationEventKind.AMOUNT_CORRECTION: ((RegistrationStatus.REGISTERED, RegistrationStatus.TERMINATED), ""),
}


@transaction.atomic
def registration_record_event(
    *,
    actor: User,
    registration: Registration,
    kind: str,
    effective_on: date | None = None,
    contract_amount: Decimal | None = None,
    technology_amount: Decimal | None = None,
    note: str = "",
) -> RegistrationEvent:
    """The operator registers a change, termination, annulment or amount correction of a registered contract.

    A change needs the new recognised amounts; a termination may reduce them to what was performed
    (default: unchanged); an annulment brings both to zero. An amount correction gives the corrected
    recognised amounts and leaves the status as it is; it belongs to the period of the registration,
    so its ``effective_on`` is the registration's (another date given is refused). The event keeps the
    amounts after it and the deltas, so the statistics can fold them by ``effective_on``.
    """
    check_operator(actor)
    if kind not in _EVENT_RULES:
        raise _bad(_("Unknown event kind."), code=ErrorCode.VALIDATION_ERROR, field="kind")
    allowed, next_status = _EVENT_RULES[kind]
    locked = _locked_registration(registration, expect=allowed)
    if locked.recognised_contract_amount is None or locked.recognised_technology_amount is None:
        raise ApplicationError(_("This registration has no recognised amounts."), code=RegistrationError.BAD_TRANSITION)
    registered_on = (locked.decided_at or locked.applied_at).astimezone(timezone.get_current_timezone()).date()
    if kind == RegistrationEventKind.AMOUNT_CORRECTION:
        registered_on = (
            RegistrationEvent.objects.filter(registration=locked, kind=RegistrationEventKind.REGISTERED)
            .values_list("effective_on", flat=True)
            .first()
        ) or registered_on
        if effective_on not in (None, registered_on):
            raise _bad(
                _("An amount correction takes effect on the registration date, %(date)s.")
                % {"date": registered_on.isoformat()},
                code=RegistrationError.BAD_EFFECTIVE_DATE,
                field="effective_on",
            )
        effective_on = registered_on
    if effective_on is None:
        raise _bad(_("Give the effective date."), code=RegistrationError.BAD_EFFECTIVE_DATE, field="effective_on")
    if effective_on > market_today() or effective_on < registered_on:
        raise _bad(
            _("The effective date must lie between the registration and today."),
            code=RegistrationError.BAD_EFFECTIVE_DATE,
            field="effective_on",
        )
    # Events take effect in the order they are recorded: the statistics count each delta in its month,
    # so a back-dated event before a later one would leave months in between with impossible amounts.
    latest = (
        RegistrationEvent.objects.filter(registration=locked, contract_amount__isnull=False)
        .exclude(kind=RegistrationEventKind.AMOUNT_CORRECTION)
        .order_by("-effective_on")
        .values_list("effective_on", flat=True)
        .first()
    )
    if kind != RegistrationEventKind.AMOUNT_CORRECTION and latest is not None and effective_on < latest:
        raise _bad(
            _("The effective date cannot be before the registration's latest event (%(date)s).")
            % {"date": latest.isoformat()},
            code=RegistrationError.BAD_EFFECTIVE_DATE,
            field="effective_on",
        )
    before = (locked.recognised_contract_amount, locked.recognised_technology_amount)
    if kind == RegistrationEventKind.ANNULMENT:
        after = (Decimal("0.00"), Decimal("0.00"))
    elif kind in (RegistrationEventKind.CHANGE, RegistrationEventKind.AMOUNT_CORRECTION):
        if contract_amount is None and technology_amount is None:
            raise _bad(
                _("A change or correction gives the new recognised amounts."),
                code=RegistrationError.BAD_AMOUNTS,
                field="contract_amount",
            )
        after = (
            contract_amount if contract_amount is not None else before[0],
            technology_amount if technology_amount is not None else before[1],
        )
        _check_recognised(*after)
    else:
        after = (
            contract_amount if contract_amount is not None else before[0],
            technology_amount if technology_amount is not None else before[1],
        )
        if after[0] < 0 or after[1] < 0 or after[1] > after[0] or after[0] > before[0]:
            raise _bad(
                _("A termination keeps at most the recognised amounts (technology ≤ contract)."),
                code=RegistrationError.BAD_AMOUNTS,
                field="contract_amount",
            )
    update: dict[str, Any] = {"status": next_status or locked.status, "updated_at": timezone.now()}
    if kind != RegistrationEventKind.ANNULMENT:
        update.update(recognised_contract_amount=after[0], recognised_technology_amount=after[1])
    Registration.objects.filter(pk=locked.pk).update(**update)
    return _event(
        registration=locked, kind=kind, actor=actor, effective_on=effective_on, note=note, previous=before, after=after
    )


def registrations_notify_overdue(*, today: date | None = None) -> int:
    """Tell the operator about each undecided application past its deadline, once; returns how many.

    Each row is claimed by a conditional ``UPDATE ... WHERE overdue_notified_at IS NULL`` before the
    notice, so two runs never tell twice. A resubmission restarts the clock and clears the mark.
    """
    from apps.notifications.services import notify

    today = today or market_today()
    operators = _operators()
    told = 0
    overdue = Registration.objects.filter(
        status=RegistrationStatus.APPLIED, deadline__lt=today, overdue_notified_at__isnull=True
    ).select_related("contract")
    for registration in overdue.iterator():
        with transaction.atomic():
            claimed = Registration.objects.filter(pk=registration.pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=timezone.now()
            )
            if not claimed:
                continue
            notify(
                recipients=operators,
                kind="contracts.registration_overdue",
                title=gettext_lazy("A registration application is past its deadline"),
                body=format_lazy(
                    "{title}: {deadline}", title=registration.contract.title, deadline=registration.deadline.isoformat()
                ),
                target=registration,
            )
            told += 1
    return told


def registration_recompute_deadlines() -> int:
    """Recount the deadlines of pending applications after the operator edited the calendar; returns how
    many changed. Safe to run any time."""
    changed = 0
    pending = Registration.objects.filter(status=RegistrationStatus.APPLIED).only(
        "pk", "clock_started_on", "working_days", "deadline", "deadline_provisional"
    )
    for registration in pending.iterator():
        deadline, provisional = compute_deadline(
            start=registration.clock_started_on, working_days=registration.working_days
        )
        if (deadline, provisional) != (registration.deadline, registration.deadline_provisional):
            changed += Registration.objects.filter(pk=registration.pk, status=RegistrationStatus.APPLIED).update(
                deadline=deadline, deadline_provisional=provisional
            )
    return changed
