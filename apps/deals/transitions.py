"""The deal pipeline as data: which stage may move to which, and who may make each move.

Pure Python (no ORM), so the whole matrix can be tested on its own. A move is allowed when
``to in TRANSITIONS[from]`` and the mover's role is in that entry's set. :class:`DealStage` is the one
enum of deal stages: the model's choices, the API's enum and the contracts side's reports.

Roles:
- ``party``: a member of the buyer or the seller organisation;
- ``broker``: a broker taking part in the deal;
- ``operator``: the market operator;
- ``contract``: the contracts side (``deal_sync_from_contract``) reporting a signed, registered,
  performing or completed contract.

Stages from ``signed`` on follow the contract, so only the contracts side and the operator move
them; before that the parties and their brokers run the pipeline. ``lost`` and ``cancelled`` end a
deal and need a reason.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class DealStage(models.TextChoices):
    LEAD = "lead", _("lead")
    CONTACTED = "contacted", _("contacted")
    NEGOTIATING = "negotiating", _("negotiating")
    CONTRACT_DRAFTED = "contract_drafted", _("contract drafted")
    SIGNED = "signed", _("signed")
    REGISTERED = "registered", _("registered")
    IN_PERFORMANCE = "in_performance", _("in performance")
    COMPLETED = "completed", _("completed")
    LOST = "lost", _("lost")
    CANCELLED = "cancelled", _("cancelled")


class Role(StrEnum):
    PARTY = "party"
    BROKER = "broker"
    OPERATOR = "operator"
    CONTRACT = "contract"


# The forward path, in order: a deal "reached" a stage when it is at that stage or later on this path.
PIPELINE: Final[tuple[DealStage, ...]] = (
    DealStage.LEAD,
    DealStage.CONTACTED,
    DealStage.NEGOTIATING,
    DealStage.CONTRACT_DRAFTED,
    DealStage.SIGNED,
    DealStage.REGISTERED,
    DealStage.IN_PERFORMANCE,
    DealStage.COMPLETED,
)
TERMINAL: Final[frozenset[DealStage]] = frozenset({DealStage.COMPLETED, DealStage.LOST, DealStage.CANCELLED})
# Ending stages that need a reason code and a note.
NEEDS_REASON: Final[frozenset[DealStage]] = frozenset({DealStage.LOST, DealStage.CANCELLED})
# Stages the contract side drives (deal_sync_from_contract).
CONTRACT_DRIVEN: Final[frozenset[DealStage]] = frozenset(
    {DealStage.SIGNED, DealStage.REGISTERED, DealStage.IN_PERFORMANCE, DealStage.COMPLETED}
)

_PEOPLE: Final = frozenset({Role.PARTY, Role.BROKER, Role.OPERATOR})
_OFFICIAL: Final = frozenset({Role.OPERATOR, Role.CONTRACT})

TRANSITIONS: Final[dict[DealStage, dict[DealStage, frozenset[Role]]]] = {
    DealStage.LEAD: {
        DealStage.CONTACTED: _PEOPLE,
        DealStage.NEGOTIATING: _PEOPLE,
        DealStage.LOST: _PEOPLE,
        DealStage.CANCELLED: _PEOPLE,
    },
    DealStage.CONTACTED: {
        DealStage.NEGOTIATING: _PEOPLE,
        DealStage.LOST: _PEOPLE,
        DealStage.CANCELLED: _PEOPLE,
    },
    DealStage.NEGOTIATING: {
        DealStage.CONTRACT_DRAFTED: _PEOPLE,
        DealStage.LOST: _PEOPLE,
        DealStage.CANCELLED: _PEOPLE,
    },
    DealStage.CONTRACT_DRAFTED: {
        # A draft the parties reopen goes back to the table.
        DealStage.NEGOTIATING: _PEOPLE,
        DealStage.SIGNED: _OFFICIAL,
        DealStage.LOST: _PEOPLE,
        DealStage.CANCELLED: _PEOPLE,
    },
    DealStage.SIGNED: {
        DealStage.REGISTERED: _OFFICIAL,
        # Performance may begin before the registration certificate arrives.
        DealStage.IN_PERFORMANCE: _OFFICIAL,
        # A signed contract is terminated or annulled: only officially.
        DealStage.CANCELLED: _OFFICIAL,
    },
    DealStage.REGISTERED: {
        DealStage.IN_PERFORMANCE: _OFFICIAL,
        DealStage.COMPLETED: _OFFICIAL,
        DealStage.CANCELLED: _OFFICIAL,
    },
    DealStage.IN_PERFORMANCE: {
        DealStage.COMPLETED: _OFFICIAL,
        DealStage.CANCELLED: _OFFICIAL,
    },
    DealStage.COMPLETED: {},
    DealStage.LOST: {},
    DealStage.CANCELLED: {},
}


def allowed_targets(stage: DealStage, role: Role) -> list[DealStage]:
    """The stages ``role`` may move a deal in ``stage`` to, in pipeline order."""
    return [to for to, roles in TRANSITIONS[stage].items() if role in roles]


def can_move(stage: DealStage, to: DealStage, roles: frozenset[Role] | set[Role]) -> bool:
    """True when one of ``roles`` may move a deal from ``stage`` to ``to``."""
    allowed = TRANSITIONS[stage].get(to)
    return allowed is not None and bool(allowed & set(roles))


def is_allowed_anyone(stage: DealStage, to: DealStage) -> bool:
    """True when the pipeline has the move at all, whoever makes it."""
    return to in TRANSITIONS[stage]


def pipeline_index(stage: DealStage) -> int:
    """Position on the forward path; -1 for lost and cancelled."""
    try:
        return PIPELINE.index(stage)
    except ValueError:
        return -1


def has_reached(stage: DealStage, target: DealStage) -> bool:
    """True when a deal at ``stage`` is at ``target`` or past it on the forward path."""
    here = pipeline_index(stage)
    return here >= 0 and here >= pipeline_index(target)


def contract_path(stage: DealStage, target: DealStage) -> list[DealStage]:
    """The forward steps from ``stage`` to the contract-driven ``target`` (empty when already there or past).

    A contract reported as registered while the deal is still negotiating walks the deal through
    signed to registered, so every stage it passed is recorded.
    """
    here, there = pipeline_index(stage), pipeline_index(target)
    if here < 0 or there <= here:
        return []
    return list(PIPELINE[here + 1 : there + 1])
