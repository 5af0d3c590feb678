"""Policies (versioned rules as data) and rounds: the market operator's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Lifecycle, Transition
from apps.organizations.access import require_operator
from apps.subsidies.errors import SubsidyError
from apps.subsidies.models import PolicyStatus, SubsidyPolicy, SubsidyRound
from apps.subsidies.rules import RulesError, parse_rules

P = PolicyStatus
POLICY_LIFECYCLE = Lifecycle(
    transitions={
        "activate": Transition(sources=(P.DRAFT,), target=P.ACTIVE),
        "retire": Transition(sources=(P.ACTIVE,), target=P.RETIRED),
    },
    error_code=SubsidyError.POLICY_BAD_TRANSITION,
    message=gettext_lazy("A policy that is %(status)s cannot do this."),
    labels=PolicyStatus,
)


def _operator(actor: User) -> None:
    require_operator(actor, _("Subsidy policies, rounds and decisions are the market operator's."))


def check_rules(rules: Any) -> dict[str, Any]:
    """The rules in their normal form, or 400 ``subsidy_invalid_rules`` naming the key at fault."""
    try:
        return parse_rules(rules).as_data()
    except RulesError as exc:
        raise ApplicationError(
            str(exc), code=SubsidyError.BAD_RULES, field_errors={f"rules.{exc.field}": str(exc)}
        ) from None


@transaction.atomic
def policy_create(
    *,
    actor: User,
    name: str,
    version: str,
    effective_from: date,
    effective_until: date | None = None,
    rules: Any,
    source: str = "",
) -> SubsidyPolicy:
    """A new policy version, as a draft (rules may be replaced by creating another version)."""
    _operator(actor)
    if effective_until is not None and effective_until < effective_from:
        raise ApplicationError(
            _("The policy must end after it starts."),
            code=SubsidyError.BAD_PERIOD,
            field_errors={"effective_until": _("Before the start.")},
        )
    normal = check_rules(rules)
    try:
        with transaction.atomic():
            return SubsidyPolicy.objects.create(
                name=name,
                version=version,
                effective_from=effective_from,
                effective_until=effective_until,
                rules=normal,
                source=source,
                created_by=actor,
            )
    except IntegrityError:
        raise ApplicationError(
            _("Version %(version)s of this policy exists already: give the new rules a new version.")
            % {"version": version},
            code=SubsidyError.POLICY_TAKEN,
            status=409,
            field_errors={"version": _("Taken.")},
        ) from None


@transaction.atomic
def policy_activate(*, actor: User, policy: SubsidyPolicy) -> SubsidyPolicy:
    _operator(actor)
    POLICY_LIFECYCLE.move(model=SubsidyPolicy, pk=policy.pk, action="activate")
    return SubsidyPolicy.objects.get(pk=policy.pk)


@transaction.atomic
def policy_retire(*, actor: User, policy: SubsidyPolicy) -> SubsidyPolicy:
    """A retired version takes no new rounds; its rounds and claims stay as they were."""
    _operator(actor)
    POLICY_LIFECYCLE.move(model=SubsidyPolicy, pk=policy.pk, action="retire")
    return SubsidyPolicy.objects.get(pk=policy.pk)


@transaction.atomic
def round_create(
    *, actor: User, policy: SubsidyPolicy, name: str, opens_on: date, closes_on: date, budget: Decimal
) -> SubsidyRound:
    _operator(actor)
    locked = SubsidyPolicy.objects.select_for_update().get(pk=policy.pk)
    if locked.status != PolicyStatus.ACTIVE:
        raise ApplicationError(
            _("Rounds are opened under an active policy version."), code=SubsidyError.POLICY_NOT_ACTIVE, status=409
        )
    if closes_on < opens_on:
        raise ApplicationError(
            _("The round must close after it opens."),
            code=SubsidyError.BAD_PERIOD,
            field_errors={"closes_on": _("Before the opening.")},
        )
    if opens_on < locked.effective_from or (locked.effective_until is not None and closes_on > locked.effective_until):
        raise ApplicationError(
            _("The round's window must lie within the policy's effective period."),
            code=SubsidyError.BAD_PERIOD,
            field_errors={"opens_on": _("Outside the policy's period.")},
        )
    return SubsidyRound.objects.create(
        policy=locked, name=name, opens_on=opens_on, closes_on=closes_on, budget=budget, created_by=actor
    )
