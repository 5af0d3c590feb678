"""Registered contracts for the statistics tests, made through the contracts services at chosen dates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.db.models import Sum

from apps.accounts.models import User
from apps.contracts.models import Contract, Registration, RegistrationStatus
from apps.contracts.services import payment_create, registration_apply, registration_decide, registration_record_event
from apps.stats.dims import DIMS, GRAIN_BY_ID, cell_key
from apps.stats.models import Cell
from tests.contracts.factories import make_contract
from tests.deals.factories import DealWorld

SHANGHAI = ZoneInfo("Asia/Shanghai")


def make_world(settings: Any, tmp_path: Any) -> DealWorld:
    """A buyer, a seller (Liuzhou), a broker who introduced them; signed documents under ``tmp_path``."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return DealWorld()


def at(day: date | str) -> time_machine.travel:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI), tick=False)


def signed(world: DealWorld, *, on: date | str, **overrides: Any) -> Contract:
    with at(on):
        return make_contract(world, document=True, **overrides)


def register(
    world: DealWorld, operator: User, contract: Contract, *, on: date | str, amount: Decimal | None = None
) -> Registration:
    """Apply (by the registrant) and register (by the operator) on ``on``; ``amount`` = recognised
    contract amount (technology amount = 80% of it), else the declared amounts."""
    with at(on):
        applicant = world.buyer_user if contract.is_import else world.seller_user
        registration = registration_apply(actor=applicant, contract=contract)
        extra: dict[str, Any] = {}
        if amount is not None:
            extra = {"recognised_contract_amount": amount, "recognised_technology_amount": amount * Decimal("0.8")}
        return registration_decide(actor=operator, registration=registration, decision="register", **extra)


def registered(world: DealWorld, operator: User, *, on: date | str, **overrides: Any) -> Registration:
    return register(world, operator, signed(world, on=on, **overrides), on=on)


def event(
    operator: User, registration: Registration, kind: str, *, on: date | str, recorded: date | str | None = None, **kw
):
    """Record ``kind`` effective ``on`` (recorded that day, or on ``recorded``)."""
    on = date.fromisoformat(on) if isinstance(on, str) else on
    with at(recorded or on):
        return registration_record_event(
            actor=operator,
            registration=Registration.objects.get(pk=registration.pk),
            kind=kind,
            effective_on=None if kind == "amount_correction" else on,
            **kw,
        )


def pay(world: DealWorld, contract: Contract, amount: str, *, on: date | str) -> None:
    with at(on):
        payment_create(
            actor=world.seller_user,
            contract=contract,
            amount=Decimal(amount),
            paid_on=date.fromisoformat(on) if isinstance(on, str) else on,
        )


def cells(grain: int = 1) -> dict[tuple[Any, ...], tuple[int, Decimal, Decimal, Decimal]]:
    """{(month, *dims): (count, contract, technology, paid)} of one grain, all-zero cells left out."""
    found = {}
    for row in Cell.objects.filter(grain=grain).values("month", *DIMS, *MEASURES):
        figures = tuple(row[m] for m in MEASURES)
        if any(figures):
            found[(row["month"], *(row[d] for d in DIMS))] = figures
    return found


MEASURES = ("contract_count", "contract_amount", "technology_amount", "paid_amount")


def headline() -> dict[date, tuple[int, Decimal, Decimal, Decimal]]:
    """Grain 1 (no cuts): {month: figures}."""
    return {key[0]: figures for key, figures in cells(1).items()}


def grain_totals(grain: int) -> dict[date, tuple[int, Decimal, Decimal, Decimal]]:
    totals: dict[date, list[Any]] = {}
    for row in Cell.objects.filter(grain=grain).values("month").annotate(*(Sum(m) for m in MEASURES)):
        totals[row["month"]] = [row[f"{m}__sum"] for m in MEASURES]
    return {m: tuple(v) for m, v in totals.items() if any(v)}  # type: ignore[misc]


def key_for(grain_id: int, dims: dict[Any, str]) -> tuple[str, ...]:
    return cell_key(GRAIN_BY_ID[grain_id], dims)


__all__ = ["RegistrationStatus"]
