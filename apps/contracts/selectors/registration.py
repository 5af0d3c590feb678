"""Reads of registrations (seen by those who see the contract), rule sets and the working-day calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from apps.contracts.models import (
    Registration,
    RegistrationEvent,
    RegistrationStatus,
    RuleSet,
    WorkingDayException,
)
from apps.contracts.selectors.contracts import contract_visible_qs, market_today
from apps.contracts.workdays import Exceptions
from apps.markets.access import operated_markets_condition, operates
from apps.organizations.access import Actor, is_operator, require_operator


def rule_set_in_force(*, on: date) -> RuleSet | None:
    """The registration rules in force on ``on``: the latest effective on or before it."""
    return RuleSet.objects.filter(effective_from__lte=on).order_by("-effective_from").first()


def calendar_exceptions(*, start: date, end: date) -> Exceptions:
    """{date: is_working_day} of the calendar's exceptions between ``start`` and ``end``."""
    rows = WorkingDayException.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_working_day")
    return dict(rows)


def calendar_years() -> set[int]:
    """The years the calendar has holidays for (every year has some, so a year without rows is missing)."""
    return {d.year for d in WorkingDayException.objects.dates("date", "year")}


def registration_visible_qs(actor: Actor) -> QuerySet[Registration]:
    qs = Registration.objects.select_related("contract", "applicant", "rule_set")
    if is_operator(actor):
        return qs
    visible = Q(contract__in=contract_visible_qs(actor))
    operated = operated_markets_condition(actor, "contract__market")
    return qs.filter(visible | operated if operated is not None else visible)


def registration_list(*, actor: Actor, filters: dict[str, Any] | None = None) -> QuerySet[Registration]:
    qs = registration_visible_qs(actor)
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("contract"):
        qs = qs.filter(contract_id=filters["contract"])
    if filters.get("updated_since"):
        qs = qs.filter(updated_at__gte=filters["updated_since"])
    if filters.get("overdue") is True:
        qs = qs.filter(status=RegistrationStatus.APPLIED, deadline__lt=market_today())
    elif filters.get("overdue") is False:
        qs = qs.exclude(status=RegistrationStatus.APPLIED, deadline__lt=market_today())
    return qs


def access_registration(*, actor: Actor, pk: int) -> Registration:
    try:
        return registration_visible_qs(actor).get(pk=pk)
    except (Registration.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_registration_for_operator(*, actor: Actor, pk: int) -> Registration:
    """A registration the operator is to decide or record an event of: 404 to those who may not see it,
    403 (``operator_only``) to the others, before their input is even read."""
    registration = access_registration(actor=actor, pk=pk)
    if not operates(actor, registration.contract.market_id):
        require_operator(actor, _("Registration decisions are the market operator's."))
    return registration


def registration_event_list(*, registration: Registration) -> QuerySet[RegistrationEvent]:
    return RegistrationEvent.objects.filter(registration=registration).select_related("actor").order_by("id")
