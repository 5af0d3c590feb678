"""Writes of registration (认定登记): the application, the operator's decision, later events, deadlines.

Deadlines are counted in working days (:mod:`apps.contracts.workdays`) under the rule set in force.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.contracts import amounts, workdays
from apps.contracts.models import (
    ACTIVE_REGISTRATION_STATUSES,
    Contract,
    RefusalGround,
    Registration,
    RegistrationEvent,
    RegistrationEventKind,
    RegistrationStatus,
)
from apps.contracts.selectors import SHANGHAI, calendar_exceptions, calendar_years, market_today, rule_set_in_force
from apps.contracts.services.contracts import check_pledged_assets, sync_deal
from apps.contracts.services.errors import RegistrationError
from apps.contracts.services.errors import bad_input as _bad
from apps.contracts.services.evidence import evidence_registration
from apps.contracts.services.webhooks import publish_registration
from apps.core.changes import record_model_changes
from apps.core.effects import effect
from apps.core.errors import ApplicationError, ErrorCode
from apps.core.lifecycle import Lifecycle, Transition
from apps.deals.models import DealStage
from apps.markets.access import operates
from apps.organizations.access import Actor, operator_users, organization_ids, require_operator

S = RegistrationStatus

# How a registration moves: the applicant resubmits after a correction request; the operator decides an
# application (register, request a correction, refuse) and records later events of a registered
# contract. An amount correction (target None) is allowed from the states listed but leaves the status
# as it is, so it is checked against the table and not moved.
REGISTRATION_LIFECYCLE = Lifecycle(
    transitions={
        "resubmit": Transition(sources=(S.CORRECTION_REQUESTED,), target=S.APPLIED),
        "register": Transition(sources=(S.APPLIED,), target=S.REGISTERED),
        "request_correction": Transition(sources=(S.APPLIED,), target=S.CORRECTION_REQUESTED),
        "refuse": Transition(sources=(S.APPLIED,), target=S.REFUSED),
        RegistrationEventKind.CHANGE: Transition(sources=(S.REGISTERED,), target=S.REGISTERED),
        RegistrationEventKind.TERMINATION: Transition(sources=(S.REGISTERED,), target=S.TERMINATED),
        RegistrationEventKind.ANNULMENT: Transition(sources=(S.REGISTERED, S.TERMINATED), target=S.ANNULLED),
        RegistrationEventKind.AMOUNT_CORRECTION: Transition(sources=(S.REGISTERED, S.TERMINATED), target=None),
    },
    error_code=RegistrationError.BAD_TRANSITION,
    message=gettext_lazy("A registration that is %(status)s cannot do this."),
    labels=RegistrationStatus,
)
DECISIONS = ("register", "request_correction", "refuse")
LATER_EVENTS = (
    RegistrationEventKind.CHANGE,
    RegistrationEventKind.TERMINATION,
    RegistrationEventKind.ANNULMENT,
    RegistrationEventKind.AMOUNT_CORRECTION,
)


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
        effect("stats.fold_contract", contract_id=registration.contract_id)
    evidence_registration(registration=registration, event=event)
    return event


def _back_dated(as_of: date | None, *, not_before: date, hour: int) -> tuple[date, datetime]:
    """The market day and moment a step is recorded on: now, or the past day ``as_of`` (not before
    ``not_before``, not after today).

    ``as_of`` is for loaders of past records (the demo's three years of registrations): the HTTP API has
    no such field, so a request always acts today.
    """
    today = market_today()
    if as_of is None:
        return today, timezone.now()
    if as_of > today or as_of < not_before:
        raise _bad(
            _("A past registration step must be dated between %(first)s and today.") % {"first": not_before},
            code=RegistrationError.BAD_EFFECTIVE_DATE,
            field="as_of",
        )
    return as_of, datetime.combine(as_of, time(hour), tzinfo=SHANGHAI)


def check_operator(actor: Actor, market_code: str | None = None) -> None:
    """The global operator decides every registration; a market's operator those of its markets."""
    if operates(actor, market_code):
        return
    require_operator(actor, _("Registration decisions are the market operator's."))


@transaction.atomic
def registration_apply(*, actor: User, contract: Contract, as_of: date | None = None) -> Registration:
    """The registrant (the seller; the domestic buyer of an import) applies to register the contract, once.

    ``as_of``: the past day the application was made (loaders of past records only; see ``_back_dated``).
    """
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
    check_pledged_assets(locked)
    today, applied_at = _back_dated(as_of, not_before=locked.signed_on, hour=9)
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
                applied_at=applied_at,
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
    publish_registration("registration.applied", registration)
    return registration


def _locked_registration(registration: Registration, *, action: str) -> Registration:
    """The registration's row, locked, if ``action`` may start from its state (409 otherwise)."""
    locked = Registration.objects.select_for_update().select_related("contract", "rule_set").get(pk=registration.pk)
    REGISTRATION_LIFECYCLE.check(locked.status, action)
    return locked


@transaction.atomic
def registration_resubmit(*, actor: User, registration: Registration, note: str = "") -> Registration:
    """After a correction request the applicant resubmits; the deadline counts again from today."""
    if registration.applicant_id not in organization_ids(actor):
        raise ApplicationError(_("Only the applicant resubmits."), code=RegistrationError.NOT_REGISTRANT, status=403)
    locked = _locked_registration(registration, action="resubmit")
    contract = locked.contract
    today = market_today()
    working_days = locked.rule_set.working_days_for(contract.technology_amount)
    deadline, provisional = compute_deadline(start=today, working_days=working_days)
    REGISTRATION_LIFECYCLE.move(
        model=Registration,
        pk=locked.pk,
        action="resubmit",
        declared_contract_amount=contract.contract_amount,
        declared_technology_amount=contract.technology_amount,
        clock_started_on=today,
        working_days=working_days,
        deadline=deadline,
        deadline_provisional=provisional,
        overdue_notified_at=None,
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
    as_of: date | None = None,
) -> Registration:
    """The operator decides an application: ``register``, ``request_correction`` or ``refuse``.

    ``as_of``: the past day of the decision (loaders of past records only; see ``_back_dated``). Such a
    decision is history: the registration number is of that year and the applicant is not notified.
    """
    check_operator(actor, registration.contract.market_id)
    if decision not in DECISIONS:
        raise _bad(_("Unknown decision."), code=ErrorCode.VALIDATION_ERROR, field="decision")
    locked = _locked_registration(registration, action=decision)
    today, decided_at = _back_dated(as_of, not_before=locked.clock_started_on, hour=15)
    values: dict[str, Any] = {"decided_at": decided_at, "decided_by_id": actor.pk, "decision_note": note}
    if decision == "register":
        recognised = (
            recognised_contract_amount if recognised_contract_amount is not None else locked.declared_contract_amount,
            recognised_technology_amount
            if recognised_technology_amount is not None
            else locked.declared_technology_amount,
        )
        _check_recognised(*recognised)
        check_pledged_assets(locked.contract)
        number = (
            _check_number(registration_number) if registration_number else next_registration_number(year=today.year)
        )
        REGISTRATION_LIFECYCLE.move(
            model=Registration,
            pk=locked.pk,
            action=decision,
            registration_number=number,
            recognised_contract_amount=recognised[0],
            recognised_technology_amount=recognised[1],
            **values,
        )
        _event(
            registration=locked,
            kind=RegistrationEventKind.REGISTERED,
            actor=actor,
            effective_on=today,
            note=note,
            after=recognised,
        )
        if locked.contract.deal_id is not None:
            sync_deal(deal_id=locked.contract.deal_id, stage=DealStage.REGISTERED)
    elif decision == "request_correction":
        if not note.strip():
            raise _bad(_("Say what must be corrected."), code=RegistrationError.NOTE_REQUIRED, field="note")
        REGISTRATION_LIFECYCLE.move(model=Registration, pk=locked.pk, action=decision, correction_note=note, **values)
        _event(registration=locked, kind=RegistrationEventKind.CORRECTION, actor=actor, effective_on=today, note=note)
    else:
        if refusal_ground not in RefusalGround.values:
            raise _bad(
                _("Give one of the refusal grounds."), code=RegistrationError.GROUND_REQUIRED, field="refusal_ground"
            )
        REGISTRATION_LIFECYCLE.move(
            model=Registration, pk=locked.pk, action=decision, refusal_ground=refusal_ground, **values
        )
        _event(registration=locked, kind=RegistrationEventKind.REFUSED, actor=actor, effective_on=today, note=note)
    decided = Registration.objects.select_related("contract", "rule_set").get(pk=locked.pk)
    if as_of is None:  # a back-dated decision (loaders of past records) tells nobody
        _notify_applicant(registration=decided)
        if event_type := _DECISION_EVENTS.get(RegistrationStatus(decided.status)):
            publish_registration(event_type, decided)
    return decided


_DECISION_EVENTS = {
    RegistrationStatus.REGISTERED: "registration.approved",
    RegistrationStatus.REFUSED: "registration.rejected",
}

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
    check_operator(actor, registration.contract.market_id)
    if kind not in LATER_EVENTS:
        raise _bad(_("Unknown event kind."), code=ErrorCode.VALIDATION_ERROR, field="kind")
    locked = _locked_registration(registration, action=kind)
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
    changes: dict[str, Any] = {}
    if kind != RegistrationEventKind.ANNULMENT:
        changes.update(recognised_contract_amount=after[0], recognised_technology_amount=after[1])
    if REGISTRATION_LIFECYCLE.target(kind) is None:
        # The row is locked and its state was checked; only the amounts change.
        Registration.objects.filter(pk=locked.pk).update(updated_at=timezone.now(), **changes)
        record_model_changes(Registration, [locked.pk])
    else:
        REGISTRATION_LIFECYCLE.move(model=Registration, pk=locked.pk, action=kind, **changes)
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
    operators = list(operator_users())
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
            moved = Registration.objects.filter(pk=registration.pk, status=RegistrationStatus.APPLIED).update(
                deadline=deadline, deadline_provisional=provisional
            )
            if moved:
                record_model_changes(Registration, [registration.pk])
            changed += moved
    return changed
